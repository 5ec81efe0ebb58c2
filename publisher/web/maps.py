"""Maps of Berlin's areas, drawn on the server as inline SVG from the geometry in the store.

Areas carry GeoSPARQL geometry (``geo:hasGeometry/geo:asWKT``, polygons in OGC CRS84). Once per published state
every polygon is projected into one frame and written as SVG path data (``Atlas``), twice: finely for the map of a
district, coarsely for the map of the whole city. A page then only picks the paths it shows and marks some of them,
so a map costs a page next to nothing.

Areas without a polygon of their own (Bezirksregionen, Planungsräume, Ortsteile, Quartiere, streets) are shown by
the nearest area that contains them (``schema:containedInPlace``) and has one, and the map says so; an area that
only contains areas with polygons (Berlin itself) is shown by those.

The projection is equirectangular, its x axis scaled by the cosine of the middle latitude, which for a city of
Berlin's size is as true as any map projection; y grows southwards, as in SVG.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import shapely
from flask import Flask, current_app, render_template
from markupsafe import Markup
from rdflib import URIRef
from rdflib.namespace import RDF
from shapely.geometry.base import BaseGeometry

from publisher.cache import LruCache
from publisher.namespaces import AREA_CLASSES, PM, SDO
from publisher.resources import Description, label_of
from publisher.store import Store
from publisher.web.charts import releases_text, sparql_link
from publisher.web.pages import CLASS_LABELS, Linker
from publisher.web.state import Published

GEO = "http://www.opengis.net/ont/geosparql#"
#: The coordinate reference systems of WKT literals that are read as longitude, latitude (GeoSPARQL's default).
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
LON_LAT = frozenset({CRS84, CRS84 + "/"})
#: The same in latitude, longitude order (EPSG's axis order).
LAT_LON = frozenset({"http://www.opengis.net/def/crs/EPSG/0/4326"})
#: Width of the frame of district maps, in SVG user units (a unit is some 5 m in Berlin).
FINE = 10000
#: Width of the frame of the city map (a unit is some 45 m).
COARSE = 1000
#: How far, in units of a frame, a simplified outline may stray from the outline in the data: about a pixel of the
#: maps as pages show them.
TOLERANCE = 1.0
#: Areas a shape's tooltip on the city map names at most (the most written about; the list below names all).
TITLE_AREAS = 5
#: Space around what a map shows, as a share of its larger side.
MARGIN = 0.03
#: District maps an atlas keeps as HTML: a map depends only on the published state and the areas it marks, and
#: the same areas are marked on many pages (every release about Spandau, Spandau's own page).
KEPT_MAPS = 256
#: Extension key of the atlases in ``app.extensions``.
_KEY = "publisher.maps"

_CRS = re.compile(r"^\s*<([^>]*)>\s*")

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Shape:
    """An area with a polygon of its own, drawn in both frames."""

    iri: str
    name: str
    kind: str  # the German class name ("Bezirk", "Prognoseraum")
    is_district: bool
    fine: str  # SVG path data in the district maps' frame
    coarse: str  # SVG path data in the city map's frame
    box: Box  # minimum x, minimum y, maximum x, maximum y in the fine frame
    district: str = ""  # the IRI of the Bezirk it lies in (its own for a Bezirk)


@dataclass
class Atlas:
    """Every shape of one published state, and what lies in what."""

    shapes: dict[str, Shape]
    parents: dict[str, list[str]]
    children: dict[str, list[str]]
    height: tuple[int, int]  # of the fine and the coarse frame
    #: Areas the press releases concern: (IRI, name, German class name, number of releases), most releases first.
    covered: list[tuple[str, str, str, int]] = field(default_factory=list)
    #: The city map, rendered once: path prefix of the app -> map.
    views: dict[str, MapView | None] = field(default_factory=dict)
    #: District maps as pages show them (``_map.html``), the ones used last: (path prefix of the app, heading,
    #: the areas marked and their names) -> HTML.
    rendered: LruCache[Markup] = field(default_factory=lambda: LruCache(KEPT_MAPS))

    def contained(self, district: str) -> list[Shape]:
        """The shapes that lie in ``district`` beside itself, by name."""
        found = [s for s in self.shapes.values() if s.district == district and s.iri != district]
        return sorted(found, key=lambda s: (s.name, s.iri))

    def resolve(self, iri: str) -> list[Shape]:
        """The shapes that show ``iri``: its own; else that of the nearest area containing it (a smaller area
        first when two are as near); else those of the areas it directly contains; else none."""
        if iri in self.shapes:
            return [self.shapes[iri]]
        level, seen = [iri], {iri}
        while level:
            found = [self.shapes[a] for a in level if a in self.shapes]
            if found:
                return [min(found, key=lambda s: (s.is_district, s.iri))]
            level = sorted({p for a in level for p in self.parents.get(a, ()) if p not in seen})
            seen.update(level)
        return sorted((self.shapes[c] for c in self.children.get(iri, ()) if c in self.shapes), key=lambda s: s.iri)


@dataclass(frozen=True)
class Drawn:
    """A shape as a map draws it: a link to its page, a tooltip, and whether it is marked."""

    href: str | None
    title: str
    path: str
    css: str


@dataclass(frozen=True)
class Listed:
    """An entry of the text list beside a map."""

    text: str
    href: str | None
    note: str


@dataclass
class MapView:
    """What ``_map.html`` lays out."""

    heading: str
    view_box: str
    shapes: list[Drawn]
    outline: str
    title: str
    desc: str
    notes: list[str]
    listed: list[Listed]
    data_links: list[tuple[str, str]]


# ---------------------------------------------------------------- geometry


def outline_of(wkt: str) -> BaseGeometry | None:
    """The polygon or polygons of a WKT literal, as (longitude, latitude); None for other geometries, for text
    that is not WKT and for a reference system read in neither axis order."""
    crs = _CRS.match(wkt)
    system = crs.group(1) if crs else CRS84
    if system not in LON_LAT | LAT_LON:
        return None
    try:
        geometry = shapely.from_wkt(wkt[crs.end() :] if crs else wkt)
    except shapely.errors.GEOSException:
        return None
    if geometry is None or geometry.is_empty or geometry.geom_type not in ("Polygon", "MultiPolygon"):
        return None
    if system in LAT_LON:
        geometry = shapely.transform(geometry, lambda xy: xy[:, ::-1])
    return geometry


class Projection:
    """Longitude and latitude to the units of a frame ``width`` wide that holds ``extent``."""

    def __init__(self, extent: Box, width: int) -> None:
        west, south, east, north = extent
        self.west, self.north = west, north
        middle = math.cos(math.radians((south + north) / 2))
        #: Units per degree of latitude; a degree of longitude is shorter by the cosine of the middle latitude.
        self.scale = width / max((east - west) * middle, 1e-9)
        self.x_scale = self.scale * middle
        self.height = math.ceil((north - south) * self.scale)

    def __call__(self, geometry: BaseGeometry) -> BaseGeometry:
        """``geometry`` in the frame's units, y growing southwards."""
        # x = (lon - west) * x_scale, y = (north - lat) * scale, on shapely's array of every coordinate at once
        factor, offset = (self.x_scale, -self.scale), (-self.west * self.x_scale, self.north * self.scale)
        return shapely.transform(geometry, lambda xy: xy * factor + offset)


