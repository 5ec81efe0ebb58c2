"""Load test: the production server under a mix of every kind of request, for a bounded time, on loopback.

    python -m bench.load [--duration 60] [--connections 64] [--size N] [--kind-duration 5]
        [--front gunicorn|nginx|both] [--output BENCHMARKS.md]

Needs wrk (Debian: ``apt-get install wrk``), and nginx for ``--front nginx`` (Debian: ``nginx-light``). Serves the
bundled data (built into a temporary store), or with ``--size N`` the N synthetic releases of the build benchmark
(``var/bench/store-N``, bench/build.py), with ``publisher serve --production`` as a user gets it: gunicorn with its
default workers and threads, the memo of rendered responses on (PUBLISHER_RESPONSE_CACHE at its default), listening
on 127.0.0.1 at a free port. With ``--front nginx`` wrk loads the documented production set-up instead: Debian's
nginx, not run as root, on another free loopback port with the caching proxy that ``publisher nginx-config``
writes, in front of that server (started by ``bench.http.nginx_running``); ``--front both`` measures the one and
then the other, each with a server of its own, and reports them side by side. Then:

* **mixed run**: ``wrk`` with DURATION seconds at CONNECTIONS connections (one wrk thread each, so that the script
  knows which request each response answers), after a short warm-up run. Its Lua script (written by this module)
  cycles through a weighted mix of kinds of requests, each over many paths taken from the store's own IRIs:
  resource pages as HTML, as Turtle and JSON-LD (by ``Accept``), ``/id/`` IRIs (303), listings, the landing page,
  typical cheap SPARQL queries (GET; each made unique by a comment, so that every one runs its query), the JSON API
  with filters, full-text searches (``/suche?q=`` and ``/api/releases?q=``) and Triple Pattern Fragments. The
  script counts the responses by kind and status class and reports them from ``done()``, with the first paths that
  were not answered with 2xx/3xx; behind nginx, it also counts nginx's ``X-Cache-Status`` by kind, which shows
  the cache answering repeated requests (the unique SPARQL queries all pass through to the app). It also times
  each request, from ``request()`` (wrk writes the request as soon as it returns) to ``response()``, with
  ``clock_gettime(CLOCK_MONOTONIC)`` through LuaJIT's FFI, and keeps a histogram of latencies by kind and cache
  status (Latency: exact to the microsecond below EXACT_MICROSECONDS, to three significant digits above): each
  kind's p50, p90, p99 and max in the mixed run, on which the targets are judged. wrk's own summary corrects for
  coordinated omission (``stats_correct``: made-up requests for the time a slow response held a connection up),
  which cannot be split by kind; the script's histogram with the same correction applied must agree with it
  (AGREEMENT), which checks that each response is timed against its own request.
* **the same answers** (behind nginx): before the runs, up to COMPARED paths of each kind are asked of the app and
  of nginx; their status, media type and ``Location`` must be the same.
* **alone**: one short wrk run per kind (``--kind-duration`` seconds, the same connections, through the same
  set-up), for the requests/s the kind reaches alone and wrk's p50 and p99 of it: what the kind costs without the
  others, and without the mixed run's client threads. A run of one kind needs no thread per connection, so it runs
  as wrk is meant to: one thread per core (KIND_THREADS); 64 client threads on two cores take the cores from a
  server that answers tens of thousands of requests a second, and their waits for a core show up as its latency.
  Its threads each hold several connections, so the script does not time its requests: wrk's figures only.
* **memory**: the resident set of the server's whole process tree (gunicorn's master, its workers and their SPARQL
  query workers; shared pages counted in each process), and behind nginx that of nginx's processes too, sampled
  every second during the mixed run: at the start, after the first 10 s (the baseline), the maximum, the end, and
  the slope over the second half. It is flat when the end is within 10% (or 20 MiB) of the baseline.

wrk stops by itself; the harness stops it too after a hard timeout. It rewrites the section "Load" of the output and
exits with 1 when a target is not met in the mixed run (``targets``): a resource page's p50 (HTML; Turtle and
JSON-LD) over PAGE_P50_MS, the p99 of the cached responses (``cached``: behind nginx those its cache answered, for
the app alone the kinds it keeps in its memo) not under CACHED_P99_MS, the SPARQL queries' p50 over SPARQL_MS, any
5xx or failed connection, nginx answering otherwise than the app, or memory that is not flat.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

import pyoxigraph as ox

from bench.http import NGINX_WORKERS, free_port, nginx_binary, nginx_running, proxy_config, wait_for
from bench.report import machine, write_section
from bench.sparql import stop
from publisher.sparql.examples import EXAMPLES, PROLOGUE

ROOT = Path(__file__).resolve().parent.parent
COMMAND = "python -m bench.load"
#: wrk threads of a run of one kind: one per core of the machine.
KIND_THREADS = os.cpu_count() or 2
#: Seconds after the start of the mixed run at which the memory baseline is taken (less on short runs).
BASELINE_SECONDS = 10.0
#: Memory is flat when the end is within this share of the baseline, or within FLAT_MIB, whichever is more.
FLAT_SHARE = 0.10
FLAT_MIB = 20.0
#: What wrk loads: the app alone, or nginx's caching proxy in front of it (the documented production set-up).
FRONTS = {"gunicorn": "gunicorn alone", "nginx": "behind nginx"}
#: Paths of each kind (spread over its paths) asked of the app and of nginx in front of it, to compare the answers.
COMPARED = 20
#: Targets from the other benchmarks, in milliseconds.
PAGE_P50_MS = 10.0
CACHED_P99_MS = 20.0
SPARQL_MS = 100.0
#: Seconds wrk waits for one response before counting a timeout (beyond the SPARQL timeout of 10 s).
WRK_TIMEOUT = 30
#: The script keeps each latency exactly (in whole microseconds) below this, and above it to as many significant
#: digits as it has zeros (three: 1.23 ms, 12.3 ms ...), so that a run keeps at most a few thousand buckets a kind.
EXACT_MICROSECONDS = 1000
#: How far the script's latencies, with wrk's correction applied, may be from wrk's own p50 and p99 (a share).
AGREEMENT = 0.05
#: ... or by this many milliseconds, whichever is more: the script reads its clock in its own callbacks, a little
#: after wrk's writes and reads, and on a busy machine that differs by tens of microseconds at a time.
AGREEMENT_MS = 0.1
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
    #: Whether the app keeps its answers (in the memo of responses, fragments in their own), so that a repeated
    #: request is answered from them: what counts as cached for the app alone, which does not say what answered.
    kept: bool = False


@dataclass
class Latency:
    """How long requests took, from the request written to its response read: counts by bucket of microseconds, each
    bucket named by its lower bound (exact below EXACT_MICROSECONDS, to three significant digits above)."""

    buckets: dict[int, int] = field(default_factory=dict)

    @classmethod
    def merged(cls, parts: list[Latency]) -> Latency:
        total: dict[int, int] = {}
        for part in parts:
            for bucket, number in part.buckets.items():
                total[bucket] = total.get(bucket, 0) + number
        return cls(total)

    @staticmethod
    def _bucket(microseconds: float) -> int:
        width = 1
        while microseconds >= EXACT_MICROSECONDS * width:
            width *= 10
        return int(microseconds // width * width)

    @staticmethod
    def _value(bucket: int) -> float:
        """The latency a bucket stands for, in microseconds: its own below EXACT_MICROSECONDS, else its middle."""
        width = 1
        while bucket >= EXACT_MICROSECONDS * width:
            width *= 10
        return bucket if width == 1 else bucket + width / 2

    @property
    def count(self) -> int:
        return sum(self.buckets.values())

    def percentile_ms(self, share: float) -> float:
        """The latency of the request at ``share`` per cent (ranked as wrk ranks: the nearest rank above), in
        milliseconds; infinite when no request was timed."""
        count = self.count
        if not count:
            return math.inf
        rank = min(count, math.floor(share / 100 * count) + 1)
        seen = 0
        for bucket in sorted(self.buckets):
            seen += self.buckets[bucket]
            if seen >= rank:
                return self._value(bucket) / 1000
        raise AssertionError("unreachable: the ranks add up to the count")

    @property
    def max_ms(self) -> float:
        return self._value(max(self.buckets)) / 1000 if self.buckets else math.inf

    @property
    def mean_ms(self) -> float:
        count = self.count
        total = sum(self._value(bucket) * number for bucket, number in self.buckets.items())
        return total / count / 1000 if count else math.inf

    def corrected(self, interval_us: int) -> Latency:
        """The latencies as wrk summarises them: wrk corrects for coordinated omission (its ``stats_correct``), adding
        for each request that took at least two intervals (a connection's mean time per request) one request for
        each interval it held up, taking one, two, ... intervals less."""
        buckets = dict(self.buckets)
        if interval_us <= 0:
            return Latency(buckets)
        for bucket, number in self.buckets.items():
            value = self._value(bucket)
            if value < 2 * interval_us:
                continue
            held = value - interval_us
            while held > interval_us:
                shorter = self._bucket(held)
                buckets[shorter] = buckets.get(shorter, 0) + number
                held -= interval_us
        return Latency(buckets)


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
    #: nginx's cache status (HIT, MISS, EXPIRED ...) of the responses by kind; empty for the app alone.
    caches: dict[str, dict[str, int]] = field(default_factory=dict)
    connections: int = 0
    #: Each request's latency as the script timed it (runs with one thread per connection only), by kind and then
    #: by nginx's cache status ("-": none, the app alone).
    latencies: dict[str, dict[str, Latency]] = field(default_factory=dict)
    #: Requests whose connection was replaced before their answer came (untimed; wrk's check of the script, which
    #: calls ``request()`` once on the first thread before any connection, counts one), and answers that came
    #: without a request (none: each response is timed against its own request).
    unanswered: int = 0
    unpaired: int = 0

    @property
    def timed(self) -> bool:
        return bool(self.latencies)

    def latency(self, kind: str | None = None, caches: tuple[str, ...] | None = None) -> Latency:
        """The timed latencies of one kind (or all), of the responses with one of ``caches`` (or any) as nginx's
        cache status."""
        return Latency.merged(
            [
                latency
                for name, by_cache in self.latencies.items()
                if kind is None or name == kind
                for cache, latency in by_cache.items()
                if caches is None or cache in caches
            ]
        )

    @property
    def interval_us(self) -> int:
        """A connection's mean time per request, in whole microseconds, as wrk reckons it for its correction."""
        per_connection = self.requests // self.connections if self.connections else 0
        return int(self.seconds * 1e6 / per_connection) if per_connection else 0

    def agreement(self) -> list[tuple[int, float, float]]:
        """The timed latencies, with wrk's correction applied, beside wrk's own: (percentile, ours, wrk's) in ms."""
        corrected = self.latency().corrected(self.interval_us)
        return [(50, corrected.percentile_ms(50), self.p50_ms), (99, corrected.percentile_ms(99), self.p99_ms)]

    @property
    def agrees(self) -> bool:
        """Whether the timed latencies agree with wrk's own (within AGREEMENT, or AGREEMENT_MS for the shortest)."""
        return all(abs(ours - theirs) <= max(AGREEMENT * theirs, AGREEMENT_MS) for _p, ours, theirs in self.agreement())

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

    def hits(self, kind: str | None = None) -> tuple[int, int]:
        """Responses that nginx's cache answered (HIT), and all that carried a cache status, of one kind or all."""
        counts = [self.caches.get(kind, {})] if kind else list(self.caches.values())
        hits = sum(count.get("HIT", 0) for count in counts)
        return hits, sum(sum(count.values()) for count in counts)

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
    #: What wrk loaded: "gunicorn" (the app alone) or "nginx" (nginx's caching proxy in front of it).
    front: str = "gunicorn"
    #: The resident set of nginx's processes (master, workers, cache manager and loader), behind nginx.
    front_memory: Memory | None = None
    front_workers: int = 0
    #: Behind nginx: the paths of each kind asked of the app and of nginx, and each answer that differed.
    compared: dict[str, int] = field(default_factory=dict)
    differences: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return FRONTS[self.front]

    @property
    def clean(self) -> bool:
        """No 5xx, no failed connection, and (behind nginx) the same answers as the app's."""
        return not (self.mixed.server_errors or self.mixed.connection_errors or self.differences)


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
        Kind("page_html", "resource page, HTML", 3, [(f"/doc/{path}", "text/html") for path in ids], kept=True),
        Kind(
            "page_data",
            "resource page, Turtle / JSON-LD",
            3,
            [(f"/doc/{path}", accept) for path in ids for accept in ("text/turtle", "application/ld+json")],
            kept=True,
        ),
        Kind("redirect", "/id/ IRI (303 to its page)", 1, [(f"/id/{path}", "text/html") for path in ids]),
        Kind("listing", "listing", 1, [(f"/liste/{slug}", "text/html") for slug in LISTINGS], kept=True),
        Kind("landing", "landing page", 1, [("/", "text/html")], kept=True),
        Kind("sparql", "SPARQL query (GET, unique)", 2, sparql, unique=True),
        Kind("api", "JSON API with filters", 2, [(path, "application/json") for path in api], kept=True),
        Kind("search", "full-text search (page and API)", 2, search, kept=True),
        Kind("fragments", "Triple Pattern Fragments", 1, fragments, kept=True),
    ]
    if len(releases) > 1:
        kinds[3].requests.append(("/liste/pressemitteilungen?page=2", "text/html"))
    return kinds, int(manifest["triples"])


