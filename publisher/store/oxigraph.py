"""The embedded store: pyoxigraph, on disk by default, in memory for tests.

On disk, every successful write produces a new generation folder (publisher.store.generations). A generation's
database starts as a RocksDB checkpoint of the previous one (hard links, no copying), gets the change applied, is
flushed, gets its manifest, and only then becomes current.
"""

from __future__ import annotations

import ctypes
import json
import multiprocessing
import os
import shutil
import signal
import sqlite3
import sys
import tempfile
import weakref
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from publisher.errors import StoreError
from publisher.formats import oxigraph_term
from publisher.store import QUAD_FORMATS, RDF_FORMATS, Bindings, Change, WritableStore, written
from publisher.store.generations import Generations, write_failed

#: prctl(2): the signal a process gets when its parent ends.
_PR_SET_PDEATHSIG = 1


def _quads(graph: str, ntriples: str) -> str:
    """N-Triples lines -> N-Quads lines in ``graph``."""
    suffix = f" <{graph}> .\n"
    out = []
    for line in ntriples.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line[:-1].rstrip() + suffix)
    return "".join(out)


class OxigraphStore(WritableStore):
    """pyoxigraph behind the Store interface; ``path=None`` keeps everything in memory."""

    def __init__(self, path: Path | None, writable: bool = False) -> None:
        self.path = path
        self._writable = writable
        self._memory: ox.Store | None = ox.Store() if path is None else None
        self._memory_manifest: dict[str, Any] | None = None
        self._memory_files: Path | None = None
        self._memory_version = 0
        self._reader: ox.Store | None = None
        self._reader_generation: Path | None = None
        self._generations = Generations(path) if path is not None else None

    # ------------------------------------------------------------ reading

    def current_generation(self) -> Path | None:
        if self._generations is None:
            return None
        generation = self._generations.current()
        return generation if generation is not None and (generation / "oxigraph").is_dir() else None

    def version(self) -> str:
        if self._generations is None:
            return str(self._memory_version)
        return self._generations.version()

    def _store(self) -> ox.Store:
        if self._memory is not None:
            return self._memory
        generation = self.current_generation()
        if generation is None:
            if self._reader is None or self._reader_generation is not None:
                self._reader = ox.Store()  # nothing published yet: an empty graph
                self._reader_generation = None
            return self._reader
        if self._reader is None or self._reader_generation != generation:
            try:
                self._reader = ox.Store.read_only(str(generation / "oxigraph"))
            except OSError as exc:
                raise StoreError(f"store: cannot open {generation}: {exc}") from None
            self._reader_generation = generation
        return self._reader

    def query(self, sparql: str, result_format: str = "json", bindings: Bindings | None = None) -> bytes:
        substitutions: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] = {
            ox.Variable(name): oxigraph_term(term) for name, term in (bindings or {}).items()
        }
        result = self._store().query(sparql, use_default_graph_as_union=True, substitutions=substitutions or None)
        return written(result, result_format)

    def dump(self, rdf_format: str) -> bytes:
        if rdf_format not in RDF_FORMATS:
            raise StoreError(f"dump: unknown format '{rdf_format}'")
        store = self._store()
        if rdf_format in QUAD_FORMATS:
            return store.dump(format=RDF_FORMATS[rdf_format]) or b""
        triples = store.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
        return ox.serialize(triples, format=RDF_FORMATS[rdf_format]) or b""  # type: ignore[arg-type]

    def manifest(self) -> dict[str, Any] | None:
        if self._generations is None:
            return self._memory_manifest
        return self._generations.manifest() if self.current_generation() is not None else None

    def files_dir(self) -> Path | None:
        if self._generations is None:
            return self._memory_files
        generation = self.current_generation()
        return generation / "files" if generation is not None else None

    def engine(self) -> ox.Store:
        """The Oxigraph store of the current state, for running a query in this process."""
        return self._store()

    def engine_folder(self) -> str | None:
        """The folder of the current state's Oxigraph store, for other processes to open read-only; None when the
        store is held in memory or nothing is published yet."""
        generation = self.current_generation()
        return str(generation / "oxigraph") if generation is not None else None

    def close(self) -> None:
        self._reader = None
        self._reader_generation = None

    # ------------------------------------------------------------ writing

    def apply(self, change: Change) -> None:
        if self._generations is None:
            self._apply_memory(change)
            return
        current = self.current_generation()
        with self._generations.writing() as new:
            manifest = dict(change.manifest)
            try:
                if change.full or current is None:
                    loader = _start_bulk_load(new, change.graphs)
                    try:
                        if change.files is not None:
                            # written while the loader works
                            manifest["files"] = change.files(new / "files")
                    finally:
                        _finish_bulk_load(new, loader)  # the loader ends before anything is removed
                else:
                    ox.Store.read_only(str(current / "oxigraph")).backup(str(new / "oxigraph"))
                    writer = ox.Store(str(new / "oxigraph"))
                    _apply_incremental(writer, change)
                    writer.flush()
                    del writer
                    if change.files is not None:
                        manifest["files"] = change.files(new / "files")
                self._generations.publish(new, manifest)
            except (OSError, sqlite3.Error) as exc:  # the search index and the change log are SQLite
                raise write_failed(self._generations.path, exc) from None

    def _apply_memory(self, change: Change) -> None:
        store = self._memory
        assert store is not None
        fresh = ox.Store()
        if not (change.full or self._memory_manifest is None):
            fresh.extend(store)
            _apply_incremental(fresh, change)
        else:
            data = "".join(_quads(g, nt) for g, nt in change.graphs.items())
            fresh.bulk_load(input=data.encode("utf-8"), format=ox.RdfFormat.N_QUADS)
        manifest = json.loads(json.dumps(change.manifest))
        if change.files is not None:
            files = Path(tempfile.mkdtemp(prefix="publisher-files-"))
            manifest["files"] = change.files(files)
            if self._memory_files is not None:
                shutil.rmtree(self._memory_files, ignore_errors=True)
            self._memory_files = files
            # the files live as long as the store does
            weakref.finalize(self, shutil.rmtree, str(files), True)
        self._memory = fresh
        self._memory_version += 1
        self._memory_manifest = manifest


