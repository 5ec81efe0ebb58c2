"""What a resource page keeps between requests: its map and its pictures are rendered once per published state
and kept, in bounded numbers, and a page built from them is the page built without them; its JSON-LD is written
once, as text."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask, template_rendered
from flask.testing import FlaskClient
from jinja2 import Template
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, XSD

from publisher.config import load_config
from publisher.formats import CONTEXT, jsonld_document, jsonld_text
from publisher.store import open_store
from publisher.web import create_app, maps
from publisher.web.maps import atlases
from publisher.web.pages import json_ld_script, script_text
from tests.conftest import cli_build, seed_data
from tests.test_descriptions import _unordered

MITTE = "/doc/bezirk/mitte.html"
ORGANISATION = "/doc/organisation/bezirksamt-treptow-koepenick.html"


@contextmanager
def rendered(app: Flask) -> Iterator[list[str]]:
    """The names of the templates ``app`` renders meanwhile, in order."""
    names: list[str] = []

    def record(_sender: Flask, template: Template, **_extra: object) -> None:
        names.append(str(template.name))

    template_rendered.connect(record, app)
    try:
        yield names
    finally:
        template_rendered.disconnect(record, app)


def page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


@pytest.fixture
def fresh(app: Flask) -> FlaskClient:
    """A client of an app of its own over the built bundled data: nothing rendered yet, no response memo."""
    state = app.extensions["publisher"]
    own = create_app(state.config.with_overrides(response_cache=0), open_store(state.config.store))
    return own.test_client()


def test_a_map_is_rendered_once_and_the_page_is_the_same(fresh: FlaskClient) -> None:
    with rendered(fresh.application) as names:
        first = page(fresh, MITTE)
    assert names.count("_map.html") == 1
    with rendered(fresh.application) as names:
        again = page(fresh, MITTE)
    assert "_map.html" not in names
    assert again == first
    assert '<section class="map"' in again and "Prognoseraum Zentrum" in again


def test_pictures_are_rendered_once_and_the_page_is_the_same(fresh: FlaskClient) -> None:
    with rendered(fresh.application) as names:
        first = page(fresh, ORGANISATION)
    assert names.count("_timeline.html") == 1 and names.count("_relations.html") == 1
    with rendered(fresh.application) as names:
        again = page(fresh, ORGANISATION)
    assert "_timeline.html" not in names and "_relations.html" not in names
    assert again == first
    assert 'class="chart timeline"' in again and 'id="beziehungen-h"' in again


def test_kept_maps_are_bounded(monkeypatch: pytest.MonkeyPatch, app: Flask) -> None:
    monkeypatch.setattr(maps, "KEPT_MAPS", 2)
    state = app.extensions["publisher"]
    client = create_app(state.config.with_overrides(response_cache=0), open_store(state.config.store)).test_client()
    districts = ["mitte", "pankow", "spandau"]
    with rendered(client.application) as names:
        first = [page(client, f"/doc/bezirk/{d}.html") for d in districts]
    assert names.count("_map.html") == 3
    with rendered(client.application) as names:
        # the two used last are kept, the first is not any more
        assert page(client, "/doc/bezirk/spandau.html") == first[2]
        assert page(client, "/doc/bezirk/pankow.html") == first[1]
        assert names.count("_map.html") == 0
        assert page(client, "/doc/bezirk/mitte.html") == first[0]
        assert names.count("_map.html") == 1


def test_a_new_state_gets_its_own_map(tmp_path: Path) -> None:
    runner = CliRunner()
    data = seed_data(tmp_path)
    store = tmp_path / "store"
    assert cli_build(runner, data, store).exit_code == 0
    app = create_app(load_config(environ={}, store=str(store), response_cache=0), open_store(str(store)))
    client = app.test_client()
    before = page(client, MITTE)
    assert "Prognoseraum Zentrum<" in before and "Zentrum-Mitte" not in before
    kept = atlases(app).of(app.extensions["publisher"].store)
    lor = data / "reference" / "areas-lor.ttl"
    text = lor.read_text("utf-8")
    old = '<id/prognoseraum/0110> a pm:Prognoseraum ;\n    schema:name "Zentrum" ;'
    assert text.count(old) == 1
    lor.write_text(text.replace(old, old.replace('"Zentrum"', '"Zentrum-Mitte"')), "utf-8")
    assert cli_build(runner, data, store).exit_code == 0
    with rendered(app) as names:
        after = page(client, MITTE)
    assert names.count("_map.html") == 1
    assert "Prognoseraum Zentrum-Mitte<" in after and "Prognoseraum Zentrum<" not in after
    assert atlases(app).of(app.extensions["publisher"].store) is not kept


def _graphs() -> list[Graph]:
    plain = Graph()
    item = URIRef("http://example.org/id/a")
    plain.add((item, RDF.type, URIRef("https://schema.org/Organization")))
    plain.add((item, URIRef("https://schema.org/name"), Literal("A & <B>", lang="de")))
    plain.add((item, URIRef("https://schema.org/foundingDate"), Literal("2024-01-02", datatype=XSD.date)))
    plain.add((item, URIRef("https://schema.org/numberOfEmployees"), Literal(3)))
    plain.add((item, URIRef("https://schema.org/value"), Literal("x", datatype=XSD.integer)))  # ill-typed
    plain.add((item, URIRef("https://schema.org/ratio"), Literal(0.5)))
    plain.add((item, URIRef("https://schema.org/open"), Literal(False)))
    address = BNode()
    plain.add((item, URIRef("https://schema.org/address"), address))
    plain.add((address, URIRef("https://schema.org/streetAddress"), Literal("Straße 1")))
    listed = Graph()
    head = BNode()
    Collection(listed, head, [Literal(1), Literal(2)])
    listed.add((item, URIRef("https://schema.org/itemListElement"), head))
    return [plain, listed]


@pytest.mark.parametrize("graph", _graphs(), ids=["plain", "with a list"])
def test_jsonld_text_is_the_document(graph: Graph) -> None:
    text = jsonld_text(graph)
    # the document rdflib's own serialiser writes (its arrays in the order of a set, hence unordered)
    reference = json.loads(graph.serialize(format="json-ld", context=CONTEXT, auto_compact=True))
    assert _unordered(json.loads(text)) == _unordered(reference)
    # what a page embeds is what was embedded from the parsed document
    assert script_text(text) == json_ld_script(jsonld_document(graph))
    assert "<" not in script_text(text) and "&" not in script_text(text)
    assert jsonld_text(graph, indent=2, sort_keys=True) == json.dumps(
        jsonld_document(graph), ensure_ascii=False, indent=2, sort_keys=True
    )


def test_the_page_embeds_the_description_as_jsonld(client: FlaskClient) -> None:
    html = page(client, ORGANISATION)
    start = html.index('<script type="application/ld+json">') + len('<script type="application/ld+json">')
    embedded = json.loads(html[start : html.index("</script>", start)])
    served = client.get(ORGANISATION.replace(".html", ".jsonld")).get_json()
    assert embedded == served