# ---------------------------------------------------------------- the wrk script

LUA = r"""-- written by bench/load.py: a weighted mix of kinds of requests, counted by kind and status class, and timed
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long seconds; long nanoseconds; } load_clock;
int clock_gettime(int clock, load_clock *now);
]]
local CLOCK_MONOTONIC = 1
local clock = ffi.new("load_clock")
-- latencies are kept exactly below EXACT microseconds, and to as many significant digits as EXACT has zeros above
local EXACT = EXACT_MICROSECONDS

local function microseconds()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, clock)
  return tonumber(clock.seconds) * 1000000 + tonumber(clock.nanoseconds) / 1000
end

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
  -- the run's own mark, so that a unique request of one run is not that of another (nor in a cache after it)
  run = args[2] or ""
  -- timed only with one connection per thread: then the thread knows which request a response answers
  timed = args[3] == "timed"
  latencies = {}
  sent_at = nil
  -- requests whose connection was replaced before they were answered (and wrk's check of this script, which calls
  -- request() once on the first thread), and answers without a request (none)
  unanswered = 0
  unpaired = 0
  statuses = {}
  caches = {}
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
    path = path .. "%0A%23%20request%20" .. run .. "-" .. number .. "-" .. sent
  end
  pending_kind = kind.name
  pending_path = entry[1]
  local formatted = wrk.format("GET", path, {["Accept"] = entry[2]})
  if timed then
    if sent_at then unanswered = unanswered + 1 end
    -- wrk writes the request as soon as this function returns
    sent_at = microseconds()
  end
  return formatted
end

function response(status, headers, body)
  local arrived = timed and microseconds()
  -- flat keys: wrk copies only flat tables from a thread to done()
  local key = pending_kind .. " " .. math.floor(status / 100) .. "xx"
  statuses[key] = (statuses[key] or 0) + 1
  -- what nginx's cache did (its X-Cache-Status); the app alone sends none
  local cache = headers["X-Cache-Status"]
  if cache then
    key = pending_kind .. " " .. cache
    caches[key] = (caches[key] or 0) + 1
  end
  if timed then
    if sent_at then
      -- a bucket of latencies, by kind and cache status: its lower bound in microseconds
      local waited = math.floor(arrived - sent_at)
      local width = 1
      while waited >= EXACT * width do width = width * 10 end
      key = pending_kind .. " " .. (cache or "-") .. " " .. math.floor(waited / width) * width
      latencies[key] = (latencies[key] or 0) + 1
      sent_at = nil
    else
      unpaired = unpaired + 1
    end
  end
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
  local cached = {}
  local failing = {}
  local timings = {}
  local lost, orphans = 0, 0
  for _, thread in ipairs(threads) do
    for key, number in pairs(thread:get("latencies")) do
      timings[key] = (timings[key] or 0) + number
    end
    lost = lost + thread:get("unanswered")
    orphans = orphans + thread:get("unpaired")
    for key, number in pairs(thread:get("statuses")) do
      total[key] = (total[key] or 0) + number
    end
    for key, number in pairs(thread:get("caches")) do
      cached[key] = (cached[key] or 0) + number
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
    caches = cached,
    failures = failing,
    latencies = timings,
    unanswered = lost,
    unpaired = orphans,
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
    text = (
        LUA.replace("KINDS", "{\n" + ",\n".join(entries) + "\n}")
        .replace("SCHEDULE", "{" + ", ".join(map(str, schedule)) + "}")
        .replace("EXACT_MICROSECONDS", str(EXACT_MICROSECONDS))
    )
    path.write_text(text, "utf-8")


def _latencies(flat: dict[str, float]) -> dict[str, dict[str, Latency]]:
    """The latencies the script reports (keyed "kind cache bucket"), by kind and then by nginx's cache status."""
    latencies: dict[str, dict[str, Latency]] = {}
    for key, number in flat.items():
        kind, cache, bucket = key.split(" ")
        latency = latencies.setdefault(kind, {}).setdefault(cache, Latency())
        latency.buckets[int(bucket)] = int(number)
    return latencies


