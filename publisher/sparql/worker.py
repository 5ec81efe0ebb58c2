"""Running one query: in a worker process of the pool (publisher.sparql.pool), or in the server's own process
for a store held in memory.

A job names the on-disk store of the published state it is asked against, so a worker opens each state once and
follows new builds. The answer is written in the worker (rows past the cap are never computed), and what crosses
back to the server is the finished body.
"""

from __future__ import annotations

import os
import resource
import signal
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from multiprocessing.connection import Connection

import pyoxigraph as ox

from publisher.sparql import spatial
from publisher.sparql.results import capped, write_boolean, write_graph, write_solutions


@dataclass(frozen=True)
class Job:
    #: The folder of the Oxigraph store to read, or None for an empty one.
    store: str | None
    query: str
    #: The graphs merged into the default graph; None: the union of all graphs (or the query's own FROM).
    default_graphs: tuple[str, ...] | None
    #: The graphs GRAPH may name; None: all of them (or the query's own FROM NAMED).
    named_graphs: tuple[str, ...] | None
    #: The format for SELECT and ASK answers (publisher.formats.RESULTS_BY_NAME), None if the client takes none.
    results_format: str | None
    #: The format for CONSTRUCT and DESCRIBE answers (publisher.sparql.results.GRAPH_FORMATS), or None.
    graph_format: str | None
    max_rows: int
    #: The base IRI of relative IRIs in the query (the endpoint's own URL).
    base_iri: str | None = None
    #: Whether to answer from a copy of the state in the worker's memory (see PUBLISHER_SPARQL_MEMORY).
    in_memory: bool = False
    #: Whether the query names its own dataset (FROM, FROM NAMED), which then replaces the union default graph.
    own_dataset: bool = False


@dataclass(frozen=True)
class Answer:
    #: "solutions", "boolean" or "graph".
    kind: str
    #: The format it is written in (a short name).
    format: str
    body: bytes
    #: Rows (or triples) written; for a boolean 1.
    count: int
    #: Whether rows past the cap were left out.
    truncated: bool


@dataclass(frozen=True)
class Failure:
    """Why a query was not answered, as the worker saw it."""

    status: int
    message: str


#: What a worker says before it opens a published state, and once it has: copying a state into memory takes
#: seconds on a large store and does not count against the query's timeout.
LOADING = "loading"
LOADED = "loaded"
#: Why a query that ran out of memory was not answered.
OUT_OF_MEMORY = (
    "the query needed more memory than a query worker may take (setting PUBLISHER_SPARQL_WORKER_MEMORY); "
    "ask for less, or narrow it down with more specific patterns"
)
#: What a new worker says once it has started and can take jobs.
READY = "ready"


#: Functions the engine knows besides SPARQL's own: GeoSPARQL's topological functions and distance.
_FUNCTIONS = spatial.functions()


def execute(store: ox.Store, job: Job, prefixes: dict[str, str] | None = None) -> Answer | Failure:
    """Run ``job`` on ``store``; Turtle and RDF/XML answers abbreviate IRIs with ``prefixes``."""
    dataset: dict[str, object] = {}
    if job.default_graphs is not None:
        dataset["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
    if job.named_graphs is not None:
        dataset["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    if not dataset and not job.own_dataset:
        dataset["use_default_graph_as_union"] = True
    try:
        result = store.query(
            job.query,
            base_iri=job.base_iri,
            custom_functions=_FUNCTIONS,  # type: ignore[arg-type]
            **dataset,  # type: ignore[arg-type]
        )
        return answer_of(result, job, prefixes)
    except SyntaxError as exc:
        return Failure(400, f"query: {exc}")
    except RuntimeError as exc:  # what the engine does not support, such as an unknown function
        return Failure(400, f"query: {exc}")
    except MemoryError:
        return Failure(503, OUT_OF_MEMORY)
    except (OSError, ValueError, TypeError) as exc:
        return Failure(500, f"the query failed while it ran: {exc}")


def answer_of(
    result: ox.QueryBoolean | ox.QuerySolutions | Iterable[ox.Triple], job: Job, prefixes: dict[str, str] | None = None
) -> Answer | Failure:
    """A query's result written as ``job`` asks: in its format, with its row cap."""
    if isinstance(result, ox.QueryBoolean):
        if job.results_format is None:
            return Failure(406, "an ASK query answers with a boolean result, which the request does not accept")
        return Answer("boolean", job.results_format, write_boolean(result, job.results_format), 1, False)
    if isinstance(result, ox.QuerySolutions):
        if job.results_format is None:
            return Failure(406, "a SELECT query answers with a result table, which the request does not accept")
        variables = [v.value for v in result.variables]
        rows, truncated = capped((tuple(row) for row in result), job.max_rows)
        body = write_solutions(variables, rows, job.results_format)
        return Answer("solutions", job.results_format, body, len(rows), truncated)
    if job.graph_format is None:
        return Failure(406, "a CONSTRUCT or DESCRIBE query answers with a graph, which the request does not accept")
    triples, truncated = capped(result, job.max_rows)
    return Answer(
        "graph", job.graph_format, write_graph(triples, job.graph_format, prefixes or {}), len(triples), truncated
    )


def open_state(folder: str | None, in_memory: bool) -> ox.Store:
    """The store of one published state: read from its folder, or copied from there into memory, where the
    engine answers several times faster than from disk."""
    if folder is None:
        return ox.Store()
    on_disk = ox.Store.read_only(folder)
    if not in_memory:
        return on_disk
    copy = ox.Store()
    copy.bulk_extend(on_disk.quads_for_pattern(None, None, None, None))
    return copy


def serve(jobs: Connection, answers: Connection) -> None:
    """A worker process: answers jobs from ``jobs`` on ``answers`` until the server closes its end. The first
    message is the prefixes for graph answers and the most memory (bytes, 0: no limit) the process may take;
    every later one a Job."""
    opened: tuple[tuple[str | None, bool], ox.Store] | None = None
    try:
        prefixes: dict[str, str]
        prefixes, memory = jobs.recv()
        if memory:
            # the data segment: the heap and every anonymous mapping (what a query's intermediate results take),
            # not the store's files mapped from disk
            resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
        answers.send(READY)
    except (EOFError, OSError):
        return
    while True:
        try:
            job: Job = jobs.recv()
        except (EOFError, OSError):
            return
        try:
            if opened is None or opened[0] != (job.store, job.in_memory):
                answers.send(LOADING)
                opened = None  # let go of the old state first
                opened = ((job.store, job.in_memory), open_state(job.store, job.in_memory))
                answers.send(LOADED)
            outcome: Answer | Failure = execute(opened[1], job, prefixes)
        except OSError as exc:
            outcome = Failure(503, f"the store cannot be read: {exc}")
        try:
            answers.send(outcome)
        except (EOFError, OSError):
            return


def main() -> None:
    """The worker process's entry point: jobs come on standard input, answers go out on standard output, and
    anything else the process would print goes to standard error."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server stops its workers itself
    jobs = Connection(os.dup(0), writable=False)
    answers = Connection(os.dup(1), readable=False)
    os.dup2(2, 1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    sys.stdout = sys.stderr
    serve(jobs, answers)


__all__ = [
    "LOADED",
    "LOADING",
    "OUT_OF_MEMORY",
    "READY",
    "Answer",
    "Failure",
    "Job",
    "execute",
    "main",
    "open_state",
    "serve",
]
