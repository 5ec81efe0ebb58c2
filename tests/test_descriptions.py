"""Descriptions read from the store, and the JSON-LD written from them: the same whichever way they are made.

A description keeps the types and labels it read per published state; the JSON-LD of a description is written in
one pass over its triples. Both must give exactly what reading everything afresh, and rdflib's own JSON-LD
serialiser, give: on every resource of the bundled data, and on the odd graphs the data does not have.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, XSD

from publisher.config import Config
from publisher.formats import CONTEXT, jsonld_document
from publisher.namespaces import SDO
from publisher.resources import Resources
from publisher.store import WritableStore, open_store


def _rdflib_jsonld(graph: Graph) -> Any:
    return json.loads(graph.serialize(format="json-ld", context=CONTEXT, auto_compact=True))


def _unordered(document: Any) -> Any:
    """A JSON-LD document with its arrays in a fixed order: the serialiser lists nodes in the order of a set."""
    if isinstance(document, dict):
        return {key: _unordered(value) for key, value in document.items()}
    if isinstance(document, list):
        return sorted((_unordered(value) for value in document), key=lambda v: json.dumps(v, sort_keys=True))
    return document


@pytest.fixture(scope="module")
def subjects(built: tuple[Config, WritableStore]) -> list[str]:
    config, store = built
    rows = store.select(
        f'SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), "{config.base_uri}id/")) }} ORDER BY ?s'
    )
    return [row["s"] for row in rows]


def test_every_description_is_the_same_read_afresh_as_with_the_labels_kept(
    built: tuple[Config, WritableStore], subjects: list[str]
) -> None:
    config, _store = built
    warm, cold = Resources(open_store(config.store), page_size=3), Resources(open_store(config.store), page_size=3)
    for iri in subjects:
        warm.describe(iri)  # keeps the labels of everything it names
    compared = 0
    for iri in subjects:
        for page in (1, 2):
            cold._labels.clear()
            fresh = cold.describe(iri, page)
            warm._described.clear()  # the description itself is made again, from the labels kept
            kept = warm.describe(iri, page)
            assert (fresh is None) == (kept is None), iri
            if fresh is None or kept is None or page > fresh.pages:
                continue
            assert set(fresh.graph) == set(kept.graph), f"{iri} page {page}"
            assert list(fresh.graph) == list(kept.graph), f"{iri} page {page}: triples in another order"
            compared += 1
    assert compared > len(subjects)  # every resource, and the second pages of those with more than 3 links in


def test_the_json_ld_of_every_description_is_what_rdflib_writes(
    built: tuple[Config, WritableStore], subjects: list[str]
) -> None:
    config, _store = built
    resources = Resources(open_store(config.store), page_size=config.page_size)
    described = [d for d in (resources.describe(iri) for iri in subjects) if d is not None]
    assert len(described) > 500
    for description in described:
        written = jsonld_document(description.graph)
        assert _unordered(written) == _unordered(_rdflib_jsonld(description.graph)), description.iri
        assert written["@context"] == CONTEXT


def _odd_graph() -> Graph:
    graph = Graph()
    thing, other, blank, nested = (
        URIRef("http://example.org/id/thing"),
        URIRef("https://w3id.org/pm-berlin/ontology#Bezirk"),
        BNode(),
        BNode(),
    )
    graph.add((thing, RDF.type, SDO.Place))
    graph.add((thing, RDF.type, other))
    graph.add((thing, RDF.type, blank))  # a type that is a blank node
    graph.add((thing, SDO.name, Literal("Ort", lang="de")))
    graph.add((thing, SDO.name, Literal("Place", lang="en")))
    graph.add((thing, SDO.alternateName, Literal("plain")))
    graph.add((thing, SDO.identifier, Literal("7", datatype=XSD.integer)))
    graph.add((thing, SDO.latitude, Literal("52.5", datatype=XSD.double)))
    graph.add((thing, SDO.isAccessibleForFree, Literal("false", datatype=XSD.boolean)))
    graph.add((thing, SDO.startDate, Literal("2025-01-17", datatype=XSD.date)))
    graph.add((thing, SDO.text, Literal("typed", datatype=XSD.string)))
    graph.add((thing, SDO.address, blank))
    graph.add((blank, SDO.streetAddress, Literal("Alt-Köpenick 21")))
    graph.add((blank, SDO.geo, nested))
    graph.add((nested, SDO.latitude, Literal("52.4", datatype=XSD.double)))
    graph.add((BNode(), SDO.name, Literal("unreferenced")))
    graph.add((thing, URIRef("http://purl.org/dc/terms/source"), URIRef("http://example.org/elsewhere")))
    graph.add((thing, URIRef("http://example.org/vocab#odd"), Literal("0", datatype=XSD.integer)))
    return graph


@pytest.mark.parametrize(
    "graph",
    [Graph(), _odd_graph(), Graph(store="SimpleMemory") + _odd_graph()],
    ids=["empty", "odd terms", "odd terms, simple store"],
)
def test_json_ld_of_odd_graphs_is_what_rdflib_writes(graph: Graph) -> None:
    assert _unordered(jsonld_document(graph)) == _unordered(_rdflib_jsonld(graph))


def test_json_ld_keeps_every_value_of_a_property_when_one_is_false() -> None:
    graph = Graph()
    thing = URIRef("http://example.org/id/a")
    for value in (Literal("false", datatype=XSD.boolean), Literal("true", datatype=XSD.boolean), Literal("")):
        graph.add((thing, SDO.value, value))
    assert sorted(map(str, jsonld_document(graph)["value"])) == ["", "False", "True"]


def test_json_ld_of_one_resource_is_its_node_and_of_a_list_is_rdflibs() -> None:
    single = Graph()
    single.add((URIRef("http://example.org/id/a"), SDO.name, Literal("A")))
    assert jsonld_document(single) == {"@context": CONTEXT, "@id": "http://example.org/id/a", "name": "A"}
    listed = Graph()
    head = BNode()
    Collection(listed, head, [Literal("eins"), Literal("zwei")])
    listed.add((URIRef("http://example.org/id/a"), SDO.itemListElement, head))
    assert jsonld_document(listed) == _rdflib_jsonld(listed)