def _start_bulk_load(generation: Path, graphs: dict[str, str]) -> multiprocessing.process.BaseProcess:
    """Load a whole new generation with Oxigraph's bulk loader, in a fresh process of its own.

    The loader holds a large buffer while it sorts; in a process of its own that memory is returned the
    moment it ends, and it does not add to the build's own peak.
    """
    source = generation / "load.nq"
    with open(source, "w", encoding="utf-8") as handle:
        for graph, ntriples in graphs.items():
            handle.write(_quads(graph, ntriples))
    loader = multiprocessing.get_context("spawn").Process(
        target=_load_file, args=(str(generation / "oxigraph"), str(source), os.getpid()), name="publisher-load"
    )
    loader.start()
    return loader


def _finish_bulk_load(generation: Path, loader: multiprocessing.process.BaseProcess) -> None:
    loader.join()
    (generation / "load.nq").unlink()
    if loader.exitcode != 0:
        raise StoreError(
            f"store: loading {generation} failed (exit code {loader.exitcode}); the old state is still served"
        )


def _load_file(database: str, source: str, build: int) -> None:
    _end_with(build)
    store = ox.Store(database)
    # the quads were written by this program from validated triples: no need to check every IRI again
    store.bulk_load(path=source, format=ox.RdfFormat.N_QUADS, lenient=True)
    store.flush()
    # the bulk loader leaves many files whose key ranges overlap, each of which every lookup reads: merged into
    # one run of files, a lookup takes a fifth of the time (at 100,000 releases, 12 s more for the load; the
    # text search over 2,430 releases 249 -> 62 ms, the whole-archive queries two to three times faster)
    store.optimize()


def _end_with(build: int) -> None:
    """Have the system end this process when the build process ``build`` ends (on Linux): a build killed while
    the loader works must not leave it writing into a generation folder the next build removes. (Linux sends the
    signal when the thread that started the loader ends; the build waits for the loader in that thread.)"""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != build:  # the build ended before the request above was made
        os._exit(1)


def _apply_incremental(writer: ox.Store, change: Change) -> None:
    for graph in sorted(change.drop | set(change.graphs)):
        node = ox.NamedNode(graph)
        if writer.contains_named_graph(node):
            writer.remove_graph(node)
    for graph, lines in change.remove.items():
        node = ox.NamedNode(graph)
        for triple in ox.parse(input=lines.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES):
            writer.remove(ox.Quad(triple.subject, triple.predicate, triple.object, node))
    payload = "".join(_quads(g, nt) for g, nt in change.graphs.items())
    payload += "".join(_quads(g, nt) for g, nt in change.add.items())
    if payload:
        writer.load(input=payload.encode("utf-8"), format=ox.RdfFormat.N_QUADS)
