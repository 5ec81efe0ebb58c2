"""THE format table: short name <-> file suffix <-> media type <-> rdflib serializer.

JSON-LD is written compact against the publisher's own context, whose ``@vocab`` is ``https://schema.org/``:
expanding any JSON-LD the publisher writes gives exactly the IRIs of the Turtle.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from rdflib import Graph

from publisher.namespaces import PM, PREFIXES, SDO


@dataclass(frozen=True)
class RdfFormat:
    name: str
    suffix: str
    media_type: str
    rdflib: str


RDF_FORMATS: tuple[RdfFormat, ...] = (
    RdfFormat("turtle", ".ttl", "text/turtle", "turtle"),
    RdfFormat("jsonld", ".jsonld", "application/ld+json", "json-ld"),
    RdfFormat("nt", ".nt", "application/n-triples", "nt"),
    RdfFormat("rdfxml", ".rdf", "application/rdf+xml", "xml"),
    RdfFormat("nq", ".nq", "application/n-quads", "nquads"),
    RdfFormat("trig", ".trig", "application/trig", "trig"),
)
BY_NAME = {f.name: f for f in RDF_FORMATS}
BY_NAME["ttl"] = BY_NAME["turtle"]
BY_NAME["json-ld"] = BY_NAME["jsonld"]


@dataclass(frozen=True)
class ResultsFormat:
    """A format of SPARQL SELECT and ASK results."""

    name: str
    suffix: str
    media_type: str


RESULTS_FORMATS: tuple[ResultsFormat, ...] = (
    ResultsFormat("json", ".srj", "application/sparql-results+json"),
    ResultsFormat("xml", ".srx", "application/sparql-results+xml"),
    ResultsFormat("csv", ".csv", "text/csv"),
    ResultsFormat("tsv", ".tsv", "text/tab-separated-values"),
)
RESULTS_BY_NAME = {f.name: f for f in RESULTS_FORMATS}

#: The JSON-LD context of everything the publisher writes.
CONTEXT: dict[str, Any] = {
    "@vocab": str(SDO),
    "schema": str(SDO),
    "pm": str(PM),
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "dct": "http://purl.org/dc/terms/",
}


def bind_prefixes(graph: Graph) -> Graph:
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def jsonld_document(graph: Graph) -> Any:
    """A graph as compact JSON-LD against the publisher's context (the parsed document)."""
    return json.loads(graph.serialize(format="json-ld", context=CONTEXT, auto_compact=True))


def serialize(graph: Graph, name: str) -> str:
    """A graph in the named format (turtle, jsonld, nt, rdfxml)."""
    fmt = BY_NAME[name]
    bind_prefixes(graph)
    if fmt.name == "jsonld":
        return json.dumps(jsonld_document(graph), ensure_ascii=False, indent=2, sort_keys=True)
    return graph.serialize(format=fmt.rdflib)
