"""The published contract and the validation service: ``/shapes`` and ``/ontology`` in every format, equal to the
files and to the store's ontology graph; ``/validate`` with conforming, violating and broken input."""

from __future__ import annotations

import io
import json
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, SH, XSD

from publisher.config import Config, load_config
from publisher.namespaces import SDO
from publisher.store import WritableStore, graph_iri, open_store
from publisher.validation import load_graph
from publisher.web import create_app
from tests.conftest import SEED, SEED_IRI

RDF_FORMATS = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
}


def _graph(client: FlaskClient, path: str, media_type: str) -> Graph:
    response = client.get(path, headers={"Accept": media_type})
    assert response.status_code == 200, response.text
    assert response.mimetype == media_type
    return Graph().parse(data=response.data, format=RDF_FORMATS[media_type])


def _post(client: FlaskClient, body: bytes | str, content_type: str, accept: str = "text/turtle") -> tuple[int, str]:
    response = client.post("/validate", data=body, headers={"Content-Type": content_type, "Accept": accept})
    return response.status_code, response.text


def _report(text: str) -> Graph:
    return Graph().parse(data=text, format="turtle")


def _conforms(report: Graph) -> bool:
    value = next(report.objects(None, SH.conforms))
    return bool(value.toPython()) if isinstance(value, Literal) else False


def _results(report: Graph) -> list[tuple[str, str]]:
    """(focus node, path) of every violation."""
    return sorted(
        (str(report.value(r, SH.focusNode)), str(report.value(r, SH.resultPath)))
        for r in report.subjects(RDF.type, SH.ValidationResult)
        if report.value(r, SH.resultSeverity) == SH.Violation
    )


def _release_turtle(store: WritableStore) -> Graph:
    """The seed release's named graph as the store holds it: what the build published for it."""
    return Graph().parse(
        data=store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{SEED_IRI}> {{ ?s ?p ?o }} }}", "nt"), format="nt"
    )


# ---------------------------------------------------------------- shapes and ontology


@pytest.mark.parametrize("media_type", list(RDF_FORMATS))
def test_shapes_served_in_every_format_equal_the_files(client: FlaskClient, config: Config, media_type: str) -> None:
    served = _graph(client, "/shapes", media_type)
    assert isomorphic(served, load_graph(config.shapes_dir.glob("*.ttl")))
    one = _graph(client, "/shapes/PressRelease", media_type)
    assert isomorphic(one, load_graph([config.shapes_dir / "PressRelease.ttl"]))


@pytest.mark.parametrize("media_type", list(RDF_FORMATS))
def test_ontology_served_in_every_format_equals_the_store_graph(
    client: FlaskClient, built: tuple[Config, WritableStore], media_type: str
) -> None:
    config, store = built
    served = _graph(client, "/ontology", media_type)
    stored = Graph().parse(
        data=store.query(
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph_iri(config.base_uri, 'ontology')}> {{ ?s ?p ?o }} }}",
            "nt",
        ),
        format="nt",
    )
    assert len(stored) > 100
    assert isomorphic(served, stored)


def test_suffixes_and_unknown_shape(client: FlaskClient) -> None:
    assert client.get("/shapes.nt").mimetype == "application/n-triples"
    assert client.get("/ontology.jsonld").mimetype == "application/ld+json"
    assert client.get("/shapes/Person.ttl").mimetype == "text/turtle"
    missing = client.get("/shapes/Nothing", headers={"Accept": "application/json"})
    assert missing.status_code == 404
    assert "PressRelease" in missing.json["error"]


def test_shapes_page_lists_each_shape_with_target_and_constraints(client: FlaskClient) -> None:
    page = client.get("/shapes", headers={"Accept": "text/html"}).text
    assert '<html lang="de"' in page
    assert "SHACL-Formen" in page
    assert "pms:PressReleaseShape" in page
    assert "Zielklasse: <code>pm:PressRelease</code>" in page
    assert "<code>schema:headline</code>" in page
    assert "Datentyp <code>rdf:langString</code>" in page
    assert "mindestens <code>1</code>" in page
    single = client.get("/shapes/Person", headers={"Accept": "text/html"}).text
    assert "PressReleaseShape" not in single and "Zielklasse: <code>schema:Person</code>" in single