def path_data(outline: BaseGeometry, projection: Projection, tolerance: float = TOLERANCE) -> str:
    """SVG path data of a polygon's rings in whole units of the frame (holes are cut out by the even-odd fill
    rule), simplified to ``tolerance`` units (Douglas and Peucker, as GEOS does it, keeping every ring valid)."""
    simple = shapely.simplify(projection(outline), tolerance, preserve_topology=True)
    parts = []
    for polygon in getattr(simple, "geoms", [simple]):
        if polygon.geom_type != "Polygon" or polygon.is_empty:
            continue
        for ring in [polygon.exterior, *polygon.interiors]:
            points: list[tuple[int, int]] = []
            for x, y in shapely.get_coordinates(ring).round().astype(int).tolist()[:-1]:
                if not points or points[-1] != (x, y):
                    points.append((x, y))
            if len(points) > 1 and points[0] == points[-1]:
                points.pop()
            if len(points) < 3:
                continue
            (x, y), rest = points[0], points[1:]
            parts.append(f"M{x} {y}L" + " ".join(f"{px} {py}" for px, py in rest) + "Z")
    return "".join(parts)


def _box(data: str) -> Box:
    """The bounding box of path data in whole units."""
    numbers = [int(n) for n in re.findall(r"-?\d+", data)] or [0, 0]
    xs, ys = numbers[::2], numbers[1::2]
    return float(min(xs)), float(min(ys)), float(max(xs)), float(max(ys))


