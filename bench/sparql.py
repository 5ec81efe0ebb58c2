"""SPARQL benchmark: six typical queries over HTTP, the publisher's endpoint against rdflib-endpoint, on the same data.

    python -m bench.sparql [--sizes 1000,10000,100000] [--rdflib-sizes 1000,10000] [--runs 20] [--budget 30]
                           [--no-copy] [--quick] [--output BENCHMARKS.md]

Needs the ``bench`` extra (``pip install -e '.[bench]'``: rdflib-endpoint and uvicorn). For each size, the synthetic
releases of the build benchmark (``var/bench/releases-N``, made by bench/generate.py and made again only when the
generator changed) are built into its store ``var/bench/store-N`` (a no-op when that store is up to date). Then, in
one run and on the same data:

* **publisher**: ``publisher serve --production`` (gunicorn, the documented set-up) with PUBLISHER_RESPONSE_CACHE=0,
  so that every request runs its query;
* **direct**: the same query run by pyoxigraph on the same store, opened as the endpoint's query worker opens it (a
  copy in memory up to PUBLISHER_SPARQL_MEMORY triples), its answer written by the endpoint's own writers
  (publisher.sparql.worker.execute), in a process of its own and timed inside it (bench/direct.py): the endpoint's
  work without HTTP;
* **rdflib-endpoint**: served by uvicorn over an rdflib graph holding the triples of the publisher's default graph
  (the union of all named graphs), exported from the store as N-Triples; at the RDFLIB_SIZES only (its area rollup
  takes minutes at 10,000 releases, and would take hours at 100,000).

Where the publisher's query workers read the state from disk (more triples than PUBLISHER_SPARQL_MEMORY), a copy of it
in memory is made as a worker would make it (under PUBLISHER_SPARQL_WORKER_MEMORY; without the limit when it does not
fit), timed and weighed, and the queries are run on it directly too (``--no-copy``: not).

One client for both servers: one keep-alive connection (http.client), sequential GET requests, SELECT answers as
``application/sparql-results+json`` and CONSTRUCT answers as ``text/turtle``. Per query: warm-up, then RUNS rounds of
a request to the publisher and a direct run, then rdflib-endpoint's runs (as many as fit in BUDGET seconds, at least
one); medians. The answers of both servers and of the direct run must have the same size
(rows or triples), or the benchmark stops. An empty query (ASK {}) shows what a request costs as such. Last, a
publisher server with its memo of responses on (the default) answers the same requests again.
"""

from __future__ import annotations

import argparse
import functools
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox

from bench.build import releases
from bench.direct import DirectRunner
from bench.http import free_port, wait_for
from bench.report import machine, reproduce, write_section
from publisher.config import load_config
from publisher.sparql.examples import EXAMPLES, PROLOGUE
from publisher.sparql.worker import Answer, Failure, Job

ROOT = Path(__file__).resolve().parent.parent
RESULTS_JSON = "application/sparql-results+json"
TURTLE = "text/turtle"
COMMAND = "python -m bench.sparql"
DEFAULT_SIZES = "1000,10000,100000"
DEFAULT_RDFLIB_SIZES = "1000,10000"


@dataclass(frozen=True)
class Benchmark:
    """One typical query: what it asks, and its text for a store minted under ``base`` (``{base}`` is replaced)."""

    name: str
    text: str
    graph: bool = False
    #: Whether the query aggregates over all releases (GROUP BY), with the looser target.
    aggregate: bool = False

    def query(self, base: str, release: str) -> str:
        return PROLOGUE + self.text.replace("{base}", base).replace("{release}", release)


def _example(title: str) -> str:
    """The text (after the prologue) of the query page's example of that title: the same query as people run it."""
    return next(e.query for e in EXAMPLES if e.title == title).removeprefix(PROLOGUE)


