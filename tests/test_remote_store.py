"""The publisher on a remote SPARQL store (a real Virtuoso): the bundled data built into it answers every service
of the app as the embedded store does; builds into it are atomic; a store that refuses or is gone gets a clear
error and changes nothing."""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

import pyoxigraph as ox
import pytest
import requests
from click.testing import CliRunner
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from rdflib import DCTERMS, Graph
from rdflib.compare import isomorphic

from publisher.build import build
from publisher.config import Config
from publisher.errors import StoreError
from publisher.store import Change, WritableStore, open_store, remote
from publisher.store.remote import RemoteStore, _form
from publisher.web import create_app
from tests import remote_backend as virtuoso
from tests.conftest import SEED_IRI, cli_build, free_port, run, seed_data, serving, with_new_sentence
from tests.test_faults import Proxy
from tests.test_store import G1, TRICKY
from tests.virtuoso import Virtuoso

RELEASE_DOC = SEED_IRI.replace("/id/", "/doc/")
AREA = "http://localhost:8080/id/bezirk/treptow-koepenick"
RDF = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
}


@pytest.fixture(scope="module")
def both(
    built: tuple[Config, WritableStore], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[FlaskClient, FlaskClient, RemoteStore]]:
    """The bundled data served from the embedded store and from Virtuoso."""
    with virtuoso.served(built[0], tmp_path_factory.mktemp("remote") / "files") as both:
        yield both


def path(iri: str) -> str:
    return iri.replace("http://localhost:8080", "")


SAMPLES = [
    (path(SEED_IRI), "text/turtle"),
    (path(AREA), "text/html"),
    *[(path(RELEASE_DOC), media) for media in RDF],
    *[(path(AREA.replace("/id/", "/doc/")), media) for media in RDF],
    ("/doc/organisation/bezirksamt-treptow-koepenick", "text/turtle"),
    ("/.well-known/void", "text/turtle"),
    ("/catalog", "text/turtle"),
    ("/fragments?subject=" + quote(AREA), "text/turtle"),
    (
        "/sparql?query=" + quote("CONSTRUCT { ?s ?p ?o } WHERE { ?s a <https://schema.org/NewsArticle> ; ?p ?o }"),
        "text/turtle",
    ),
]


@pytest.mark.parametrize(("target", "accept"), SAMPLES)
def test_linked_data_answers_as_from_the_embedded_store(
    both: tuple[FlaskClient, FlaskClient, RemoteStore], target: str, accept: str
) -> None:
    embedded, remote, _store = both
    want = embedded.get(target, headers={"Accept": accept})
    got = remote.get(target, headers={"Accept": accept})
    assert got.status_code == want.status_code, got.get_data(as_text=True)[:500]
    assert got.headers.get("Location") == want.headers.get("Location")
    assert got.mimetype == want.mimetype
    if got.status_code != 200:
        return
    if got.mimetype in RDF:
        fmt = RDF[got.mimetype]
        mine, theirs = Graph(), Graph()
        mine.parse(data=got.get_data(), format=fmt, publicID="http://localhost:8080/")
        theirs.parse(data=want.get_data(), format=fmt, publicID="http://localhost:8080/")
        # the VoID description says when the state was built, which differs between the two builds
        for graph in (mine, theirs):
            graph.remove((None, DCTERMS.modified, None))
        assert len(mine) == len(theirs) > 0
        assert isomorphic(mine, theirs)
    else:
        assert got.get_data() == want.get_data()


@pytest.mark.parametrize(
    "target",
    [
        "/api/releases",
        "/api/releases?area=" + quote(AREA),
        "/api/releases?q=BENN",
        "/api/organisations",
        "/api/areas?per_page=5",
        "/api/programmes",
        "/api/people",
        "/sparql?query=" + quote("SELECT ?h WHERE { ?r <https://schema.org/headline> ?h } ORDER BY ?h"),
        "/sparql?query=" + quote("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"),
        "/sparql?query=" + quote("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"),
        "/sparql?query=" + quote("ASK { ?s a <https://schema.org/Person> }"),
    ],
)
def test_json_answers_as_from_the_embedded_store(
    both: tuple[FlaskClient, FlaskClient, RemoteStore], target: str
) -> None:
    embedded, remote, _store = both
    want = embedded.get(target, headers={"Accept": "application/json"})
    got = remote.get(target, headers={"Accept": "application/json"})
    assert got.status_code == want.status_code == 200, got.get_data(as_text=True)[:500]
    assert json.loads(got.get_data()) == json.loads(want.get_data())


