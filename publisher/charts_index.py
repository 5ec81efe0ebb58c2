"""The facts the pictures are drawn from (``publisher.web.charts``), written with every published state.

The timeline and the relationship view need a few properties of every release and of what it links to: types,
publication dates, names, the links ``about``, ``mentions``, ``publisher``, ``spatialCoverage``, ``hasPart`` and
``spokenByCharacter``, and the hierarchies ``parentOrganization`` and ``containedInPlace``. Reading them from the
store takes seconds at ten thousand releases, so every build writes them into the files of the state it publishes
(``charts.sqlite``, next to the search index): one row per named graph of the state (every release's graph and the
shared graphs), holding the triples of those properties that graph contains. The web app joins the rows of the
current state as it would join the answers of its queries, so both give the same index.

A row is kept as long as its graph is: the index of the state being replaced is the start, and only graphs whose
content changed are read again. The triples of a row are JSON: the row's strings once, and per property a flat
list of (subject, value) positions in them.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from publisher.errors import StoreError
from publisher.namespaces import AREA_CLASSES, ORGANISATION_CLASSES, PM, SDO
from publisher.statefiles import fingerprint_of, start_from
from publisher.store.generations import fsync

#: The file name of the index among the files of a published state.
INDEX_NAME = "charts.sqlite"
#: The layout of the index's tables; a reader ignores an index of another layout (or fingerprint).
LAYOUT = 1

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
#: The classes whose members the pictures show, filter by or count: types of other classes are left out.
TYPES = frozenset(str(c) for c in {PM.PressRelease, SDO.Quotation, SDO.Person} | ORGANISATION_CLASSES | AREA_CLASSES)
#: Properties whose IRI values are kept, by their short name.
LINKS = {
    str(prop).rsplit("/", 1)[1]: str(prop)
    for prop in (
        SDO.about,
        SDO.mentions,
        SDO.publisher,
        SDO.spatialCoverage,
        SDO.hasPart,
        SDO.spokenByCharacter,
        SDO.parentOrganization,
        SDO.containedInPlace,
    )
}
#: Properties whose values are kept as their lexical forms (IRIs as written), by their short name.
VALUES = {"datePublished": str(SDO.datePublished), "name": str(SDO.name)}
_SHORT = {iri: short for short, iri in (*LINKS.items(), *VALUES.items(), ("type", RDF_TYPE))}
_TOKENS = {f"<{iri}>": short for iri, short in _SHORT.items()}


@dataclass
class Facts:
    """Triples of the properties the pictures need, as plain strings: subject -> values, per property (``type``,
    of the classes in TYPES only, and the short names of LINKS and VALUES). Subjects are IRIs; blank nodes are
    left out."""

    values: dict[str, dict[str, set[str]]] = field(default_factory=lambda: {short: {} for short in _SHORT.values()})

    def add(self, prop: str, subject: str, value: str) -> None:
        by_subject = self.values[prop]
        found = by_subject.get(subject)
        if found is None:
            by_subject[subject] = {value}
        else:
            found.add(value)

    def of(self, prop: str) -> dict[str, set[str]]:
        """Subject -> values of ``prop`` (a short name)."""
        return self.values[prop]


# ---------------------------------------------------------------- the facts of one graph


def facts_of(ntriples: str) -> Facts:
    """The facts of one graph's N-Triples."""
    facts = Facts()
    literal_lines = []
    for line in ntriples.splitlines():
        parts = line.split(" ", 2)
        if len(parts) < 3:
            continue
        prop = _TOKENS.get(parts[1])
        if prop is None or not parts[0].startswith("<"):
            continue
        rest = parts[2]
        if rest.startswith("<") and rest.endswith("> .") and "\\" not in line and ">" not in rest[1:-3]:
            # the common case, an IRI with nothing escaped: read as written
            if prop != "type" or rest[1:-3] in TYPES:
                facts.add(prop, parts[0][1:-1], rest[1:-3])
        else:
            literal_lines.append(line)
    if literal_lines:
        for triple in ox.parse(input="\n".join(literal_lines).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES):
            subject, obj = triple.subject, triple.object
            if not isinstance(subject, ox.NamedNode) or isinstance(obj, ox.BlankNode):
                continue
            prop = _SHORT[triple.predicate.value]
            if prop in VALUES or (isinstance(obj, ox.NamedNode) and (prop != "type" or obj.value in TYPES)):
                facts.add(prop, subject.value, obj.value)
    return facts


