"""Publishing and withdrawing releases over HTTP (``PUT`` and ``DELETE /publish/releases/<name>``): who may, what
goes through the build, what a refusal leaves behind (nothing), and how the served state follows, through the
Flask test client and through a real ``publisher serve --production``."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import RDF, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SH

from publisher.build import BuildRunningError, build, build_lock
from publisher.config import Config, load_config
from publisher.store import WritableStore, open_store
from publisher.web import create_app
from tests import remote_backend
from tests.conftest import BASE, COUNT, SEED, SEED_NAME, data_folder, free_port, serving

# rdflib's Dataset calls its own deprecated members while parsing quads
pytestmark = pytest.mark.filterwarnings(r"ignore:Dataset\.\w+ is deprecated:DeprecationWarning")

TOKEN = "test-token-0123456789abcdef"
SCHEMA = "https://schema.org/"
TOMBSTONE = URIRef("https://www.w3.org/ns/activitystreams#Tombstone")
TITLE = "Neues Nachbarschaftsbüro in Altglienicke eröffnet"
SLUG = "2025-03-04-neues-nachbarschaftsbuero-in-altglienicke-eroeffnet"
IRI = f"{BASE}id/pressemitteilung/{SLUG}"
BODY = (
    "Am Freitag, dem 7. März 2025, eröffnet das Team von BENN Altglienicke ein neues Nachbarschaftsbüro in der "
    "Pohlestraße. Dort gibt es montags und donnerstags eine offene Sprechstunde für alle Nachbarinnen und Nachbarn."
)


def markdown(title: str = TITLE, publisher: str | None = "Bezirksamt Treptow-Köpenick", body: str = BODY) -> bytes:
    """A release in Markdown with front matter, as a press office writes it."""
    front = f'title: "{title}"\ndate: 2025-03-04\nnumber: "112/2025"\n'
    if publisher:
        front += f'publisher: "{publisher}"\n'
    return f"---\n{front}---\n{body}\n".encode()


#: Conforms to the shapes but for its publisher, which neither the front matter nor the text names.
NO_PUBLISHER = markdown(title="Sprechstunde im Nachbarschaftsbüro", publisher=None)


def auth(token: str = TOKEN, content_type: str = "text/markdown") -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": content_type, "Accept": "application/json"}


@dataclass
class Site:
    """A data folder with the seed release, its store, and an app over it with publishing on."""

    data: Path
    store: Path
    config: Config
    app: Flask

    @property
    def client(self) -> FlaskClient:
        return self.app.test_client()

    @property
    def releases(self) -> Path:
        return self.data / "releases"


def make_site(root: Path, **settings: object) -> Site:
    data = data_folder(root, (SEED_NAME, SEED.read_bytes()))
    store = root / "store"
    given: dict[str, object] = {"publish_token": TOKEN, "ldes_page_size": 100000, **settings}
    config = load_config(environ={}, data_dir=data, store=str(store), workers=1, **given)
    writer = open_store(config.store, writable=True)
    assert isinstance(writer, WritableStore)
    report = build(config, writer)
    assert report.exit_code == 0, report.text()
    return Site(data, store, config, create_app(config, open_store(config.store)))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """Shared by the tests below: each compares the state before and after its own requests."""
    return make_site(tmp_path_factory.mktemp("publish"))


def folder_state(folder: Path) -> dict[str, str]:
    """Every file below ``folder`` by relative path, with a hash of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def served_state(site: Site) -> dict[str, object]:
    """What a refusal must leave as it was: the data folder, the store's current generation and its content, the
    change feed and the dumps as served."""
    client = site.client
    writer = open_store(site.config.store)
    state: dict[str, object] = {
        "data": folder_state(site.data),
        "generation": os.readlink(site.store / "current"),
        "triples": json.loads(writer.query(COUNT))["results"]["bindings"][0]["n"]["value"],
        "manifest": writer.manifest(),
    }
    for path in ("/ldes/0", "/dumps/dataset.nt.gz", "/dumps/dataset.ttl", "/feed.atom"):
        with client.get(path) as response:  # dumps are files: closed after reading
            assert response.status_code == 200, path
            state[path] = hashlib.sha256(response.get_data()).hexdigest()
    return state