def test_html_pages_and_search_answer_as_from_the_embedded_store(
    both: tuple[FlaskClient, FlaskClient, RemoteStore],
) -> None:
    embedded, remote, _store = both
    for target in ("/", path(RELEASE_DOC), "/suche?q=Nachbarschaft", "/api/", "/sparql"):
        want = embedded.get(target, headers={"Accept": "text/html"})
        got = remote.get(target, headers={"Accept": "text/html"})
        assert got.status_code == want.status_code == 200, target
        mine, theirs = got.get_data(as_text=True), want.get_data(as_text=True)
        first = next((i for i, (a, b) in enumerate(zip(mine, theirs, strict=False)) if a != b), None)
        assert mine == theirs, f"{target}: {mine[first - 200 : first + 100]!r} != {theirs[first - 200 : first + 100]!r}"


def test_the_remote_store_holds_only_what_the_publisher_wrote(
    both: tuple[FlaskClient, FlaskClient, RemoteStore], built: tuple[Config, WritableStore]
) -> None:
    _embedded, _remote, store = both
    assert store.count() == built[1].count()
    assert store.dump("nq").count(b"\n") == built[1].dump("nq").count(b"\n")
    # Virtuoso's own system graphs hold triples, but the publisher's default graph does not see them
    assert store.stored_version() == store.version()


def test_queries_in_virtuoso_syntax_are_refused(both: tuple[FlaskClient, FlaskClient, RemoteStore]) -> None:
    _embedded, remote, _store = both
    query = "DEFINE input:default-graph-uri <http://www.openlinksw.com/schemas/virtrdf#> SELECT * WHERE { ?s ?p ?o }"
    answer = remote.get("/sparql?query=" + quote(query), headers={"Accept": "application/json"})
    assert answer.status_code == 400
    assert "query:" in answer.get_json()["error"]


def test_an_incremental_build_into_the_remote_store(config: Config, tmp_path: Path) -> None:
    data = seed_data(tmp_path)
    with virtuoso.emptied() as running:
        settings = virtuoso.settings(config, tmp_path / "files", running).with_overrides(data_dir=data)
        store = open_store(settings.store, writable=True, settings=settings)
        assert isinstance(store, WritableStore)
        assert build(settings, store).exit_code == 0
        triples = store.count()
        release = next((data / "releases").glob("*.txt"))
        release.write_text(with_new_sentence(release.read_text("utf-8")), "utf-8")
        report = build(settings, store)
        assert report.exit_code == 0 and report.written and report.extracted == 1
        assert store.ask(
            'ASK { ?r <https://schema.org/articleBody> ?b FILTER(CONTAINS(?b, "Dokumentation des Treffens")) }'
        )
        assert store.count() == triples  # the body changed, no triple more or less
        # a failing write (here: the store refuses the credentials) changes nothing
        refused = open_store(settings.store, writable=True, settings=settings.with_overrides(store_password="wrong"))
        assert isinstance(refused, WritableStore)
        before = store.version()
        with pytest.raises(StoreError, match="PUBLISHER_STORE_USER"):
            refused.apply(Change(graphs={SEED_IRI: ""}, manifest={}))
        assert store.version() == before and store.count() > 0