def _by_kind(flat: dict[str, float]) -> dict[str, dict[str, int]]:
    """Counts keyed "kind class" as the script reports them (a status class, or a cache status), by kind and then
    by class."""
    statuses: dict[str, dict[str, int]] = {}
    for key, number in flat.items():
        kind, status_class = key.split(" ")
        statuses.setdefault(kind, {})[status_class] = int(number)
    return statuses


def wrk(port: int, script: Path, duration: int, connections: int, kind: str | None = None) -> Run:
    """One wrk run on loopback: the mix with one thread per connection (its requests timed by the script), one kind
    with one thread per core (only wrk's own latency); stopped after a hard timeout if it does not stop."""
    threads = connections if kind is None else min(connections, KIND_THREADS)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", f"{WRK_TIMEOUT}s"]
    command += ["-s", str(script), f"http://127.0.0.1:{port}"]
    # the script's arguments: the kind (none: the mix), a mark of this run for its unique requests, and whether
    # each thread has one connection, whose requests it can time
    command += ["--", kind or "", f"{time.time_ns():x}", "timed" if threads == connections else ""]
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
        caches=_by_kind(data["caches"]),
        failures={path: int(status) for path, status in data["failures"].items()},
        connections=connections,
        latencies=_latencies(data["latencies"]),
        unanswered=int(data["unanswered"]),
        unpaired=int(data["unpaired"]),
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
    """Samples the resident set of process trees (each its root's pid and its Memory) every second until stopped."""

    def __init__(self, trees: dict[int, Memory]) -> None:
        super().__init__(daemon=True)
        self.trees = trees
        self.halt = threading.Event()

    def run(self) -> None:
        started = time.monotonic()
        while True:
            for pid, memory in self.trees.items():
                mib, count = tree_rss(pid)
                memory.samples.append((time.monotonic() - started, mib, count))
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
        stop(server)


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
    fronts: tuple[str, ...] = ("gunicorn",),
) -> list[LoadResult]:
    """The whole load test, once per front, one after the other on the same store; see the module's documentation."""
    with tempfile.TemporaryDirectory(prefix="publisher-load-store-") as tmp:
        store = prepare_store(size, work, Path(tmp))
        return [measure(store, size, duration, connections, kind_duration, warmup, front) for front in fronts]


