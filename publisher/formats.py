"""THE format table: short name <-> file suffix <-> media type <-> rdflib serializer.

JSON-LD is written compact against the publisher's own context, whose ``@vocab`` is ``https://schema.org/``:
expanding any JSON-LD the publisher writes gives exactly the IRIs of the Turtle.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef

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


#: Formats Oxigraph writes, many times faster than rdflib's serialisers (JSON-LD stays with rdflib, which compacts
#: against the context).
_OXIGRAPH_WRITES = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "rdfxml": ox.RdfFormat.RDF_XML,
}
_PREFIX_IRIS = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}


def serialize(graph: Graph, name: str) -> str:
    """A graph in the named format (turtle, jsonld, nt, rdfxml), its triples in sorted order. The graph is only
    read (descriptions are shared between a server's threads): JSON-LD is compacted against the context, the
    other formats get the publisher's prefixes."""
    fmt = BY_NAME[name]
    if fmt.name in _OXIGRAPH_WRITES:
        triples = sorted((_ox_triple(triple) for triple in graph), key=str)
        prefixes = _PREFIX_IRIS if fmt.name != "nt" else None
        return (ox.serialize(triples, format=_OXIGRAPH_WRITES[fmt.name], prefixes=prefixes) or b"").decode("utf-8")
    if fmt.name == "jsonld":
        return json.dumps(jsonld_document(graph), ensure_ascii=False, indent=2, sort_keys=True)
    return bind_prefixes(graph).serialize(format=fmt.rdflib)


def oxigraph_term(term: Any) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An rdflib term as Oxigraph's; raises ValueError for an IRI that is not one (RFC 3987)."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype is not None:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))


def _ox_triple(triple: Any) -> ox.Triple:
    subject, predicate, obj = triple
    return ox.Triple(oxigraph_term(subject), oxigraph_term(predicate), oxigraph_term(obj))  # type: ignore[arg-type]


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def read_ntriples(graph: Graph, data: bytes) -> Graph:
    """Add the N-Triples ``data`` (as the store writes them) to ``graph``: parsed by Oxigraph, several times faster
    than rdflib's own parser. Blank nodes keep the store's labels. The triples are added in their sorted order, so
    that what is written from the graph (JSON-LD's arrays, say) does not depend on the order a store answers in."""
    iris: dict[str, URIRef] = {}

    def node(term: Any) -> Any:
        if isinstance(term, ox.NamedNode):
            found = iris.get(term.value)
            if found is None:
                found = iris[term.value] = URIRef(term.value)
            return found
        if isinstance(term, ox.BlankNode):
            return BNode(term.value)
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return Literal(term.value) if datatype == _XSD_STRING else Literal(term.value, datatype=node(term.datatype))

    graph.addN(
        (node(t.subject), node(t.predicate), node(t.object), graph)
        for t in sorted(ox.parse(input=data, format=ox.RdfFormat.N_TRIPLES), key=str)
    )
    return graph
