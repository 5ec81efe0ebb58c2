"""The embedded store: pyoxigraph, on disk by default, in memory for tests.

On disk, every successful write produces a new generation folder; a symlink ``current`` names the generation
that is served, and switching it is one atomic rename. A generation starts as a RocksDB checkpoint of the
previous one (hard links, no copying), gets the change applied, is flushed, gets its manifest, and only then
becomes current. A crash at any point leaves ``current`` on the old generation; the next write clears what the
crash left behind. One writer at a time: a lock file serialises builds.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import multiprocessing
import os
import shutil
import tempfile
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from publisher.errors import StoreError
from publisher.formats import BY_NAME
from publisher.store import Bindings, Change, WritableStore, oxigraph_term

_RESULT = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
#: The format table's RDF formats, as Oxigraph knows them.
_RDF = {name: ox.RdfFormat.from_media_type(fmt.media_type) for name, fmt in BY_NAME.items()}
_QUAD_FORMATS = {"nq", "trig"}


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
        if path is not None and path.exists() and not path.is_dir():
            raise StoreError(f"store: {path} exists and is not a folder (setting PUBLISHER_STORE / --store)")

    # ------------------------------------------------------------ reading

    def current_generation(self) -> Path | None:
        if self.path is None:
            return None
        link = self.path / "current"
        if not link.is_symlink() and not link.exists():
            return None
        target = link.resolve()
        return target if (target / "oxigraph").is_dir() else None

    def version(self) -> str:
        if self.path is None:
            return str(self._memory_version)
        try:
            return os.readlink(self.path / "current")
        except OSError:
            return ""

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
        if isinstance(result, (ox.QuerySolutions, ox.QueryBoolean)):
            return result.serialize(format=_RESULT[result_format if result_format in _RESULT else "json"]) or b""
        rdf = _RDF.get(result_format, ox.RdfFormat.TURTLE)
        if result_format in _QUAD_FORMATS:
            rdf = ox.RdfFormat.N_TRIPLES
        return ox.serialize(result, format=rdf) or b""

    def dump(self, rdf_format: str) -> bytes:
        if rdf_format not in _RDF:
            raise StoreError(f"dump: unknown format '{rdf_format}'")
        store = self._store()
        if rdf_format in _QUAD_FORMATS:
            return store.dump(format=_RDF[rdf_format]) or b""
        triples = store.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
        return ox.serialize(triples, format=_RDF[rdf_format]) or b""  # type: ignore[arg-type]

    def manifest(self) -> dict[str, Any] | None:
        if self.path is None:
            return self._memory_manifest
        generation = self.current_generation()
        if generation is None:
            return None
        try:
            data: dict[str, Any] = json.loads((generation / "manifest.json").read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise StoreError(f"store: {generation}/manifest.json is unreadable: {exc}") from None
        return data

    def files_dir(self) -> Path | None:
        if self.path is None:
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

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        assert self.path is not None
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.path / "build.lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StoreError(f"store: {self.path} is being written by another build") from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def apply(self, change: Change) -> None:
        if self._memory is not None:
            self._apply_memory(change)
            return
        assert self.path is not None
        with self._lock():
            self._clean_leftovers()
            current = self.current_generation()
            number = 1 + max(
                [int(p.name.split("-")[1]) for p in self.path.glob("gen-*") if p.name[4:].isdigit()] or [0]
            )
            new = self.path / f"gen-{number:06d}"
            manifest_data = dict(change.manifest)
            try:
                new.mkdir()
                if change.full or current is None:
                    loader = _start_bulk_load(new, change.graphs)
                    try:
                        if change.files is not None:
                            # written while the loader works
                            manifest_data["files"] = change.files(new / "files")
                    finally:
                        _finish_bulk_load(new, loader)  # the loader ends before anything is removed
                else:
                    ox.Store.read_only(str(current / "oxigraph")).backup(str(new / "oxigraph"))
                    writer = ox.Store(str(new / "oxigraph"))
                    _apply_incremental(writer, change)
                    writer.flush()
                    del writer
                    if change.files is not None:
                        manifest_data["files"] = change.files(new / "files")
                manifest = new / "manifest.json"
                manifest.write_text(json.dumps(manifest_data, ensure_ascii=False, sort_keys=True), "utf-8")
                _fsync(manifest)
                _fsync(new)
                link = self.path / "current.next"
                if link.is_symlink() or link.exists():
                    link.unlink()
                link.symlink_to(new.name)
                os.replace(link, self.path / "current")
                _fsync(self.path)
            except OSError as exc:
                shutil.rmtree(new, ignore_errors=True)
                raise StoreError(
                    f"store: {self.path}: the new state could not be written ({exc}); the old state is still served"
                ) from None
            except BaseException:
                shutil.rmtree(new, ignore_errors=True)
                raise
            self._prune(keep={new.name, current.name if current else ""})

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

    def _clean_leftovers(self) -> None:
        """Generation folders that never became current are what an interrupted build left."""
        assert self.path is not None
        current = self.current_generation()
        for path in self.path.glob("gen-*"):
            if current is not None and path.resolve() == current:
                continue
            if current is None or path.name > current.name:
                shutil.rmtree(path, ignore_errors=True)
        leftover = self.path / "current.next"
        if leftover.is_symlink():
            leftover.unlink()

    def _prune(self, keep: set[str]) -> None:
        """Old generations go, except the one before (a server may still be reading it)."""
        assert self.path is not None
        for path in sorted(self.path.glob("gen-*")):
            if path.name not in keep:
                shutil.rmtree(path, ignore_errors=True)


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
        target=_load_file, args=(str(generation / "oxigraph"), str(source)), name="publisher-load"
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


def _load_file(database: str, source: str) -> None:
    store = ox.Store(database)
    # the quads were written by this program from validated triples: no need to check every IRI again
    store.bulk_load(path=source, format=ox.RdfFormat.N_QUADS, lenient=True)
    store.flush()


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


def _fsync(path: Path) -> None:
    flags = os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() else 0)
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