QUERIES: tuple[Benchmark, ...] = (
    Benchmark("newest 20 releases", _example("Die neuesten Pressemitteilungen")),
    Benchmark(
        "about a programme, in an area, in a year",
        """
SELECT DISTINCT ?mitteilung ?datum ?titel WHERE {
  ?mitteilung a pm:PressRelease ;
              schema:about <{base}id/programm/benn> ;
              schema:spatialCoverage ?ort ;
              schema:datePublished ?datum ;
              schema:headline ?titel .
  ?ort schema:containedInPlace* <{base}id/bezirk/marzahn-hellersdorf> .
  FILTER(YEAR(?datum) = 2022)
}
ORDER BY DESC(?datum)
""",
    ),
    Benchmark(
        "per organisation and year (GROUP BY)",
        _example("Pressemitteilungen je Organisation und Jahr"),
        aggregate=True,
    ),
    Benchmark(
        "resource page of one release (CONSTRUCT)",
        # what /doc/ shows of a release: its own triples, its parts (quotations, image, press contact and its
        # address), the type and name of everything it links to, and what links to it
        """
CONSTRUCT {
  ?mitteilung ?p ?o .
  ?o a ?typ ; schema:name ?name .
  ?teil ?tp ?to .
  ?von ?vp ?mitteilung .
  ?von a ?vontyp .
} WHERE {
  {
    <{release}> ?p ?o .
    OPTIONAL { ?o a ?typ }
    OPTIONAL { ?o schema:name ?name }
  } UNION {
    <{release}> (schema:hasPart|schema:image|pm:pressContact)/schema:address? ?teil .
    ?teil ?tp ?to .
  } UNION {
    ?von ?vp <{release}> .
    ?von a ?vontyp .
  }
  BIND(<{release}> AS ?mitteilung)
}
""",
        graph=True,
    ),
    Benchmark(
        "text search in headline and body",
        """
SELECT ?mitteilung ?datum ?titel WHERE {
  ?mitteilung a pm:PressRelease ;
              schema:headline ?titel ;
              schema:articleBody ?text ;
              schema:datePublished ?datum .
  BIND(LCASE(CONCAT(?titel, " ", ?text)) AS ?inhalt)
  FILTER(CONTAINS(?inhalt, "aktionsfonds") && CONTAINS(?inhalt, "gropiusstadt"))
}
ORDER BY DESC(?datum)
""",
    ),
    Benchmark(
        "area rollup over containedInPlace*",
        """
SELECT ?bezirk ?name (COUNT(DISTINCT ?mitteilung) AS ?mitteilungen) WHERE {
  ?bezirk a pm:Bezirk ; schema:name ?name .
  ?ort schema:containedInPlace* ?bezirk .
  ?mitteilung a pm:PressRelease ; schema:spatialCoverage ?ort .
}
GROUP BY ?bezirk ?name
ORDER BY DESC(?mitteilungen)
""",
        aggregate=True,
    ),
)


#: The targets: the most milliseconds of a typical query's median, and of an aggregate's.
TYPICAL_TARGET_MS = 100.0
AGGREGATE_TARGET_MS = 1000.0
#: A query whose first run takes longer than this (seconds) is warmed up once rather than three times.
WARM = 1.0
#: From this many releases on, a size is run ``--large-runs`` times (its slowest queries take seconds).
LARGE = 100_000
#: The endpoint's time limit in the benchmark (PUBLISHER_SPARQL_TIMEOUT): no query is stopped.
TIMEOUT = "600"
#: How precisely (ms) an HTTP overhead must be measured to count for the target.
NOISE_MS = 0.5
#: A query that asks for nothing: what a request costs besides its query.
EMPTY = "ASK {}"
#: The text search again, as a SPARQL query through the publisher's full-text index (publisher.sparql.fulltext): it
#: runs through the publisher only, since an engine alone does not know the pattern.
INDEXED_QUERY = Benchmark(
    "text search through the full-text index (search:matches)",
    """PREFIX search: <https://w3id.org/pm-berlin/search#>
SELECT ?mitteilung ?datum ?titel WHERE {
  ?mitteilung search:matches "aktionsfonds gropiusstadt" .
  ?mitteilung a pm:PressRelease ;
              schema:headline ?titel ;
              schema:datePublished ?datum .
}
ORDER BY DESC(?datum)
""",
)
#: The text search again, as a user of the publisher runs it: through its full-text index, in the JSON API.
INDEXED_SEARCH = "/api/releases?" + urlencode({"q": "Aktionsfonds Gropiusstadt", "per_page": 20})


@dataclass
class Measured:
    """One query at one size: the seconds of each run per target, and the size of its answer (rows, triples)."""

    rows: int
    publisher: list[float] = field(default_factory=list)
    direct: list[float] = field(default_factory=list)
    rdflib: list[float] = field(default_factory=list)
    memo: list[float] = field(default_factory=list)
    #: Seconds of direct runs on a copy of the state in memory, where the publisher reads it from disk.
    copy: list[float] = field(default_factory=list)
    #: Whether rdflib-endpoint's warm-up took longer than the budget and is its one measured run.
    rdflib_warm_up_only: bool = False

    def median_ms(self, target: str) -> float:
        return float(statistics.median(getattr(self, target))) * 1000

    def _differences(self) -> list[float]:
        return [(h - d) * 1000 for h, d in zip(self.publisher, self.direct, strict=True)]

    @property
    def overhead_ms(self) -> float:
        """The median difference between a request over HTTP and the direct run next to it."""
        return float(statistics.median(self._differences()))

    @property
    def overhead_noise_ms(self) -> float:
        """How far the median difference may be off, from the spread of the differences (the half-width of a box
        plot's notch: 1.57 interquartile ranges over the square root of the number of runs)."""
        differences = self._differences()
        if len(differences) < 4:
            return float("inf")
        first, _median, third = statistics.quantiles(differences, n=4)
        return float(1.57 * (third - first) / len(differences) ** 0.5)

    @property
    def ratio(self) -> float:
        return self.median_ms("rdflib") / self.median_ms("publisher")

    @property
    def with_rdflib(self) -> bool:
        return bool(self.rdflib)


