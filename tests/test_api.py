"""The JSON API: every filter answers what the equivalent SPARQL query answers, bound values resist injection,
paging walks the whole list, JSON-LD holds the store's own triples, and the OpenAPI document is valid and true.

Most tests run on a store of their own with more releases than the bundled data (the bundled seed, the annotated
synthetic releases of tests/corpus and tests/holdout, and releases made by the benchmark generator), so that
filters have something to tell apart; the bundled data itself is served through conftest's ``client``.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from bench.generate import generate
from publisher.build import build
from publisher.config import Config, load_config
from publisher.search import index_of
from publisher.store import Bindings, Store, WritableStore, open_store, with_values
from publisher.web import create_app
from tests.conftest import BASE, CORPUS, COUNT, HOLDOUT, SEED, SEED_IRI

ID = f"{BASE}id/"
PREFIXES = """PREFIX schema: <https://schema.org/>
PREFIX pm: <https://w3id.org/pm-berlin/ontology#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""
HYDRA = "http://www.w3.org/ns/hydra/core#"
TK = f"{ID}bezirk/treptow-koepenick"
BA_TK = f"{ID}organisation/bezirksamt-treptow-koepenick"
SENSTADT = f"{ID}organisation/senatsverwaltung-fuer-stadtentwicklung-bauen-und-wohnen"


class ValuesStore(Store):
    """A store that cannot substitute: it runs every query with bindings as ``with_values`` rewrites it, the
    way a remote SPARQL endpoint would, over the same data."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner

    def query(self, sparql: str, result_format: str = "json", bindings: Bindings | None = None) -> bytes:
        return self.inner.query(with_values(sparql, bindings) if bindings else sparql, result_format)

    def dump(self, rdf_format: str) -> bytes:
        return self.inner.dump(rdf_format)

    def manifest(self) -> dict[str, Any] | None:
        return self.inner.manifest()

    def files_dir(self) -> Path | None:
        return self.inner.files_dir()

    def version(self) -> str:
        return self.inner.version()


@pytest.fixture(scope="module")
def rich(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, WritableStore]:
    """The bundled seed, the annotated releases and 40 generated ones, built into a store of this module's own."""
    folder = tmp_path_factory.mktemp("api")
    data = folder / "data"
    generate(40, data, seed=4)
    for text in [SEED, *sorted(CORPUS.glob("*.txt")), *sorted(HOLDOUT.glob("*.txt"))]:
        shutil.copy(text, data / "releases" / text.name)
    config = load_config(environ={}, data_dir=data, store=str(folder / "store"), workers=1)
    store = open_store(config.store, writable=True)
    assert isinstance(store, WritableStore)
    report = build(config, store)
    assert report.exit_code == 0, report.text()
    return config, store


@pytest.fixture(scope="module")
def rich_app(rich: tuple[Config, WritableStore]) -> Flask:
    config, _store = rich
    return create_app(config, open_store(config.store))


@pytest.fixture
def rc(rich_app: Flask) -> FlaskClient:
    return rich_app.test_client()


@pytest.fixture(scope="module")
def values_client(rich: tuple[Config, WritableStore]) -> FlaskClient:
    config, _store = rich
    return create_app(config, ValuesStore(open_store(config.store))).test_client()


@pytest.fixture(scope="module")
def openapi(rich_app: Flask) -> dict[str, Any]:
    response = rich_app.test_client().get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = json.loads(response.data)
    return document


def sparql_set(store: Store, sparql: str) -> set[str]:
    rows = store.select(PREFIXES + sparql)
    return {next(iter(row.values())) for row in rows}


def everything(client: FlaskClient, path: str, params: Mapping[str, str]) -> list[dict[str, Any]]:
    """Every item of a listing, page by page, following the next links of the Link header."""
    url: str | None = f"{path}?{urlencode({**params, 'per_page': '200'})}"
    items: list[dict[str, Any]] = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        items += body["items"]
        url = links_of(response.headers.get("Link", "")).get("next")
    assert len(items) == body["total"] == int(response.headers["X-Total-Count"])
    return items


def links_of(header: str) -> dict[str, str]:
    return {rel: url for url, rel in re.findall(r'<([^>]*)>; rel="([a-z]+)"', header)}


def conforms(
    openapi: dict[str, Any], template: str, status: int, body: Any, media_type: str = "application/json"
) -> None:
    """``body`` is what the OpenAPI document says ``template`` answers with ``status``."""
    response = openapi["paths"][template]["get"]["responses"][str(status)]
    schema = {**response["content"][media_type]["schema"], "components": openapi["components"]}
    Draft202012Validator(schema).validate(body)


