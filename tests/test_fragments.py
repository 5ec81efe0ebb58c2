"""Triple Pattern Fragments at /fragments: what a fragment holds equals what SPARQL answers, paging, counts, the
Hydra controls, every format, bad input, and a real client (Comunica) answering queries through a running server."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import warnings
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, XSD
from werkzeug.test import TestResponse

from publisher.config import PROJECT_ROOT, Config
from publisher.namespaces import PM, SDO
from publisher.store import WritableStore, open_store
from publisher.web import create_app
from tests.conftest import SEED_IRI, free_port, serving

HYDRA = "http://www.w3.org/ns/hydra/core#"
VOID = "http://rdfs.org/ns/void#"
FOAF = "http://xmlns.com/foaf/0.1/"
NQUADS = "application/n-quads"
#: What Comunica sends.
COMUNICA_ACCEPT = (
    "application/n-quads,application/trig;q=0.95,application/ld+json;q=0.9,application/n-triples;q=0.8,"
    "text/turtle;q=0.6,application/rdf+xml;q=0.5,text/n3;q=0.35,application/xml;q=0.3,text/html;q=0.2"
)
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
DISTRICT = "http://localhost:8080/id/bezirk/treptow-koepenick"
MISSING = "http://localhost:8080/id/bezirk/gibt-es-nicht"
DATE = "http://www.w3.org/2001/XMLSchema#date"
#: Where .ci/run installs Comunica (the folder is ignored by git and kept between runs).
COMUNICA = PROJECT_ROOT / "var" / "comunica" / "node_modules" / ".bin" / "comunica-sparql"

#: (name, request parameters, the same pattern in SPARQL)
PATTERNS = [
    ("a release as subject", {"subject": SEED_IRI}, f"<{SEED_IRI}> ?p ?o"),
    ("a property", {"predicate": str(SDO.name)}, f"?s <{SDO.name}> ?o"),
    ("a district as object", {"object": DISTRICT}, f"?s ?p <{DISTRICT}>"),
    ("a class", {"predicate": str(RDF.type), "object": str(PM.Bezirk)}, f"?s a <{PM.Bezirk}>"),
    (
        "subject and property",
        {"subject": DISTRICT, "predicate": str(SDO.containsPlace)},
        f"<{DISTRICT}> <{SDO.containsPlace}> ?o",
    ),
    ("a plain literal", {"object": '"Treptow-Köpenick"'}, '?s ?p "Treptow-Köpenick"'),
    ("a typed literal", {"object": f'"2025-01-17"^^{DATE}'}, f'?s ?p "2025-01-17"^^<{DATE}>'),
    ("a typed literal in brackets", {"object": f'"2025-01-17"^^<{DATE}>'}, f'?s ?p "2025-01-17"^^<{DATE}>'),
    (
        "a whole triple",
        {"subject": DISTRICT, "predicate": str(RDF.type), "object": str(PM.Bezirk)},
        f"<{DISTRICT}> a <{PM.Bezirk}>",
    ),
    ("nothing", {"subject": MISSING}, f"<{MISSING}> ?p ?o"),
    ("variables and blank nodes", {"subject": "?s", "predicate": "$p", "object": "_:b"}, "?s ?p ?o"),
]


# ---------------------------------------------------------------- helpers


def get(client: FlaskClient, params: dict[str, str], accept: str = NQUADS, path: str = "/fragments") -> TestResponse:
    response = client.get(path, query_string=params or None, headers={"Accept": accept})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response


def quads(response: TestResponse) -> list[ox.Quad]:
    """The N-Quads of a response, in the order written."""
    return list(ox.parse(input=response.data, format=ox.RdfFormat.N_QUADS))


def data_of(found: list[ox.Quad]) -> list[ox.Triple]:
    return [q.triple for q in found if isinstance(q.graph_name, ox.DefaultGraph)]


def metadata_of(found: list[ox.Quad]) -> list[ox.Quad]:
    return [q for q in found if not isinstance(q.graph_name, ox.DefaultGraph)]


def value(found: list[ox.Quad], predicate: str, subject: str | None = None) -> str:
    values = [q.object.value for q in metadata_of(found) if q.predicate.value == predicate]
    if subject is not None:
        values = [
            q.object.value for q in metadata_of(found) if q.predicate.value == predicate and q.subject.value == subject
        ]
    assert len(values) == 1, (predicate, subject, values)
    return values[0]


def local(url: str) -> str:
    """A URL of the app as the test client requests it."""
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def walk(client: FlaskClient, params: dict[str, str]) -> tuple[list[ox.Triple], list[list[ox.Quad]]]:
    """Every data triple of a fragment, following hydra:next from its first page; and each page's quads."""
    pages = [quads(get(client, params))]
    while True:
        following = [q.object.value for q in metadata_of(pages[-1]) if q.predicate.value == HYDRA + "next"]
        if not following:
            break
        response = client.get(local(following[0]), headers={"Accept": NQUADS})
        assert response.status_code == 200
        pages.append(quads(response))
        assert len(pages) < 1000
    return [t for page in pages for t in data_of(page)], pages


