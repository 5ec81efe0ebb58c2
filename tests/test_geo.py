"""Area geometry: the converter against the committed file, the outlines in the store, GeoJSON documents checked
against RFC 7946 and against the WKT in the graph, and GeoSPARQL functions at the SPARQL endpoint."""

from __future__ import annotations

import itertools
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from rdflib import Graph, Literal, URIRef

from publisher.config import PROJECT_ROOT, Config
from publisher.geo import GEO, geometry_of
from publisher.namespaces import PM, SDO
from publisher.store import WritableStore
from tests.conftest import run

COMMITTED = PROJECT_ROOT / "data" / "reference" / "areas-geometry.ttl"
CRS84 = "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
BASE = "http://localhost:8080/"
#: Berlin's bounding box, a little widened: (west, south, east, north).
BERLIN = (13.08, 52.33, 13.77, 52.68)
GEOF = "PREFIX geo: <http://www.opengis.net/ont/geosparql#>\nPREFIX geof: <http://www.opengis.net/def/function/geosparql/>\n"
#: A point in Altglienicke (Treptow-Köpenick 3), one in the Tiergarten (Mitte, Zentrum), one in Spandau's Altstadt.
POINTS = {
    (13.547, 52.417): ("treptow-koepenick", "0930"),
    (13.35, 52.514): ("mitte", "0110"),
    (13.2, 52.537): ("spandau", "0510"),
}


@pytest.fixture(scope="module")
def geo_folder(standards: Path) -> Path:
    folder = standards / "berlin" / "geo"
    assert (folder / "SOURCES.md").is_file(), f"{folder} holds no outlines"
    return folder


def _select(client: FlaskClient, query: str) -> list[dict[str, str]]:
    response = client.get(
        "/sparql", query_string={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200, response.data[:500]
    return [{k: v["value"] for k, v in row.items()} for row in response.get_json()["results"]["bindings"]]


def _wkt_rings(text: str) -> list[list[list[list[float]]]]:
    """The polygons of a MULTIPOLYGON WKT literal, read with nothing but regular expressions: polygons of rings of
    [lon, lat] positions."""
    assert text.startswith(CRS84 + " MULTIPOLYGON ((("), text[:80]
    body = text[len(CRS84 + " MULTIPOLYGON (") : -1]
    polygons = []
    for polygon in re.findall(r"\(\((.*?)\)\)", body):
        rings = [
            [[float(n) for n in position.split()] for position in ring.split(", ")] for ring in polygon.split("), (")
        ]
        polygons.append(rings)
    return polygons


def _signed_area(ring: list[list[float]]) -> float:
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in itertools.pairwise(ring)) / 2


def assert_rfc7946_multipolygon(geometry: dict[str, Any]) -> None:
    """The rules of RFC 7946 for a MultiPolygon, and that it lies in Berlin."""
    assert geometry["type"] == "MultiPolygon"
    assert geometry["coordinates"], "no polygons"
    for polygon in geometry["coordinates"]:
        for index, ring in enumerate(polygon):
            assert len(ring) >= 4, "a linear ring has at least four positions"
            assert ring[0] == ring[-1], "a linear ring is closed"
            for position in ring:
                assert len(position) == 2
                lon, lat = position
                assert -180 <= lon <= 180 and -90 <= lat <= 90
                assert BERLIN[0] <= lon <= BERLIN[2] and BERLIN[1] <= lat <= BERLIN[3], f"{position} not in Berlin"
            area = _signed_area(ring)
            # the right-hand rule: exterior rings counterclockwise, holes clockwise
            assert area > 0 if index == 0 else area < 0, f"ring {index} is oriented the wrong way"


# ---------------------------------------------------------------- the converter


def test_converter_gives_the_committed_file_byte_for_byte(tmp_path: Path, geo_folder: Path) -> None:
    target = tmp_path / "areas-geometry.ttl"
    result = run(CliRunner(), "geometry", str(geo_folder), "--data", str(PROJECT_ROOT / "data"), "-o", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == COMMITTED.read_bytes(), (
        "data/reference/areas-geometry.ttl is not what `publisher geometry` makes of the sources: regenerate it"
    )


def _without_0930(features: list[dict[str, Any]]) -> None:
    features[:] = [f for f in features if f["properties"]["PGR_ID"] != "0930"]


def _renamed_0930(features: list[dict[str, Any]]) -> None:
    next(f for f in features if f["properties"]["PGR_ID"] == "0930")["properties"]["PGR_NAME"] = "Irgendwo"


def _twice(features: list[dict[str, Any]]) -> None:
    features.append(features[0])


def _no_geometry(features: list[dict[str, Any]]) -> None:
    del features[3]["geometry"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_renamed_0930, "(0930) is named 'Irgendwo', the reference 'Treptow-Köpenick 3'"),
        (_without_0930, "no outline for the LOR codes 0930"),
        (_twice, "features 0 and 58 both have the LOR code"),
        (_no_geometry, "feature 3: no LOR code, name or geometry"),
    ],
)
def test_converter_refuses_outlines_that_do_not_match_the_reference(
    tmp_path: Path, geo_folder: Path, change: Any, message: str
) -> None:
    folder = tmp_path / "geo"
    shutil.copytree(geo_folder, folder)
    path = folder / "lor_prognoseraeume_2021_wgs84.geojson"
    collection = json.loads(path.read_text("utf-8"))
    change(collection["features"])
    path.write_text(json.dumps(collection), "utf-8")
    result = run(CliRunner(), "geometry", str(folder), "--data", str(PROJECT_ROOT / "data"), "-o", "-")
    assert result.exit_code == 2, result.output[:300]
    assert "lor_prognoseraeume_2021_wgs84.geojson" in result.output
    assert message in result.output


