"""``publisher build``: ingest ``data/``, validate everything, write the store atomically.

The build is incremental. Each source is identified by its content hash; what extraction made of it is kept in
a cache next to the store, keyed by that hash and by a fingerprint of everything extraction depends on (the
extractor's code, the reference data, the base URI). An unchanged release is neither extracted nor validated
again; a changed one replaces exactly its own named graph. The new state becomes visible only when everything
conforms; otherwise the store keeps serving the old one.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import multiprocessing
import os
import shutil
import sqlite3
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from publisher import __version__, charts_index
from publisher.config import PROJECT_ROOT, Config
from publisher.dumps import Chunk, make_chunk, write_dumps
from publisher.errors import (
    DuplicateIdentityError,
    HttpError,
    InputError,
    NotFoundError,
    PublisherError,
    StoreError,
)
from publisher.ingest.mapping import Triple, canonical_lines, graph_of
from publisher.ldes import entity_descriptions, log_present, with_change_log
from publisher.search import INDEX_NAME, Document, document_of, write_index
from publisher.search import fingerprint as search_fingerprint
from publisher.statefiles import fingerprint_of
from publisher.store import Change, WritableStore, graph_iri
from publisher.store.generations import fsync, write_failed
from publisher.validation import Finding, Validator, add_linked_types, load_graph


@dataclass
class SourceState:
    """One release as the build knows it."""

    path: str
    sha256: str
    key: str
    name: str = ""
    size: int = 0
    mtime: int = 0
    identifier: str = ""
    iri: str = ""
    release_nt: str = ""
    entity_nt: str = ""
    new_entities: list[list[str]] = field(default_factory=list)
    validated: str = ""
    chunk: Chunk | None = None


@dataclass
class BuildReport:
    """Everything a build has to say, for people (``text``) and for the exit code."""

    errors: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    new_entities: list[tuple[str, str, str, str]] = field(default_factory=list)
    releases: int = 0
    extracted: int = 0
    validated: int = 0
    removed: int = 0
    triples: int = 0
    written: bool = False
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Violation"]

    @property
    def exit_code(self) -> int:
        if self.errors:
            return 2
        return 1 if self.violations else 0

    def text(self) -> str:
        lines = list(self.errors)
        lines.extend(f.line() for f in sorted(self.findings, key=lambda f: (f.source or "", f.severity, f.focus)))
        if self.new_entities:
            lines.append(f"{len(self.new_entities)} new entities to curate (not in the reference data):")
            lines.extend(
                f"  {cls:22} {name}  <{iri}>  (first in {source})" for iri, cls, name, source in self.new_entities
            )
        state = "store updated" if self.written else "store unchanged"
        if self.errors:
            state += " (errors)"
        elif self.violations:
            state += f" ({len(self.violations)} violation(s))"
        lines.append(
            f"{self.releases} releases: {self.extracted} extracted, {self.validated} validated, "
            f"{self.removed} removed; "
            f"{self.triples} triples; {state}; {self.seconds:.1f} s"
        )
        return "\n".join(lines)


def canonical_nt(graph: Graph) -> str:
    """N-Triples with sorted lines: the same graph always gives the same text (and digest)."""
    lines = [line for line in graph.serialize(format="nt").splitlines() if line.strip()]
    return "\n".join(sorted(lines)) + ("\n" if lines else "")


def _hash_files(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def fingerprints(config: Config) -> tuple[str, str]:
    """(what extraction depends on, what validation depends on)."""
    code = _hash_files((PROJECT_ROOT / "publisher" / "ingest").glob("*.py"))
    reference = _hash_files(config.reference_files)
    extraction = hashlib.sha256(f"{__version__}|{code}|{reference}|{config.base_uri}".encode()).hexdigest()
    shapes = _hash_files([*config.shapes_dir.glob("*.ttl"), *config.ontology_dir.glob("*.ttl")])
    return extraction, hashlib.sha256(f"{extraction}|{shapes}".encode()).hexdigest()


class Cache:
    """Extraction results by source hash and fingerprint, in SQLite next to the store. Dump chunks are kept
    under keys that name the code that made them (``dumps.py``), so a change there makes them again."""

    def __init__(self, path: Path | None) -> None:
        self.chunk_salt = _hash_files([Path(__file__).with_name("dumps.py")])[:16]
        try:
            self.db = sqlite3.connect(str(path) if path else ":memory:")
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS extracted (key TEXT PRIMARY KEY, identifier TEXT, iri TEXT, "
                "release_nt TEXT, entity_nt TEXT, new_entities TEXT, validated TEXT)"
            )
            self.db.execute("CREATE TABLE IF NOT EXISTS bundles (fingerprint TEXT PRIMARY KEY, data BLOB)")
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS chunks (key TEXT PRIMARY KEY, nt_gz BLOB, turtle BLOB, jsonld BLOB)"
            )
        except sqlite3.Error as exc:
            raise StoreError(
                f"store: the build cache {path} is unreadable ({exc}); delete it and build again "
                "(it only saves work, nothing published is in it)"
            ) from None

    def _chunk_key(self, key: str) -> str:
        return f"{self.chunk_salt}:{key}"

    def get(self, keys: list[str], release: bool = False) -> dict[str, tuple[str, ...]]:
        """(identifier, iri, entity N-Triples, new entities, validated[, release N-Triples]) by key."""
        columns = "key, identifier, iri, entity_nt, new_entities, validated" + (", release_nt" if release else "")
        found: dict[str, tuple[str, ...]] = {}
        for start in range(0, len(keys), 500):
            batch = keys[start : start + 500]
            marks = ",".join("?" * len(batch))
            for row in self.db.execute(f"SELECT {columns} FROM extracted WHERE key IN ({marks})", batch):
                found[row[0]] = row[1:]
        return found

    def releases(self, keys: list[str]) -> dict[str, str]:
        """The release N-Triples by key."""
        return {key: row[5] for key, row in self.get(keys, release=True).items()}

    def put(self, states: Iterable[SourceState]) -> None:
        # one row at a time, and the texts as copies: SQLite takes a str as UTF-8, and CPython keeps the UTF-8 of
        # a str with umlauts with the str for as long as it lives; for the states' own texts, that would be as
        # much memory again as they take (gigabytes at 100,000 releases)
        self.db.executemany(
            "INSERT OR REPLACE INTO extracted VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    s.key,
                    s.identifier,
                    s.iri,
                    _copy(s.release_nt),
                    _copy(s.entity_nt),
                    json.dumps(s.new_entities),
                    s.validated,
                )
                for s in states
            ),
        )
        self.db.commit()

    def put_chunks(self, chunks: Iterable[tuple[str, Chunk]], commit: bool = True) -> None:
        """Keep dump chunks; without ``commit``, in the transaction that the next commit (or none) ends."""
        self.db.executemany(
            "INSERT OR REPLACE INTO chunks VALUES (?, ?, ?, ?)",
            [(self._chunk_key(key), c.nt_gz, c.turtle, c.jsonld) for key, c in chunks],
        )
        if commit:
            self.db.commit()

    def chunks(self, keys: list[str]) -> Iterator[Chunk]:
        """The dump chunks of ``keys``, in that order (every key must be there)."""
        for start in range(0, len(keys), 200):
            batch = [self._chunk_key(key) for key in keys[start : start + 200]]
            marks = ",".join("?" * len(batch))
            query = f"SELECT key, nt_gz, turtle, jsonld FROM chunks WHERE key IN ({marks})"
            rows = {row[0]: Chunk(row[1], row[2], row[3]) for row in self.db.execute(query, batch)}
            for key in batch:
                yield rows[key]

    def missing_chunks(self, keys: list[str]) -> list[str]:
        found: set[str] = set()
        for start in range(0, len(keys), 500):
            batch = [self._chunk_key(key) for key in keys[start : start + 500]]
            marks = ",".join("?" * len(batch))
            found.update(row[0] for row in self.db.execute(f"SELECT key FROM chunks WHERE key IN ({marks})", batch))
        return [k for k in keys if self._chunk_key(k) not in found]

    def close(self) -> None:
        self.db.close()


def _copy(text: str) -> str:
    """A new str equal to ``text`` (slicing or ``str()`` would give ``text`` itself)."""
    return text.encode("utf-8").decode("utf-8")


@dataclass
class Reference:
    """The curated reference data as a build needs it, kept in the cache by the extraction fingerprint (and the
    code of this module): parsing the Turtle and indexing the names costs more than a small rebuild."""

    nt: str  # canonical N-Triples of the reference data
    sources: dict[str, str]  # subject -> the file that describes it first
    subjects: frozenset[str]
    types: dict[str, tuple[str, ...]]
    gazetteer: Any

    _graph: Graph | None = None

    def graph(self) -> Graph:
        if self._graph is None:
            self._graph = Graph()
            self._graph.parse(data=self.nt, format="nt")
        return self._graph


def load_reference_bundle(config: Config, cache: Cache, fingerprint: str) -> Reference:
    import pickle

    from publisher.ingest.gazetteer import build_gazetteer, load_reference

    fingerprint = hashlib.sha256(f"{fingerprint}|{_hash_files([Path(__file__)])}".encode()).hexdigest()
    row = cache.db.execute("SELECT data FROM bundles WHERE fingerprint = ?", (fingerprint,)).fetchone()
    if row is not None:
        bundle: Reference = pickle.loads(row[0])  # written by this program, below
        return bundle
    sources: dict[str, str] = {}
    graph = load_reference(config.reference_files, config.base_uri, sources)
    types: dict[str, list[str]] = {}
    for subject, cls in graph.subject_objects(RDF.type):
        types.setdefault(str(subject), []).append(str(cls))
    bundle = Reference(
        nt=canonical_nt(graph),
        sources=sources,
        subjects=frozenset(str(s) for s in graph.subjects()),
        types={k: tuple(sorted(v)) for k, v in types.items()},
        gazetteer=build_gazetteer(graph),
    )
    cache.db.execute("DELETE FROM bundles")
    cache.db.execute("INSERT INTO bundles VALUES (?, ?)", (fingerprint, pickle.dumps(bundle)))
    cache.db.commit()
    bundle._graph = graph
    return bundle


# ---------------------------------------------------------------- work done in worker processes
# The parent sets up what the workers need (the extractor with its gazetteer, the validator with its shapes,
# the reference data) before it forks them, so every worker starts with it in memory.

_WORKER: dict[str, Any] = {}


def _prepare_workers(
    config: Config, reference: Reference, fingerprint_pair: tuple[str, str], entities: Graph | None = None
) -> None:
    from publisher.ingest.extract import Extractor

    extraction_fp, validation_fp = fingerprint_pair
    if _WORKER.get("fingerprint") != extraction_fp:
        _WORKER["extractor"] = Extractor(reference.gazetteer, config.base_uri)
        _WORKER["base"] = config.base_uri
        _WORKER["fingerprint"] = extraction_fp
    if _WORKER.get("validation") != validation_fp:
        _WORKER["validator"] = Validator(config.shapes_dir, config.ontology_dir)
        # pySHACL imported and the shapes read here, once, rather than in every worker
        _WORKER["validator"].validate(Graph())
        _WORKER["validation"] = validation_fp
    _WORKER["types"] = reference.types
    _WORKER["curated"] = reference.subjects
    if entities is not None:
        support = Graph()
        support += reference.graph()
        support += entities
        _WORKER["support"] = support


def _extract_batch(paths: list[str]) -> tuple[list[tuple[str, SourceState | None, str | None]], list[Finding]]:
    """Extract, map and validate a batch of sources in one worker: the graphs are validated as they are,
    without a round trip through N-Triples."""
    from publisher.ingest.source import read_source
    from publisher.ingest.sources import extract_source

    results: list[tuple[str, SourceState | None, str | None]] = []
    triples: list[Triple] = []
    sources: dict[str, str] = {}
    focus: set[str] = set()
    curated: set[str] = _WORKER["curated"]
    for path in paths:
        try:
            doc = read_source(Path(path))
            result = extract_source(doc, _WORKER["extractor"], _WORKER["base"])
        except InputError as exc:
            results.append((path, None, str(exc)))
            continue
        except PublisherError as exc:
            results.append((path, None, f"{path}: {exc}"))
            continue
        name = Path(path).name
        # curated resources are validated with the reference data; a release's own nodes and new entities here
        subjects = {t[0] for t in [*result.release_triples, *result.entity_triples] if str(t[0]) not in curated}
        for subject in subjects:
            sources.setdefault(str(subject), name)
            focus.add(str(subject))
        triples.extend(result.release_triples)
        triples.extend(result.entity_triples)
        release_nt = canonical_lines(result.release_triples)
        results.append(
            (
                path,
                SourceState(
                    path=path,
                    sha256=doc.sha256,
                    key="",
                    identifier=result.identifier,
                    iri=result.iri,
                    release_nt=release_nt,
                    entity_nt=canonical_lines(result.entity_triples),
                    new_entities=[list(e) for e in result.new_entities],
                    chunk=make_chunk(release_nt),
                ),
                None,
            )
        )
    findings: list[Finding] = []
    if focus:
        data = graph_of(triples)
        add_linked_types(data, _WORKER["types"])
        validator: Validator = _WORKER["validator"]
        findings = validator.validate(data, sources, focus=sorted(focus)).findings
    return results, findings


def _validate_chunk(chunk: list[tuple[str, str, str]]) -> list[Finding]:
    """Validate releases again from what the cache kept (source, release N-Triples, entity N-Triples)."""
    validator: Validator = _WORKER["validator"]
    support: Graph = _WORKER["support"]
    curated: set[str] = _WORKER["curated"]
    sources: dict[str, str] = {}
    focus: set[str] = set()
    entity_subjects: set[str] = set()
    for source, release_nt, entity_nt in chunk:
        for line in release_nt.splitlines():
            subject = line.split(" ", 1)[0]
            if subject.startswith("<"):
                sources.setdefault(subject[1:-1], source)
                focus.add(subject[1:-1])
        for line in entity_nt.splitlines():
            subject = line.split(" ", 1)[0][1:-1]
            if subject and subject not in curated:
                sources.setdefault(subject, source)
                entity_subjects.add(subject)
    data = Graph()
    data.parse(data="\n".join(nt for _s, nt, _e in chunk), format="nt")
    for subject in entity_subjects:
        node = URIRef(subject)
        for p, o in support.predicate_objects(node):
            data.add((node, p, o))
    focus |= entity_subjects
    add_linked_types(data, {}, support)
    return validator.validate(data, sources, focus=sorted(focus)).findings


def _validate_merged(
    changed: Iterable[SourceState],
    entity_lines: dict[str, set[str]],
    contributions: dict[str, list[str]],
    reference: Reference,
) -> list[Finding]:
    """Entities that several releases describe, validated with everything all of them say.

    ``entity_lines`` maps an entity's N-Triples subject to all lines about it, ``contributions`` to the files
    that say something about it; only entities the changed releases touch are looked at.
    """
    curated = {f"<{s}>" for s in reference.subjects}
    touched = {line.split(" ", 1)[0] for state in changed for line in state.entity_nt.splitlines() if line}
    shared = [s for s in touched if s not in curated and s.startswith("<") and len(contributions.get(s, ())) > 1]
    if not shared:
        return []
    data = Graph()
    data.parse(data="\n".join(line for s in shared for line in sorted(entity_lines[s])), format="nt")
    objects = {f"<{o}>" for o in data.objects() if isinstance(o, URIRef)}
    type_lines = [line for o in objects for line in entity_lines.get(o, ()) if " <" + str(RDF.type) + "> " in line]
    if type_lines:
        data.parse(data="\n".join(type_lines), format="nt")
    add_linked_types(data, reference.types)
    sources = {s[1:-1]: contributions[s][0] for s in shared}
    validator: Validator = _WORKER["validator"]
    return validator.validate(data, sources, focus=[s[1:-1] for s in shared]).findings


# ---------------------------------------------------------------- the build


def _map(pool_size: int, fn: Callable[[Any], Any], items: list[Any]) -> Iterator[Any]:
    """``fn`` over ``items``, in order; in forked workers (which start from what the parent prepared) when
    there is more than one item and more than one worker."""
    if pool_size <= 1 or len(items) < 2:
        yield from map(fn, items)
        return
    with multiprocessing.get_context("fork").Pool(pool_size) as pool:
        yield from pool.imap(fn, items)


def _batches(items: list[Any], workers: int, largest: int) -> list[list[Any]]:
    size = max(1, min(largest, -(-len(items) // (workers * 4))))
    return [items[i : i + size] for i in range(0, len(items), size)]


def _scan(
    paths: list[Path], previous: dict[str, dict[str, Any]], extraction_fp: str, report: BuildReport
) -> dict[str, SourceState]:
    """Every source with its content hash. A file whose size and modification time are what the last
    build recorded keeps its recorded hash; any other is read and hashed."""
    states: dict[str, SourceState] = {}
    for path in paths:
        name = path.name
        try:
            info = path.stat()
            known = previous.get(name)
            if known and known.get("size") == info.st_size and known.get("mtime") == info.st_mtime_ns:
                sha = str(known["sha256"])
            else:
                sha = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as exc:
            report.errors.append(f"{path}: cannot be read: {exc.strerror}")
            continue
        key = hashlib.sha256(f"{sha}|{extraction_fp}".encode()).hexdigest()
        states[str(path)] = SourceState(str(path), sha, key, name, info.st_size, info.st_mtime_ns)
    return states


def build(config: Config, store: WritableStore, progress: bool = False) -> BuildReport:
    """Bring ``store`` up to date with ``config.data_dir``. One build runs on a store at a time: another one
    running (a ``publisher build`` or a publication over HTTP) is a BuildRunningError."""
    with build_lock(store):
        return _build(config, store, progress)


def _build(config: Config, store: WritableStore, progress: bool = False) -> BuildReport:
    from tqdm import tqdm

    from publisher.ingest.sources import source_paths

    started = time.monotonic()
    report = BuildReport()
    try:
        paths = source_paths(config.data_dir / "releases")
    except InputError as exc:
        report.errors.append(str(exc))
        return report
    extraction_fp, validation_fp = fingerprints(config)
    previous = store.manifest() or {}
    previous_sources: dict[str, dict[str, Any]] = previous.get("sources", {})
    cache_path = None
    store_path = getattr(store, "path", None)
    if isinstance(store_path, Path):
        store_path.mkdir(parents=True, exist_ok=True)
        cache_path = store_path / "cache.sqlite"
    cache = Cache(cache_path)
    mark = started

    def phase(name: str) -> None:
        nonlocal mark
        now = time.monotonic()
        report.phases[name] = report.phases.get(name, 0.0) + now - mark
        mark = now

    try:
        states = _scan(paths, previous_sources, extraction_fp, report)
        report.releases = len(states)
        # a state without the search index this version writes (or the change log) gets one, even when nothing
        # else changed
        files_dir = store.files_dir()
        search_current = files_dir is not None and fingerprint_of(files_dir / INDEX_NAME) == search_fingerprint()
        search_current = search_current and log_present(files_dir) and charts_index.current(files_dir) is not None
        unchanged = (
            not report.errors
            and search_current
            and previous.get("extraction") == extraction_fp
            and previous.get("validation") == validation_fp
            and previous.get("base_uri") == config.base_uri
            and {s.name: s.key for s in states.values()} == {n: e.get("key") for n, e in previous_sources.items()}
        )
        if unchanged:
            # nothing to extract, validate or write
            report.triples = int(previous.get("triples", 0))
            phase("scan")
            return report
        cached = cache.get([s.key for s in states.values()])
        todo = []
        for state in states.values():
            hit = cached.get(state.key)
            if hit:
                state.identifier, state.iri, state.entity_nt, new, state.validated = hit
                state.new_entities = json.loads(new)
            else:
                todo.append(state.path)
        reference = load_reference_bundle(config, cache, extraction_fp)
        phase("scan")

        # extract, map and validate what changed, in parallel
        _prepare_workers(config, reference, (extraction_fp, validation_fp))
        phase("prepare")
        # up to 200 releases per batch: each validation has a fixed cost, a tenth of the work at 40 per batch
        batches = _batches(todo, config.workers, 200)
        bar = tqdm(
            total=len(todo), desc="extract+validate", unit="release", disable=not progress or not todo, leave=False
        )
        for batch, (results, findings) in zip(batches, _map(config.workers, _extract_batch, batches), strict=True):
            bar.update(len(batch))
            report.findings.extend(findings)
            for path, state, error in results:
                if error:
                    report.errors.append(error)
                    states.pop(path, None)
                else:
                    assert state is not None
                    known = states[path]
                    state.key, state.name, state.size, state.mtime = known.key, known.name, known.size, known.mtime
                    state.validated = validation_fp
                    states[path] = state
            # the dump chunks go to the cache as they come (committed with the rest below, or not at all): held
            # until the end, they would be a third of what a large build keeps in memory
            fresh_chunks = [(s.key, s.chunk) for _p, s, _e in results if s is not None and s.chunk is not None]
            cache.put_chunks(fresh_chunks, commit=False)
            for _path, state, _error in results:
                if state is not None:
                    state.chunk = None
        bar.close()
        fresh = {p for p in todo if p in states}
        report.extracted = report.validated = len(fresh)
        phase("extract+validate")
        by_identity: dict[str, str] = {}
        for state in sorted(states.values(), key=lambda s: s.path):
            first = by_identity.setdefault(state.iri, state.path)
            if first != state.path:
                report.errors.append(str(DuplicateIdentityError(state.identifier, first, state.path)))
        if report.errors:
            return report

        # what the releases say about entities, merged
        entity_lines: dict[str, set[str]] = {}
        contributions: dict[str, list[str]] = {}
        for state in states.values():
            seen: set[str] = set()
            for line in state.entity_nt.splitlines():
                if line:
                    subject = line.split(" ", 1)[0]
                    entity_lines.setdefault(subject, set()).add(line)
                    if subject not in seen:
                        seen.add(subject)
                        contributions.setdefault(subject, []).append(state.name)
        reference_lines = set(reference.nt.splitlines())
        merged = sorted({line for lines in entity_lines.values() for line in lines} - reference_lines)
        entities_nt = "\n".join(merged) + ("\n" if merged else "")
        shared = {
            graph_iri(config.base_uri, "reference"): reference.nt,
            graph_iri(config.base_uri, "entities"): entities_nt,
            graph_iri(config.base_uri, "ontology"): canonical_nt(load_graph(config.ontology_dir.glob("*.ttl"))),
        }
        digests = {g: hashlib.sha256(nt.encode()).hexdigest() for g, nt in shared.items()}
        reference_graph = graph_iri(config.base_uri, "reference")
        phase("merge")

        # validate again what the cache holds when the shapes, the vocabulary or the code changed
        again = [s for s in states.values() if s.validated != validation_fp and s.path not in fresh]
        if again:
            texts = cache.releases([s.key for s in again])
            entities = Graph()
            entities.parse(data=entities_nt, format="nt")
            _prepare_workers(config, reference, (extraction_fp, validation_fp), entities)
            chunks = _batches([(s.name, texts[s.key], s.entity_nt) for s in again], config.workers, 200)
            for findings in _map(config.workers, _validate_chunk, chunks):
                report.findings.extend(findings)
            for state in again:
                state.validated = validation_fp
            report.validated += len(again)
        if (
            previous.get("validation") != validation_fp
            or previous.get("graphs", {}).get(reference_graph) != digests[reference_graph]
        ):
            validator: Validator = _WORKER["validator"]
            report.findings.extend(validator.validate(reference.graph(), reference.sources).findings)
        changed = [s for s in states.values() if s.path in fresh] + again
        report.findings.extend(_validate_merged(changed, entity_lines, contributions, reference))
        report.findings = _unique(report.findings)
        phase("validate")
        report.new_entities = _new_entities(states.values())
        if report.violations:
            return report
        cache.put(changed)
        cache.put_chunks((s.key, s.chunk) for s in changed if s.chunk is not None)

        change = _change(config, previous, previous_sources, states, shared, extraction_fp, validation_fp, cache)
        change.files = _with_search_index(change.files, states, cache, store)
        change.files = _with_charts_index(change.files, states, shared, cache, store)
        releases = {s.iri: s.key for s in states.values()}
        described = entity_descriptions(reference.nt + "\n" + entities_nt, config.base_uri)
        change.files = with_change_log(change.files, releases, cache.releases, store.files_dir, described)
        report.removed = len(set(previous_sources) - {s.name for s in states.values()})
        report.triples = int(change.manifest["triples"])
        if not change.empty or previous.get("validation") != validation_fp or not search_current:
            # a new validation fingerprint is recorded too, or every later build would validate again
            store.apply(change)
            report.written = True
        phase("write")
    except sqlite3.Error as exc:
        # the build cache beside the store (a full disk, most likely): nothing was published
        if not isinstance(store_path, Path):
            raise
        raise write_failed(store_path, exc) from None
    finally:
        cache.close()
        report.seconds = time.monotonic() - started
    return report


def _with_search_index(
    files: Callable[[Path], dict[str, Any]] | None,
    states: dict[str, SourceState],
    cache: Cache,
    store: WritableStore,
) -> Callable[[Path], dict[str, Any]]:
    """The files of the new state (``files``) and its search index (``publisher.search``), written from the
    releases being published. The index of the state being replaced is the start: only releases whose content
    changed are indexed again."""
    releases = {s.iri: s.key for s in states.values()}

    def documents(iris: list[str]) -> Iterator[tuple[str, Document]]:
        for start in range(0, len(iris), 200):
            batch = iris[start : start + 200]
            texts = cache.releases([releases[iri] for iri in batch])
            for iri in batch:
                yield releases[iri], document_of(iri, texts[releases[iri]])

    def write(folder: Path) -> dict[str, Any]:
        written = files(folder) if files is not None else {}
        current = store.files_dir()  # still the state being replaced
        previous = current / INDEX_NAME if current is not None else None
        write_index(folder / INDEX_NAME, releases, documents, previous)
        return written

    return write


def _with_charts_index(
    files: Callable[[Path], dict[str, Any]],
    states: dict[str, SourceState],
    shared: dict[str, str],
    cache: Cache,
    store: WritableStore,
) -> Callable[[Path], dict[str, Any]]:
    """The files of the new state (``files``) and the facts its pictures are drawn from (``publisher.charts_index``),
    one row per graph. The index of the state being replaced is the start: only graphs whose content changed are
    read again."""
    releases = {s.iri: s.key for s in states.values()}
    graphs = {**releases, **{g: hashlib.sha256(nt.encode()).hexdigest() for g, nt in shared.items()}}

    def texts(iris: list[str]) -> Iterator[tuple[str, str]]:
        for iri in iris:
            if iri in shared:
                yield iri, shared[iri]
        wanted = [iri for iri in iris if iri not in shared]
        for start in range(0, len(wanted), 200):
            batch = wanted[start : start + 200]
            found = cache.releases([releases[iri] for iri in batch])
            for iri in batch:
                yield iri, found[releases[iri]]

    def write(folder: Path) -> dict[str, Any]:
        written = files(folder)
        current = store.files_dir()  # still the state being replaced
        previous = current / charts_index.INDEX_NAME if current is not None else None
        charts_index.write_index(folder / charts_index.INDEX_NAME, graphs, texts, previous)
        return written

    return write


def _unique(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str, str]] = set()
    unique = []
    for finding in findings:
        key = (finding.focus, finding.path, finding.message)
        if key not in seen:
            seen.add(key)
            unique.append(finding)
    return unique


def _new_entities(states: Iterable[SourceState]) -> list[tuple[str, str, str, str]]:
    found: dict[str, tuple[str, str, str, str]] = {}
    for state in sorted(states, key=lambda s: s.path):
        for iri, cls, name in (tuple(e) for e in state.new_entities):
            found.setdefault(iri, (iri, cls, name, state.name))
    return sorted(found.values(), key=lambda e: (e[1], e[2]))


def _change(
    config: Config,
    previous: dict[str, Any],
    previous_sources: dict[str, dict[str, Any]],
    states: dict[str, SourceState],
    shared: dict[str, str],
    extraction_fp: str,
    validation_fp: str,
    cache: Cache,
) -> Change:
    """What the store has to do: replace the graphs of changed releases, drop those of removed ones, and
    bring the shared graphs up to date (the entities graph by its difference)."""
    base = config.base_uri
    digests = {g: hashlib.sha256(nt.encode()).hexdigest() for g, nt in shared.items()}
    manifest: dict[str, Any] = {
        "version": __version__,
        "base_uri": base,
        "extraction": extraction_fp,
        "validation": validation_fp,
        "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "graphs": digests,
        "sources": {
            s.name: {
                "sha256": s.sha256,
                "iri": s.iri,
                "identifier": s.identifier,
                "key": s.key,
                "size": s.size,
                "mtime": s.mtime,
            }
            for s in states.values()
        },
    }
    full = previous.get("base_uri") != base or not previous
    new_names = {s.name: s for s in states.values()}
    write = [
        s
        for s in states.values()
        if full
        or previous_sources.get(s.name, {}).get("key") != s.key
        or previous_sources.get(s.name, {}).get("iri") != s.iri
    ]
    texts = {s.key: s.release_nt for s in write if s.release_nt}
    texts.update(cache.releases([s.key for s in write if not s.release_nt]))
    release_lines = sum(nt.count("\n") for nt in texts.values())
    if not full:
        unchanged = [s for s in states.values() if s not in write]
        counts = previous.get("release_triples", {})
        release_lines += sum(int(counts.get(s.name, 0)) for s in unchanged)
    manifest["triples"] = release_lines + sum(nt.count("\n") for nt in shared.values())
    manifest["release_triples"] = {
        name: (texts[s.key].count("\n") if s.key in texts else previous.get("release_triples", {}).get(name, 0))
        for name, s in new_names.items()
    }
    # the dumps: every graph's chunks, releases in the order of their IRIs, then the shared graphs
    shared_keys = {graph: "graph:" + digests[graph] for graph in shared}
    missing = set(cache.missing_chunks(list(shared_keys.values())))
    cache.put_chunks((key, make_chunk(shared[g])) for g, key in shared_keys.items() if key in missing)
    order = [s.key for s in sorted(states.values(), key=lambda s: s.iri)] + [shared_keys[g] for g in sorted(shared)]
    for key in cache.missing_chunks(order):
        # a release cached before its chunks were: make them now
        cache.put_chunks([(key, make_chunk(texts.get(key) or cache.releases([key])[key]))])

    def files(folder: Path) -> dict[str, Any]:
        return write_dumps(folder / "dumps", cache.chunks(order))

    if full:
        graphs = dict(shared)
        graphs.update({s.iri: texts[s.key] for s in write})
        return Change(graphs=graphs, full=True, manifest=manifest, files=files)
    change = Change(manifest=manifest, files=files)
    for name, entry in previous_sources.items():
        state = new_names.get(name)
        if state is None or state.iri != entry["iri"]:
            change.drop.add(entry["iri"])
    for state in write:
        change.graphs[state.iri] = texts[state.key]
        change.drop.discard(state.iri)
    entities = graph_iri(base, "entities")
    for graph, nt in shared.items():
        if previous.get("graphs", {}).get(graph) == digests[graph]:
            continue
        before_lines = _previous_entities(previous_sources, cache, shared) if graph == entities else None
        if before_lines is not None and previous.get("graphs", {}).get(graph):
            before = set(before_lines)
            after = set(nt.splitlines())
            change.add[graph] = "\n".join(sorted(after - before))
            change.remove[graph] = "\n".join(sorted(before - after))
        else:
            change.graphs[graph] = nt
    return change


def _previous_entities(
    previous_sources: dict[str, dict[str, Any]], cache: Cache, shared: dict[str, str]
) -> list[str] | None:
    """The entities graph as the last build wrote it, rebuilt from the cache entries it used (None when the
    cache no longer has them all: the graph is then written whole)."""
    keys = [str(e["key"]) for e in previous_sources.values()]
    rows = cache.get(keys)
    if len(rows) != len(set(keys)):
        return None
    lines: set[str] = set()
    for row in rows.values():
        lines.update(line for line in row[2].splitlines() if line)
    reference = set(next(nt for g, nt in shared.items() if g.endswith("graph/reference")).splitlines())
    return sorted(lines - reference)


# ---------------------------------------------------------------- one build at a time, and one release changed

#: The lock file beside the store that one build holds from reading the sources to publishing the new state, so
#: that two builds never compute their changes from the same state.
RUN_LOCK = "run.lock"
#: The same for stores held in memory, by store.
_MEMORY_LOCKS: weakref.WeakKeyDictionary[WritableStore, threading.Lock] = weakref.WeakKeyDictionary()
_MEMORY_LOCKS_GUARD = threading.Lock()


class BuildRunningError(StoreError):
    """Another build holds the store's build lock."""