# ---------------------------------------------------------------- the atlas of a published state


def _select(store: Store, sparql: str) -> list[dict[str, str]]:
    return store.select(f"PREFIX geo: <{GEO}> PREFIX schema: <{SDO}> PREFIX pm: <{PM}> " + sparql)


#: The geometry of every area (the data of every map).
SHAPES_QUERY = """SELECT ?area ?type ?name ?wkt WHERE {
  ?area geo:hasGeometry ?geometry . ?geometry geo:asWKT ?wkt .
  OPTIONAL { ?area a ?type } OPTIONAL { ?area schema:name ?name }
}"""

#: The areas press releases concern, with the number of releases (the data of the city map). Only press releases
#: carry ``schema:spatialCoverage``; leaving their type out makes this some five times quicker (80 ms at 10,000).
COVERED_QUERY = """SELECT ?area ?name ?type ?releases WHERE {
  { SELECT ?area (COUNT(?release) AS ?releases) WHERE { ?release schema:spatialCoverage ?area } GROUP BY ?area }
  OPTIONAL { ?area schema:name ?name } OPTIONAL { ?area a ?type }
} ORDER BY DESC(?releases) ?area"""


def build_atlas(store: Store) -> Atlas:
    """Every shape of the store's current state, projected and written as path data."""
    outlines: dict[str, BaseGeometry] = {}
    names: dict[str, str] = {}
    types: dict[str, set[str]] = {}
    for row in _select(store, SHAPES_QUERY):
        area = row["area"]
        types.setdefault(area, set())
        if "type" in row:
            types[area].add(row["type"])
        if "name" in row and (area not in names or row["name"] < names[area]):
            names[area] = row["name"]
        if area not in outlines:
            found = outline_of(row["wkt"])
            if found is not None:
                outlines[area] = found
    parents: dict[str, list[str]] = {}
    children: dict[str, list[str]] = {}
    for row in store.select(f"SELECT ?area ?parent WHERE {{ ?area <{SDO.containedInPlace}> ?parent }}"):
        parents.setdefault(row["area"], []).append(row["parent"])
        children.setdefault(row["parent"], []).append(row["area"])
    covered: dict[str, tuple[str, int]] = {}
    covered_types: dict[str, set[str]] = {}
    for row in _select(store, COVERED_QUERY):
        name = row.get("name", row["area"])
        previous = covered.get(row["area"])
        covered[row["area"]] = (min(name, previous[0]) if previous else name, int(row["releases"]))
        covered_types.setdefault(row["area"], set()).add(row.get("type", ""))
    atlas = Atlas({}, parents, children, (0, 0))
    atlas.covered = sorted(
        ((a, n, _kind(covered_types[a]), c) for a, (n, c) in covered.items()), key=lambda e: (-e[3], e[1], e[0])
    )
    if not outlines:
        return atlas
    extent: Box = tuple(shapely.total_bounds(list(outlines.values())).tolist())
    fine, coarse = Projection(extent, FINE), Projection(extent, COARSE)
    atlas.height = (fine.height, coarse.height)
    for area, outline in outlines.items():
        paths = path_data(outline, fine)
        atlas.shapes[area] = Shape(
            iri=area,
            name=names.get(area, area),
            kind=_kind(types[area]),
            is_district=str(PM.Bezirk) in types[area],
            fine=paths,
            coarse=path_data(outline, coarse),
            box=_box(paths),
        )
    for area, shape in list(atlas.shapes.items()):
        atlas.shapes[area] = replace(shape, district=_district_of(atlas, shape))
    return atlas


