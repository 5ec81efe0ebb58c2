"""Real SPARQL clients against ``publisher serve`` over the bundled data: SPARQLWrapper and rdflib's SPARQLStore.

Every answer a client gets is parsed back the way the client parses it and compared with the store's own answer
to the same query: solutions as multisets of terms, booleans as booleans, graphs with
``rdflib.compare.isomorphic``. SPARQLWrapper asks for each format it offers (JSON, XML, CSV, TSV for SELECT and
ASK; Turtle, N-Triples, RDF/XML and JSON-LD for CONSTRUCT and DESCRIBE), by GET, by a form POST and by a direct
POST; SPARQLStore queries and looks up triples with each method and results format it offers.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from rdflib.term import Node
from SPARQLWrapper import (
    CSV,
    GET,
    JSON,
    JSONLD,
    N3,
    POST,
    POSTDIRECTLY,
    RDFXML,
    TSV,
    TURTLE,
    URLENCODED,
    XML,
    SPARQLWrapper,
)

from publisher.config import Config
from publisher.namespaces import SDO
from publisher.store import WritableStore
from tests.conftest import SEED_IRI, free_port, serving

SEED = URIRef(SEED_IRI)
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
#: IRIs, language-tagged and typed literals, long text with quotes and line breaks, and unbound values.
SELECT = f"""PREFIX schema: <https://schema.org/>
SELECT ?p ?o ?name WHERE {{ <{SEED_IRI}> ?p ?o OPTIONAL {{ ?o schema:name ?name }} }}"""
ASK_TRUE = f"ASK {{ <{SEED_IRI}> a <https://schema.org/NewsArticle> }}"
ASK_FALSE = f"ASK {{ <{SEED_IRI}> a <https://schema.org/Person> }}"
CONSTRUCT = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{SEED_IRI}> {{ ?s ?p ?o }} }}"
DESCRIBE = f"DESCRIBE <{SEED_IRI}>"

TABLE_QUERIES = {"select": SELECT, "ask-true": ASK_TRUE, "ask-false": ASK_FALSE}
GRAPH_QUERIES = {"construct": CONSTRUCT, "describe": DESCRIBE}
#: SPARQLWrapper's request methods: (method, how a POST carries the query).
METHODS = {"get": (GET, URLENCODED), "post-form": (POST, URLENCODED), "post-direct": (POST, POSTDIRECTLY)}
#: SPARQLWrapper's formats: name -> (return format, media type the answer must come in, Accept it sends or None).
TABLE_FORMATS = {
    "json": (JSON, "application/sparql-results+json", None),
    "xml": (XML, "application/sparql-results+xml", None),
    "csv": (CSV, "text/csv", None),
    "tsv": (TSV, "text/tab-separated-values", None),
}
GRAPH_FORMATS = {
    "turtle": (TURTLE, "text/turtle", None),
    # SPARQLWrapper has no return format of its own for N-Triples: it reads them as N3, asked for by Accept
    "ntriples": (N3, "application/n-triples", "application/n-triples"),
    "rdfxml": (RDFXML, "application/rdf+xml", None),
    "jsonld": (JSONLD, "application/ld+json", None),
}
RESULTS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "tsv": ox.QueryResultsFormat.TSV,
}


@pytest.fixture(scope="module")
def endpoint(built: tuple[Config, WritableStore], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``publisher serve`` over the built bundled data: the URL of its ``/sparql``."""
    config, _store = built
    log = tmp_path_factory.mktemp("clients") / "serve.log"
    with serving(config.store, free_port(), log) as base:
        yield base + "/sparql"


# ---------------------------------------------------------------- the store's own answers


def rows(result: Any) -> Counter[tuple[tuple[str, Any], ...]] | bool:
    """Solutions (pyoxigraph's) as a multiset of rows, each the sorted bound (variable, term) pairs; or a boolean."""
    if isinstance(result, ox.QueryBoolean):
        return bool(result)
    names = [v.value for v in result.variables]
    return Counter(tuple(sorted((n, t) for n, t in zip(names, row, strict=True) if t is not None)) for row in result)


def own_rows(store: WritableStore, query: str) -> Counter[tuple[tuple[str, Any], ...]] | bool:
    return rows(ox.parse_query_results(store.query(query, "json"), format=ox.QueryResultsFormat.JSON))


