"""Direct execution for ``bench.sparql``: a query run by pyoxigraph on the published state, opened as the endpoint's
query worker opens it (publisher.sparql.worker.open_state: a copy in memory, or the on-disk store), and its answer
written by the endpoint's own writers (publisher.sparql.worker.execute), timed inside the process that runs it.

That process is a fresh one of its own, like the endpoint's query worker, rather than the benchmark's, which has
exported the whole store and talks to the servers: so that the engine runs in a process in the same state on both
sides of the comparison, and the difference is what HTTP adds.
"""

from __future__ import annotations

import multiprocessing
import resource
import time
from multiprocessing.connection import Connection
from pathlib import Path

from publisher.sparql.endpoint import PREFIXES
from publisher.sparql.worker import Answer, Failure, Job, execute, open_state


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _serve(connection: Connection, folder: str, in_memory: bool, memory_limit: int) -> None:
    if memory_limit:
        # the limit the endpoint's query worker sets on itself (PUBLISHER_SPARQL_WORKER_MEMORY)
        resource.setrlimit(resource.RLIMIT_DATA, (memory_limit, memory_limit))
    started = time.perf_counter()
    try:
        engine = open_state(folder, in_memory)
    except (MemoryError, OSError) as exc:
        connection.send(("failed", f"{type(exc).__name__}: {exc}", _rss_mib()))
        return
    connection.send(("ready", time.perf_counter() - started, _rss_mib()))
    while True:
        job: Job | None = connection.recv()
        if job is None:
            return
        started = time.perf_counter()
        outcome = execute(engine, job, PREFIXES)
        connection.send((time.perf_counter() - started, outcome))


class DirectRunner:
    """A process that runs jobs on the store in ``folder`` (or on its copy in memory) and says how long each took.

    ``open_seconds`` is how long opening the state took (copying it, for a copy in memory) and ``open_rss_mib`` the
    process's resident memory then; with ``memory_limit`` (bytes), the process limits its data segment as the
    endpoint's query worker does, and ``failure`` says why opening the state failed under that limit."""

    def __init__(self, folder: str, in_memory: bool, memory_limit: int = 0) -> None:
        self._connection, theirs = multiprocessing.get_context("spawn").Pipe()
        self._process = multiprocessing.get_context("spawn").Process(
            target=_serve, args=(theirs, folder, in_memory, memory_limit), daemon=True
        )
        self._process.start()
        theirs.close()
        self.failure = ""
        self.open_seconds = 0.0
        try:
            state, value, self.open_rss_mib = self._connection.recv()
        except EOFError:
            self._process.join(timeout=30)
            state, value, self.open_rss_mib = "failed", f"exit code {self._process.exitcode}", 0.0
        if state == "ready":
            self.open_seconds = float(value)
        else:
            self.failure = str(value)

    def run(self, job: Job) -> tuple[float, Answer | Failure]:
        """Seconds the job took (the query and writing its answer), and its outcome."""
        self._connection.send(job)
        seconds, outcome = self._connection.recv()
        return float(seconds), outcome

    def close(self) -> None:
        if not self.failure:
            self._connection.send(None)
        self._process.join(timeout=30)
        self._connection.close()