def _answer(port: int, path: str, accept: str) -> str:
    """The status, media type and Location of the answer to a GET, without following a redirect."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers={"Accept": accept})
        response = connection.getresponse()
        response.read()
        media_type = (response.getheader("Content-Type") or "").split(";")[0]
        return f"{response.status} {media_type} {response.getheader('Location') or ''}".strip()
    finally:
        connection.close()


def compare(app: int, front: int, kinds: list[Kind]) -> tuple[dict[str, int], list[str]]:
    """Up to COMPARED paths of each kind, spread over its paths, asked of the app and then of nginx in front of it:
    the number compared by kind, and each path whose status, media type or Location differ."""
    compared: dict[str, int] = {}
    differences: list[str] = []
    for kind in kinds:
        requests = kind.requests[:: max(1, math.ceil(len(kind.requests) / COMPARED))]
        for path, accept in requests:
            direct, proxied = _answer(app, path, accept), _answer(front, path, accept)
            if direct != proxied:
                differences.append(f"{kind.name} {path} ({accept}): {direct} from the app, {proxied} from nginx")
        compared[kind.name] = len(requests)
    return compared, differences


def measure(
    store: Path,
    size: int | None,
    duration: int,
    connections: int,
    kind_duration: int,
    warmup: int,
    front: str = "gunicorn",
) -> LoadResult:
    """The load test on the built ``store`` (of ``size`` synthetic releases, or None: the bundled data), wrk loading
    the app alone (``front`` "gunicorn") or nginx's caching proxy in front of it ("nginx")."""
    from publisher.web.server import DEFAULT_THREADS

    if front not in FRONTS:
        raise ValueError(f"no front {front!r}: one of {', '.join(FRONTS)}")
    # the stack ends nginx and the server before the folder they use goes
    with tempfile.TemporaryDirectory(prefix="publisher-load-") as tmp, ExitStack() as stack:
        folder = Path(tmp)
        kinds, triples = choose_kinds(store)
        script = folder / "load.lua"
        write_script(kinds, script)
        server, port = stack.enter_context(serving(store, folder / "server.log"))
        check(port, kinds)
        workers = len(_children(server.pid))
        baseline_at = min(BASELINE_SECONDS, duration / 3)
        memory = Memory(baseline_at=baseline_at)
        trees = {server.pid: memory}
        front_memory: Memory | None = None
        compared: dict[str, int] = {}
        differences: list[str] = []
        if front == "nginx":
            folder.chmod(0o755)  # nginx does not run as root, and enters this folder for its own
            (folder / "nginx").mkdir()
            app, port = port, free_port()
            nginx = stack.enter_context(nginx_running(proxy_config(folder / "nginx", port, app)))
            wait_for(f"http://127.0.0.1:{port}/context.jsonld", seconds=30)
            compared, differences = compare(app, port, kinds)
            front_memory = Memory(baseline_at=baseline_at)
            trees[nginx] = front_memory
        if warmup:
            wrk(port, script, warmup, connections)
        sampler = Sampler(trees)
        sampler.start()
        try:
            mixed = wrk(port, script, duration, connections)
        finally:
            sampler.halt.set()
            sampler.join()
        print(_summary(f"{front} mixed", mixed), file=sys.stderr)
        per_kind: dict[str, Run] = {}
        if kind_duration:
            for kind in kinds:
                per_kind[kind.name] = wrk(port, script, kind_duration, connections, kind.name)
                print(_summary(f"{front} {kind.name}", per_kind[kind.name]), file=sys.stderr)
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
        front=front,
        front_memory=front_memory,
        front_workers=NGINX_WORKERS if front == "nginx" else 0,
        compared=compared,
        differences=differences,
    )


