"""Pictures of the published releases: a timeline (releases per month) and a relationship view (what appears
together with an organisation, a person or a programme in releases), both rendered on the server as inline SVG.

Everything the pictures show comes from one index per published state (``ReleaseIndex``): each release's month
and what it links to, read with a few SPARQL queries the first time a page asks, and kept until the store's
version changes. A timeline for a filter (programme, organisation, area) and a resource's relations are computed
from that index and kept in bounded least-recently-used maps, so a page with a picture costs a look-up.

The filters mean what the JSON API's release filters mean (``/api/releases``): ``programm`` releases about or
mentioning the programme or one of its phases (``schema:about|schema:mentions``, then
``schema:parentOrganization*``), ``organisation`` releases published by or mentioning the organisation or one of
its units (``schema:publisher|schema:mentions``, then ``schema:parentOrganization*``), ``gebiet`` releases
concerning the area or an area within it (``schema:spatialCoverage``, then ``schema:containedInPlace*``). Each
picture links the SPARQL query that gives its numbers.
"""

from __future__ import annotations

import csv
import gc
import io
import math
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import urlencode

from flask import Flask, current_app, render_template, request, url_for
from markupsafe import Markup
from rdflib import URIRef
from rdflib.namespace import RDF

from publisher.cache import LruCache
from publisher.charts_index import LINKS, Facts, read_facts
from publisher.charts_index import current as current_index
from publisher.errors import HttpError
from publisher.ingest.dates import month_names
from publisher.namespaces import AREA_CLASSES, PM, SDO
from publisher.resources import Description, sparql_iri
from publisher.store import Store
from publisher.web.pages import Linker, german_number
from publisher.web.state import published

#: Organisation classes of the relationship view (programmes and their phases are shown as programmes).
ORGANISATIONS = frozenset(
    str(c)
    for c in (SDO.GovernmentOrganization, SDO.Corporation, SDO.NGO, SDO.PoliticalParty, SDO.Organization, SDO.Project)
)
PROGRAMMES = frozenset({str(SDO.FundingScheme), str(PM.FundingPhase)})
AREAS = frozenset(str(c) for c in AREA_CLASSES)
PERSON = str(SDO.Person)
#: Every class whose members the pictures show or filter by.
CLASSES = ORGANISATIONS | PROGRAMMES | AREAS | {PERSON}
#: Area classes offered in the landing page's filter form (every area is accepted as a value).
FORM_AREAS = frozenset(
    str(c) for c in (PM.Bezirk, PM.Prognoseraum, PM.Bezirksregion, PM.Planungsraum, PM.Ortsteil, PM.Quartier)
)

#: Filter parameters of the landing page: name -> (German label, accepted classes, the API's parameter).
FILTERS: dict[str, tuple[str, frozenset[str], str]] = {
    "programm": ("Programm", PROGRAMMES, "programme"),
    "organisation": ("Organisation", ORGANISATIONS, "organisation"),
    "gebiet": ("Gebiet", AREAS, "area"),
}
#: Kinds of neighbours in the relationship view, in the order they are shown: key -> (German heading, colour).
KINDS: dict[str, tuple[str, str]] = {
    "organisation": ("Organisationen", "#1f5f8b"),
    "person": ("Zitierte Personen", "#9b1c1c"),
    "programm": ("Programme", "#2e6b30"),
    "gebiet": ("Gebiete", "#7a4f01"),
}
#: Most neighbours of each kind the relationship view shows (the most frequent; the query gives all).
TOP_PER_KIND = 5
#: Filtered timelines and relationship views each server process keeps per published state.
KEPT = 256

PREFIXES = "PREFIX schema: <https://schema.org/>\nPREFIX pm: <https://w3id.org/pm-berlin/ontology#>\n"

# ---------------------------------------------------------------- the index of one published state


