"""The load test (bench/load.py) for a few seconds: the production server, under a mix of every kind of request
at once, answers every kind, never with a 5xx, loses no connection, and its memory does not run away; and the
harness counts every response by kind and status class. The same through the documented production set-up, nginx's
caching proxy in front of that server: the same answers, its cache answering repeated requests, its memory sampled
too. Needs wrk (Debian: wrk) and nginx (Debian: nginx-light), which CI installs."""

from __future__ import annotations

import math
import os
import shutil
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bench.http import NGINX_WORKERS, free_port, nginx_binary, nginx_running, proxy_config
from bench.load import (
    AGREEMENT,
    AGREEMENT_MS,
    KIND_THREADS,
    Kind,
    Latency,
    LoadResult,
    Run,
    cached,
    measure,
    prepare_store,
    serving,
    targets,
    write_report,
    write_script,
    wrk,
)

WRK = shutil.which("wrk")
if WRK is None and os.environ.get("PUBLISHER_REQUIRE_NGINX"):
    pytest.fail("wrk is required here (PUBLISHER_REQUIRE_NGINX) but not installed", pytrace=False)
pytestmark = pytest.mark.skipif(WRK is None, reason="wrk is not installed (Debian: apt-get install wrk)")

DURATION = 5
CONNECTIONS = 16
#: The run through nginx: a few seconds at a few connections.
NGINX_DURATION = 3
NGINX_CONNECTIONS = 4


def needs_nginx() -> None:
    """Skips the test where nginx is missing, unless PUBLISHER_REQUIRE_NGINX says it must be there."""
    if nginx_binary() is None:
        if os.environ.get("PUBLISHER_REQUIRE_NGINX"):
            pytest.fail("nginx is required here (PUBLISHER_REQUIRE_NGINX) but not installed", pytrace=False)
        pytest.skip("nginx is not installed (Debian: apt-get install nginx-light)")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled data, built as the load test builds it."""
    folder = tmp_path_factory.mktemp("load")
    return prepare_store(None, folder / "work", folder)


@pytest.fixture(scope="module")
def loaded(store: Path) -> LoadResult:
    return measure(store, None, DURATION, CONNECTIONS, kind_duration=1, warmup=2)


def test_mixed_load_gets_no_5xx_and_loses_no_connection(loaded: LoadResult) -> None:
    mixed = loaded.mixed
    assert mixed.requests > 100
    assert mixed.server_errors == 0, mixed.failures
    assert mixed.connection_errors == 0, mixed.errors
    # every path of the mix is one the server has: anything but 2xx/3xx is a finding
    assert set(mixed.by_class()) <= {"2xx", "3xx"}, mixed.failures
    assert not mixed.failures
    # the script counted every response wrk completed
    assert sum(mixed.by_class().values()) == mixed.requests


def test_every_kind_is_answered_in_the_mix_and_alone(loaded: LoadResult) -> None:
    names = {kind.name for kind in loaded.kinds}
    assert names == {
        "page_html",
        "page_data",
        "redirect",
        "listing",
        "landing",
        "sparql",
        "api",
        "search",
        "fragments",
    }
    for kind in loaded.kinds:
        counts = loaded.mixed.statuses.get(kind.name, {})
        assert counts.get("2xx", 0) + counts.get("3xx", 0) > 0, kind.name
        alone = loaded.per_kind[kind.name]
        assert alone.requests > 0 and alone.server_errors == 0 and alone.connection_errors == 0, (kind.name, alone)
        assert set(alone.statuses) == {kind.name}
    assert set(loaded.mixed.statuses["redirect"]) == {"3xx"}
    # many resources, not one page over and over
    assert len(next(kind for kind in loaded.kinds if kind.name == "page_html").requests) > 100


def assert_timed_by_kind(run: Run, names: set[str]) -> None:
    """Every response of the mixed run timed against its own request: each kind's figures exist and are ordered,
    the counts add up to wrk's, and with wrk's correction applied they agree with wrk's own summary."""
    assert run.timed
    assert set(run.latencies) == names
    for name in names:
        latency = run.latency(name)
        figures = [latency.percentile_ms(share) for share in (50, 90, 99)] + [latency.max_ms]
        assert latency.count > 0 and figures[0] > 0, (name, figures)
        assert figures == sorted(figures), (name, figures)
        assert latency.count == sum(run.statuses[name].values()), name
    assert run.latency().count == run.requests
    assert run.unpaired == 0
    # wrk calls request() once more on its first thread, to check the script, before any connection
    assert run.unanswered <= 1 + run.connection_errors
    for share, ours, theirs in run.agreement():
        assert abs(ours - theirs) <= max(AGREEMENT * theirs, AGREEMENT_MS), (share, ours, theirs)
    assert run.agrees
    # every connection always waits for one request: the mean latency is connections over throughput (Little's law)
    assert run.latency().mean_ms == pytest.approx(run.connections / run.rate * 1000, rel=0.15)