def _summary(name: str, load: Run) -> str:
    classes = ", ".join(f"{c} {n}" for c, n in sorted(load.by_class().items()))
    hits, cached = load.hits()
    cache = f"; nginx's cache {hits} HIT of {cached}" if cached else ""
    timed = ""
    if load.timed:
        latency = load.latency()
        timed = f" timed p50 {latency.percentile_ms(50):8.2f} ms p99 {latency.percentile_ms(99):8.2f} ms"
    return (
        f"{name:20} {load.requests:8} requests {load.rate:8.0f} req/s wrk p50 {load.p50_ms:8.2f} ms "
        f"p99 {load.p99_ms:8.2f} ms{timed} ({classes}; errors {load.errors}{cache})"
    )


# ---------------------------------------------------------------- the report


def _ms(value: float) -> str:
    if math.isinf(value):
        return "none answered within the run"
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.2f} ms"


def _share(part: int, whole: int) -> str:
    return f"{part:,} of {whole:,} ({part / whole:.0%})" if whole else "none"


#: What counts as cached behind nginx: the responses its cache answered without asking the app.
NGINX_CACHED = ("HIT",)


def cached(result: LoadResult) -> tuple[Latency, str]:
    """The latencies of the cached responses of the mixed run, and what they are: behind nginx every response that
    nginx's cache answered (``X-Cache-Status: HIT``), whatever its kind; the app alone does not say which responses
    its memo answered, so there the responses of the kinds whose repeated requests it answers from what it keeps."""
    if result.front == "nginx":
        return result.mixed.latency(caches=NGINX_CACHED), "responses nginx's cache answered, `X-Cache-Status: HIT`"
    kept = [kind for kind in result.kinds if kind.kept]
    latency = Latency.merged([result.mixed.latency(kind.name) for kind in kept])
    titles = "; ".join(kind.title for kind in kept)
    return latency, (
        "responses of the kinds whose repeated requests the app answers from what it keeps after their first time"
        f" (its memo of responses, fragments their own renderings): {titles}"
    )