@contextlib.contextmanager
def build_lock(store: WritableStore, wait: float = 0.0) -> Iterator[None]:
    """Hold ``store``'s build lock for the block, waiting up to ``wait`` seconds for a build that holds it;
    then a BuildRunningError. The lock is a file beside the store (released by the system when its holder dies), so
    builds of several processes (the command line, the workers of a server) take turns."""
    folder = getattr(store, "path", None)
    if not isinstance(folder, Path):
        with _MEMORY_LOCKS_GUARD:
            lock = _MEMORY_LOCKS.setdefault(store, threading.Lock())
        acquired = lock.acquire(timeout=wait) if wait > 0 else lock.acquire(blocking=False)
        if not acquired:
            raise BuildRunningError("store: the store is being written by another build")
        try:
            yield
        finally:
            lock.release()
        return
    folder.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait
    with open(folder / RUN_LOCK, "a") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise BuildRunningError(f"store: {folder} is being written by another build") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass
class ReleaseBuild:
    """What ``build_with_release`` did."""

    report: BuildReport
    #: The release file in the data folder: where it is now, or (withdrawn) where it was.
    path: Path
    #: Whether the data folder held a release of that name before.
    existed: bool

    @property
    def done(self) -> bool:
        return self.report.exit_code == 0


