"""Embedded store against Virtuoso: the same build, queries and pages on the publisher's two store backends.

    python -m bench.virtuoso [--sizes 1000] [--runs 20] [--requests 100] [--reuse-embedded] [--output BENCHMARKS.md]

Needs Debian's virtuoso-opensource (virtuoso-t, isql-vt). For each size, starts a fresh Virtuoso of its own with
``.ci/virtuoso start`` (own ini file and database folder in a temporary folder, loopback only, its page cache sized
for the size: ``buffers_for``) and stops it when that size is measured. The synthetic releases of the build
benchmark are built, as whole ``publisher build`` processes, into a fresh embedded store and into Virtuoso
(``--store`` its SPARQL endpoint, with PUBLISHER_STORE_UPDATE, PUBLISHER_STORE_USER, PUBLISHER_STORE_PASSWORD and
PUBLISHER_STORE_FILES). Then ``publisher serve --production`` with PUBLISHER_RESPONSE_CACHE=0 on one store at a
time (the other's server stopped) answers each query's and page's requests one after the other: the six typical
SPARQL queries of bench/sparql.py and the text search through the full-text index (``search:matches``) at
``/sparql`` (the remote store forwards them to Virtuoso), the same text search in the JSON API (its first page),
and resource pages (a release as HTML and as Turtle, a district, the organisation most releases link to). Last,
the same queries go straight to Virtuoso's endpoint, as the publisher sends them, to show what the publisher adds.
With ``--reuse-embedded``, the embedded store is the one ``python -m bench.build`` left in WORK/store-N (built from
the same releases), where its build is measured, instead of a fresh build.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from bench.build import build_command, releases, run
from bench.http import free_port, wait_for
from bench.pages import FILLERS, choose_pages
from bench.report import machine, reproduce, write_section
from bench.sparql import (
    AGGREGATE_TARGET_MS,
    EMPTY,
    INDEXED_QUERY,
    INDEXED_SEARCH,
    QUERIES,
    RESULTS_JSON,
    TURTLE,
    TYPICAL_TARGET_MS,
    Client,
    base_uri,
    count,
    engine_folder,
    newest_release,
)
from bench.sparql import stop as stop_server
from publisher.config import load_config
from publisher.search import index_of
from publisher.sparql.fulltext import expand
from publisher.store.remote import RemoteStore

ROOT = Path(__file__).resolve().parent.parent
COMMAND = "python -m bench.virtuoso"
BACKENDS = ("embedded (Oxigraph)", "Virtuoso (remote)")
#: Virtuoso answering the publisher's queries itself, without the publisher in front.
DIRECT = "Virtuoso itself"
#: The text search in the JSON API (bench.sparql.INDEXED_SEARCH).
API_SEARCH = "text search in the JSON API (first page of 20, ranked)"
#: The typical text search written as SPARQL 1.1 alone: a CONTAINS over every headline and body.
SCANNED_SEARCH = "text search in headline and body"


@dataclass
class Row:
    """One query or page: seconds of each request per backend, and the size of each backend's answer."""

    name: str
    seconds: dict[str, list[float]] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    #: backend -> why it gave no answer (the other backend is measured all the same)
    failures: dict[str, str] = field(default_factory=dict)

    def median_ms(self, backend: str) -> float:
        return float(statistics.median(self.seconds[backend])) * 1000


@dataclass
class SizeResult:
    size: int
    triples: int
    build_seconds: dict[str, float]
    build_peak_mib: dict[str, float]
    queries: list[Row]
    pages: list[Row]


def virtuoso_version() -> str:
    output = subprocess.run(["virtuoso-t", "-?"], capture_output=True, text=True, check=False)
    for line in (output.stdout + output.stderr).splitlines():
        if "Version" in line:
            return "Virtuoso " + line.split("Version", 1)[1].split()[0]
    return "Virtuoso (version unknown)"