def test_graphs_not_the_publishers_are_left_out_of_what_its_queries_see(config: Config, tmp_path: Path) -> None:
    """Other data in the same store, readable by anyone (unlike Virtuoso's own graphs, private in the set-up the
    README recommends), is neither seen by the publisher's queries nor touched by its builds."""
    other = "http://example.org/graph/other"
    headline = 'ASK { ?s <https://schema.org/headline> "Fremde Daten" }'
    with virtuoso.emptied() as running:
        running.update(
            f"INSERT DATA {{ GRAPH <{other}> {{ <http://example.org/fremd> a <https://schema.org/NewsArticle> ; "
            '<https://schema.org/headline> "Fremde Daten" } }'
        )
        settings = virtuoso.settings(config, tmp_path / "files", running).with_overrides(data_dir=seed_data(tmp_path))
        store = open_store(settings.store, writable=True, settings=settings)
        assert isinstance(store, WritableStore)
        assert build(settings, store).exit_code == 0
        client = create_app(settings, store).test_client()
        for query, want in (
            (headline, False),
            ("ASK { ?s a <https://schema.org/NewsArticle> }", True),  # the publisher's own are seen
            (f"ASK {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g = <{other}>) }}", False),
            ("ASK { ?s <urn:x-publisher:version> ?v }", False),  # nor is the marker of the state
        ):
            answer = client.get("/sparql?query=" + quote(query), headers={"Accept": "application/json"})
            assert answer.status_code == 200 and answer.get_json()["boolean"] is want, query
        assert client.get("/api/releases?q=Fremde").get_json()["total"] == 0
        assert json.loads(running.query(headline))["boolean"] is True  # still in the store, as it was
        # a full build (the local folder gone: everything is written again) leaves it too
        shutil.rmtree(tmp_path / "files")
        again = open_store(settings.store, writable=True, settings=settings)
        assert isinstance(again, WritableStore)
        assert build(settings, again).exit_code == 0
        assert json.loads(running.query(headline))["boolean"] is True


def test_a_store_that_refuses_the_credentials_gets_503_without_retry_after(config: Config, tmp_path: Path) -> None:
    """A store that is away is worth asking again (Retry-After); one that refuses the configured password is not,
    until someone changes the settings, which the answer names."""
    with virtuoso.emptied() as running:
        settings = config.with_overrides(
            store=running.update_url,  # Virtuoso's endpoint that asks for credentials
            store_user=running.user,
            store_password="wrong",
            store_files=tmp_path / "files",
        )
        client = create_app(settings, open_store(settings.store, settings=settings)).test_client()
        answer = client.get("/sparql?query=" + quote("ASK {}"), headers={"Accept": "application/json"})
        assert answer.status_code == 503
        assert "PUBLISHER_STORE_PASSWORD" in answer.get_json()["error"]
        assert "Retry-After" not in answer.headers


def test_an_unreachable_store_is_named(config: Config, tmp_path: Path) -> None:
    settings = config.with_overrides(store="http://127.0.0.1:9/sparql", store_files=tmp_path / "files")
    store = open_store(settings.store, settings=settings)
    with pytest.raises(StoreError, match=r"127\.0\.0\.1:9/sparql is unreachable"):
        store.select("SELECT * WHERE { ?s ?p ?o } LIMIT 1")
    client = create_app(settings, store).test_client()
    answer = client.get(path(RELEASE_DOC), headers={"Accept": "text/turtle"})
    assert answer.status_code == 503
    assert "unreachable" in answer.get_data(as_text=True)


#: Four graphs of three triples each.
GRAPHS = {
    f"http://example.org/graph/{n}": "".join(
        f'<http://example.org/s{n}-{i}> <http://schema.org/name> "Name {n}-{i} äöü" .\n' for i in range(3)
    )
    for n in range(4)
}


def in_parts(running: Virtuoso, tmp_path: Path, graph_store: bool, bulk: Path | None = None) -> RemoteStore:
    """A store on ``running`` that writes at most two triples per update request (with ``bulk``, a larger change
    goes through Virtuoso's bulk loader from that folder)."""
    return RemoteStore(
        running.query_url,
        tmp_path / "files",
        update=running.update_url,
        graph_store=running.gsp_url if graph_store else None,
        user=running.user,
        password=running.password,
        batch=2,
        bulk=bulk,
    )


@pytest.mark.parametrize("graph_store", [True, False], ids=["graph-store-protocol", "sparql-update"])
def test_a_large_change_is_written_in_parts(tmp_path: Path, graph_store: bool) -> None:
    with virtuoso.emptied() as running:
        store = in_parts(running, tmp_path, graph_store)
        sent: list[str] = []
        store._session.hooks["response"].append(lambda answer, **_: sent.append(answer.request.method))
        store.apply(Change(graphs=GRAPHS, full=True, manifest={"n": 1}))
        assert store.count() == 12 and store.stored_version() == store.version()
        assert sent.count("PUT") == (4 if graph_store else 0)
        rows = store.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g")
        assert rows == [{"g": graph, "n": "3"} for graph in sorted(GRAPHS)]
        store.apply(Change(graphs={"http://example.org/graph/0": GRAPHS["http://example.org/graph/1"]}, full=True))
        assert store.count() == 3 and store.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }") == [
            {"g": "http://example.org/graph/0"}
        ]