@dataclass(frozen=True)
class Target:
    """One target of one set-up: what it asks, whether the mixed run met it, and the figures that say so."""

    name: str
    met: bool
    figures: str
    #: What the figures are of, where the name does not say it.
    of: str = ""

    def __str__(self) -> str:
        of = f" over {self.of}" if self.of else ""
        return f"{self.name}: {'met' if self.met else 'not met'} ({self.figures}{of})"


def targets(result: LoadResult) -> list[Target]:
    """The targets that apply to one set-up, each with whether the mixed run met it."""
    found: list[Target] = []
    mixed = result.mixed
    if mixed.timed:
        for kind in result.kinds:
            if kind.name in ("page_html", "page_data"):
                p50 = mixed.latency(kind.name).percentile_ms(50)
                found.append(Target(f"{kind.title}, p50 at most {PAGE_P50_MS:g} ms", p50 <= PAGE_P50_MS, _ms(p50)))
        latency, what = cached(result)
        p99 = latency.percentile_ms(99)
        found.append(
            Target(
                f"cached responses, p99 under {CACHED_P99_MS:g} ms",
                p99 < CACHED_P99_MS,
                _ms(p99),
                f"{latency.count:,} {what}",
            )
        )
        if any(kind.name == "sparql" for kind in result.kinds):
            sparql = mixed.latency("sparql")
            p50 = sparql.percentile_ms(50)
            found.append(
                Target(
                    f"typical SPARQL queries, median at most {SPARQL_MS:g} ms", p50 <= SPARQL_MS, _percentiles(sparql)
                )
            )
    found.append(
        Target(
            "no 5xx and no connection errors",
            not mixed.server_errors and not mixed.connection_errors,
            f"{mixed.server_errors} 5xx, {mixed.connection_errors} connection errors",
        )
    )
    if result.front == "nginx":
        found.append(
            Target(
                "the same answers through nginx as from the app",
                not result.differences,
                f"{len(result.differences)} of {sum(result.compared.values())} paths differ",
            )
        )
    trees = [("", result.memory)]
    if result.front_memory is not None:
        trees = [(" of the app", result.memory), (" of nginx", result.front_memory)]
    for owner, memory in trees:
        found.append(
            Target(
                f"memory{owner} flat (the end within {FLAT_SHARE:.0%} or {FLAT_MIB:g} MiB of the baseline)",
                memory.flat,
                f"{memory.end - memory.baseline:+.0f} MiB",
            )
        )
    return found


def verdicts(result: LoadResult) -> list[str]:
    """The targets that apply to one set-up, each met or not, with the figures that say so."""
    return [str(target) for target in targets(result)]


def unmet(result: LoadResult) -> list[str]:
    """The targets one set-up did not meet, with their figures."""
    return [f"{target.name} ({target.figures})" for target in targets(result) if not target.met]


def _queueing(results: list[LoadResult]) -> list[str]:
    """What the connections alone add to latency: with every connection waiting, a request waits for the others."""
    waits = [
        f"{result.connections} / {result.mixed.rate:,.0f} per s = {result.connections / result.mixed.rate * 1000:.1f} "
        f"ms {result.title} (the timed mean: {_ms(result.mixed.latency().mean_ms)})"
        for result in results
        if result.mixed.timed and result.mixed.rate
    ]
    if not waits:
        return []
    return [
        f"With {results[0].connections} connections always waiting, a request's latency is mostly its wait behind the "
        "others, and the mean latency of the mixed run is connections over throughput (Little's law), whatever the "
        "kind: " + "; ".join(waits) + ". Only what a front answers without queueing at the app (nginx's cache) "
        "can be faster than that mean.",
        "",
    ]


def _memory(memory: Memory) -> str:
    return (
        f"{memory.start:,.0f} MiB at the start, {memory.baseline:,.0f} MiB after {memory.baseline_at:.0f} s, at "
        f"most {memory.peak:,.0f} MiB, {memory.end:,.0f} MiB at the end; over the second half "
        f"{memory.slope:+.1f} MiB/min"
    )


def _processes(memory: Memory) -> str:
    low, high = memory.processes
    return str(low) if low == high else f"{low}–{high}"


def _percentiles(latency: Latency) -> str:
    return f"p50 {_ms(latency.percentile_ms(50))}, p99 {_ms(latency.percentile_ms(99))}"


