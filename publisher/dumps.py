"""Dumps of everything published: Turtle, gzipped N-Triples and JSON-LD, written with every build.

Every named graph is serialised once into a chunk per format and kept in the build cache by the graph's
content; a dump is the chunks of all graphs one after the other. The graphs are disjoint and hold no blank
nodes, so the concatenation is exactly the union: Turtle allows its prefixes to be declared again, gzip files
may consist of several members, and JSON-LD's node objects only need a common array around them.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import pyoxigraph as ox

from publisher.namespaces import PREFIXES

#: File name -> (media type, what the file is, in German for the pages that list it).
DUMPS: dict[str, tuple[str, str]] = {
    "dataset.ttl": ("text/turtle", "Alle Daten als Turtle"),
    "dataset.nt.gz": ("application/n-triples", "Alle Daten als N-Triples, gzip-komprimiert"),
    "dataset.jsonld": ("application/ld+json", "Alle Daten als JSON-LD"),
}
#: Content encoding of the files that are compressed.
ENCODINGS = {"dataset.nt.gz": "gzip"}

_PREFIXES = {prefix: str(namespace) for prefix, namespace in PREFIXES.items() if prefix in ("schema", "pm", "xsd")}


@dataclass(frozen=True)
class Chunk:
    """One graph, serialised for each dump."""

    nt_gz: bytes
    turtle: bytes
    jsonld: bytes  # node objects, comma-separated, without the array around them


def make_chunk(ntriples: str) -> Chunk:
    """The chunks of a graph given as N-Triples."""
    data = ntriples.encode("utf-8")
    triples = list(ox.parse(input=data, format=ox.RdfFormat.N_TRIPLES))
    turtle = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=_PREFIXES) or b""
    jsonld = (ox.serialize(triples, format=ox.RdfFormat.JSON_LD) or b"[]").strip()
    if jsonld.startswith(b"{"):
        # a serialiser that wraps the nodes in {"@graph": [...]}
        jsonld = jsonld[jsonld.index(b"[") : jsonld.rindex(b"]") + 1]
    return Chunk(gzip.compress(data, compresslevel=6, mtime=0), turtle, jsonld[1:-1].strip())


class _Counting:
    """A binary file that counts and hashes what is written to it."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.size = 0
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> None:
        self.handle.write(data)
        self.size += len(data)
        self.digest.update(data)


def write_dumps(folder: Path, chunks: Iterable[Chunk]) -> dict[str, dict[str, Any]]:
    """Write the dumps of ``chunks`` into ``folder``; their size and SHA-256 by file name."""
    folder.mkdir(parents=True, exist_ok=True)
    handles = {name: open(folder / name, "wb") for name in DUMPS}  # noqa: SIM115 - closed below
    try:
        out = {name: _Counting(handle) for name, handle in handles.items()}
        out["dataset.jsonld"].write(b"[")
        first = True
        for chunk in chunks:
            out["dataset.nt.gz"].write(chunk.nt_gz)
            out["dataset.ttl"].write(chunk.turtle)
            if chunk.jsonld:
                out["dataset.jsonld"].write(chunk.jsonld if first else b",\n" + chunk.jsonld)
                first = False
        out["dataset.jsonld"].write(b"]\n")
        if out["dataset.nt.gz"].size == 0:
            out["dataset.nt.gz"].write(gzip.compress(b"", mtime=0))
    finally:
        for handle in handles.values():
            handle.close()
    return {
        name: {"size": counter.size, "sha256": counter.digest.hexdigest(), "media_type": DUMPS[name][0]}
        for name, counter in out.items()
    }