def test_a_large_change_goes_through_virtuosos_bulk_loader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With PUBLISHER_STORE_BULK, the graphs a large change replaces go to Virtuoso as N-Quads files read by its
    bulk loader (no INSERT DATA carries them; here of at least five triples each, so several), every literal comes
    back exactly, graphs the store holds are replaced, not added to, the triples added to a graph still go by
    SPARQL Update, and the files are removed."""
    monkeypatch.setattr(remote, "_TRIPLES_PER_LOAD", 5)
    tricky = "".join(f"<http://example.org/t{i}> <http://schema.org/text> {term} .\n" for i, term in enumerate(TRICKY))
    graphs = {**GRAPHS, "http://example.org/graph/tricky": tricky}
    with virtuoso.emptied() as running:
        folder = Path(running.bulk)
        store = in_parts(running, tmp_path, graph_store=False, bulk=folder)
        sent: list[str] = []
        store._session.hooks["response"].append(lambda answer, **_: sent.append(_sent(answer.request.body)))
        store.apply(Change(graphs=graphs, full=True, manifest={"n": 1}))
        assert store.stored_version() == store.version() and store.manifest() == {"n": 1}
        expected = {
            ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(graph))
            for graph, lines in graphs.items()
            for t in ox.parse(lines.encode(), format=ox.RdfFormat.N_TRIPLES)
        }
        assert set(ox.parse(store.dump("nq"), format=ox.RdfFormat.N_QUADS)) == expected
        assert sum("ld_dir" in body for body in sent) == 3  # graphs 0 and 1, 2 and 3, the tricky one
        assert not any("Name 0-0" in body or "Zitat" in body for body in sent)
        assert list(folder.iterdir()) == []
        # a full change again: the graph the store holds is replaced, the others dropped
        sent.clear()
        store.apply(Change(graphs={"http://example.org/graph/0": GRAPHS["http://example.org/graph/1"]}, full=True))
        rows = store.select("SELECT ?g ?n WHERE { GRAPH ?g { ?s <http://schema.org/name> ?n } } ORDER BY ?n")
        assert rows == [{"g": "http://example.org/graph/0", "n": f"Name 1-{i} äöü"} for i in range(3)]
        assert store.count() == 3 and any("ld_dir" in body for body in sent)
        # triples added to a graph go by SPARQL Update
        added = "".join(f'<http://example.org/n> <http://schema.org/name> "Neu {n}" .\n' for n in range(3))
        store.apply(Change(add={"http://example.org/graph/0": added}))
        assert store.count() == 6 and store.stored_version() == store.version()
        assert list(folder.iterdir()) == []


def _sent(body: bytes | str | None) -> str:
    """A request's body as text, its form escapes read."""
    text = body.decode("utf-8") if isinstance(body, bytes) else body or ""
    return " ".join(value for _name, value in parse_qsl(text)) if text.startswith("query=") else text


def test_a_bulk_load_virtuoso_may_not_read_changes_nothing(tmp_path: Path) -> None:
    """A folder that is not one of Virtuoso's DirsAllowed: the write is refused naming the reason, the published
    state stays, and the file is removed; a folder Virtuoso could not be given is refused before anything is sent."""
    # outside the test Virtuoso's DirsAllowed (its own folder; it reads /tmp too)
    with tempfile.TemporaryDirectory(dir="/dev/shm") as outside, virtuoso.emptied() as running:
        elsewhere = Path(outside)
        store = in_parts(running, tmp_path, graph_store=False, bulk=elsewhere)
        store.apply(
            Change(
                graphs={
                    "http://example.org/graph/0": GRAPHS["http://example.org/graph/0"].splitlines(keepends=True)[0]
                },
                full=True,
            )
        )
        version = store.version()
        with pytest.raises(StoreError, match="the published state is still served") as refused:
            store.apply(Change(graphs=GRAPHS, full=True, manifest={"n": 2}))
        assert "is denied due to access control in ini file" in str(refused.value)
        assert store.version() == version and list(elsewhere.iterdir()) == []
    for wrong in ("relative/folder", '/srv/"quoted"'):
        with pytest.raises(StoreError, match="PUBLISHER_STORE_BULK"):
            RemoteStore("http://127.0.0.1:9/sparql", tmp_path / "files", bulk=Path(wrong))


