"""The SPARQL endpoint's core: checks a query against the limits, runs it, and hands back the written answer.

The checks that need no engine come first: the size (PUBLISHER_SPARQL_MAX_BODY), updates (refused: the data
change only by a build), and SERVICE calls (only to endpoints on PUBLISHER_SPARQL_SERVICES). Then the query runs
in a worker process (publisher.sparql.pool) with the timeout and the row cap; a store held in memory has no
folder a worker could open, and runs its queries in the server's own process, where the row cap holds but the
timeout cannot stop a query. A remote store answers the query itself (``Endpoint._forward``).
"""

from __future__ import annotations

import atexit
import dataclasses
import threading
from dataclasses import dataclass

import pyoxigraph as ox

from publisher.config import Config
from publisher.errors import QueryError
from publisher.namespaces import PREFIXES as NAMESPACES
from publisher.search import SearchIndex, SearchTextError, index_of
from publisher.sparql.fulltext import engine_reads_lateral, expand
from publisher.sparql.pool import WorkerPool
from publisher.sparql.text import QUERY_FORMS, QueryText, read_query
from publisher.sparql.worker import Answer, Failure, Job, answer_of, execute
from publisher.store import Store
from publisher.store.oxigraph import OxigraphStore
from publisher.store.remote import RemoteStore

#: Prefixes that Turtle and RDF/XML answers abbreviate IRIs with.
PREFIXES = {prefix: str(namespace) for prefix, namespace in NAMESPACES.items()}


@dataclass(frozen=True)
class Query:
    """One query as the protocol hands it over."""

    text: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    results_format: str | None = "json"
    graph_format: str | None = "turtle"
    #: A smaller cap than the setting's (an HTML page shows fewer rows), or None for the setting's.
    max_rows: int | None = None


