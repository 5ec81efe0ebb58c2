"""Area geometry: the converter that brings Berlin's outlines into the reference data, and their use.

``convert`` reads the Bezirk outlines and the LOR Prognoseräume (GeoJSON, lon/lat) and writes Turtle in which each
area carries a GeoSPARQL geometry (``geo:hasGeometry`` → ``geo:Geometry`` with a ``geo:asWKT`` literal that
states its CRS) and a representative point (``schema:geo`` → ``schema:GeoCoordinates``). The outlines are
simplified as coverages (neighbours keep their shared borders, so a point lies in one Prognoseraum, not in two or
none) in a local metric frame, rounded to six decimals (about 0.1 m) and oriented as RFC 7946 and Simple Features
want (exterior rings counterclockwise). Each geometry names its source, its licence and these changes.

The rest reads geometry back: ``geometry_of`` finds an area's own outline or that of the nearest area containing
it, and ``feature`` turns it into a GeoJSON Feature. GeoSPARQL's functions for the query engine are in
``publisher.sparql.spatial``.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rdflib import Graph, Namespace, URIRef

from publisher.cache import LruCache
from publisher.errors import ReferenceDataError
from publisher.namespaces import PM, RDF, SDO
from publisher.sparql import spatial
from publisher.sparql.spatial import CRS84, GeometryError, parse_wkt

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

    from publisher.store import Store

GEO = Namespace(spatial.GEO)

#: Simplification tolerance in metres. 10 m is invisible on a district map and keeps the file small.
TOLERANCE_M = 10.0
#: Coordinates are written with this many decimals: 1e-6 degrees is about 0.1 m in Berlin.
DECIMALS = 6
#: The latitude of the local metric frame the outlines are simplified in (Berlin's middle). An equirectangular
#: frame is exact to invert, so the vertices that simplification keeps come back unchanged; its scale errs by
#: less than 0.5 % across Berlin, a few centimetres of the tolerance.
FRAME_LATITUDE = 52.5
_EARTH_RADIUS_M = 6_371_008.8

#: Berlin's geodata (ALKIS, LOR) are published under Datenlizenz Deutschland – Zero – 2.0; the sources are
#: credited all the same (schema:creditText), as the copies they were taken from name no licence of their own.
LICENCE_DL_ZERO_DE_2_0 = "http://dcat-ap.de/def/licenses/dl-zero-de/2.0"


@dataclass(frozen=True)
class Source:
    """One GeoJSON file of outlines and what the data says about its origin."""

    file: str
    area_class: URIRef
    url: str
    credit: str
    licence: str

    def code(self, properties: dict[str, Any]) -> str:
        """The LOR code of a feature."""
        if self.area_class == PM.Bezirk:
            return str(properties["Gemeinde_schluessel"])[-2:]  # "009" is the Bezirk "09"
        return str(properties["PGR_ID"])

    def name(self, properties: dict[str, Any]) -> str:
        return str(properties["Gemeinde_name" if self.area_class == PM.Bezirk else "PGR_NAME"])


SOURCES = (
    Source(
        file="bezirksgrenzen_alkis_crs84.geojson",
        area_class=PM.Bezirk,
        url="https://github.com/technologiestiftung/kulturB-karte/blob/41e1b14f9ea39e9fdd0c4c0057a2cfe92f7a5685/"
        "public/data/bezirksgrenzen.geojson",
        credit="Geoportal Berlin, ALKIS Berlin Bezirke (via Technologiestiftung Berlin)",
        licence=LICENCE_DL_ZERO_DE_2_0,
    ),
    Source(
        # the same vertices as the EPSG:25833 file, reprojected by its publisher; its "crs" member names
        # EPSG:4326, but the coordinates are in GeoJSON's lon/lat order, which is CRS84
        file="lor_prognoseraeume_2021_wgs84.geojson",
        area_class=PM.Prognoseraum,
        url="https://github.com/jascha-je/Data-Visualization/blob/f234dd6f38d929c50338b0f07573dc3ae3e8c9ab/"
        "Sprint_2/data/GeoJSON/EPSG_4326/lor_prognoseraeume_2021_wgs84.geojson",
        credit="Amt für Statistik Berlin-Brandenburg / Geoportal Berlin, LOR 01.01.2021 (via ODIS Berlin)",
        licence=LICENCE_DL_ZERO_DE_2_0,
    ),
)

CHANGES_DE = (
    f"Vereinfacht (Abdeckung mit gemeinsamen Grenzen, Toleranz {TOLERANCE_M:g} m), Koordinaten auf "
    f"{DECIMALS} Nachkommastellen gerundet, Außenringe gegen den Uhrzeigersinn orientiert."
)
CHANGES_EN = (
    f"Simplified (as a coverage that keeps shared borders, tolerance {TOLERANCE_M:g} m), coordinates rounded to "
    f"{DECIMALS} decimals, exterior rings oriented counterclockwise."
)


# ---------------------------------------------------------------- the converter


def _areas_by_code(reference: Graph, area_class: URIRef) -> dict[str, tuple[str, str]]:
    """LOR code -> (IRI relative to the base, name) of the areas of ``area_class``."""
    found: dict[str, tuple[str, str]] = {}
    for subject in reference.subjects(RDF.type, area_class):
        code = reference.value(subject, PM.lorCode)
        name = reference.value(subject, SDO.name)
        if code is not None and name is not None:
            found[str(code)] = (str(subject), str(name))
    return found


def _frame(forward: bool) -> Callable[[Any], Any]:
    scale_x = _EARTH_RADIUS_M * math.pi / 180 * math.cos(math.radians(FRAME_LATITUDE))
    scale_y = _EARTH_RADIUS_M * math.pi / 180

    def transform(coords: Any) -> Any:
        factor = [scale_x, scale_y] if forward else [1 / scale_x, 1 / scale_y]
        return coords * factor

    return transform


def simplify(geometries: Sequence[BaseGeometry]) -> list[BaseGeometry]:
    """The outlines of a coverage (areas that tile without overlap), simplified together in metres, rounded and
    oriented; every result is a MultiPolygon."""
    import shapely
    from shapely.geometry import MultiPolygon, Polygon

    metric = [shapely.transform(g, _frame(True)) for g in geometries]
    simplified = shapely.coverage_simplify(metric, TOLERANCE_M)
    result: list[BaseGeometry] = []
    for geometry in simplified:
        degrees = shapely.set_precision(shapely.transform(geometry, _frame(False)), 10.0**-DECIMALS)
        oriented = shapely.orient_polygons(degrees, exterior_cw=False)
        if isinstance(oriented, Polygon):
            oriented = MultiPolygon([oriented])
        if not isinstance(oriented, MultiPolygon) or not oriented.is_valid or oriented.is_empty:
            raise GeometryError(f"simplifying gave an unusable outline: {shapely.is_valid_reason(oriented)}")
        result.append(oriented)
    return result


def _number(value: float) -> str:
    return f"{value:.{DECIMALS}f}"


def _decimal(value: float) -> str:
    """An xsd:decimal in Turtle, in its canonical form (no trailing zeros), as stores such as Oxigraph keep it."""
    text = _number(value).rstrip("0")
    return f'"{text.rstrip(".")}"^^xsd:decimal' if text.endswith(".") else text


def _ring(coords: Iterable[Sequence[float]]) -> str:
    return "(" + ", ".join(f"{_number(x)} {_number(y)}" for x, y, *_ in coords) + ")"


def wkt(geometry: BaseGeometry) -> str:
    """A MultiPolygon as a GeoSPARQL WKT literal's text, CRS84 stated, with the converter's fixed precision."""
    polygons = []
    for polygon in getattr(geometry, "geoms", [geometry]):
        rings = [_ring(polygon.exterior.coords), *(_ring(r.coords) for r in polygon.interiors)]
        polygons.append("(" + ", ".join(rings) + ")")
    return f"<{CRS84}> MULTIPOLYGON (" + ", ".join(polygons) + ")"


def _turtle_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def convert(source_dir: Path, lor_reference: Path) -> str:
    """The Turtle of every outline in ``source_dir``, for the areas of ``lor_reference`` (matched by LOR code,
    their names checked against the source's). The same input gives the same bytes."""
    import shapely

    reference = Graph()
    try:
        reference.parse(lor_reference, format="turtle", publicID="relative:/")
    except Exception as exc:  # rdflib raises many parser-specific types
        raise ReferenceDataError(f"{lor_reference}: not valid Turtle: {exc}") from None
    blocks: list[tuple[str, str]] = []
    for source in SOURCES:
        path = source_dir / source.file
        try:
            features = json.loads(path.read_text("utf-8"))["features"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise GeometryError(f"{path}: not a GeoJSON FeatureCollection ({exc})") from None
        areas = _areas_by_code(reference, source.area_class)
        matched: list[tuple[str, str, Any]] = []
        from shapely.geometry import shape

        seen: dict[str, int] = {}
        for index, item in enumerate(features):
            try:
                properties = item.get("properties") or {}
                code, name = source.code(properties), source.name(properties)
                outline = shape(item["geometry"])
            except (AttributeError, KeyError, TypeError, ValueError, shapely.errors.GEOSException) as exc:
                raise GeometryError(f"{path}: feature {index}: no LOR code, name or geometry ({exc!r})") from None
            if code not in areas:
                raise GeometryError(f"{path}: feature {index} ({name}, {code}): no area with that LOR code")
            if code in seen:
                raise GeometryError(f"{path}: features {seen[code]} and {index} both have the LOR code {code}")
            seen[code] = index
            iri, known = areas[code]
            if known != name:
                raise GeometryError(f"{path}: feature {index} ({code}) is named {name!r}, the reference {known!r}")
            matched.append((iri.removeprefix("relative:/"), name, outline))
        if len(matched) != len(areas):
            raise GeometryError(f"{path}: no outline for the LOR codes {', '.join(sorted(set(areas) - set(seen)))}")
        outlines = simplify([g for _, _, g in matched])
        for (iri, name, _), outline in zip(matched, outlines, strict=True):
            blocks.append((iri, _area_turtle(iri, name, outline, source)))
    head = (
        "# Outlines of Berlin's 12 Bezirke and 58 LOR Prognoseräume (2021) as GeoSPARQL geometry, with a\n"
        "# representative point of each (schema:geo). Generated by `publisher geometry`; do not edit by hand.\n"
        "# Each geometry names its source (schema:isBasedOn), licence and credit, and how it was changed.\n"
        "@prefix schema: <https://schema.org/> .\n"
        "@prefix geo:    <http://www.opengis.net/ont/geosparql#> .\n"
        "@prefix xsd:    <http://www.w3.org/2001/XMLSchema#> .\n"
    )
    return head + "".join(block for _, block in sorted(blocks))


def _area_turtle(iri: str, name: str, outline: BaseGeometry, source: Source) -> str:
    point = outline.representative_point()
    return (
        f"\n<{iri}>\n"
        f"    geo:hasGeometry <{iri}#geometrie> ;\n"
        f"    schema:geo <{iri}#lage> .\n"
        f"\n<{iri}#geometrie> a geo:Geometry ;\n"
        f"    schema:isBasedOn <{source.url}> ;\n"
        f"    schema:license <{source.licence}> ;\n"
        f"    schema:creditText {_turtle_string(source.credit)} ;\n"
        f"    schema:description {_turtle_string(CHANGES_DE)}@de , {_turtle_string(CHANGES_EN)}@en ;\n"
        f'    geo:asWKT "{wkt(outline)}"^^geo:wktLiteral .\n'
        f"\n<{iri}#lage> a schema:GeoCoordinates ;\n"
        f"    schema:name {_turtle_string('Lagepunkt: ' + name)} ;\n"
        f"    schema:latitude {_decimal(point.y)} ;\n"
        f"    schema:longitude {_decimal(point.x)} .\n"
    )


# ---------------------------------------------------------------- reading geometry back

#: Classes whose resources are places and whose documents are offered as GeoJSON.
PLACE_CLASSES = frozenset(
    {
        *(PM[c] for c in ("Bezirk", "Prognoseraum", "Bezirksregion", "Planungsraum", "Ortsteil")),
        *(PM[c] for c in ("Quartier", "Strasse", "Gebaeude", "Freiflaeche")),
        *(SDO[c] for c in ("Place", "AdministrativeArea", "City")),
    }
)
#: How far up ``schema:containedInPlace`` a place's outline is looked for.
MAX_CONTAINMENT_DEPTH = 8


@dataclass(frozen=True)
class AreaGeometry:
    """The outline that stands for a place: its own (``own``), or that of ``area``, the nearest place containing it
    that has one."""

    area: str
    wkt: str
    own: bool
    source: str | None = None
    licence: str | None = None
    credit: str | None = None
    changes: str | None = None


@dataclass(frozen=True)
class _Index:
    outlines: dict[str, AreaGeometry]
    containers: dict[str, tuple[str, ...]]


_INDEXES: LruCache[_Index] = LruCache(4)

_OUTLINES = f"""
PREFIX geo: <{spatial.GEO}>
PREFIX schema: <{SDO}>
SELECT ?area ?geometry ?wkt ?source ?licence ?credit ?changes WHERE {{
  ?area geo:hasGeometry ?geometry . ?geometry geo:asWKT ?wkt .
  OPTIONAL {{ ?geometry schema:isBasedOn ?source }}
  OPTIONAL {{ ?geometry schema:license ?licence }}
  OPTIONAL {{ ?geometry schema:creditText ?credit }}
  OPTIONAL {{ ?geometry schema:description ?changes FILTER(langMatches(lang(?changes), "de")) }}
}}"""
_CONTAINERS = f"SELECT DISTINCT ?place ?container WHERE {{ ?place <{SDO.containedInPlace}> ?container }}"


def _read_index(store: Store) -> _Index:
    outlines: dict[str, AreaGeometry] = {}
    # an area with several geometries is drawn with the first by IRI, so the choice never changes between states
    for row in sorted(store.select(_OUTLINES), key=lambda r: (r["area"], r["geometry"], r["wkt"])):
        outlines.setdefault(
            row["area"],
            AreaGeometry(
                row["area"],
                row["wkt"],
                True,
                row.get("source"),
                row.get("licence"),
                row.get("credit"),
                row.get("changes"),
            ),
        )
    containers: dict[str, list[str]] = {}
    for row in store.select(_CONTAINERS):
        containers.setdefault(row["place"], []).append(row["container"])
    return _Index(outlines, {place: tuple(sorted(found)) for place, found in containers.items()})


def geometry_of(store: Store, iri: str) -> AreaGeometry | None:
    """The outline of the place ``iri``: its own, or else that of the nearest place that contains it (fewest
    ``schema:containedInPlace`` steps; on a tie the first by IRI), with ``own`` false; None when neither has one.

    Read once per published state (the outlines of every area and the containment of every place)."""
    index = _INDEXES.get_or_make((id(store), store.version()), lambda: _read_index(store))
    if iri in index.outlines:
        return index.outlines[iri]
    seen = {iri}
    level = [iri]
    for _depth in range(MAX_CONTAINMENT_DEPTH):
        level = sorted({c for place in level for c in index.containers.get(place, ()) if c not in seen})
        seen.update(level)
        found = next((index.outlines[c] for c in level if c in index.outlines), None)
        if found is not None:
            return dataclasses.replace(found, own=False)
        if not level:
            break
    return None


def _geojson_geometry(wkt_text: str) -> dict[str, Any]:
    """RFC 7946 geometry of a WKT literal: lon/lat as the literal has them, exterior rings counterclockwise."""
    import shapely
    from shapely.geometry import mapping

    geometry = shapely.orient_polygons(parse_wkt(wkt_text), exterior_cw=False)
    found: dict[str, Any] = json.loads(json.dumps(mapping(geometry)))  # tuples as lists
    return found


def feature(graph: Graph, iri: str, outline: AreaGeometry | None) -> dict[str, Any]:
    """The GeoJSON Feature (RFC 7946) of the place ``iri`` described in ``graph``, with ``outline`` as its
    geometry (null without one). ``geometryOf`` names whose outline it is: the place's own, or that of a place
    containing it (``geometryExact`` false)."""
    subject = URIRef(iri)
    types = sorted(str(t) for t in graph.objects(subject, RDF.type))
    name, code = graph.value(subject, SDO.name), graph.value(subject, PM.lorCode)
    properties: dict[str, Any] = {
        "iri": iri,
        "name": str(name) if name is not None else None,
        "type": [t.rsplit("#", 1)[-1].rsplit("/", 1)[-1] for t in types],
        "lorCode": str(code) if code is not None else None,
        "geometryOf": outline.area if outline else None,
        "geometryExact": bool(outline and outline.own),
    }
    if outline is not None:
        properties |= {
            "source": outline.source,
            "license": outline.licence,
            "creditText": outline.credit,
            "changes": outline.changes,
        }
    return {
        "type": "Feature",
        "id": iri,
        "geometry": _geojson_geometry(outline.wkt) if outline else None,
        "properties": properties,
    }


def is_place(graph: Graph, iri: str) -> bool:
    return any(t in PLACE_CLASSES for t in graph.objects(URIRef(iri), RDF.type))


__all__ = [
    "GEO",
    "PLACE_CLASSES",
    "SOURCES",
    "AreaGeometry",
    "GeometryError",
    "convert",
    "feature",
    "geometry_of",
    "is_place",
    "simplify",
    "wkt",
]
