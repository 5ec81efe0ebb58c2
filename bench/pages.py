"""Resource page benchmark: documents rendered for every request by the production server, at several sizes.

    python -m bench.pages [--sizes 1000,10000,100000] [--requests 200] [--duration 10] [--output BENCHMARKS.md]

Needs wrk (Debian: ``apt-get install wrk``). For each size, the synthetic releases of the build benchmark are built
into their store (``var/bench/store-N``, a no-op when it is up to date; bench/build.py) and served by
``publisher serve --production`` (gunicorn, one worker process per core) with PUBLISHER_RESPONSE_CACHE=0, so that
every request renders its document. Then:

* **latency**: one keep-alive connection, sequential GET requests for a few documents (the newest release as HTML
  and as Turtle, a district, and the organisation most releases link to, as HTML and as Turtle): warm-up, then
  REQUESTS requests each, p50 and p99, and the CPU time the server's processes used per request;
* **throughput**: ``wrk -t2 -c8 -dD --timeout 60s --latency`` on loopback, cycling through the documents of 100
  releases (each as HTML and as Turtle), once against that server (memo off: every request renders) and once against
  a server with its memo of rendered responses on (the default), after a first run that fills the memo.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from bench.http import free_port, wait_for
from bench.report import machine, median_ms, percentile_ms, reproduce, write_section, wrk_figures
from bench.sparql import Client, base_uri, engine_folder, newest_release, prepare, stop
from publisher.sparql.examples import PROLOGUE

ROOT = Path(__file__).resolve().parent.parent
COMMAND = "python -m bench.pages"
DEFAULT_SIZES = "1000,10000,100000"
#: The target: the median of an uncached resource page, in milliseconds.
TARGET_MS = 10.0
#: Releases whose documents the throughput run cycles through.
CYCLE = 100
DISTRICT = "id/bezirk/spandau"


@dataclass
class Page:
    """One document: what it is, its path, how many triples link to its resource, and the seconds of each request."""

    name: str
    path: str
    accept: str
    incoming: int
    seconds: list[float] = field(default_factory=list)
    size: int = 0
    #: CPU seconds the server's processes spent per request (user and system, from the kernel's accounting).
    cpu: float = 0.0

    def percentile_ms(self, share: float) -> float:
        return percentile_ms(self.seconds, share)

    @property
    def p50_ms(self) -> float:
        return median_ms(self.seconds)


@dataclass
class Throughput:
    requests_per_second: float
    p50_ms: float
    p99_ms: float


@dataclass
class SizeResult:
    size: int
    triples: int
    pages: list[Page]
    memo_off: Throughput
    memo_on: Throughput
    documents: int


def doc_path(iri: str, base: str, suffix: str) -> str:
    """The path of the document of ``iri`` (a thing under ``base``/id/) in the format of ``suffix``."""
    return "/doc/" + iri.removeprefix(base).removeprefix("id/") + suffix


def _select(engine: ox.Store, text: str) -> list[list[str]]:
    solutions = engine.query(PROLOGUE + text, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    return [[term.value for term in row] for row in solutions]


def incoming(engine: ox.Store, iri: str) -> int:
    """The triples whose object is ``iri``, in the union of the named graphs."""
    rows = _select(engine, f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p <{iri}> }}")
    return int(rows[0][0])


def most_linked_organisation(engine: ox.Store) -> str:
    rows = _select(
        engine,
        """SELECT ?organisation (COUNT(*) AS ?n) WHERE {
          ?organisation a schema:GovernmentOrganization . ?s ?p ?organisation
        } GROUP BY ?organisation ORDER BY DESC(?n) LIMIT 1""",
    )
    return rows[0][0]


def choose_pages(store: Path) -> tuple[list[Page], list[str], int]:
    """The documents timed one by one; the paths the throughput run cycles through; the triples of the state."""
    engine = ox.Store.read_only(engine_folder(store))
    base = base_uri(store)
    release = newest_release(engine)
    organisation = most_linked_organisation(engine)
    district = base + DISTRICT
    slug = organisation.rsplit("/", 1)[1]
    pages = [
        Page("newest release, HTML", doc_path(release, base, ".html"), "text/html", incoming(engine, release)),
        Page("newest release, Turtle", doc_path(release, base, ".ttl"), "text/turtle", incoming(engine, release)),
        Page("district (Spandau), HTML", doc_path(district, base, ".html"), "text/html", incoming(engine, district)),
        Page(
            f"organisation most linked to ({slug}), HTML",
            doc_path(organisation, base, ".html"),
            "text/html",
            incoming(engine, organisation),
        ),
        Page(
            f"organisation most linked to ({slug}), Turtle",
            doc_path(organisation, base, ".ttl"),
            "text/turtle",
            incoming(engine, organisation),
        ),
    ]
    releases = _select(engine, f"SELECT ?m WHERE {{ ?m a pm:PressRelease }} ORDER BY ?m LIMIT {CYCLE}")
    cycle = [doc_path(row[0], base, suffix) for row in releases for suffix in (".html", ".ttl")]
    manifest = json.loads(((store / "current").resolve() / "manifest.json").read_text("utf-8"))
    return pages, cycle, int(manifest["triples"])


def tree_cpu(pid: int) -> float:
    """CPU seconds (user and system) that a process and its descendants have used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    total = (int(fields[11]) + int(fields[12])) / ticks
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            total += tree_cpu(int(child))
    return total


