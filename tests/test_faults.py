"""Faults, with real processes: a build killed with SIGKILL at every stage leaves the old state served and the next
build succeeding; a full disk (a small tmpfs) gives a clear error and leaves the old state intact; a remote store
that goes away, or hangs, gives 503 naming it, and the server recovers by itself when it is back.

The builds are real ``publisher build`` processes. To kill one at a chosen stage and not at a random moment, it
runs with an audit hook (``sys.addaudithook``: Python reports every file it opens, folder it makes and rename it
does) that sends SIGKILL to the build process when the build does the thing that marks the stage; the hook changes
nothing else.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest

from bench.generate import generate
from publisher.build import build
from publisher.config import load_config
from publisher.store import open_store
from tests import remote_backend as virtuoso
from tests.conftest import SEED, SEED_IRI, SEED_NAME, free_port, seed_data, serving

#: Synthetic releases of the larger builds (bench/generate.py): enough for a build of a few seconds.
RELEASES = 150
#: Set in CI: a machine where the tmpfs of the full-disk test cannot be mounted fails that test instead of skipping.
REQUIRE_TMPFS = "PUBLISHER_REQUIRE_TMPFS"
#: An environment variable every process of a killed build inherits: how the processes it left are found.
MARK = "PUBLISHER_TEST_FAULT_MARK"

#: ``python -c KILLER EVENT NEEDLE N FOLDER build ...``: ``publisher build ...`` killed with SIGKILL when it
#: reports the audit event EVENT about a path containing NEEDLE for the Nth time; with FOLDER, 0.05 s after that
#: path's subfolder FOLDER appears (the build is then inside work that Python does not report: the store's own).
KILLER = """
import os, signal, sys, threading, time
event, needle, nth, folder = sys.argv[1:5]
del sys.argv[1:5]
build, seen = os.getpid(), [0]

def kill():
    os.kill(build, signal.SIGKILL)

def soon(path):
    while not os.path.isdir(os.path.join(path, folder)):
        time.sleep(0.002)
    time.sleep(0.05)
    kill()

def hook(name, args):
    if name != event or not args:
        return
    path = str(args[1] if name == "os.rename" else args[0])
    if needle in path:
        seen[0] += 1
        if seen[0] == int(nth):
            threading.Thread(target=soon, args=(path,), daemon=True).start() if folder else kill()

sys.addaudithook(hook)
from publisher.cli import main
main(prog_name="publisher")
"""


# ---------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def larger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with the seed and RELEASES synthetic releases (read-only for the tests)."""
    data = tmp_path_factory.mktemp("larger") / "data"
    generate(RELEASES, data, seed=7)
    (data / "releases" / SEED_NAME).write_bytes(SEED.read_bytes())
    return data


def publisher(*args: str, log: Path) -> subprocess.CompletedProcess[str]:
    """``publisher ARGS`` as a process of its own; its output goes to ``log`` (a pipe would be held open by any
    process it leaves behind) and is returned as stdout."""
    with log.open("w") as output:
        done = subprocess.run(
            [sys.executable, "-m", "publisher.cli", *args], stdout=output, stderr=subprocess.STDOUT, timeout=180
        )
    return subprocess.CompletedProcess(done.args, done.returncode, log.read_text("utf-8"))