def csv_rows(data: bytes) -> tuple[list[str], Counter[tuple[str, ...]]]:
    """A CSV answer: its header and its rows as a multiset."""
    lines = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    return lines[0], Counter(tuple(line) for line in lines[1:])


def own_graph(store: WritableStore, query: str) -> Graph:
    graph = Graph().parse(data=store.query(query, "nt").decode("utf-8"), format="nt")
    assert len(graph) > 0, "the query should find something in the bundled data"
    return graph


def plain(graph: Graph) -> Graph:
    """The triples of any rdflib graph (SPARQLWrapper hands some formats back as a ConjunctiveGraph)."""
    copy = Graph()
    for triple in graph.triples((None, None, None)):
        copy.add(triple)
    return copy


# ---------------------------------------------------------------- SPARQLWrapper


def wrapper(endpoint: str, query: str, method: str, fmt: tuple[str, str, str | None]) -> SPARQLWrapper:
    client = SPARQLWrapper(endpoint)
    client.setQuery(query)
    client.setMethod(METHODS[method][0])
    client.setRequestMethod(METHODS[method][1])
    client.setReturnFormat(fmt[0])
    if fmt[2] is not None:
        client.setOnlyConneg(True)
        client.addCustomHttpHeader("Accept", fmt[2])
    return client


@pytest.mark.parametrize("method", sorted(METHODS))
@pytest.mark.parametrize("fmt", sorted(TABLE_FORMATS))
@pytest.mark.parametrize("name", sorted(TABLE_QUERIES))
def test_sparqlwrapper_select_and_ask(
    endpoint: str, built: tuple[Config, WritableStore], name: str, fmt: str, method: str
) -> None:
    _config, store = built
    query = TABLE_QUERIES[name]
    result = wrapper(endpoint, query, method, TABLE_FORMATS[fmt]).query()
    assert result.info()["content-type"].split(";")[0] == TABLE_FORMATS[fmt][1]
    answer = result.convert()
    if fmt == "csv":
        assert isinstance(answer, bytes)
        assert csv_rows(answer) == csv_rows(store.query(query, "csv"))
        return
    if fmt == "json":
        assert isinstance(answer, dict)
        data = json.dumps(answer).encode("utf-8")
    elif fmt == "xml":
        data = answer.toxml("utf-8")  # a DOM document
    else:
        assert isinstance(answer, bytes)
        data = answer
    got = rows(ox.parse_query_results(data, format=RESULTS[fmt]))
    assert got == own_rows(store, query)
    if name == "select":
        assert isinstance(got, Counter) and sum(got.values()) > 5


@pytest.mark.parametrize("method", sorted(METHODS))
@pytest.mark.parametrize("fmt", sorted(GRAPH_FORMATS))
@pytest.mark.parametrize("name", sorted(GRAPH_QUERIES))
def test_sparqlwrapper_construct_and_describe(
    endpoint: str, built: tuple[Config, WritableStore], name: str, fmt: str, method: str
) -> None:
    _config, store = built
    query = GRAPH_QUERIES[name]
    result = wrapper(endpoint, query, method, GRAPH_FORMATS[fmt]).query()
    assert result.info()["content-type"].split(";")[0] == GRAPH_FORMATS[fmt][1]
    answer = result.convert()
    if isinstance(answer, bytes):  # Turtle and N-Triples come back as text
        answer = Graph().parse(data=answer.decode("utf-8"), format="nt" if fmt == "ntriples" else "turtle")
    assert isinstance(answer, Graph)
    assert isomorphic(plain(answer), own_graph(store, query))


# ---------------------------------------------------------------- rdflib's SPARQLStore


def rdflib_term(term: Any) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == XSD_STRING:
        return Literal(term.value)  # how rdflib reads a simple literal
    return Literal(term.value, datatype=URIRef(term.datatype.value))


STORE_METHODS = ("GET", "POST", "POST_FORM")
#: SPARQLStore's results formats, for SELECT. CSV and TSV define no boolean results (rdflib reads none), and only
#: "xml" makes SPARQLStore accept a graph (application/rdf+xml): ASK and triple lookups are tried with XML and JSON,
#: CONSTRUCT and DESCRIBE with XML.
SELECT_FORMATS = ("xml", "json", "csv", "tsv")
BOOLEAN_FORMATS = ("xml", "json")
GRAPH_FORMATS_OF_STORE = ("xml",)