# ---------------------------------------------------------------- filters answer what SPARQL answers

RELEASE = "?r a pm:PressRelease . "
RELEASE_FILTERS: list[tuple[dict[str, str], str]] = [
    ({"area": "bezirk/treptow-koepenick"}, f"{RELEASE} ?r schema:spatialCoverage/schema:containedInPlace* <{TK}>"),
    ({"area": "09"}, f"{RELEASE} ?r schema:spatialCoverage/schema:containedInPlace* <{TK}>"),
    ({"area": TK}, f"{RELEASE} ?r schema:spatialCoverage/schema:containedInPlace* <{TK}>"),
    (
        {"area": "ortsteil/altglienicke"},
        f"{RELEASE} ?r schema:spatialCoverage/schema:containedInPlace* <{ID}ortsteil/altglienicke>",
    ),
    ({"from": "2023-01-01"}, f'{RELEASE} ?r schema:datePublished ?d FILTER(?d >= "2023-01-01"^^xsd:date)'),
    ({"to": "2019-06-30"}, f'{RELEASE} ?r schema:datePublished ?d FILTER(?d <= "2019-06-30"^^xsd:date)'),
    (
        {"from": "2021-01-22", "to": "2023-02-10"},
        f'{RELEASE} ?r schema:datePublished ?d FILTER(?d >= "2021-01-22"^^xsd:date && ?d <= "2023-02-10"^^xsd:date)',
    ),
    (
        {"programme": "benn"},
        f"{RELEASE} ?r (schema:about|schema:mentions)/schema:parentOrganization* <{ID}programm/benn>",
    ),
    (
        {"programme": "quartiersmanagement"},
        f"{RELEASE} ?r (schema:about|schema:mentions)/schema:parentOrganization* <{ID}programm/quartiersmanagement>",
    ),
    (
        {"organisation": "bezirksamt-treptow-koepenick"},
        f"{RELEASE} ?r (schema:publisher|schema:mentions)/schema:parentOrganization* <{BA_TK}>",
    ),
    (
        {"organisation": "BA-TK"},
        f"{RELEASE} ?r (schema:publisher|schema:mentions)/schema:parentOrganization* <{BA_TK}>",
    ),
    (
        {"publisher": "bezirksamt-treptow-koepenick"},
        f"{RELEASE} ?r schema:publisher/schema:parentOrganization* <{BA_TK}>",
    ),
    (
        {"person": "oliver-igel"},
        f"{RELEASE} {{ ?r schema:mentions <{ID}person/oliver-igel> }} UNION "
        f"{{ ?r schema:hasPart/schema:spokenByCharacter <{ID}person/oliver-igel> }}",
    ),
    (
        {"area": "bezirk/treptow-koepenick", "programme": "benn", "from": "2018-01-01"},
        f"{RELEASE} ?r schema:spatialCoverage/schema:containedInPlace* <{TK}> ; "
        f"(schema:about|schema:mentions)/schema:parentOrganization* <{ID}programm/benn> ; schema:datePublished ?d "
        f'FILTER(?d >= "2018-01-01"^^xsd:date)',
    ),
    (
        {"organisation": "bezirksamt-treptow-koepenick", "person": "oliver-igel", "to": "2024-12-31"},
        f"{RELEASE} ?r (schema:publisher|schema:mentions)/schema:parentOrganization* <{BA_TK}> ; "
        f'schema:datePublished ?d FILTER(?d <= "2024-12-31"^^xsd:date) '
        f"{{ ?r schema:mentions <{ID}person/oliver-igel> }} UNION "
        f"{{ ?r schema:hasPart/schema:spokenByCharacter <{ID}person/oliver-igel> }}",
    ),
]

