"""/sitemap.xml and /robots.txt: the sitemap is sitemaps.org XML whose every URL is absolute under the base URI,
has a W3C datetime and answers 200 with HTML; it lists the landing page, every page of every listing and every
resource the listings show, with a release's dateModified; a sitemap index takes over when the pages are too many;
robots.txt keeps crawlers off the endpoints that compute per request and names the sitemap."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.robotparser import RobotFileParser

import pytest
from flask import Flask
from flask.testing import FlaskClient

from publisher.config import Config
from publisher.namespaces import PM, SDO
from publisher.resources import LISTINGS
from publisher.store import WritableStore, open_store
from publisher.web import create_app, discovery
from publisher.web.state import published
from tests.conftest import BASE, SEED_IRI

NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
#: W3C datetime (https://www.w3.org/TR/NOTE-datetime) at the precisions the sitemap uses.
W3C_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$")


def urlset(body: bytes) -> list[tuple[str, str]]:
    """(loc, lastmod) of every URL of a sitemap, checked for the protocol's structure."""
    root = ET.fromstring(body)
    assert root.tag == f"{NS}urlset"
    found = []
    for url in root:
        assert url.tag == f"{NS}url"
        assert {child.tag for child in url} == {f"{NS}loc", f"{NS}lastmod"}
        loc, lastmod = url.findtext(f"{NS}loc"), url.findtext(f"{NS}lastmod")
        assert loc is not None and lastmod is not None
        assert loc.startswith(BASE), loc
        assert W3C_DATETIME.match(lastmod), lastmod
        found.append((loc, lastmod))
    assert len(found) <= 50_000
    return found


def local(url: str) -> str:
    return "/" + url.removeprefix(BASE)


@pytest.fixture(scope="module")
def entries(app: Flask) -> list[tuple[str, str]]:
    response = app.test_client().get("/sitemap.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    return urlset(response.data)


def listed(app: Flask) -> set[str]:
    """Every resource the listings show, read page by page as a person would."""
    with app.app_context():
        resources = published(app).resources
        found: set[str] = set()
        for slug in LISTINGS:
            page = resources.listing(slug, 1, 1000)
            for number in range(1, page.pages + 1):
                found |= {item["s"] for item in resources.listing(slug, number, 1000).items}
    return found


def test_the_sitemap_lists_every_page_once(app: Flask, entries: list[tuple[str, str]]) -> None:
    locs = [loc for loc, _lastmod in entries]
    assert len(locs) == len(set(locs))
    assert BASE in locs
    resources = {loc for loc in locs if loc.startswith(f"{BASE}doc/")}
    expected = {iri.replace(f"{BASE}id/", f"{BASE}doc/", 1) + ".html" for iri in listed(app)}
    assert resources == expected
    with app.app_context():
        counts = published(app).resources.counts()
        size = published(app).config.page_size
    listings = {loc for loc in locs if loc.startswith(f"{BASE}liste/")}
    assert len(listings) == sum(-(-n // size) for n in counts.values() if n)
    services = {f"{BASE}{path.lstrip('/')}" for path in discovery.SERVICE_PAGES}
    assert services <= set(locs)
    assert len(locs) == 1 + len(services) + len(listings) + len(resources)


def test_every_url_answers_with_html(client: FlaskClient, entries: list[tuple[str, str]]) -> None:
    for loc, _lastmod in entries:
        response = client.get(local(loc))
        assert response.status_code == 200, loc
        assert response.mimetype == "text/html", loc


def test_lastmod_is_the_release_modification_or_the_build(
    entries: list[tuple[str, str]], built: tuple[Config, WritableStore]
) -> None:
    store = built[1]
    build_time = (store.manifest() or {})["built"]
    modified = {
        row["s"]: row["m"]
        for row in store.select(f"SELECT ?s ?m WHERE {{ ?s a <{PM.PressRelease}> ; <{SDO.dateModified}> ?m }}")
    }
    assert modified, "the bundled releases state when they were modified"
    by_loc = dict(entries)
    seed = by_loc[SEED_IRI.replace("/id/", "/doc/", 1) + ".html"]
    assert seed == modified[SEED_IRI][:10]
    for iri, date in modified.items():
        assert by_loc[iri.replace("/id/", "/doc/", 1) + ".html"].startswith(date[:10])
    assert by_loc[BASE] == build_time
    others = [lastmod for loc, lastmod in entries if "/pressemitteilung/" not in loc]
    assert set(others) == {build_time}


def test_many_pages_make_a_sitemap_index(
    built: tuple[Config, WritableStore], entries: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With more URLs than one sitemap may hold, /sitemap.xml is an index of parts that together list them all."""
    config, _store = built
    monkeypatch.setattr(discovery, "URLS_PER_SITEMAP", 100)
    client = create_app(config, open_store(config.store)).test_client()
    index = ET.fromstring(client.get("/sitemap.xml").data)
    assert index.tag == f"{NS}sitemapindex"
    parts = [sitemap.findtext(f"{NS}loc") or "" for sitemap in index]
    assert parts == [f"{BASE}sitemap-{n}.xml" for n in range(1, -(-len(entries) // 100) + 1)]
    for sitemap in index:
        assert W3C_DATETIME.match(sitemap.findtext(f"{NS}lastmod") or "")
    together: list[tuple[str, str]] = []
    for part in parts:
        response = client.get(local(part))
        assert response.status_code == 200
        listed_here = urlset(response.data)
        assert len(listed_here) <= 100
        together += listed_here
    assert together == entries
    beyond = client.get(f"/sitemap-{len(parts) + 1}.xml")
    assert beyond.status_code == 404 and f"/sitemap-{len(parts)}.xml" in beyond.text
    assert client.get("/sitemap-0.xml").status_code == 404


def test_without_an_index_there_are_no_parts(client: FlaskClient) -> None:
    response = client.get("/sitemap-1.xml")
    assert response.status_code == 404
    assert "/sitemap.xml" in response.text


def test_robots_txt(client: FlaskClient) -> None:
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert f"Sitemap: {BASE}sitemap.xml" in response.text.splitlines()
    robots = RobotFileParser()
    robots.parse(response.text.splitlines())
    for allowed in ("/", "/liste/personen", SEED_IRI.replace(BASE, "/").replace("/id/", "/doc/"), "/sitemap.xml"):
        assert robots.can_fetch("Googlebot", allowed), allowed
    assert robots.can_fetch("Googlebot", "/sparql")
    for refused in (
        "/sparql?query=ASK%7B%7D",
        "/fragments?subject=x",
        "/fragments",
        "/api/pressemitteilungen",
        "/suche?q=BENN",
    ):
        assert not robots.can_fetch("Googlebot", refused), refused