def test_a_proxy_the_environment_names_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Queries go to the store through the HTTP proxy the environment names for its host, and straight to it when
    NO_PROXY names the host: the store's own connection pool is used only where no proxy is named. (The proxy here
    forwards bytes, so Virtuoso refuses the proxy's form of the request; what counts is that it went there.)"""
    with virtuoso.emptied() as running:
        address = urlsplit(running.query_url)
        host = address.hostname or "127.0.0.1"
        proxy = Proxy((host, address.port or 80))
        proxy.start()
        # the environment as the proxy's users set it, only while the store is asked (the tests' own requests
        # to Virtuoso read it too)
        with monkeypatch.context() as environment:
            for name in ("NO_PROXY", "no_proxy", "http_proxy"):
                environment.delenv(name, raising=False)
            environment.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
            try:
                with pytest.raises(StoreError):
                    RemoteStore(running.query_url, tmp_path / "files").ask("ASK {}")
                through = proxy.accepted
                assert through >= 1
                environment.setenv("NO_PROXY", host)
                assert RemoteStore(running.query_url, tmp_path / "files").ask("ASK {}") is True
                assert proxy.accepted == through
            finally:
                proxy.stop()


def test_the_bulk_loader_is_refused_for_a_store_that_is_not_virtuoso(
    built: tuple[Config, WritableStore], tmp_path: Path
) -> None:
    """PUBLISHER_STORE_BULK names Virtuoso's loader: a write into another SPARQL store with it set is refused
    before anything is sent, and the local state stays as it was (here the publisher's own endpoint stands for
    the other store)."""
    store_folder = str(built[0].store)
    with serving(store_folder, free_port(), tmp_path / "serve.log") as base:
        other = RemoteStore(base + "/sparql", tmp_path / "files", batch=2, bulk=tmp_path)
        version = other.version()
        with pytest.raises(
            StoreError, match=r"PUBLISHER_STORE_BULK names Virtuoso.s bulk loader, but \S+ is not Virtuoso"
        ):
            other.apply(Change(graphs=GRAPHS, full=True, manifest={"n": 1}))
        assert other.version() == version and other.manifest() is None
        assert list(tmp_path.glob("*.nq")) == []


def test_an_interrupted_write_is_recognised(tmp_path: Path) -> None:
    """A change larger than the batch goes in several requests; when one of them fails, the local state stays,
    the store's marker says a write was interrupted, the next incremental write is refused saying so, and a full
    write puts everything right."""
    with virtuoso.emptied() as running:
        store = in_parts(running, tmp_path, graph_store=False)
        store.apply(Change(graphs=GRAPHS, full=True, manifest={"n": 1}))
        assert store.count() == 12 and store.stored_version() == store.version()
        version = store.version()
        # Virtuoso refuses an integer that is none: the write fails half-way
        broken = {graph: lines.replace("Name", "Neu") for graph, lines in GRAPHS.items()}
        broken["http://example.org/graph/3"] = (
            '<http://example.org/x> <http://schema.org/size> "gross"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
        )
        with pytest.raises(StoreError, match="the published state is still served"):
            store.apply(Change(graphs=broken, full=True, manifest={"n": 2}))
        assert store.version() == version and store.manifest() == {"n": 1}
        assert store.stored_version() == "writing " + version[:-1] + str(int(version[-1]) + 1)
        with pytest.raises(StoreError, match="a build was interrupted while writing"):
            store.apply(Change(add={"http://example.org/graph/1": GRAPHS["http://example.org/graph/2"]}))
        store.apply(Change(graphs=GRAPHS, full=True, manifest={"n": 3}))
        assert store.count() == 12 and store.stored_version() == store.version()
        assert store.manifest() == {"n": 3}
        assert not store.ask('ASK { ?s <http://schema.org/name> ?n FILTER(STRSTARTS(?n, "Neu")) }')