def construct(store: WritableStore, where: str) -> set[ox.Triple]:
    """What the store answers for a pattern in SPARQL."""
    answer = store.query(f"CONSTRUCT WHERE {{ {where} }}", "nt")
    return {quad.triple for quad in ox.parse(input=answer, format=ox.RdfFormat.N_TRIPLES)}


def parse_dataset(data: bytes, fmt: str) -> Dataset:
    """A response in a quad format or JSON-LD as a dataset. rdflib 7.6's own quad and JSON-LD parsers call its
    deprecated API internally; those warnings, and only those, are not the server's doing."""
    dataset = Dataset()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"rdflib\.")
        dataset.parse(data=data, format=fmt)
    return dataset


def rdflib_graph(triples: set[ox.Triple]) -> Graph:
    graph = Graph()
    graph.parse(data=ox.serialize(list(triples), format=ox.RdfFormat.N_TRIPLES) or b"", format="nt")
    return graph


# ---------------------------------------------------------------- what a fragment holds


@pytest.mark.parametrize(("params", "where"), [p[1:] for p in PATTERNS], ids=[p[0] for p in PATTERNS])
def test_a_fragment_holds_what_sparql_answers(
    built: tuple[Config, WritableStore], client: FlaskClient, params: dict[str, str], where: str
) -> None:
    _config, store = built
    expected = construct(store, where)
    found, pages = walk(client, params)
    assert len(found) == len(set(found)), "a triple came twice"
    assert set(found) == expected
    for page in pages:
        assert int(value(page, HYDRA + "totalItems")) == len(expected)
        assert int(value(page, VOID + "triples")) == len(expected)


def test_a_language_tagged_literal_matches_exactly(built: tuple[Config, WritableStore], client: FlaskClient) -> None:
    _config, store = built
    headline = store.select(f"SELECT ?h WHERE {{ <{SEED_IRI}> <{SDO.headline}> ?h }}")[0]["h"]
    tagged = data_of(quads(get(client, {"object": f'"{headline}"@de'})))
    assert {t.subject.value for t in tagged} == {SEED_IRI}
    assert {t.predicate.value for t in tagged} >= {str(SDO.headline)}
    assert data_of(quads(get(client, {"object": f'"{headline}"@en'}))) == []
    assert data_of(quads(get(client, {"object": f'"{headline}"'}))) == []  # a plain string is another term


