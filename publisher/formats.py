"""THE format table: short name <-> file suffix <-> media type <-> rdflib serializer.

JSON-LD is written compact against the publisher's own context, whose ``@vocab`` is ``https://schema.org/``:
expanding any JSON-LD the publisher writes gives exactly the IRIs of the Turtle.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.plugins.shared.jsonld.context import Context as JsonLdContext

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


#: Literals JSON-LD writes as JSON's own values (as rdflib's serialiser does).
_NATIVE_TYPES = frozenset({XSD.integer, XSD.boolean, XSD.string, XSD.double})


def bind_prefixes(graph: Graph) -> Graph:
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def jsonld_document(graph: Graph) -> Any:
    """A graph as compact JSON-LD against the publisher's context (the parsed document).

    What rdflib's JSON-LD serialiser writes for a graph without named graphs and RDF lists, written here from one
    pass over the triples with rdflib's own context rules (``Context``): the serialiser looks every term up in the
    graph again, and took longer than everything else a resource's page costs. Anything else goes to rdflib."""
    return json.loads(jsonld_text(graph))


def jsonld_text(graph: Graph, indent: int | None = None, sort_keys: bool = False) -> str:
    """``jsonld_document`` as JSON text, its keys in the document's order (or sorted), without parsing it back."""
    document, written = _jsonld(graph)
    # as the serialiser writes it: keys sorted (rdflib's own output is read as it wrote it)
    return json.dumps(document, ensure_ascii=False, indent=indent, sort_keys=sort_keys or not written)


def _jsonld(graph: Graph) -> tuple[Any, bool]:
    """The JSON-LD document of ``graph``, and whether rdflib's serialiser wrote it."""
    if graph.context_aware or (None, RDF.first, None) in graph:
        return json.loads(graph.serialize(format="json-ld", context=CONTEXT, auto_compact=True)), True
    by_subject: dict[Any, list[tuple[Any, Any]]] = {}
    objects: set[Any] = set()
    for s, p, o in graph:
        by_subject.setdefault(s, []).append((p, o))
        objects.add(o)
    nodes: dict[str, dict[str, Any]] = {}
    for subject in by_subject:
        if isinstance(subject, URIRef) or (isinstance(subject, BNode) and subject not in objects):
            _jsonld_node(subject, by_subject, nodes)
    found = list(nodes.values())
    document: dict[str, Any] = found[0] if len(found) == 1 else {"@graph": found}
    document["@context"] = CONTEXT
    return document, False


@functools.cache
def _jsonld_context() -> JsonLdContext:
    return JsonLdContext(CONTEXT)


@functools.lru_cache(maxsize=65536)
def _shrink(iri: str) -> str:
    return _jsonld_context().shrink_iri(iri)


@functools.lru_cache(maxsize=4096)
def _jsonld_key(prop: str) -> str:
    """The key of a property, for a graph without terms of the context that name properties (as the publisher's)."""
    context = _jsonld_context()
    key = context.to_symbol(prop) or prop
    term = context.terms.get(key)
    return prop if term is not None and (term.type or term.container) else key


#: The same as plain strings: terms compared as strings compare in C, rdflib's terms in Python.
_RDF_TYPE_IRI = str(RDF.type)
_NATIVE_IRIS = frozenset(str(t) for t in _NATIVE_TYPES)


@functools.lru_cache(maxsize=4096)
def _jsonld_symbol(iri: str) -> str | None:
    """A class's or datatype's name in the context (``to_symbol``), looked up once per IRI."""
    return _jsonld_context().to_symbol(iri)


def _jsonld_node(subject: Any, by_subject: dict[Any, list[tuple[Any, Any]]], nodes: dict[str, dict[str, Any]]) -> None:
    node_id = _shrink(str(subject)) if isinstance(subject, URIRef) else subject.n3()
    if node_id in nodes:
        return
    node: dict[str, Any] = {"@id": node_id}
    nodes[node_id] = node
    for prop, obj in by_subject.get(subject, ()):
        prop_iri = str(prop)
        if prop_iri == _RDF_TYPE_IRI:
            value = _jsonld_symbol(str(obj)) if isinstance(obj, URIRef) else None
            key, value = "@type", _jsonld_value(obj, by_subject, nodes) if value is None else value
        else:
            key, value = _jsonld_key(prop_iri), _jsonld_value(obj, by_subject, nodes)
        if key in node:  # (rdflib's serialiser loses a first value that is 0, false or "")
            present = node[key]
            if not isinstance(present, list):
                present = [present]
            present.append(value)
            node[key] = present
        else:
            node[key] = value


def _jsonld_value(obj: Any, by_subject: dict[Any, list[tuple[Any, Any]]], nodes: dict[str, dict[str, Any]]) -> Any:
    if isinstance(obj, BNode):
        _jsonld_node(obj, by_subject, nodes)
        return {"@id": obj.n3()}
    if isinstance(obj, URIRef):
        return {"@id": _shrink(str(obj))}
    datatype = obj.datatype
    if datatype is not None and str(datatype) in _NATIVE_IRIS:
        return obj.toPython()
    if datatype:
        return {"@type": _jsonld_symbol(str(datatype)), "@value": str(obj)}
    if obj.language:
        return {"@language": obj.language, "@value": str(obj)}
    return str(obj)


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
        return jsonld_text(graph, indent=2, sort_keys=True)
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


def ntriples_terms(data: bytes, sort: bool = True) -> list[tuple[Any, Any, Any]]:
    """The N-Triples ``data`` (as the store writes them) as rdflib triples, parsed by Oxigraph (several times faster
    than rdflib's own parser): sorted by their N-Triples lines, so that what is written from them (JSON-LD's arrays,
    say) does not depend on the order a store answers in, or, without ``sort``, in the store's order for a caller
    that puts them in an order of its own. Blank nodes keep the store's labels."""
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

    parsed = ox.parse(input=data, format=ox.RdfFormat.N_TRIPLES)
    ordered = sorted(parsed, key=str) if sort else parsed
    return [(node(t.subject), node(t.predicate), node(t.object)) for t in ordered]


def read_ntriples(graph: Graph, data: bytes) -> Graph:
    """Add the N-Triples ``data`` (as the store writes them) to ``graph``, sorted (see ``ntriples_terms``)."""
    graph.addN((s, p, o, graph) for s, p, o in ntriples_terms(data))
    return graph