class Endpoint:
    def __init__(self, store: Store, config: Config) -> None:
        self.store = store
        self.config = config
        self._pool: WorkerPool | None = None
        self._current: tuple[str | None, str | None, bool] = (None, None, False)
        self._lock = threading.Lock()
        #: (the state, its full-text index), looked up once per state
        self._search: tuple[str, SearchIndex | None] | None = None

    def read(self, text: str) -> QueryText:
        """What the query's text says, once it has passed the checks that need no engine."""
        size = len(text.encode("utf-8"))
        if size > self.config.sparql_max_body:
            raise QueryError(
                413,
                f"the query has {size} bytes; at most {self.config.sparql_max_body} are accepted "
                "(setting PUBLISHER_SPARQL_MAX_BODY)",
            )
        found = read_query(text)
        if found.is_update:
            raise QueryError(
                400,
                f"query: {found.form} is an update operation; this endpoint answers queries only "
                "(SELECT, ASK, CONSTRUCT, DESCRIBE), and the data change only by a new build",
            )
        for service in found.services:
            if service is None:
                raise QueryError(
                    403,
                    "SERVICE with a variable endpoint is refused: only named endpoints can be allowed "
                    "(setting PUBLISHER_SPARQL_SERVICES)",
                )
            if service not in self.config.sparql_services:
                allowed = ", ".join(self.config.sparql_services) or "none"
                raise QueryError(
                    403,
                    f"SERVICE <{service}> is refused: federated queries may call only the endpoints of the "
                    f"setting PUBLISHER_SPARQL_SERVICES (now: {allowed})",
                )
        return found

    def answer(self, query: Query) -> Answer:
        found = self.read(query.text)
        if found.form in ("SELECT", "ASK") and query.results_format is None:
            raise QueryError(406, f"a {found.form} query answers with results, which the request does not accept")
        if found.form in ("CONSTRUCT", "DESCRIBE") and query.graph_format is None:
            raise QueryError(406, f"a {found.form} query answers with a graph, which the request does not accept")
        cap = (
            self.config.sparql_max_rows if query.max_rows is None else min(query.max_rows, self.config.sparql_max_rows)
        )
        dataset_given = bool(query.default_graphs or query.named_graphs)
        # the embedded engine joins the releases of a search pattern from the releases only when told so (not in a
        # query that calls other endpoints, which might not read LATERAL)
        lateral = isinstance(self.store, OxigraphStore) and not found.services and engine_reads_lateral()
        job = Job(
            store=None,
            query=expand(query.text, self._matching, self.config.sparql_search_max, lateral=lateral),
            default_graphs=query.default_graphs if dataset_given else None,
            named_graphs=query.named_graphs if dataset_given else None,
            results_format=query.results_format,
            graph_format=query.graph_format,
            max_rows=cap,
            base_iri=self.config.base_uri + "sparql",
            own_dataset=found.has_dataset,
        )
        store = self.store
        if isinstance(store, RemoteStore):
            return self._forward(store, job, bool(found.services))
        if not isinstance(store, OxigraphStore):
            raise QueryError(501, "this store does not run SPARQL queries for the endpoint")
        if store.path is None:
            outcome = execute(store.engine(), job, PREFIXES)
            if isinstance(outcome, Failure):
                raise QueryError(outcome.status, outcome.message)
            return outcome
        folder, in_memory = self._state(store)
        return self._workers().run(dataclasses.replace(job, store=folder, in_memory=in_memory))

    def _forward(self, store: RemoteStore, job: Job, calls_services: bool) -> Answer:
        """Run ``job`` on a remote store: the query is read by the embedded engine first (on an empty graph), so
        that only SPARQL 1.1 reaches the store, with the embedded store's error messages, and none of a store's
        own extensions (Virtuoso's DEFINE pragmas, for instance); the store's answer is written by the same
        writers, with the same row cap. The timeout is how long the store may take to answer."""
        if not calls_services:  # the engine would call an allowed service itself
            try:
                ox.Store().query(job.query, base_iri=job.base_iri)
            except SyntaxError as exc:
                raise QueryError(400, f"query: {exc}") from None
            except (RuntimeError, OSError, ValueError, TypeError):
                pass  # the text is SPARQL; what it does on no data is not the question
        result = store.run(
            f"BASE <{job.base_iri}>\n{job.query}",
            default_graphs=job.default_graphs,
            named_graphs=job.named_graphs,
            timeout=self.config.sparql_timeout,
            user_query=True,
        )
        outcome = answer_of(result, job, PREFIXES)
        if isinstance(outcome, Failure):
            raise QueryError(outcome.status, outcome.message)
        return outcome

    def _matching(self, text: str) -> list[str]:
        """The releases the state's full-text index finds for ``text`` (a search pattern of a query)."""
        version = self.store.version()
        with self._lock:
            if self._search is None or self._search[0] != version:
                self._search = (version, index_of(self.store))
            index = self._search[1]
        if index is None:
            raise QueryError(
                503,
                "search:matches: the published state has no full-text index (it was built by an older version); "
                "build it again with publisher build",
            )
        try:
            return index.matching(text)
        except SearchTextError as exc:
            raise QueryError(400, f"search:matches: {exc}") from None

    def _state(self, store: OxigraphStore) -> tuple[str | None, bool]:
        """The folder of the current state, and whether the workers answer from a copy of it in memory (when it is
        no larger than the setting); looked up once per state."""
        version = store.version()
        if self._current[0] != version:
            size = (store.manifest() or {}).get("triples")
            in_memory = isinstance(size, int) and size <= self.config.sparql_memory
            self._current = (version, store.engine_folder(), in_memory)
        return self._current[1], self._current[2]

    def _workers(self) -> WorkerPool:
        with self._lock:
            if self._pool is None or not self._pool.owned:
                self._pool = WorkerPool(
                    self.config.sparql_concurrency,
                    self.config.sparql_timeout,
                    PREFIXES,
                    self.config.sparql_worker_memory * 2**20,
                )
                atexit.register(self._pool.close)
            return self._pool

    def close(self) -> None:
        with self._lock:
            if self._pool is not None and self._pool.owned:
                self._pool.close()
            self._pool = None


__all__ = ["QUERY_FORMS", "Endpoint", "Query"]
