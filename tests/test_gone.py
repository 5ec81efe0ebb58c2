"""What was published and is no longer answers 410 Gone: a release whose file was removed (or that was withdrawn over
HTTP) and an entity the data no longer describes, at its IRI and at its document in every format, saying when the
change feed records its removal. What was never published stays 404; what is published again answers 200 again.
Real builds through the command line in folders of the tests' own, served by the app's test client."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from publisher.build import build
from publisher.config import Config, load_config
from publisher.ldes import LOG_NAME, ChangeLog, write_log
from publisher.store import WritableStore, open_store
from publisher.web import create_app
from tests import remote_backend as virtuoso
from tests.conftest import BASE, SEED, SEED_IRI, SEED_NAME, add_area, cli_build, data_folder

NAME = "neues-buero.md"
SLUG = "2025-03-04-neues-nachbarschaftsbuero-in-altglienicke-eroeffnet"
IRI = f"{BASE}id/pressemitteilung/{SLUG}"
RELEASE = (
    '---\ntitle: "Neues Nachbarschaftsbüro in Altglienicke eröffnet"\ndate: 2025-03-04\nnumber: "112/2025"\n'
    'publisher: "Bezirksamt Treptow-Köpenick"\n---\n'
    "Am Freitag, dem 7. März 2025, eröffnet das Team von BENN Altglienicke ein neues Nachbarschaftsbüro in der "
    "Pohlestraße. Dort gibt es montags und donnerstags eine offene Sprechstunde für alle Nachbarinnen und Nachbarn.\n"
)
#: A curated area (tests.conftest.add_area), and an entity the build mints from the release above.
AREA = f"{BASE}id/quartier/neues-testgebiet"
STREET = f"{BASE}id/strasse/pohlestrasse"
NEVER = f"{BASE}id/pressemitteilung/2025-03-05-nie-veroeffentlicht"
TOKEN = "gone-test-token-0123456789"

TOMBSTONE = "https://www.w3.org/ns/activitystreams#Tombstone"
IS_VERSION_OF = "http://purl.org/dc/terms/isVersionOf"
GENERATED = "http://www.w3.org/ns/prov#generatedAtTime"
TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
STATUS_CODE = URIRef("http://www.w3.org/2011/http#statusCodeValue")
DESCRIPTION = URIRef("https://schema.org/description")
MONTHS = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November")
MONTHS += ("Dezember",)
#: The document's suffixes and the media type each answers with.
SUFFIXES = {
    ".ttl": "text/turtle",
    ".jsonld": "application/ld+json",
    ".nt": "application/n-triples",
    ".rdf": "application/rdf+xml",
    ".html": "text/html",
}


@dataclass
class Site:
    """A data folder, the store the command line built from it, and the app serving that store."""

    root: Path
    config: Config
    app: Flask

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def store(self) -> Path:
        return self.root / "store"

    @property
    def client(self) -> FlaskClient:
        return self.app.test_client()

    def build(self) -> None:
        result = cli_build(CliRunner(), self.data, self.store)
        assert result.exit_code == 0, result.output

    def publish(self) -> None:
        """The release and the area back into the data folder, and built."""
        (self.data / "releases" / NAME).write_text(RELEASE, "utf-8")
        add_area(self.data)
        self.build()

    def withdraw(self) -> None:
        """The release's file and the area's out of the data folder, and built."""
        (self.data / "releases" / NAME).unlink()
        (self.data / "reference" / "areas-extra.ttl").unlink()
        self.build()


def serve(root: Path, **settings: object) -> Site:
    config = load_config(
        environ={}, data_dir=root / "data", store=str(root / "store"), workers=1, ldes_page_size=100000, **settings
    )
    return Site(root, config, create_app(config, open_store(config.store)))


@pytest.fixture(scope="module")
def withdrawn(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """The seed and the release published with the area, then both files removed and built again. Read-only: a
    test that builds again works on a copy (``copy_of``)."""
    root = tmp_path_factory.mktemp("gone")
    data_folder(root, (SEED_NAME, SEED.read_bytes()), (NAME, RELEASE))
    add_area(root / "data")
    site = serve(root)
    site.build()
    for iri in (IRI, AREA, STREET):
        assert site.client.get(path_of(iri)).status_code == 303, iri
    site.withdraw()
    return site


def copy_of(site: Site, root: Path, **settings: object) -> Site:
    shutil.copytree(site.root, root, symlinks=True)
    return serve(root, **settings)


def path_of(iri: str) -> str:
    return iri.removeprefix(BASE.rstrip("/"))


def doc_of(iri: str) -> str:
    return path_of(iri).replace("/id/", "/doc/", 1)


def history(client: FlaskClient, iri: str) -> list[tuple[str, bool]]:
    """What the change feed says of ``iri``: (time, whether a tombstone) of each of its members, oldest first."""
    response = client.get("/ldes/0", headers={"Accept": "application/n-quads"})
    assert response.status_code == 200
    by_member: dict[str, dict[str, str]] = {}
    for quad in ox.parse(response.get_data(), format=ox.RdfFormat.N_QUADS):
        if isinstance(quad.graph_name, ox.DefaultGraph):
            by_member.setdefault(str(quad.subject), {})[quad.predicate.value] = quad.object.value
    members = [m for m in by_member.values() if m.get(IS_VERSION_OF) == iri]
    return sorted((m[GENERATED], m.get(TYPE) == TOMBSTONE) for m in members)


def removed_at(client: FlaskClient, iri: str) -> str:
    """The time of ``iri``'s tombstone, which must be its last member."""
    members = history(client, iri)
    assert members and members[-1][1], members
    return members[-1][0]


