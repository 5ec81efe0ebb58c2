"""Example queries for the query page: what people ask of press releases, runnable as they stand."""

from __future__ import annotations

from dataclasses import dataclass

PROLOGUE = """PREFIX schema: <https://schema.org/>
PREFIX pm: <https://w3id.org/pm-berlin/ontology#>
"""
#: GeoSPARQL's vocabulary and functions, for the spatial examples.
GEO_PROLOGUE = """PREFIX geo: <http://www.opengis.net/ont/geosparql#>
PREFIX geof: <http://www.opengis.net/def/function/geosparql/>
"""
#: The namespace of the endpoint's full-text search pattern (publisher.sparql.fulltext).
SEARCH_PROLOGUE = """PREFIX search: <https://w3id.org/pm-berlin/search#>
"""


@dataclass(frozen=True)
class Example:
    title: str
    query: str


EXAMPLES: tuple[Example, ...] = (
    Example(
        "Die neuesten Pressemitteilungen",
        PROLOGUE
        + """
SELECT ?mitteilung ?datum ?titel WHERE {
  ?mitteilung a pm:PressRelease ;
              schema:datePublished ?datum ;
              schema:headline ?titel .
}
ORDER BY DESC(?datum)
LIMIT 20
""",
    ),
    Example(
        "Pressemitteilungen über einen Bezirk, samt seinen Teilgebieten",
        PROLOGUE
        + """
SELECT DISTINCT ?mitteilung ?datum ?titel ?gebiet WHERE {
  ?bezirk a pm:Bezirk ; schema:name "Treptow-Köpenick" .
  ?ort schema:containedInPlace* ?bezirk .
  ?mitteilung a pm:PressRelease ;
              schema:spatialCoverage ?ort ;
              schema:datePublished ?datum ;
              schema:headline ?titel .
  ?ort schema:name ?gebiet .
}
ORDER BY DESC(?datum)
""",
    ),
    Example(
        "Volltextsuche: Pressemitteilungen, in denen Wörter vorkommen",
        PROLOGUE
        + SEARCH_PROLOGUE
        + """
# Dieselbe Suche wie /suche: Wortstämme, Umlaute, Teile zusammengesetzter Wörter
SELECT ?mitteilung ?datum ?titel WHERE {
  ?mitteilung search:matches "Nachbarschaften Wohnungsgenossenschaft" .
  ?mitteilung schema:datePublished ?datum ;
              schema:headline ?titel .
}
ORDER BY DESC(?datum)
""",
    ),
    Example(
        "Wer hat was gesagt?",
        PROLOGUE
        + """
SELECT ?person ?name ?zitat ?mitteilung WHERE {
  ?q a schema:Quotation ;
     schema:spokenByCharacter ?person ;
     schema:text ?zitat ;
     schema:isPartOf ?mitteilung .
  ?person schema:name ?name .
}
""",
    ),
    Example(
        "Förderprogramme je Gebiet",
        PROLOGUE
        + """
SELECT ?programm ?programmname ?gebiet ?gebietsname (COUNT(DISTINCT ?mitteilung) AS ?mitteilungen) WHERE {
  ?mitteilung a pm:PressRelease ;
              schema:about ?programm ;
              schema:spatialCoverage ?gebiet .
  ?programm a schema:FundingScheme ; schema:name ?programmname .
  ?gebiet schema:name ?gebietsname .
}
GROUP BY ?programm ?programmname ?gebiet ?gebietsname
ORDER BY DESC(?mitteilungen) ?programmname
""",
    ),
    Example(
        "Pressemitteilungen je Organisation und Jahr",
        PROLOGUE
        + """
SELECT ?organisation ?name ?jahr (COUNT(?mitteilung) AS ?anzahl) WHERE {
  ?mitteilung a pm:PressRelease ;
              schema:publisher ?organisation ;
              schema:datePublished ?datum .
  ?organisation schema:name ?name .
  BIND(YEAR(?datum) AS ?jahr)
}
GROUP BY ?organisation ?name ?jahr
ORDER BY DESC(?jahr) DESC(?anzahl)
""",
    ),
    Example(
        "Welche Gebiete enthalten einen Punkt?",
        PROLOGUE
        + GEO_PROLOGUE
        + """
# Ein Punkt als Länge und Breite (WGS84), hier in Altglienicke
SELECT ?gebiet ?name ?art WHERE {
  ?gebiet geo:hasGeometry/geo:asWKT ?umriss ;
          schema:name ?name ;
          a ?art .
  FILTER(?art IN (pm:Bezirk, pm:Prognoseraum))
  FILTER(geof:sfContains(?umriss,
    "<http://www.opengis.net/def/crs/OGC/1.3/CRS84> POINT(13.547 52.417)"^^geo:wktLiteral))
}
ORDER BY ?art ?name
""",
    ),
    Example(
        "Pressemitteilungen über Gebiete in einem Prognoseraum",
        PROLOGUE
        + GEO_PROLOGUE
        + """
# Ein Gebiet mit eigenem Umriss liegt räumlich darin, eines ohne (Bezirksregion, Planungsraum) laut LOR-Gliederung
SELECT DISTINCT ?mitteilung ?datum ?titel ?gebiet ?gebietsname WHERE {
  ?prognoseraum a pm:Prognoseraum ; pm:lorCode "0940" ;
                geo:hasGeometry/geo:asWKT ?umriss .
  ?mitteilung a pm:PressRelease ;
              schema:spatialCoverage ?gebiet ;
              schema:datePublished ?datum ;
              schema:headline ?titel .
  ?gebiet schema:name ?gebietsname .
  OPTIONAL { ?gebiet geo:hasGeometry/geo:asWKT ?form }
  FILTER(IF(BOUND(?form), geof:sfWithin(?form, ?umriss),
            EXISTS { ?gebiet schema:containedInPlace+ ?prognoseraum }))
}
ORDER BY DESC(?datum)
""",
    ),
    Example(
        "Alles über die neueste Pressemitteilung (CONSTRUCT)",
        PROLOGUE
        + """
CONSTRUCT { ?mitteilung ?p ?o } WHERE {
  {
    SELECT ?mitteilung WHERE { ?mitteilung a pm:PressRelease ; schema:datePublished ?datum . }
    ORDER BY DESC(?datum) LIMIT 1
  }
  ?mitteilung ?p ?o .
}
""",
    ),
)

__all__ = [
    "EXAMPLES",
    "SEARCH_PROLOGUE",
    "Example",
]