def encode(facts: Facts) -> str:
    """``facts`` as the JSON of one row: its strings once, and per property the (subject, value) positions in
    them, flat (the quickest of the forms tried to read back)."""
    strings: dict[str, int] = {}
    pairs: dict[str, list[int]] = {}
    for prop, by_subject in facts.values.items():
        flat: list[int] = []
        for subject, values in sorted(by_subject.items()):
            position = strings.setdefault(subject, len(strings))
            for value in sorted(values):
                flat.append(position)
                flat.append(strings.setdefault(value, len(strings)))
        if flat:
            pairs[prop] = flat
    return json.dumps([list(strings), pairs], ensure_ascii=False, separators=(",", ":"))


def _merge(row: list[Any], facts: Facts) -> None:
    strings, pairs = row
    for prop, flat in pairs.items():
        merged = facts.values[prop]
        positions = iter(flat)
        for s, v in zip(positions, positions, strict=True):
            found = merged.get(strings[s])
            if found is None:
                merged[strings[s]] = {strings[v]}
            else:
                found.add(strings[v])


# ---------------------------------------------------------------- writing


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """What the index depends on: this module's code (which properties, how they are written) and the layout."""
    return hashlib.sha256(Path(__file__).read_bytes() + f"|{LAYOUT}".encode()).hexdigest()[:32]


_SCHEMA = (
    "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE graphs (iri TEXT PRIMARY KEY, key TEXT NOT NULL, facts TEXT NOT NULL)",
)


def write_index(
    target: Path,
    graphs: Mapping[str, str],
    texts: Callable[[list[str]], Iterable[tuple[str, str]]],
    previous: Path | None = None,
) -> dict[str, Any]:
    """Write the index of ``graphs`` (graph IRI -> the key of its content) to ``target``.

    ``texts`` gives (graph IRI, N-Triples) for the IRIs it is asked for. With the index of the previous state in
    ``previous``, written by the same code, only graphs whose key changed are read: the previous index is copied,
    rows of graphs whose key changed or that are gone are deleted, and the others added. Returns the file's size,
    the number of graphs in it and the number read now.
    """
    stamp = fingerprint()
    reuse = start_from(target, previous, stamp)
    db = sqlite3.connect(str(target), isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode = OFF")  # a new file no one reads before the state is switched
        db.execute("PRAGMA synchronous = OFF")
        db.execute("BEGIN")
        kept: set[str] = set()
        if reuse:
            stale: list[str] = []
            for iri, key in db.execute("SELECT iri, key FROM graphs"):
                if graphs.get(iri) == key:
                    kept.add(iri)
                else:
                    stale.append(iri)
            for start in range(0, len(stale), 500):
                batch = stale[start : start + 500]
                db.execute(f"DELETE FROM graphs WHERE iri IN ({','.join('?' * len(batch))})", batch)
        else:
            for statement in _SCHEMA:
                db.execute(statement)
            db.executemany("INSERT INTO meta VALUES (?, ?)", [("fingerprint", stamp), ("layout", str(LAYOUT))])
        todo = sorted(iri for iri in graphs if iri not in kept)
        db.executemany(
            "INSERT INTO graphs VALUES (?, ?, ?)", ((iri, graphs[iri], encode(facts_of(nt))) for iri, nt in texts(todo))
        )
        count = db.execute("SELECT COUNT(*) FROM graphs").fetchone()[0]
        db.execute("COMMIT")
    except BaseException:
        db.close()
        target.unlink(missing_ok=True)
        raise
    db.close()
    fsync(target)
    return {"size": target.stat().st_size, "graphs": int(count), "read": len(todo)}


def current(folder: Path | None) -> Path | None:
    """The index among the files in ``folder`` when this version wrote it (None: none, or another version's)."""
    if folder is None:
        return None
    path = folder / INDEX_NAME
    return path if fingerprint_of(path) == fingerprint() else None


def read_facts(path: Path) -> Facts:
    """The facts of every graph in the index in ``path``, together; a StoreError when it cannot be read."""
    facts = Facts()
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
        try:
            rows = [row for (row,) in db.execute("SELECT facts FROM graphs")]
        finally:
            db.close()
        # one text to decode: far quicker than a call per row
        for row in json.loads("[" + ",".join(rows) + "]"):
            _merge(row, facts)
    except (sqlite3.Error, ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise StoreError(f"charts index {path}: unreadable ({exc}); run 'publisher build' again") from None
    return facts


__all__ = [
    "INDEX_NAME",
    "TYPES",
    "Facts",
    "current",
    "facts_of",
    "fingerprint",
    "fingerprint_of",
    "read_facts",
    "write_index",
]