def start_server(store: Path, port: int, memo: bool) -> subprocess.Popen[bytes]:
    environment = {**os.environ, "PUBLISHER_RESPONSE_CACHE": "2000" if memo else "0"}
    command = [sys.executable, "-m", "publisher.cli", "serve", "--production", "--store", str(store)]
    process = subprocess.Popen(
        [*command, "--port", str(port)], env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    # not the landing page: it counts everything, and takes seconds at 100,000 releases
    wait_for(f"http://127.0.0.1:{port}/context.jsonld", seconds=300)
    return process


def wrk_cycle(port: int, paths: list[str], duration: int, folder: Path) -> Throughput:
    """wrk on loopback, each connection cycling through ``paths``."""
    script = folder / "cycle.lua"
    listed = ",\n".join(json.dumps(path) for path in paths)
    script.write_text(
        f"local paths = {{\n{listed}\n}}\nlocal i = 0\n"
        "request = function()\n  i = i + 1\n  return wrk.format('GET', paths[(i % #paths) + 1])\nend\n",
        "utf-8",
    )
    command = ["wrk", "-t2", "-c8", f"-d{duration}s", "--timeout", "60s", "--latency", "-s", str(script)]
    output = subprocess.run([*command, f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True).stdout
    return Throughput(*wrk_figures(output, f"port {port}"))


#: Documents asked for between two timed requests: more than the descriptions a server process keeps.
FILLERS = 10


def measure(size: int, work: Path, requests: int, duration: int) -> SizeResult:
    store = prepare(size, work)
    pages, cycle, triples = choose_pages(store)
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="publisher-pages-bench-") as tmp:
        server = start_server(store, port, memo=False)
        try:
            client = Client(port)
            for page in pages:
                for _ in range(3):
                    _seconds, body = client.get_path(page.path, page.accept)
                page.size = len(body)
                page.seconds, used = [], 0.0
                for _ in range(requests):
                    # other documents in between, so that the server's last descriptions (Resources.describe keeps
                    # a few) do not hold this one: every timed request reads its document from the store
                    for filler in cycle[::2][:FILLERS]:  # the HTML of FILLERS other releases
                        client.get_path(filler, "text/html")
                    before = tree_cpu(server.pid)
                    page.seconds.append(client.get_path(page.path, page.accept)[0])
                    used += tree_cpu(server.pid) - before
                page.cpu = used / requests
                print(
                    f"{size}: {page.name:38} {page.incoming:7} links in  p50 {page.p50_ms:7.2f} ms  "
                    f"p99 {page.percentile_ms(0.99):7.2f} ms  server CPU {page.cpu * 1000:7.2f} ms",
                    file=sys.stderr,
                )
            client.close()
            memo_off = wrk_cycle(port, cycle, duration, Path(tmp))
        finally:
            stop(server)
        server = start_server(store, port, memo=True)
        try:
            wrk_cycle(port, cycle, duration, Path(tmp))  # fills the memo of each server process
            memo_on = wrk_cycle(port, cycle, duration, Path(tmp))
        finally:
            stop(server)
    for name, load in (("memo off", memo_off), ("memo on", memo_on)):
        print(
            f"{size}: {len(cycle)} documents, {name}: {load.requests_per_second:.0f} req/s "
            f"p50 {load.p50_ms:.2f} ms p99 {load.p99_ms:.2f} ms",
            file=sys.stderr,
        )
    return SizeResult(size, triples, pages, memo_off, memo_on, len(cycle))


def write_report(output: Path, results: list[SizeResult], requests: int, duration: int, command: str) -> None:
    lines = [
        "## Resource pages",
        "",
        f"Reproduce with `{command}` (or `python -m bench --only pages`; needs `wrk`); it rewrites this section.",
        "The synthetic releases of the build benchmark, built into a store and served by `publisher serve",
        "--production` (gunicorn, one worker process per core) with `PUBLISHER_RESPONSE_CACHE=0`, so that every",
        "request renders its document from the store. **Latency**: one keep-alive connection, sequential requests,",
        f"{requests} per document after a warm-up, each after {FILLERS} other documents (a server process keeps its",
        "last few descriptions, which would otherwise answer; what it keeps per published state, the sorted lists",
        "of what links to a resource and the types and labels of the resources pages name, stays, as it does in",
        "production); p50 and p99, and the CPU time the server's processes used per",
        "request (user and system, as the kernel accounts it: what a request costs the server, however busy the",
        f"machine is; on an idle core, the least its latency can be). **Throughput**: `wrk -t2 -c8 -d{duration}s "
        "--timeout 60s --latency`",
        f"on loopback, each connection cycling through the documents of {CYCLE:,} releases (HTML and Turtle),",
        "against that server (memo off) and against one with its memo of rendered responses on (the default),",
        "after a first run of the same length that fills it.",
        "Client and server share the two cores.",
        "",
        f"Machine: {machine()}.",
        f"Measured: {time.strftime('%Y-%m-%d')}.",
    ]
    missed = []
    for result in results:
        lines += [
            "",
            f"### {result.size:,} releases ({result.triples:,} triples)",
            "",
            "| document | links to it | bytes | p50 | p99 | server CPU per request |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for page in result.pages:
            lines.append(
                f"| {page.name} | {page.incoming:,} | {page.size:,} | {page.p50_ms:.2f} ms "
                f"| {page.percentile_ms(0.99):.2f} ms | {page.cpu * 1000:.1f} ms |"
            )
            if page.p50_ms > TARGET_MS:
                missed.append(f"{page.name} at {result.size:,} ({page.p50_ms:.1f} ms)")
        lines += [
            "",
            f"Throughput over {result.documents:,} documents: memo off "
            f"{result.memo_off.requests_per_second:,.0f} requests/s (p50 {result.memo_off.p50_ms:.2f} ms, "
            f"p99 {result.memo_off.p99_ms:.2f} ms); memo on {result.memo_on.requests_per_second:,.0f} requests/s "
            f"(p50 {result.memo_on.p50_ms:.2f} ms, p99 {result.memo_on.p99_ms:.2f} ms).",
        ]
    verdict = "met" if not missed else "not met on " + "; ".join(missed)
    lines += ["", f"Target: an uncached resource page in at most {TARGET_MS:g} ms (p50): {verdict}.", ""]
    write_section(output, "pages", lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help="release counts, separated by commas")
    parser.add_argument("--requests", type=int, default=200, help="sequential requests per document")
    parser.add_argument("--duration", type=int, default=10, help="seconds of each wrk run")
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    results = [measure(int(size), args.work, args.requests, args.duration) for size in args.sizes.split(",")]
    command = reproduce(
        COMMAND,
        (
            ("--sizes", args.sizes, DEFAULT_SIZES),
            ("--requests", args.requests, 200),
            ("--duration", args.duration, 10),
        ),
    )
    write_report(args.output, results, args.requests, args.duration, command)


if __name__ == "__main__":
    main()
