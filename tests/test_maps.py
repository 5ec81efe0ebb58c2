"""Maps of areas as inline SVG: on the landing page, on area pages and on release pages, drawn from the geometry
in the store, with the right areas marked, links that lead to pages, a text alternative and a data link."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from publisher.config import Config
from publisher.store import WritableStore
from publisher.web.maps import COARSE, FINE, Atlas, Projection, Shape, atlases, outline_of, path_data
from tests.conftest import BASE, SEED_IRI

SVG = "{http://www.w3.org/2000/svg}"
RELEASE = SEED_IRI.replace(BASE + "id/", "/doc/")
TK = "/doc/bezirk/treptow-koepenick"
GEO = "http://www.opengis.net/ont/geosparql#"
SDO = "https://schema.org/"
PM = "https://w3id.org/pm-berlin/ontology#"


@dataclass
class Drawn:
    href: str
    title: str
    marked: bool
    layer: str
    points: list[tuple[float, float]]


@dataclass
class Map:
    view_box: tuple[float, float, float, float]
    title: str
    desc: str
    shapes: list[Drawn]
    text: str  # the section's text beside the picture
    data_links: list[str]

    @property
    def marked(self) -> set[str]:
        return {s.href for s in self.shapes if s.marked}


def points_of(data: str) -> list[tuple[float, float]]:
    """The points of SVG path data written with absolute M and L commands (pairs after L are more lines)."""
    assert re.fullmatch(r"(M-?\d+ -?\d+L(-?\d+ -?\d+ ?)+Z)+", data), data[:80]
    numbers = [float(n) for n in re.findall(r"-?\d+", data)]
    return list(zip(numbers[::2], numbers[1::2], strict=True))


def the_map(client: FlaskClient, path: str) -> Map | None:
    """The map of the page at ``path``, parsed as XML (None when the page has none)."""
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, path
    html = response.get_data(as_text=True)
    start = html.find('<section class="map"')
    if start < 0:
        assert "<svg" not in html or 'class="map"' not in html
        return None
    section = html[start : html.index("</section>", start)]
    svg = ET.fromstring(section[section.index("<svg") : section.index("</svg>") + len("</svg>")])
    assert svg.get("role") == "group"
    assert svg.get("aria-labelledby") == "karte-titel" and svg.get("aria-describedby") == "karte-beschreibung"
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert title is not None and title.get("id") == "karte-titel" and title.text
    assert desc is not None and desc.get("id") == "karte-beschreibung" and desc.text
    shapes = []
    for link in svg.findall(f"{SVG}a"):
        css = (link.get("class") or "").split()
        label, outline = link.find(f"{SVG}title"), link.find(f"{SVG}path")
        assert label is not None and label.text and outline is not None
        shapes.append(
            Drawn(link.get("href") or "", label.text, "map-marked" in css, css[0], points_of(outline.get("d") or ""))
        )
    box = tuple(float(n) for n in (svg.get("viewBox") or "").split())
    assert len(box) == 4
    text = re.sub(r"<[^>]+>", " ", section[section.index("</svg>") :])
    links = re.findall(r'href="(/sparql\?[^"]+|[^"]+\.geojson)"', section.replace("&amp;", "&"))
    return Map((box[0], box[1], box[2], box[3]), title.text, desc.text, shapes, text, links)


def assert_inside(found: Map) -> None:
    x, y, width, height = found.view_box
    for shape in found.shapes:
        for px, py in shape.points:
            assert x <= px <= x + width and y <= py <= y + height, (shape.href, px, py, found.view_box)


def iris(store: WritableStore, query: str) -> set[str]:
    return {row["x"] for row in store.select(f"PREFIX geo: <{GEO}> PREFIX schema: <{SDO}> PREFIX pm: <{PM}> {query}")}


def local(iri: str) -> str:
    return iri.replace(BASE + "id/", "/doc/")


# ---------------------------------------------------------------- the bundled data


def test_the_data_the_maps_rest_on(built: tuple[Config, WritableStore]) -> None:
    """What the expectations below follow from: the seed release concerns two Bezirksregionen without outlines and
    their Bezirk; each Bezirksregion lies in a Prognoseraum with one; Treptow-Köpenick has five Prognoseräume."""
    _config, store = built
    assert {local(i) for i in iris(store, f"SELECT ?x WHERE {{ <{SEED_IRI}> schema:spatialCoverage ?x }}")} == {
        "/doc/bezirksregion/093009",
        "/doc/bezirksregion/094014",
        TK,
    }
    with_outline = iris(store, "SELECT ?x WHERE { ?x geo:hasGeometry/geo:asWKT ?w }")
    assert {local(i) for i in with_outline} >= {TK, "/doc/prognoseraum/0930", "/doc/prognoseraum/0940"}
    assert not any("bezirksregion" in i for i in with_outline)
    assert store.ask(
        f"ASK {{ <{BASE}id/bezirksregion/093009> <{SDO}containedInPlace> <{BASE}id/prognoseraum/0930> . "
        f"<{BASE}id/bezirksregion/094014> <{SDO}containedInPlace> <{BASE}id/prognoseraum/0940> }}"
    )
    parts = iris(
        store,
        f"SELECT ?x WHERE {{ ?x a pm:Prognoseraum ; schema:containedInPlace <{BASE}id/bezirk/treptow-koepenick> ; "
        "geo:hasGeometry ?g }",
    )
    assert len(parts) == 5


def test_landing_page_shows_the_districts_and_marks_the_areas_of_releases(
    client: FlaskClient, built: tuple[Config, WritableStore]
) -> None:
    _config, store = built
    found = the_map(client, "/")
    assert found is not None
    districts = iris(store, "SELECT ?x WHERE { ?x a pm:Bezirk ; geo:hasGeometry/geo:asWKT ?w }")
    assert len(districts) == 12
    assert {s.href for s in found.shapes if s.layer == "map-district"} == {local(d) for d in districts}
    # the Bezirk itself, and the Prognoseräume that show the two Bezirksregionen
    assert found.marked == {TK, "/doc/prognoseraum/0930", "/doc/prognoseraum/0940"}
    assert len(found.shapes) == 14
    marked_tk = next(s for s in found.shapes if s.href == "/doc/prognoseraum/0930")
    assert "Altglienicke (1)" in marked_tk.title
    assert "Treptow-Köpenick 3" in found.desc and "12 Bezirke" in found.desc
    # the list beside the map names each area of a release, with where the map shows it
    assert "Altglienicke" in found.text and "Allende-Viertel" in found.text
    assert "Karte: Prognoseraum Treptow-Köpenick 4" in found.text
    assert_inside(found)
    width = found.view_box[2]
    assert width <= COARSE * 1.1  # the city map is drawn in the coarse frame


def test_release_page_marks_the_areas_it_concerns_within_their_district(client: FlaskClient) -> None:
    found = the_map(client, RELEASE)
    assert found is not None
    assert found.marked == {TK, "/doc/prognoseraum/0930", "/doc/prognoseraum/0940"}
    assert [s.href for s in found.shapes if s.layer == "map-district"] == [TK]
    assert len([s for s in found.shapes if s.layer == "map-part"]) == 5
    assert "Altglienicke" in found.title and "Allende-Viertel" in found.title
    assert "Prognoseraum Treptow-Köpenick 3" in found.desc
    assert "Altglienicke: kein eigener Umriss; markiert: Prognoseraum Treptow-Köpenick 3" in found.text
    assert_inside(found)


@pytest.mark.parametrize(
    ("path", "marked", "note"),
    [
        (TK, {TK}, None),
        ("/doc/prognoseraum/0930", {"/doc/prognoseraum/0930"}, None),
        ("/doc/bezirksregion/093009", {"/doc/prognoseraum/0930"}, "markiert: Prognoseraum Treptow-Köpenick 3"),
        ("/doc/ortsteil/altglienicke", {TK}, "markiert: Bezirk Treptow-Köpenick"),
        ("/doc/quartier/allende-viertel", {"/doc/prognoseraum/0940"}, "markiert: Prognoseraum Treptow-Köpenick 4"),
    ],
)
def test_area_page_marks_the_area_or_the_unit_that_contains_it(
    client: FlaskClient, path: str, marked: set[str], note: str | None
) -> None:
    found = the_map(client, path)
    assert found is not None
    assert found.marked == marked
    assert [s.href for s in found.shapes if s.layer == "map-district"] == [TK]
    assert len(found.shapes) == 6
    if note is None:
        assert "kein eigener Umriss" not in found.text
    else:
        assert f"kein eigener Umriss; {note}" in found.text
    assert_inside(found)
    width = found.view_box[2]
    assert width < FINE / 2  # one district, in the fine frame


def test_city_page_shows_the_districts_it_contains(client: FlaskClient) -> None:
    found = the_map(client, "/doc/stadt/berlin")
    assert found is not None
    assert len({s.href for s in found.shapes if s.layer == "map-district"}) == 12
    assert {s.href for s in found.shapes if s.marked} == {s.href for s in found.shapes if s.layer == "map-district"}
    assert "die 12 Gebiete mit Umriss, die es umfasst" in found.text
    assert_inside(found)


def test_every_shape_links_to_a_page(client: FlaskClient) -> None:
    seen: set[str] = set()
    for path in ("/", RELEASE):
        found = the_map(client, path)
        assert found is not None
        seen |= {s.href for s in found.shapes}
    assert len(seen) == 12 + 5
    for href in sorted(seen):
        assert client.get(href, headers={"Accept": "text/html"}).status_code == 200, href


def test_a_page_without_geometry_has_no_map(client: FlaskClient) -> None:
    assert the_map(client, "/doc/organisation/bezirksamt-treptow-koepenick") is None
    assert the_map(client, "/doc/person/oliver-igel") is None


def test_the_data_link_gives_the_outlines_drawn(client: FlaskClient) -> None:
    found = the_map(client, RELEASE)
    assert found is not None and len(found.data_links) == 4
    query = parse_qs(urlsplit(found.data_links[0]).query)["query"][0]
    response = client.get(
        "/sparql", query_string={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200
    rows = json.loads(response.get_data(as_text=True))["results"]["bindings"]
    assert {local(r["area"]["value"]) for r in rows} == {s.href for s in found.shapes}
    assert all(
        r["wkt"]["value"].startswith("<http://www.opengis.net/def/crs/OGC/1.3/CRS84> MULTIPOLYGON") for r in rows
    )
    # and the GeoJSON of each area the release concerns, whose outline is the one the map marks for it
    marked = {}
    for link in found.data_links[1:]:
        response = client.get(link)
        assert response.status_code == 200 and response.mimetype == "application/geo+json", link
        shown = json.loads(response.get_data(as_text=True))["properties"]["geometryOf"]
        marked[link.removesuffix(".geojson")] = local(shown)
    assert marked == {
        "/doc/bezirksregion/093009": "/doc/prognoseraum/0930",
        "/doc/bezirksregion/094014": "/doc/prognoseraum/0940",
        TK: TK,
    }


def test_maps_keep_to_the_content_security_policy(client: FlaskClient) -> None:
    for path in ("/", RELEASE, "/doc/bezirksregion/093009"):
        html = client.get(path, headers={"Accept": "text/html"}).get_data(as_text=True)
        section = html[
            html.index('<section class="map"') : html.index("</section>", html.index('<section class="map"'))
        ]
        assert not re.search(r"\s(style|on[a-z]+)\s*=", section, re.IGNORECASE)
        assert "<script" not in section and "<img" not in section


def test_the_atlas_is_made_once_per_published_state(app: Flask, built: tuple[Config, WritableStore]) -> None:
    _config, store = built
    with app.app_context():
        first = atlases(app).of(store)
        assert atlases(app).of(store) is first
    assert len(first.shapes) == 70


# ---------------------------------------------------------------- geometry to path data


def test_wkt_is_read_in_the_axis_order_of_its_reference_system() -> None:
    crs84 = "<http://www.opengis.net/def/crs/OGC/1.3/CRS84> POLYGON((13.1 52.4, 13.2 52.4, 13.2 52.5, 13.1 52.4))"
    epsg = "<http://www.opengis.net/def/crs/EPSG/0/4326> POLYGON((52.4 13.1, 52.4 13.2, 52.5 13.2, 52.4 13.1))"
    read = outline_of(crs84)
    assert read is not None and read.bounds == (13.1, 52.4, 13.2, 52.5)
    flipped = outline_of(epsg)
    assert flipped is not None and flipped.equals(read)
    plain = outline_of("POLYGON((13.1 52.4, 13.2 52.4, 13.2 52.5, 13.1 52.4))")
    assert plain is not None and plain.equals(read)
    assert outline_of("<http://www.opengis.net/def/crs/EPSG/0/25833> POLYGON((1 2, 3 4, 5 6, 1 2))") is None
    assert outline_of("POINT(13.1 52.4)") is None
    assert outline_of("POLYGON((13.1 52.4, oops))") is None


def test_a_hole_is_a_ring_of_its_own_and_north_is_up() -> None:
    outer = "(13.0 52.0, 14.0 52.0, 14.0 53.0, 13.0 53.0, 13.0 52.0)"
    outline = outline_of(f"MULTIPOLYGON(({outer}, (13.4 52.4, 13.6 52.4, 13.6 52.6, 13.4 52.4)))")
    assert outline is not None
    projection = Projection((13.0, 52.0, 14.0, 53.0), 1000)
    data = path_data(outline, projection)
    assert data.count("M") == 2 and data.count("Z") == 2
    corners = points_of(data.split("Z")[0] + "Z")
    # the south-west corner is at the bottom left, the north-east one at the top right: y grows southwards
    assert (0, projection.height) in corners and (1000, 0) in corners and len(corners) == 4
    # a degree of longitude is shorter than one of latitude, by the cosine of the latitude
    assert projection.height == pytest.approx(1000 / 0.6088, rel=0.01)


def test_simplification_drops_what_the_map_cannot_show() -> None:
    """Points nearer than a unit of the frame to the line between their neighbours go; corners stay."""
    outline = outline_of("POLYGON((13.0 52.0, 13.5 52.0001, 14.0 52.0, 14.0 53.0, 13.0 53.0, 13.0 52.0))")
    assert outline is not None
    kept = points_of(path_data(outline, Projection((13.0, 52.0, 14.0, 53.0), 1000)))
    assert len(kept) == 4
    kept = points_of(path_data(outline, Projection((13.0, 52.0, 14.0, 53.0), 100000)))
    assert len(kept) == 5


def test_an_area_is_shown_by_the_nearest_smaller_area_that_has_an_outline() -> None:
    def shape(iri: str, district: bool) -> Shape:
        return Shape(iri, iri, "Bezirk" if district else "Prognoseraum", district, "", "", (0, 0, 1, 1), "b")

    atlas = Atlas(
        shapes={"b": shape("b", True), "p": shape("p", False)},
        parents={"q": ["o", "p"], "o": ["b"], "p": ["b"], "s": ["o"], "x": []},
        children={"city": ["b", "park"]},
        height=(1, 1),
    )
    assert [s.iri for s in atlas.resolve("q")] == ["p"]  # the Prognoseraum, one step up
    assert [s.iri for s in atlas.resolve("s")] == ["b"]  # two steps up
    assert [s.iri for s in atlas.resolve("city")] == ["b"]  # what it contains
    assert atlas.resolve("x") == []