def build_with_release(
    config: Config, store: WritableStore, name: str, content: bytes | None, wait: float = 0.0
) -> ReleaseBuild:
    """Build ``config.data_dir`` with the release file ``name`` added or replaced by ``content`` (None: removed),
    and change the data folder only when that build succeeded.

    The build reads a staging copy of the data folder (links to its files, and ``content``), under the build lock
    (waiting up to ``wait`` seconds for another build); when it conforms and the store holds the new state, the
    file is written into ``releases/`` (its time kept, so the next build does not read it again) or removed.
    Otherwise the data folder and the store stay as they were. A file of that name in a subfolder of ``releases/``
    is the one replaced or removed; two files of that name are an HttpError (409), since the build knows a release
    by its file's name."""
    from publisher.ingest.sources import source_paths

    releases = config.data_dir / "releases"
    with build_lock(store, wait):
        present = source_paths(releases)
        named = [p for p in present if p.name == name]
        if len(named) > 1:
            # the build knows a release by its file's name: which of them is meant cannot be told
            shown = ", ".join(str(p.relative_to(releases)) for p in named)
            raise HttpError(409, f"releases/ holds {len(named)} files named {name} ({shown}): rename all but one first")
        existing = named[0] if named else None
        if content is None and existing is None:
            raise NotFoundError(f"no release file {name} in the data folder's releases/")
        relative = existing.relative_to(releases) if existing is not None else Path(name)
        staging = Path(tempfile.mkdtemp(prefix="publisher-release-"))
        try:
            (staging / "releases").mkdir()
            (staging / "reference").symlink_to((config.data_dir / "reference").resolve())
            for path in present:
                if path != existing:
                    link = staging / "releases" / path.relative_to(releases)
                    link.parent.mkdir(parents=True, exist_ok=True)
                    link.symlink_to(path.resolve())
            staged = staging / "releases" / relative
            staged.parent.mkdir(parents=True, exist_ok=True)
            if content is not None:
                staged.write_bytes(content)
            report = _build(config.with_overrides(data_dir=staging), store)
            # the errors name files as the data folder's releases/ holds them
            report.errors = [line.replace(str(staging / "releases"), "releases") for line in report.errors]
            final = releases / relative
            if report.exit_code == 0:
                if content is None:
                    final.unlink(missing_ok=True)
                    fsync(final.parent)
                else:
                    _place(staged, final)
            return ReleaseBuild(report, final, existing is not None)
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def _place(staged: Path, final: Path) -> None:
    """Write ``staged`` to ``final`` in one rename, with its modification time."""
    final.parent.mkdir(parents=True, exist_ok=True)
    temporary = final.with_name(f".{final.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        shutil.copy2(staged, temporary)
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, final)
        fsync(final.parent)  # the rename itself survives a crash
    finally:
        temporary.unlink(missing_ok=True)