def test_paging_covers_every_triple_exactly_once(built: tuple[Config, WritableStore], client: FlaskClient) -> None:
    _config, store = built
    everything = construct(store, "?s ?p ?o")
    found, pages = walk(client, {})
    assert len(found) == len(everything) == store.count()
    assert set(found) == everything
    assert len(pages) == -(-len(everything) // 100)
    assert all(len(data_of(page)) == 100 for page in pages[:-1])


def test_page_size_is_the_setting(built: tuple[Config, WritableStore]) -> None:
    config, store = built
    small = create_app(config.with_overrides(fragment_page_size=7), open_store(config.store)).test_client()
    params = {"predicate": str(RDF.type)}
    expected = construct(store, "?s a ?o")
    found, pages = walk(small, params)
    assert sorted(map(str, found)) == sorted(map(str, expected))
    assert len(pages) == -(-len(expected) // 7)
    assert [len(data_of(p)) for p in pages[:-1]] == [7] * (len(pages) - 1)
    assert all(value(p, HYDRA + "itemsPerPage") == "7" for p in pages)


def test_pages_are_stable(built: tuple[Config, WritableStore], client: FlaskClient) -> None:
    config, _store = built
    params = {"predicate": str(RDF.type), "page": "3"}
    first = get(client, params)
    # another process of the same state: nothing remembered, the same page
    other = create_app(config, open_store(config.store)).test_client()
    again = get(other, params)
    assert first.data == again.data
    assert first.headers["ETag"] == again.headers["ETag"]


# ---------------------------------------------------------------- metadata and controls


def test_counts_and_page_metadata(built: tuple[Config, WritableStore], client: FlaskClient) -> None:
    _config, store = built
    total = len(construct(store, "?s a ?o"))
    assert total > 200  # three pages at least
    found = quads(get(client, {"predicate": str(RDF.type), "page": "2"}))
    assert len(data_of(found)) == 100
    assert int(value(found, HYDRA + "totalItems")) == total
    assert int(value(found, VOID + "triples")) == total
    assert value(found, HYDRA + "itemsPerPage") == "100"


def test_controls_are_hydra_a_client_can_follow(client: FlaskClient) -> None:
    params = {"predicate": str(RDF.type), "page": "2"}
    response = get(client, params)
    dataset = parse_dataset(response.data, "nquads")
    found = quads(response)
    page = next(q.subject.value for q in metadata_of(found) if q.predicate.value == HYDRA + "next")
    assert page == "http://localhost/fragments?" + response.request.query_string.decode()
    fragment = f"http://localhost/fragments?predicate={quote(str(RDF.type), safe='')}"
    graph = dataset.graph(URIRef(page + "#metadata"))
    assert len(graph) == len(metadata_of(found))
    controls = graph.query(
        """
        PREFIX hydra: <http://www.w3.org/ns/hydra/core#>
        PREFIX void: <http://rdfs.org/ns/void#>
        PREFIX foaf: <http://xmlns.com/foaf/0.1/>
        SELECT ?dataset ?template ?variable ?property ?first ?previous ?next ?last WHERE {
            ?graph foaf:primaryTopic ?fragment .
            ?dataset a void:Dataset, hydra:Collection ; void:subset ?fragment ; hydra:search ?form .
            ?fragment void:subset ?page ; hydra:view ?page .
            ?page a hydra:PartialCollectionView ;
                hydra:first ?first ; hydra:previous ?previous ; hydra:next ?next ; hydra:last ?last .
            ?form hydra:template ?template ;
                hydra:variableRepresentation hydra:ExplicitRepresentation ;
                hydra:mapping [ hydra:variable ?variable ; hydra:property ?property ] .
        }""",
        initBindings={"fragment": URIRef(fragment), "page": URIRef(page), "graph": URIRef(page + "#metadata")},
    )
    rows = list(controls)
    assert {(str(r.variable), r.property) for r in rows} == {
        ("subject", RDF.subject),
        ("predicate", RDF.predicate),
        ("object", RDF.object),
    }
    row = rows[0]
    assert str(row.dataset) == "http://localhost/fragments#dataset"
    assert str(row.template) == "http://localhost/fragments{?subject,predicate,object}"
    assert str(row.first) == str(row.previous) == fragment
    assert str(row.next) == fragment + "&page=3"
    last = int(str(row.last).rpartition("page=")[2])
    assert last == -(-int(value(found, HYDRA + "totalItems")) // 100)
    # the search form, filled in as a client does, leads to the same fragment
    filled = str(row.template).replace("{?subject,predicate,object}", "?" + urlencode({"predicate": str(RDF.type)}))
    assert int(value(quads(get(client, {}, path=local(filled))), HYDRA + "totalItems")) == int(
        value(found, HYDRA + "totalItems")
    )
    for link in (row.previous, row.next, row.last):
        assert client.get(local(str(link)), headers={"Accept": NQUADS}).status_code == 200


@pytest.mark.parametrize("params", [{}, {"predicate": str(RDF.type)}, {"predicate": str(RDF.type), "page": "2"}])
def test_the_metadata_graph_is_found_as_clients_find_it(client: FlaskClient, params: dict[str, str]) -> None:
    """Comunica takes the subject of the last ``void:subset`` of the page it asked for as the fragment, and the
    graph whose ``foaf:primaryTopic`` that is as the metadata; on a first page, fragment and page are one."""
    response = get(client, params)
    page = "http://localhost/fragments" + ("?" + response.request.query_string.decode() if params else "")
    found = quads(response)
    subsets = [q.subject.value for q in found if q.predicate.value == VOID + "subset" and q.object.value == page]
    topics = {q.object.value: q.subject.value for q in found if q.predicate.value == FOAF + "primaryTopic"}
    graph = topics[subsets[-1]]
    assert graph == page + "#metadata"
    assert {q.graph_name.value for q in metadata_of(found)} == {graph}
    data = data_of(found)
    assert not any(t.predicate.value.startswith((HYDRA, VOID)) for t in data)


def test_controls_name_the_host_the_client_used(client: FlaskClient) -> None:
    as_published = client.get(
        "/fragments", query_string={"subject": DISTRICT}, headers={"Accept": NQUADS, "Host": "localhost:8080"}
    )
    elsewhere = client.get(
        "/fragments", query_string={"subject": DISTRICT}, headers={"Accept": NQUADS, "Host": "example.org:8081"}
    )
    assert (
        value(quads(as_published), HYDRA + "template") == "http://localhost:8080/fragments{?subject,predicate,object}"
    )
    assert value(quads(elsewhere), HYDRA + "template") == "http://example.org:8081/fragments{?subject,predicate,object}"


# ---------------------------------------------------------------- formats


FORMATS = [
    ("text/turtle", ".ttl", "turtle"),
    ("application/ld+json", ".jsonld", "json-ld"),
    ("application/n-triples", ".nt", "nt"),
    ("application/rdf+xml", ".rdf", "xml"),
    ("application/trig", ".trig", "trig"),
    ("application/n-quads", ".nq", "nquads"),
]


@pytest.mark.parametrize(("media_type", "suffix", "parser"), FORMATS, ids=[f[1] for f in FORMATS])
@pytest.mark.parametrize("by", ["accept", "suffix"])
def test_every_format_parses_back(
    built: tuple[Config, WritableStore],
    client: FlaskClient,
    media_type: str,
    suffix: str,
    parser: str,
    by: str,
) -> None:
    _config, store = built
    params = {"object": DISTRICT, "predicate": str(SDO.containedInPlace)}
    expected = rdflib_graph(construct(store, f"?s <{SDO.containedInPlace}> <{DISTRICT}>"))
    assert len(expected) > 3
    if by == "suffix":
        # the same representation, whatever Accept says
        response = get(client, params, accept="text/html", path="/fragments" + suffix)
        assert response.mimetype == media_type
        assert response.data.replace(b"/fragments" + suffix.encode(), b"/fragments") == get(
            client, params, accept=media_type
        ).data.replace(b"/fragments" + suffix.encode(), b"/fragments")
        return
    response = get(client, params, accept=media_type)
    assert response.mimetype == media_type
    # the metadata as N-Quads name it (the page IRI is the URL asked for)
    reference = parse_dataset(get(client, params).data, "nquads")
    page = "http://localhost/fragments?" + response.request.query_string.decode()
    metadata = Graph()
    for triple in reference.graph(URIRef(page + "#metadata")):
        metadata.add(triple)
    assert len(metadata) > 20
    if parser in ("trig", "nquads", "json-ld"):
        dataset = parse_dataset(response.data, parser)
        data = Graph()
        for triple in dataset.default_graph:
            data.add(triple)
        parsed = Graph()
        for triple in dataset.graph(URIRef(page + "#metadata")):
            parsed.add(triple)
        assert set(data) == set(expected)
        assert isomorphic(parsed, metadata)
    else:
        graph = Graph()
        graph.parse(data=response.data, format=parser)
        assert set(expected) <= set(graph)
        rest = Graph()
        for triple in set(graph) - set(expected):
            rest.add(triple)
        metadata.remove((URIRef(page + "#metadata"), URIRef(FOAF + "primaryTopic"), None))
        assert isomorphic(rest, metadata)


def test_jsonld_writes_the_fragment_after_the_dataset(client: FlaskClient) -> None:
    document = json.loads(get(client, {"predicate": str(RDF.type)}, accept="application/ld+json").data)
    assert document["@context"]["@vocab"] == "https://schema.org/"
    graphs = [node for node in document["@graph"] if "@graph" in node]
    assert len(graphs) == 1
    ids = [node.get("@id") for node in graphs[0]["@graph"]]
    assert ids.index("http://localhost/fragments#dataset") < len(ids) - 1
    assert ids[-1].startswith("http://localhost/fragments?predicate=")


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("", "text/turtle"),
        ("*/*", "text/turtle"),
        (COMUNICA_ACCEPT, "application/n-quads"),
        ("application/trig", "application/trig"),
        ("application/json", "application/ld+json"),
        ("application/*", "application/ld+json"),
        ("text/plain", "application/n-triples"),
        (BROWSER, "text/html"),
    ],
)
def test_negotiation(client: FlaskClient, accept: str, expected: str) -> None:
    response = client.get(
        "/fragments", query_string={"subject": DISTRICT}, headers={"Accept": accept} if accept else {}
    )
    assert response.status_code == 200
    assert response.mimetype == expected
    assert "Accept" in response.headers["Vary"]
    assert response.headers["Content-Location"].startswith("/fragments.")


def test_nothing_acceptable_is_406(client: FlaskClient) -> None:
    response = client.get("/fragments", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "application/n-quads" in response.get_data(as_text=True)


def test_caching_headers_and_cors(client: FlaskClient) -> None:
    response = get(client, {"subject": DISTRICT})
    etag = response.headers["ETag"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "max-age" in response.headers["Cache-Control"]
    assert response.headers["Last-Modified"]
    assert 'rel="alternate"; type="text/turtle"' in response.headers["Link"]
    again = client.get(
        "/fragments", query_string={"subject": DISTRICT}, headers={"Accept": NQUADS, "If-None-Match": etag}
    )
    assert again.status_code == 304
    head = client.head("/fragments", query_string={"subject": DISTRICT}, headers={"Accept": NQUADS})
    assert head.status_code == 200
    assert head.data == b""


def test_paging_links_in_headers(client: FlaskClient) -> None:
    response = get(client, {"predicate": str(RDF.type), "page": "2"}, accept="text/turtle")
    links = response.headers["Link"]
    for relation in ("first", "prev", "next", "last"):
        assert f'rel="{relation}"' in links


# ---------------------------------------------------------------- the page for people


def test_the_page_for_people(built: tuple[Config, WritableStore], client: FlaskClient) -> None:
    _config, store = built
    expected = construct(store, f"<{DISTRICT}> ?p ?o")
    response = get(client, {"subject": DISTRICT}, accept=BROWSER)
    html = response.get_data(as_text=True)
    assert '<html lang="de">' in html
    assert f"{len(expected)} Tripel passen zu diesem Muster" in html
    assert 'name="subject"' in html and 'name="predicate"' in html and 'name="object"' in html
    assert f'value="{DISTRICT}"' in html
    assert "Treptow-Köpenick" in html
    # each term leads to the fragment of that term in its place, and the subject to its own page
    assert 'href="/fragments?predicate=https%3A%2F%2Fschema.org%2Fname"' in html
    assert 'href="/doc/bezirk/treptow-koepenick"' in html
    assert 'href="/fragments.ttl?subject=' in html
    assert client.get("/", headers={"Accept": "text/html"}).get_data(as_text=True).count('href="/fragments"') == 1


def test_the_page_escapes_what_it_shows(client: FlaskClient) -> None:
    response = get(client, {"object": '"<script>alert(1)</script>"@de'}, accept="text/html")
    html = response.get_data(as_text=True)
    assert "<script>alert" not in html
    assert "Kein Tripel passt zu diesem Muster." in html


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"subject": '"a literal"'}, "subject"),
        ({"predicate": '"a literal"@de'}, "predicate"),
        ({"subject": "not an iri"}, "subject"),
        ({"predicate": "/a/relative/reference"}, "predicate"),
        ({"object": "http://exa mple.org/x"}, "object"),
        ({"object": '"no closing quote'}, "object"),
        ({"object": '"text"@not a tag'}, "object"),
        ({"object": '"text"@de-x'}, "object"),
        ({"object": '"text"^^not-an-iri'}, "object"),
        ({"object": '"text"trailing'}, "object"),
        ({"page": "0"}, "page"),
        ({"page": "-1"}, "page"),
        ({"page": "zwei"}, "page"),
    ],
)
def test_bad_input_is_400_naming_the_parameter(client: FlaskClient, params: dict[str, str], named: str) -> None:
    response = client.get("/fragments", query_string=params, headers={"Accept": "application/json"})
    assert response.status_code == 400
    body = response.get_json()
    assert body["ok"] is False and body["status"] == 400
    assert body["error"].startswith(f"{named}: ")
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_a_parameter_given_twice_is_400(client: FlaskClient) -> None:
    response = client.get(f"/fragments?subject={DISTRICT}&subject={SEED_IRI}", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"].startswith("subject: given 2 times")


def test_a_page_past_the_end_is_404(client: FlaskClient) -> None:
    response = client.get(
        "/fragments", query_string={"subject": DISTRICT, "page": "2"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 404
    assert response.get_json()["error"].startswith("page: 2 does not exist")
    # an empty fragment still has its first page
    assert int(value(quads(get(client, {"subject": MISSING})), HYDRA + "totalItems")) == 0


def test_an_unknown_suffix_is_404(client: FlaskClient) -> None:
    assert client.get("/fragments.xyz").status_code == 404


# ---------------------------------------------------------------- a real client


COMUNICA_QUERIES = [
    # a join: the districts' names
    f"SELECT ?district ?name WHERE {{ ?district a <{PM.Bezirk}> ; <{SDO.name}> ?name }}",
    # a join on a language-tagged literal, which the client sends back as a pattern's object
    f"SELECT ?other WHERE {{ <{SEED_IRI}> <{SDO.headline}> ?headline . ?other <{SDO.headline}> ?headline }}",
    # a join on a long text with quotation marks and umlauts
    f"SELECT ?other WHERE {{ <{SEED_IRI}> <{SDO.articleBody}> ?body . ?other ?property ?body }}",
    # typed literals
    f"SELECT ?release ?date WHERE {{ ?release <{SDO.datePublished}> ?date "
    f'FILTER(?date >= "2025-01-01"^^<{XSD.date}>) }}',
    # every triple: every page, and nothing of the metadata taken for data
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
]


def _answers(results: dict[str, object]) -> list[tuple[tuple[str, str], ...]]:
    rows = results["results"]["bindings"]
    return sorted(tuple(sorted((k, v["value"]) for k, v in row.items())) for row in rows)


@pytest.fixture(scope="module")
def comunica() -> Path:
    node = shutil.which("node")
    if node is None or not COMUNICA.exists():
        reason = (
            "node is not installed"
            if node is None
            else f"Comunica is not installed at {COMUNICA} (.ci/run installs it)"
        )
        if os.environ.get("PUBLISHER_REQUIRE_COMUNICA") == "1":
            pytest.fail(f"PUBLISHER_REQUIRE_COMUNICA=1, but {reason}")
        pytest.skip(reason)
    return COMUNICA


def test_comunica_answers_like_the_store(built: tuple[Config, WritableStore], comunica: Path, tmp_path: Path) -> None:
    config, store = built
    with serving(config.store, free_port(), tmp_path / "server.log") as base:
        for query in COMUNICA_QUERIES:
            started = time.monotonic()
            result = subprocess.run(
                [str(comunica), f"{base}/fragments", query, "-t", "application/sparql-results+json"],
                capture_output=True,
                text=True,
                timeout=180,
            )
            assert result.returncode == 0, result.stderr[-2000:]
            answer = _answers(json.loads(result.stdout))
            expected = _answers(json.loads(store.query(query, "json")))
            assert answer == expected, query
            assert answer, f"the query has no answer to compare: {query}"
            print(f"comunica: {time.monotonic() - started:.1f} s, {len(answer)} rows: {query[:70]}")
        log = (tmp_path / "server.log").read_text("utf-8")
        assert "GET /fragments?" in log
        assert " 500 " not in log