def _kind(types: set[str]) -> str:
    """The German name of the most telling of ``types`` (class IRIs): the publisher's own classes of places say
    more than schema.org's."""
    known = [(str(term), label) for term, label in CLASS_LABELS.items() if str(term) in types]
    own = [label for term, label in known if term.startswith(str(PM))]
    return (own or [label for _term, label in known] or ["Gebiet"])[0]


def _district_of(atlas: Atlas, shape: Shape) -> str:
    """The Bezirk with a shape that ``shape`` lies in (itself for a Bezirk, and for a shape outside any)."""
    if shape.is_district:
        return shape.iri
    level, seen = [shape.iri], {shape.iri}
    while level:
        level = sorted({p for a in level for p in atlas.parents.get(a, ()) if p not in seen})
        seen.update(level)
        districts = [a for a in level if a in atlas.shapes and atlas.shapes[a].is_district]
        if districts:
            return districts[0]
    return shape.iri


class Atlases:
    """The atlas of the current published state, made at its first use."""

    def __init__(self) -> None:
        self._made: tuple[str, Atlas] | None = None
        self._lock = threading.Lock()

    def of(self, store: Store) -> Atlas:
        version = store.version()
        made = self._made
        if made is None or made[0] != version:
            with self._lock:
                made = self._made
                if made is None or made[0] != version:
                    made = (version, build_atlas(store))
                    self._made = made
        return made[1]

    def city_view(self, store: Store, linker: Linker) -> MapView | None:
        """The city map of the current state, rendered once per state (and path prefix of the app)."""
        atlas = self.of(store)
        if linker.root not in atlas.views:
            atlas.views[linker.root] = city_map(atlas, linker)
        return atlas.views[linker.root]


def atlases(app: Flask | None = None) -> Atlases:
    """The atlases of ``app`` (default: the app handling the current request)."""
    target = app if app is not None else current_app
    found = target.extensions.get(_KEY)
    if not isinstance(found, Atlases):
        found = target.extensions.setdefault(_KEY, Atlases())
    assert isinstance(found, Atlases)
    return found


# ---------------------------------------------------------------- maps


def _view_box(boxes: Iterable[Box]) -> str:
    listed = list(boxes)
    west, north = min(b[0] for b in listed), min(b[1] for b in listed)
    east, south = max(b[2] for b in listed), max(b[3] for b in listed)
    pad = MARGIN * max(east - west, south - north, 1)
    return f"{west - pad:.0f} {north - pad:.0f} {east - west + 2 * pad:.0f} {south - north + 2 * pad:.0f}"


def _geometry_query(districts: Iterable[str]) -> str:
    """The query for the outlines of ``districts`` and of the areas within them: what a district map draws."""
    values = " ".join(f"<{iri}>" for iri in districts)
    return _prefixed(
        f"SELECT ?area ?name ?wkt WHERE {{\n  VALUES ?district {{ {values} }}\n"
        "  ?area schema:containedInPlace* ?district .\n"
        "  ?area schema:name ?name ; geo:hasGeometry/geo:asWKT ?wkt .\n}"
    )


#: The outlines of the Bezirke (what the city map draws beside the areas it marks).
DISTRICTS_QUERY = """SELECT ?area ?name ?wkt WHERE {
  ?area a pm:Bezirk ; schema:name ?name ; geo:hasGeometry/geo:asWKT ?wkt .
}"""


def _named(shape: Shape) -> str:
    return f"{shape.kind} {shape.name}"