def test_mixed_run_times_each_kind_and_agrees_with_wrk(loaded: LoadResult) -> None:
    assert_timed_by_kind(loaded.mixed, {kind.name for kind in loaded.kinds})
    # the app alone sends no cache status
    assert all(set(by_cache) == {"-"} for by_cache in loaded.mixed.latencies.values())
    # a run of one kind holds several connections per thread (one thread per core): wrk's figures only
    assert all(alone.timed == (KIND_THREADS >= CONNECTIONS) for alone in loaded.per_kind.values())
    latency, what = cached(loaded)
    kept = [kind for kind in loaded.kinds if kind.kept]
    assert latency.count == sum(loaded.mixed.latency(kind.name).count for kind in kept) > 0
    assert "memo" in what and "SPARQL" not in what


def test_latency_ranks_and_corrects_as_wrk_does() -> None:
    # exact below 1 ms, three significant digits above: 1234 us falls into the bucket 1230, and stands for 1235
    latency = Latency({100: 8, 500: 1, 1230: 1})
    assert latency.count == 10
    assert latency.percentile_ms(50) == 0.1  # the 6th of 10
    assert latency.percentile_ms(90) == 1.235  # the 10th: wrk's rank is the one above p% of the count
    assert latency.max_ms == 1.235
    assert math.isclose(latency.mean_ms, (800 + 500 + 1235) / 10 / 1000)
    # wrk's stats_correct with an interval of 400 us: 500 holds up nothing (under two intervals); 1235 adds one
    # made-up request at 835 and one at 435 (each more than one interval)
    corrected = Latency({100: 8, 500: 1, 1230: 1}).corrected(400)
    assert corrected.buckets == {100: 8, 500: 1, 1230: 1, 835: 1, 435: 1}
    assert Latency().percentile_ms(50) == math.inf
    assert Latency.merged([Latency({1: 2}), Latency({1: 1, 2: 1})]).buckets == {1: 3, 2: 1}


class _Delayed(BaseHTTPRequestHandler):
    """Answers /slow after SLOW seconds and anything else at once, keeping the connection."""

    protocol_version = "HTTP/1.1"
    # headers and body go out in two writes: without this, Nagle's algorithm holds the body for a delayed ACK
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        if self.path == "/slow":
            time.sleep(SLOW)
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


SLOW = 0.05


def test_script_times_each_response_against_its_own_request(tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Delayed)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        kinds = [Kind("slow", "slow", 1, [("/slow", "text/plain")]), Kind("fast", "fast", 3, [("/", "text/plain")])]
        script = tmp_path / "load.lua"
        write_script(kinds, script)
        run = wrk(server.server_address[1], script, 2, 4)
    finally:
        server.shutdown()
        server.server_close()
    assert_timed_by_kind(run, {"slow", "fast"})
    slow, fast = run.latency("slow"), run.latency("fast")
    # a response timed against another kind's request would mix the two
    assert slow.percentile_ms(1) >= SLOW * 1000, slow.buckets
    assert fast.percentile_ms(50) < SLOW * 1000 / 2, fast.buckets
    assert fast.count > 2 * slow.count


def test_memory_of_the_process_tree_does_not_run_away(loaded: LoadResult) -> None:
    memory = loaded.memory
    assert len(memory.samples) >= DURATION - 1
    low, _high = memory.processes
    assert low >= 2  # gunicorn's master and at least one worker
    assert memory.baseline > 50
    assert memory.end - memory.baseline <= max(0.25 * memory.baseline, 64), memory.samples