def test_committed_geometry_is_every_bezirk_and_prognoseraum_with_source_licence_and_changes() -> None:
    graph = Graph()
    graph.parse(COMMITTED, format="turtle", publicID=BASE)
    lor = Graph()
    lor.parse(PROJECT_ROOT / "data" / "reference" / "areas-lor.ttl", format="turtle", publicID=BASE)
    areas = set(graph.subjects(GEO.hasGeometry, None))
    assert areas == set(lor.subjects(None, PM.Bezirk)) | set(lor.subjects(None, PM.Prognoseraum))
    assert len(areas) == 12 + 58
    for area in areas:
        geometry = graph.value(area, GEO.hasGeometry)
        assert str(geometry) == f"{area}#geometrie"
        wkt = graph.value(geometry, GEO.asWKT)
        assert isinstance(wkt, Literal) and wkt.datatype == GEO.wktLiteral
        assert str(wkt).startswith(CRS84 + " MULTIPOLYGON")
        assert str(graph.value(geometry, SDO.license)).startswith("http://dcat-ap.de/def/licenses/")
        assert str(graph.value(geometry, SDO.isBasedOn)).startswith("https://github.com/")
        assert graph.value(geometry, SDO.creditText) is not None
        changes = {c.language: str(c) for c in graph.objects(geometry, SDO.description) if isinstance(c, Literal)}
        assert "10 m" in changes["en"] and "Vereinfacht" in changes["de"]
        point = graph.value(area, SDO.geo)
        assert (point, None, SDO.GeoCoordinates) in graph
        lat, lon = float(graph.value(point, SDO.latitude)), float(graph.value(point, SDO.longitude))  # type: ignore[arg-type]
        assert BERLIN[0] <= lon <= BERLIN[2] and BERLIN[1] <= lat <= BERLIN[3]
    size = COMMITTED.stat().st_size
    assert size < 600_000, f"the geometry file grew to {size:,} bytes"


def test_prognoseraeume_tile_without_gaps_or_overlaps_and_fill_their_bezirk() -> None:
    """Simplified as a coverage: neighbours share their borders, so their areas add up to the area of their union;
    and each Prognoseraum lies (all but a sliver: they come from another survey) in its Bezirk."""
    import shapely

    from publisher.sparql.spatial import parse_wkt

    graph = Graph()
    graph.parse(COMMITTED, format="turtle", publicID=BASE)
    outlines = {str(a): parse_wkt(str(graph.value(g, GEO.asWKT))) for a, g in graph.subject_objects(GEO.hasGeometry)}
    prognoseraeume = {iri: g for iri, g in outlines.items() if "/prognoseraum/" in iri}
    union = shapely.union_all(list(prognoseraeume.values()))
    assert sum(g.area for g in prognoseraeume.values()) == pytest.approx(union.area, rel=1e-9)
    lor = Graph()
    lor.parse(PROJECT_ROOT / "data" / "reference" / "areas-lor.ttl", format="turtle", publicID=BASE)
    for iri, outline in prognoseraeume.items():
        bezirk = str(lor.value(URIRef(iri), SDO.containedInPlace))
        assert outline.intersection(outlines[bezirk]).area > 0.98 * outline.area, iri