@dataclass
class SizeResult:
    size: int
    triples: int
    release: str
    #: Seconds rdflib-endpoint took to load the triples, and MiB it then held (0: not measured at this size).
    rdflib_load_s: float
    rdflib_rss_mib: float
    #: Whether the publisher's query workers answered from a copy of the state in memory.
    in_memory: bool
    #: The resident memory of the publisher's processes (gunicorn and its query workers) after the runs.
    publisher_rss_mib: float
    #: Per query name, and EMPTY.
    queries: dict[str, Measured]
    #: Seconds of each request of INDEXED_SEARCH (memo off), and the releases it found.
    indexed_search: list[float] = field(default_factory=list)
    indexed_rows: int = 0
    #: Where the workers read from disk: what copying the state into memory took (seconds, MiB of the process),
    #: and why it failed under PUBLISHER_SPARQL_WORKER_MEMORY, if it did.
    copy_seconds: float = 0.0
    copy_rss_mib: float = 0.0
    copy_failure: str = ""
    #: The copy, measured without that limit when it failed under it.
    copy_unlimited: bool = False


# ---------------------------------------------------------------- the data


def prepare(size: int, work: Path) -> Path:
    """The store of ``size`` synthetic releases, generated and built as the build benchmark does."""
    data = releases(size, work)
    store = work / f"store-{size}"
    started = time.monotonic()
    build = [sys.executable, "-m", "publisher.cli", "build", "--data", str(data), "--store", str(store), "--quiet"]
    result = subprocess.run(build, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"the build of {size} releases failed:\n{(result.stdout + result.stderr)[-2000:]}")
    print(f"{size}: store up to date in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return store


def engine_folder(store: Path) -> str:
    return str((store / "current").resolve() / "oxigraph")


def base_uri(store: Path) -> str:
    manifest = json.loads(((store / "current").resolve() / "manifest.json").read_text("utf-8"))
    return str(manifest["base_uri"])


def newest_release(engine: ox.Store) -> str:
    query = (
        PROLOGUE
        + """
        SELECT ?mitteilung WHERE { ?mitteilung a pm:PressRelease ; schema:datePublished ?datum }
        ORDER BY DESC(?datum) DESC(?mitteilung) LIMIT 1"""
    )
    solutions = engine.query(query, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    return str(next(iter(solutions))[0].value)


def export_union(engine: ox.Store, path: Path) -> int:
    """The triples of the publisher's default graph (the union of all named graphs) as N-Triples; their number."""
    triples = engine.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
    assert isinstance(triples, ox.QueryTriples)
    unique = set(triples)
    ox.serialize(unique, str(path), format=ox.RdfFormat.N_TRIPLES)
    return len(unique)


# ---------------------------------------------------------------- servers and the client


def start_publisher(store: Path, port: int, memo: bool) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ,
        "PUBLISHER_RESPONSE_CACHE": "2000" if memo else "0",
        "PUBLISHER_SPARQL_TIMEOUT": TIMEOUT,
    }
    command = [
        sys.executable,
        "-m",
        "publisher.cli",
        "serve",
        "--production",
        "--store",
        str(store),
        "--port",
        str(port),
    ]
    process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # not the landing page: it counts everything, and takes seconds at 100,000 releases
    wait_for(f"http://127.0.0.1:{port}/context.jsonld", seconds=300)
    return process


def start_rdflib(triples: Path, port: int) -> tuple[subprocess.Popen[bytes], float]:
    """rdflib-endpoint under uvicorn; and the seconds it took to load the triples and answer."""
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "bench.rdflib_app:create",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    started = time.monotonic()
    environment = {**os.environ, "BENCH_RDF_FILE": str(triples)}
    process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL)
    wait_for(f"http://127.0.0.1:{port}/sparql", seconds=1800)
    return process, time.monotonic() - started


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=30)