def test_report_section_states_totals_kinds_memory_and_targets(loaded: LoadResult, tmp_path: Path) -> None:
    output = tmp_path / "BENCHMARKS.md"
    output.write_text("# Benchmarks\n\nintro\n\n<!-- section: http -->\nkept\n<!-- end of section: http -->\n")
    write_report(output, [loaded], "python -m bench.load --duration 5 --connections 16")
    text = output.read_text("utf-8")
    assert "<!-- section: http -->\nkept\n<!-- end of section: http -->" in text
    section = text.split("<!-- section: load -->")[1].split("<!-- end of section: load -->")[0]
    assert "## Load" in section
    assert "`python -m bench.load --duration 5 --connections 16`" in section
    assert f"{DURATION} s at {CONNECTIONS} connections" in section
    assert "5xx: 0;" in section
    for kind in loaded.kinds:
        assert f"| {kind.title} |" in section
    assert "**Memory**" in section and "MiB/min" in section
    assert "typical SPARQL queries, median at most 100 ms:" in section
    assert "no 5xx and no connection errors: met" in section
    # each kind's figures are those of the mixed run, and the timings are checked against wrk's own
    assert "| p50 | p90 | p99 | max | alone: requests/s | p50 | p99 |" in section
    for kind in loaded.kinds:
        latency = loaded.mixed.latency(kind.name)
        assert f"| {kind.title} | {kind.weight} | {len(kind.requests):,} | gunicorn alone " in section
        row = next(line for line in section.splitlines() if line.startswith(f"| {kind.title} |"))
        assert f"{latency.percentile_ms(50):.2f} ms" in row or latency.percentile_ms(50) >= 100, row
    assert "wrk's own summary: p50" in section and f"(agree within {AGREEMENT:.0%})" in section
    assert "resource page, HTML, p50 at most 10 ms:" in section
    assert "cached responses, p99 under 20 ms:" in section and "memo" in section
    names = [target.name for target in targets(loaded)]
    assert len(names) == len(set(names)) and "cached responses, p99 under 20 ms" in names