# ---------------------------------------------------------------- the store


def test_geometry_of_an_area_is_its_own_or_the_nearest_containing_areas(built: tuple[Config, WritableStore]) -> None:
    _config, store = built
    own = geometry_of(store, BASE + "id/prognoseraum/0930")
    assert own is not None and own.own and own.area == BASE + "id/prognoseraum/0930"
    assert own.wkt.startswith(CRS84) and own.licence and own.source
    borrowed = geometry_of(store, BASE + "id/bezirksregion/093009")  # Altglienicke, a Bezirksregion
    assert borrowed is not None and not borrowed.own
    assert borrowed.area == BASE + "id/prognoseraum/0930" and borrowed.wkt == own.wkt
    planungsraum = geometry_of(store, BASE + "id/planungsraum/09300920")
    assert planungsraum is not None and planungsraum.area == BASE + "id/prognoseraum/0930"
    assert geometry_of(store, BASE + "id/stadt/berlin") is None  # Berlin has no outline and lies in nothing


# ---------------------------------------------------------------- GeoJSON documents


@pytest.mark.parametrize("path", ["bezirk/treptow-koepenick", "prognoseraum/0930"])
def test_geojson_of_an_area_is_rfc7946_and_agrees_with_the_wkt_in_its_document(client: FlaskClient, path: str) -> None:
    by_suffix = client.get(f"/doc/{path}.geojson")
    assert by_suffix.status_code == 200
    assert by_suffix.mimetype == "application/geo+json"
    by_accept = client.get(f"/doc/{path}", headers={"Accept": "application/geo+json"})
    assert by_accept.status_code == 200 and by_accept.mimetype == "application/geo+json"
    assert by_accept.headers["Content-Location"].endswith(f"/doc/{path}.geojson")
    assert "Accept" in by_accept.headers["Vary"]
    assert by_accept.data == by_suffix.data
    feature = json.loads(by_suffix.data)
    assert feature["type"] == "Feature" and feature["id"] == BASE + "id/" + path
    assert_rfc7946_multipolygon(feature["geometry"])
    properties = feature["properties"]
    assert properties["iri"] == BASE + "id/" + path
    assert properties["geometryOf"] == properties["iri"] and properties["geometryExact"] is True
    assert properties["lorCode"] in ("09", "0930")
    assert properties["license"].startswith("http://dcat-ap.de/def/licenses/") and properties["source"]
    # the same coordinates as the WKT literal of the Turtle document, read without shapely
    turtle = Graph()
    turtle.parse(data=client.get(f"/doc/{path}.ttl").get_data(as_text=True), format="turtle")
    wkt = turtle.value(URIRef(f"{BASE}id/{path}#geometrie"), GEO.asWKT)
    assert wkt is not None
    assert feature["geometry"]["coordinates"] == _wkt_rings(str(wkt))