def district_map(atlas: Atlas, areas: dict[str, str], linker: Linker, heading: str) -> MapView | None:
    """A map of the districts that ``areas`` (IRI -> name) lie in, with their Prognoseräume, the shapes that show
    ``areas`` marked; None when none of them can be shown."""
    shown: dict[str, list[Shape]] = {iri: atlas.resolve(iri) for iri in areas}
    marked = {s.iri for found in shown.values() for s in found}
    if not marked:
        return None
    districts = sorted({atlas.shapes[s].district for s in marked}, key=lambda d: atlas.shapes[d].name)
    boxes = [atlas.shapes[d].box for d in districts]
    # a map of several districts is drawn in the city map's detail: the finer one would only weigh the page down
    coarse = max(b[2] for b in boxes) - min(b[0] for b in boxes) > FINE / 3
    if coarse:
        boxes = [(w * COARSE / FINE, n * COARSE / FINE, e * COARSE / FINE, s * COARSE / FINE) for w, n, e, s in boxes]
    drawn: list[Drawn] = []
    listed: list[Listed] = []
    for district in districts:
        for shape in [atlas.shapes[district], *atlas.contained(district)]:
            layer = "map-district" if shape.iri == district else "map-part"
            css = layer + (" map-marked" if shape.iri in marked else "")
            drawn.append(Drawn(linker.href(shape.iri), _named(shape), shape.coarse if coarse else shape.fine, css))
    notes = []
    for iri, name in sorted(areas.items(), key=lambda item: (item[1], item[0])):
        found = shown[iri]
        if not found:
            note = "ohne Umriss, nicht auf der Karte"
        elif [s.iri for s in found] == [iri]:
            note = "auf der Karte markiert"
        elif len(found) == 1:
            note = f"kein eigener Umriss; markiert: {_named(found[0])}, worin es liegt"
        else:
            note = f"kein eigener Umriss; markiert: die {len(found)} Gebiete mit Umriss, die es umfasst"
        listed.append(Listed(name, linker.href(iri), note))
        if found and [s.iri for s in found] != [iri]:
            notes.append(f"{name}: {note}.")
    district_names = ", ".join(_named(atlas.shapes[d]) for d in districts)
    marked_names = ", ".join(sorted(_named(atlas.shapes[s]) for s in marked))
    return MapView(
        heading=heading,
        view_box=_view_box(boxes),
        shapes=drawn,
        outline="".join(atlas.shapes[d].coarse if coarse else atlas.shapes[d].fine for d in districts),
        title=f"Karte: {', '.join(name for _iri, name in sorted(areas.items(), key=lambda i: i[1]))}",
        desc=f"{district_names} mit den Prognoseräumen; markiert: {marked_names}.",
        notes=notes,
        listed=listed,
        data_links=[("Umrisse dieser Karte (SPARQL)", sparql_link(_geometry_query(districts)))]
        + [
            (f"{name} (GeoJSON)", linker.doc_path(iri) + ".geojson")
            for iri, name in sorted(areas.items(), key=lambda item: (item[1], item[0]))
            if shown[iri]
        ],
    )