def test_each_request_is_made_while_the_store_works_on_the_one_before(tmp_path: Path) -> None:
    """The requests of a large write go out one at a time and in their order, and the next one is made while the
    store answers the one before: the HTTP library's own hook receives each answer only once the next request has
    been made (a store written request by request, each made after the answer to the one before, fails this). The
    updates go as SPARQL Update bodies; one the store refuses ends the write, and the requests after it are not
    sent."""
    inserts = [
        f"INSERT DATA {{ GRAPH <http://example.org/graph/{n}> {{ <http://example.org/s> <http://schema.org/name> "
        f'"{n}" }} }}'
        for n in range(4)
    ]
    # Virtuoso refuses an integer that is none
    refused = (
        "INSERT DATA { GRAPH <http://example.org/graph/1> { <http://example.org/x> <http://schema.org/size> "
        '"gross"^^<http://www.w3.org/2001/XMLSchema#integer> } }'
    )
    made = [threading.Event() for _ in inserts]
    answered: list[tuple[str, bool]] = []

    def writes(bodies: list[str]) -> Iterator[tuple[str, str, str]]:
        for n, body in enumerate(bodies):
            made[n].set()
            yield ("update", "", body)

    def hook(answer: requests.Response, **_: object) -> None:
        if answer.request.method == "POST":
            following = len(answered) + 1
            waited = following >= len(made) or made[following].wait(10)
            answered.append((str(answer.request.headers["Content-Type"]), waited))

    with virtuoso.emptied() as running:
        store = in_parts(running, tmp_path, graph_store=False)
        store._session.hooks["response"].append(hook)
        store._send(writes(inserts), threading.Event())
        assert answered == [("application/sparql-update; charset=UTF-8", True)] * 4
        assert held(store) == [(f"http://example.org/graph/{n}", str(n)) for n in range(4)]
        running.empty()
        for event in made:
            event.clear()
        answered.clear()
        with pytest.raises(StoreError, match="the published state is still served"):
            store._send(writes([inserts[0], refused, *inserts[2:]]), threading.Event())
        assert len(answered) == 2  # the first request and the refused one; the others were never sent
        assert held(store) == [("http://example.org/graph/0", "0")]


def held(store: RemoteStore) -> list[tuple[str, str]]:
    """The names in the graphs the store holds (those of a write made without a state of the publisher's, which its
    queries would leave out as not its own)."""
    query = "SELECT ?g ?n WHERE { GRAPH ?g { ?s <http://schema.org/name> ?n } } ORDER BY ?g"
    result = store.run(query, everything=True)
    assert isinstance(result, ox.QuerySolutions)
    return [(str(row["g"].value), str(row["n"].value)) for row in result]


def test_a_graph_written_again_with_the_same_content_is_not_sent(tmp_path: Path) -> None:
    """A rebuild that changes nothing in a graph's content (a new version of the extractor, say) sends nothing of
    it: the requests that go out are watched with the HTTP library's own hook."""
    graphs = {"http://example.org/graph/1": '<http://example.org/a> <http://schema.org/name> "%s" .\n' % ("A" * 5000)}
    with virtuoso.emptied() as running:
        store = RemoteStore(
            running.query_url,
            tmp_path / "files",
            update=running.update_url,
            user=running.user,
            password=running.password,
        )
        store.apply(Change(graphs=graphs, full=True, manifest={"n": 1}))
        written = json.loads((store.files_dir().parent / "graphs.json").read_text("utf-8"))  # type: ignore[union-attr]
        assert list(written) == ["http://example.org/graph/1"] and written["http://example.org/graph/1"]
        sent: list[int] = []
        store._session.hooks["response"].append(lambda answer, **_: sent.append(len(answer.request.body or "")))
        store.apply(Change(graphs=graphs, full=True, manifest={"n": 2}))
        assert store.manifest() == {"n": 2} and store.count() == 1
        assert sent and max(sent) < 1000  # the marker and the questions, not the 5,000 characters of the graph


