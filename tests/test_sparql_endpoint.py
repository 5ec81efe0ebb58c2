"""The SPARQL endpoint's own behaviour: formats, the service description, the query page, and every limit.

The W3C Protocol and query-evaluation suites are in test_sparql_protocol.py and test_sparql_evaluation.py; real
clients in test_sparql_clients.py.
"""

from __future__ import annotations

import csv
import io
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from publisher.config import Config
from publisher.sparql.examples import EXAMPLES
from publisher.store import WritableStore, open_store
from publisher.web import create_app
from tests.conftest import add_area, free_port, serving, timed_get

PREFIX = "PREFIX schema: <https://schema.org/>\nPREFIX pm: <https://w3id.org/pm-berlin/ontology#>\n"
NEWEST = PREFIX + "SELECT ?r ?d WHERE { ?r a pm:PressRelease ; schema:datePublished ?d } ORDER BY DESC(?d) LIMIT 5"
#: A cross product over every triple, three times: far more work than any timeout allows.
EXPENSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SD = "http://www.w3.org/ns/sparql-service-description#"


def limited_app(built: tuple[Config, WritableStore], **settings: object) -> Flask:
    config, _store = built
    return create_app(config.with_overrides(**settings), open_store(config.store))


def direct(built: tuple[Config, WritableStore], query: str) -> list[dict[str, str]]:
    _config, store = built
    return store.select(query)


# ---------------------------------------------------------------- formats


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("application/json", "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
    ],
)
def test_select_in_every_results_format_parses_back_to_the_stores_answer(
    client: FlaskClient, built: tuple[Config, WritableStore], accept: str, content_type: str
) -> None:
    response = client.get("/sparql", query_string={"query": NEWEST}, headers={"Accept": accept})
    assert response.status_code == 200, response.data
    assert response.mimetype == content_type
    if content_type == "text/csv":  # CSV is lossy: values only
        got = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    else:
        fmt = {
            "application/sparql-results+json": ox.QueryResultsFormat.JSON,
            "application/sparql-results+xml": ox.QueryResultsFormat.XML,
            "text/tab-separated-values": ox.QueryResultsFormat.TSV,
        }[content_type]
        parsed = ox.parse_query_results(response.data, format=fmt)
        assert isinstance(parsed, ox.QuerySolutions)
        got = [{v.value: row[v].value for v in parsed.variables if row[v] is not None} for row in parsed]
    assert got == direct(built, NEWEST)
    assert got, "the bundled data has press releases"


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [
        ("text/turtle", "turtle"),
        ("application/ld+json", "json-ld"),
        ("application/n-triples", "nt"),
        ("application/rdf+xml", "xml"),
    ],
)
def test_construct_in_every_graph_format_is_the_stores_graph(
    client: FlaskClient, built: tuple[Config, WritableStore], accept: str, rdflib_format: str
) -> None:
    query = PREFIX + "CONSTRUCT { ?r ?p ?o } WHERE { ?r a pm:PressRelease ; ?p ?o }"
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    assert response.status_code == 200, response.data
    assert response.mimetype == accept
    served = Graph().parse(data=response.data, format=rdflib_format)
    _config, store = built
    expected = Graph().parse(data=store.query(query, "nt"), format="nt")
    assert len(served) == len(expected) > 10
    assert set(served) == set(expected)


def test_ask_and_post_forms(client: FlaskClient) -> None:
    ask = PREFIX + "ASK { ?r a pm:PressRelease }"
    by_form = client.post("/sparql", data={"query": ask}, headers={"Accept": "application/sparql-results+json"})
    direct_body = client.post(
        "/sparql", data=ask.encode(), content_type="application/sparql-query", headers={"Accept": "application/json"}
    )
    for response in (by_form, direct_body):
        assert response.status_code == 200, response.data
        assert response.json == {"head": {}, "boolean": True}


