"""The Virtuoso that CI starts (.ci/virtuoso) is one the remote store can be tested against: it answers SPARQL
queries, takes SPARQL Update and the Graph Store Protocol from its writer account, and refuses writes from anyone
else. Skipped without a Virtuoso (see tests/virtuoso.py), failed without one in CI."""

from __future__ import annotations

import dataclasses
import json
import urllib.parse
from collections.abc import Iterator

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from tests.virtuoso import Virtuoso, VirtuosoError, require_virtuoso, virtuoso_graph

GRAPH = "http://example.org/graph/setup"
SUBJECT = "http://example.org/id/setup"
TEXT = "Bürgerbeteiligung in Treptow-Köpenick: Straßenfest am Müggelsee 🎉"
INSERT = f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <{SUBJECT}> <https://schema.org/name> "{TEXT}"@de }} }}'
IN_GRAPH = f"SELECT ?p ?o WHERE {{ GRAPH <{GRAPH}> {{ <{SUBJECT}> ?p ?o }} }}"


@pytest.fixture(scope="module")
def virtuoso() -> Virtuoso:
    return require_virtuoso()


@pytest.fixture
def clean(virtuoso: Virtuoso) -> Iterator[Virtuoso]:
    virtuoso.empty()
    yield virtuoso
    virtuoso.empty()


def test_it_answers_queries_in_the_formats_asked_for(virtuoso: Virtuoso) -> None:
    assert json.loads(virtuoso.query("ASK {}"))["boolean"] is True
    # its own graphs (its mapping of RDF onto SQL among them) are private: the union default graph leaves them out
    assert not any(virtuoso_graph(g) for g in virtuoso.graphs())
    rows = virtuoso.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(rows[0]["n"]) >= sum(virtuoso.graphs().values())
    status, headers, _body = virtuoso.request(
        virtuoso.query_url,
        urllib.parse.urlencode({"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"}).encode(),
        {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/csv"},
        auth=False,
    )
    assert status == 200 and headers["Content-Type"].startswith("text/csv")


def test_the_writer_updates_and_what_it_wrote_comes_back_exactly(clean: Virtuoso) -> None:
    clean.update(INSERT)
    assert clean.select(IN_GRAPH) == [{"p": "https://schema.org/name", "o": TEXT}]
    data = json.loads(clean.query(IN_GRAPH))["results"]["bindings"][0]["o"]
    assert data == {"type": "literal", "xml:lang": "de", "value": TEXT}


def test_the_writer_replaces_a_graph_through_the_graph_store_protocol(clean: Virtuoso) -> None:
    turtle = f'<{SUBJECT}> <https://schema.org/name> "{TEXT}"@de ; <https://schema.org/position> 3 .\n'
    sent = Graph().parse(data=turtle, format="turtle")
    url = f"{clean.gsp_url}?{urllib.parse.urlencode({'graph-uri': GRAPH})}"
    for _ in range(2):  # PUT replaces: twice leaves the graph as once
        status, _headers, _body = clean.request(
            url, sent.serialize(format="nt").encode(), {"Content-Type": "application/n-triples"}, method="PUT"
        )
        assert status in {200, 201, 204}
    back = Graph().parse(
        data=clean.query(
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}", "application/n-triples"
        ),
        format="nt",
    )
    assert isomorphic(back, sent)
    assert (URIRef(SUBJECT), URIRef("https://schema.org/name"), Literal(TEXT, lang="de")) in back


def test_updates_without_the_writers_credentials_are_refused(clean: Virtuoso) -> None:
    anonymous = urllib.parse.urlencode({"update": INSERT}).encode()
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    # the anonymous endpoint: Virtuoso answers a refused update with 500 ("SR186: SECURITY: No permission")
    with pytest.raises(VirtuosoError) as refused:
        clean.request(clean.query_url, anonymous, form, auth=False)
    assert refused.value.status == 500 and b"SECURITY" in refused.value.body
    # the authenticated endpoints, without credentials or with a wrong password
    for url in (clean.update_url, clean.gsp_url + "?graph-uri=" + urllib.parse.quote(GRAPH, safe="")):
        with pytest.raises(VirtuosoError) as unauthorised:
            clean.request(url, anonymous, form, auth=False)
        assert unauthorised.value.status == 401
    impostor = dataclasses.replace(clean, password=clean.password + "x")
    with pytest.raises(VirtuosoError) as wrong:
        impostor.update(INSERT)
    assert wrong.value.status == 401
    assert clean.select(IN_GRAPH) == []


def test_virtuosos_own_graphs_are_private_and_out_of_the_writers_reach(clean: Virtuoso) -> None:
    # anonymous queries see nothing of them (README: "Virtuoso's own graphs")
    assert clean.graphs() == {}
    assert json.loads(clean.query("ASK { ?s ?p ?o }"))["boolean"] is False
    # the writer may write any other graph, but none of Virtuoso's own
    for graph in ("http://www.openlinksw.com/schemas/virtrdf#", "http://www.w3.org/ns/ldp#"):
        with pytest.raises(VirtuosoError) as refused:
            clean.update(INSERT.replace(GRAPH, graph))
        assert refused.value.status == 500 and b"no write permission" in refused.value.body
    clean.update(INSERT)
    clean.update(INSERT.replace(GRAPH, "http://localhost:8080/graph/reference"))
    assert set(clean.graphs()) == {GRAPH, "http://localhost:8080/graph/reference"}
    clean.empty()
    assert clean.graphs() == {}
    # its mapping of RDF onto SQL is intact: it still answers queries
    assert json.loads(clean.query("ASK {}"))["boolean"] is True