def rss_mib(pid: int) -> float:
    """The resident memory of a process, as the kernel counts it."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def tree_rss_mib(pid: int) -> float:
    """The resident memory of a process and all of its descendants (shared pages counted in each)."""
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += [int(child) for child in (task / "children").read_text().split()]
    return rss_mib(pid) + sum(tree_rss_mib(child) for child in children)


#: The header of a request whose body is an HTML form's fields.
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class Client:
    """One keep-alive HTTP connection, requests one after the other."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1800)

    def get(self, query: str, accept: str) -> tuple[float, bytes]:
        """Seconds from sending the request to having read the whole answer, and the answer."""
        return self.get_path("/sparql?" + urlencode({"query": query}), accept)

    def get_path(self, path: str, accept: str, form: bytes | None = None) -> tuple[float, bytes]:
        """The same for a path; with ``form``, POSTed as an HTML form's fields (a query too long for a URL)."""
        method, headers = ("GET", {"Accept": accept}) if form is None else ("POST", {"Accept": accept, **FORM})
        for attempt in (1, 2):
            try:
                started = time.perf_counter()
                self.connection.request(method, path, body=form, headers=headers)
                response = self.connection.getresponse()
                body = response.read()
                elapsed = time.perf_counter() - started
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # the server closed an idle connection: open a new one, and time the request on that
                self.connection.close()
                if attempt == 2:
                    raise
        if response.status != 200:
            sys.exit(f"port {self.port} answered {response.status}: {body[:500]!r}\n{path}")
        return elapsed, body

    def close(self) -> None:
        self.connection.close()


def count(body: bytes, graph: bool) -> int:
    """Rows of a SPARQL JSON result (1 for a boolean), or triples of a Turtle document."""
    if graph:
        return sum(1 for _ in ox.parse(body, format=ox.RdfFormat.TURTLE))
    document = json.loads(body)
    return 1 if "boolean" in document else len(document["results"]["bindings"])


# ---------------------------------------------------------------- measuring


def in_memory(store: Path) -> bool:
    """Whether the endpoint's query workers answer from a copy of the state in memory (PUBLISHER_SPARQL_MEMORY)."""
    manifest = json.loads(((store / "current").resolve() / "manifest.json").read_text("utf-8"))
    return int(manifest["triples"]) <= load_config().sparql_memory


def direct_job(folder: str, text: str, memory: bool) -> Job:
    """The job the endpoint hands its query worker for ``text``, asked with the Accept headers of this client."""
    return Job(
        store=folder,
        query=text,
        default_graphs=None,
        named_graphs=None,
        results_format="json",
        graph_format="turtle",
        max_rows=load_config().sparql_max_rows,
        in_memory=memory,
        base_iri=load_config().base_uri + "sparql",
    )


def measure_query(
    name: str,
    text: str,
    graph: bool,
    servers: tuple[Client, Client | None],
    run_direct: Callable[[], tuple[float, Answer | Failure]],
    runs: int,
    budget: float,
    run_copy: Callable[[], tuple[float, Answer | Failure]] | None = None,
) -> Measured:
    """One query: warm-up, then ``runs`` rounds of a request to the publisher and a direct run, one after the other,
    so that both see the machine in the same state; then rdflib-endpoint's runs, as many as fit in ``budget``
    seconds (not in between: a second of rdflib's work leaves the caches cold for whatever runs next). When
    rdflib-endpoint's warm-up alone takes longer than the budget, it is not asked again, and its warm-up is its one
    measured run. The three answers must have the same size. Without rdflib-endpoint (``servers[1]`` None), the
    publisher and the direct run only; with ``run_copy``, a direct run on a copy in memory too, in each round."""
    publisher, rdflib = servers
    accept = TURTLE if graph else RESULTS_JSON
    first, answer = run_direct()
    if not isinstance(answer, Answer):
        sys.exit(f"{name}: the query failed: {answer}")
    _seconds, body = publisher.get(text, accept)
    # two more rounds of warm-up, unless the query takes long enough that one is plenty
    for _ in range(2 if first < WARM else 0):
        publisher.get(text, accept)
        run_direct()
        if run_copy is not None:
            run_copy()
    sizes = {"publisher": count(body, graph), "direct": answer.count}
    if run_copy is not None:
        copied = run_copy()[1]
        sizes["copy"] = copied.count if isinstance(copied, Answer) else -1
    warm_up = 0.0
    if rdflib is not None:
        warm_up, rdflib_body = rdflib.get(text, accept)
        sizes["rdflib-endpoint"] = count(rdflib_body, graph)
    if len(set(sizes.values())) != 1 or not sizes["publisher"]:
        sys.exit(f"{name}: the answers differ in size, or are empty: {sizes}")
    measured = Measured(rows=answer.count)
    rdflib_runs = min(runs, int(budget / warm_up)) if rdflib is not None else 0
    if rdflib is not None and rdflib_runs == 0:
        measured.rdflib.append(warm_up)
        measured.rdflib_warm_up_only = True
    for _ in range(runs):
        seconds, _body = publisher.get(text, accept)
        measured.publisher.append(seconds)
        measured.direct.append(run_direct()[0])
        if run_copy is not None:
            measured.copy.append(run_copy()[0])
    for _ in range(rdflib_runs):
        assert rdflib is not None
        seconds, _body = rdflib.get(text, accept)
        measured.rdflib.append(seconds)
    print(
        f"  {name:45} {measured.rows:5} rows  "
        + (f"rdflib-endpoint {measured.median_ms('rdflib'):10.2f} ms ({len(measured.rdflib)})  " if rdflib else "")
        + f"publisher {measured.median_ms('publisher'):8.2f} ms  "
        f"direct {measured.median_ms('direct'):8.2f} ms  overhead {measured.overhead_ms:5.2f} "
        f"± {measured.overhead_noise_ms:.2f} ms"
        + (f"  copy in memory {measured.median_ms('copy'):8.2f} ms" if measured.copy else ""),
        file=sys.stderr,
    )
    return measured