@dataclass
class ReleaseIndex:
    """What the pictures need to know about every release of one published state."""

    #: release IRI -> "YYYY-MM"
    month: dict[str, str] = field(default_factory=dict)
    #: filter name -> resource IRI -> the releases that pass the filter with that value
    passing: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    #: release -> neighbour kind -> what the release links to of that kind
    links: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    #: person IRI -> the releases that mention or quote the person
    person: dict[str, set[str]] = field(default_factory=dict)
    #: resource IRI -> its classes (organisations, people, programmes, areas)
    types: dict[str, set[str]] = field(default_factory=dict)
    #: resource IRI -> its name
    names: dict[str, str] = field(default_factory=dict)
    #: resource IRI -> the organisations, programmes and phases it belongs to, itself included
    within_org: dict[str, set[str]] = field(default_factory=dict)
    #: every month from the first to the last release
    months: list[str] = field(default_factory=list)
    #: resource IRI -> the organisations, programmes and phases it names as parents (schema:parentOrganization)
    org_parents: dict[str, set[str]] = field(default_factory=dict)

    def within(self, node: str) -> set[str]:
        """``node`` and every organisation, programme or phase it belongs to (``schema:parentOrganization*``)."""
        return _closure(self.org_parents, node, self.within_org)


def _closure(parents: Mapping[str, set[str]], node: str, kept: dict[str, set[str]]) -> set[str]:
    """``node`` and everything above it along ``parents`` (``p*``), cycles tolerated."""
    found = kept.get(node)
    if found is not None:
        return found
    found, todo = {node}, [node]
    while todo:
        for parent in parents.get(todo.pop(), ()):
            if parent not in found:
                found.add(parent)
                todo.append(parent)
    kept[node] = found
    return found


