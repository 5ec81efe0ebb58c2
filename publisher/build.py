"""``publisher build``: ingest ``data/``, validate everything, write the store atomically.

The build is incremental. Each source is identified by its content hash; what extraction made of it is kept in
a cache next to the store, keyed by that hash and by a fingerprint of everything extraction depends on (the
extractor's code, the reference data, the base URI). An unchanged release is neither extracted nor validated
again; a changed one replaces exactly its own named graph. The new state becomes visible only when everything
conforms; otherwise the store keeps serving the old one.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from publisher import __version__
from publisher.config import PROJECT_ROOT, Config
from publisher.errors import DuplicateIdentityError, InputError, PublisherError
from publisher.store import Change, WritableStore, graph_iri
from publisher.validation import Finding, ValidationResult, Validator


@dataclass
class SourceState:
    """One release as the build knows it."""

    path: str
    sha256: str
    key: str
    identifier: str = ""
    iri: str = ""
    release_nt: str = ""
    entity_nt: str = ""
    new_entities: list[list[str]] = field(default_factory=list)
    validated: str = ""


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
    reference = _hash_files((config.data_dir / "reference").glob("*.ttl"))
    extraction = hashlib.sha256(f"{__version__}|{code}|{reference}|{config.base_uri}".encode()).hexdigest()
    shapes = _hash_files([*config.shapes_dir.glob("*.ttl"), *config.ontology_dir.glob("*.ttl")])
    return extraction, hashlib.sha256(f"{extraction}|{shapes}".encode()).hexdigest()


class Cache:
    """Extraction results by source hash and fingerprint, in SQLite next to the store."""

    def __init__(self, path: Path | None) -> None:
        self.db = sqlite3.connect(str(path) if path else ":memory:")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS extracted (key TEXT PRIMARY KEY, identifier TEXT, iri TEXT, "
            "release_nt TEXT, entity_nt TEXT, new_entities TEXT, validated TEXT)"
        )

    def get(self, keys: list[str]) -> dict[str, tuple[str, str, str, str, str, str]]:
        found: dict[str, tuple[str, str, str, str, str, str]] = {}
        for start in range(0, len(keys), 500):
            batch = keys[start : start + 500]
            marks = ",".join("?" * len(batch))
            for row in self.db.execute(
                f"SELECT key, identifier, iri, release_nt, entity_nt, new_entities, validated FROM extracted "
                f"WHERE key IN ({marks})",
                batch,
            ):
                found[row[0]] = row[1:]
        return found

    def put(self, states: Iterable[SourceState]) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO extracted VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (s.key, s.identifier, s.iri, s.release_nt, s.entity_nt, json.dumps(s.new_entities), s.validated)
                for s in states
            ],
        )
        self.db.commit()

    def close(self) -> None:
        self.db.close()


# ---------------------------------------------------------------- work done in worker processes
# The parent sets up what the workers need (the extractor with its gazetteer, the validator with its shapes,
# the reference data) before it forks them, so every worker starts with it in memory.

_WORKER: dict[str, Any] = {}


def _prepare_workers(config: Config, reference: dict[str, Graph], entities: Graph | None = None) -> None:
    from publisher.ingest.extract import Extractor
    from publisher.ingest.gazetteer import build_gazetteer

    fingerprint = fingerprints(config)[0]
    if _WORKER.get("fingerprint") != fingerprint:
        _WORKER["extractor"] = Extractor(build_gazetteer(reference["reference"]), config.base_uri)
        _WORKER["base"] = config.base_uri
        _WORKER["fingerprint"] = fingerprint
    _WORKER["validator"] = Validator(config.shapes_dir, config.ontology_dir)
    _WORKER["reference"] = reference["reference"]
    _WORKER["curated"] = {str(s) for s in reference["reference"].subjects()}
    support = Graph()
    support += reference["reference"]
    if entities is not None:
        support += entities
    _WORKER["support"] = support


def _no_init() -> None:
    """Workers start from what the parent prepared."""


def _extract_batch(paths: list[str]) -> tuple[list[tuple[str, SourceState | None, str | None]], list[Finding]]:
    """Extract, map and validate a batch of sources in one worker: the graphs are validated as they are,
    without a round trip through N-Triples."""
    from publisher.ingest.source import read_source
    from publisher.ingest.sources import extract_source

    results: list[tuple[str, SourceState | None, str | None]] = []
    data = Graph()
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
        for subject in set(result.release.subjects()) | {
            s for s in result.entities.subjects() if str(s) not in curated
        }:
            sources.setdefault(str(subject), name)
            if isinstance(subject, URIRef):
                focus.add(str(subject))
        data += result.release
        data += result.entities
        results.append(
            (
                path,
                SourceState(
                    path=path,
                    sha256=doc.sha256,
                    key="",
                    identifier=result.identifier,
                    iri=result.iri,
                    release_nt=canonical_nt(result.release),
                    entity_nt=canonical_nt(result.entities),
                    new_entities=[list(e) for e in result.new_entities],
                ),
                None,
            )
        )
    findings: list[Finding] = []
    if focus:
        _add_types(data, _WORKER["reference"])
        findings = _WORKER["validator"].validate(data, sources, focus=sorted(focus)).findings
    return results, findings


def _add_types(data: Graph, support: Graph) -> None:
    """The types of everything ``data`` links to, which sh:class checks read."""
    for o in {o for o in data.objects() if isinstance(o, URIRef)}:
        for t in support.objects(o, RDF.type):
            data.add((o, RDF.type, t))


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
    _add_types(data, support)
    return validator.validate(data, sources, focus=sorted(focus)).findings


def _validate_merged(states: Iterable[SourceState], reference: dict[str, Graph], entities_nt: str) -> list[Finding]:
    """Entities that several releases describe differently, validated with everything said about them."""
    by_subject: dict[str, set[str]] = {}
    contributions: dict[str, list[tuple[str, frozenset[str]]]] = {}
    for state in states:
        per_subject: dict[str, set[str]] = {}
        for line in state.entity_nt.splitlines():
            if line.strip():
                per_subject.setdefault(line.split(" ", 1)[0], set()).add(line)
        for subject, lines in per_subject.items():
            by_subject.setdefault(subject, set()).update(lines)
            contributions.setdefault(subject, []).append((Path(state.path).name, frozenset(lines)))
    curated = {f"<{s}>" for s in reference["reference"].subjects()}
    differing = [
        s
        for s, lines in by_subject.items()
        if s not in curated and s.startswith("<") and any(own != lines for _n, own in contributions[s])
    ]
    if not differing:
        return []
    data = Graph()
    data.parse(data="\n".join(line for s in differing for line in sorted(by_subject[s])), format="nt")
    support = Graph()
    support += reference["reference"]
    support.parse(data=entities_nt, format="nt")
    _add_types(data, support)
    sources = {s[1:-1]: contributions[s][0][0] for s in differing}
    validator: Validator = _WORKER["validator"]
    return validator.validate(data, sources, focus=[s[1:-1] for s in differing]).findings


# ---------------------------------------------------------------- the build


def _map(pool_size: int, fn: Callable[[Any], Any], items: list[Any], progress: Callable[[int], None]) -> list[Any]:
    if not items:
        return []
    if pool_size <= 1 or len(items) < 2:
        results = []
        for item in items:
            results.append(fn(item))
            progress(1)
        return results
    context = multiprocessing.get_context("fork")
    with context.Pool(pool_size, initializer=_no_init) as pool:
        results = []
        for result in pool.imap(fn, items):
            results.append(result)
            progress(1)
        return results


def _batches(items: list[Any], workers: int, largest: int) -> list[list[Any]]:
    size = max(1, min(largest, -(-len(items) // (workers * 4))))
    return [items[i : i + size] for i in range(0, len(items), size)]


def build(config: Config, store: WritableStore, progress: bool = False) -> BuildReport:
    """Bring ``store`` up to date with ``config.data_dir``."""
    from tqdm import tqdm

    from publisher.ingest.sources import source_paths

    started = time.monotonic()
    report = BuildReport()
    releases_dir = config.data_dir / "releases"
    try:
        paths = [p for p in source_paths(releases_dir) if not p.name.lower().startswith("readme")]
    except InputError as exc:
        report.errors.append(str(exc))
        return report
    extraction_fp, validation_fp = fingerprints(config)
    previous = store.manifest() or {}
    previous_sources: dict[str, dict[str, str]] = previous.get("sources", {})
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
        states: dict[str, SourceState] = {}
        for path in paths:
            try:
                raw = path.read_bytes()
            except OSError as exc:
                report.errors.append(f"{path}: cannot be read: {exc.strerror}")
                continue
            sha = hashlib.sha256(raw).hexdigest()
            key = hashlib.sha256(f"{sha}|{extraction_fp}".encode()).hexdigest()
            states[str(path)] = SourceState(path=str(path), sha256=sha, key=key)
        report.releases = len(states)
        cached = cache.get([s.key for s in states.values()])
        todo = []
        for state in states.values():
            hit = cached.get(state.key)
            if hit:
                (state.identifier, state.iri, state.release_nt, state.entity_nt, new, state.validated) = hit
                state.new_entities = json.loads(new)
            else:
                todo.append(state.path)
        reference = _reference_graphs(config)
        reference_changed = previous.get("validation") != validation_fp
        phase("scan")

        # extract, map and validate what changed, in parallel
        _prepare_workers(config, reference)
        phase("prepare")
        batches = _batches(todo, config.workers, 40)
        bar = tqdm(
            total=len(todo), desc="extract+validate", unit="release", disable=not progress or not todo, leave=False
        )
        for batch, (results, findings) in zip(
            batches, _map(config.workers, _extract_batch, batches, lambda _n: None), strict=True
        ):
            bar.update(len(batch))
            report.findings.extend(findings)
            for path, state, error in results:
                if error:
                    report.errors.append(error)
                    states.pop(path, None)
                else:
                    assert state is not None
                    state.key = states[path].key
                    state.validated = validation_fp
                    states[path] = state
        bar.close()
        failed = sum(1 for path in todo if path not in states)
        report.extracted = len(todo) - failed
        report.validated = len(todo) - failed
        phase("extract+validate")
        by_identity: dict[str, str] = {}
        for state in sorted(states.values(), key=lambda s: s.path):
            first = by_identity.setdefault(state.iri, state.path)
            if first != state.path:
                report.errors.append(str(DuplicateIdentityError(state.identifier, first, state.path)))
        if report.errors:
            return report

        # what the releases say about entities, merged
        entities_nt = _merge_entities(states.values(), reference)
        shared = _shared(config.base_uri, reference, entities_nt)
        digests = {g: hashlib.sha256(nt.encode()).hexdigest() for g, nt in shared.items()}
        reference_graph = graph_iri(config.base_uri, "reference")
        phase("merge")

        # validate again what the cache holds when the shapes or the reference data changed
        # (a cached validation is keyed by the validation fingerprint: shapes, ontology, reference data, code)
        fresh = set(todo)
        again = [s for s in states.values() if s.validated != validation_fp and s.path not in fresh]
        if again:
            entities = Graph()
            entities.parse(data=entities_nt, format="nt")
            _prepare_workers(config, reference, entities)
            chunks = _batches([(Path(s.path).name, s.release_nt, s.entity_nt) for s in again], config.workers, 200)
            for findings in _map(config.workers, _validate_chunk, chunks, lambda _n: None):
                report.findings.extend(findings)
            for state in again:
                state.validated = validation_fp
            report.validated += len(again)
        if reference_changed or previous.get("graphs", {}).get(reference_graph) != digests[reference_graph]:
            report.findings.extend(_validate_reference(config, reference).findings)
        if todo or again:
            report.findings.extend(_validate_merged(states.values(), reference, entities_nt))
        report.findings = _unique(report.findings)
        phase("validate")
        report.new_entities = _new_entities(states.values())
        if report.violations:
            return report
        changed = fresh | {s.path for s in again}
        cache.put(s for s in states.values() if s.path in changed)

        change = _change(config, previous, previous_sources, states, shared, extraction_fp, validation_fp)
        report.removed = len(set(previous_sources) - {Path(p).name for p in states})
        if not change.empty:
            store.apply(change)
            report.written = True
        phase("write")
    finally:
        cache.close()
        report.triples = store.count()
        report.seconds = time.monotonic() - started
    return report


def _unique(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str, str]] = set()
    unique = []
    for finding in findings:
        key = (finding.focus, finding.path, finding.message)
        if key not in seen:
            seen.add(key)
            unique.append(finding)
    return unique


def _reference_graphs(config: Config) -> dict[str, Graph]:
    from publisher.ingest.gazetteer import load_reference
    from publisher.validation import load_graph

    return {
        "reference": load_reference((config.data_dir / "reference").glob("*.ttl"), config.base_uri),
        "ontology": load_graph(config.ontology_dir.glob("*.ttl")),
    }


def _merge_entities(states: Iterable[SourceState], reference: dict[str, Graph]) -> str:
    """What releases say about entities, merged, minus what the reference data already says (N-Triples).

    Merged line by line: the mapping gives blank nodes labels of their own, which parsing would rename.
    """
    lines: set[str] = set()
    for state in states:
        lines.update(line for line in state.entity_nt.splitlines() if line.strip())
    lines -= set(canonical_nt(reference["reference"]).splitlines())
    return "\n".join(sorted(lines)) + ("\n" if lines else "")


def _validate_reference(config: Config, reference: dict[str, Graph]) -> ValidationResult:
    """The curated reference data, validated as a whole (the releases' chunks validate what they add)."""
    validator = Validator(config.shapes_dir, config.ontology_dir)
    sources: dict[str, str] = {}
    for path in sorted((config.data_dir / "reference").glob("*.ttl")):
        part = Graph()
        part.parse(path, format="turtle", publicID=config.base_uri)
        for subject in set(part.subjects()):
            sources.setdefault(str(subject), f"reference/{path.name}")
    return validator.validate(reference["reference"], sources)


def _shared(base: str, reference: dict[str, Graph], entities_nt: str) -> dict[str, str]:
    return {
        graph_iri(base, "reference"): canonical_nt(reference["reference"]),
        graph_iri(base, "entities"): entities_nt,
        graph_iri(base, "ontology"): canonical_nt(reference["ontology"]),
    }


def _new_entities(states: Iterable[SourceState]) -> list[tuple[str, str, str, str]]:
    found: dict[str, tuple[str, str, str, str]] = {}
    for state in sorted(states, key=lambda s: s.path):
        for iri, cls, name in (tuple(e) for e in state.new_entities):
            found.setdefault(iri, (iri, cls, name, Path(state.path).name))
    return sorted(found.values(), key=lambda e: (e[1], e[2]))


def _change(
    config: Config,
    previous: dict[str, Any],
    previous_sources: dict[str, dict[str, str]],
    states: dict[str, SourceState],
    shared: dict[str, str],
    extraction_fp: str,
    validation_fp: str,
) -> Change:
    base = config.base_uri
    manifest = {
        "version": __version__,
        "base_uri": base,
        "extraction": extraction_fp,
        "validation": validation_fp,
        "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "sources": {
            Path(s.path).name: {"sha256": s.sha256, "iri": s.iri, "identifier": s.identifier, "key": s.key}
            for s in states.values()
        },
    }
    digests = {g: hashlib.sha256(nt.encode()).hexdigest() for g, nt in shared.items()}
    manifest["graphs"] = digests
    if previous.get("base_uri") != base or not previous:
        graphs = dict(shared)
        graphs.update({s.iri: s.release_nt for s in states.values()})
        return Change(graphs=graphs, full=True, manifest=manifest)
    change = Change(manifest=manifest)
    old = {name: entry for name, entry in previous_sources.items()}
    new_names = {Path(s.path).name: s for s in states.values()}
    for name, entry in old.items():
        state = new_names.get(name)
        if state is None or state.iri != entry["iri"]:
            change.drop.add(entry["iri"])
    for name, state in new_names.items():
        before = old.get(name)
        if before is None or before.get("key") != state.key or before.get("iri") != state.iri:
            change.graphs[state.iri] = state.release_nt
            change.drop.discard(state.iri)
    for graph, nt in shared.items():
        if previous.get("graphs", {}).get(graph) != digests[graph]:
            change.graphs[graph] = nt
    if change.empty and previous.get("validation") == validation_fp and previous.get("extraction") == extraction_fp:
        return change
    return change