def test_format_parameter_as_older_clients_send_it(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": NEWEST, "format": "csv"})
    assert response.mimetype == "text/csv"
    response = client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s a ?o } LIMIT 1", "output": "xml"})
    assert response.mimetype == "application/rdf+xml"
    response = client.get(
        "/sparql", query_string={"query": NEWEST, "format": "yaml"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 400
    assert "format" in response.json["error"]


def test_results_type_the_client_does_not_accept_is_406(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": NEWEST}, headers={"Accept": "text/turtle"})
    assert response.status_code == 406


def test_malformed_query_is_400_with_the_parsers_message(client: FlaskClient) -> None:
    response = client.get(
        "/sparql", query_string={"query": "SELECT * WHERE { ?s ?p "}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 400
    assert response.json["ok"] is False
    assert response.json["error"].startswith("query: error at 1:")


def test_two_queries_in_one_request_are_400(client: FlaskClient) -> None:
    response = client.get("/sparql?query=ASK%7B%7D&query=ASK%7B%7D", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert "exactly one" in response.json["error"]


def test_dataset_from_the_protocol(client: FlaskClient, built: tuple[Config, WritableStore]) -> None:
    config, _store = built
    ontology = f"{config.base_uri}graph/ontology"
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    whole = client.get("/sparql", query_string={"query": count}).json
    only = client.get("/sparql", query_string={"query": count, "default-graph-uri": ontology}).json
    union = int(whole["results"]["bindings"][0]["n"]["value"])
    part = int(only["results"]["bindings"][0]["n"]["value"])
    assert 0 < part < union
    named = client.get(
        "/sparql",
        query_string={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": ontology},
    ).json
    assert [b["g"]["value"] for b in named["results"]["bindings"]] == [ontology]


# ---------------------------------------------------------------- service description and page


def test_service_description_declares_formats_limits_and_the_default_dataset(client: FlaskClient) -> None:
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = Graph().parse(data=response.data, format="turtle")
    services = list(graph.subjects(RDF.type, URIRef(SD + "Service")))
    assert len(services) == 1
    service = services[0]
    assert str(service).endswith("/sparql")
    assert (service, URIRef(SD + "supportedLanguage"), URIRef(SD + "SPARQL11Query")) in graph
    formats = {str(o) for o in graph.objects(service, URIRef(SD + "resultFormat"))}
    assert "http://www.w3.org/ns/formats/SPARQL_Results_JSON" in formats
    assert "http://www.w3.org/ns/formats/Turtle" in formats
    assert graph.value(service, URIRef(SD + "defaultDataset")) is not None
    settings = {str(o) for o in graph.objects(None, URIRef("https://schema.org/propertyID"))}
    assert {"PUBLISHER_SPARQL_TIMEOUT", "PUBLISHER_SPARQL_MAX_ROWS", "PUBLISHER_SPARQL_MAX_BODY"} <= settings
    # a client that says nothing gets the description in Turtle
    assert client.get("/sparql").mimetype == "text/turtle"


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.cells = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.links.append(dict(attrs).get("href") or "")
        if tag == "td":
            self.cells += 1


def test_query_page_for_browsers_with_examples(client: FlaskClient) -> None:
    response = client.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "<textarea" in page
    assert "<script src" not in page and "cdn" not in page.lower()
    for example in EXAMPLES:
        assert example.title in page


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.title for e in EXAMPLES])
def test_every_example_answers_on_the_bundled_data(client: FlaskClient, example: object) -> None:
    query = example.query  # type: ignore[attr-defined]
    data = client.get(
        "/sparql",
        query_string={"query": query},
        headers={"Accept": "application/n-triples, application/sparql-results+json"},
    )
    assert data.status_code == 200, data.data
    assert len(data.data) > 100
    page = client.get("/sparql", query_string={"query": query}, headers={"Accept": "text/html"})
    assert page.status_code == 200
    parser = _Links()
    parser.feed(page.get_data(as_text=True))
    assert parser.cells > 0, "the answer is shown as a table"
    assert any(link.startswith("/doc/") for link in parser.links), "resources link to their pages"
    downloads = [link for link in parser.links if "format=" in link]
    assert len(downloads) == 4
    for link in downloads:
        assert client.get(link).status_code == 200


def test_query_page_shows_an_error_next_to_the_query(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": "SELECT nonsense"}, headers={"Accept": "text/html"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "SELECT nonsense" in page
    assert "nicht ausgeführt" in page


def test_cors_preflight_for_a_post_from_another_origin(client: FlaskClient) -> None:
    response = client.options(
        "/sparql",
        headers={
            "Origin": "https://yasgui.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in response.headers["Access-Control-Allow-Headers"]
    answer = client.post("/sparql", data={"query": NEWEST}, headers={"Origin": "https://yasgui.example"})
    assert answer.headers["Access-Control-Allow-Origin"] == "*"


def test_repeated_get_is_answered_from_the_memo_with_validators(client: FlaskClient) -> None:
    first = client.get("/sparql", query_string={"query": NEWEST})
    etag = first.headers["ETag"]
    again = client.get("/sparql", query_string={"query": NEWEST}, headers={"If-None-Match": etag})
    assert again.status_code == 304


# ---------------------------------------------------------------- refusals and limits


@pytest.mark.parametrize(
    "send",
    [
        lambda c: c.post("/sparql", data={"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}),
        lambda c: c.post("/sparql", data=b"DROP ALL", content_type="application/sparql-update"),
        lambda c: c.get("/sparql", query_string={"query": "DELETE WHERE { ?s ?p ?o }"}),
        lambda c: c.get("/sparql", query_string={"update": "CLEAR ALL"}),
    ],
    ids=["update-form", "update-direct", "update-as-query", "update-by-get"],
)
def test_updates_are_refused_and_change_nothing(
    client: FlaskClient, built: tuple[Config, WritableStore], send: object
) -> None:
    _config, store = built
    before = store.count()
    response = send(client)  # type: ignore[operator]
    assert response.status_code in (400, 403)
    assert "update" in response.get_data(as_text=True).lower()
    assert store.count() == before


def test_service_is_refused_unless_allowed(client: FlaskClient) -> None:
    for query in (
        "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
        "PREFIX e: <http://example.org/> SELECT * WHERE { SERVICE SILENT e:sparql { ?s ?p ?o } }",
        "SELECT * WHERE { BIND(<http://example.org/sparql> AS ?e) SERVICE ?e { ?s ?p ?o } }",
        "SELECT * WHERE { \\u0053ERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    ):
        response = client.get("/sparql", query_string={"query": query}, headers={"Accept": "application/json"})
        assert response.status_code == 403, query
        assert "PUBLISHER_SPARQL_SERVICES" in response.json["error"]
    # the word in a string or a comment is no SERVICE call
    harmless = 'SELECT * WHERE { BIND("SERVICE <http://example.org/sparql>" AS ?x) } # SERVICE <http://x/>'
    assert client.get("/sparql", query_string={"query": harmless}).status_code == 200


def test_row_cap_cuts_the_answer_and_says_so(built: tuple[Config, WritableStore]) -> None:
    client = limited_app(built, sparql_max_rows=7).test_client()
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert response.status_code == 200
    assert len(response.json["results"]["bindings"]) == 7
    assert response.headers["X-SPARQL-MaxRows"] == "7"
    assert "X-SPARQL-MaxRows" in response.headers["Access-Control-Expose-Headers"]
    graph = client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }"})
    assert len(Graph().parse(data=graph.data, format="turtle")) == 7
    assert graph.headers["X-SPARQL-MaxRows"] == "7"
    small = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 3"})
    assert "X-SPARQL-MaxRows" not in small.headers


def test_body_cap(built: tuple[Config, WritableStore]) -> None:
    client = limited_app(built, sparql_max_body=200).test_client()
    long_query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 300
    for response in (
        client.post("/sparql", data=long_query.encode(), content_type="application/sparql-query"),
        client.post("/sparql", data={"query": long_query}),
    ):
        assert response.status_code == 413
        assert "PUBLISHER_SPARQL_MAX_BODY" in response.get_data(as_text=True)
    by_get = client.get("/sparql", query_string={"query": long_query})
    assert by_get.status_code == 414
    assert "PUBLISHER_SPARQL_MAX_BODY" in by_get.get_data(as_text=True)
    assert client.post("/sparql", data={"query": "ASK {}"}).status_code == 200


def test_protocol_errors(client: FlaskClient) -> None:
    assert client.post("/sparql", data=b"ASK {}", content_type="text/plain").status_code == 415
    assert client.post("/sparql", data=b"query=ASK%7B%7D", content_type="").status_code == 400
    latin1 = 'ASK { ?s ?p "Köpenick" }'.encode("latin-1")
    assert client.post("/sparql", data=latin1, content_type="application/sparql-query").status_code == 400
    assert client.put("/sparql", data=b"ASK {}").status_code == 405


# ---------------------------------------------------------------- a running server


def _get(url: str, accept: str = "application/sparql-results+json", timeout: float = 30) -> tuple[int, bytes, float]:
    return timed_get(url, accept, timeout)


@pytest.fixture
def server(cli_built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("PUBLISHER_SPARQL_TIMEOUT", "3")
    monkeypatch.setenv("PUBLISHER_SPARQL_CONCURRENCY", "2")
    port = free_port()
    monkeypatch.setenv("PUBLISHER_SPARQL_SERVICES", f"http://127.0.0.1:{port}/sparql")
    with serving(str(cli_built / "store"), port, tmp_path / "server.log") as base:
        yield base


def test_expensive_query_times_out_while_simple_requests_are_answered(server: str) -> None:
    query = urllib.parse.quote(EXPENSIVE)
    outcome: dict[str, tuple[int, bytes, float]] = {}
    thread = threading.Thread(target=lambda: outcome.update(slow=_get(f"{server}/sparql?query={query}")))
    thread.start()
    time.sleep(0.5)
    simple = urllib.parse.quote(NEWEST)
    answered = []
    while thread.is_alive():
        status, _body, seconds = _get(f"{server}/sparql?query={simple}&n={len(answered)}")
        assert status == 200
        page, _b, page_seconds = _get(f"{server}/liste/organisationen?n={len(answered)}", "text/html")
        assert page == 200
        answered.append(max(seconds, page_seconds))
        time.sleep(0.2)
    status, body, seconds = outcome["slow"]
    assert status == 503
    assert "PUBLISHER_SPARQL_TIMEOUT" in body.decode()
    assert 2.9 < seconds < 6, seconds
    assert len(answered) >= 5, "simple requests were answered while the expensive one ran"
    assert max(answered) < 1.0, answered
    # the worker that ran it is gone, and the endpoint answers again
    status, _body, _s = _get(f"{server}/sparql?query={simple}&again")
    assert status == 200


def _busy_workers() -> list[str]:
    """Query worker processes that are running (state R) on this machine."""
    busy = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ")
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if b"-m publisher.sparql" in cmdline and state == "R":
            busy.append(proc.name)
    return busy


def test_killed_worker_leaves_no_process_behind(server: str) -> None:
    status, body, _s = _get(f"{server}/sparql?query=" + urllib.parse.quote(EXPENSIVE))
    assert status == 503, body
    time.sleep(0.3)
    assert not _busy_workers(), "a query worker still computes after its query timed out"


def test_concurrency_cap_answers_503_with_retry_after(server: str) -> None:
    query = urllib.parse.quote(EXPENSIVE)
    threads = [threading.Thread(target=_get, args=(f"{server}/sparql?query={query}&t={i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(0.8)
    request = urllib.request.Request(f"{server}/sparql?query=" + urllib.parse.quote(NEWEST))
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 503
    assert refused.value.headers["Retry-After"] == "2"
    assert "PUBLISHER_SPARQL_CONCURRENCY" in refused.value.read().decode()
    for thread in threads:
        thread.join()


def test_allowed_service_is_called(server: str) -> None:
    endpoint = f"{server}/sparql"
    query = PREFIX + f"SELECT ?r WHERE {{ SERVICE <{endpoint}> {{ ?r a pm:PressRelease }} }}"
    status, body, _s = _get(f"{server}/sparql?query=" + urllib.parse.quote(query))
    assert status == 200, body
    rows = json.loads(body)["results"]["bindings"]
    assert rows and all("/id/pressemitteilung/" in row["r"]["value"] for row in rows)


@pytest.mark.parametrize("memory", [1_000_000, 0], ids=["copy-in-memory", "on-disk"])
def test_a_new_build_is_queried_at_once(tmp_path: Path, memory: int) -> None:
    """The query workers follow a new build without a restart, from their copy in memory or from disk."""
    import shutil

    from click.testing import CliRunner

    from publisher.cli import main
    from publisher.config import PROJECT_ROOT, load_config

    data = tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "data", data)
    store = tmp_path / "store"
    args = ["build", "--data", str(data), "--store", str(store), "--workers", "1", "--quiet"]
    runner = CliRunner()
    assert runner.invoke(main, args).exit_code == 0
    config = load_config(environ={}, data_dir=data, store=str(store), sparql_memory=memory)
    app = create_app(config, open_store(str(store)))
    client = app.test_client()
    query = PREFIX + 'ASK { ?q a pm:Quartier ; schema:name "Neues Testgebiet" }'
    assert client.get("/sparql", query_string={"query": query}).json["boolean"] is False
    add_area(data)
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert client.get("/sparql", query_string={"query": query}).json["boolean"] is True
    app.extensions["publisher"].sparql.close()


def test_starting_a_worker_and_copying_the_state_do_not_count_against_the_timeout(
    built: tuple[Config, WritableStore],
) -> None:
    """A timeout far below what starting a worker and copying the state take still lets a quick query through."""
    app = limited_app(built, sparql_timeout=0.02)
    response = app.test_client().get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
    assert response.status_code == 200, response.data
    assert response.json["boolean"] is True
    app.extensions["publisher"].sparql.close()


def test_a_query_that_needs_too_much_memory_is_stopped(built: tuple[Config, WritableStore]) -> None:
    """A sort over a cross product of every triple with every triple would take gigabytes: the worker's memory
    limit stops it at once, the client is told which setting, and the next query gets a fresh worker."""
    app = limited_app(built, sparql_worker_memory=300, sparql_timeout=60)
    client = app.test_client()
    started = time.monotonic()
    response = client.get(
        "/sparql",
        query_string={"query": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f LIMIT 5"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 503, response.data
    assert "PUBLISHER_SPARQL_WORKER_MEMORY" in response.json["error"]
    assert time.monotonic() - started < 30
    assert client.get("/sparql", query_string={"query": "ASK {}"}).json["boolean"] is True
    app.extensions["publisher"].sparql.close()


def test_a_store_in_memory_answers_in_the_servers_process(config: Config) -> None:
    """``:memory:`` has no folder a worker could open: its queries run in the server's process, capped alike."""
    from publisher.store import Change
    from publisher.store.oxigraph import OxigraphStore

    store = OxigraphStore(None)
    lines = "".join(f'<urn:x:{i}> <urn:x:p> "{i}" .\n' for i in range(10))
    store.apply(Change(graphs={"urn:x:g": lines}, full=True, manifest={"built": "2026-01-01T00:00:00Z"}))
    app = create_app(config.with_overrides(store=":memory:", sparql_max_rows=4), store)
    response = app.test_client().get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert response.status_code == 200
    assert len(response.json["results"]["bindings"]) == 4
    assert response.headers["X-SPARQL-MaxRows"] == "4"
    assert not _busy_workers()
