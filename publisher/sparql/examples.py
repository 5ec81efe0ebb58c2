"""Example queries for the query page: what people ask of press releases, runnable as they stand."""

from __future__ import annotations

from dataclasses import dataclass

PROLOGUE = """PREFIX schema: <https://schema.org/>
PREFIX pm: <https://w3id.org/pm-berlin/ontology#>
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

__all__ = ["EXAMPLES", "Example"]
