"""Direct execution for ``bench.sparql``: a query run by pyoxigraph on the published state, opened as the endpoint's
query worker opens it (publisher.sparql.worker.open_state: a copy in memory, or the on-disk store), and its answer
written by the endpoint's own writers (publisher.sparql.worker.execute), timed inside the process that runs it.

That process is a fresh one of its own, like the endpoint's query worker, rather than the benchmark's, which has
exported the whole store and talks to the servers: so that the engine runs in a process in the same state on both
sides of the comparison, and the difference is what HTTP adds.
"""

from __future__ import annotations

import multiprocessing
import time
from multiprocessing.connection import Connection

from publisher.sparql.endpoint import PREFIXES
from publisher.sparql.worker import Answer, Failure, Job, execute, open_state


def _serve(connection: Connection, folder: str, in_memory: bool) -> None:
    engine = open_state(folder, in_memory)
    while True:
        job: Job | None = connection.recv()
        if job is None:
            return
        started = time.perf_counter()
        outcome = execute(engine, job, PREFIXES)
        connection.send((time.perf_counter() - started, outcome))


class DirectRunner:
    """A process that runs jobs on the store in ``folder`` (or on its copy in memory) and says how long each took."""

    def __init__(self, folder: str, in_memory: bool) -> None:
        self._connection, theirs = multiprocessing.get_context("spawn").Pipe()
        self._process = multiprocessing.get_context("spawn").Process(
            target=_serve, args=(theirs, folder, in_memory), daemon=True
        )
        self._process.start()
        theirs.close()

    def run(self, job: Job) -> tuple[float, Answer | Failure]:
        """Seconds the job took (the query and writing its answer), and its outcome."""
        self._connection.send(job)
        seconds, outcome = self._connection.recv()
        return float(seconds), outcome

    def close(self) -> None:
        self._connection.send(None)
        self._process.join(timeout=30)
        self._connection.close()
