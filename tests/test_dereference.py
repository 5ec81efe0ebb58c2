"""Every resource of the bundled data dereferences, in every format, to the same graph."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from publisher.config import Config
from publisher.store import WritableStore
from tests.conftest import BASE

RDF_TYPES = {
    ".ttl": ("text/turtle", "turtle"),
    ".jsonld": ("application/ld+json", "json-ld"),
    ".nt": ("application/n-triples", "nt"),
    ".rdf": ("application/rdf+xml", "xml"),
}
ALL_TYPES = [*(t for t, _ in RDF_TYPES.values()), "text/html"]
JSON_LD_SCRIPT = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def published_things(store: WritableStore) -> list[str]:
    rows = store.select(
        f"""SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{BASE}id/")
            && !CONTAINS(STR(?s), "#")) }} ORDER BY ?s"""
    )
    return [row["s"] for row in rows]


def doc_path(iri: str) -> str:
    return "/doc/" + quote(iri[len(BASE) + len("id/") :], safe="/-._~")


def parse(body: bytes, rdflib_format: str) -> Graph:
    graph = Graph()
    graph.parse(data=body.decode("utf-8"), format=rdflib_format)
    return graph


def iris(graph: Graph) -> set[str]:
    return {str(n) for t in graph for n in t if isinstance(n, URIRef)}


def check_headers(response, media_type: str, path: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, (path, response.status_code, response.data[:300])
    assert response.mimetype == media_type, path
    assert "Accept" in response.vary, path
    assert response.headers["ETag"].startswith('"'), path  # strong
    assert response.headers["Last-Modified"], path
    alternates = {
        match.group(2)
        for match in re.finditer(r'<([^>]+)>; rel="alternate"; type="([^"]+)"', response.headers.get("Link", ""))
    }
    # a place's document links its GeoJSON too (tests/test_geo.py)
    assert alternates - {"application/geo+json"} == set(ALL_TYPES) - {media_type}, (path, response.headers.get("Link"))


def test_every_resource_in_every_format(built: tuple[Config, WritableStore], client: FlaskClient) -> None:
    _config, store = built
    things = published_things(store)
    assert len(things) > 1000  # the reference data and the seed release
    for iri in things:
        path = doc_path(iri)
        thing = client.get("/id/" + path[len("/doc/") :], headers={"Accept": "text/turtle"})
        assert thing.status_code == 303, iri
        assert thing.headers["Location"] == path, iri

        graphs = {}
        for suffix, (media_type, rdflib_format) in RDF_TYPES.items():
            by_accept = client.get(path, headers={"Accept": media_type})
            check_headers(by_accept, media_type, path)
            assert by_accept.headers["Content-Location"] == path + suffix
            graphs[suffix] = parse(by_accept.data, rdflib_format)
            assert (URIRef(iri), None, None) in graphs[suffix], (iri, suffix)
        by_suffix = client.get(path + ".ttl", headers={"Accept": "text/html"})
        check_headers(by_suffix, "text/turtle", path + ".ttl")
        assert by_suffix.data == client.get(path, headers={"Accept": "text/turtle"}).data

        turtle = graphs[".ttl"]
        for suffix, graph in graphs.items():
            assert isomorphic(graph, turtle), (iri, suffix)
        # the JSON-LD carries its context inline and expands to exactly the IRIs of the Turtle
        assert iris(graphs[".jsonld"]) == iris(turtle), iri

        html = client.get(path, headers={"Accept": "text/html"})
        check_headers(html, "text/html", path)
        embedded = JSON_LD_SCRIPT.search(html.get_data(as_text=True))
        assert embedded is not None, iri
        assert isomorphic(parse(embedded.group(1).encode("utf-8"), "json-ld"), turtle), iri


def test_a_release_document_holds_its_parts_and_the_labels_of_what_it_links_to(client: FlaskClient) -> None:
    path = "/doc/pressemitteilung/2025-01-17-3-bezirkliches-benn-treffen-hat-stattgefunden.ttl"
    graph = parse(client.get(path).data, "turtle")
    release = URIRef(f"{BASE}id/pressemitteilung/2025-01-17-3-bezirkliches-benn-treffen-hat-stattgefunden")
    schema = "https://schema.org/"
    quotes = list(graph.objects(release, URIRef(schema + "hasPart")))
    assert len(quotes) == 2
    for quote_node in quotes:
        assert str(quote_node).startswith(str(release) + "#zitat-")
        assert (quote_node, URIRef(schema + "text"), None) in graph
    # every resource it links to comes with a type and a label
    for obj in set(graph.objects(release, None)):
        if isinstance(obj, URIRef) and str(obj).startswith(BASE):
            assert (obj, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), None) in graph, obj
    igel = URIRef(f"{BASE}id/person/oliver-igel")
    assert (igel, URIRef(schema + "name"), None) in graph


def test_an_area_lists_its_releases_and_an_organisation_its_units_and_people(client: FlaskClient) -> None:
    schema = "https://schema.org/"
    area = parse(client.get("/doc/bezirksregion/093009.ttl").data, "turtle")
    release = URIRef(f"{BASE}id/pressemitteilung/2025-01-17-3-bezirkliches-benn-treffen-hat-stattgefunden")
    assert (release, URIRef(schema + "spatialCoverage"), URIRef(f"{BASE}id/bezirksregion/093009")) in area
    assert (release, URIRef(schema + "headline"), None) in area

    office = URIRef(f"{BASE}id/organisation/bezirksamt-treptow-koepenick")
    org = parse(client.get("/doc/organisation/bezirksamt-treptow-koepenick.ttl").data, "turtle")
    units = set(org.subjects(URIRef(schema + "parentOrganization"), office))
    assert URIRef(f"{BASE}id/organisation/bezirksamt-treptow-koepenick/pressestelle") in units
    role = URIRef(f"{BASE}id/person/oliver-igel/rolle/bezirksbuergermeister")
    assert (URIRef(f"{BASE}id/person/oliver-igel"), URIRef(schema + "memberOf"), role) in org
    assert (role, URIRef(schema + "roleName"), None) in org
    assert (release, URIRef(schema + "publisher"), office) in org


def test_incoming_links_are_paginated(built: tuple[Config, WritableStore]) -> None:
    from publisher.web import create_app

    config, store = built
    small = create_app(config.with_overrides(page_size=3), store).test_client()
    berlin = "/doc/organisation/land-berlin"
    first = small.get(berlin + ".ttl")
    links = first.headers["Link"]
    assert 'rel="next"' in links and 'rel="last"' in links and 'rel="prev"' not in links
    target = re.search(r'<([^>]+)>; rel="next"', links)
    assert target is not None
    second = small.get(target.group(1))
    assert second.status_code == 200
    assert 'rel="prev"' in second.headers["Link"]
    node = URIRef(f"{BASE}id/organisation/land-berlin")
    incoming = [set(parse(r.data, "turtle").subjects(None, node)) for r in (first, second)]
    assert incoming[0] and incoming[1] and not incoming[0] & incoming[1]
    last = int(re.search(r'page=(\d+)>; rel="last"', links).group(1))  # type: ignore[union-attr]
    beyond = small.get(f"{berlin}.ttl?page={last + 1}")
    assert beyond.status_code == 404
    assert small.get(f"{berlin}.ttl?page=zwei").status_code == 400


def test_named_graphs_dereference(client: FlaskClient) -> None:
    response = client.get("/graph/reference", headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    assert response.mimetype == "application/n-triples"
    assert len(parse(response.data, "nt")) > 5000
    assert client.get("/graph/nothing").status_code == 404


def test_the_published_context_is_the_one_documents_carry(client: FlaskClient) -> None:
    context = client.get("/context.jsonld")
    assert context.mimetype == "application/ld+json"
    document = json.loads(client.get("/doc/bezirk/treptow-koepenick.jsonld").data)
    assert document["@context"] == json.loads(context.data)["@context"]


@pytest.mark.parametrize("path", ["/id/bezirk/nirgendwo", "/doc/bezirk/nirgendwo", "/doc/bezirk/nirgendwo.ttl"])
def test_unknown_resources_are_404(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 404


def test_app_factory_takes_its_settings(app: Flask) -> None:
    assert app.extensions["publisher"].config.base_uri == BASE
