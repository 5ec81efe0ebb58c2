"""Landing page benchmark: the landing page with its timeline, rendered for every request, at 10,000 releases.

    python -m bench.landing [--size 10000] [--requests 200] [--output BENCHMARKS.md]

The synthetic releases of the build benchmark (bench/generate.py) are built into their store (``var/bench/store-N``,
a no-op when it is up to date; bench/build.py) and served by ``publisher serve --production`` with
PUBLISHER_RESPONSE_CACHE=0, so that every request renders the page. On one keep-alive connection: the first request
(which reads what the page counts, and the timeline's index of releases from the facts the build wrote beside the
state, once per published state; reported for every page, and stated for the landing page against its aim), then,
after a warm-up, REQUESTS sequential requests each for the page unfiltered and with filters of the timeline; p50 and
p99, and the CPU time the server's processes used per request. Each answer is checked: its timeline's bars add up to
the number of releases (unfiltered) or to fewer (filtered).

Then, not timed, the maps: the landing page's map names each of the 12 Bezirke and marks and links exactly the
areas the store's releases are about (by SPARQL), an area's and a release's page have their maps, with the text
alternative and the data links, and every link of these maps answers 200. A failed check ends the benchmark with
a message and a non-zero exit.
"""

from __future__ import annotations

import argparse
import html
import http.client
import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from bench.http import free_port
from bench.pages import _select, doc_path, start_server, tree_cpu
from bench.report import machine, median_ms, percentile_ms, write_section
from bench.sparql import Client, base_uri, engine_folder, prepare, stop

ROOT = Path(__file__).resolve().parent.parent
COMMAND = "python -m bench.landing"
#: The target: the median of the landing page, rendered for every request, in milliseconds.
TARGET_MS = 50.0
#: The aim for the first request of the landing page after the server started, in milliseconds.
FIRST_TARGET_MS = 500.0
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
        failed = check_maps(port, store)
    finally:
        stop(server)
    if failed:
        sys.exit("the maps are not what the data says:\n" + "\n".join(failed))
    if timed[0].releases != size or not all(0 < page.releases < size for page in timed[1:]):
        sys.exit(f"the timelines do not add up: {[(page.path, page.releases) for page in timed]}")
    return timed


# ---------------------------------------------------------------- the maps (checked, not timed)

#: The parts of a map (publisher/web/templates/_map.html).
_MAP = re.compile(r'<section class="map".*?</section>', re.S)
_SVG = re.compile(r'<svg [^>]*class="map".*?</svg>', re.S)
_SVG_TITLE = re.compile(r'<title id="karte-titel">([^<]+)</title>\s*<desc id="karte-beschreibung">([^<]+)</desc>')
_SHAPE = re.compile(r'<a href="([^"]*)" class="([^"]*)"><title>([^<]*)</title><path d="M')
_LISTED = re.compile(r'<details class="map-list"><summary>[^<(]*\((\d+)\)</summary>(.*?)</details>', re.S)
_DATA = re.compile(r'<p class="meta">Daten der Karte: (.*?)</p>', re.S)
_HREF = re.compile(r'href="([^"]*)"')
_GEO = "PREFIX geo: <http://www.opengis.net/ont/geosparql#>\n"
#: The areas the releases are about, with whether they have an outline of their own.
_COVERED = """SELECT DISTINCT ?area ?own WHERE {
  ?release a pm:PressRelease ; schema:spatialCoverage ?area .
  BIND(EXISTS { ?area geo:hasGeometry ?geometry } AS ?own)
}"""
#: The outlined areas that may show an area without an outline of its own: those containing it, those it contains.
_SHOWN_BY = """SELECT DISTINCT ?area ?shape WHERE {
  ?release a pm:PressRelease ; schema:spatialCoverage ?area .
  FILTER NOT EXISTS { ?area geo:hasGeometry ?own }
  { ?area schema:containedInPlace+ ?shape } UNION { ?shape schema:containedInPlace ?area }
  ?shape geo:hasGeometry ?geometry .
}"""
_BEZIRKE = "SELECT ?bezirk (MIN(?name) AS ?named) WHERE { ?bezirk a pm:Bezirk ; schema:name ?name } GROUP BY ?bezirk"
#: The area most releases are about, and the newest release about an area: the pages whose maps are checked.
_MOST_COVERED = """SELECT ?area (COUNT(?release) AS ?n) WHERE {
  ?release a pm:PressRelease ; schema:spatialCoverage ?area
} GROUP BY ?area ORDER BY DESC(?n) ?area LIMIT 1"""
_NEWEST_COVERING = """SELECT ?release WHERE {
  ?release a pm:PressRelease ; schema:datePublished ?date ; schema:spatialCoverage ?area
} ORDER BY DESC(?date) DESC(?release) LIMIT 1"""


