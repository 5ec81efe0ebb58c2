"""Worker processes that run SPARQL queries, so that a query can be stopped.

A query runs inside the query engine's native code and cannot be interrupted from Python; a process can. Each
server process keeps up to ``size`` workers (PUBLISHER_SPARQL_CONCURRENCY), each a Python process of its own
(``python -m publisher.sparql``) talking over its standard input and output. A request takes an idle worker
or is answered 503 at once when all are busy; a query that outlives the timeout (PUBLISHER_SPARQL_TIMEOUT) gets its
worker killed, which frees the CPU and the memory it held, and a fresh worker takes its place at the next request.
A worker whose server process is gone reads the end of its input and exits.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from multiprocessing.connection import Connection

from publisher.errors import QueryError
from publisher.sparql.worker import LOADING, OUT_OF_MEMORY, READY, Answer, Failure, Job

#: Seconds a client is asked to wait before trying again when every worker is busy.
RETRY_AFTER = 2
#: Seconds a worker may take to start, or to open a published state (to copy it into memory), beside the
#: query's timeout.
LOAD_TIMEOUT = 600


class _Worker:
    def __init__(self, prefixes: dict[str, str], memory: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "publisher.sparql"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.jobs = Connection(os.dup(self.process.stdin.fileno()), readable=False)
        self.answers = Connection(os.dup(self.process.stdout.fileno()), writable=False)
        self.process.stdin.close()
        self.process.stdout.close()
        self.jobs.send((prefixes, memory))
        # starting the process is no part of a query's time
        if not self.answers.poll(LOAD_TIMEOUT) or self.answers.recv() != READY:
            self.stop()
            raise QueryError(503, "a query worker did not start; the server log has its output")

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)
        self.jobs.close()
        self.answers.close()


class WorkerPool:
    def __init__(self, size: int, timeout: float, prefixes: dict[str, str], memory: int = 0) -> None:
        self.size = size
        self.timeout = timeout
        self.prefixes = prefixes
        #: The most memory (bytes) a worker may take; 0: no limit.
        self.memory = memory
        self._slots = threading.BoundedSemaphore(size)
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self._pid = os.getpid()

    def run(self, job: Job) -> Answer:
        """The answer to ``job``; raises QueryError when it cannot be had (busy, too slow, failed)."""
        if not self._slots.acquire(blocking=False):
            raise QueryError(
                503,
                f"all {self.size} query workers of this server process are busy; try again shortly "
                "(setting PUBLISHER_SPARQL_CONCURRENCY)",
                {"Retry-After": str(RETRY_AFTER)},
            )
        try:
            outcome = self._run(job)
        finally:
            self._slots.release()
        if isinstance(outcome, Failure):
            raise QueryError(outcome.status, outcome.message)
        return outcome

    def _run(self, job: Job) -> Answer | Failure:
        with self._lock:
            worker = self._idle.pop() if self._idle else None
        if worker is None:
            worker = _Worker(self.prefixes, self.memory)
        try:
            worker.jobs.send(job)
            outcome: Answer | Failure | str = self._receive(worker, self.timeout)
            if outcome == LOADING:  # the state is being opened: that may take longer than a query may
                self._receive(worker, LOAD_TIMEOUT, "opening the published state")
                outcome = self._receive(worker, self.timeout)
        except (EOFError, OSError) as exc:
            worker.stop()
            if self.memory and worker.process.returncode in (-signal.SIGABRT, -signal.SIGKILL, -signal.SIGSEGV):
                # the engine aborts when an allocation fails
                return Failure(503, OUT_OF_MEMORY)
            return Failure(500, f"the query worker ended unexpectedly ({exc or 'no answer'})")
        with self._lock:
            self._idle.append(worker)
        assert not isinstance(outcome, str)
        return outcome

    def _receive(self, worker: _Worker, seconds: float, what: str = "") -> Answer | Failure | str:
        if not worker.answers.poll(seconds):
            worker.stop()
            if what:
                raise QueryError(503, f"{what} took longer than {seconds:g} s; the worker was stopped")
            raise QueryError(
                503,
                f"the query was stopped after {seconds:g} s (setting PUBLISHER_SPARQL_TIMEOUT); "
                "ask for less, or narrow it down with more specific patterns",
            )
        message: Answer | Failure | str = worker.answers.recv()
        return message

    def close(self) -> None:
        """Stop the idle workers (a busy one stops when its server process ends)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.stop()

    @property
    def owned(self) -> bool:
        """Whether the pool belongs to this process (a forked server process must make its own)."""
        return self._pid == os.getpid()


__all__ = ["RETRY_AFTER", "WorkerPool"]
