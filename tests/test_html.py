"""The pages for people: what they show, that they embed their JSON-LD, and that hostile data stays harmless."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from flask.testing import FlaskClient
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from publisher.config import PROJECT_ROOT, Config, load_config
from publisher.store import Change, WritableStore, open_store
from publisher.web import create_app
from tests.conftest import BASE

RELEASE = "/doc/pressemitteilung/2025-01-17-3-bezirkliches-benn-treffen-hat-stattgefunden"


class Page(HTMLParser):
    """What a test needs of a page: links, scripts, the text, and the lang of the document."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.handlers: list[str] = []
        self.lang: str | None = None
        self.text: list[str] = []
        self._href: str | None = None
        self._anchor: list[str] = []
        self._script: dict[str, str | None] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.handlers.extend(name for name in attributes if name.startswith("on"))
        if tag == "html":
            self.lang = attributes.get("lang")
        if tag == "a":
            self._href = attributes.get("href") or ""
            self._anchor = []
        if tag == "script":
            self._script = attributes

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._anchor).strip()))
            self._href = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self.scripts.append((self._script, data))
            self._script = None
            return
        self.text.append(data)
        if self._href is not None:
            self._anchor.append(data)

    @property
    def plain(self) -> str:
        return re.sub(r"\s+", " ", " ".join(self.text))

    def link_to(self, text: str) -> str:
        for href, anchor in self.links:
            if anchor == text:
                return href
        raise AssertionError(f"no link '{text}' among {[a for _h, a in self.links]}")

    def json_ld(self) -> Graph:
        blocks = [body for attrs, body in self.scripts if attrs.get("type") == "application/ld+json"]
        assert len(blocks) == 1
        return Graph().parse(data=blocks[0], format="json-ld")


def page(client: FlaskClient, path: str) -> Page:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, (path, response.status_code)
    assert response.mimetype == "text/html"
    return Page(response.get_data(as_text=True))


def test_landing_page(client: FlaskClient, built: tuple[Config, WritableStore]) -> None:
    landing = page(client, "/")
    assert landing.lang == "de"
    text = landing.plain
    assert "Neueste Pressemitteilungen" in text
    assert "3. Bezirkliches BENN Treffen hat stattgefunden" in text
    assert landing.link_to("3. Bezirkliches BENN Treffen hat stattgefunden") == RELEASE
    # counts per type, each leading to its listing
    assert "Bezirke 12" in text and "Ortsteile 96" in text and "Planungsräume 542" in text
    assert landing.link_to("Bezirke") == "/liste/bezirke"
    assert landing.link_to("Downloads") == "/dumps/"
    assert landing.link_to("JSON-LD-Kontext") == "/context.jsonld"
    assert 'name="q"' in client.get("/").get_data(as_text=True)
    assert (None, None, URIRef("https://schema.org/SearchAction")) in landing.json_ld()


def test_listing_pages(built: tuple[Config, WritableStore]) -> None:
    config, store = built
    client = create_app(config.with_overrides(page_size=20), store).test_client()
    first = page(client, "/liste/planungsraeume")
    assert "542 Einträge, Seite 1 von 28" in first.plain
    names = [anchor for href, anchor in first.links if href.startswith("/doc/planungsraum/")]
    assert len(names) == 20 and names == sorted(names, key=str.lower)
    second = page(client, first.link_to("nächste Seite →"))
    assert "Seite 2 von 28" in second.plain
    more = [anchor for href, anchor in second.links if href.startswith("/doc/planungsraum/")]
    assert not set(names) & set(more)
    assert client.get("/liste/planungsraeume?page=29").status_code == 404
    assert client.get("/liste/unbekannt").status_code == 404