@dataclass
class MapPage:
    """The map of one page, taken apart."""

    path: str
    title: str = ""
    desc: str = ""
    #: The shapes drawn with a link: (href, CSS classes, tooltip).
    shapes: list[tuple[str, str, str]] = field(default_factory=list)
    #: The number the list beside the map announces, and the links of its entries.
    announced: int = -1
    listed: list[str] = field(default_factory=list)
    data_links: list[str] = field(default_factory=list)
    links: set[str] = field(default_factory=set)


def read_map(path: str, body: bytes, failed: list[str]) -> MapPage | None:
    """The map of the page at ``path``; None (and what is missing in ``failed``) when it has none or lacks a part."""
    text = body.decode("utf-8")
    section = _MAP.search(text)
    svg = _SVG.search(section.group(0)) if section else None
    if section is None or svg is None:
        failed.append(f"{path}: no map (no SVG in a map section)")
        return None
    found = MapPage(path)
    alternative = _SVG_TITLE.search(svg.group(0))
    if alternative is None:
        failed.append(f"{path}: the map's SVG has no title and description (its text alternative)")
    else:
        found.title, found.desc = html.unescape(alternative.group(1)), html.unescape(alternative.group(2))
    found.shapes = [(html.unescape(h), c, html.unescape(t)) for h, c, t in _SHAPE.findall(svg.group(0))]
    listed = _LISTED.search(section.group(0))
    if listed is None:
        failed.append(f"{path}: the map has no list of its areas (its text alternative)")
    else:
        found.announced = int(listed.group(1))
        found.listed = [html.unescape(h) for h in _HREF.findall(listed.group(2))]
    data = _DATA.search(section.group(0))
    found.data_links = [html.unescape(h) for h in _HREF.findall(data.group(1))] if data else []
    if not found.data_links:
        failed.append(f"{path}: the map has no data links")
    found.links = {html.unescape(h) for h in _HREF.findall(section.group(0))}
    return found


def _fetch(connection: http.client.HTTPConnection, path: str, accept: str) -> tuple[int, str, bytes]:
    connection.request("GET", path, headers={"Accept": accept})
    response = connection.getresponse()
    return response.status, response.getheader("Content-Type", ""), response.read()


def check_landing_map(page: MapPage, engine: ox.Store, base: str, failed: list[str]) -> None:
    """The city map names the 12 Bezirke, and marks and links exactly the areas the releases are about."""
    bezirke = {doc_path(row[0], base, ""): row[1] for row in _select(engine, _BEZIRKE)}
    drawn = {href: title for href, css, title in page.shapes if "map-district" in css.split()}
    if len(bezirke) != 12 or set(drawn) != set(bezirke):
        failed.append(f"/: the map draws {len(drawn)} Bezirke, the data has {len(bezirke)}: {sorted(drawn)}")
    failed += [
        f"/: the map's Bezirk {path} is not named {name!r}: {drawn[path]!r}"
        for path, name in bezirke.items()
        if path in drawn and not drawn[path].startswith(f"Bezirk {name}")
    ]
    covered = {row[0]: row[1] == "true" for row in _select(engine, _GEO + _COVERED)}
    expected = {doc_path(iri, base, "") for iri in covered}
    if set(page.listed) != expected or page.announced != len(expected) or len(page.listed) != len(expected):
        failed.append(
            f"/: the map lists {page.announced} areas and links {len(set(page.listed))}, the releases are about "
            f"{len(expected)}; missing: {sorted(expected - set(page.listed))[:5]}, "
            f"extra: {sorted(set(page.listed) - expected)[:5]}"
        )
    marked = {href for href, css, _title in page.shapes if "map-marked" in css.split()}
    own = {doc_path(iri, base, "") for iri, has_outline in covered.items() if has_outline}
    candidates: dict[str, set[str]] = {}
    for area, shape in _select(engine, _GEO + _SHOWN_BY):
        candidates.setdefault(doc_path(area, base, ""), set()).add(doc_path(shape, base, ""))
    if own - marked:
        failed.append(f"/: areas with an outline that releases are about are not marked: {sorted(own - marked)[:5]}")
    unshown = [
        doc_path(iri, base, "")
        for iri, has_outline in covered.items()
        if not has_outline
        and candidates.get(doc_path(iri, base, ""))
        and not candidates[doc_path(iri, base, "")] & marked
    ]
    if unshown:
        failed.append(f"/: areas without an outline are marked by none of the areas around them: {unshown[:5]}")
    explained = own | {shape for shapes in candidates.values() for shape in shapes}
    if marked - explained:
        failed.append(f"/: the map marks areas no release is about: {sorted(marked - explained)[:5]}")
    named = {title.split(" – ")[0] for href, _css, title in page.shapes if href in marked}
    if not marked or not all(name in page.desc for name in named):
        failed.append(f"/: the map's description does not name what it marks ({len(marked)} marked): {page.desc!r}")