ENTITY_FILTERS: list[tuple[str, dict[str, str], str]] = [
    (
        "areas",
        {"type": "ortsteil", "parent": "bezirk/treptow-koepenick"},
        f"?a a pm:Ortsteil ; schema:containedInPlace <{TK}>",
    ),
    ("areas", {"within": "treptow-koepenick"}, f"?a schema:containedInPlace+ <{TK}>"),
    ("areas", {"within": "09", "type": "planungsraum"}, f"?a a pm:Planungsraum ; schema:containedInPlace+ <{TK}>"),
    ("areas", {"code": "093009"}, '?a pm:lorCode "093009"'),
    (
        "areas",
        {"q": "KÖPENICK"},
        "VALUES ?type { schema:City pm:Bezirk pm:Prognoseraum pm:Bezirksregion pm:Planungsraum pm:Ortsteil pm:Quartier "
        "pm:Strasse pm:Gebaeude pm:Freiflaeche } ?a a ?type ; schema:name|schema:alternateName ?n "
        'FILTER(CONTAINS(LCASE(?n), "köpenick"))',
    ),
    ("areas", {"type": "strasse"}, "?a a pm:Strasse"),
    ("organisations", {"parent": "bezirksamt-treptow-koepenick"}, f"?a schema:parentOrganization+ <{BA_TK}>"),
    ("organisations", {"type": "PoliticalParty"}, "?a a schema:PoliticalParty"),
    (
        "organisations",
        {"q": "senatsverwaltung", "type": "GovernmentOrganization"},
        "?a a schema:GovernmentOrganization ; schema:name|schema:alternateName ?n "
        'FILTER(CONTAINS(LCASE(?n), "senatsverwaltung"))',
    ),
    (
        "people",
        {"organisation": "bezirksamt-treptow-koepenick"},
        f"?a a schema:Person ; schema:memberOf/schema:memberOf?/schema:parentOrganization* <{BA_TK}>",
    ),
    ("people", {"organisation": "spd"}, f"?a a schema:Person ; schema:memberOf <{ID}organisation/spd>"),
    (
        "programmes",
        {"funder": "senatsverwaltung-fuer-stadtentwicklung-bauen-und-wohnen"},
        f"?a a schema:FundingScheme ; schema:funder <{SENSTADT}>",
    ),
    (
        "events",
        {"from": "2024-01-01", "to": "2024-12-31"},
        "?a a schema:Event ; schema:startDate ?d FILTER(YEAR(?d) = 2024)",
    ),
    (
        "events",
        {"programme": "benn"},
        f"?a a schema:Event ; schema:about/schema:parentOrganization* <{ID}programm/benn>",
    ),
    (
        "events",
        {"organizer": "bezirksamt-treptow-koepenick"},
        f"?a a schema:Event ; schema:organizer/schema:parentOrganization* <{BA_TK}>",
    ),
    ("events", {"release": SEED_IRI.rsplit("/", 1)[1]}, f"?a a schema:Event ; schema:subjectOf <{SEED_IRI}>"),
]


def _case_id(params: Mapping[str, str]) -> str:
    return "&".join(f"{k}={v}" for k, v in params.items())


@pytest.mark.parametrize(("params", "where"), RELEASE_FILTERS, ids=[_case_id(p) for p, _w in RELEASE_FILTERS])
def test_release_filter_equals_sparql(
    rich: tuple[Config, WritableStore], rc: FlaskClient, params: dict[str, str], where: str
) -> None:
    _config, store = rich
    expected = sparql_set(store, f"SELECT DISTINCT ?r WHERE {{ {where} }}")
    every = sparql_set(store, "SELECT ?r WHERE { ?r a pm:PressRelease }")
    assert expected, "the case should select something"
    items = everything(rc, "/api/releases", params)
    assert {i["iri"] for i in items} == expected
    assert len(items) == len(expected), "no release is listed twice"
    dates = [i["date_published"] for i in items]
    assert dates == sorted(dates, reverse=True), "newest first by default"
    if len(params) > 1 or "area" in params:
        assert expected != every, "the case should leave something out"


@pytest.mark.parametrize(
    ("kind", "params", "where"), ENTITY_FILTERS, ids=[f"{k}?{_case_id(p)}" for k, p, _w in ENTITY_FILTERS]
)
def test_entity_filter_equals_sparql(
    rich: tuple[Config, WritableStore], rc: FlaskClient, kind: str, params: dict[str, str], where: str
) -> None:
    _config, store = rich
    expected = sparql_set(store, f"SELECT DISTINCT ?a WHERE {{ {where} }}")
    assert expected, "the case should select something"
    items = everything(rc, f"/api/{kind}", params)
    assert {i["iri"] for i in items} == expected
    assert len(items) == len(expected)


@pytest.mark.parametrize(("params", "_where"), RELEASE_FILTERS[:1] + RELEASE_FILTERS[-2:])
def test_filters_agree_when_values_are_joined_instead_of_substituted(
    rc: FlaskClient, values_client: FlaskClient, params: dict[str, str], _where: str
) -> None:
    """A store that joins bound values as VALUES (as a remote endpoint would) answers exactly alike."""
    query = urlencode({**params, "per_page": "200"})
    substituted = rc.get(f"/api/releases?{query}")
    joined = values_client.get(f"/api/releases?{query}")
    assert substituted.status_code == joined.status_code == 200
    assert substituted.get_json() == joined.get_json()


