"""Content negotiation, as clients send it: q-values, wildcards, suffixes, unsupported types, unknown resources."""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient
from rdflib import Graph

DOC = "/doc/bezirk/treptow-koepenick"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("text/turtle", "text/turtle"),
        ("application/ld+json", "application/ld+json"),
        ("application/n-triples", "application/n-triples"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("text/html", "text/html"),
        (BROWSER, "text/html"),
        ("*/*", "text/turtle"),
        ("", "text/turtle"),
        ("text/*", "text/turtle"),
        ("application/*", "application/ld+json"),
        ("application/json", "application/ld+json"),
        ("application/xml", "application/rdf+xml"),
        ("text/turtle;q=0.5, application/ld+json;q=0.9", "application/ld+json"),
        ("application/ld+json;q=0.1, application/n-triples", "application/n-triples"),
        ("text/html;q=0.2, text/turtle;q=0.8", "text/turtle"),
        ("text/turtle;q=0, */*;q=0.1", "application/ld+json"),
        ("image/png, application/rdf+xml;q=0.3", "application/rdf+xml"),
        ('application/ld+json; profile="http://www.w3.org/ns/json-ld#compacted"', "application/ld+json"),
    ],
)
def test_accept_header(client: FlaskClient, accept: str, expected: str) -> None:
    response = client.get(DOC, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200, response.data[:200]
    assert response.mimetype == expected
    assert "Accept" in response.vary


@pytest.mark.parametrize(
    ("suffix", "expected", "rdflib_format"),
    [
        (".ttl", "text/turtle", "turtle"),
        (".jsonld", "application/ld+json", "json-ld"),
        (".nt", "application/n-triples", "nt"),
        (".rdf", "application/rdf+xml", "xml"),
        (".html", "text/html", None),
    ],
)
@pytest.mark.parametrize("accept", ["text/html", "application/rdf+xml", "image/png", "*/*"])
def test_a_suffix_beats_accept(
    client: FlaskClient, suffix: str, expected: str, rdflib_format: str | None, accept: str
) -> None:
    response = client.get(DOC + suffix, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == expected
    assert "Content-Location" not in response.headers
    if rdflib_format:
        assert len(Graph().parse(data=response.data.decode("utf-8"), format=rdflib_format)) > 10


def test_text_formats_say_their_charset(client: FlaskClient) -> None:
    for suffix in (".ttl", ".nt", ".html", ".rdf"):
        assert client.get(DOC + suffix).headers["Content-Type"].endswith("charset=utf-8"), suffix


@pytest.mark.parametrize("accept", ["image/png", "application/pdf, image/*", "text/turtle;q=0"])
def test_nothing_acceptable_is_406_listing_what_is_available(client: FlaskClient, accept: str) -> None:
    response = client.get(DOC, headers={"Accept": accept})
    assert response.status_code == 406
    assert "Accept" in response.vary
    body = json.loads(response.data)
    assert body["ok"] is False and body["status"] == 406
    assert set(body["available"]) == {
        "text/turtle",
        "application/ld+json",
        "application/n-triples",
        "application/rdf+xml",
        "text/html",
        "application/geo+json",  # a Bezirk is a place
    }
    for media_type in body["available"]:
        assert media_type in body["error"]


def test_406_for_a_thing_too(client: FlaskClient) -> None:
    # the redirect does not negotiate; the document it leads to does
    thing = client.get("/id/bezirk/treptow-koepenick", headers={"Accept": "image/png"})
    assert thing.status_code == 303
    assert client.get(thing.headers["Location"], headers={"Accept": "image/png"}).status_code == 406


@pytest.mark.parametrize(
    ("accept", "expected", "rdflib_format"),
    [
        ("text/turtle", "text/turtle", "turtle"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/json", "application/json", None),
        ("text/html", "text/html", None),
    ],
)
def test_unknown_resource_is_404_in_the_negotiated_format(
    client: FlaskClient, accept: str, expected: str, rdflib_format: str | None
) -> None:
    response = client.get("/doc/bezirk/nirgendwo", headers={"Accept": accept})
    assert response.status_code == 404
    assert response.mimetype == expected
    assert "Accept" in response.vary
    body = response.get_data(as_text=True)
    assert "nirgendwo" in body
    if rdflib_format:
        graph = Graph().parse(data=body, format=rdflib_format)
        statuses = {str(o) for o in graph.objects(None, None) if str(o) == "404"}
        assert statuses == {"404"}
    if expected == "application/json" or expected == "application/ld+json":
        assert json.loads(body)["status"] == 404
    if expected == "text/html":
        assert "Diese Seite gibt es nicht" in body


@pytest.mark.parametrize(
    ("suffix", "expected"), [(".ttl", "text/turtle"), (".html", "text/html"), (".nt", "application/n-triples")]
)
def test_unknown_resource_with_a_suffix_is_404_in_that_format(client: FlaskClient, suffix: str, expected: str) -> None:
    response = client.get("/doc/bezirk/nirgendwo" + suffix, headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.mimetype == expected


def test_the_thing_redirects_to_its_document_for_every_client(client: FlaskClient) -> None:
    for accept in ("text/turtle", "text/html", "*/*", "application/ld+json"):
        response = client.get("/id/bezirk/treptow-koepenick", headers={"Accept": accept})
        assert response.status_code == 303
        assert response.headers["Location"] == DOC
        assert "Accept" in response.vary


def test_following_the_redirect_gives_the_document(client: FlaskClient) -> None:
    response = client.get(
        "/id/bezirk/treptow-koepenick", headers={"Accept": "application/n-triples"}, follow_redirects=True
    )
    assert response.status_code == 200
    assert response.mimetype == "application/n-triples"
    assert response.headers["Content-Location"] == DOC + ".nt"


def test_head_answers_like_get_without_a_body(client: FlaskClient) -> None:
    for path in (DOC, DOC + ".html", "/", "/liste/bezirke", "/dumps/", "/dumps/dataset.ttl", "/context.jsonld"):
        with client.get(path) as got, client.head(path) as head:
            assert got.data is not None
        assert head.status_code == got.status_code == 200, path
        assert head.data == b""
        assert head.headers["ETag"] == got.headers["ETag"], path
        assert head.headers["Content-Type"] == got.headers["Content-Type"], path
        assert int(head.headers["Content-Length"]) == len(got.data), path


def test_other_methods_are_405_in_the_error_shape(client: FlaskClient) -> None:
    response = client.post(DOC, headers={"Accept": "application/json"})
    assert response.status_code == 405
    assert json.loads(response.data) == {
        "@context": json.loads(response.data)["@context"],
        "ok": False,
        "status": 405,
        "error": f"POST is not allowed at {DOC}",
    }
    assert "GET" in response.headers["Allow"]


@pytest.mark.parametrize(
    "path",
    [
        "/doc/%00",
        "/id/%ZZ",
        "/doc/%ZZ.jsonld",
        "/graph/%ZZ",
        "/id/a%3Eb",
        "/doc/a%22b%3C",
        "/doc/..%2f..%2fetc%2fpasswd",
        "/dumps/%2e%2e%2fmanifest.json",
        "/doc/",
        "/id/",
    ],
)
def test_malformed_iris_are_not_found_never_a_server_error(client: FlaskClient, path: str) -> None:
    response = client.get(path, headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert json.loads(response.data)["ok"] is False


def test_a_generic_type_for_a_format_a_resource_does_not_offer_is_406() -> None:
    """text/plain stands for N-Triples: a resource offered only in TriG answers 406, not a server error."""
    from werkzeug.datastructures import MIMEAccept

    from publisher.errors import NotAcceptableError
    from publisher.web.negotiation import Representation, negotiate

    trig_only = (Representation("trig", ".trig", "application/trig"),)
    with pytest.raises(NotAcceptableError):
        negotiate(MIMEAccept([("text/plain", 1)]), formats=trig_only)
    assert negotiate(MIMEAccept([("*/*", 1)]), formats=trig_only).name == "trig"