def check_map_links(connection: http.client.HTTPConnection, pages: list[MapPage], failed: list[str]) -> int:
    """Every link of the maps answers 200 (GeoJSON links with GeoJSON); the number of links followed."""
    links = sorted({link for page in pages for link in page.links if link.startswith("/")})
    for link in links:
        geojson = link.endswith(".geojson")
        status, content_type, body = _fetch(connection, link, "application/geo+json" if geojson else "text/html")
        if status != 200:
            failed.append(f"{link}: linked from a map, answers {status}")
        elif geojson and (content_type != "application/geo+json" or json.loads(body).get("type") != "Feature"):
            failed.append(f"{link}: linked from a map as GeoJSON, answers {content_type}")
    return len(links)


def check_maps(port: int, store: Path) -> list[str]:
    """What is wrong with the maps of the server at ``port`` (serving ``store``): the landing page's, an area's and
    a release's; nothing when they are as the data says."""
    failed: list[str] = []
    engine = ox.Store.read_only(engine_folder(store))
    base = base_uri(store)
    area = _select(engine, _MOST_COVERED)
    release = _select(engine, _NEWEST_COVERING)
    paths = ["/"] + [doc_path(rows[0][0], base, ".html") for rows in (area, release) if rows]
    if len(paths) < 3:
        failed.append("the store has no release about an area: no area or release map to check")
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        pages = []
        for path in paths:
            status, _type, body = _fetch(connection, path, "text/html")
            found = read_map(path, body, failed) if status == 200 else None
            if status != 200:
                failed.append(f"{path}: answers {status}")
            if found is None:
                continue
            pages.append(found)
            if path != "/" and not any(link.endswith(".geojson") for link in found.data_links):
                failed.append(f"{path}: the map's data links name no GeoJSON")
            if path != "/" and not any("map-marked" in css.split() for _h, css, _t in found.shapes):
                failed.append(f"{path}: the map marks nothing")
        if pages and pages[0].path == "/":
            check_landing_map(pages[0], engine, base, failed)
        followed = check_map_links(connection, pages, failed)
    finally:
        connection.close()
    landing = pages[0] if pages and pages[0].path == "/" else MapPage("/")
    print(
        f"maps: {len(pages)} pages with a map; the landing page's draws "
        f"{sum('map-district' in css.split() for _h, css, _t in landing.shapes)} Bezirke, marks "
        f"{sum('map-marked' in css.split() for _h, css, _t in landing.shapes)} areas and lists {len(landing.listed)}; "
        f"{followed} links followed; {len(failed)} problems",
        file=sys.stderr,
    )
    return failed


def write_report(output: Path, size: int, timed: list[Timed], requests: int, command: str) -> None:
    lines = [
        "## Landing page",
        "",
        f"Reproduce with `{command}`; it rewrites this section. The synthetic releases of the build benchmark,",
        "built into a store and served by `publisher serve --production` with `PUBLISHER_RESPONSE_CACHE=0`, so that",
        "every request renders the landing page with its timeline (releases per month), its filter form and, where",
        "they are wired, the other pictures. One keep-alive connection, sequential requests: the first after the",
        "server started (it reads the counts, and the timeline's index of every release from the facts the build",
        "wrote beside the state, `charts.sqlite`; once per published state and server process), then, after a warm-up, "
        f"{requests} per page: p50 and p99, and the CPU time the server's processes used per request.",
        "A filtered timeline is counted from the index once per state and filter and kept (a bounded LRU).",
        "The maps were checked (not timed): the landing page's names the 12 Bezirke and marks and lists exactly the",
        "areas the releases are about (by SPARQL), an area's and a release's page have theirs with their text",
        "alternative and GeoJSON data links, and every link of these maps answers 200.",
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
    first = timed[0].first * 1000
    lines += [
        "",
        f"Target: the landing page in at most {TARGET_MS:g} ms (p50) at {size:,} releases: {verdict}.",
        f"The first request of the landing page after the server started took {first:,.0f} ms "
        f"(aim: at most {FIRST_TARGET_MS:g} ms: {'met' if first <= FIRST_TARGET_MS else 'not met'}).",
        "",
    ]
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
