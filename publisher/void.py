"""The VoID description of everything published: what the dataset holds, counted in the store.

Every count is a SPARQL query over the store's default graph, the union of the named graphs; a triple that two
graphs hold counts once. What counts as an entity: a distinct subject that is an IRI (blank nodes and literals are
not entities). A class partition counts the entities of that class, a property partition the triples with that
property. The counts are kept per published state (the store's version token): a new build counts again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, XSD

from publisher.cache import LruCache
from publisher.dumps import DUMPS
from publisher.namespaces import LICENSE_DL_BY_DE_2_0, PM, SDO
from publisher.store import Store

VOID = Namespace("http://rdfs.org/ns/void#")
#: The distinct triples of the union of the named graphs, as a sub-query every count is made over.
_TRIPLES = "{ SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"


@dataclass(frozen=True)
class Counts:
    """What the published graph holds, counted."""

    triples: int
    entities: int
    subjects: int
    objects: int
    #: class IRI -> entities of that class
    classes: dict[str, int]
    #: property IRI -> triples with that property
    properties: dict[str, int]


def _number(store: Store, sparql: str) -> int:
    rows = store.select(sparql)
    return int(rows[0]["n"]) if rows and "n" in rows[0] else 0


def count(store: Store) -> Counts:
    """Count what ``store`` publishes (no cache: see ``VoidDescriber``)."""
    classes = store.select(
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c FILTER(isIRI(?s)) } GROUP BY ?c ORDER BY ?c"
    )
    properties = store.select(f"SELECT ?p (COUNT(*) AS ?n) WHERE {_TRIPLES} GROUP BY ?p ORDER BY ?p")
    return Counts(
        triples=_number(store, f"SELECT (COUNT(*) AS ?n) WHERE {_TRIPLES}"),
        entities=_number(store, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o FILTER(isIRI(?s)) }"),
        subjects=_number(store, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }"),
        objects=_number(store, "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }"),
        classes={row["c"]: int(row["n"]) for row in classes if "c" in row},
        properties={row["p"]: int(row["n"]) for row in properties},
    )


def _part(void_iri: str, kind: str, term: str) -> URIRef:
    """A partition's IRI: a fragment of the VoID document, stable for the same class or property."""
    return URIRef(f"{void_iri}#{kind}-{hashlib.sha256(term.encode('utf-8')).hexdigest()[:16]}")


def describe(counts: Counts, base_uri: str, manifest: dict[str, Any]) -> Graph:
    """The VoID graph of ``counts``, for a publisher at ``base_uri`` whose current build wrote ``manifest``."""
    void_iri = f"{base_uri}.well-known/void"
    dataset = URIRef(f"{void_iri}#dataset")
    graph = Graph()
    graph.bind("void", VOID)
    graph.bind("dct", DCTERMS)
    graph.bind("schema", SDO)
    graph.bind("pm", PM)
    add = graph.add
    add((dataset, RDF.type, VOID.Dataset))
    add((dataset, DCTERMS.title, Literal("Pressemitteilungen als Linked Open Data", lang="de")))
    add((dataset, DCTERMS.title, Literal("Press releases as linked open data", lang="en")))
    add((dataset, DCTERMS.license, URIRef(LICENSE_DL_BY_DE_2_0)))
    built = manifest.get("built")
    if built:
        add((dataset, DCTERMS.modified, Literal(str(built), datatype=XSD.dateTime)))
    add((dataset, VOID.uriSpace, Literal(f"{base_uri}id/")))
    add((dataset, VOID.sparqlEndpoint, URIRef(f"{base_uri}sparql")))
    add((dataset, VOID.rootResource, URIRef(base_uri)))
    # the same dataset as the DCAT catalogue's whole-graph dataset (publisher.catalog)
    add((dataset, OWL.sameAs, URIRef(f"{base_uri}catalog#dataset")))
    add((dataset, RDFS.seeAlso, URIRef(f"{base_uri}catalog")))
    for vocabulary in (str(SDO), str(PM)):
        add((dataset, VOID.vocabulary, URIRef(vocabulary)))
    for name in sorted(manifest.get("files", {})):
        if name in DUMPS:
            add((dataset, VOID.dataDump, URIRef(f"{base_uri}dumps/{name}")))
    add((dataset, VOID.triples, Literal(counts.triples)))
    add((dataset, VOID.entities, Literal(counts.entities)))
    add((dataset, VOID.distinctSubjects, Literal(counts.subjects)))
    add((dataset, VOID.distinctObjects, Literal(counts.objects)))
    add((dataset, VOID.classes, Literal(len(counts.classes))))
    add((dataset, VOID.properties, Literal(len(counts.properties))))
    for cls, entities in counts.classes.items():
        part = _part(void_iri, "klasse", cls)
        add((dataset, VOID.classPartition, part))
        add((part, VOID["class"], URIRef(cls)))
        add((part, VOID.entities, Literal(entities)))
    for prop, triples in counts.properties.items():
        part = _part(void_iri, "eigenschaft", prop)
        add((dataset, VOID.propertyPartition, part))
        add((part, VOID.property, URIRef(prop)))
        add((part, VOID.triples, Literal(triples)))
    return graph


class VoidDescriber:
    """The VoID graph of a store's current state, counted once per state."""

    def __init__(self, store: Store, base_uri: str) -> None:
        self.store = store
        self.base_uri = base_uri
        self._counts: LruCache[Counts] = LruCache(2)

    def counts(self) -> Counts:
        return self._counts.get_or_make(self.store.version(), lambda: count(self.store))

    def graph(self) -> Graph:
        counts = self.counts()
        return describe(counts, self.base_uri, self.store.manifest() or {})


__all__ = ["VOID", "Counts", "VoidDescriber", "count", "describe"]