def _mixed(result: LoadResult) -> str:
    mixed = result.mixed
    classes = mixed.by_class()
    line = (
        f"**Mixed run, {result.title}**: {result.duration} s at {result.connections} connections over "
        f"{result.paths:,} paths, after a warm-up run of {result.warmup} s: {mixed.requests:,} requests, "
        f"{mixed.rate:,.0f} requests/s, each request timed: {_percentiles(mixed.latency())}, at most "
        f"{_ms(mixed.latency().max_ms)}. Responses: "
        + ", ".join(f"{c} {n:,}" for c, n in sorted(classes.items()))
        + f"; 5xx: {mixed.server_errors}; connection errors (connect, read, write, timeout): "
        f"{mixed.connection_errors}."
    )
    if result.front == "nginx":
        hits, all_ = mixed.hits()
        line += f" From nginx's cache (`X-Cache-Status: HIT`): {_share(hits, all_)}."
        statuses = sorted({cache for by_cache in mixed.latencies.values() for cache in by_cache})
        line += (
            " By nginx's cache status, all kinds: "
            + "; ".join(
                f"{cache} {latency.count:,}: {_percentiles(latency)}, at most {_ms(latency.max_ms)}"
                for cache in statuses
                if (latency := mixed.latency(caches=(cache,))).count
            )
            + "."
        )
    if mixed.failures:
        line += " Not answered with 2xx/3xx (the first ones): " + "; ".join(sorted(mixed.failures)) + "."
    ours = ", ".join(f"p{share} {_ms(value)}" for share, value, _wrk in mixed.agreement())
    theirs = ", ".join(f"p{share} {_ms(value)}" for share, _ours, value in mixed.agreement())
    line += (
        f" wrk's own summary: {theirs}; the script's timings with wrk's correction applied: {ours} "
        f"({'agree' if mixed.agrees else 'do not agree'} within {AGREEMENT:.0%})."
    )
    return line