def test_area_documents_link_their_geojson(client: FlaskClient) -> None:
    response = client.get("/doc/prognoseraum/0930.ttl")
    assert '</doc/prognoseraum/0930.geojson>; rel="alternate"; type="application/geo+json"' in response.headers["Link"]
    page = client.get("/doc/prognoseraum/0930", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'href="/doc/prognoseraum/0930.geojson"' in page
    organisation = client.get("/doc/organisation/bezirksamt-treptow-koepenick.ttl")
    assert "geo+json" not in organisation.headers["Link"]


def test_geojson_of_an_area_without_an_outline_is_that_of_the_area_containing_it(client: FlaskClient) -> None:
    feature = json.loads(client.get("/doc/bezirksregion/093009.geojson").data)
    assert feature["properties"]["name"] == "Altglienicke"
    assert feature["properties"]["lorCode"] == "093009"
    assert feature["properties"]["geometryOf"] == BASE + "id/prognoseraum/0930"
    assert feature["properties"]["geometryExact"] is False
    assert_rfc7946_multipolygon(feature["geometry"])
    containing = json.loads(client.get("/doc/prognoseraum/0930.geojson").data)
    assert feature["geometry"] == containing["geometry"]
    berlin = json.loads(client.get("/doc/stadt/berlin.geojson").data)
    assert berlin["geometry"] is None and berlin["properties"]["geometryOf"] is None


def test_geojson_of_what_is_not_a_place_is_406(client: FlaskClient) -> None:
    doc = "/doc/organisation/bezirksamt-treptow-koepenick"
    by_suffix = client.get(doc + ".geojson")
    assert by_suffix.status_code == 406
    by_accept = client.get(doc, headers={"Accept": "application/geo+json"})
    assert by_accept.status_code == 406
    assert "application/geo+json" in by_accept.get_data(as_text=True)
    fallback = client.get(doc, headers={"Accept": "application/geo+json, text/html;q=0.5"})
    assert fallback.status_code == 200 and fallback.mimetype == "text/html"
    assert client.get("/doc/bezirk/treptow-koepenick", headers={"Accept": "*/*"}).mimetype == "text/turtle"


# ---------------------------------------------------------------- GeoSPARQL at the endpoint


def test_which_areas_contain_a_point(client: FlaskClient) -> None:
    for (lon, lat), (bezirk, prognoseraum) in POINTS.items():
        rows = _select(
            client,
            GEOF
            + f"""SELECT ?area WHERE {{ ?area geo:hasGeometry/geo:asWKT ?wkt .
              FILTER(geof:sfContains(?wkt, "{CRS84} POINT({lon} {lat})"^^geo:wktLiteral)) }}""",
        )
        assert {r["area"] for r in rows} == {f"{BASE}id/bezirk/{bezirk}", f"{BASE}id/prognoseraum/{prognoseraum}"}


def test_within_intersects_and_distance(client: FlaskClient) -> None:
    within = _select(
        client,
        GEOF
        + f"""SELECT ?p WHERE {{ ?p a <{PM.Prognoseraum}> ; geo:hasGeometry/geo:asWKT ?wkt .
          FILTER(geof:sfWithin("POINT(13.547 52.417)"^^geo:wktLiteral, ?wkt)) }}""",
    )
    assert [r["p"] for r in within] == [BASE + "id/prognoseraum/0930"]
    neighbours = _select(
        client,
        GEOF
        + f"""SELECT ?p WHERE {{ <{BASE}id/prognoseraum/0930> geo:hasGeometry/geo:asWKT ?mine .
          ?p a <{PM.Prognoseraum}> ; geo:hasGeometry/geo:asWKT ?wkt . FILTER(geof:sfIntersects(?mine, ?wkt)) }}""",
    )
    found = {r["p"].rsplit("/", 1)[-1] for r in neighbours}
    assert {"0930", "0920", "0940"} <= found and "0110" not in found
    # 0.009 degrees of latitude are one kilometre; a point inside an area is at distance 0 from it
    rows = _select(
        client,
        GEOF
        + f"""SELECT ?points ?inside WHERE {{ <{BASE}id/prognoseraum/0930> geo:hasGeometry/geo:asWKT ?wkt .
          BIND(geof:distance("POINT(13.5 52.4)"^^geo:wktLiteral, "POINT(13.5 52.409)"^^geo:wktLiteral,
               <http://www.opengis.net/def/uom/OGC/1.0/metre>) AS ?points)
          BIND(geof:distance(?wkt, "POINT(13.547 52.417)"^^geo:wktLiteral,
               <http://www.opengis.net/def/uom/OGC/1.0/metre>) AS ?inside) }}""",
    )
    assert float(rows[0]["points"]) == pytest.approx(1000.8, rel=0.01)
    assert float(rows[0]["inside"]) == 0.0


def test_a_wkt_literal_in_another_crs_has_no_answer(client: FlaskClient) -> None:
    rows = _select(
        client,
        GEOF
        + """SELECT ?x WHERE { BIND(geof:sfContains(
            "<http://www.opengis.net/def/crs/EPSG/0/25833> POLYGON((0 0, 1 0, 1 1, 0 0))"^^geo:wktLiteral,
            "POINT(0.5 0.2)"^^geo:wktLiteral) AS ?x) }""",
    )
    assert rows == [{}]