def test_the_command_line_builds_into_virtuoso_and_the_production_server_serves_it(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a user does: the settings in the environment, `publisher build --store URL`, `publisher stats`, then
    `publisher serve --production --store URL`, asked over HTTP, SPARQL included."""
    with virtuoso.emptied() as running:
        environment = {
            "PUBLISHER_STORE_UPDATE": running.update_url,
            "PUBLISHER_STORE_GRAPHS": running.gsp_url,
            "PUBLISHER_STORE_USER": running.user,
            "PUBLISHER_STORE_PASSWORD": running.password,
            "PUBLISHER_STORE_FILES": str(tmp_path / "files"),
        }
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        built = cli_build(runner, seed_data(tmp_path), running.query_url)  # type: ignore[arg-type]
        assert built.exit_code == 0 and "store updated" in built.output, built.output
        stats = run(runner, "stats", "--store", running.query_url, "--format", "json")
        assert stats.exit_code == 0 and json.loads(stats.stdout)["releases"] == 1, stats.output
        with serving(running.query_url, free_port(), tmp_path / "serve.log", "--production", "--workers", "2") as base:
            with urllib.request.urlopen(
                urllib.request.Request(base + path(RELEASE_DOC), headers={"Accept": "text/turtle"})
            ) as answer:
                graph = Graph().parse(data=answer.read(), format="turtle")
            assert len(graph) > 20
            query = quote("SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://schema.org/NewsArticle> }")
            request = urllib.request.Request(
                f"{base}/sparql?query={query}", headers={"Accept": "application/sparql-results+json"}
            )
            with urllib.request.urlopen(request) as answer:
                assert json.loads(answer.read())["results"]["bindings"][0]["n"]["value"] == "1"


@given(st.lists(st.tuples(st.text(), st.text()), max_size=4))
def test_form_bodies_to_the_store_read_back_as_sent(fields: list[tuple[str, str]]) -> None:
    """The store's requests escape only what a form's parser reads specially (and what is not printable ASCII): any
    text, SPARQL's `<`, `{`, `"` and `%` among it, reads back as it was sent."""
    body = _form(fields)
    assert parse_qsl(body.decode("ascii"), keep_blank_values=True) == fields


# Literals SPARQL XML can carry (XML 1.0 has no control characters but tab and line breaks, and reads a carriage
# return as a line break), with white space where a reader might trim it.
XML_LITERALS = [
    '"  leading and trailing  "',
    '"\\n line first and last \\n"@de',
    '"\\ttab\\t"^^<http://example.org/datatype>',
    '"<tag> & \\"quotes\\" \'apostrophes\' ]]>"',
    '""',
    '" "@de-DE',
    '"Straße 😀 "',
    '"' + " Langer Text über die Nachbarschaft. " * 300 + '"',
    '"2025-01-17"^^<http://www.w3.org/2001/XMLSchema#date>',
]


def test_a_store_that_answers_sparql_xml_gives_every_literal_exactly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store that answers queries in SPARQL XML only (Virtuoso asked for nothing else): every literal comes back
    as written, white space at either end included, unbound variables stay unbound, ASK answers both ways, and an
    answer that is not XML 1.0 is refused naming the store, not read wrongly."""
    monkeypatch.setattr(remote, "_RESULTS_ACCEPT", "application/sparql-results+xml")
    lines = "".join(
        f"<http://example.org/x{i}> <http://schema.org/text> {term} .\n" for i, term in enumerate(XML_LITERALS)
    )
    expected = {(t.subject.value, t.object) for t in ox.parse(lines.encode(), format=ox.RdfFormat.N_TRIPLES)}
    with virtuoso.store(tmp_path / "files") as store:
        store.apply(Change(graphs={G1: lines}, full=True))
        result = store.run(
            "SELECT ?s ?text ?none WHERE { ?s <http://schema.org/text> ?text OPTIONAL { ?s <urn:none> ?none } }"
        )
        assert isinstance(result, ox.QuerySolutions)
        assert [v.value for v in result.variables] == ["s", "text", "none"]
        rows = [(row["s"], row["text"], row["none"]) for row in result]
        assert {(s.value, text) for s, text, _none in rows} == expected
        assert all(none is None for _s, _text, none in rows)
        answer = json.loads(store.query("SELECT ?text WHERE { <http://example.org/x0> ?p ?text }", "json"))
        assert answer["results"]["bindings"] == [{"text": {"type": "literal", "value": "  leading and trailing  "}}]
        assert store.ask("ASK { ?s ?p ?o }") is True and store.ask("ASK { ?s <urn:none> ?o }") is False
        store.apply(Change(add={G1: '<http://example.org/c> <http://schema.org/text> "bell \\u0007" .\n'}))
        with pytest.raises(StoreError, match=r"answered with application/sparql-results\+xml that cannot be read"):
            store.select("SELECT ?text WHERE { <http://example.org/c> ?p ?text }")