def repeated(client: Client, text: str, graph: bool, runs: int) -> list[float]:
    """Seconds of ``runs`` identical requests, after two of warm-up."""
    accept = TURTLE if graph else RESULTS_JSON
    for _ in range(2):
        client.get(text, accept)
    return [client.get(text, accept)[0] for _ in range(runs)]


def measure(size: int, work: Path, runs: int, budget: float, rdflib: bool, copy: bool) -> SizeResult:
    """One size: the publisher and the direct run, rdflib-endpoint when ``rdflib``; and where the publisher's query
    workers read the state from disk, with ``copy``, what a copy of it in memory would cost and give."""
    store = prepare(size, work)
    folder = engine_folder(store)
    engine = ox.Store.read_only(folder)
    base = base_uri(store)
    release = newest_release(engine)
    copied = in_memory(store)
    direct = DirectRunner(folder, copied)
    runners = [direct]
    memory_copy: DirectRunner | None = None
    copy_failure, copy_unlimited = "", False
    if copy and not copied:
        limit = load_config().sparql_worker_memory * 2**20
        print(f"{size}: copying the state into memory, as a query worker would", file=sys.stderr)
        memory_copy = DirectRunner(folder, True, limit)
        if memory_copy.failure:
            copy_failure = memory_copy.failure
            memory_copy.close()
            print(f"{size}: the copy failed under {limit >> 20} MiB ({copy_failure}); again without", file=sys.stderr)
            memory_copy, copy_unlimited = DirectRunner(folder, True), True
        runners.append(memory_copy)
        print(
            f"{size}: copied in {memory_copy.open_seconds:.1f} s, {memory_copy.open_rss_mib:.0f} MiB", file=sys.stderr
        )
    queries = {EMPTY: (EMPTY, False)} | {q.name: (q.query(base, release), q.graph) for q in QUERIES}
    results: dict[str, Measured] = {}
    load_seconds, rdflib_memory = 0.0, 0.0
    with tempfile.TemporaryDirectory(prefix="publisher-sparql-bench-") as tmp:
        if rdflib:
            triples_file = Path(tmp) / "union.nt"
            triples = export_union(engine, triples_file)
            print(f"{size}: rdflib-endpoint loads {triples} triples", file=sys.stderr)
        else:
            triples = int(json.loads(((store / "current").resolve() / "manifest.json").read_text("utf-8"))["triples"])
        print(f"{size}: publisher (gunicorn, memo off)", file=sys.stderr)
        publisher_port, rdflib_port = free_port(), free_port()
        servers: list[subprocess.Popen[bytes]] = []
        try:
            publisher_server = start_publisher(store, publisher_port, memo=False)
            servers.append(publisher_server)
            rdflib_client = None
            if rdflib:
                rdflib_server, load_seconds = start_rdflib(triples_file, rdflib_port)
                servers.append(rdflib_server)
                rdflib_memory = rss_mib(rdflib_server.pid)
                rdflib_client = Client(rdflib_port)
            clients = (Client(publisher_port), rdflib_client)
            for name, (text, graph) in queries.items():
                run_direct = functools.partial(direct.run, direct_job(folder, text, copied))
                run_copy = functools.partial(memory_copy.run, direct_job(folder, text, True)) if memory_copy else None
                results[name] = measure_query(name, text, graph, clients, run_direct, runs, budget, run_copy)
            for _ in range(2):
                clients[0].get_path(INDEXED_SEARCH, "application/json")
            searched = [clients[0].get_path(INDEXED_SEARCH, "application/json") for _ in range(runs)]
            indexed = [seconds for seconds, _body in searched]
            indexed_rows = int(json.loads(searched[-1][1])["total"])
            for client in clients:
                if client is not None:
                    client.close()
            publisher_memory = tree_rss_mib(publisher_server.pid)
        finally:
            for server in servers:
                stop(server)
            for runner in runners:
                runner.close()

    print(f"{size}: publisher (gunicorn, memo on)", file=sys.stderr)
    port = free_port()
    server = start_publisher(store, port, memo=True)
    try:
        client = Client(port)
        for name, (text, graph) in queries.items():
            results[name].memo = repeated(client, text, graph, runs)
        client.close()
    finally:
        stop(server)
    result = SizeResult(
        size, triples, release, load_seconds, rdflib_memory, copied, publisher_memory, results, indexed, indexed_rows
    )
    if memory_copy is not None:
        result.copy_seconds, result.copy_rss_mib = memory_copy.open_seconds, memory_copy.open_rss_mib
        result.copy_failure, result.copy_unlimited = copy_failure, copy_unlimited
    return result