def german(time: str) -> str:
    """A time of the change feed as a date in German, in Berlin."""
    at = datetime.strptime(time, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).astimezone(ZoneInfo("Europe/Berlin"))
    return f"{at.day}. {MONTHS[at.month - 1]} {at.year}"


def assert_gone_in_html(response_text: str, iri: str, time: str, sentence: str) -> None:
    assert "Diese Seite gibt es nicht mehr" in response_text
    assert re.search(rf'<time datetime="{time}">{re.escape(german(time))}, \d\d:\d\d Uhr</time>', response_text)
    assert sentence in response_text
    assert f"<code>{iri}</code>" in response_text
    assert 'href="/ldes"' in response_text


def assert_gone(client: FlaskClient, iri: str, time: str, what: str, sentence: str) -> None:
    """``iri`` and its document answer 410 in every format, saying when (``time``), ``what`` happened (English) and,
    on the page, ``sentence`` (German)."""
    for path in (path_of(iri), doc_of(iri)):
        for accept, media_type in (
            ("text/html,application/xhtml+xml,*/*;q=0.8", "text/html"),
            ("text/turtle", "text/turtle"),
            ("application/ld+json", "application/ld+json"),
        ):
            response = client.get(path, headers={"Accept": accept})
            assert response.status_code == 410, (path, accept, response.status_code)
            assert response.mimetype == media_type, (path, accept)
            assert response.headers["Cache-Control"] == "no-store"
            assert "Accept" in response.headers["Vary"]
            check_body(response.get_data(as_text=True), media_type, iri, time, what, sentence)
    for suffix, media_type in SUFFIXES.items():
        response = client.get(doc_of(iri) + suffix, headers={"Accept": "text/html"})
        assert response.status_code == 410, suffix
        assert response.mimetype == media_type, suffix
        check_body(response.get_data(as_text=True), media_type, iri, time, what, sentence)
    head = client.head(doc_of(iri))
    assert head.status_code == 410 and not head.get_data()


def check_body(body: str, media_type: str, iri: str, time: str, what: str, sentence: str) -> None:
    if media_type == "text/html":
        assert_gone_in_html(body, iri, time, sentence)
        return
    if media_type == "application/ld+json":
        document = json.loads(body)
        assert document["ok"] is False and document["status"] == 410
        message = document["error"]
    else:
        graph = Graph().parse(data=body, format={"text/turtle": "turtle"}.get(media_type, media_type))
        assert len(set(graph.subjects(STATUS_CODE, Literal(410, datatype=XSD.int)))) == 1
        [message] = [str(description) for description in graph.objects(None, DESCRIPTION)]
    assert iri in message and what in message and time in message and f"{BASE}ldes" in message, message


def test_a_withdrawn_release_answers_410_saying_when(withdrawn: Site) -> None:
    client = withdrawn.client
    time = removed_at(client, IRI)
    assert_gone(client, IRI, time, "withdrawn", "Diese Pressemitteilung wurde am")
    page = client.get(doc_of(IRI) + ".html").get_data(as_text=True)
    assert "zurückgezogen" in page
    # the change feed the page links to has the tombstone, and the member the message names is that tombstone
    statement = client.get(doc_of(IRI) + ".ttl").get_data(as_text=True)
    member = re.search(rf"{re.escape(BASE)}ldes/member/\S+?(?=\))", statement)
    assert member is not None
    answer = client.get(path_of(member.group()), headers={"Accept": "application/n-quads"})
    assert answer.status_code == 200
    said = {(q.predicate.value, q.object.value) for q in ox.parse(answer.get_data(), format=ox.RdfFormat.N_QUADS)}
    assert {(TYPE, TOMBSTONE), (IS_VERSION_OF, IRI), (GENERATED, time)} <= said


def test_removed_entities_answer_410(withdrawn: Site) -> None:
    client = withdrawn.client
    for iri in (AREA, STREET):  # a curated area, and a street only the removed release named
        time = removed_at(client, iri)
        assert_gone(client, iri, time, "removed from the data", "Dieser Eintrag wurde am")
        assert "aus den Daten entfernt" in client.get(doc_of(iri) + ".html").get_data(as_text=True)