def city_map(atlas: Atlas, linker: Linker) -> MapView | None:
    """Berlin's districts, the areas that press releases concern marked; None when no district has a shape."""
    districts = sorted((s for s in atlas.shapes.values() if s.is_district), key=lambda s: (s.name, s.iri))
    if not districts:
        return None
    by_shape: dict[str, list[tuple[str, int]]] = {}
    listed: list[Listed] = []
    for iri, name, kind, count in atlas.covered:
        found = atlas.resolve(iri)
        for shape in found:
            by_shape.setdefault(shape.iri, []).append((name, count))
        where = ", ".join(_named(s) for s in found) if found else "ohne Umriss, nicht auf der Karte"
        listed.append(Listed(name, linker.href(iri), f"{kind}; {releases_text(count)}; Karte: {where}"))

    def title(shape: Shape) -> str:
        about = by_shape.get(shape.iri)
        if not about:
            return _named(shape)
        named = ", ".join(f"{n} ({c})" for n, c in about[:TITLE_AREAS])
        more = f" und {len(about) - TITLE_AREAS} weitere Gebiete" if len(about) > TITLE_AREAS else ""
        return f"{_named(shape)} – Pressemitteilungen über {named}{more}"

    drawn = [
        Drawn(linker.href(s.iri), title(s), s.coarse, "map-district" + (" map-marked" if s.iri in by_shape else ""))
        for s in districts
    ]
    parts = sorted((atlas.shapes[i] for i in by_shape if not atlas.shapes[i].is_district), key=lambda s: s.name)
    drawn += [Drawn(linker.href(s.iri), title(s), s.coarse, "map-part map-marked") for s in parts]
    marked = sorted(_named(atlas.shapes[i]) for i in by_shape)
    return MapView(
        heading="Karte: Gebiete der Pressemitteilungen",
        view_box=f"{-COARSE * MARGIN:.0f} {-COARSE * MARGIN:.0f} {COARSE * (1 + 2 * MARGIN):.0f} "
        f"{atlas.height[1] + 2 * COARSE * MARGIN:.0f}",
        shapes=drawn,
        outline="".join(s.coarse for s in districts),
        title="Karte der Berliner Bezirke mit den Gebieten, über die Pressemitteilungen berichten",
        desc=f"Die {len(districts)} Bezirke Berlins; markiert"
        + (f": {', '.join(marked)}." if marked else " ist noch kein Gebiet."),
        notes=[],
        listed=listed,
        data_links=[
            ("Gebiete der Pressemitteilungen (SPARQL)", sparql_link(_prefixed(COVERED_QUERY))),
            ("Umrisse der Bezirke (SPARQL)", sparql_link(_prefixed(DISTRICTS_QUERY))),
        ],
    )


def _prefixed(query: str) -> str:
    return f"PREFIX geo: <{GEO}>\nPREFIX schema: <{SDO}>\nPREFIX pm: <{PM}>\n{query}"


def landing_map(state: Published, linker: Linker) -> MapView | None:
    """The landing page's map of the current state."""
    return atlases().city_view(state.store, linker)


def resource_map_html(state: Published, description: Description, linker: Linker) -> Markup:
    """The map of a resource's page as the page shows it (``_map.html``): a press release's areas
    (``schema:spatialCoverage``), or an area itself (or what shows it); empty for everything else and where nothing
    can be shown. Rendered once per published state and kept (``KEPT_MAPS``): a district's map is some 70 KB of
    SVG."""
    wanted = _wanted(state, description)
    if wanted is None:
        return Markup("")
    atlas, areas, heading = wanted
    key = (linker.root, linker.base_uri, heading, tuple(sorted(areas.items())))

    def render() -> Markup:
        view = district_map(atlas, areas, linker, heading)
        return Markup(render_template("_map.html", area_map=view)) if view is not None else Markup("")

    return atlas.rendered.get_or_make(key, render)


def _wanted(state: Published, description: Description) -> tuple[Atlas, dict[str, str], str] | None:
    """What the map of a resource's page shows: the atlas, the areas to mark (IRI -> name), the heading."""
    graph, subject = description.graph, URIRef(description.iri)
    covered = [o for o in graph.objects(subject, SDO.spatialCoverage) if isinstance(o, URIRef)]
    if not covered and not set(graph.objects(subject, RDF.type)) & AREA_CLASSES:
        return None  # neither a release about areas nor an area: no map, and no atlas to make for it
    atlas = atlases().of(state.store)
    if not atlas.shapes:
        return None
    if covered:
        return atlas, {str(o): _label(description, o) for o in covered}, "Karte: Gebiete dieser Pressemitteilung"
    iri = description.iri
    if iri not in atlas.shapes and iri not in atlas.parents and iri not in atlas.children:
        return None
    return atlas, {iri: _label(description, subject)}, "Karte"


def _label(description: Description, node: URIRef) -> str:
    return label_of(description.graph, node) or str(node)


__all__ = [
    "COVERED_QUERY",
    "DISTRICTS_QUERY",
    "KEPT_MAPS",
    "SHAPES_QUERY",
    "Atlas",
    "Atlases",
    "MapView",
    "Projection",
    "Shape",
    "atlases",
    "build_atlas",
    "city_map",
    "district_map",
    "landing_map",
    "outline_of",
    "path_data",
    "resource_map_html",
]