def test_a_press_release_reads_as_an_article(client: FlaskClient) -> None:
    release = page(client, RELEASE)
    text = release.plain
    assert "Pressemitteilung vom 17. Januar 2025" in text
    assert "Am Mittwoch, dem 15. Januar 2025 fand das 3. Bezirkliche Austauschtreffen" in text
    assert "„Unser Bezirk steht für Vielfalt" in text
    assert release.link_to("Oliver Igel") == "/doc/person/oliver-igel"
    assert "Bezirkliche BENN-Koordinatorin" in text  # a quotation by a role the text names
    assert "Pressekontakt" in text and "Alt-Köpenick 21" in text
    assert release.link_to("Bezirksamt Treptow-Köpenick") == "/doc/organisation/bezirksamt-treptow-koepenick"
    assert "Bild: BA-TK" in text
    for label in ("Turtle", "JSON-LD", "N-Triples", "RDF/XML"):
        assert release.link_to(label).startswith(RELEASE + ".")
    html = client.get(RELEASE + ".html").get_data(as_text=True)
    assert '<h1 lang="de">3. Bezirkliches BENN Treffen hat stattgefunden</h1>' in html
    served = Graph().parse(data=client.get(RELEASE + ".ttl").get_data(as_text=True), format="turtle")
    assert isomorphic(release.json_ld(), served)


def test_an_area_shows_parents_children_and_releases(client: FlaskClient) -> None:
    area = page(client, "/doc/bezirksregion/093009")
    text = area.plain
    assert "Bezirksregion" in text and "Altglienicke" in text
    assert area.link_to("Treptow-Köpenick 3") == "/doc/prognoseraum/0930"
    assert area.link_to("Kosmos Viertel") == "/doc/planungsraum/09300922"
    assert "Pressemitteilungen zu diesem Gebiet" in text
    assert area.link_to("3. Bezirkliches BENN Treffen hat stattgefunden") == RELEASE


def test_an_organisation_shows_units_people_contacts_and_releases(client: FlaskClient) -> None:
    office = page(client, "/doc/organisation/bezirksamt-treptow-koepenick")
    text = office.plain
    assert "Untereinheiten" in text
    assert office.link_to("Bezirksamt Treptow-Köpenick, Pressestelle").endswith("/pressestelle")
    assert "Mitglieder und Funktionen" in text
    assert "Oliver Igel (Bezirksbürgermeister, 2011–)" in text
    assert "Herausgegebene Pressemitteilungen" in text
    press = page(client, "/doc/organisation/bezirksamt-treptow-koepenick/pressestelle")
    assert "Alt-Köpenick 21" in press.plain and "12555" in press.plain


def test_search(client: FlaskClient) -> None:
    hits = page(client, "/suche?q=benn+altglienicke")
    assert "1 Pressemitteilung mit „benn altglienicke“" in hits.plain
    assert hits.link_to("3. Bezirkliches BENN Treffen hat stattgefunden") == RELEASE
    assert "0 Pressemitteilungen" in page(client, "/suche?q=gibtesnicht").plain
    assert client.get("/suche?q=" + "x" * 201).status_code == 400


def test_error_pages_for_browsers(client: FlaskClient) -> None:
    response = client.get("/doc/bezirk/nirgendwo", headers={"Accept": "text/html"})
    assert response.status_code == 404
    error = Page(response.get_data(as_text=True))
    assert "Diese Seite gibt es nicht" in error.plain
    assert error.link_to("Zur Startseite") == "/"


# ---------------------------------------------------------------- hostile data

HOSTILE = f"""
@prefix schema: <https://schema.org/> .
@prefix pm: <https://w3id.org/pm-berlin/ontology#> .
<{BASE}id/organisation/boese> a schema:Organization ;
    schema:name "<script>alert('name')</script>"@de ;
    schema:description "\\"</script><script>alert(2)</script><!--" ;
    schema:alternateName "<img src=x onerror=alert(3)>" ;
    schema:url <javascript:alert(1)> ;
    schema:sameAs <data:text/html,%3Cscript%3Ealert(4)%3C/script%3E> , <https://example.org/gut> ;
    schema:areaServed <{BASE}id/ortsteil/köpenick-süd> .
<{BASE}id/ortsteil/köpenick-süd> a pm:Ortsteil ; schema:name "Köpenick-Süd" ;
    schema:containedInPlace <{BASE}id/strasse/alt%20koepenick> .
<{BASE}id/strasse/alt%20koepenick> a pm:Strasse ; schema:name "Alt-Köpenick" .
<{BASE}id/organisation/english> a schema:Organization ; schema:name "Senate Department"@en .
"""