def test_ontology_page_lists_terms_with_labels_and_parents(client: FlaskClient) -> None:
    page = client.get("/ontology", headers={"Accept": "text/html"}).text
    assert "<code>pm:PressRelease</code>" in page
    assert "Pressemitteilung" in page and "Press release" in page
    assert "spezialisiert <code>schema:NewsArticle</code>" in page
    assert "<code>pm:pressReleaseNumber</code>" in page and "spezialisiert <code>schema:identifier</code>" in page


# ---------------------------------------------------------------- conforming input


def test_published_release_graph_conforms(client: FlaskClient, built: tuple[Config, WritableStore]) -> None:
    data = _release_turtle(built[1]).serialize(format="turtle")
    started = time.perf_counter()
    status, text = _post(client, data, "text/turtle")
    took = time.perf_counter() - started
    assert status == 200, text
    assert _conforms(_report(text)), text
    assert took < 10, f"validating one release took {took:.1f} s"


@pytest.mark.parametrize(("fmt", "content_type"), [("json-ld", "application/ld+json"), ("nt", "application/n-triples")])
def test_release_in_other_formats_conforms(
    client: FlaskClient, built: tuple[Config, WritableStore], fmt: str, content_type: str
) -> None:
    data = _release_turtle(built[1]).serialize(format=fmt)
    status, text = _post(client, data, content_type)
    assert status == 200, text
    assert _conforms(_report(text)), text


def test_seed_text_conforms_and_report_as_jsonld(client: FlaskClient) -> None:
    response = client.post(
        "/validate", data=SEED.read_bytes(), headers={"Content-Type": "text/plain", "Accept": "application/ld+json"}
    )
    assert response.status_code == 200, response.text
    assert response.mimetype == "application/ld+json"
    report = Graph().parse(data=response.data, format="json-ld")
    assert _conforms(report), response.text


def test_form_post_shows_the_result_page(client: FlaskClient) -> None:
    form = {"format": "text", "data": SEED.read_text("utf-8")}
    response = client.post("/validate", data=form, headers={"Accept": "text/html"})
    assert response.status_code == 200, response.text
    assert "Die Daten erfüllen die Formen: <strong>ja</strong>" in response.text
    broken = client.post("/validate", data={"format": "turtle", "data": "<a> <b> ."}, headers={"Accept": "text/html"})
    assert broken.status_code == 400
    assert "Die Eingabe ist fehlerhaft" in broken.text and "line 1 column 9" in broken.text
    assert "&lt;a&gt; &lt;b&gt; .</textarea>" in broken.text
    page = client.get("/validate", headers={"Accept": "text/html"}).text
    assert '<textarea id="data" name="data"' in page and '<select id="format" name="format">' in page


# ---------------------------------------------------------------- violating input


def test_missing_required_property_names_focus_and_path(
    client: FlaskClient, built: tuple[Config, WritableStore]
) -> None:
    graph = _release_turtle(built[1])
    release = URIRef(SEED_IRI)
    graph.remove((release, SDO.headline, None))
    status, text = _post(client, graph.serialize(format="turtle"), "text/turtle")
    assert status == 200
    report = _report(text)
    assert not _conforms(report)
    assert (SEED_IRI, str(SDO.headline)) in _results(report)


def test_wrong_datatype_names_focus_and_path(client: FlaskClient, built: tuple[Config, WritableStore]) -> None:
    graph = _release_turtle(built[1])
    release = URIRef(SEED_IRI)
    graph.set((release, SDO.datePublished, Literal("17. Januar 2025", datatype=XSD.string)))
    data = graph.serialize(format="turtle")
    status, text = _post(client, data, "text/turtle")
    assert status == 200
    assert (SEED_IRI, str(SDO.datePublished)) in _results(_report(text))
    page = client.post("/validate", data={"format": "turtle", "data": data}, headers={"Accept": "text/html"}).text
    assert "Die Daten erfüllen die Formen: <strong>nein</strong>" in page
    assert "Verstoß" in page and SEED_IRI in page and "schema:datePublished" in page