def _month_range(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _pairs(store: Store, sparql: str) -> Iterator[tuple[str, str]]:
    """The two columns of a SELECT's rows, as SPARQL's CSV results write them (IRIs and literals' lexical forms):
    far quicker to read than JSON results for the hundreds of thousands of rows of a large state."""
    rows = csv.reader(io.StringIO(store.query(sparql, "csv").decode("utf-8"), newline=""))
    next(rows, None)  # the header
    for row in rows:
        if len(row) == 2:
            yield row[0], row[1]


def store_facts(store: Store) -> Facts:
    """The facts the index is made of, from the store's current state: queries of one pattern each (none bound to
    a resource), with the types and names only of the classes the pictures show."""
    facts = Facts()
    classes = " ".join(sparql_iri(c) for c in sorted(CLASSES | {str(PM.PressRelease), str(SDO.Quotation)}))
    queries = [
        ("type", f"SELECT ?s ?t WHERE {{ VALUES ?t {{ {classes} }} ?s a ?t FILTER(isIRI(?s)) }}"),
        ("datePublished", f"SELECT ?s ?d WHERE {{ ?s <{SDO.datePublished}> ?d FILTER(isIRI(?s) && !isBlank(?d)) }}"),
        *(
            (name, f"SELECT ?s ?o WHERE {{ ?s <{prop}> ?o FILTER(isIRI(?s) && isIRI(?o)) }}")
            for name, prop in LINKS.items()
        ),
        (
            "name",
            f"SELECT ?s ?n WHERE {{ VALUES ?t {{ {classes} }} ?s a ?t ; <{SDO.name}> ?n "
            "FILTER(isIRI(?s) && !isBlank(?n)) }",
        ),
    ]
    for prop, sparql in queries:
        for subject, value in _pairs(store, sparql):
            facts.add(prop, subject, value)
    return facts


def read_index(store: Store) -> ReleaseIndex:
    """The index of the store's current state, from its answers to a few queries (``store_facts``)."""
    return index_of_facts(store_facts(store))


def index_of_facts(facts: Facts) -> ReleaseIndex:
    """The index of what ``facts`` say, joined here: the facts of the whole published state, from the store or
    from the index its build wrote (``publisher.charts_index``)."""
    index = ReleaseIndex()
    typed = facts.of("type")
    press_release, quotation = str(PM.PressRelease), str(SDO.Quotation)
    dates = facts.of("datePublished")
    for r, classes in typed.items():
        if press_release in classes:
            for day in dates.get(r, ()):
                month = day[:7]
                if len(month) == 7 and month[4] == "-":
                    index.month[r] = min(index.month.get(r, month), month)
        shown = classes & CLASSES
        if shown:
            index.types[r] = shown
    links: dict[str, dict[str, set[str]]] = {r: {} for r in index.month}
    for name in ("about", "mentions", "publisher", "spatialCoverage"):
        for r, values in facts.of(name).items():
            if r in links:
                links[r][name] = set(values)
    speakers: dict[str, set[str]] = {}
    for said, spoken_by in facts.of("spokenByCharacter").items():
        if quotation in typed.get(said, ()):
            people = {p for p in spoken_by if PERSON in index.types.get(p, ())}
            if people:
                speakers[said] = people
    for r, parts in facts.of("hasPart").items():
        if r in links:
            for part in parts:
                if part in speakers:
                    links[r].setdefault("quoted", set()).update(speakers[part])
    org_parents = index.org_parents
    for child, parents in facts.of("parentOrganization").items():
        org_parents[child] = set(parents)
    area_parents = {child: set(parents) for child, parents in facts.of("containedInPlace").items()}
    names = facts.of("name")
    for subject in index.types:
        found = names.get(subject)
        if found:
            index.names[subject] = min(found)
    _fill(index, links, org_parents, area_parents)
    return index


def _fill(
    index: ReleaseIndex,
    links: dict[str, dict[str, set[str]]],
    org_parents: dict[str, set[str]],
    area_parents: dict[str, set[str]],
) -> None:
    """The releases passing each filter value, and each release's neighbours of each kind. The releases are
    grouped by what they link to first, so that each resource's closure is walked once, not once per release."""
    empty: set[str] = set()
    by_topic: dict[str, set[str]] = {}
    by_unit: dict[str, set[str]] = {}
    by_place: dict[str, set[str]] = {}
    topics_of: dict[str, set[str]] = {}
    for r, by in links.items():
        mentions = by.get("mentions", empty)
        topics = topics_of[r] = by.get("about", empty) | mentions
        for grouped, linked in ((by_topic, topics), (by_unit, by.get("publisher", empty) | mentions)):
            for node in linked:
                found = grouped.get(node)
                if found is None:
                    grouped[node] = {r}
                else:
                    found.add(r)
        for node in by.get("spatialCoverage", empty):
            found = by_place.get(node)
            if found is None:
                by_place[node] = {r}
            else:
                found.add(r)
    area_above: dict[str, set[str]] = {}
    for name, grouped, parents, kept in (
        ("programm", by_topic, org_parents, index.within_org),
        ("organisation", by_unit, org_parents, index.within_org),
        ("gebiet", by_place, area_parents, area_above),
    ):
        passing = index.passing.setdefault(name, {})
        for node, releases in grouped.items():
            for above in _closure(parents, node, kept):
                found = passing.get(above)
                if found is None:
                    passing[above] = set(releases)
                else:
                    found |= releases
    funding_schemes = str(SDO.FundingScheme)
    programmes_of = {
        topic: {above for above in index.within_org[topic] if funding_schemes in index.types.get(above, empty)}
        for topic in by_topic
    }
    organisations = {n for n, classes in index.types.items() if classes & ORGANISATIONS}
    people = {n for n, classes in index.types.items() if PERSON in classes}
    for r, by in links.items():
        mentions = by.get("mentions", empty)
        programmes: set[str] = set()
        for topic in topics_of[r]:
            programmes |= programmes_of[topic]
        quoted = by.get("quoted", empty)
        for person in quoted | (mentions & people):
            found = index.person.get(person)
            if found is None:
                index.person[person] = {r}
            else:
                found.add(r)
        index.links[r] = {
            "organisation": (by.get("publisher", empty) | mentions) & organisations,
            "person": set(quoted),
            "programm": programmes,
            "gebiet": set(by.get("spatialCoverage", empty)),
        }
    if index.month:
        index.months = _month_range(min(index.month.values()), max(index.month.values()))


# ---------------------------------------------------------------- what a page shows


@dataclass(frozen=True)
class Bar:
    month: str
    count: int
    title: str
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Tick:
    position: float
    text: str


@dataclass
class Timeline:
    """A timeline ready to draw: bars in SVG user units, axis ticks, and the numbers as rows."""

    total: int
    bars: list[Bar]
    rows: list[tuple[str, int]]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    description: str
    sparql: str


@dataclass(frozen=True)
class Node:
    iri: str
    name: str
    kind: str
    count: int
    #: whether it is a unit of an organisation (named after it: "Bezirksamt Treptow-Köpenick, Pressestelle")
    unit: bool = False


@dataclass
class Relations:
    """The neighbours of one resource: the most frequent of each kind, and how many there are in all."""

    iri: str
    name: str
    releases: int
    shown: dict[str, list[Node]]
    totals: dict[str, int]
    sparql: str


#: The timeline's drawing area in SVG user units.
WIDTH, HEIGHT = 720.0, 200.0
LEFT, RIGHT, TOP, BOTTOM = 44.0, 8.0, 10.0, 26.0
#: The widest bar, in SVG user units.
MAX_BAR = 40.0


@cache
def _month_names() -> tuple[str, ...]:
    return tuple(month_names())


def month_label(month: str) -> str:
    """ "2024-03" as "März 2024"."""
    return f"{_month_names()[int(month[5:7]) - 1]} {month[:4]}"


def releases_text(n: int) -> str:
    return f"{german_number(n)} Pressemitteilung" + ("" if n == 1 else "en")


def _nice_step(largest: int) -> int:
    """A step of 1, 2 or 5 times a power of ten that divides ``largest`` into at most four parts."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if largest <= 4 * step * factor:
                return step * factor
        step *= 10


def draw_timeline(months: list[str], counts: Mapping[str, int], sparql: str) -> Timeline:
    """The bars of ``counts`` (month -> releases) over every month of ``months``."""
    total = sum(counts.values())
    step = _nice_step(max(counts.values(), default=0) or 1)
    top = step * max(1, math.ceil(max(counts.values(), default=0) / step))
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_width / max(1, len(months))
    # a narrow gap between bars, and no bar wider than MAX_BAR when there are few months
    width = min(MAX_BAR, max(slot - (slot * 0.15 if slot > 4 else 0.0), 0.5))
    bars = []
    x_ticks = []
    for i, month in enumerate(months):
        x = LEFT + i * slot
        if month.endswith("-01") or i == 0:
            x_ticks.append(Tick(round(x, 2), month[:4]))
        n = counts.get(month, 0)
        if n:
            height = plot_height * n / top
            bars.append(
                Bar(
                    month,
                    n,
                    f"{month_label(month)}: {releases_text(n)}",
                    round(x + (slot - width) / 2, 2),
                    round(TOP + plot_height - height, 2),
                    round(width, 2),
                    round(height, 2),
                )
            )
    y_ticks = [
        Tick(round(TOP + plot_height - plot_height * v / top, 2), german_number(v)) for v in range(0, top + 1, step)
    ]
    rows = [(month_label(m), counts[m]) for m in months if counts.get(m)]
    if bars:
        busiest = max(bars, key=lambda b: (b.count, b.month))
        description = (
            f"Säulendiagramm: {releases_text(total)} von {month_label(months[0])} bis {month_label(months[-1])}, "
            f"je Monat eine Säule; die meisten im {month_label(busiest.month)} ({german_number(busiest.count)})."
        )
    else:
        description = "Säulendiagramm ohne Säulen: keine Pressemitteilungen."
    return Timeline(total, bars, rows, y_ticks, x_ticks, description, sparql)


def timeline_sparql(values: Mapping[str, str]) -> str:
    """The SPARQL query that counts the releases per month that pass ``values`` (filter name -> IRI)."""
    patterns = {
        "programm": "?mitteilung schema:about|schema:mentions ?thema . ?thema schema:parentOrganization* {} .",
        "organisation": "?mitteilung schema:publisher|schema:mentions ?einheit . "
        "?einheit schema:parentOrganization* {} .",
        "gebiet": "?mitteilung schema:spatialCoverage ?ort . ?ort schema:containedInPlace* {} .",
    }
    lines = [patterns[name].format(sparql_iri(iri)) for name, iri in values.items()]
    where = "\n  ".join(["?mitteilung a pm:PressRelease ; schema:datePublished ?datum .", *lines])
    return (
        f"{PREFIXES}SELECT ?monat (COUNT(DISTINCT ?mitteilung) AS ?anzahl) WHERE {{\n  {where}\n"
        "  BIND(SUBSTR(STR(?datum), 1, 7) AS ?monat)\n} GROUP BY ?monat ORDER BY ?monat"
    )


def relations_sparql(iri: str, kind: str) -> str:
    """The SPARQL query that counts, per neighbour, the releases it shares with ``iri`` (a ``kind`` page)."""
    node = sparql_iri(iri)
    if kind == "person":
        own = (
            f"{{ ?mitteilung schema:mentions {node} }} UNION "
            f"{{ ?mitteilung schema:hasPart ?z . ?z a schema:Quotation ; schema:spokenByCharacter {node} }}"
        )
    elif kind == "programm":
        own = f"?mitteilung schema:about|schema:mentions ?thema . ?thema schema:parentOrganization* {node} ."
    else:
        own = f"?mitteilung schema:publisher|schema:mentions ?einheit . ?einheit schema:parentOrganization* {node} ."
    organisations = " ".join(sparql_iri(c) for c in sorted(ORGANISATIONS))
    return f"""{PREFIXES}SELECT ?art ?verbunden (COUNT(DISTINCT ?mitteilung) AS ?pressemitteilungen) WHERE {{
  ?mitteilung a pm:PressRelease .
  {own}
  {{ ?mitteilung schema:publisher|schema:mentions ?verbunden .
    FILTER EXISTS {{ VALUES ?klasse {{ {organisations} }} ?verbunden a ?klasse }}
    BIND("Organisation" AS ?art) }}
  UNION {{ ?mitteilung schema:hasPart ?zitat . ?zitat a schema:Quotation ; schema:spokenByCharacter ?verbunden .
    ?verbunden a schema:Person . BIND("Person" AS ?art) }}
  UNION {{ ?mitteilung schema:about|schema:mentions ?thema2 . ?thema2 schema:parentOrganization* ?verbunden .
    ?verbunden a schema:FundingScheme . BIND("Programm" AS ?art) }}
  UNION {{ ?mitteilung schema:spatialCoverage ?verbunden . FILTER(isIRI(?verbunden)) BIND("Gebiet" AS ?art) }}
  FILTER NOT EXISTS {{ ?verbunden schema:parentOrganization* {node} }}
}} GROUP BY ?art ?verbunden ORDER BY ?art DESC(?pressemitteilungen) ?verbunden"""


class Charts:
    """The pictures of one app: the index of the current published state, and what was drawn from it."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._index: tuple[str, ReleaseIndex] | None = None
        self._lock = threading.Lock()
        self._kept: LruCache[object] = LruCache(KEPT)

    def index(self) -> tuple[str, ReleaseIndex]:
        """The version of the current state and its index, read once per state (one thread reads, others wait)."""
        version = self.store.version()
        kept = self._index
        if kept is None or kept[0] != version:
            with self._lock:
                kept = self._index
                if kept is None or kept[0] != version:
                    kept = (version, self._read())
                    self._index = kept
                    self._kept.clear()
                    # what lives now lives long (the index: about 9 objects per release): the collector's full
                    # passes leave it out from here on, which took 0.4 to 2 s each at 100,000 releases and showed
                    # as the slowest requests (freed objects are still freed: they hold no cycles)
                    gc.freeze()
        return kept

    def _read(self) -> ReleaseIndex:
        """The index of the current state: from the facts its build wrote when this version wrote them, else
        from the store (a state built by another version, or a store whose files lack them)."""
        written = current_index(self.store.files_dir())
        # hundreds of thousands of small sets are made and none is garbage: the collector would walk them all,
        # again and again, for nothing (it doubled the time)
        collecting = gc.isenabled()
        gc.disable()
        try:
            return index_of_facts(read_facts(written)) if written is not None else read_index(self.store)
        finally:
            if collecting:
                gc.enable()

    def releases(self, values: Mapping[str, str]) -> set[str] | None:
        """The releases that pass every filter of ``values`` (None: no filter, every release)."""
        _version, index = self.index()
        found: set[str] | None = None
        for name, iri in values.items():
            passing = index.passing[name].get(iri, set())
            found = set(passing) if found is None else found & passing
        return found

    def timeline(self, values: Mapping[str, str]) -> Timeline:
        """The timeline of the releases that pass ``values`` (filter name -> IRI), kept per state and filter."""
        version, index = self.index()
        key = ("timeline", version, tuple(sorted(values.items())))

        def draw() -> Timeline:
            chosen = self.releases(values)
            months = index.month.values() if chosen is None else (index.month[r] for r in chosen)
            return draw_timeline(index.months, Counter(months), timeline_sparql(values))

        drawn = self._kept.get_or_make(key, draw)
        assert isinstance(drawn, Timeline)
        return drawn

    def kept(self, key: tuple[object, ...], make: Callable[[], object]) -> object:
        """What is kept under ``key`` (which begins with a kind of picture and the version of the state it was
        made from), made by ``make`` when missing."""
        return self._kept.get_or_make(key, make)

    def relations(self, iri: str, kind: str) -> Relations:
        """The neighbours of ``iri``, a ``kind`` page (organisation, person, programm), kept per state."""
        version, index = self.index()

        def count() -> Relations:
            own = index.person.get(iri, set()) if kind == "person" else index.passing[kind].get(iri, set())
            counters: dict[str, Counter[str]] = {k: Counter() for k in KINDS}
            for r in own:
                for k, linked in index.links[r].items():
                    counters[k].update(n for n in linked if iri not in index.within(n))
            shown = {
                k: [
                    Node(n, index.names.get(n, n), k, c, bool(index.org_parents.get(n)))
                    for n, c in sorted(counter.items(), key=lambda item: (-item[1], index.names.get(item[0], item[0])))[
                        :TOP_PER_KIND
                    ]
                ]
                for k, counter in counters.items()
            }
            totals = {k: len(counter) for k, counter in counters.items()}
            return Relations(iri, index.names.get(iri, iri), len(own), shown, totals, relations_sparql(iri, kind))

        drawn = self._kept.get_or_make(("relations", version, iri, kind), count)
        assert isinstance(drawn, Relations)
        return drawn

    def options(self) -> dict[str, list[tuple[str, str, int]]]:
        """The landing page form's choices per filter: (IRI, name, releases), by name; kept per state."""
        version, index = self.index()

        def choose() -> dict[str, list[tuple[str, str, int]]]:
            offered = {"programm": {str(SDO.FundingScheme)}, "organisation": ORGANISATIONS, "gebiet": FORM_AREAS}
            return {
                name: sorted(
                    (
                        (iri, index.names.get(iri, iri), len(releases))
                        for iri, releases in index.passing[name].items()
                        if index.types.get(iri, set()) & offered[name]
                    ),
                    key=lambda option: (option[1].casefold(), option[0]),
                )
                for name in FILTERS
            }

        drawn = self._kept.get_or_make(("options", version), choose)
        assert isinstance(drawn, dict)
        return drawn

    def parse_filters(self, args: Mapping[str, list[str]], base_uri: str) -> dict[str, str]:
        """The landing page's filters from its query parameters: each an IRI or an id (``programm/benn``), given
        at most once, naming a resource of the filter's classes; an empty value is no filter. A 400 otherwise."""
        _version, index = self.index()
        values: dict[str, str] = {}
        for name, (label, classes, _api) in FILTERS.items():
            given = args.get(name, [])
            if len(given) > 1:
                raise HttpError(400, f"{name}: given {len(given)} times; give it once")
            raw = given[0].strip() if given else ""
            if not raw:
                continue
            iri = raw if raw.startswith(("http://", "https://")) else f"{base_uri}id/{raw.removeprefix('/')}"
            if not index.types.get(iri, set()) & classes:
                shown = raw if len(raw) <= 80 else raw[:80] + "…"
                raise HttpError(
                    400,
                    f"{name}: {shown!r} names no {label.lower() if name != 'gebiet' else 'area'} of the published "
                    f"data; give the IRI or the id (such as {_example(name)}) of one",
                )
            values[name] = iri
        return values


def _example(name: str) -> str:
    return {"programm": "programm/benn", "organisation": "organisation/bezirksamt-treptow-koepenick"}.get(
        name, "bezirk/treptow-koepenick"
    )


def charts_of(app: Flask | None = None) -> Charts:
    """The Charts of ``app`` (default: the current app), made at its first use."""
    target = app if app is not None else current_app
    charts = target.extensions.get("publisher.charts")
    if charts is None:
        charts = target.extensions.setdefault("publisher.charts", Charts(published(target).store))
    assert isinstance(charts, Charts)
    return charts


def sparql_link(query: str) -> str:
    return url_for("sparql.endpoint") + "?" + urlencode({"query": query})


def _id_of(iri: str, base_uri: str) -> str:
    prefix = f"{base_uri}id/"
    return iri[len(prefix) :] if iri.startswith(prefix) else iri


def landing_timeline() -> dict[str, object]:
    """The landing page's timeline, filtered by the request's ``programm``, ``organisation`` and ``gebiet``."""
    charts = charts_of()
    base = published().config.base_uri
    values = charts.parse_filters(request.args.to_dict(flat=False), base)
    timeline = charts.timeline(values)
    _version, index = charts.index()
    api = url_for("api.listing", kind="releases") + (
        "?" + urlencode({FILTERS[name][2]: _id_of(iri, base) for name, iri in values.items()}) if values else ""
    )
    return {
        "chart": timeline,
        "prefix": "zeitleiste",
        "heading": "Pressemitteilungen je Monat",
        "subject": ", ".join(f"{FILTERS[n][0]}: {index.names.get(iri, iri)}" for n, iri in values.items()),
        "filters": [
            (name, FILTERS[name][0], [(_id_of(iri, base), text, n) for iri, text, n in options])
            for name, options in charts.options().items()
        ],
        "selected": {name: _id_of(iri, base) for name, iri in values.items()},
        "sparql": sparql_link(timeline.sparql),
        "api": api,
    }


def _kind(types: Iterable[str]) -> str | None:
    found = set(types)
    if found & PROGRAMMES:
        return "programm"
    if found & ORGANISATIONS:
        return "organisation"
    if PERSON in found:
        return "person"
    if found & AREAS:
        return "gebiet"
    return None


def resource_pictures_html(description: Description, linker: Linker) -> Markup:
    """The pictures of a resource page as the page shows them (``_timeline.html``, ``_relations.html``): a timeline
    on programme, organisation and area pages, the relationship view on organisation, person and programme pages;
    empty for every other resource and for a resource that no release links to. Rendered once per published state
    and kept with the pictures themselves: a timeline of a decade is hundreds of bars."""
    kind = _kind(str(t) for t in description.graph.objects(URIRef(description.iri), RDF.type))
    if not kind:
        return Markup("")
    charts = charts_of()
    version, _index = charts.index()

    def render() -> Markup:
        pictures = _pictures(description.iri, kind, linker)
        timeline, relations = pictures.get("timeline"), pictures.get("relations")
        return Markup(
            render_template("_timeline.html", timeline=timeline)
            + render_template("_relations.html", relations=relations)
        )

    drawn = charts.kept(("html", version, description.iri, kind, linker.root, linker.base_uri), render)
    assert isinstance(drawn, Markup)
    return drawn


def _pictures(iri: str, kind: str, linker: Linker) -> dict[str, object]:
    charts = charts_of()
    base = published().config.base_uri
    found: dict[str, object] = {}
    if kind in FILTERS:
        timeline = charts.timeline({kind: iri})
        if timeline.total:
            found["timeline"] = {
                "chart": timeline,
                "prefix": "zeitleiste",
                "heading": "Pressemitteilungen je Monat",
                "subject": "",
                "filters": [],
                "selected": {},
                "sparql": sparql_link(timeline.sparql),
                "api": url_for("api.listing", kind="releases") + "?" + urlencode({FILTERS[kind][2]: _id_of(iri, base)}),
                "landing": url_for("site.landing") + "?" + urlencode({kind: _id_of(iri, base)}),
            }
    if kind in ("organisation", "person", "programm"):
        relations = charts.relations(iri, kind)
        if any(relations.shown.values()):
            found["relations"] = {
                "view": relations,
                "graph": radial_layout(relations, linker),
                "centre": _short(relations.name),
                "kinds": KINDS,
                "top": TOP_PER_KIND,
                "sparql": sparql_link(relations.sparql),
                "hrefs": {n.iri: linker.href(n.iri) for nodes in relations.shown.values() for n in nodes},
            }
    return found


@dataclass(frozen=True)
class PlacedNode:
    node: Node
    href: str | None
    x: float
    y: float
    radius: float
    edge: float
    label_x: float
    label_y: float
    anchor: str
    label: str
    colour: str


#: The relationship graph's size in SVG user units, and the radius of its ring of neighbours.
GRAPH_WIDTH, GRAPH_HEIGHT, RING = 720.0, 440.0, 150.0


def _short(text: str, unit: bool = False, length: int = 30) -> str:
    """A label of at most ``length`` characters: a unit's own name after its organisation's ("…, Pressestelle"),
    else the beginning."""
    if len(text) <= length:
        return text
    head, comma, tail = text.rpartition(", ")
    if unit and comma and head and len(tail) <= length - 3:
        return "…, " + tail
    return text[: length - 1].rstrip() + "…"


def radial_layout(relations: Relations, linker: Linker) -> list[PlacedNode]:
    """The neighbours on a ring around the resource, kind after kind; node size and edge width by count."""
    nodes = [n for k in KINDS for n in relations.shown[k]]
    if not nodes:
        return []
    most = max(n.count for n in nodes)
    cx, cy = GRAPH_WIDTH / 2, GRAPH_HEIGHT / 2
    placed = []
    for i, node in enumerate(nodes):
        angle = 2 * math.pi * (i + 0.5) / len(nodes) - math.pi / 2
        cos, sin = math.cos(angle), math.sin(angle)
        share = node.count / most
        x, y = cx + RING * cos, cy + RING * sin
        placed.append(
            PlacedNode(
                node,
                linker.href(node.iri),
                round(x, 1),
                round(y, 1),
                round(5 + 7 * share, 1),
                round(1 + 7 * share, 1),
                round(cx + (RING + 16) * cos, 1),
                round(cy + (RING + 16) * sin + 4, 1),
                "start" if cos > 0.01 else "end" if cos < -0.01 else "middle",
                _short(node.name, node.unit),
                KINDS[node.kind][1],
            )
        )
    return placed


__all__ = [
    "Charts",
    "Relations",
    "ReleaseIndex",
    "Timeline",
    "charts_of",
    "draw_timeline",
    "index_of_facts",
    "landing_timeline",
    "read_index",
    "relations_sparql",
    "resource_pictures_html",
    "store_facts",
    "timeline_sparql",
]