@pytest.fixture(scope="module")
def hostile() -> FlaskClient:
    graph = Graph().parse(data=HOSTILE, format="turtle")
    store = open_store(":memory:", writable=True)
    assert isinstance(store, WritableStore)
    nt = graph.serialize(format="nt")
    store.apply(
        Change(
            graphs={f"{BASE}graph/reference": nt},
            full=True,
            manifest={"built": "2026-01-01T00:00:00Z", "base_uri": BASE},
        )
    )
    config = load_config(environ={}, data_dir=PROJECT_ROOT / "data", store=":memory:")
    return create_app(config, store).test_client()


def test_literals_and_iris_are_rendered_harmless(hostile: FlaskClient) -> None:
    response = hostile.get("/doc/organisation/boese.html")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    rendered = Page(html)
    # the only script element is the JSON-LD, and nothing in it closes it early
    assert len(rendered.scripts) == 1
    assert rendered.scripts[0][0]["type"] == "application/ld+json"
    assert html.count("</script>") == 1
    assert "<img" not in html and rendered.handlers == []
    assert "<script>alert('name')</script>" in rendered.plain  # shown as text
    hrefs = [href for href, _text in rendered.links]
    assert all(not href.lower().startswith(("javascript:", "data:")) for href in hrefs)
    assert "javascript:alert(1)" in rendered.plain  # named, not linked
    assert "https://example.org/gut" in hrefs
    # the embedded JSON-LD still says exactly what the data says
    data = rendered.json_ld()
    node = URIRef(f"{BASE}id/organisation/boese")
    assert (node, URIRef("https://schema.org/description"), Literal('"</script><script>alert(2)</script><!--')) in data
    assert (node, URIRef("https://schema.org/url"), URIRef("javascript:alert(1)")) in data


def test_search_text_is_escaped(hostile: FlaskClient) -> None:
    html = hostile.get("/suche?q=%3Cscript%3Ealert(1)%3C/script%3E").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)" in html


def test_english_data_is_marked_english(hostile: FlaskClient) -> None:
    html = hostile.get("/doc/organisation/english.html").get_data(as_text=True)
    assert '<h1 lang="en">Senate Department</h1>' in html
    assert Page(html).lang == "de"


def test_iris_with_umlauts_and_percent_encoding_round_trip(hostile: FlaskClient) -> None:
    thing = hostile.get("/id/ortsteil/k%C3%B6penick-s%C3%BCd")
    assert thing.status_code == 303
    assert thing.headers["Location"] == "/doc/ortsteil/k%C3%B6penick-s%C3%BCd"
    document = hostile.get(thing.headers["Location"], headers={"Accept": "application/n-triples"})
    assert document.status_code == 200
    assert f"<{BASE}id/ortsteil/köpenick-süd>" in document.get_data(as_text=True)
    # the page of the organisation links to the area by its encoded path, and the link works
    boese = Page(hostile.get("/doc/organisation/boese.html").get_data(as_text=True))
    href = boese.link_to("Köpenick-Süd")
    assert href == "/doc/ortsteil/k%C3%B6penick-s%C3%BCd"
    area = Page(hostile.get(href, headers={"Accept": "text/html"}).get_data(as_text=True))
    # an IRI stored with percent-encoding is found by the path as sent
    street = area.link_to("Alt-Köpenick")
    assert street == "/doc/strasse/alt%20koepenick"
    triples = hostile.get(street + ".nt").get_data(as_text=True)
    assert f"<{BASE}id/strasse/alt%20koepenick>" in triples
    assert hostile.get("/id/strasse/alt%20koepenick").status_code == 303


def test_json_errors_have_one_shape(hostile: FlaskClient) -> None:
    for path in ("/doc/nichts", "/liste/nichts", "/dumps/nichts", "/nichts", "/doc/bezirk/x?page=-1"):
        response = hostile.get(path, headers={"Accept": "application/json"})
        assert response.status_code in (400, 404), path
        body = json.loads(response.data)
        assert body["ok"] is False and body["status"] == response.status_code and body["error"], path