# ---------------------------------------------------------------- garbage


@pytest.mark.parametrize(
    ("body", "content_type", "status", "says"),
    [
        (b"", "text/turtle", 400, "empty"),
        (b"   \n", "application/n-triples", 400, "empty"),
        (b"<a> <b> .\n", "text/turtle", 400, "not valid Turtle"),
        (b"@prefix s: <x> .\n\ns:a s:b s:c ;\n  s:d ", "text/turtle", 400, "line 4 column 7"),
        (b'{"@context": {"a": "http://x/"}, "a": [1, }', "application/ld+json", 400, "line 1, column"),
        (b'{"@context": 5, "@id": "http://x/a"}', "application/ld+json", 400, "not valid JSON-LD"),
        (
            b"<http://x/a> <http://x/b> <http://x/c> .\n<http://x/a> <http://x/b> oops .",
            "application/n-triples",
            400,
            "line 2",
        ),
        (b'{"@context": "http://example.org/ctx", "@id": "http://x/a"}', "application/ld+json", 400, "remote @context"),
        (b"\x00\x01\x02binary\xff\xfe", "text/turtle", 400, "binary"),
        (b"caf\xe9", "text/plain", 400, "not UTF-8"),
        (b"<html><body>x</body></html>", "application/pdf", 415, "application/pdf"),
        (b"a", "", 415, "no Content-Type"),
        (b'{"@context": {}}', "application/ld+json", 400, "no triples"),
    ],
)
def test_garbage_gets_a_clear_client_error(
    client: FlaskClient, body: bytes, content_type: str, status: int, says: str
) -> None:
    headers = {"Accept": "application/json"}
    if content_type:
        headers["Content-Type"] = content_type
    response = client.post("/validate", data=body, headers=headers)
    assert response.status_code == status, response.text
    assert says in response.json["error"], response.json["error"]


def test_multipart_file_upload_and_own_context(client: FlaskClient, built: tuple[Config, WritableStore]) -> None:
    graph = _release_turtle(built[1])
    upload = {"format": "turtle", "file": (io.BytesIO(graph.serialize(format="turtle").encode()), "release.ttl")}
    response = client.post(
        "/validate", data=upload, content_type="multipart/form-data", headers={"Accept": "text/turtle"}
    )
    assert response.status_code == 200, response.text
    assert _conforms(_report(response.text))
    document = json.loads(graph.serialize(format="json-ld"))
    wrapped = {"@context": f"{built[0].base_uri}context.jsonld", "@graph": document}
    status, text = _post(client, json.dumps(wrapped), "application/ld+json")
    assert status == 200, text
    assert _conforms(_report(text))


def test_unknown_form_format_and_text_without_a_release(client: FlaskClient) -> None:
    response = client.post("/validate", data={"format": "pdf", "data": "x"}, headers={"Accept": "application/json"})
    assert response.status_code == 400 and "format" in response.json["error"]
    response = client.post(
        "/validate", data=b"Hallo.", headers={"Content-Type": "text/plain", "Accept": "application/json"}
    )
    assert response.status_code == 400, response.text


@pytest.fixture(scope="module")
def small_app(built: tuple[Config, WritableStore]) -> Flask:
    config, _store = built
    small = load_config(environ={"PUBLISHER_VALIDATE_MAX_BODY": "2048"}, data_dir=config.data_dir, store=config.store)
    return create_app(small, open_store(config.store))


def test_body_over_the_cap_gets_413_naming_the_setting(small_app: Flask) -> None:
    client = small_app.test_client()
    big = b"<http://x/a> <http://x/b> " + b'"' + b"x" * 4000 + b'" .\n'
    for headers, data in [
        ({"Content-Type": "application/n-triples"}, big),
        ({}, {"format": "nt", "data": big.decode()}),
    ]:
        response = client.post("/validate", data=data, headers={**headers, "Accept": "application/json"})
        assert response.status_code == 413, response.text
        assert "PUBLISHER_VALIDATE_MAX_BODY" in response.json["error"]
        assert "2048" in response.json["error"]
    assert json.loads(client.get("/shapes", headers={"Accept": "application/ld+json"}).data)