# ---------------------------------------------------------------- the report


def _ms(value: float) -> str:
    if value >= 10_000:
        return f"{value / 1000:,.1f} s"
    if value >= 100:
        return f"{value:,.0f} ms"
    return f"{value:.2f} ms"


def write_report(output: Path, results: list[SizeResult], runs: int, budget: float, command: str) -> None:
    compared = [r for r in results if r.queries[QUERIES[0].name].with_rdflib]
    alone = [r for r in results if r not in compared]
    lines = [
        "## SPARQL queries",
        "",
        f"Reproduce with `{command}` (or `python -m bench --only sparql`; needs `pip install -e '.[bench]'`); it",
        "rewrites this section. Six typical queries (their text is in `bench/sparql.py`) over HTTP, in one run and on",
        "the same data, the synthetic releases of the build benchmark built into a store:",
        "",
        "* **publisher**: `publisher serve --production` (gunicorn, one worker process per core) with",
        "  `PUBLISHER_RESPONSE_CACHE=0`, so that every request runs its query (in a query worker process), and",
        f"  `PUBLISHER_SPARQL_TIMEOUT={TIMEOUT}`, so that no query is stopped;",
        "* **rdflib-endpoint**: rdflib-endpoint under uvicorn, over an rdflib `Graph` holding the triples of the",
        "  publisher's default graph (the union of all named graphs)"
        + (
            f"; at {', '.join(f'{r.size:,}' for r in compared)} releases only (at more it would take hours);"
            if alone
            else ";"
        ),
        "* **direct**: the same query run by pyoxigraph on the same store, opened as the endpoint's query worker",
        "  opens it (a copy in memory up to PUBLISHER_SPARQL_MEMORY triples, otherwise the store on disk), in a",
        "  process of its own and timed inside it, its answer written by the endpoint's own writers: the endpoint's",
        "  work without HTTP.",
        "",
        "One client for both servers: one keep-alive connection, sequential GET requests, SELECT answers as SPARQL",
        "JSON and CONSTRUCT answers as Turtle. Per query: warm-up, then rounds of one request to the publisher and one",
        "direct run, so that both see the machine (shared with other work) in the same state, then rdflib-endpoint's",
        "runs; medians. **ratio** is rdflib-endpoint's median over the publisher's.",
        "**HTTP overhead** is the median of the differences between each request and the direct run next to it,",
        "± how far that median may be off (a box plot's notch: 1.57 interquartile ranges of the differences over",
        f"the square root of the runs); where that exceeds {NOISE_MS:g} ms, the query's own variation from run to run",
        "hides the overhead, and the row does not count for the target. The answers of both servers and of the",
        "direct run have the same number of rows (or triples), checked in the run.",
        "",
        f"Machine: {machine()}; rdflib-endpoint {_version('rdflib-endpoint')}, uvicorn {_version('uvicorn')}, "
        f"gunicorn {_version('gunicorn')}.",
        f"Measured: {time.strftime('%Y-%m-%d')}, {_runs(results)} per query for the publisher and direct execution;",
        f"rdflib-endpoint as many as fit in {budget:g} s per query, their number in brackets where that is fewer",
        "(1*: the warm-up alone took longer, and is the one run).",
    ]
    missed: list[str] = []
    overheads: list[float] = []
    noisy = 0
    for result in results:
        lines += ["", f"### {result.size:,} releases", ""]
        with_copy = bool(result.queries[QUERIES[0].name].copy)
        if result in compared:
            lines += [
                "| query | rows | rdflib-endpoint | publisher | ratio | direct | HTTP overhead |",
                "|---|---:|---:|---:|---:|---:|---:|",
            ]
        else:
            lines += [
                "| query | rows | publisher | direct | HTTP overhead"
                + (" | direct, on a copy in memory |" if with_copy else " |"),
                "|---|---:|---:|---:|---:|" + ("---:|" if with_copy else ""),
            ]
        for query in QUERIES:
            measured = result.queries[query.name]
            if measured.overhead_noise_ms <= NOISE_MS:
                overheads.append(measured.overhead_ms)
            else:
                noisy += 1
            overhead = f"{measured.overhead_ms:.2f} ± {measured.overhead_noise_ms:.2f} ms"
            if result in compared:
                if measured.ratio < 10:
                    share = measured.median_ms("direct") / measured.median_ms("publisher")
                    missed.append(f"{query.name} at {result.size:,} ({_ratio(measured.ratio)}; direct {share:.0%})")
                rdflib_runs = "1*" if measured.rdflib_warm_up_only else str(len(measured.rdflib))
                lines.append(
                    f"| {query.name} | {measured.rows:,} | {_ms(measured.median_ms('rdflib'))}"
                    + (f" ({rdflib_runs})" if len(measured.rdflib) < runs else "")
                    + f" | {_ms(measured.median_ms('publisher'))} | {_ratio(measured.ratio)} "
                    f"| {_ms(measured.median_ms('direct'))} | {overhead} |"
                )
            else:
                lines.append(
                    f"| {query.name} | {measured.rows:,} | {_ms(measured.median_ms('publisher'))} "
                    f"| {_ms(measured.median_ms('direct'))} | {overhead} |"
                    + (f" {_ms(measured.median_ms('copy'))} |" if with_copy else "")
                )
        lines += ["", *_size_notes(result)]
    lines += ["", *_verdicts(results, missed, overheads, noisy, bool(compared))]
    write_section(output, "sparql", lines)


