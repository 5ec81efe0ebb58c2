"""Load test: the production server under a mix of every kind of request, for a bounded time, on loopback.

    python -m bench.load [--duration 60] [--connections 64] [--size N] [--kind-duration 5] [--output BENCHMARKS.md]

Needs wrk (Debian: ``apt-get install wrk``). Serves the bundled data (built into a temporary store), or with
``--size N`` the N synthetic releases of the build benchmark (``var/bench/store-N``, bench/build.py), with
``publisher serve --production`` as a user gets it: gunicorn with its default workers and threads, the memo of
rendered responses on (PUBLISHER_RESPONSE_CACHE at its default), listening on 127.0.0.1 at a free port. Then:

* **mixed run**: ``wrk`` with DURATION seconds at CONNECTIONS connections (one wrk thread each, so that the script
  knows which request each response answers), after a short warm-up run. Its Lua script (written by this module)
  cycles through a weighted mix of kinds of requests, each over many paths taken from the store's own IRIs:
  resource pages as HTML, as Turtle and JSON-LD (by ``Accept``), ``/id/`` IRIs (303), listings, the landing page,
  typical cheap SPARQL queries (GET; each made unique by a comment, so that every one runs its query), the JSON API
  with filters, full-text searches (``/suche?q=`` and ``/api/releases?q=``) and Triple Pattern Fragments. The
  script counts the responses by kind and status class and reports them from ``done()``, with the first paths that
  were not answered with 2xx/3xx.
* **per kind**: one short wrk run per kind (``--kind-duration`` seconds, the same connections), for its p50 and p99
  (wrk measures latency per run, not per request in the script).
* **memory**: the resident set of the server's whole process tree (gunicorn's master, its workers and their SPARQL
  query workers; shared pages counted in each process), sampled every second during the mixed run: at the start,
  after the first 10 s (the baseline), the maximum, the end, and the slope over the second half. It is flat when
  the end is within 10% (or 20 MiB) of the baseline.

wrk stops by itself; the harness stops it too after a hard timeout. It rewrites the section "Load" of the output and
exits with 1 when any response was a 5xx or a connection failed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

import pyoxigraph as ox

from bench.http import free_port, wait_for
from bench.report import machine, write_section
from publisher.sparql.examples import EXAMPLES, PROLOGUE

ROOT = Path(__file__).resolve().parent.parent
COMMAND = "python -m bench.load"
#: Seconds after the start of the mixed run at which the memory baseline is taken (less on short runs).
BASELINE_SECONDS = 10.0
#: Memory is flat when the end is within this share of the baseline, or within FLAT_MIB, whichever is more.
FLAT_SHARE = 0.10
FLAT_MIB = 20.0
#: Targets from the other benchmarks, in milliseconds.
PAGE_P50_MS = 10.0
CACHED_P99_MS = 20.0
SPARQL_MS = 100.0
#: Seconds wrk waits for one response before counting a timeout (beyond the SPARQL timeout of 10 s).
WRK_TIMEOUT = 30
#: Resources per listing class whose pages are in the mix.
PER_CLASS = 40
RELEASES = 100
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
JSON_RESULTS = "application/sparql-results+json"
SEARCH_WORDS = (
    "Nachbarschaft",
    "BENN",
    "Altglienicke",
    "Wohnungsunternehmen",
    "Treptow-Köpenick",
    "Bezirksbürgermeister",
    "Quartier",
    '"soziale Integration"',
)
#: The classes whose resources have pages in the mix (those of the listings).
CLASSES = (
    "https://w3id.org/pm-berlin/ontology#PressRelease",
    "https://schema.org/GovernmentOrganization",
    "https://schema.org/Organization",
    "https://schema.org/Project",
    "https://schema.org/Person",
    "https://schema.org/FundingScheme",
    "https://schema.org/Event",
    "https://w3id.org/pm-berlin/ontology#Bezirk",
    "https://w3id.org/pm-berlin/ontology#Ortsteil",
    "https://w3id.org/pm-berlin/ontology#Bezirksregion",
    "https://w3id.org/pm-berlin/ontology#Planungsraum",
    "https://w3id.org/pm-berlin/ontology#Quartier",
    "https://w3id.org/pm-berlin/ontology#Strasse",
)
LISTINGS = (
    "pressemitteilungen",
    "organisationen",
    "personen",
    "programme",
    "bezirke",
    "ortsteile",
    "prognoseraeume",
    "bezirksregionen",
    "planungsraeume",
    "quartiere",
)


@dataclass
class Kind:
    """One kind of request: its name, its weight in the mix, and its requests (path and Accept header)."""

    name: str
    title: str
    weight: int
    requests: list[tuple[str, str]]
    #: Whether each request is made unique (a SPARQL comment), so that the memo of responses cannot answer it.
    unique: bool = False


@dataclass
class Run:
    """What one wrk run reports: totals, latency, and responses by kind and status class."""

    seconds: float
    requests: int
    errors: dict[str, int]
    p50_ms: float
    p99_ms: float
    mean_ms: float
    statuses: dict[str, dict[str, int]]
    failures: dict[str, int]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def latency_ms(self, share: int) -> float:
        """The p50 or p99 in milliseconds; infinite when no response completed within the run."""
        if not self.requests:
            return math.inf
        return self.p50_ms if share == 50 else self.p99_ms

    def by_class(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for counts in self.statuses.values():
            for status_class, number in counts.items():
                total[status_class] = total.get(status_class, 0) + number
        return total

    @property
    def server_errors(self) -> int:
        return self.by_class().get("5xx", 0)

    @property
    def connection_errors(self) -> int:
        return sum(self.errors.get(name, 0) for name in ("connect", "read", "write", "timeout"))


@dataclass
class Memory:
    """The resident set of the server's process tree, sampled during the mixed run."""

    samples: list[tuple[float, float, int]] = field(default_factory=list)  # seconds, MiB, processes
    baseline_at: float = BASELINE_SECONDS

    @property
    def start(self) -> float:
        return self.samples[0][1]

    @property
    def baseline(self) -> float:
        return next((mib for seconds, mib, _n in self.samples if seconds >= self.baseline_at), self.samples[-1][1])

    @property
    def peak(self) -> float:
        return max(mib for _s, mib, _n in self.samples)

    @property
    def end(self) -> float:
        return self.samples[-1][1]

    @property
    def processes(self) -> tuple[int, int]:
        counts = [n for _s, _m, n in self.samples]
        return min(counts), max(counts)

    @property
    def slope(self) -> float:
        """MiB per minute over the second half of the run (least squares)."""
        half = self.samples[-1][0] / 2
        points = [(seconds, mib) for seconds, mib, _n in self.samples if seconds >= half]
        if len(points) < 2:
            return 0.0
        slope, _intercept = statistics.linear_regression([p[0] for p in points], [p[1] for p in points])
        return slope * 60

    @property
    def tolerance(self) -> float:
        return max(FLAT_SHARE * self.baseline, FLAT_MIB)

    @property
    def flat(self) -> bool:
        return abs(self.end - self.baseline) <= self.tolerance