@pytest.fixture(scope="module")
def port(store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    with serving(store, tmp_path_factory.mktemp("server") / "server.log") as (_server, number):
        yield number


def test_script_counts_each_response_by_kind_and_status_class(port: int, tmp_path: Path) -> None:
    kinds = [
        Kind("good", "landing page", 1, [("/", "text/html")]),
        Kind("missing", "unknown IRI", 1, [("/id/bezirk/nirgendwo", "text/html"), ("/liste/nichts", "text/html")]),
        Kind("refused", "no acceptable type", 1, [("/api/releases", "image/png")]),
    ]
    script = tmp_path / "load.lua"
    write_script(kinds, script)
    mixed = wrk(port, script, 2, 3)
    assert mixed.requests >= 12, mixed
    assert mixed.statuses == {
        "good": {"2xx": mixed.statuses["good"]["2xx"]},
        "missing": {"4xx": mixed.statuses["missing"]["4xx"]},
        "refused": {"4xx": mixed.statuses["refused"]["4xx"]},
    }, mixed
    assert sum(mixed.by_class().values()) == mixed.requests
    # the first failing paths are named with their status
    assert {"404 /id/bezirk/nirgendwo", "404 /liste/nichts", "406 /api/releases"} <= set(mixed.failures), mixed
    alone = wrk(port, script, 1, 2, "missing")
    assert alone.requests > 0 and alone.statuses == {"missing": {"4xx": alone.requests}}, alone


@pytest.fixture(scope="module")
def through_nginx(store: Path) -> LoadResult:
    needs_nginx()
    return measure(store, None, NGINX_DURATION, NGINX_CONNECTIONS, kind_duration=1, warmup=1, front="nginx")


def test_through_nginx_every_kind_is_answered_with_no_5xx(through_nginx: LoadResult) -> None:
    mixed = through_nginx.mixed
    assert through_nginx.front == "nginx"
    assert mixed.requests > 50
    assert mixed.server_errors == 0, mixed.failures
    assert mixed.connection_errors == 0, mixed.errors
    assert set(mixed.by_class()) <= {"2xx", "3xx"} and not mixed.failures, mixed.failures
    assert sum(mixed.by_class().values()) == mixed.requests
    for kind in through_nginx.kinds:
        counts = mixed.statuses.get(kind.name, {})
        assert counts.get("2xx", 0) + counts.get("3xx", 0) > 0, kind.name
        alone = through_nginx.per_kind[kind.name]
        assert alone.requests > 0 and alone.server_errors == 0 and alone.connection_errors == 0, (kind.name, alone)
        assert set(alone.statuses) == {kind.name}
    assert set(mixed.statuses["redirect"]) == {"3xx"}
    assert through_nginx.clean
    assert_timed_by_kind(mixed, {kind.name for kind in through_nginx.kinds})
    # timed by nginx's cache status too: the unique SPARQL queries never come from the cache
    assert set(mixed.latencies["sparql"]) == {"MISS"}
    for name, by_cache in mixed.latencies.items():
        assert {cache: latency.count for cache, latency in by_cache.items()} == mixed.caches[name], name
    hits, what = cached(through_nginx)
    assert hits.count == mixed.hits()[0] > 0 and "X-Cache-Status: HIT" in what


def test_nginx_answers_as_the_app_does(through_nginx: LoadResult) -> None:
    assert through_nginx.differences == []
    assert set(through_nginx.compared) == {kind.name for kind in through_nginx.kinds}
    assert all(number > 0 for number in through_nginx.compared.values())
    # the kinds of many paths are compared on many of them, not on the first one only
    assert through_nginx.compared["page_html"] >= 10


def test_nginx_cache_answers_repeated_requests_and_passes_sparql_through(through_nginx: LoadResult) -> None:
    mixed = through_nginx.mixed
    hits, cached = mixed.hits()
    assert cached == mixed.requests  # every answer through nginx says what its cache did
    assert hits > mixed.requests / 2, mixed.caches
    # the landing page and the listings come back again and again: from the cache, but for their first time
    for name in ("landing", "listing"):
        kind_hits, kind_all = mixed.hits(name)
        assert kind_hits > 0 and kind_all - kind_hits <= 20, (name, mixed.caches[name])
    assert mixed.hits("page_html")[0] > 0
    # every SPARQL query of the mix is unique, in each run: none comes from the cache
    assert mixed.hits("sparql") == (0, sum(mixed.statuses["sparql"].values()))
    assert through_nginx.per_kind["sparql"].hits() == (0, through_nginx.per_kind["sparql"].requests)


def test_memory_of_the_app_and_of_nginx_is_sampled(through_nginx: LoadResult) -> None:
    memory, front = through_nginx.memory, through_nginx.front_memory
    assert front is not None
    assert len(memory.samples) >= NGINX_DURATION - 1 and len(front.samples) == len(memory.samples)
    assert memory.processes[0] >= 2 and memory.baseline > 50
    assert front.processes[0] >= 1 + NGINX_WORKERS  # nginx's master and its workers
    assert 1 < front.baseline < memory.baseline
    assert front.end - front.baseline <= max(0.25 * front.baseline, 64), front.samples


def test_report_shows_both_set_ups_side_by_side(loaded: LoadResult, through_nginx: LoadResult, tmp_path: Path) -> None:
    output = tmp_path / "BENCHMARKS.md"
    write_report(output, [loaded, through_nginx], "python -m bench.load --front both")
    section = output.read_text("utf-8").split("<!-- section: load -->")[1]
    assert "`python -m bench.load --front both`" in section
    assert "**Mixed run, gunicorn alone**" in section and "**Mixed run, behind nginx**" in section
    assert "From nginx's cache (`X-Cache-Status: HIT`)" in section
    assert "| from nginx's cache |" in section
    for kind in loaded.kinds:
        assert f"| {kind.title} | {kind.weight} | {len(kind.requests):,} | gunicorn alone |" in section
        assert f"| {kind.title} | {kind.weight} | {len(kind.requests):,} | behind nginx |" in section
    assert "**The same answers through nginx**" in section and "for every one" in section
    assert "nginx's processes (" in section
    assert "Targets, gunicorn alone: " in section and "Targets, behind nginx: " in section
    assert "the same answers through nginx as from the app: met" in section
    assert "memory of nginx flat" in section
    # the app alone sends no cache status
    assert loaded.mixed.caches == {}


def test_nginx_runs_as_a_daemon_of_its_own_and_not_as_root() -> None:
    needs_nginx()
    with tempfile.TemporaryDirectory(prefix="publisher-nginx-") as tmp:
        folder = Path(tmp)
        folder.chmod(0o755)
        port = free_port()
        with nginx_running(proxy_config(folder, port, free_port())) as pid:
            uid = int(Path(f"/proc/{pid}/status").read_text().split("Uid:")[1].split()[0])
            assert uid != 0
            # nothing listens upstream: nginx answers for it
            with pytest.raises(urllib.error.HTTPError) as error:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10)
            assert error.value.code == 502
            error.value.close()
        assert not Path(f"/proc/{pid}/cmdline").exists() or not Path(f"/proc/{pid}/cmdline").read_bytes()