def _runs(results: list[SizeResult]) -> str:
    """How many runs each size had: '20 runs' or '20 runs (5 at 100,000)'."""
    counts = {r.size: len(r.queries[QUERIES[0].name].publisher) for r in results}
    usual = max(counts.values(), key=list(counts.values()).count)
    fewer = [f"{n} at {size:,}" for size, n in counts.items() if n != usual]
    return f"{usual} runs" + (f" ({', '.join(fewer)})" if fewer else "")


def _size_notes(result: SizeResult) -> list[str]:
    empty = result.queries[EMPTY]
    memo = [result.queries[q.name].median_ms("memo") for q in QUERIES]
    compared = empty.with_rdflib
    where = "a copy of the state in memory" if result.in_memory else "the store on disk"
    if compared:
        triples = (
            f"{result.triples:,} triples. rdflib-endpoint loaded them in {result.rdflib_load_s:.0f} s and then held "
            f"{result.rdflib_rss_mib:,.0f} MiB; the publisher's query workers answered from {where}"
        )
    else:
        triples = f"{result.triples:,} triples. The publisher's query workers answered from {where}"
    notes = [
        triples + f" (PUBLISHER_SPARQL_MEMORY), and its processes (gunicorn and the query workers) held "
        f"{result.publisher_rss_mib:,.0f} MiB in all (pages they share counted in each).",
    ]
    if result.copy_seconds:
        limit = load_config().sparql_worker_memory
        if result.copy_failure:
            fits = (
                f"under the query worker's limit (PUBLISHER_SPARQL_WORKER_MEMORY, {limit:,} MiB) the copy failed "
                f"({result.copy_failure}): a PUBLISHER_SPARQL_MEMORY above this state's size would fail every "
                "query; without the limit it"
            )
        else:
            fits = f"within the query worker's limit (PUBLISHER_SPARQL_WORKER_MEMORY, {limit:,} MiB) the copy"
        notes.append(
            f"A copy of this state in memory, as a query worker makes it when the state is no larger than "
            f"PUBLISHER_SPARQL_MEMORY: {fits} took {result.copy_seconds:.0f} s and left the process holding "
            f"{result.copy_rss_mib:,.0f} MiB, per query worker (one per concurrent query), made again by every "
            "worker after each build; the last column shows what the queries take on it."
        )
    request = (
        f"An empty query (`{EMPTY}`), the cost of a request as such: publisher {_ms(empty.median_ms('publisher'))}"
        f" (direct {_ms(empty.median_ms('direct'))}, HTTP overhead {empty.overhead_ms:.2f} ms)"
    )
    notes.append(request + (f", rdflib-endpoint {_ms(empty.median_ms('rdflib'))}." if compared else "."))
    notes.append(
        "With the memo of responses on (the default), a repeated identical request is answered in "
        f"{min(memo):.2f}–{max(memo):.2f} ms (median per query)."
    )
    search = (
        f"The text search as the publisher's users run it, through its full-text index (`{INDEXED_SEARCH}`, "
        f"JSON, memo off): {_ms(statistics.median(result.indexed_search) * 1000)} for the first page of 20 of "
        f"{result.indexed_rows:,} releases found, ranked, with snippets"
    )
    if compared:
        speedup = result.queries["text search in headline and body"].median_ms("rdflib") / (
            statistics.median(result.indexed_search) * 1000
        )
        search += f", {_ratio(speedup)} faster than rdflib-endpoint's CONTAINS query"
    notes.append(search + ".")
    return notes