@dataclass
class LoadResult:
    size: int | None
    triples: int
    workers: int
    threads: int
    connections: int
    duration: int
    kind_duration: int
    warmup: int
    kinds: list[Kind]
    mixed: Run
    per_kind: dict[str, Run]
    memory: Memory
    paths: int


# ---------------------------------------------------------------- what the mix asks for


def _select(engine: ox.Store, text: str) -> list[list[str]]:
    solutions = engine.query(PROLOGUE + text, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    return [[term.value for term in row] for row in solutions]


def _encode(iri_path: str) -> str:
    """A path as wrk sends it: ASCII, with everything outside a path segment's characters percent-encoded."""
    return quote(iri_path, safe="/%:@!$&'()*+,;=-._~")


def _query_path(query: str) -> str:
    return "/sparql?" + urlencode({"query": query})


def choose_kinds(store: Path) -> tuple[list[Kind], int]:
    """The kinds of requests of the mix, over resources of the store's published state; the state's triples."""
    state = (store / "current").resolve()
    manifest = json.loads((state / "manifest.json").read_text("utf-8"))
    base = str(manifest["base_uri"])
    engine = ox.Store.read_only(str(state / "oxigraph"))
    resources: list[str] = []
    for cls in CLASSES:
        limit = RELEASES if cls.endswith("PressRelease") else PER_CLASS
        rows = _select(
            engine,
            f'SELECT DISTINCT ?s WHERE {{ ?s a <{cls}> FILTER(STRSTARTS(STR(?s), "{base}id/")) }} '
            f"ORDER BY ?s LIMIT {limit}",
        )
        resources += [row[0] for row in rows if "#" not in row[0]]
    del engine
    resources = list(dict.fromkeys(resources))
    ids = [_encode(iri.removeprefix(base + "id/")) for iri in resources]
    releases = [iri for iri in resources if "/id/pressemitteilung/" in iri]
    newest = next(example.query for example in EXAMPLES if example.title == "Die neuesten Pressemitteilungen")
    sparql: list[tuple[str, str]] = [(_query_path(newest), JSON_RESULTS)]
    districts = PROLOGUE + "SELECT ?b ?name WHERE { ?b a pm:Bezirk ; schema:name ?name } ORDER BY ?name"
    sparql.append((_query_path(districts), JSON_RESULTS))
    for number, iri in enumerate(resources[:: max(1, len(resources) // 30)]):
        if number % 3 == 0:
            sparql.append((_query_path(f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }} LIMIT 100"), JSON_RESULTS))
        elif number % 3 == 1:
            sparql.append((_query_path(f"ASK {{ <{iri}> a ?type }}"), JSON_RESULTS))
        else:
            sparql.append((_query_path(f"CONSTRUCT {{ <{iri}> ?p ?o }} WHERE {{ <{iri}> ?p ?o }}"), "text/turtle"))
    district = quote(base + "id/bezirk/treptow-koepenick", safe="")
    api = [
        "/api/releases",
        "/api/releases?area=bezirk/treptow-koepenick&from=2020-01-01",
        "/api/releases?programme=benn&per_page=5",
        "/api/releases?organisation=bezirksamt-treptow-koepenick&sort=date",
        "/api/releases?from=2024-01-01&to=2025-12-31&page=1",
        "/api/areas?type=ortsteil&parent=bezirk/treptow-koepenick",
        "/api/organisations?q=Bezirksamt",
        "/api/programmes",
        "/api/people?q=Igel",
    ]
    search = [(f"/suche?q={quote(word)}", "text/html") for word in SEARCH_WORDS]
    search += [(f"/api/releases?q={quote(word)}&per_page=10", "application/json") for word in SEARCH_WORDS]
    fragments = [(f"/fragments?predicate={quote(RDF_TYPE, safe='')}", "text/turtle")]
    fragments.append((f"/fragments?predicate={quote(RDF_TYPE, safe='')}&page=2", "application/trig"))
    fragments.append((f"/fragments?object={district}", "text/html"))
    fragments += [
        (f"/fragments?subject={quote(iri, safe='')}", ("text/turtle", "application/ld+json")[n % 2])
        for n, iri in enumerate(resources[:: max(1, len(resources) // 20)])
    ]
    kinds = [
        Kind("page_html", "resource page, HTML", 3, [(f"/doc/{path}", "text/html") for path in ids]),
        Kind(
            "page_data",
            "resource page, Turtle / JSON-LD",
            3,
            [(f"/doc/{path}", accept) for path in ids for accept in ("text/turtle", "application/ld+json")],
        ),
        Kind("redirect", "/id/ IRI (303 to its page)", 1, [(f"/id/{path}", "text/html") for path in ids]),
        Kind("listing", "listing", 1, [(f"/liste/{slug}", "text/html") for slug in LISTINGS]),
        Kind("landing", "landing page", 1, [("/", "text/html")]),
        Kind("sparql", "SPARQL query (GET, unique)", 2, sparql, unique=True),
        Kind("api", "JSON API with filters", 2, [(path, "application/json") for path in api]),
        Kind("search", "full-text search (page and API)", 2, search),
        Kind("fragments", "Triple Pattern Fragments", 1, fragments),
    ]
    if len(releases) > 1:
        kinds[3].requests.append(("/liste/pressemitteilungen?page=2", "text/html"))
    return kinds, int(manifest["triples"])


# ---------------------------------------------------------------- the wrk script

LUA = r"""-- written by bench/load.py: a weighted mix of kinds of requests, counted by kind and status class
local kinds = KINDS
local schedule = SCHEDULE
local threads = {}
local started = 0

function setup(thread)
  started = started + 1
  thread:set("number", started)
  table.insert(threads, thread)
end

function init(args)
  only = nil
  for index, kind in ipairs(kinds) do
    if kind.name == args[1] then only = index end
  end
  statuses = {}
  failures = {}
  failed = 0
  cursors = {}
  step = number * 7
  sent = 0
  pending_kind = nil
  pending_path = nil
end

function request()
  local k = only
  if not k then
    step = step + 1
    k = schedule[(step % #schedule) + 1]
  end
  local kind = kinds[k]
  local cursor = (cursors[k] or number * 13) + 1
  cursors[k] = cursor
  local entry = kind.requests[(cursor % #kind.requests) + 1]
  local path = entry[1]
  if kind.unique then
    sent = sent + 1
    path = path .. "%0A%23%20request%20" .. number .. "-" .. sent
  end
  pending_kind = kind.name
  pending_path = entry[1]
  return wrk.format("GET", path, {["Accept"] = entry[2]})
end

function response(status, headers, body)
  -- flat keys: wrk copies only flat tables from a thread to done()
  local key = pending_kind .. " " .. math.floor(status / 100) .. "xx"
  statuses[key] = (statuses[key] or 0) + 1
  if status < 200 or status >= 400 then
    local failure = status .. " " .. pending_path
    -- the first 20 different ones of each thread
    if failures[failure] == nil and failed < 20 then
      failed = failed + 1
      failures[failure] = status
    end
  end
end

local function encode(value)
  if type(value) == "table" then
    local parts = {}
    for key, item in pairs(value) do
      parts[#parts + 1] = string.format("%q", tostring(key)) .. ":" .. encode(item)
    end
    return "{" .. table.concat(parts, ",") .. "}"
  elseif type(value) == "string" then
    return string.format("%q", value)
  end
  return string.format("%.17g", value)
end

function done(summary, latency, requests)
  local total = {}
  local failing = {}
  for _, thread in ipairs(threads) do
    for key, number in pairs(thread:get("statuses")) do
      total[key] = (total[key] or 0) + number
    end
    for path, status in pairs(thread:get("failures")) do
      failing[path] = status
    end
  end
  local result = {
    duration_us = summary.duration,
    requests = summary.requests,
    errors = summary.errors,
    p50_us = latency:percentile(50),
    p99_us = latency:percentile(99),
    mean_us = latency.mean,
    statuses = total,
    failures = failing,
  }
  io.write("LOAD-RESULT " .. encode(result) .. "\n")
end
"""


def _lua_string(text: str) -> str:
    if not text.isascii() or any(char in text for char in '"\\\n\r'):
        raise ValueError(f"not a plain ASCII path or header: {text!r}")
    return f'"{text}"'


def write_script(kinds: list[Kind], path: Path) -> None:
    """The Lua script of the mix: the kinds with their requests, and a schedule of kinds by weight."""
    entries = []
    for kind in kinds:
        requests = ",\n    ".join(f"{{{_lua_string(p)}, {_lua_string(a)}}}" for p, a in kind.requests)
        unique = "true" if kind.unique else "false"
        entries.append(f'  {{name = "{kind.name}", unique = {unique}, requests = {{\n    {requests}\n  }}}}')
    # the kinds interleaved by weight (a kind of weight 3 comes 3 times in a round, not 3 times in a row)
    schedule = [
        index + 1
        for round_ in range(max(k.weight for k in kinds))
        for index, k in enumerate(kinds)
        if k.weight > round_
    ]
    text = LUA.replace("KINDS", "{\n" + ",\n".join(entries) + "\n}").replace(
        "SCHEDULE", "{" + ", ".join(map(str, schedule)) + "}"
    )
    path.write_text(text, "utf-8")


def _by_kind(flat: dict[str, float]) -> dict[str, dict[str, int]]:
    """Counts keyed "kind class" as the script reports them, by kind and then by status class."""
    statuses: dict[str, dict[str, int]] = {}
    for key, number in flat.items():
        kind, status_class = key.split(" ")
        statuses.setdefault(kind, {})[status_class] = int(number)
    return statuses


def wrk(port: int, script: Path, duration: int, connections: int, kind: str | None = None) -> Run:
    """One wrk run on loopback, one thread per connection; stopped after a hard timeout if it does not stop."""
    command = ["wrk", f"-t{connections}", f"-c{connections}", f"-d{duration}s", "--timeout", f"{WRK_TIMEOUT}s"]
    command += ["-s", str(script), f"http://127.0.0.1:{port}"]
    if kind:
        command += ["--", kind]
    result = subprocess.run(command, capture_output=True, text=True, timeout=duration + WRK_TIMEOUT + 30)
    line = next((line for line in result.stdout.splitlines() if line.startswith("LOAD-RESULT ")), None)
    if result.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed (exit {result.returncode}):\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    data = json.loads(line.removeprefix("LOAD-RESULT "))
    return Run(
        seconds=data["duration_us"] / 1e6,
        requests=int(data["requests"]),
        errors={name: int(number) for name, number in data["errors"].items()},
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        mean_ms=data["mean_us"] / 1000,
        statuses=_by_kind(data["statuses"]),
        failures={path: int(status) for path, status in data["failures"].items()},
    )


# ---------------------------------------------------------------- the server and its memory


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            try:
                found += [int(child) for child in (task / "children").read_text().split()]
            except OSError:
                continue
    except OSError:
        pass
    return found


def _rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def tree_rss(pid: int) -> tuple[float, int]:
    """The resident set (MiB) of a process and all its descendants, and their number; processes that end while
    they are read count nothing."""
    total, count, todo = 0.0, 0, [pid]
    while todo:
        current = todo.pop()
        mib = _rss_mib(current)
        if mib:
            total += mib
            count += 1
        todo += _children(current)
    return total, count


class Sampler(threading.Thread):
    """Samples the resident set of a process tree every second until stopped."""

    def __init__(self, pid: int, memory: Memory) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.memory = memory
        self.halt = threading.Event()

    def run(self) -> None:
        started = time.monotonic()
        while True:
            mib, count = tree_rss(self.pid)
            self.memory.samples.append((time.monotonic() - started, mib, count))
            if self.halt.wait(1.0):
                return


@contextmanager
def serving(store: Path, log: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """``publisher serve --production`` on 127.0.0.1 at a free port, with the settings a user gets."""
    environment = {key: value for key, value in os.environ.items() if key != "PUBLISHER_RESPONSE_CACHE"}
    port = free_port()
    command = [sys.executable, "-m", "publisher.cli", "serve", "--production", "--store", str(store)]
    with log.open("wb") as output:
        server = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(port)], env=environment, stdout=output, stderr=output
        )
    try:
        try:
            wait_for(f"http://127.0.0.1:{port}/context.jsonld", seconds=300)
        except OSError:
            raise SystemExit(f"the server did not start:\n{log.read_text('utf-8', 'replace')[-2000:]}") from None
        yield server, port
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)


def check(port: int, kinds: list[Kind]) -> None:
    """One request of each small kind's every path, and of the first path of the others: a path the mix would
    get wrong stops the run here, named."""
    for kind in kinds:
        requests = kind.requests if len(kind.requests) <= 40 else kind.requests[:1]
        for path, accept in requests:
            request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Accept": accept})
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    response.read()
            except urllib.error.HTTPError as error:
                if not (300 <= error.code < 400):
                    raise SystemExit(f"{kind.name}: {path} answered {error.code}: {error.read()[:300]!r}") from None


def prepare_store(size: int | None, work: Path, folder: Path) -> Path:
    """The store served: the bundled data built into ``folder``, or the synthetic releases of the build benchmark."""
    if size is not None:
        from bench.sparql import prepare

        return prepare(size, work)
    store = folder / "store"
    build = [sys.executable, "-m", "publisher.cli", "build", "--store", str(store), "--quiet"]
    result = subprocess.run(build, capture_output=True, text=True, cwd=ROOT)
    if result.returncode != 0:
        raise SystemExit(f"the build of the bundled data failed:\n{(result.stdout + result.stderr)[-2000:]}")
    return store


def run(
    size: int | None,
    duration: int,
    connections: int,
    kind_duration: int,
    warmup: int,
    work: Path,
) -> LoadResult:
    """The whole load test; see the module's documentation."""
    with tempfile.TemporaryDirectory(prefix="publisher-load-store-") as tmp:
        store = prepare_store(size, work, Path(tmp))
        return measure(store, size, duration, connections, kind_duration, warmup)


def measure(
    store: Path, size: int | None, duration: int, connections: int, kind_duration: int, warmup: int
) -> LoadResult:
    """The load test on the built ``store`` (of ``size`` synthetic releases, or None: the bundled data)."""
    from publisher.web.server import DEFAULT_THREADS

    with tempfile.TemporaryDirectory(prefix="publisher-load-") as tmp:
        folder = Path(tmp)
        kinds, triples = choose_kinds(store)
        script = folder / "load.lua"
        write_script(kinds, script)
        with serving(store, folder / "server.log") as (server, port):
            check(port, kinds)
            workers = len(_children(server.pid))
            if warmup:
                wrk(port, script, warmup, connections)
            memory = Memory(baseline_at=min(BASELINE_SECONDS, duration / 3))
            sampler = Sampler(server.pid, memory)
            sampler.start()
            try:
                mixed = wrk(port, script, duration, connections)
            finally:
                sampler.halt.set()
                sampler.join()
            print(_summary("mixed", mixed), file=sys.stderr)
            per_kind: dict[str, Run] = {}
            if kind_duration:
                for kind in kinds:
                    per_kind[kind.name] = wrk(port, script, kind_duration, connections, kind.name)
                    print(_summary(kind.name, per_kind[kind.name]), file=sys.stderr)
    return LoadResult(
        size=size,
        triples=triples,
        workers=workers,
        threads=DEFAULT_THREADS,
        connections=connections,
        duration=duration,
        kind_duration=kind_duration,
        warmup=warmup,
        kinds=kinds,
        mixed=mixed,
        per_kind=per_kind,
        memory=memory,
        paths=sum(len(kind.requests) for kind in kinds),
    )


def _summary(name: str, load: Run) -> str:
    classes = ", ".join(f"{c} {n}" for c, n in sorted(load.by_class().items()))
    return (
        f"{name:10} {load.requests:8} requests {load.rate:8.0f} req/s p50 {load.p50_ms:8.2f} ms "
        f"p99 {load.p99_ms:8.2f} ms ({classes}; errors {load.errors})"
    )


# ---------------------------------------------------------------- the report


def _ms(value: float) -> str:
    if math.isinf(value):
        return "none answered within the run"
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.2f} ms"


def verdicts(result: LoadResult) -> list[str]:
    """The targets that apply, each met or not."""
    lines = []
    pages = [result.per_kind[name] for name in ("page_html", "page_data") if name in result.per_kind]
    if pages:
        p50 = max(load.latency_ms(50) for load in pages)
        p99 = max(load.latency_ms(99) for load in pages)
        lines.append(
            f"resource pages, p50 at most {PAGE_P50_MS:g} ms (the target is for an uncached page on an idle "
            f"server; here most come from the memo, under load): {'met' if p50 <= PAGE_P50_MS else 'not met'} "
            f"({_ms(p50)})"
        )
        lines.append(
            f"cached representations (resource pages from the memo), p99 under {CACHED_P99_MS:g} ms: "
            f"{'met' if p99 < CACHED_P99_MS else 'not met'} ({_ms(p99)})"
        )
    if "sparql" in result.per_kind:
        sparql = result.per_kind["sparql"]
        lines.append(
            f"typical SPARQL queries, median at most {SPARQL_MS:g} ms: "
            f"{'met' if sparql.latency_ms(50) <= SPARQL_MS else 'not met'} (p50 {_ms(sparql.latency_ms(50))}, "
            f"p99 {_ms(sparql.latency_ms(99))})"
        )
    mixed = result.mixed
    clean = not mixed.server_errors and not mixed.connection_errors
    lines.append(
        f"no 5xx and no connection errors: {'met' if clean else 'not met'} ({mixed.server_errors} 5xx, "
        f"{mixed.connection_errors} connection errors)"
    )
    memory = result.memory
    lines.append(
        f"memory flat (the end within {FLAT_SHARE:.0%} or {FLAT_MIB:g} MiB of the baseline): "
        f"{'met' if memory.flat else 'not met'} ({memory.end - memory.baseline:+.0f} MiB)"
    )
    return lines


def _queueing(result: LoadResult) -> list[str]:
    """What the connections alone add to latency: with every connection waiting, a request waits for the others."""
    alone = result.per_kind.get("page_html")
    if alone is None or not alone.requests:
        return []
    return [
        f"With {result.connections} connections always waiting on the machine's cores, a request's latency is mostly",
        f"its wait behind the others: connections over throughput, e.g. {result.connections} / {alone.rate:,.0f} per s",
        f"= {result.connections / alone.rate * 1000:.1f} ms for the resource pages alone (their p50: "
        f"{_ms(alone.p50_ms)}).",
        "",
    ]


def write_report(output: Path, result: LoadResult, command: str) -> None:
    mixed, memory = result.mixed, result.memory
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()[0]
    data = (
        "the bundled data"
        if result.size is None
        else f"{result.size:,} synthetic releases (the build benchmark's, `var/bench/store-{result.size}`)"
    )
    classes = mixed.by_class()
    lines = [
        "## Load",
        "",
        f"Reproduce with `{command}` (or `python -m bench --only load`; needs `wrk`); it rewrites this section.",
        f"{data[0].upper()}{data[1:]} ({result.triples:,} triples), served by `publisher serve --production` as a",
        f"user gets it ({result.workers} gunicorn worker processes with {result.threads} threads each, the memo of",
        "responses on) on loopback. `wrk` with one thread per connection and a Lua script (written by",
        "`bench/load.py`) that cycles through a weighted mix of requests over the store's own resources, and counts",
        "every response by kind and status class. SPARQL queries carry a unique comment each, so that every one",
        "runs its query; every other request may be answered from the memo after its first time. After the mixed",
        f"run, one {result.kind_duration} s run per kind at the same connections gives its latency. Client and",
        "server share the machine's cores.",
        "",
        f"Machine: {machine()}; {wrk_version.split(' [')[0]}.",
        f"Measured: {time.strftime('%Y-%m-%d')}; other work shared the machine.",
        "",
        f"**Mixed run**: {result.duration} s at {result.connections} connections over {result.paths:,} paths, after "
        f"a warm-up run of {result.warmup} s: "
        f"{mixed.requests:,} requests, {mixed.rate:,.0f} requests/s, p50 {_ms(mixed.p50_ms)}, "
        f"p99 {_ms(mixed.p99_ms)}. Responses: "
        + ", ".join(f"{c} {n:,}" for c, n in sorted(classes.items()))
        + f"; 5xx: {mixed.server_errors}; connection errors (connect, read, write, timeout): "
        f"{mixed.connection_errors}.",
        "",
        "| kind | weight | paths | in the mixed run | 2xx / 3xx | 4xx | 5xx | alone: requests/s | p50 | p99 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind in result.kinds:
        counts = mixed.statuses.get(kind.name, {})
        good = counts.get("2xx", 0) + counts.get("3xx", 0)
        alone = result.per_kind.get(kind.name)
        timing = "– | – | –"
        if alone:
            timing = f"{alone.rate:,.0f} | {_ms(alone.latency_ms(50))} | {_ms(alone.latency_ms(99))}"
        lines.append(
            f"| {kind.title} | {kind.weight} | {len(kind.requests):,} | {sum(counts.values()):,} | {good:,} "
            f"| {counts.get('4xx', 0):,} | {counts.get('5xx', 0):,} | {timing} |"
        )
    if mixed.failures:
        lines += ["", "Not answered with 2xx/3xx (the first ones): " + "; ".join(sorted(mixed.failures)) + "."]
    low, high = memory.processes
    processes = str(low) if low == high else f"{low}–{high}"
    lines += [
        "",
        f"**Memory** of the server's process tree ({processes} processes: gunicorn's master, its workers and their",
        "SPARQL query workers; pages they share counted in each), sampled every second during the mixed run: "
        f"{memory.start:,.0f} MiB at the start, {memory.baseline:,.0f} MiB after {memory.baseline_at:.0f} s, at "
        f"most {memory.peak:,.0f} MiB, {memory.end:,.0f} MiB at the end; over the second half "
        f"{memory.slope:+.1f} MiB/min.",
        "",
        *_queueing(result),
        "Targets: " + "; ".join(verdicts(result)) + ".",
        "",
    ]
    write_section(output, "load", lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=60, help="seconds of the mixed run")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--size", type=int, help="serve this many synthetic releases (e.g. 10000) instead of the bundled data"
    )
    parser.add_argument("--kind-duration", type=int, default=5, help="seconds of each run of one kind; 0: none")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of the mixed warm-up run before; 0: none")
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    result = run(args.size, args.duration, args.connections, args.kind_duration, args.warmup, args.work)
    command = COMMAND + "".join(
        f" {flag} {value}"
        for flag, value, default in (
            ("--duration", args.duration, 60),
            ("--connections", args.connections, 64),
            ("--size", args.size, None),
            ("--kind-duration", args.kind_duration, 5),
            ("--warmup", args.warmup, 5),
        )
        if value != default
    )
    write_report(args.output, result, command)
    if result.mixed.server_errors or result.mixed.connection_errors:
        sys.exit(
            f"{result.mixed.server_errors} responses were 5xx and {result.mixed.connection_errors} connections "
            f"failed (see {args.output})"
        )


if __name__ == "__main__":
    main()