@pytest.mark.parametrize(("kind", "params", "_where"), ENTITY_FILTERS)
def test_entity_filters_agree_when_values_are_joined(
    rc: FlaskClient, values_client: FlaskClient, kind: str, params: dict[str, str], _where: str
) -> None:
    query = urlencode({**params, "per_page": "200"})
    assert rc.get(f"/api/{kind}?{query}").get_json() == values_client.get(f"/api/{kind}?{query}").get_json()


def test_text_filter_is_the_search_index_combined_with_the_other_filters(
    rich: tuple[Config, WritableStore], rc: FlaskClient
) -> None:
    _config, store = rich
    index = index_of(store)
    assert index is not None
    hits = index.matching("Nachbarschaft")
    in_tk = sparql_set(
        store, f"SELECT ?r WHERE {{ {RELEASE} ?r schema:spatialCoverage/schema:containedInPlace* <{TK}> }}"
    )
    alone = everything(rc, "/api/releases", {"q": "Nachbarschaft"})
    assert [i["iri"] for i in alone] == hits, "by relevance, as the index ranks"
    assert all(i["snippet"] for i in alone)
    combined = everything(rc, "/api/releases", {"q": "Nachbarschaft", "area": "treptow-koepenick"})
    assert [i["iri"] for i in combined] == [h for h in hits if h in in_tk]
    assert 0 < len(combined) < len(alone)
    by_date = everything(rc, "/api/releases", {"q": "Nachbarschaft", "sort": "date"})
    assert {i["iri"] for i in by_date} == set(hits)
    assert [i["date_published"] for i in by_date] == sorted(i["date_published"] for i in by_date)


def test_sort_orders(rc: FlaskClient) -> None:
    by_headline = everything(rc, "/api/releases", {"sort": "headline"})
    # as German dictionaries sort (DIN 5007-1): case aside, Ä with A
    keys = [i["headline"].casefold().replace("ä", "a").replace("ö", "o").replace("ü", "u") for i in by_headline]
    assert keys == sorted(keys)
    oldest = everything(rc, "/api/releases", {"sort": "date"})
    assert [i["date_published"] for i in oldest] == sorted(i["date_published"] for i in oldest)
    names = [a["name"] for a in everything(rc, "/api/areas", {"type": "bezirk", "sort": "-name"})]
    assert names[0] == "Treptow-Köpenick" and len(names) == 12


# ---------------------------------------------------------------- bad input and injection

INJECTIONS = [
    "> } ; DROP ALL #",
    '" . ?s ?p ?o',
    "<http://x> ) || true",
    "' OR '1'='1",
    '""" } INSERT DATA { <http://x> <http://y> <http://z> } #',
    "treptow-koepenick> } UNION { ?item ?p ?o",
    f"{TK}> . ?item ?p ?o . FILTER(true",
    "\n} ; CLEAR ALL\n",
    "Köpenick\u202e\u0000 ⟩ } ",
    "%3E%20%7D",
    "?area",
    "1; DELETE WHERE { ?s ?p ?o }",
]
#: Parameters whose value is free text: a bound literal or the search index, so 200 with what matches that text.
FREE_TEXT = {("releases", "q"), ("organisations", "q"), ("people", "q"), ("areas", "q"), ("programmes", "q")}
FREE_TEXT |= {("events", "q"), ("areas", "code")}
PARAMETERS = [
    (kind, name)
    for kind, names in {
        "releases": (
            "q", "from", "to", "area", "programme", "organisation", "publisher", "person", "sort",
            "page", "per_page", "limit", "offset", "format",
        ),
        "organisations": ("q", "type", "parent"),
        "people": ("q", "organisation"),
        "areas": ("q", "type", "parent", "within", "code"),
        "programmes": ("q", "funder"),
        "events": ("q", "from", "to", "organizer", "programme", "release"),
    }.items()
    for name in names
]  # fmt: skip


@pytest.mark.parametrize(("kind", "name"), PARAMETERS, ids=[f"{k}-{n}" for k, n in PARAMETERS])
def test_injection_in_every_parameter_changes_nothing(
    rich: tuple[Config, WritableStore], rc: FlaskClient, kind: str, name: str
) -> None:
    _config, store = rich
    triples, version = store.count(), store.version()
    for attempt in INJECTIONS:
        response = rc.get(f"/api/{kind}?{urlencode({name: attempt})}")
        body = response.get_json()
        assert body is not None, response.data
        if (kind, name) not in FREE_TEXT:
            assert response.status_code == 400, (attempt, body)
            assert body["ok"] is False and body["parameter"] == name and body["error"].startswith(f"{name}: ")
            continue
        if response.status_code == 400:
            assert body["parameter"] == name
            continue
        assert response.status_code == 200, (attempt, body)
        if kind == "releases":
            # the full-text search answers what the index answers for those words, nothing more
            index = index_of(store)
            assert index is not None
            assert [i["iri"] for i in body["items"]] == index.matching(attempt)[: len(body["items"])]
        else:
            assert body["total"] == 0, (attempt, body["items"][:1])
    assert store.count() == triples and store.version() == version