def remote_graph(endpoint: str, fmt: str, method: str) -> Graph:
    """A graph over the endpoint through rdflib's SPARQLStore, with one results format and one method."""
    return Graph(store=SPARQLStore(endpoint, returnFormat=fmt, method=method))


def combinations(formats: tuple[str, ...]) -> list[Any]:
    return [pytest.param(f, m, id=f"{f}-{m}") for f in formats for m in STORE_METHODS]


@pytest.mark.parametrize(("fmt", "method"), combinations(SELECT_FORMATS))
def test_sparqlstore_select(endpoint: str, built: tuple[Config, WritableStore], fmt: str, method: str) -> None:
    _config, store = built
    remote = remote_graph(endpoint, fmt, method)
    result = remote.query(SELECT)
    own = own_rows(store, SELECT)
    assert isinstance(own, Counter)
    expected = Counter(tuple((n, rdflib_term(t)) for n, t in row) for row in own.elements())
    names = [str(v) for v in result.vars or []]
    got = Counter(
        tuple(sorted((n, t) for n, t in zip(names, row, strict=True) if t is not None))  # type: ignore[arg-type]
        for row in result
    )
    if fmt == "csv":
        # CSV carries no datatypes or languages: only the values can be compared
        expected = Counter(tuple((n, str(t)) for n, t in row) for row in expected.elements())
        got = Counter(tuple((n, str(t)) for n, t in row) for row in got.elements())
    assert got == expected


@pytest.mark.parametrize(("fmt", "method"), combinations(BOOLEAN_FORMATS))
def test_sparqlstore_ask(endpoint: str, fmt: str, method: str) -> None:
    remote = remote_graph(endpoint, fmt, method)
    assert remote.query(ASK_TRUE).askAnswer is True
    assert remote.query(ASK_FALSE).askAnswer is False


@pytest.mark.parametrize(("fmt", "method"), combinations(GRAPH_FORMATS_OF_STORE))
@pytest.mark.parametrize("name", sorted(GRAPH_QUERIES))
def test_sparqlstore_construct_and_describe(
    endpoint: str, built: tuple[Config, WritableStore], name: str, fmt: str, method: str
) -> None:
    _config, store = built
    remote = remote_graph(endpoint, fmt, method)
    result = remote.query(GRAPH_QUERIES[name])
    assert result.graph is not None
    assert isomorphic(plain(result.graph), own_graph(store, GRAPH_QUERIES[name]))


@pytest.mark.parametrize(("fmt", "method"), combinations(BOOLEAN_FORMATS))
def test_sparqlstore_triple_lookups(endpoint: str, built: tuple[Config, WritableStore], fmt: str, method: str) -> None:
    _config, store = built
    remote = remote_graph(endpoint, fmt, method)
    own = own_rows(store, f"SELECT ?p ?o WHERE {{ <{SEED_IRI}> ?p ?o }}")
    assert isinstance(own, Counter) and own
    expected = {(SEED, rdflib_term(dict(row)["p"]), rdflib_term(dict(row)["o"])) for row in own}
    assert set(remote.triples((SEED, None, None))) == expected
    assert set(remote.predicate_objects(SEED)) == {(p, o) for _s, p, o in expected}
    assert (SEED, RDF.type, SDO.NewsArticle) in remote
    assert (SEED, RDF.type, SDO.Person) not in remote
    headline = remote.value(SEED, SDO.headline)
    assert isinstance(headline, Literal) and (SEED, SDO.headline, headline) in expected
    # a literal in the pattern: rdflib writes it into the query, the endpoint must match it exactly
    assert set(remote.subjects(SDO.headline, headline)) == {SEED}
    releases = {r["r"] for r in store.select("SELECT DISTINCT ?r WHERE { ?r a <https://schema.org/NewsArticle> }")}
    assert {str(s) for s in remote.subjects(RDF.type, SDO.NewsArticle)} == releases
    graphs = {r["g"] for r in store.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")}
    assert {str(g) for g in remote.store.contexts()} == graphs
    assert len(remote) == int(store.select("SELECT (COUNT(*) AS ?c) WHERE { ?s ?p ?o }")[0]["c"])
