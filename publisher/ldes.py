"""The change feed: a Linked Data Event Stream (https://w3id.org/ldes#) of the versions of the press releases
and of the entities.

Every build appends to a log (SQLite, ``ldes.sqlite`` in the state's files) one version for each release that
is new or whose content changed, and a tombstone for each release that is gone; the same for each entity of
the reference data and of those minted from releases, whose content is what the build says about it (the
triples with its IRI as subject and the blank nodes they point to). The log of the state being
replaced is copied and appended to, like the search index, so the history survives rebuilds, and a failed build
leaves no half-written log behind: the log is part of the new state or of none.

A member is a version object: its own IRI (``{base}ldes/member/{slug}/{time}``), ``dct:isVersionOf`` the
release and ``prov:generatedAtTime`` the build that published it (in the page's default graph), and the
release's published graph in a named graph of the member's IRI, with the member in place of the release IRI.
That is what LDES clients expect: the TREE member extraction takes a member's description and the named graph
of its IRI, and version materialisation (the member IRI replaced by its ``dct:isVersionOf``) gives back the
release exactly as published. The named graph keeps two versions on one page apart (their quotes, images and
events share IRIs), so pages are served as TriG, N-Quads or JSON-LD. A tombstone is typed ``as:Tombstone``
and has no named graph. A member's IRI answers that member alone (``member_quads``).

Pages are ``tree:Node``s of ``page_size`` members in the order they were logged, linked by
``tree:GreaterThanOrEqualToRelation`` on the timestamp; a page that is full and followed by another never
changes again.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import zlib
from collections.abc import Callable, Iterable, Mapping
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, XSD

from publisher.errors import StoreError
from publisher.formats import bind_prefixes, oxigraph_term
from publisher.namespaces import PREFIXES

LOG_NAME = "ldes.sqlite"
#: The layout of the log's tables; a log of another layout is started again.
LAYOUT = 1
LDES = Namespace("https://w3id.org/ldes#")
TREE = Namespace("https://w3id.org/tree#")
AS = Namespace("https://www.w3.org/ns/activitystreams#")
#: The property that holds a member's time, and the one that names the release it is a version of.
TIMESTAMP_PATH = PROV.generatedAtTime
VERSION_OF_PATH = DCTERMS.isVersionOf
_DATE_TIME = ox.NamedNode(str(XSD.dateTime))
_TIME = "%Y-%m-%dT%H:%M:%SZ"

_SCHEMA = (
    "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    # nt is NULL for a tombstone
    "CREATE TABLE members (seq INTEGER PRIMARY KEY, iri TEXT NOT NULL, key TEXT NOT NULL, time TEXT NOT NULL, nt TEXT)",
    "CREATE INDEX members_iri ON members (iri)",
)


@dataclass(frozen=True)
class Member:
    seq: int
    release: str
    time: str
    nt: str | None  # None: the release was removed

    def iri(self, base: str) -> str:
        """``{base}ldes/member/{slug}/{time}`` for a release, ``{base}ldes/member/{path}/{time}`` for an entity
        (its path below ``{base}id/``, a fragment as one more segment)."""
        path = self.release.removeprefix(f"{base}id/").replace("#", "/").rstrip("/")
        slug = path.removeprefix("pressemitteilung/") if path != self.release else path.rsplit("/", 1)[-1]
        return f"{base}ldes/member/{slug}/{self.time.replace('-', '').replace(':', '')}"


def _layout(db: sqlite3.Connection) -> int | None:
    try:
        row = db.execute("SELECT value FROM meta WHERE name = 'layout'").fetchone()
    except sqlite3.Error:
        return None
    return int(row[0]) if row else None


def _now(db: sqlite3.Connection) -> str:
    """The time of this build's members: now, and always later than the last build's (so that a member's IRI,
    made of its release and its time, is never one an earlier member had)."""
    now = datetime.now(UTC).replace(microsecond=0)
    row = db.execute("SELECT MAX(time) FROM members").fetchone()
    if row and row[0]:
        now = max(now, datetime.strptime(row[0], _TIME).replace(tzinfo=UTC) + timedelta(seconds=1))
    return now.strftime(_TIME)


def entity_descriptions(nt: str, base: str) -> dict[str, str]:
    """What ``nt`` (N-Triples) says about each entity of the publisher (an IRI under ``base``): the lines whose
    subject is the entity, and those of the blank nodes it points to, sorted."""
    by_subject: dict[str, list[str]] = {}
    for line in nt.splitlines():
        if line:
            by_subject.setdefault(line.split(" ", 1)[0], []).append(line)
    described: dict[str, str] = {}
    for subject, lines in by_subject.items():
        if not subject.startswith(f"<{base}"):
            continue
        found, todo = set(lines), list(lines)
        while todo:
            target = todo.pop().rstrip(" .").rsplit(" ", 1)[-1]
            if target.startswith("_:"):
                fresh = [line for line in by_subject.get(target, []) if line not in found]
                found.update(fresh)
                todo.extend(fresh)
        described[subject[1:-1]] = "\n".join(sorted(found)) + "\n"
    return described


def write_log(
    target: Path,
    releases: Mapping[str, str],
    texts: Callable[[list[str]], Mapping[str, str]],
    previous: Path | None = None,
    entities: Mapping[str, str] | None = None,
) -> dict[str, int]:
    """Write the log for ``releases`` (IRI -> the key of its content) and ``entities`` (IRI -> its
    description in N-Triples) to ``target``: the log in ``previous`` (the state being replaced) copied, and a
    member appended for every release or entity whose content is not its last member's, a tombstone for every
    one no longer there. ``texts`` gives the release N-Triples by key.
    Returns the number of members and how many were appended."""
    entities = entities or {}
    entity_keys = {iri: "entity:" + hashlib.sha256(text.encode("utf-8")).hexdigest() for iri, text in entities.items()}
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        target.unlink()
    if previous is not None and previous.is_file():
        with closing(sqlite3.connect(str(previous))) as old:
            reuse = _layout(old) == LAYOUT
        if reuse:
            shutil.copyfile(previous, target)
    with closing(sqlite3.connect(str(target))) as db:
        if _layout(db) != LAYOUT:
            for statement in _SCHEMA:
                db.execute(statement)
            db.execute("INSERT INTO meta VALUES ('layout', ?)", (str(LAYOUT),))
        last = {
            row[0]: (row[1], row[2], bool(row[3]))
            for row in db.execute(
                "SELECT iri, key, seq, nt IS NULL FROM members WHERE seq IN (SELECT MAX(seq) FROM members GROUP BY iri)"
            )
        }
        now = _now(db)
        candidates = sorted(iri for iri, key in releases.items() if iri not in last or last[iri][0] != key)
        candidates += sorted(
            iri for iri, key in entity_keys.items() if iri not in releases and (iri not in last or last[iri][0] != key)
        )
        present = releases.keys() | entity_keys.keys()
        removed = sorted(iri for iri, (_key, _seq, gone) in last.items() if iri not in present and not gone)
        appended = len(removed)
        for start in range(0, len(candidates), 200):
            batch = candidates[start : start + 200]
            found = texts([releases[iri] for iri in batch if iri in releases])
            for iri in batch:
                if iri in releases:
                    key, text = releases[iri], found[releases[iri]]
                else:
                    key, text = entity_keys[iri], entities[iri]
                packed = zlib.compress(text.encode("utf-8"), 6)
                before = db.execute("SELECT nt FROM members WHERE seq = ?", (last[iri][1],)) if iri in last else None
                if before is not None and before.fetchone()[0] == packed:
                    # the same content under a new key (the extractor changed, not the release): no new version
                    db.execute("UPDATE members SET key = ? WHERE seq = ?", (key, last[iri][1]))
                else:
                    db.execute("INSERT INTO members (iri, key, time, nt) VALUES (?, ?, ?, ?)", (iri, key, now, packed))
                    appended += 1
        db.executemany("INSERT INTO members (iri, key, time, nt) VALUES (?, '', ?, NULL)", [(i, now) for i in removed])
        db.commit()
        total = int(db.execute("SELECT COUNT(*) FROM members").fetchone()[0])
    return {"members": total, "appended": appended}


class ChangeLog:
    """The log of a state, read-only."""

    def __init__(self, path: Path) -> None:
        try:
            self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
            if _layout(self.db) != LAYOUT:
                raise sqlite3.DatabaseError("unknown layout")
        except sqlite3.Error as exc:
            raise StoreError(f"store: the change log {path} is unreadable ({exc}); build again") from None

    def count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM members").fetchone()[0])

    def members(self, first: int, last: int) -> list[Member]:
        """Members ``first`` to ``last`` (1-based, inclusive) in the order they were logged."""
        rows = self.db.execute(
            "SELECT seq, iri, time, nt FROM members WHERE seq BETWEEN ? AND ? ORDER BY seq", (first, last)
        )
        return [Member(seq, iri, at, zlib.decompress(nt).decode("utf-8") if nt else None) for seq, iri, at, nt in rows]

    def member(self, iri: str, base: str) -> Member | None:
        """The member whose IRI is ``iri`` (None when there is none)."""
        try:
            at = datetime.strptime(iri.rstrip("/").rsplit("/", 1)[-1], "%Y%m%dT%H%M%SZ").strftime(_TIME)
        except ValueError:
            return None
        # the resources whose member IRI this can be (by the index), before every member of that time (a build's
        # members all have its time)
        path = iri.rstrip("/").rsplit("/", 1)[0].removeprefix(f"{base}ldes/member/")
        head, _, last = path.rpartition("/")
        candidates = [f"{base}id/pressemitteilung/{path}", f"{base}id/{path}", f"{base}id/{head}#{last}"]
        marks = ",".join("?" * len(candidates))
        for query, parameters in (
            (f"SELECT seq, iri FROM members WHERE time = ? AND iri IN ({marks}) ORDER BY seq", [at, *candidates]),
            ("SELECT seq, iri FROM members WHERE time = ? ORDER BY seq", [at]),
        ):
            for seq, release in self.db.execute(query, parameters):
                if Member(seq, release, at, None).iri(base) == iri:
                    return self.members(seq, seq)[0]
        return None

    def last_versions(self, iris: list[str]) -> dict[str, str]:
        """The time of the last version of each of ``iris``."""
        found: dict[str, str] = {}
        for start in range(0, len(iris), 500):
            batch = iris[start : start + 500]
            marks = ",".join("?" * len(batch))
            query = f"SELECT iri, MAX(time) FROM members WHERE iri IN ({marks}) GROUP BY iri"
            found.update((row[0], row[1]) for row in self.db.execute(query, batch))
        return found

    def tombstone(self, iris: Iterable[str]) -> Member | None:
        """The tombstone of the first of ``iris`` whose last member is one: a release or entity that was published
        and has been removed since (None when each is published still or never was). One look-up in the index of
        IRIs per IRI, however long the log."""
        for iri in iris:
            row = self.db.execute(
                "SELECT seq, time, nt IS NULL FROM members WHERE iri = ? ORDER BY seq DESC LIMIT 1", (iri,)
            ).fetchone()
            if row is not None and row[2]:
                return Member(row[0], iri, row[1], None)
        return None

    def close(self) -> None:
        self.db.close()


def stream_iri(base: str) -> URIRef:
    return URIRef(f"{base}ldes")


def page_iri(base: str, page: int) -> URIRef:
    return URIRef(f"{base}ldes/{page}")


def pages(count: int, page_size: int) -> int:
    """How many pages ``count`` members take (the first page exists even when empty)."""
    return max(1, -(-count // page_size))


def immutable(page: int, count: int, page_size: int) -> bool:
    """Whether ``page`` can never change: it is full and the next page has begun."""
    return (page + 1) * page_size < count


def _describe_stream(graph: Graph, base: str) -> URIRef:
    stream = stream_iri(base)
    graph.add((stream, RDF.type, LDES.EventStream))
    graph.add((stream, LDES.timestampPath, TIMESTAMP_PATH))
    graph.add((stream, LDES.versionOfPath, VERSION_OF_PATH))
    graph.add((stream, TREE.view, page_iri(base, 0)))
    return stream


def stream_graph(base: str, title: str) -> Graph:
    """The stream described at its root."""
    graph = Graph()
    bind_prefixes(graph)
    graph.bind("ldes", LDES)
    graph.bind("tree", TREE)
    graph.bind("prov", PROV)
    stream = _describe_stream(graph, base)
    graph.add((stream, DCTERMS.title, Literal(title, lang="de")))
    return graph


def _member_quads(member: Member, base: str, number: int) -> tuple[ox.NamedNode, list[ox.Quad]]:
    subject = ox.NamedNode(member.iri(base))
    release = ox.NamedNode(member.release)
    default = ox.DefaultGraph()
    quads = [
        ox.Quad(subject, ox.NamedNode(str(VERSION_OF_PATH)), release, default),
        ox.Quad(subject, ox.NamedNode(str(TIMESTAMP_PATH)), ox.Literal(member.time, datatype=_DATE_TIME), default),
    ]
    if member.nt is None:
        quads.append(ox.Quad(subject, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(AS.Tombstone)), default))
        return subject, quads

    def own(term: Any) -> Any:
        if term == release:
            return subject
        if isinstance(term, ox.BlankNode):  # blank nodes of one member are not another's
            return ox.BlankNode(f"m{number}x{term.value}")
        return term

    for triple in ox.parse(member.nt, format=ox.RdfFormat.N_TRIPLES):
        quads.append(ox.Quad(own(triple.subject), triple.predicate, own(triple.object), subject))
    return subject, quads


def page_quads(log: ChangeLog, base: str, page: int, page_size: int) -> list[ox.Quad] | None:
    """Page ``page`` of the stream (None when there is no such page): the page, its members and its relation
    in the default graph, each member's version in a named graph of the member's IRI (the TREE member
    extraction reads both), so that versions of one release never mix."""
    count = log.count()
    if page < 0 or page >= pages(count, page_size):
        return None
    graph = Graph()
    stream = _describe_stream(graph, base)
    node = page_iri(base, page)
    graph.add((node, RDF.type, TREE.Node))
    graph.add((node, DCTERMS.isPartOf, stream))
    if page + 1 < pages(count, page_size):
        first = log.members((page + 1) * page_size + 1, (page + 1) * page_size + 1)[0]
        relation = BNode("relation")
        graph.add((node, TREE.relation, relation))
        graph.add((relation, RDF.type, TREE.GreaterThanOrEqualToRelation))
        graph.add((relation, TREE.path, TIMESTAMP_PATH))
        graph.add((relation, TREE.value, Literal(first.time, datatype=XSD.dateTime)))
        graph.add((relation, TREE.node, page_iri(base, page + 1)))
    quads = [ox.Quad(oxigraph_term(s), oxigraph_term(p), oxigraph_term(o), ox.DefaultGraph()) for s, p, o in graph]  # type: ignore[arg-type]
    member_of = ox.NamedNode(str(TREE.member))
    for number, member in enumerate(log.members(page * page_size + 1, (page + 1) * page_size)):
        subject, version = _member_quads(member, base, number)
        quads.append(ox.Quad(ox.NamedNode(str(stream)), member_of, subject, ox.DefaultGraph()))
        quads.extend(version)
    return quads


def member_quads(member: Member, base: str) -> list[ox.Quad]:
    """One member on its own: its description, and its version in the named graph of its IRI."""
    return _member_quads(member, base, member.seq)[1]


def serialize_page(quads: list[ox.Quad], fmt: str) -> bytes:
    """A page in TriG, N-Quads or JSON-LD (the formats that keep named graphs)."""
    prefixes = {**{k: str(v) for k, v in PREFIXES.items()}, "ldes": str(LDES), "tree": str(TREE)}
    prefixes.update({"prov": str(PROV), "as": str(AS)})
    formats = {"trig": ox.RdfFormat.TRIG, "nq": ox.RdfFormat.N_QUADS, "jsonld": ox.RdfFormat.JSON_LD}
    if formats[fmt] == ox.RdfFormat.N_QUADS:
        return ox.serialize(quads, format=formats[fmt]) or b""
    return ox.serialize(quads, format=formats[fmt], prefixes=prefixes) or b""


def with_change_log(
    files: Callable[[Path], dict[str, Any]],
    releases: Mapping[str, str],
    texts: Callable[[list[str]], Mapping[str, str]],
    current: Callable[[], Path | None],
    entities: Mapping[str, str] | None = None,
) -> Callable[[Path], dict[str, Any]]:
    """The files of a new state (``files``) and its change log, continued from the log of the state being
    replaced (in the folder ``current`` names). ``entities``: each entity's description (IRI -> N-Triples)."""

    def write(folder: Path) -> dict[str, Any]:
        written = files(folder)
        before = current()
        write_log(folder / LOG_NAME, releases, texts, before / LOG_NAME if before is not None else None, entities)
        return written

    return write


def removal(folder: Path | None, iris: Iterable[str]) -> Member | None:
    """The tombstone in the change log of the state in ``folder`` that says one of ``iris`` was published and has
    been removed since (``ChangeLog.tombstone``); None without a log."""
    if folder is None or not (folder / LOG_NAME).is_file():
        return None
    with closing(ChangeLog(folder / LOG_NAME)) as log:
        return log.tombstone(iris)


def log_present(folder: Path | None) -> bool:
    """Whether the state in ``folder`` has a change log of this layout."""
    if folder is None or not (folder / LOG_NAME).is_file():
        return False
    with closing(sqlite3.connect(f"file:{folder / LOG_NAME}?mode=ro", uri=True)) as db:
        return _layout(db) == LAYOUT


__all__ = [
    "LOG_NAME",
    "ChangeLog",
    "Member",
    "entity_descriptions",
    "immutable",
    "log_present",
    "member_quads",
    "page_iri",
    "page_quads",
    "pages",
    "removal",
    "serialize_page",
    "stream_graph",
    "stream_iri",
    "with_change_log",
    "write_log",
]
