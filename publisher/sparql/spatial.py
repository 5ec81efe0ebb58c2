"""GeoSPARQL's topological functions for the query engine: ``geof:sfContains``, ``geof:sfWithin``,
``geof:sfIntersects`` and ``geof:distance``, over ``geo:wktLiteral`` values in OGC CRS84 (lon/lat).

They run wherever the embedded engine runs a query (the query workers, or the server's process for a store in
memory). Arguments that are not WKT literals in CRS84 are a SPARQL expression error: the function has no value,
so a FILTER on it drops the row, as for any other type error. Geometry is read with shapely (GEOS); the last
literals read are kept parsed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

import pyoxigraph as ox

from publisher.errors import PublisherError

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

GEO = "http://www.opengis.net/ont/geosparql#"
GEOF = "http://www.opengis.net/def/function/geosparql/"
#: OGC's lon/lat CRS on WGS84: GeoJSON's, and GeoSPARQL's default for WKT literals.
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
WKT_LITERAL = GEO + "wktLiteral"
#: The units geof:distance answers in.
METRE = "http://www.opengis.net/def/uom/OGC/1.0/metre"
_EARTH_RADIUS_M = 6_371_008.8
_WKT = re.compile(r"\s*(?:<([^>]*)>\s*)?(.*)", re.DOTALL)


class GeometryError(PublisherError):
    """A WKT literal or outline that cannot be used."""

    status = 400


def parse_wkt(text: str) -> BaseGeometry:
    """A GeoSPARQL WKT literal's geometry in lon/lat: in CRS84, stated or (GeoSPARQL's default) not."""
    import shapely

    match = _WKT.fullmatch(text)
    crs, body = (match.group(1), match.group(2)) if match else (None, text)
    if crs is not None and crs != CRS84:
        raise GeometryError(f"WKT literal in CRS <{crs}>: only <{CRS84}> (lon/lat) is supported")
    try:
        geometry = shapely.from_wkt(body)
    except shapely.errors.GEOSException as exc:
        raise GeometryError(f"not a WKT geometry: {exc}") from None
    if geometry is None or geometry.is_empty:
        raise GeometryError("an empty WKT geometry")
    return geometry


#: Parsed literals, since a query compares one geometry with every area's outline. (Not prepared: GEOS's prepared
#: geometries may not be shared between threads, and at these sizes they gain nothing measurable.)
_parsed = lru_cache(maxsize=512)(parse_wkt)


def _geometry(term: object) -> BaseGeometry | None:
    if not isinstance(term, ox.Literal) or term.datatype.value != WKT_LITERAL:
        return None
    try:
        return _parsed(term.value)
    except GeometryError:
        return None


def _relation(test: Callable[[BaseGeometry, BaseGeometry], bool]) -> Callable[..., ox.Literal | None]:
    def function(*args: object) -> ox.Literal | None:
        if len(args) != 2:
            return None
        first, second = _geometry(args[0]), _geometry(args[1])
        if first is None or second is None:
            return None
        return ox.Literal("true" if test(first, second) else "false", datatype=ox.NamedNode(_BOOLEAN))

    return function


_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
_DOUBLE = "http://www.w3.org/2001/XMLSchema#double"


def distance_m(first: BaseGeometry, second: BaseGeometry) -> float:
    """The shortest distance between two lon/lat geometries in metres, measured in an equirectangular frame
    about their middle latitude (off by well under 1 % within a city)."""
    import shapely

    (lat_a, lat_b) = (shapely.centroid(first).y, shapely.centroid(second).y)
    middle = math.radians((lat_a + lat_b) / 2)
    scale = [_EARTH_RADIUS_M * math.pi / 180 * math.cos(middle), _EARTH_RADIUS_M * math.pi / 180]
    return float(
        shapely.distance(shapely.transform(first, lambda c: c * scale), shapely.transform(second, lambda c: c * scale))
    )


def _distance(*args: object) -> ox.Literal | None:
    if len(args) != 3 or not isinstance(args[2], ox.NamedNode) or args[2].value != METRE:
        return None
    first, second = _geometry(args[0]), _geometry(args[1])
    if first is None or second is None:
        return None
    return ox.Literal(repr(distance_m(first, second)), datatype=ox.NamedNode(_DOUBLE))


def functions() -> dict[ox.NamedNode, Callable[..., ox.Literal | None]]:
    """The functions, by their GeoSPARQL IRIs, for ``pyoxigraph.Store.query(custom_functions=...)``."""
    return {
        ox.NamedNode(GEOF + "sfContains"): _relation(lambda a, b: bool(a.contains(b))),
        ox.NamedNode(GEOF + "sfWithin"): _relation(lambda a, b: bool(a.within(b))),
        ox.NamedNode(GEOF + "sfIntersects"): _relation(lambda a, b: bool(a.intersects(b))),
        ox.NamedNode(GEOF + "distance"): _distance,
    }


__all__ = ["CRS84", "GEO", "GEOF", "METRE", "WKT_LITERAL", "GeometryError", "distance_m", "functions", "parse_wkt"]