def _verdicts(
    results: list[SizeResult], missed: list[str], overheads: list[float], noisy: int, compared: bool
) -> list[str]:
    slow = []
    for result in results:
        for query in QUERIES:
            limit = AGGREGATE_TARGET_MS if query.aggregate else TYPICAL_TARGET_MS
            median = result.queries[query.name].median_ms("publisher")
            if median > limit:
                slow.append(f"{query.name} at {result.size:,} ({_ms(median)})")
    latency = "met" if not slow else "not met on " + "; ".join(slow)
    lines = [
        f"Targets: a median of at most {TYPICAL_TARGET_MS:g} ms for each typical query, at most "
        f"{AGGREGATE_TARGET_MS / 1000:g} s for the aggregates (GROUP BY over all releases), at every size: {latency}."
    ]
    if compared:
        speed = "met" if not missed else "not met on " + "; ".join(missed)
        overhead = (
            "met" if overheads and max(overheads) <= 2 else f"not met (largest {max(overheads, default=0):.2f} ms)"
        )
        overhead += f", on the {len(overheads)} rows measured within ±{NOISE_MS:g} ms" + (
            f" ({noisy} too noisy to tell)" if noisy else ""
        )
        lines += [
            f"Medians at least 10× faster than rdflib-endpoint on every query: {speed}. At most 2 ms of HTTP "
            f'overhead over direct execution: {overhead}. (Where the ratio misses, "direct" is the share of the '
            "publisher's median that the query itself takes, without HTTP.)",
        ]
    lines += [
        "The ASK {} row shows what a request itself costs. On the longer queries the publisher's median is a few per",
        "cent above the direct run's, so the difference grows with the query's duration: the query runs a few per cent",
        "slower in the server's query worker than in the direct run's process, although both open the same store the",
        "same way; the protocol's share stays that of ASK {}. Why the worker runs slower is not established.",
        "",
    ]
    return lines


def _ratio(value: float) -> str:
    return f"{value:,.0f}×" if value >= 10 else f"{value:.1f}×"


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help="release counts, separated by commas")
    parser.add_argument("--runs", type=int, default=20, help="measured requests per query and server")
    parser.add_argument("--large-runs", type=int, default=5, help=f"the same, at {LARGE:,} releases and more")
    parser.add_argument("--budget", type=float, default=30, help="seconds of rdflib-endpoint runs per query")
    parser.add_argument(
        "--rdflib-sizes",
        default=DEFAULT_RDFLIB_SIZES,
        help="the sizes at which rdflib-endpoint is measured too (at 100,000 releases it would take hours)",
    )
    parser.add_argument(
        "--no-copy",
        action="store_true",
        help="where the query workers read the state from disk, do not measure a copy of it in memory",
    )
    parser.add_argument("--quick", action="store_true", help="1,000 releases, 5 runs, 5 s budget; no report")
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    try:
        import rdflib_endpoint  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        sys.exit("rdflib-endpoint and uvicorn are not installed: pip install -e '.[bench]'")
    if args.quick:
        args.sizes, args.runs, args.budget = "1000", 5, 5.0
    sizes = [int(s) for s in args.sizes.split(",")]
    compared = {int(s) for s in args.rdflib_sizes.split(",") if s}
    results = [
        measure(
            size,
            args.work,
            args.large_runs if size >= LARGE else args.runs,
            args.budget,
            size in compared,
            not args.no_copy,
        )
        for size in sizes
    ]
    if args.quick:
        return
    command = reproduce(
        COMMAND,
        (
            ("--sizes", args.sizes, DEFAULT_SIZES),
            ("--runs", args.runs, 20),
            ("--large-runs", args.large_runs, 5),
            ("--budget", f"{args.budget:g}", "30"),
            ("--rdflib-sizes", args.rdflib_sizes, DEFAULT_RDFLIB_SIZES),
        ),
    ) + (" --no-copy" if args.no_copy else "")
    write_report(args.output, results, args.runs, args.budget, command)


if __name__ == "__main__":
    main()