def test_what_was_never_published_answers_404_and_the_rest_is_served(withdrawn: Site) -> None:
    client = withdrawn.client
    assert history(client, NEVER) == []
    for path in (path_of(NEVER), doc_of(NEVER), doc_of(NEVER) + ".html", path_of(f"{BASE}id/quartier/nie-da")):
        for accept in ("text/html", "text/turtle", "application/ld+json"):
            response = client.get(path, headers={"Accept": accept})
            assert response.status_code == 404, (path, accept)
            assert "zurückgezogen" not in response.get_data(as_text=True)
    assert client.get(path_of(SEED_IRI)).status_code == 303
    assert client.get(doc_of(SEED_IRI), headers={"Accept": "text/turtle"}).status_code == 200


def test_published_again_it_answers_200_and_withdrawn_again_410(withdrawn: Site, tmp_path: Path) -> None:
    site = copy_of(withdrawn, tmp_path / "site")
    first = removed_at(site.client, IRI)
    site.publish()
    client = site.client
    for iri in (IRI, AREA, STREET):
        assert history(client, iri)[-1][1] is False, iri
        assert client.get(path_of(iri)).status_code == 303, iri
        for suffix in SUFFIXES:
            response = client.get(doc_of(iri) + suffix)
            assert response.status_code == 200, (iri, suffix)
    assert "Neues Nachbarschaftsbüro" in client.get(doc_of(IRI) + ".html").get_data(as_text=True)
    # withdrawn once more: the newer tombstone is the one the answer names
    site.withdraw()
    again = removed_at(site.client, IRI)
    assert again > first
    assert [gone for _time, gone in history(site.client, IRI)] == [False, True, False, True]
    assert_gone(site.client, IRI, again, "withdrawn", "Diese Pressemitteilung wurde am")


def test_a_release_withdrawn_over_http_answers_410(withdrawn: Site, tmp_path: Path) -> None:
    site = copy_of(withdrawn, tmp_path / "site", publish_token=TOKEN)
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
    published = site.client.put(
        f"/publish/releases/{NAME}", data=RELEASE.encode(), headers={**headers, "Content-Type": "text/markdown"}
    )
    assert published.status_code == 201, published.get_data(as_text=True)
    assert site.client.get(path_of(IRI)).status_code == 303
    withdrawal = site.client.delete(f"/publish/releases/{NAME}", headers=headers)
    assert withdrawal.status_code == 200, withdrawal.get_data(as_text=True)
    assert_gone(site.client, IRI, removed_at(site.client, IRI), "withdrawn", "Diese Pressemitteilung wurde am")


def test_a_remote_store_answers_410_too(tmp_path: Path) -> None:
    """The change feed lives in the remote store's local folder: a release removed from Virtuoso is gone too."""
    data = data_folder(tmp_path, (SEED_NAME, SEED.read_bytes()), (NAME, RELEASE))
    config = load_config(environ={}, data_dir=data, workers=1, ldes_page_size=100000)
    with virtuoso.emptied() as running:
        settings = virtuoso.settings(config, tmp_path / "files", running)
        store = open_store(settings.store, writable=True, settings=settings)
        assert isinstance(store, WritableStore)
        client = create_app(settings, open_store(settings.store, settings=settings)).test_client()
        assert build(settings, store).exit_code == 0
        assert client.get(path_of(IRI)).status_code == 303
        (data / "releases" / NAME).unlink()
        report = build(settings, store)
        assert report.exit_code == 0, report.text()
        assert_gone(client, IRI, removed_at(client, IRI), "withdrawn", "Diese Pressemitteilung wurde am")
        assert client.get(path_of(NEVER)).status_code == 404
        assert client.get(doc_of(SEED_IRI), headers={"Accept": "text/turtle"}).status_code == 200


def test_the_lookup_uses_the_index_of_iris(tmp_path: Path) -> None:
    """However long the log, whether an IRI is gone is one search in the index, never a scan of the members."""
    releases = {f"{BASE}id/pressemitteilung/r{n}": f"k{n}" for n in range(3000)}
    texts = {key: f'<{iri}> <{DESCRIPTION}> "{key}" .\n' for iri, key in releases.items()}
    first = tmp_path / "1" / LOG_NAME
    write_log(first, releases, lambda keys: {k: texts[k] for k in keys})
    second = tmp_path / "2" / LOG_NAME
    kept = dict(list(releases.items())[1:])
    write_log(second, kept, lambda keys: {k: texts[k] for k in keys}, previous=first)
    log = ChangeLog(second)
    statements: list[str] = []
    log.db.set_trace_callback(statements.append)
    try:
        found = log.tombstone([NEVER, f"{BASE}id/pressemitteilung/r1", f"{BASE}id/pressemitteilung/r0"])
        assert log.tombstone([NEVER, f"{BASE}id/pressemitteilung/r1"]) is None
    finally:
        log.db.set_trace_callback(None)
    assert found is not None and found.release == f"{BASE}id/pressemitteilung/r0" and found.nt is None
    assert statements
    with closing(sqlite3.connect(second)) as db:
        for statement in set(statements):
            plan = " ".join(str(row[-1]) for row in db.execute(f"EXPLAIN QUERY PLAN {statement}"))
            assert "USING INDEX" in plan or "USING COVERING INDEX" in plan, plan
            assert "SCAN" not in plan, plan
    log.close()