def feed(client: FlaskClient) -> Dataset:
    response = client.get("/ldes/0", headers={"Accept": "application/n-quads"})
    assert response.status_code == 200
    dataset = Dataset()
    dataset.parse(data=response.get_data(as_text=True), format="nquads")
    return dataset


def members_of(dataset: Dataset, iri: str) -> dict[URIRef, bool]:
    """The change feed's members that are versions of ``iri``: member -> whether it is a tombstone."""
    members = {s for s, _p, _o, _g in dataset.quads((None, DCTERMS.isVersionOf, URIRef(iri), None))}
    return {
        URIRef(m): any(True for _q in dataset.quads((m, RDF.type, TOMBSTONE, None)))
        for m in members
        if isinstance(m, URIRef)
    }


def turtle_of(client: FlaskClient, location: str) -> Graph:
    response = client.get(location, headers={"Accept": "text/turtle"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/turtle"
    return Graph().parse(data=response.get_data(as_text=True), format="turtle")


# ---------------------------------------------------------------- who may write


def variant(site: Site, **settings: object) -> FlaskClient:
    """A client of another app over the same store and data folder, with other settings."""
    return create_app(site.config.with_overrides(**settings), open_store(site.config.store)).test_client()


def test_writes_are_off_without_a_configured_token(site: Site) -> None:
    client = variant(site, publish_token="")
    before = folder_state(site.data)
    for method in ("put", "delete"):
        response = getattr(client, method)(f"/publish/releases/{SEED_NAME}", data=b"x", headers=auth())
        assert response.status_code == 403
        assert "PUBLISHER_PUBLISH_TOKEN" in response.get_json()["error"]
        assert "off" in response.get_json()["error"]
    assert folder_state(site.data) == before


def test_a_request_without_a_token_gets_401_with_a_bearer_challenge(site: Site) -> None:
    for headers in (
        {"Content-Type": "text/markdown", "Accept": "application/json"},
        {**auth(), "Authorization": "Basic dXNlcjpwYXNz"},
        {**auth(), "Authorization": "Bearer "},
    ):
        response = site.client.put("/publish/releases/neu.md", data=markdown(), headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="publisher"'
        assert response.get_json()["error"] == "publishing needs 'Authorization: Bearer <token>'"
    assert not (site.releases / "neu.md").exists()


@pytest.mark.parametrize("token", ["wrong-token-0123456789abcdef", TOKEN[:-1], TOKEN + "x", TOKEN.upper()])
def test_a_wrong_token_gets_401_invalid_token(site: Site, token: str) -> None:
    before = served_state(site)
    response = site.client.put("/publish/releases/neu.md", data=markdown(), headers=auth(token))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="publisher", error="invalid_token"'
    assert "PUBLISHER_PUBLISH_TOKEN" in response.get_json()["error"]
    response = site.client.delete(f"/publish/releases/{SEED_NAME}", headers=auth(token))
    assert response.status_code == 401
    assert served_state(site) == before


def test_plain_http_is_accepted_from_loopback_only(site: Site) -> None:
    elsewhere = {"REMOTE_ADDR": "203.0.113.7"}
    response = site.client.put("/publish/releases/neu.md", data=markdown(), headers=auth(), environ_base=elsewhere)
    assert response.status_code == 403
    assert "HTTPS" in response.get_json()["error"]
    # over HTTPS the same client gets past the transport and the token (to the next check: the media type)
    response = site.client.put(
        "/publish/releases/neu.md",
        data=markdown(),
        headers=auth(content_type="text/html"),
        environ_base=elsewhere,
        base_url="https://localhost",
    )
    assert response.status_code == 415
    # behind a proxy on this host, what the proxy says about its client counts
    for forwarded, status in (
        ({"X-Forwarded-Proto": "http", "X-Forwarded-For": "203.0.113.7"}, 403),
        # the proxy appends the address its client came from: only that one counts
        ({"X-Forwarded-Proto": "http", "X-Forwarded-For": "127.0.0.1, 203.0.113.7"}, 403),
        ({"X-Forwarded-Proto": "http", "X-Forwarded-For": "127.0.0.1"}, 415),
        ({"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}, 415),
    ):
        headers = {**auth(content_type="text/html"), **forwarded}
        response = site.client.put("/publish/releases/neu.md", data=markdown(), headers=headers)
        assert response.status_code == status, forwarded
    # but a client elsewhere cannot claim HTTPS
    headers = {**auth(content_type="text/html"), "X-Forwarded-Proto": "https"}
    response = site.client.put("/publish/releases/neu.md", data=markdown(), headers=headers, environ_base=elsewhere)
    assert response.status_code == 403
    assert not (site.releases / "neu.md").exists()


def test_a_short_token_is_a_configuration_error() -> None:
    from publisher.errors import ConfigError

    with pytest.raises(ConfigError, match="PUBLISHER_PUBLISH_TOKEN"):
        load_config(environ={"PUBLISHER_PUBLISH_TOKEN": "short"})


# ---------------------------------------------------------------- what is accepted


@pytest.mark.parametrize(
    ("name", "content_type", "status"),
    [
        ("README.md", "text/markdown", 400),
        ("neu.ttl", "text/turtle", 400),
        (".versteckt.md", "text/markdown", 400),
        ("neu.md", "text/plain", 415),
        ("neu.txt", "text/markdown", 415),
        ("neu.md", "", 415),
    ],
)
def test_names_and_media_types_are_checked(site: Site, name: str, content_type: str, status: int) -> None:
    response = site.client.put(f"/publish/releases/{name}", data=markdown(), headers=auth(content_type=content_type))
    assert response.status_code == status, response.get_data(as_text=True)
    assert not (site.releases / name).exists()


def test_a_path_cannot_leave_the_releases_folder(site: Site) -> None:
    before = folder_state(site.data)
    for path in ("/publish/releases/..%2Freference%2Fx.md", "/publish/releases/../reference/x.md"):
        response = site.client.put(path, data=markdown(), headers=auth())
        assert response.status_code in (400, 404, 405), path
    assert folder_state(site.data) == before


def test_a_body_over_the_limit_gets_413(site: Site) -> None:
    client = variant(site, publish_max_body=2048)
    large = markdown(body=BODY + " " + "Weitere Einzelheiten folgen. " * 100)
    assert len(large) > 2048
    response = client.put("/publish/releases/neu.md", data=large, headers=auth())
    assert response.status_code == 413
    assert "PUBLISHER_PUBLISH_MAX_BODY" in response.get_json()["error"]
    assert not (site.releases / "neu.md").exists()


# ---------------------------------------------------------------- publishing and withdrawing


def test_publish_then_serve_then_replace(site: Site) -> None:
    before = members_of(feed(site.client), IRI)
    assert before == {}
    response = site.client.put("/publish/releases/neu.md", data=markdown(), headers=auth())
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["release"] == IRI and body["changed"] is True
    location = response.headers["Location"]
    assert location == f"/doc/pressemitteilung/{SLUG}"
    # the file is in the data folder as sent, and the served app has the release
    assert (site.releases / "neu.md").read_bytes() == markdown()
    graph = turtle_of(site.client, location)
    assert (URIRef(IRI), URIRef(SCHEMA + "headline"), Literal(TITLE, lang="de")) in graph
    assert site.client.get(f"/id/pressemitteilung/{SLUG}").status_code == 303
    assert list(members_of(feed(site.client), IRI).values()) == [False]

    # a new version replaces it: 200, one more member in the change feed
    changed = markdown(body=BODY + " Die Eröffnung beginnt um 15 Uhr.")
    response = site.client.put("/publish/releases/neu.md", data=changed, headers=auth())
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Location"] == location
    assert (site.releases / "neu.md").read_bytes() == changed
    text = turtle_of(site.client, location).value(URIRef(IRI), URIRef(SCHEMA + "articleBody"))
    assert text is not None and "15 Uhr" in str(text)
    assert sorted(members_of(feed(site.client), IRI).values()) == [False, False]

    # the same again publishes nothing new
    response = site.client.put("/publish/releases/neu.md", data=changed, headers=auth())
    assert response.status_code == 200 and response.get_json()["changed"] is False
    assert len(members_of(feed(site.client), IRI)) == 2

    # the next command-line build finds nothing to do
    writer = open_store(site.config.store, writable=True)
    assert isinstance(writer, WritableStore)
    report = build(site.config, writer)
    assert report.exit_code == 0 and not report.written and report.extracted == 0, report.text()

    # withdrawn: gone from the store and the data folder, a tombstone in the change feed
    response = site.client.delete("/publish/releases/neu.md", headers=auth())
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["release"] == IRI
    assert not (site.releases / "neu.md").exists()
    assert site.client.get(location, headers={"Accept": "text/turtle"}).status_code == 410
    assert site.client.get(f"/id/pressemitteilung/{SLUG}").status_code == 410
    members = members_of(feed(site.client), IRI)
    assert sorted(members.values()) == [False, False, True]
    # and once more: there is nothing of that name
    response = site.client.delete("/publish/releases/neu.md", headers=auth())
    assert response.status_code == 404


def test_a_plain_text_release_is_published_too(site: Site) -> None:
    text = SEED.read_text("utf-8")
    response = site.client.put(
        f"/publish/releases/{SEED_NAME}", data=text.encode(), headers=auth(content_type="text/plain")
    )
    # the seed itself, sent again: a replacement that changes nothing
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["changed"] is False
    assert response.headers["Location"].startswith("/doc/pressemitteilung/")


def test_a_non_conforming_release_is_refused_with_the_report_and_changes_nothing(site: Site) -> None:
    before = served_state(site)
    response = site.client.put("/publish/releases/ohne-herausgeber.md", data=NO_PUBLISHER, headers=auth())
    assert response.status_code == 422, response.get_data(as_text=True)
    body = response.get_json()
    assert body["ok"] is False and body["status"] == 422 and "nothing was published" in body["error"]
    violations = [f for f in body["findings"] if f["severity"] == "Violation"]
    assert violations and all(f["source"] == "ohne-herausgeber.md" for f in violations)
    assert "schema:publisher" in {f["path"] for f in violations}

    # the SHACL report, as /validate gives it
    response = site.client.put(
        "/publish/releases/ohne-herausgeber.md", data=NO_PUBLISHER, headers={**auth(), "Accept": "text/turtle"}
    )
    assert response.status_code == 422 and response.mimetype == "text/turtle"
    report = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    node = report.value(None, RDF.type, SH.ValidationReport)
    assert node is not None and report.value(node, SH.conforms) == Literal(False)
    paths = {str(p) for p in report.objects(None, SH.resultPath)}
    assert SCHEMA + "publisher" in paths

    # and the build's report, as the command line prints it
    response = site.client.put(
        "/publish/releases/ohne-herausgeber.md", data=NO_PUBLISHER, headers={**auth(), "Accept": "text/plain"}
    )
    assert response.status_code == 422 and response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert "ohne-herausgeber.md: Violation:" in text and "store unchanged" in text

    assert served_state(site) == before


def test_text_that_is_no_release_is_refused_and_changes_nothing(site: Site) -> None:
    before = served_state(site)
    response = site.client.put("/publish/releases/kaputt.md", data=b"---\ntitle: x\n---\nnur Text\n", headers=auth())
    assert response.status_code == 400
    assert "releases/kaputt.md" in response.get_json()["error"]
    assert str(site.data) not in response.get_json()["error"]  # no server paths in answers
    response = site.client.put("/publish/releases/leer.md", data=b"  \n", headers=auth())
    assert response.status_code == 400
    assert served_state(site) == before


def test_a_second_release_of_the_same_identity_is_refused(site: Site) -> None:
    before = served_state(site)
    response = site.client.put(
        "/publish/releases/doppelt.txt", data=SEED.read_bytes(), headers=auth(content_type="text/plain")
    )
    assert response.status_code == 400
    assert "same press release as" in response.get_json()["error"]
    assert served_state(site) == before


# ---------------------------------------------------------------- one build at a time


def test_publications_at_the_same_time_take_turns(site: Site) -> None:
    names = [f"gleichzeitig-{n}.md" for n in range(3)]
    answers: dict[str, int] = {}

    def publish(name: str, number: int) -> None:
        content = markdown(title=f"Gleichzeitige Mitteilung Nummer {number} aus Altglienicke")
        answers[name] = site.client.put(f"/publish/releases/{name}", data=content, headers=auth()).status_code

    threads = [threading.Thread(target=publish, args=(name, n)) for n, name in enumerate(names)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == dict.fromkeys(names, 201)
    sources = open_store(site.config.store).manifest()["sources"]  # type: ignore[index]
    assert set(names) <= set(sources)
    for name in names:
        assert site.client.delete(f"/publish/releases/{name}", headers=auth()).status_code == 200
    assert not set(names) & set(open_store(site.config.store).manifest()["sources"])  # type: ignore[index]


def test_a_publication_waits_for_a_running_build_then_gets_503(site: Site) -> None:
    client = variant(site, publish_wait=0.3)
    waiting = markdown(title="Warten auf den laufenden Build in Altglienicke")
    writer = open_store(site.config.store, writable=True)
    assert isinstance(writer, WritableStore)
    with build_lock(writer):
        response = client.put("/publish/releases/warten.md", data=waiting, headers=auth())
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "1"
        assert "PUBLISHER_PUBLISH_WAIT" in response.get_json()["error"]
        # and a command-line build meanwhile is refused, not run from the same state
        with pytest.raises(BuildRunningError):
            build(site.config, writer)
    assert not (site.releases / "warten.md").exists()
    response = client.put("/publish/releases/warten.md", data=waiting, headers=auth())
    assert response.status_code == 201
    assert client.delete("/publish/releases/warten.md", headers=auth()).status_code == 200


# ---------------------------------------------------------------- a real production server


def _request(url: str, method: str = "GET", data: bytes | None = None, headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_production_server_publishes_and_withdraws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Several gunicorn workers: publications that arrive at the same time at different workers take turns, and
    every worker serves each new state."""
    site = make_site(tmp_path)
    monkeypatch.setenv("PUBLISHER_PUBLISH_TOKEN", TOKEN)
    monkeypatch.setenv("PUBLISHER_DATA", str(site.data))
    monkeypatch.setenv("PUBLISHER_LDES_PAGE_SIZE", "100000")
    monkeypatch.setenv("PUBLISHER_PUBLISH_MAX_BODY", "4096")
    titles = {f"parallel-{n}.md": f"Parallele Mitteilung Nummer {n} aus Altglienicke" for n in range(3)}
    documents = {name: f"/doc/pressemitteilung/2025-03-04-{slug(title)}" for name, title in titles.items()}
    turtle = {"Accept": "text/turtle"}
    with serving(str(site.store), free_port(), tmp_path / "server.log", "--production", "--workers", "2") as base:
        assert _request(base + documents["parallel-0.md"], headers=turtle) == 404
        unauthorised = _request(base + "/publish/releases/x.md", "PUT", markdown(), {"Content-Type": "text/markdown"})
        assert unauthorised == 401
        # a body sent in chunks, without a length, is read up to the limit and no further
        assert (
            _chunked(base, "/publish/releases/gross.md", [markdown()] + [b"Weitere Einzelheiten folgen. " * 40] * 10)
            == 413
        )

        def publish(name: str) -> int:
            return _request(base + f"/publish/releases/{name}", "PUT", markdown(title=titles[name]), auth())

        def withdraw(name: str) -> int:
            return _request(base + f"/publish/releases/{name}", "DELETE", None, auth())

        with ThreadPoolExecutor(len(titles)) as pool:
            assert list(pool.map(publish, titles)) == [201] * len(titles)
        # every worker serves the new state (several requests reach both)
        for document in documents.values():
            assert {_request(base + document, headers=turtle) for _ in range(6)} == {200}
        with ThreadPoolExecutor(len(titles)) as pool:
            assert list(pool.map(withdraw, titles)) == [200] * len(titles)
        for document in documents.values():
            assert {_request(base + document, headers=turtle) for _ in range(6)} == {410}
        request = urllib.request.Request(base + "/ldes/0", headers={"Accept": "application/n-quads"})
        with urllib.request.urlopen(request, timeout=60) as response:
            dataset = Dataset()
            dataset.parse(data=response.read().decode(), format="nquads")
    for name, document in documents.items():
        iri = BASE + "id/" + document.removeprefix("/doc/")
        assert sorted(members_of(dataset, iri).values()) == [False, True], name
        assert not (site.releases / name).exists()


def _chunked(base: str, path: str, chunks: list[bytes]) -> int:
    """The status of a PUT whose body is sent with chunked transfer encoding (no Content-Length)."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        connection.request("PUT", path, body=iter(chunks), headers=auth(), encode_chunked=True)
        return connection.getresponse().status
    finally:
        connection.close()


def slug(title: str) -> str:
    return title.lower().replace(" ", "-")


def test_a_file_name_that_stands_in_two_folders_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    """releases/ may hold files of one name in several folders; the build knows a release by its file's name, so a
    publication under that name is refused, naming both files, and the data folder and the store stay as they were."""
    site = make_site(tmp_path)
    kept = markdown(title="Sprechstunde in der Pohlestraße").replace(b'"112/2025"', b'"113/2025"')
    (site.releases / "archiv").mkdir()
    (site.releases / "archiv" / "neu.md").write_bytes(kept)
    (site.releases / "neu.md").write_bytes(markdown(title="Erste Fassung"))
    before = (folder_state(site.data), served_state(site))
    for response in (
        site.client.put("/publish/releases/neu.md", data=markdown(title="Zweite Fassung"), headers=auth()),
        site.client.delete("/publish/releases/neu.md", headers=auth()),
    ):
        assert response.status_code == 409, response.get_data(as_text=True)
        message = response.get_json()["error"]
        assert "archiv/neu.md" in message and "rename" in message
    assert (folder_state(site.data), served_state(site)) == before


def test_publishing_into_a_remote_store(tmp_path: Path) -> None:
    """The same publication and withdrawal with the graph in Virtuoso: the release reaches the store and leaves it
    again, and a refused upload leaves the store's triples as they were."""
    data = data_folder(tmp_path, (SEED_NAME, SEED.read_bytes()))
    with remote_backend.emptied() as running:
        config = remote_backend.settings(
            load_config(environ={}, data_dir=data, workers=1, publish_token=TOKEN, ldes_page_size=100000),
            tmp_path / "files",
            running,
        )
        writer = open_store(config.store, writable=True, settings=config)
        assert isinstance(writer, WritableStore)
        assert build(config, writer).exit_code == 0
        client = create_app(config, open_store(config.store, settings=config)).test_client()
        in_store = f"ASK {{ GRAPH ?g {{ <{IRI}> <{SCHEMA}headline> ?h }} }}"

        response = client.put("/publish/releases/neu.md", data=markdown(), headers=auth())
        assert response.status_code == 201, response.get_data(as_text=True)
        assert json.loads(running.query(in_store))["boolean"] is True
        graph = turtle_of(client, response.headers["Location"])
        assert (URIRef(IRI), URIRef(SCHEMA + "headline"), Literal(TITLE, lang="de")) in graph

        triples = running.select(COUNT)
        refused = client.put("/publish/releases/ohne-herausgeber.md", data=NO_PUBLISHER, headers=auth())
        assert refused.status_code == 422, refused.get_data(as_text=True)
        assert running.select(COUNT) == triples

        response = client.delete("/publish/releases/neu.md", headers=auth())
        assert response.status_code == 200, response.get_data(as_text=True)
        assert json.loads(running.query(in_store))["boolean"] is False
        assert client.get(f"/id/pressemitteilung/{SLUG}").status_code == 410
        assert sorted(members_of(feed(client), IRI).values()) == [False, True]