def buffers_for(releases: int) -> int:
    """Virtuoso's page cache (8 KB buffers) for a store of this many releases: the CI default (20,000) up to 40,000
    releases; 100,000 releases (5.3 M triples) fill some 32,000, so a third more than that per 100,000."""
    return max(20_000, releases // 2)


def start_virtuoso(folder: Path, buffers: int = 20_000) -> dict[str, str]:
    """Virtuoso of its own in ``folder`` (.ci/virtuoso); the publisher's settings that point a store at it."""
    script = str(ROOT / ".ci" / "virtuoso")
    subprocess.run([sys.executable, script, "start", str(folder), "--buffers", str(buffers)], check=True)
    variables: dict[str, str] = {}
    for line in (folder / "env").read_text("ascii").splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        variables[name] = shlex.split(value)[0]
    return {
        "PUBLISHER_STORE": variables["PUBLISHER_TEST_VIRTUOSO"],
        "PUBLISHER_STORE_UPDATE": variables["PUBLISHER_TEST_VIRTUOSO_UPDATE"],
        "PUBLISHER_STORE_USER": variables["PUBLISHER_TEST_VIRTUOSO_USER"],
        "PUBLISHER_STORE_PASSWORD": variables["PUBLISHER_TEST_VIRTUOSO_PASSWORD"],
        "PUBLISHER_STORE_BULK": variables["PUBLISHER_TEST_VIRTUOSO_BULK"],
    }


def stop_virtuoso(folder: Path) -> None:
    subprocess.run([sys.executable, str(ROOT / ".ci" / "virtuoso"), "stop", str(folder)], check=False)


def serve(store: str, port: int, environment: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "publisher.cli", "serve", "--production", "--store", store, "--port", str(port)]
    process = subprocess.Popen(
        command,
        env={**os.environ, **environment, "PUBLISHER_RESPONSE_CACHE": "0"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for(f"http://127.0.0.1:{port}/context.jsonld", seconds=120)
    return process


@dataclass(frozen=True)
class Ask:
    """One query or page, as asked of each backend: ``graph`` counts the answer's rows (False) or triples (True)
    for a query, None for a page; ``fillers`` are documents asked for (untimed) before each timed request, so that
    a page is read from the store, not from the server's last descriptions; ``direct`` is the query as the
    publisher sends it to Virtuoso, to time Virtuoso on its own (None where Virtuoso cannot answer it alone)."""

    name: str
    path: str
    accept: str
    runs: int
    graph: bool | None = None
    fillers: tuple[str, ...] = ()
    direct: str | None = None
    #: The request's body: the form the publisher POSTs to Virtuoso (None: a GET of ``path``).
    form: bytes | None = None


def time_backend(backend: str, client: Client, asks: list[Ask], rows: dict[str, Row]) -> None:
    """Warm-up, then each ask's runs one after the other, on one backend while the other's server is stopped."""
    for ask in asks:
        row = rows.setdefault(ask.name, Row(ask.name))
        try:
            for _ in range(2):
                _seconds, body = client.get_path(ask.path, ask.accept, ask.form)
        except SystemExit as failure:
            row.failures[backend] = _reason(str(failure))
            print(f"  {ask.name:45} {backend} {row.failures[backend]}", file=sys.stderr)
            continue
        if ask.graph is not None:
            row.sizes[backend] = count(body, ask.graph)
        row.seconds[backend] = []
        for _ in range(ask.runs):
            for filler in ask.fillers:
                client.get_path(filler, "text/html")
            row.seconds[backend].append(client.get_path(ask.path, ask.accept, ask.form)[0])
        print(f"  {ask.name:45} {backend} {row.median_ms(backend):8.2f} ms", file=sys.stderr)


def measure(
    size: int, work: Path, folder: Path, settings: dict[str, str], runs: int, requests: int, reuse: bool = False
) -> SizeResult:
    from urllib.parse import urlencode, urlsplit

    data = releases(size, work)
    embedded = folder / f"embedded-{size}"
    environment = {**settings, "PUBLISHER_STORE_FILES": str(folder / f"virtuoso-files-{size}")}
    build_seconds, build_peak = {}, {}
    reused = reuse and (work / f"store-{size}" / "current").exists()
    if reused:
        # the embedded store the build benchmark left, built from the same releases: its build is measured there
        embedded = work / f"store-{size}"
    # each backend: its name, the store the publisher is given, the settings it needs besides
    backends: list[tuple[str, str, dict[str, str]]] = [
        (BACKENDS[0], str(embedded), {}),
        (BACKENDS[1], settings["PUBLISHER_STORE"], environment),
    ]
    for backend, store, extra in backends[1:] if reused else backends:
        result = run(build_command(data, store), extra)
        if result.exit_code != 0:
            sys.exit(f"the build of {size} releases into {backend} failed:\n{result.output[-2000:]}")
        build_seconds[backend], build_peak[backend] = result.seconds, result.peak_mib
        print(f"{size}: {backend} built in {result.seconds:.1f} s, {result.peak_mib:.0f} MiB", file=sys.stderr)
    engine = ox.Store.read_only(engine_folder(embedded))
    base, release = base_uri(embedded), newest_release(engine)
    del engine
    pages, cycle, triples = choose_pages(embedded)
    fillers = tuple(cycle[::2][:FILLERS])  # the HTML of other releases
    # what the publisher puts before each query to this Virtuoso: the graphs that are not its own left out
    remote = RemoteStore(settings["PUBLISHER_STORE"], Path(environment["PUBLISHER_STORE_FILES"]))
    prologue = remote.prologue()
    index = index_of(remote)
    assert index is not None, "the build into Virtuoso wrote no full-text index"
    most = load_config().sparql_search_max  # what the server may find for a search pattern
    queries = [Ask(EMPTY, "/sparql?" + urlencode({"query": EMPTY}), RESULTS_JSON, runs, False, direct=EMPTY)]
    for query in (*QUERIES, INDEXED_QUERY):
        text = query.query(base, release)
        queries.append(
            Ask(
                query.name,
                "/sparql?" + urlencode({"query": text}),
                TURTLE if query.graph else RESULTS_JSON,
                runs,
                query.graph,
                # search:matches is the publisher's own: Virtuoso is sent the query as the publisher writes it,
                # with the releases its full-text index finds as VALUES
                direct=expand(text, index.matching, most) if query is INDEXED_QUERY else text,
            )
        )
    # the text search as users of the publisher run it: the first page of the JSON API's ranked results, whose
    # 20 releases are then read from the store
    queries.append(Ask(API_SEARCH, INDEXED_SEARCH, "application/json", runs))
    asks = [*queries, *(Ask(page.name, page.path, page.accept, requests, fillers=fillers) for page in pages)]
    rows: dict[str, Row] = {}
    for backend, store, extra in backends:
        # one backend at a time, the other's server stopped: what a site running that backend sees
        port = free_port()
        server = serve(store, port, extra)
        try:
            client = Client(port)
            time_backend(backend, client, asks, rows)
            client.close()
        finally:
            stop_server(server)
    # Virtuoso on its own: the same queries sent straight to its endpoint as the publisher sends them (POSTed as
    # a form: the text search's VALUES make a query too long for a URL)
    endpoint = urlsplit(settings["PUBLISHER_STORE"])
    assert endpoint.port is not None
    client = Client(endpoint.port)
    time_backend(
        DIRECT,
        client,
        [
            Ask(
                ask.name,
                endpoint.path,
                ask.accept,
                runs,
                ask.graph,
                form=urlencode({"query": prologue + ask.direct}).encode(),
            )
            for ask in queries
            if ask.direct is not None
        ],
        rows,
    )
    client.close()
    return SizeResult(
        size,
        triples,
        build_seconds,
        build_peak,
        [rows[ask.name] for ask in queries],
        [rows[page.name] for page in pages],
    )


def _ms(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.2f} ms"


def _reason(failure: str) -> str:
    """Why a backend gave no answer, in a few words: the endpoint's time limit, or the first of the error."""
    limit = re.search(r"stopped after ([\d.]+) s", failure)
    if limit:
        return f"stopped at the {limit.group(1)} s limit (PUBLISHER_SPARQL_TIMEOUT)"
    return failure.splitlines()[0][:160]


def _ratio(value: float) -> str:
    """A ratio with one decimal, or two significant digits below 0.1 (Virtuoso's 36 ms against 3 s: 0.012×)."""
    return f"{value:.1f}×" if value >= 0.1 else f"{value:.2g}×"


def _cells(row: Row) -> str:
    cells = [f"failed: {row.failures[b]}" if b in row.failures else _ms(row.median_ms(b)) for b in BACKENDS]
    ratio = ""
    if not any(backend in row.failures for backend in BACKENDS):
        first, second = (row.median_ms(backend) for backend in BACKENDS)
        ratio = _ratio(second / first)
    if DIRECT in row.failures:
        direct = f"failed: {row.failures[DIRECT]}"
    else:
        direct = _ms(row.median_ms(DIRECT)) if DIRECT in row.seconds else "–"
    return " | ".join([*cells, ratio, direct])


def _missed(row: Row, backend: str, limit: float) -> str:
    """A query a backend answers slower than its target: its median, and Virtuoso's own where that misses too."""
    if backend in row.failures:
        return f"{row.name} (failed)"
    itself = ""
    if backend == BACKENDS[1] and DIRECT in row.seconds and row.median_ms(DIRECT) > limit:
        itself = f"; {DIRECT} {_ms(row.median_ms(DIRECT))}"
    return f"{row.name} ({_ms(row.median_ms(backend))}{itself})"


def _targets(result: SizeResult) -> str:
    """Which backend meets the query targets of the SPARQL section at this size: the text search counted as the
    publisher's users run it, through the full-text index (the CONTAINS scan is shown for comparison)."""
    typical = [q for q in QUERIES if q.name != SCANNED_SEARCH] + [INDEXED_QUERY]
    limits = {q.name: AGGREGATE_TARGET_MS if q.aggregate else TYPICAL_TARGET_MS for q in typical}
    rows = [row for row in result.queries if row.name in limits]
    verdicts = []
    for backend in BACKENDS:
        missed = [
            _missed(row, backend, limits[row.name])
            for row in rows
            if backend in row.failures or row.median_ms(backend) > limits[row.name]
        ]
        verdicts.append(
            f"{backend}: {len(rows) - len(missed)} of {len(rows)} met"
            + (f", not {'; '.join(missed)}" if missed else "")
        )
    return (
        f"Query targets (a median of at most {TYPICAL_TARGET_MS:g} ms for a typical query, "
        f"{AGGREGATE_TARGET_MS / 1000:g} s for an aggregate): " + "; ".join(verdicts) + "."
    )


def write_report(output: Path, results: list[SizeResult], runs: int, requests: int, command: str) -> None:
    lines = [
        "## Embedded store and Virtuoso",
        "",
        f"Reproduce with `{command}` (or `python -m bench --only virtuoso`; needs Debian's `virtuoso-opensource`);",
        "it rewrites this section. For each size a fresh Virtuoso of its own, started by `.ci/virtuoso` (its ini file",
        "`.ci/virtuoso.ini`: 2 threads per query; a page cache of 20,000 8 KB buffers, about 170 MB, or one buffer per",
        "two releases when that is more; Virtuoso's own graphs private, as README \"Virtuoso's own graphs\"",
        "recommends, so that the publisher's queries leave out only its marker graph), on the same two cores.",
        "The synthetic releases of the build",
        "benchmark are built by `publisher build` into a fresh embedded store and into Virtuoso (`--store` its SPARQL",
        "endpoint); then `publisher serve --production` with `PUBLISHER_RESPONSE_CACHE=0` on one store at a time",
        "(the other's server stopped: what a site running that backend sees) answers, after a warm-up, each query's",
        "requests one after the other: the six typical queries of the SPARQL section and the text search through",
        "the full-text index (`search:matches`, README: SPARQL endpoint) at `/sparql` (the remote",
        "store forwards them to Virtuoso, and writes its answer with the embedded store's writers), the same text",
        f"search as users of the JSON API run it (`{INDEXED_SEARCH}`: the first page of 20, ranked), and resource",
        f"pages (every page's queries go to the store; {FILLERS} other documents before each timed request, so",
        "that it is read from the store). Medians; **ratio** is Virtuoso's over the embedded store's;",
        f"**{DIRECT}** is the same query sent straight to Virtuoso's endpoint as the publisher sends it (its marker",
        "graph left out; the text search's pattern written as the VALUES of the releases the full-text index finds),",
        "without the publisher: the difference to the column before is what the publisher adds.",
        "(Rounds of one request to each backend, as this benchmark measured before, made Virtuoso look 4 to 7 times",
        "slower at 100,000 releases than when it was asked alone, between the embedded store's multi-second",
        "queries.) The endpoint's time limit is its default (PUBLISHER_SPARQL_TIMEOUT); a backend that does not",
        "answer within it is marked failed in its row.",
        "",
        f"Machine: {machine()}; {virtuoso_version()}. Remote store settings: PUBLISHER_STORE_BATCH="
        f"{load_config().store_batch:,} (triples per update request), PUBLISHER_STORE_BULK a folder Virtuoso may read",
        "(a build's large change goes through Virtuoso's bulk loader, README \"Virtuoso's bulk loader\"), the others",
        "their defaults.",
        f"Measured: {time.strftime('%Y-%m-%d')}, {runs} requests per query and {requests} per page, on each backend.",
    ]
    for result in results:
        lines += [
            "",
            f"### {result.size:,} releases ({result.triples:,} triples)",
            "",
            "Full build: "
            + "; ".join(
                f"{backend} {result.build_seconds[backend]:.1f} s (peak RSS {result.build_peak_mib[backend]:,.0f} MiB)"
                if backend in result.build_seconds
                else f'{backend}: the store the build benchmark left (its time in the section "Building")'
                for backend in BACKENDS
            )
            + ".",
            "",
            f"| query or page | {BACKENDS[0]} | {BACKENDS[1]} | ratio | {DIRECT} |",
            "|---|---:|---:|---:|---:|",
        ]
        differ = []
        for row in [*result.queries, *result.pages]:
            lines.append(f"| {row.name} | {_cells(row)} |")
            if len(set(row.sizes.values())) > 1:
                differ.append(f"{row.name} ({', '.join(f'{b}: {n}' for b, n in row.sizes.items())})")
        lines += ["", _targets(result)]
        lines += [
            "",
            "The answers of both backends (and of Virtuoso itself) have the same number of rows (or triples)"
            + (": except " + "; ".join(differ) if differ else "")
            + ".",
        ]
    lines.append("")
    write_section(output, "virtuoso", lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000", help="release counts, separated by commas")
    parser.add_argument("--runs", type=int, default=20, help="requests per query and backend")
    parser.add_argument("--requests", type=int, default=100, help="requests per resource page and backend")
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument(
        "--reuse-embedded",
        action="store_true",
        help="serve the embedded store that `python -m bench.build` left in WORK/store-N instead of building one",
    )
    args = parser.parse_args(argv)
    if shutil.which("virtuoso-t") is None:
        sys.exit("virtuoso-t is not installed (Debian: apt-get install virtuoso-opensource)")
    results = []
    for size in (int(size) for size in args.sizes.split(",")):
        # a fresh Virtuoso for each size, its page cache sized for it: the store holds that size's graphs alone
        with tempfile.TemporaryDirectory(prefix="publisher-virtuoso-bench-") as tmp:
            folder = Path(tmp)
            settings = start_virtuoso(folder / "virtuoso", buffers_for(size))
            try:
                results.append(
                    measure(size, args.work, folder, settings, args.runs, args.requests, args.reuse_embedded)
                )
            finally:
                stop_virtuoso(folder / "virtuoso")
    command = reproduce(
        COMMAND,
        (
            ("--sizes", args.sizes, "1000"),
            ("--runs", args.runs, 20),
            ("--requests", args.requests, 100),
        ),
    )
    if args.reuse_embedded:
        command += " --reuse-embedded"
    write_report(args.output, results, args.runs, args.requests, command)


if __name__ == "__main__":
    main()