def cli_build(data: Path, store: Path | str, log: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return publisher(
        "build", "--data", str(data), "--store", str(store), "--workers", "1", "--quiet", *options, log=log
    )


def killed_build(data: Path, store: Path, mark: str, log: Path, when: tuple[str, str, int, str], *options: str) -> int:
    """A build of ``data`` into ``store`` killed at ``when`` (the audit event, the path's part, which time, the
    subfolder to wait for: see KILLER); returns its exit status."""
    event, needle, nth, folder = when
    command = [sys.executable, "-c", KILLER, event, needle, str(nth), folder]
    command += ["build", "--data", str(data), "--store", str(store), "--quiet", *options]
    with log.open("w") as output:
        return subprocess.run(
            command, stdout=output, stderr=subprocess.STDOUT, env={**os.environ, MARK: mark}, timeout=180
        ).returncode


def marked(mark: str) -> list[int]:
    """The processes that carry ``mark`` in their environment: what a killed build left running."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                environment = (entry / "environ").read_bytes().split(b"\0")
            except OSError:
                continue
            if f"{MARK}={mark}".encode() in environment:
                found.append(int(entry.name))
    return found


def left_behind(mark: str, seconds: float = 5) -> list[int]:
    """The processes of a killed build still running after ``seconds`` (a process about to end gets the time)."""
    deadline = time.monotonic() + seconds
    while (alive := marked(mark)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return alive


def fetch(url: str, accept: str = "text/turtle", timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read()


def doc(iri: str) -> str:
    return iri.replace("http://localhost:8080/id/", "/doc/")


#: What a client of the old state asks for: the landing page, a release, the API, the dumps, SPARQL.
PROBES = [
    ("/", "text/html"),
    (doc(SEED_IRI), "text/turtle"),
    ("/api/releases", "application/json"),
    ("/dumps/dataset.nt.gz", "*/*"),
    ("/sparql?query=" + quote("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"), "application/sparql-results+json"),
]


def answers(base: str) -> dict[str, bytes]:
    """Every probe's body; each must be a 200."""
    bodies = {}
    for path, accept in PROBES:
        status, _headers, body = fetch(base + path, accept)
        assert status == 200, (path, status, body[:300])
        bodies[path] = body
    return bodies


def releases_served(base: str) -> int:
    status, _headers, body = fetch(base + "/api/releases", "application/json")
    assert status == 200, body[:300]
    return int(json.loads(body)["total"])


def generations(store: Path) -> list[str]:
    return sorted(path.name for path in store.glob("gen-*"))


def seed_store(cli_built: Path, store: Path) -> Path:
    """A copy of the seed's store (built once with the CLI) at ``store``; returns the seed's data folder."""
    shutil.copytree(cli_built / "store", store, symlinks=True)
    return cli_built / "data"


# ---------------------------------------------------------------- kill -9


def in_ingest(releases: int) -> tuple[str, str, int, str]:
    # the build reads each new release twice: once to hash it, then to extract it, in two worker processes here
    # (forked, each counting on from the hashing) that extract half of them each; a quarter into the extraction
    return ("open", "/releases/", releases + releases // 4, "")


#: The stages a build is killed at, and what its store folder must show of the killed build: how far it got.
STAGES = {
    "ingest": None,  # filled in with the number of releases
    "store write": ("os.mkdir", "gen-", 1, "oxigraph"),
    "files write": ("open", "dumps/dataset.nt.gz", 1, ""),
    "switch": ("os.rename", "/current", 1, ""),
}


def test_a_build_killed_at_any_stage_leaves_the_old_state_served(larger: Path, cli_built: Path, tmp_path: Path) -> None:
    """The seed is published and served by a running server; builds of RELEASES more are killed with SIGKILL
    while they extract, while they write the store, while they write the dumps, and just before they switch. Each
    time the server answers every request as before, nothing the build started keeps running, and the next build
    is not blocked by what the killed one left; the last build succeeds and the server serves it, with no leftovers
    beside the two generations it keeps."""
    store = tmp_path / "store"
    seed_store(cli_built, store)
    old = os.readlink(store / "current")
    stages = dict(STAGES, ingest=in_ingest(RELEASES))
    with serving(str(store), free_port(), tmp_path / "serve.log") as base:
        before = answers(base)
        assert releases_served(base) == 1
        for stage, when in stages.items():
            assert when is not None
            mark = f"{os.getpid()}-{stage}"
            # the extraction in worker processes, which must end with the build, and not hold its lock
            workers = ("--workers", "2" if stage == "ingest" else "1")
            status = killed_build(larger, store, mark, tmp_path / f"{stage}.log", when, *workers)
            assert status == -signal.SIGKILL, (stage, (tmp_path / f"{stage}.log").read_text("utf-8"))
            assert left_behind(mark) == [], f"killed in the {stage}: its processes run on"
            new = [name for name in generations(store) if name > old]
            assert os.readlink(store / "current") == old, stage
            # how far the killed build got: the stage it was killed in
            if stage == "ingest":
                assert new == [], new
            else:
                assert len(new) == 1, new
                folder = store / new[0]
                assert (folder / "oxigraph").is_dir(), stage
                assert (folder / "files").exists() == (stage != "store write"), stage
                assert (folder / "manifest.json").exists() == (stage == "switch"), stage
            assert answers(base) == before, f"killed in the {stage}: the old state is no longer served as it was"
        done = cli_build(larger, store, tmp_path / "last.log")
        assert done.returncode == 0 and "store updated" in done.stdout, done.stdout
        assert releases_served(base) == RELEASES + 1
        after = answers(base)
        assert after[doc(SEED_IRI)] == before[doc(SEED_IRI)]  # the seed's document did not change
        assert after["/"] != before["/"]
    # what the killed builds left went with the next one: the new generation and the one before, nothing else
    assert generations(store) == sorted([old, os.readlink(store / "current")])
    assert not (store / "current.next").exists() and not list(store.glob("gen-*/load.nq"))


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Each file in ``folder``: its size and modification time."""
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


def test_a_loader_left_by_a_killed_build_never_touches_a_later_state(cli_built: Path, tmp_path: Path) -> None:
    """A build that loads a whole new state (here: for another base URI) loads it in a process of its own. When the
    build is killed, that loader must end with it: here it would otherwise (stopped at the kill and let go once the
    next build has published) open the published state's database and write to it."""
    store = tmp_path / "store"
    data = seed_store(cli_built, store)
    other = ("--base-uri", "http://example.org/", "--workers", "1")
    mark = f"{os.getpid()}-loader"
    # the files are written while the loader loads the store
    status = killed_build(data, store, mark, tmp_path / "killed.log", ("os.mkdir", "files/dumps", 1, ""), *other)
    assert status == -signal.SIGKILL, (tmp_path / "killed.log").read_text("utf-8")
    stopped = []
    for pid in marked(mark):
        try:
            os.kill(pid, signal.SIGSTOP)
            stopped.append(pid)
        except ProcessLookupError:
            pass
    try:
        done = cli_build(data, store, tmp_path / "next.log", *other)
        assert done.returncode == 0 and "store updated" in done.stdout, done.stdout
        published = store / "current" / "oxigraph"
        before = snapshot(published)
    finally:
        for pid in stopped:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
    assert left_behind(mark, 15) == []
    assert snapshot(published) == before
    assert open_store(str(store)).ask("ASK { ?s <https://schema.org/headline> ?o }")


# ---------------------------------------------------------------- a full disk


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs of 20 MiB of this test's own, unmounted afterwards."""
    folder = tmp_path / "disk"
    folder.mkdir()
    reason = ""
    if os.geteuid() != 0:
        reason = "mounting a tmpfs needs root"
    else:
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=20m", "tmpfs", str(folder)], capture_output=True, text=True
        )
        if mounted.returncode != 0:
            reason = f"mount -t tmpfs failed: {mounted.stderr.strip()}"
    if reason:
        if os.environ.get(REQUIRE_TMPFS):
            pytest.fail(f"{REQUIRE_TMPFS} is set, but {reason}", pytrace=False)
        pytest.skip(f"no full disk to test with: {reason} (set {REQUIRE_TMPFS}=1 to make this a failure)")
    try:
        yield folder
    finally:
        if subprocess.run(["umount", str(folder)]).returncode != 0:
            subprocess.run(["umount", "--lazy", str(folder)], check=True)  # still busy: detached now, freed later


def fill(disk: Path, leave: int) -> Path:
    """A file that takes all the space on ``disk`` but ``leave`` bytes."""
    ballast = disk / "ballast"
    info = os.statvfs(disk)
    size = info.f_bavail * info.f_frsize - leave
    with ballast.open("wb") as handle:
        block = b"\0" * (1 << 20)
        while size > 0:
            size -= handle.write(block[: min(size, len(block))])
    return ballast


def assert_refused_for_space(result: subprocess.CompletedProcess[str], store: Path) -> None:
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert result.returncode == 2, result.stdout
    assert "Traceback" not in result.stdout, result.stdout
    assert lines[-1].startswith("error: store: ") and str(store) in lines[-1], result.stdout
    assert "no space left on device" in lines[-1], result.stdout
    assert "the old state is still served" in lines[-1], result.stdout


def test_a_full_disk_gives_a_clear_error_and_keeps_the_old_state(
    larger: Path, cli_built: Path, tmp_path: Path, small_disk: Path
) -> None:
    """The seed fits on a disk of 20 MiB, RELEASES more do not: with almost no space left the build cache
    cannot take them, with the whole disk the new state does not fit. Each time the build exits with 2 and one line
    naming the store folder and the full disk, without a traceback; the old state is served as it was, and nothing
    of the failed build stays. Given more room, the next build succeeds."""
    store = small_disk / "store"
    seed_store(cli_built, store)
    old = generations(store)
    with serving(str(store), free_port(), tmp_path / "serve.log") as base:
        before = answers(base)
        ballast = fill(small_disk, 256 * 1024)
        refused = cli_build(larger, store, tmp_path / "cache.log")
        assert_refused_for_space(refused, store)
        assert answers(base) == before and generations(store) == old
        ballast.unlink()
        refused = cli_build(larger, store, tmp_path / "store.log")
        assert_refused_for_space(refused, store)
        assert answers(base) == before and generations(store) == old
        subprocess.run(["mount", "-o", "remount,size=200m", str(small_disk)], check=True)
        done = cli_build(larger, store, tmp_path / "done.log")
        assert done.returncode == 0 and "store updated" in done.stdout, done.stdout
        assert releases_served(base) == RELEASES + 1


# ---------------------------------------------------------------- a remote store that goes away


class Proxy:
    """A TCP forwarder on a loopback port of its own to ``target``: the store as the app sees it. ``stop`` closes
    it and every connection through it (the store is gone), ``start`` opens it again on the same port, and
    ``start(hang=True)`` accepts connections but never answers (the store hangs)."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        #: The connections accepted so far.
        self.accepted = 0

    def start(self, hang: bool = False) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener, hang), daemon=True).start()

    def stop(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            sockets, self._sockets = self._sockets, []
        for sock in [*sockets, *([listener] if listener else [])]:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket, hang: bool) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return  # stopped
            with self._lock:
                self._sockets.append(client)
                self.accepted += 1
            if hang:
                continue  # the request is read by nobody, and never answered
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.append(upstream)
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_WR)


#: Seconds the server waits for the store (PUBLISHER_STORE_TIMEOUT) in the test of a store that hangs.
STORE_TIMEOUT = 2


def test_a_remote_store_that_goes_away_gives_503_and_the_server_recovers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The seed built into Virtuoso, served by `publisher serve` through a proxy: while the store is gone, what
    needs it answers 503 naming the store, with Retry-After; when the store is back the same request answers 200,
    without a restart. A store that accepts and never answers gives 503 within PUBLISHER_STORE_TIMEOUT, while the
    server goes on answering what it does not need the store for."""
    with virtuoso.emptied() as running:
        files = tmp_path / "files"
        config = virtuoso.settings(load_config(environ={}, data_dir=seed_data(tmp_path), workers=1), files, running)
        target = open_store(config.store, writable=True, settings=config)
        report = build(config, target)  # type: ignore[arg-type]
        assert report.exit_code == 0, report.text()
        target.close()
        address = urlsplit(running.query_url)
        proxy = Proxy((address.hostname or "127.0.0.1", address.port or 80))
        proxy.start()
        url = urlunsplit(address._replace(netloc=f"127.0.0.1:{proxy.port}"))
        monkeypatch.setenv("PUBLISHER_STORE_FILES", str(files))
        monkeypatch.setenv("PUBLISHER_STORE_TIMEOUT", str(STORE_TIMEOUT))
        try:
            with serving(url, free_port(), tmp_path / "serve.log") as base:
                remembered = base + doc(SEED_IRI)
                assert fetch(remembered)[0] == 200
                area = base + "/doc/bezirk/treptow-koepenick"
                organisation = base + "/doc/organisation/bezirksamt-treptow-koepenick"

                proxy.stop()  # the store goes away
                status, headers, body = fetch(area)
                assert status == 503, body[:300]
                assert f"127.0.0.1:{proxy.port}/sparql is unreachable" in body.decode("utf-8"), body[:300]
                assert int(headers["Retry-After"]) > 0
                status, headers, body = fetch(area, "application/json")
                assert status == 503 and json.loads(body)["status"] == 503 and "Retry-After" in headers
                assert fetch(remembered)[0] == 200  # what the server remembers of this state needs no store
                query = base + "/sparql?query=" + quote("ASK { ?s ?p ?o }")
                status, headers, body = fetch(query, "application/sparql-results+json")
                assert status == 503 and "unreachable" in body.decode("utf-8"), body[:300]
                assert "Retry-After" in headers

                proxy.start()  # and comes back: the same request answers, the first time
                status, _headers, body = fetch(area)
                assert status == 200, body[:300]
                status, _headers, body = fetch(query, "application/sparql-results+json")
                assert status == 200 and json.loads(body)["boolean"] is True, body[:300]

                proxy.stop()
                proxy.start(hang=True)  # the store accepts, and never answers
                outcome: dict[str, object] = {}

                def ask() -> None:
                    started = time.monotonic()
                    outcome["answer"] = fetch(organisation, timeout=60)
                    outcome["seconds"] = time.monotonic() - started

                waiting = threading.Thread(target=ask)
                waiting.start()
                time.sleep(0.3)
                started = time.monotonic()
                assert fetch(remembered, timeout=10)[0] == 200  # the server is not stuck meanwhile
                assert time.monotonic() - started < 1
                waiting.join(30)
                assert not waiting.is_alive()
                status, headers, body = outcome["answer"]  # type: ignore[misc]
                assert status in (503, 504), body[:300]
                assert f"did not answer within {STORE_TIMEOUT} s" in body.decode("utf-8"), body[:300]
                assert "Retry-After" in headers
                assert float(outcome["seconds"]) < STORE_TIMEOUT + 3  # type: ignore[arg-type]

                proxy.stop()
                proxy.start()  # answers again
                status, _headers, body = fetch(organisation)
                assert status == 200, body[:300]
        finally:
            proxy.stop()