@pytest.mark.parametrize(
    "path",
    [
        "/api/areas/bezirk/treptow-koepenick%3E%20%7D%20UNION%20%7B",
        "/api/releases/%22%20.%20%3Fs%20%3Fp%20%3Fo",
        "/api/people/oliver-igel%0A%7D",
        "/api/organisations/..%2F..%2Fid",
    ],
)
def test_injection_in_an_id_is_not_found(rc: FlaskClient, path: str) -> None:
    response = rc.get(path, headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["ok"] is False


@pytest.mark.parametrize(
    ("query", "parameter", "named"),
    [
        ("from=2025-02-30", "from", "ISO date"),
        ("from=yesterday", "from", "YYYY-MM-DD"),
        ("to=20250101", "to", "YYYY-MM-DD"),
        ("from=2025-02-01&to=2025-01-01", "from", "from <= to"),
        ("area=atlantis", "area", "/api/areas"),
        ("area=mitte", "area", "bezirk/mitte, ortsteil/mitte"),
        ("organisation=pressestelle", "organisation", "several organisations"),
        ("programme=treptow-koepenick", "programme", "/api/programmes"),
        ("per_page=201", "per_page", "PUBLISHER_API_MAX_PAGE_SIZE"),
        ("per_page=0", "per_page", "between 1 and 200"),
        ("limit=5000", "limit", "PUBLISHER_API_MAX_PAGE_SIZE"),
        ("page=0", "page", "from 1"),
        ("page=two", "page", "whole number"),
        ("page=2&offset=3", "offset", "either"),
        ("sort=newest", "sort", "-date, date, headline, -headline, relevance"),
        ("sort=relevance", "sort", "q"),
        ("format=xml", "format", "json, jsonld"),
        ("q=%20", "q", "empty"),
        ("q=" + "x" * 201, "q", "PUBLISHER_SEARCH_LENGTH"),
        ("area=a&area=b", "area", "once"),
        ("date_from=2025-01-01", "date_from", "from, to"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(rc: FlaskClient, query: str, parameter: str, named: str) -> None:
    response = rc.get(f"/api/releases?{query}")
    assert response.status_code == 400
    assert response.content_type == "application/json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.get_json()
    assert body["ok"] is False and body["status"] == 400 and body["parameter"] == parameter
    assert body["error"].startswith(f"{parameter}: ") and named in body["error"], body["error"]


def test_a_page_past_the_last_is_404_and_an_unknown_path_too(rc: FlaskClient) -> None:
    assert rc.get("/api/releases?page=999").status_code == 404
    response = rc.get("/api/nothing-here", headers={"Accept": "text/turtle"})
    assert response.status_code == 404 and response.get_json()["status"] == 404


def test_an_unacceptable_type_is_406(rc: FlaskClient) -> None:
    response = rc.get("/api/releases", headers={"Accept": "text/turtle"})
    assert response.status_code == 406
    assert response.get_json()["available"] == ["application/json", "application/ld+json"]


# ---------------------------------------------------------------- paging


def test_pages_and_link_headers_walk_the_whole_list(rc: FlaskClient) -> None:
    whole = [i["iri"] for i in everything(rc, "/api/releases", {})]
    first = rc.get("/api/releases?per_page=7&from=2017-01-01")
    body = first.get_json()
    total, pages = body["total"], body["pages"]
    assert pages == -(-total // 7) and pages >= 2
    links = links_of(first.headers["Link"])
    assert set(links) == {"first", "last", "next"}
    assert links["last"].endswith(f"page={pages}&per_page=7")
    walked: list[str] = []
    url: str | None = "/api/releases?per_page=7&from=2017-01-01"
    seen_prev = False
    while url:
        response = rc.get(url)
        page = response.get_json()
        walked += [i["iri"] for i in page["items"]]
        page_links = links_of(response.headers["Link"])
        seen_prev = seen_prev or "prev" in page_links
        assert page_links["first"] == links["first"] and page_links["last"] == links["last"]
        assert "from=2017-01-01" in page_links["first"], "the filters are kept"
        url = page_links.get("next")
    assert seen_prev
    assert len(walked) == len(set(walked)) == total
    assert walked == [iri for iri in whole if iri in set(walked)], "pages keep the order"


def test_limit_and_offset(rc: FlaskClient) -> None:
    whole = [i["iri"] for i in everything(rc, "/api/releases", {})]
    response = rc.get("/api/releases?limit=5&offset=10")
    body = response.get_json()
    assert [i["iri"] for i in body["items"]] == whole[10:15]
    assert body["offset"] == 10 and body["limit"] == 5 and body["page"] is None
    links = links_of(response.headers["Link"])
    assert links["prev"].endswith("offset=5&limit=5") and links["next"].endswith("offset=15&limit=5")
    assert rc.get(f"/api/releases?limit=5&offset={len(whole)}").get_json()["items"] == []


def test_default_page_size_is_the_setting(rich: tuple[Config, WritableStore]) -> None:
    config, _store = rich
    app = create_app(config.with_overrides(page_size=3), open_store(config.store))
    body = app.test_client().get("/api/releases").get_json()
    assert len(body["items"]) == 3 and body["per_page"] == 3
    small = create_app(config.with_overrides(api_max_page_size=4), open_store(config.store)).test_client()
    assert small.get("/api/releases").get_json()["per_page"] == 4, "the default page is never above the maximum"
    response = small.get("/api/releases?per_page=5")
    assert (
        response.status_code == 400 and "1 and 4 (setting PUBLISHER_API_MAX_PAGE_SIZE)" in response.get_json()["error"]
    )


# ---------------------------------------------------------------- JSON-LD


def _store_has(store: Store, triple: tuple[Any, Any, Any]) -> bool:
    s, p, o = (term.n3() for term in triple)
    return store.ask(f"ASK {{ {s} {p} {o} }}")


@pytest.mark.parametrize(
    "path",
    [
        "/api/releases?area=bezirk/treptow-koepenick&per_page=5",
        "/api/people?organisation=bezirksamt-treptow-koepenick",
        "/api/events?per_page=3",
        "/api/areas?type=bezirk",
        f"/api/releases/{SEED_IRI.rsplit('/', 1)[1]}",
        "/api/programmes/benn",
    ],
)
def test_jsonld_holds_the_stores_own_triples(rich: tuple[Config, WritableStore], rc: FlaskClient, path: str) -> None:
    _config, store = rich
    response = rc.get(path, headers={"Accept": "application/ld+json"})
    assert response.status_code == 200 and response.content_type == "application/ld+json"
    assert response.headers["Vary"] == "Accept"
    graph = Graph().parse(data=response.get_data(as_text=True), format="json-ld", publicID=BASE)
    plain = rc.get(path).get_json()
    items = plain.get("items", [plain])
    for item in items:
        assert (URIRef(item["iri"]), None, None) in graph, item["iri"]
        assert (URIRef(item["iri"]), RDF.type, None) in graph
    own = [t for t in graph if not any(str(term).startswith((HYDRA, f"{BASE}api/")) for term in t)]
    assert len(own) > len(items) * 3
    missing = [t for t in own if not _store_has(store, t)]
    assert not missing, missing[:3]
    if "items" in plain:
        collection = next(graph.subjects(RDF.type, URIRef(f"{HYDRA}Collection")))
        total = graph.value(collection, URIRef(f"{HYDRA}totalItems"))
        assert total is not None and int(total) == plain["total"]
        members = set(graph.objects(collection, URIRef(f"{HYDRA}member")))
        assert members == {URIRef(i["iri"]) for i in items}


def test_jsonld_by_format_parameter_and_the_same_as_by_accept(rc: FlaskClient) -> None:
    by_accept = rc.get("/api/areas?type=bezirk", headers={"Accept": "application/ld+json"})
    by_format = rc.get("/api/areas?type=bezirk&format=jsonld", headers={"Accept": "application/json"})
    assert by_format.content_type == "application/ld+json"
    one = Graph().parse(data=by_accept.get_data(as_text=True), format="json-ld")
    other = Graph().parse(data=by_format.get_data(as_text=True), format="json-ld")
    without_paging = {t for t in one if not any(str(x).startswith(HYDRA) or "/api/" in str(x) for x in t)}
    assert without_paging == {t for t in other if not any(str(x).startswith(HYDRA) or "/api/" in str(x) for x in t)}
    assert rc.get("/api/areas?type=bezirk&format=json", headers={"Accept": "application/ld+json"}).content_type == (
        "application/json"
    )


# ---------------------------------------------------------------- items, links, lookups


def test_every_item_carries_its_iri_and_document(rc: FlaskClient, rich: tuple[Config, WritableStore]) -> None:
    for kind in ("releases", "organisations", "people", "areas", "programmes", "events"):
        body = rc.get(f"/api/{kind}?per_page=5").get_json()
        assert body["items"], kind
        for item in body["items"]:
            assert item["iri"].startswith(ID)
            assert item["document"] == item["iri"].replace("/id/", "/doc/", 1)
            assert rc.get(item["document"][len(BASE) - 1 :]).status_code == 200
            looked_up = rc.get(item["api"])
            assert looked_up.status_code == 200, item["api"]
            assert looked_up.get_json()["iri"] == item["iri"]


def test_a_release_looked_up(rc: FlaskClient) -> None:
    ident = SEED_IRI.rsplit("/", 1)[1]
    release = rc.get(f"/api/releases/{ident}").get_json()
    assert release["headline"] == "3. Bezirkliches BENN Treffen hat stattgefunden"
    assert release["date_published"] == "2025-01-17"
    assert release["publisher"]["iri"] == BA_TK
    assert {a["id"] for a in release["areas"]} == {
        "bezirk/treptow-koepenick",
        "bezirksregion/093009",
        "bezirksregion/094014",
    }
    assert "benn" in {p["id"] for p in release["programmes"]}
    assert [p["name"] for p in release["people"]] == ["Oliver Igel"]
    speakers = [q["speaker"]["name"] for q in release["quotations"]]
    assert speakers == ["Oliver Igel", "Bezirkliche BENN-Koordinatorin"]
    assert release["body"].startswith("Zusammenarbeit mit den kommunalen")
    assert "body" not in rc.get("/api/releases?person=oliver-igel").get_json()["items"][0]


def test_areas_by_path_and_their_related_links(rc: FlaskClient) -> None:
    area = rc.get("/api/areas/bezirk/treptow-koepenick").get_json()
    assert area["code"] == "09" and area["type"] == "bezirk"
    assert "ortsteil/altglienicke" in {c["id"] for c in area["contains"]}
    children = rc.get(area["links"]["children"]).get_json()
    assert {c["iri"] for c in children["items"]} >= {c["iri"] for c in area["contains"]}
    releases = rc.get(area["links"]["releases"]).get_json()
    assert releases["total"] > 0
    assert rc.get("/api/areas/bezirk/atlantis").status_code == 404


def test_people_with_roles(rc: FlaskClient) -> None:
    person = rc.get("/api/people/oliver-igel").get_json()
    assert person["given_name"] == "Oliver" and person["family_name"] == "Igel"
    assert any(r["role"] == "Bezirksbürgermeister" and r["organisation"]["iri"] == BA_TK for r in person["roles"])


# ---------------------------------------------------------------- OpenAPI and the docs page


def test_openapi_document_is_valid(openapi: dict[str, Any]) -> None:
    validate_openapi(openapi)
    assert openapi["openapi"].startswith("3.1")
    for kind in ("releases", "organisations", "people", "areas", "programmes", "events"):
        assert f"/api/{kind}" in openapi["paths"] and f"/api/{kind}/{{id}}" in openapi["paths"]
    names = {p["name"] for p in openapi["paths"]["/api/releases"]["get"]["parameters"]}
    assert names >= {"q", "from", "to", "area", "programme", "organisation", "publisher", "person", "sort", "page"}
    per_page = next(p for p in openapi["paths"]["/api/releases"]["get"]["parameters"] if p["name"] == "per_page")
    assert per_page["schema"]["maximum"] == 200


@pytest.mark.parametrize(
    ("path", "template", "status"),
    [
        ("/api/releases?area=09&per_page=3", "/api/releases", 200),
        ("/api/releases?q=Nachbarschaft&per_page=3", "/api/releases", 200),
        ("/api/releases?limit=2&offset=3", "/api/releases", 200),
        ("/api/organisations?per_page=20", "/api/organisations", 200),
        ("/api/people?per_page=20", "/api/people", 200),
        ("/api/areas?type=strasse", "/api/areas", 200),
        ("/api/programmes", "/api/programmes", 200),
        ("/api/events?per_page=20", "/api/events", 200),
        (f"/api/releases/{SEED_IRI.rsplit('/', 1)[1]}", "/api/releases/{id}", 200),
        ("/api/organisations/bezirksamt-treptow-koepenick", "/api/organisations/{id}", 200),
        ("/api/organisations/bezirksamt-treptow-koepenick/pressestelle", "/api/organisations/{id}", 200),
        ("/api/people/oliver-igel", "/api/people/{id}", 200),
        ("/api/areas/bezirk/treptow-koepenick", "/api/areas/{id}", 200),
        ("/api/programmes/benn", "/api/programmes/{id}", 200),
        ("/api/releases?from=nope", "/api/releases", 400),
        ("/api/releases?page=500", "/api/releases", 404),
        ("/api/people/nobody", "/api/people/{id}", 404),
    ],
)
def test_responses_conform_to_the_openapi_document(
    rc: FlaskClient, openapi: dict[str, Any], path: str, template: str, status: int
) -> None:
    response = rc.get(path)
    assert response.status_code == status
    conforms(openapi, template, status, response.get_json())


def test_every_item_conforms(rc: FlaskClient, openapi: dict[str, Any]) -> None:
    """Every item of every kind, not just the first page: optional parts (a missing address) are described too."""
    for kind in ("releases", "organisations", "people", "programmes", "events"):
        for item in everything(rc, f"/api/{kind}", {}):
            conforms(openapi, f"/api/{kind}/{{id}}", 200, rc.get(item["api"]).get_json())


def test_the_docs_page(rc: FlaskClient) -> None:
    response = rc.get("/api/")
    assert response.status_code == 200 and response.content_type.startswith("text/html")
    html = response.get_data(as_text=True)
    assert '<html lang="de">' in html and "<script" not in html
    assert 'href="/openapi.json"' in html
    for kind in ("releases", "organisations", "people", "areas", "programmes", "events"):
        assert f"/api/{kind}" in html
    assert "PUBLISHER_API_MAX_PAGE_SIZE" in html
    assert not re.search(r'(src|href)="(https?:)?//(?!www\.govdata\.de)', html), "nothing from other hosts"
    examples = sorted(set(re.findall(r'href="(/api/[^"]+)"', html)))
    assert len(examples) > 20
    for href in examples:
        href = href.replace("&amp;", "&")
        answered = rc.get(href)
        assert answered.status_code == 200, (href, answered.get_data(as_text=True)[:200])
    assert "JSON-API" in rc.get("/").get_data(as_text=True), "the landing page lists the API"


# ---------------------------------------------------------------- the bundled data, as served


def test_the_bundled_release_through_the_api(client: FlaskClient) -> None:
    body = client.get("/api/releases").get_json()
    assert body["total"] == 1 and body["items"][0]["iri"] == SEED_IRI
    area = client.get("/api/releases?area=093009").get_json()
    assert [i["iri"] for i in area["items"]] == [SEED_IRI]
    assert client.get("/api/releases?area=bezirk/mitte").get_json()["total"] == 0
    response = client.get("/api/releases?person=oliver-igel")
    assert response.headers["ETag"] and "max-age" in response.headers["Cache-Control"]
    again = client.get("/api/releases?person=oliver-igel", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_the_bundled_store_is_unchanged_by_attempts(built: tuple[Config, WritableStore], client: FlaskClient) -> None:
    _config, store = built
    before = store.select(COUNT)
    for attempt in INJECTIONS:
        for name in ("area", "q", "person", "from"):
            client.get(f"/api/releases?{urlencode({name: attempt})}")
        client.get(f"/api/areas/{quote(attempt)}")
    assert store.select(COUNT) == before


def test_with_values_is_one_values_row_after_where() -> None:
    from rdflib import Literal

    rewritten = with_values(
        "SELECT ?s ?x WHERE { ?s ?p ?x }", {"x": Literal('a"} . ?s ?p ?o #\n'), "s": URIRef("http://example.org/a")}
    )
    assert rewritten.startswith(
        'SELECT ?s ?x WHERE { VALUES (?x ?s) { ("a\\"} . ?s ?p ?o #\\n" <http://example.org/a>) }'
    )
    with pytest.raises(ValueError, match="IRI"):
        with_values("SELECT ?s WHERE { ?s ?p ?o }", {"s": URIRef("http://x> } #")})
    with pytest.raises(ValueError, match="variable"):
        with_values("SELECT ?s WHERE { ?s ?p ?o }", {"s ?p": URIRef("http://x")})


def test_a_lookup_takes_only_format(rc: FlaskClient) -> None:
    for query, parameter in (("format=xml", "format"), ("page=2", "page"), ("format=json&format=jsonld", "format")):
        response = rc.get(f"/api/areas/bezirk/mitte?{query}")
        assert response.status_code == 400 and response.get_json()["parameter"] == parameter
    assert rc.get("/api/areas/bezirk/mitte?format=jsonld").content_type == "application/ld+json"