def write_report(output: Path, results: list[LoadResult], command: str) -> None:
    """The section "Load" of ``output``: each set-up's results (measured on the same store), side by side."""
    first = results[0]
    fronted = [result for result in results if result.front == "nginx"]
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()[0]
    data = (
        "the bundled data"
        if first.size is None
        else f"{first.size:,} synthetic releases (the build benchmark's, `var/bench/store-{first.size}`)"
    )
    server = (
        f"`publisher serve --production` as a user gets it ({first.workers} gunicorn worker processes with "
        f"{first.threads} threads each, the memo of responses on)"
    )
    setups = f"{data[0].upper()}{data[1:]} ({first.triples:,} triples), served on loopback by {server}"
    if fronted:
        nginx_version = subprocess.run([nginx_binary() or "nginx", "-v"], capture_output=True, text=True).stderr
        setups += (
            (", alone, and" if len(results) > 1 else "")
            + f" behind nginx ({nginx_version.strip().removeprefix('nginx version: ')}, {fronted[0].front_workers}"
            " worker processes, not run as root) with the caching proxy that `publisher nginx-config` writes, the"
            " documented production set-up: there wrk loads nginx. Each set-up is measured with a server of its own"
        )
    intro = (
        "(or `python -m bench --only load`, gunicorn alone; needs `wrk`, and `nginx` for `--front nginx` or "
        f"`--front both`); it rewrites this section. {setups}. `wrk` with one thread per "
        "connection and a Lua script (written by `bench/load.py`) that cycles through a weighted mix of requests "
        "over the store's own resources, and counts every response by kind and status class"
        + (" (and by nginx's `X-Cache-Status`)" if fronted else "")
        + ". SPARQL queries carry a unique comment each, so that every one runs its query"
        + (" (behind nginx, every SPARQL GET passes through to the app: a `MISS`)" if fronted else "")
        + "; every other request may be answered from the memo"
        + (" or nginx's cache" if fronted else "")
        + " after its first time"
        + ". The script times every request of the mixed run itself, from writing it to reading its response"
        + " (LuaJIT's FFI reads the monotonic clock to the microsecond; with one connection per thread, a thread"
        + " knows which request a response answers), and keeps a histogram of the latencies of each kind"
        + (" and cache status" if fronted else "")
        + ", exact to the microsecond below 1 ms and to three significant digits above: the p50, p90, p99 and max of"
        + " each kind in the mixed run are from it, and the targets are judged on them. wrk's own summary covers the"
        + " whole run only and corrects for coordinated omission (for each request that took at least two of a"
        + " connection's mean intervals per request, it adds one made-up request for each interval held up, so that"
        + " a few slow responses among fast ones raise its p99 far beyond that of the requests made); it is given"
        + " beside the script's timings with the same correction applied, as a check of the timings"
        + (
            f". After the mixed run, one {first.kind_duration} s run per kind alone at the same connections (with "
            f"{KIND_THREADS} wrk threads, one per core: a run of one kind needs no thread per connection, and 64 "
            "client threads take the cores from the server)"
            + (", through the same set-up," if fronted else "")
            + " gives the requests/s the kind reaches alone and wrk's p50 and p99 of it (corrected as above):"
            " what the kind costs without the others and with fewer client threads"
            if first.kind_duration
            else ""
        )
        + ". Client and "
        + ("servers" if fronted else "server")
        + " share the machine's cores."
    )
    lines = [
        "## Load",
        "",
        f"Reproduce with `{command}`",
        *textwrap.wrap(intro, width=116, break_on_hyphens=False, break_long_words=False),
        "",
        f"Machine: {machine()}; {wrk_version.split(' [')[0]}.",
        f"Measured: {time.strftime('%Y-%m-%d')}.",
        "",
    ]
    for result in results:
        lines += [_mixed(result), ""]
    cache_column = bool(fronted)
    lines += [
        "| kind | weight | paths | set-up | in the mixed run | 2xx / 3xx | 4xx | 5xx | "
        + ("from nginx's cache | " if cache_column else "")
        + "p50 | p90 | p99 | max | alone: requests/s | p50 | p99 |",
        "|---|---:|---:|---|---:|---:|---:|---:|"
        + ("---:|" if cache_column else "")
        + "---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind in first.kinds:
        for result in results:
            counts = result.mixed.statuses.get(kind.name, {})
            good = counts.get("2xx", 0) + counts.get("3xx", 0)
            latency = result.mixed.latency(kind.name)
            mixed = " | ".join(_ms(latency.percentile_ms(share)) for share in (50, 90, 99))
            mixed += f" | {_ms(latency.max_ms)}"
            alone = result.per_kind.get(kind.name)
            timing = "– | – | –"
            if alone:
                timing = f"{alone.rate:,.0f} | {_ms(alone.latency_ms(50))} | {_ms(alone.latency_ms(99))}"
            cache = ""
            if cache_column:
                cache = f"{_share(*result.mixed.hits(kind.name))} | " if result.front == "nginx" else "– | "
            lines.append(
                f"| {kind.title} | {kind.weight} | {len(kind.requests):,} | {result.title} "
                f"| {sum(counts.values()):,} | {good:,} | {counts.get('4xx', 0):,} | {counts.get('5xx', 0):,} "
                f"| {cache}{mixed} | {timing} |"
            )
    for result in fronted:
        by_kind = {kind.title: result.mixed.hits(kind.name) for kind in first.kinds}
        passed = [title for title, (hits, cached) in by_kind.items() if cached and not hits]
        if passed:
            lines += ["", f"Behind nginx, never from its cache in the mixed run (no `HIT`): {', '.join(passed)}."]
        same = (
            "the same status, media type and `Location` for every one"
            if not result.differences
            else f"{len(result.differences)} differ: " + "; ".join(result.differences[:10])
        )
        lines += [
            "",
            f"**The same answers through nginx**: {sum(result.compared.values())} paths (up to {COMPARED} of each "
            f"kind, spread over its paths) asked of the app and then of nginx in front of it: {same}.",
        ]
    lines += ["", "**Memory**, sampled every second during the mixed run (pages that processes share counted in each):"]
    for result in results:
        memory = result.memory
        lines.append(
            f"* {result.title}: the server's process tree ({_processes(memory)} processes: gunicorn's master, its "
            f"workers and their SPARQL query workers): {_memory(memory)}"
            + (";" if result.front_memory is not None else ".")
        )
        if result.front_memory is not None:
            lines.append(
                f"  nginx's processes ({_processes(result.front_memory)}: master, workers, cache manager and loader):"
                f" {_memory(result.front_memory)}."
            )
    lines += ["", *_queueing(results)]
    for result in results:
        lines += [f"Targets, {result.title}: " + "; ".join(verdicts(result)) + ".", ""]
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
    parser.add_argument(
        "--front",
        choices=[*FRONTS, "both"],
        default="gunicorn",
        help="what wrk loads: the app alone, nginx's caching proxy in front of it, or both one after the other",
    )
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    fronts = tuple(FRONTS) if args.front == "both" else (args.front,)
    if "nginx" in fronts and nginx_binary() is None:
        sys.exit("nginx is not installed (Debian: apt-get install nginx-light)")
    results = run(args.size, args.duration, args.connections, args.kind_duration, args.warmup, args.work, fronts)
    command = COMMAND + "".join(
        f" {flag} {value}"
        for flag, value, default in (
            ("--duration", args.duration, 60),
            ("--connections", args.connections, 64),
            ("--size", args.size, None),
            ("--kind-duration", args.kind_duration, 5),
            ("--warmup", args.warmup, 5),
            ("--front", args.front, "gunicorn"),
        )
        if value != default
    )
    write_report(args.output, results, command)
    failed = [result for result in results if unmet(result)]
    if failed:
        sys.exit(
            "targets not met: "
            + "; ".join(f"{result.title}: {', '.join(unmet(result))}" for result in failed)
            + f" (see {args.output})"
        )


if __name__ == "__main__":
    main()
