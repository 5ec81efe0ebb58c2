"""Landing page benchmark: the landing page with its timeline, rendered for every request, at 10,000 releases.

    python -m bench.landing [--size 10000] [--requests 200] [--output BENCHMARKS.md]

The synthetic releases of the build benchmark (bench/generate.py) are built into their store (``var/bench/store-N``,
a no-op when it is up to date; bench/build.py) and served by ``publisher serve --production`` with
PUBLISHER_RESPONSE_CACHE=0, so that every request renders the page. On one keep-alive connection: the first request
(which reads what the page counts, and the timeline's index of releases, once per published state), then, after a
warm-up, REQUESTS sequential requests each for the page unfiltered and with filters of the timeline; p50 and p99,
and the CPU time the server's processes used per request. Each answer is checked: its timeline's bars add up to the
number of releases (unfiltered) or to fewer (filtered).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.http import free_port
from bench.pages import start_server, tree_cpu
from bench.report import machine, median_ms, percentile_ms, write_section
from bench.sparql import Client, prepare, stop

ROOT = Path(__file__).resolve().parent.parent
COMMAND = "python -m bench.landing"
#: The target: the median of the landing page, rendered for every request, in milliseconds.
TARGET_MS = 50.0
#: The pages timed: what they are, and their path.
PAGES = (
    ("landing page", "/"),
    ("filtered by programme (BENN)", "/?programm=programm/benn"),
    ("filtered by area (Treptow-Köpenick and every area within)", "/?gebiet=bezirk/treptow-koepenick"),
    (
        "filtered by programme, organisation and area",
        "/?programm=programm/benn&organisation=organisation/bezirksamt-treptow-koepenick"
        "&gebiet=bezirk/treptow-koepenick",
    ),
)
_BAR = re.compile(r"<title>\w+ \d{4}: ([\d.]+) Pressemitteilung")


@dataclass
class Timed:
    name: str
    path: str
    seconds: list[float] = field(default_factory=list)
    first: float = 0.0
    cpu: float = 0.0
    size: int = 0
    releases: int = 0

    def percentile_ms(self, share: float) -> float:
        return percentile_ms(self.seconds, share)

    @property
    def p50_ms(self) -> float:
        return median_ms(self.seconds)


def charted(body: bytes) -> int:
    """The releases the page's timeline shows: the sum of its bars."""
    return sum(int(n.replace(".", "")) for n in _BAR.findall(body.decode("utf-8")))


def measure(size: int, work: Path, requests: int) -> list[Timed]:
    store = prepare(size, work)
    port = free_port()
    server = start_server(store, port, memo=False)
    timed = [Timed(name, path) for name, path in PAGES]
    try:
        client = Client(port)
        for page in timed:
            page.first, body = client.get_path(page.path, "text/html")
            for _ in range(3):
                _seconds, body = client.get_path(page.path, "text/html")
            page.size, page.releases = len(body), charted(body)
            used = 0.0
            for _ in range(requests):
                before = tree_cpu(server.pid)
                page.seconds.append(client.get_path(page.path, "text/html")[0])
                used += tree_cpu(server.pid) - before
            page.cpu = used / requests
            print(
                f"{size}: {page.name:58} first {page.first * 1000:8.1f} ms  p50 {page.p50_ms:6.2f} ms  "
                f"p99 {page.percentile_ms(0.99):6.2f} ms  {page.releases} releases charted",
                file=sys.stderr,
            )
        client.close()
    finally:
        stop(server)
    if timed[0].releases != size or not all(0 < page.releases < size for page in timed[1:]):
        sys.exit(f"the timelines do not add up: {[(page.path, page.releases) for page in timed]}")
    return timed


def write_report(output: Path, size: int, timed: list[Timed], requests: int, command: str) -> None:
    lines = [
        "## Landing page",
        "",
        f"Reproduce with `{command}`; it rewrites this section. The synthetic releases of the build benchmark,",
        "built into a store and served by `publisher serve --production` with `PUBLISHER_RESPONSE_CACHE=0`, so that",
        "every request renders the landing page with its timeline (releases per month), its filter form and, where",
        "they are wired, the other pictures. One keep-alive connection, sequential requests: the first after the",
        "server started (it reads the counts and the timeline's index of every release, once per published state",
        "and server process), then, after a warm-up, "
        f"{requests} per page: p50 and p99, and the CPU time the server's processes used per request.",
        "A filtered timeline is counted from the index once per state and filter and kept (a bounded LRU).",
        "",
        f"Machine: {machine()}.",
        f"Measured: {time.strftime('%Y-%m-%d')}; other work shared the machine.",
        "",
        f"### {size:,} releases",
        "",
        "| page | releases in the timeline | bytes | first request | p50 | p99 | server CPU per request |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for page in timed:
        lines.append(
            f"| {page.name} (`{page.path}`) | {page.releases:,} | {page.size:,} | {page.first * 1000:,.0f} ms "
            f"| {page.p50_ms:.2f} ms | {page.percentile_ms(0.99):.2f} ms | {page.cpu * 1000:.1f} ms |"
        )
    missed = [f"{page.name} ({page.p50_ms:.1f} ms)" for page in timed if page.p50_ms > TARGET_MS]
    verdict = "met" if not missed else "not met for " + "; ".join(missed)
    lines += ["", f"Target: the landing page in at most {TARGET_MS:g} ms (p50) at {size:,} releases: {verdict}.", ""]
    write_section(output, "landing", lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10_000, help="synthetic releases")
    parser.add_argument("--requests", type=int, default=200, help="sequential requests per page")
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    timed = measure(args.size, args.work, args.requests)
    command = COMMAND + "".join(
        f" {flag} {value}"
        for flag, value, default in (("--size", args.size, 10_000), ("--requests", args.requests, 200))
        if value != default
    )
    write_report(args.output, args.size, timed, args.requests, command)


if __name__ == "__main__":
    main()
