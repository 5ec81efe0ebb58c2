"""The timeline (releases per month) and the relationship view: what the pictures show agrees with SPARQL over the
published data, filters narrow it, bad filters are refused, every link in them answers, and the SVG is XML that the
pages' Content-Security-Policy allows."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bench.generate import generate
from publisher.build import build
from publisher.config import load_config
from publisher.ingest.dates import month_names
from publisher.store import Store, WritableStore, open_store
from publisher.web import create_app
from publisher.web.charts import KEPT, charts_of
from tests.conftest import BASE, SEED

SVG = "{http://www.w3.org/2000/svg}"
PREFIXES = "PREFIX schema: <https://schema.org/>\nPREFIX pm: <https://w3id.org/pm-berlin/ontology#>\n"
HTML = {"Accept": "text/html"}
BENN = f"{BASE}id/programm/benn"
BA_TK = f"{BASE}id/organisation/bezirksamt-treptow-koepenick"
TK = f"{BASE}id/bezirk/treptow-koepenick"
#: Synthetic releases (bench/generate.py) built beside the seed, so that months, filters and neighbours differ.
SYNTHETIC = 60


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, Store]]:
    """The seed and SYNTHETIC generated releases, built into a store of this module's own, and an app over it."""
    root = tmp_path_factory.mktemp("charts")
    generate(SYNTHETIC, root / "data")
    shutil.copy(SEED, root / "data" / "releases" / SEED.name)
    config = load_config(environ={}, data_dir=root / "data", store=str(root / "store"), workers=1)
    store = open_store(config.store, writable=True)
    assert isinstance(store, WritableStore)
    report = build(config, store)
    assert report.exit_code == 0, report.text()
    app = create_app(config, open_store(config.store))
    yield app, open_store(config.store)


# ---------------------------------------------------------------- reading what a page shows


def picture(html: str, css_class: str) -> ET.Element:
    """The inline SVG of class ``css_class`` in ``html``, parsed as XML (it must be well-formed)."""
    found = re.search(rf'<svg class="chart {css_class}".*?</svg>', html, re.S)
    assert found, f"no {css_class} picture in the page"
    return ET.fromstring(found.group(0))


MONTHS = {name: number for number, name in enumerate(month_names(), start=1)}


def bars(html: str) -> dict[str, int]:
    """Month ("2024-03") -> releases, read from the timeline's bar titles ("März 2024: 12 Pressemitteilungen")."""
    svg = picture(html, "timeline")
    counts: dict[str, int] = {}
    for rect in svg.iter(f"{SVG}rect"):
        title = rect.findtext(f"{SVG}title") or ""
        found = re.fullmatch(r"(\w+) (\d{4}): ([\d.]+) Pressemitteilung(?:en)?", title)
        assert found, title
        counts[f"{found.group(2)}-{MONTHS[found.group(1)]:02d}"] = int(found.group(3).replace(".", ""))
    return counts


def per_month(store: Store, where: str = "") -> dict[str, int]:
    """Releases per month as SPARQL counts them, with the extra patterns ``where``."""
    rows = store.select(
        f"""{PREFIXES}SELECT ?month (COUNT(DISTINCT ?r) AS ?n) WHERE {{
          ?r a pm:PressRelease ; schema:datePublished ?d . {where}
          BIND(SUBSTR(STR(?d), 1, 7) AS ?month) }} GROUP BY ?month"""
    )
    return {row["month"]: int(row["n"]) for row in rows}


def links(html: str, text: str) -> list[str]:
    """The targets of the links whose text is ``text``."""
    return [m.replace("&amp;", "&") for m in re.findall(rf'<a href="([^"]+)">{re.escape(text)}</a>', html)]


def sparql_rows(client: FlaskClient, href: str) -> list[dict[str, str]]:
    """The rows the SPARQL link ``href`` of a page answers."""
    response = client.get(href, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.data[:300]
    return [{k: v["value"] for k, v in row.items()} for row in response.get_json()["results"]["bindings"]]


def page(client: FlaskClient, path: str, status: int = 200) -> str:
    response = client.get(path, headers=HTML)
    assert response.status_code == status, (path, response.data[:300])
    return response.get_data(as_text=True)


# ---------------------------------------------------------------- the timeline


def test_landing_timeline_counts_every_bundled_release_by_month(client: FlaskClient, app: Flask) -> None:
    html = page(client, "/")
    shown = bars(html)
    store = charts_of(app).store
    total = int(store.select(f"{PREFIXES}SELECT (COUNT(*) AS ?n) WHERE {{ ?r a pm:PressRelease }}")[0]["n"])
    assert sum(shown.values()) == total > 0
    assert shown == per_month(store)
    assert "<title>Januar 2025: 1 Pressemitteilung</title>" in html


def test_landing_timeline_of_generated_releases_matches_sparql(synthetic: tuple[Flask, Store]) -> None:
    app, store = synthetic
    client = app.test_client()
    html = page(client, "/")
    shown = bars(html)
    assert sum(shown.values()) == SYNTHETIC + 1
    assert shown == per_month(store)
    assert len(shown) > 20  # the generated releases spread over years
    svg = picture(html, "timeline")
    assert svg.get("role") == "img"
    labelled = (svg.get("aria-labelledby") or "").split()
    assert [e.get("id") for e in (svg.find(f"{SVG}title"), svg.find(f"{SVG}desc"))] == labelled
    assert {t.text for t in svg.iter(f"{SVG}text")} >= {"2017", "2020", "2025"}  # the years on the axis
    # the text alternative: a table of the same numbers
    table = re.search(r'<table class="numbers">.*?</table>', html, re.S)
    assert table and re.search(rf"<th scope=\"row\">Zusammen</th><td>{SYNTHETIC + 1}</td>", table.group(0))
    # the data link answers the same numbers
    (href,) = links(html, "SPARQL-Abfrage dieser Zahlen")
    assert {row["monat"]: int(row["anzahl"]) for row in sparql_rows(client, href)} == shown


FILTERED = [
    ({"programm": "programm/benn"}, f"?r schema:about|schema:mentions ?t . ?t schema:parentOrganization* <{BENN}> ."),
    (
        {"organisation": "organisation/bezirksamt-treptow-koepenick"},
        f"?r schema:publisher|schema:mentions ?u . ?u schema:parentOrganization* <{BA_TK}> .",
    ),
    ({"gebiet": "bezirk/treptow-koepenick"}, f"?r schema:spatialCoverage ?a . ?a schema:containedInPlace* <{TK}> ."),
    (
        {"gebiet": TK, "programm": BENN},
        f"?r schema:spatialCoverage ?a . ?a schema:containedInPlace* <{TK}> . "
        f"?r schema:about|schema:mentions ?t . ?t schema:parentOrganization* <{BENN}> .",
    ),
]


@pytest.mark.parametrize(("query", "where"), FILTERED, ids=["programme", "organisation", "area", "area+programme"])
def test_filters_narrow_the_landing_timeline_as_sparql_does(
    synthetic: tuple[Flask, Store], query: dict[str, str], where: str
) -> None:
    app, store = synthetic
    client = app.test_client()
    html = page(client, "/?" + "&".join(f"{k}={v}" for k, v in query.items()))
    shown = bars(html)
    assert 0 < sum(shown.values()) < SYNTHETIC + 1
    assert shown == per_month(store, where)
    (href,) = links(html, "SPARQL-Abfrage dieser Zahlen")
    assert {row["monat"]: int(row["anzahl"]) for row in sparql_rows(client, href)} == shown
    (api,) = links(html, "Die Pressemitteilungen in der JSON-API")
    answer = client.get(api)
    assert answer.status_code == 200
    assert answer.get_json()["total"] == sum(shown.values())
    # the form shows the choice it was filtered by
    for name, value in query.items():
        if not value.startswith("http"):
            assert re.search(rf'<option value="{re.escape(value)}" selected>', html), name


def test_every_choice_of_the_filter_form_answers(synthetic: tuple[Flask, Store]) -> None:
    app, _store = synthetic
    client = app.test_client()
    html = page(client, "/")
    form = re.search(r'<form class="filters" method="get" action="/">.*?</form>', html, re.S)
    assert form
    for name in ("programm", "organisation", "gebiet"):
        select = re.search(rf'<select name="{name}">(.*?)</select>', form.group(0), re.S)
        assert select, name
        options = re.findall(r'<option value="([^"]*)"[^>]*>[^<]*\((\d+)\)</option>', select.group(1))
        assert len(options) >= 2, name
        for value, n in options:
            assert sum(bars(page(client, f"/?{name}={value}")).values()) == int(n), (name, value)


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("gebiet=bezirk/nirgendwo", "gebiet"),
        ("programm=organisation/bezirksamt-treptow-koepenick", "programm"),  # an organisation is no programme
        ("organisation=http://example.org/x", "organisation"),
        ("programm=programm/benn&programm=programm/fein", "programm"),
    ],
)
def test_a_bad_filter_is_a_400_in_the_error_shape(client: FlaskClient, query: str, named: str) -> None:
    response = client.get(f"/?{query}", headers={"Accept": "application/json"})
    assert response.status_code == 400
    body = response.get_json()
    assert body["ok"] is False and body["status"] == 400
    assert body["error"].startswith(f"{named}:")
    assert client.get(f"/?{query}", headers=HTML).status_code == 400


def test_an_empty_filter_is_no_filter(client: FlaskClient) -> None:
    assert bars(page(client, "/?programm=&organisation=&gebiet=")) == bars(page(client, "/"))


@pytest.mark.parametrize(
    ("path", "where"),
    [
        ("/doc/programm/benn", FILTERED[0][1]),
        ("/doc/organisation/bezirksamt-treptow-koepenick", FILTERED[1][1]),
        ("/doc/bezirk/treptow-koepenick", FILTERED[2][1]),
    ],
)
def test_resource_pages_show_their_timeline(synthetic: tuple[Flask, Store], path: str, where: str) -> None:
    app, store = synthetic
    client = app.test_client()
    html = page(client, path)
    assert bars(html) == per_month(store, where)
    (href,) = links(html, "Auf der Startseite mit anderen Filtern verbinden")
    assert bars(page(client, href)) == bars(html)


def test_counts_are_kept_per_published_state(synthetic: tuple[Flask, Store]) -> None:
    app, _store = synthetic
    with app.test_request_context("/"):
        charts = charts_of(app)
        version, index = charts.index()
        assert charts.index() == (version, index)  # read once
        values = {"programm": BENN}
        assert charts.timeline(values) is charts.timeline(values)
    assert KEPT > 0


# ---------------------------------------------------------------- the relationship view


@pytest.mark.parametrize(
    "path", ["/doc/organisation/bezirksamt-treptow-koepenick", "/doc/person/oliver-igel", "/doc/programm/benn"]
)
def test_relationship_view_agrees_with_its_query_and_links_answer(synthetic: tuple[Flask, Store], path: str) -> None:
    app, _store = synthetic
    client = app.test_client()
    html = page(client, path)
    svg = picture(html, "relations")
    assert svg.get("role") == "img" and svg.find(f"{SVG}title") is not None and svg.find(f"{SVG}desc") is not None
    table = re.search(r'<table class="numbers relations">.*?</table>', html, re.S)
    assert table
    rows = re.findall(r'<tr><td>([^<]+)</td><td><a href="([^"]+)">([^<]+)</a></td><td>(\d+)</td></tr>', table.group(0))
    assert rows
    kinds = {"Organisationen": "Organisation", "Zitierte Personen": "Person", "Programme": "Programm"}
    kinds["Gebiete"] = "Gebiet"
    (href,) = links(html, "SPARQL-Abfrage der Beziehungen")
    answer = {(row["art"], row["verbunden"]): int(row["pressemitteilungen"]) for row in sparql_rows(client, href)}
    by_kind: dict[str, list[int]] = {}
    for heading, target, _name, count in rows:
        assert client.get(target, headers=HTML).status_code == 200, target
        iri = BASE + "id/" + target.removeprefix("/doc/")
        assert answer[(kinds[heading], iri)] == int(count), (heading, iri)
        by_kind.setdefault(kinds[heading], []).append(int(count))
    for kind, counts in by_kind.items():
        # the most frequent of each kind are shown, most frequent first
        everything = sorted((n for (k, _i), n in answer.items() if k == kind), reverse=True)
        assert counts == everything[: len(counts)], kind
    # the nodes of the picture lead to the same pages as the table
    in_svg = {a.get("href") for a in svg.iter(f"{SVG}a")}
    assert in_svg == {target for _h, target, _n, _c in rows}
    assert BASE + "id/" + path.removeprefix("/doc/") not in {
        i for _k, i in answer
    }  # the resource itself is not its neighbour


def test_person_page_shows_what_they_are_quoted_about(synthetic: tuple[Flask, Store]) -> None:
    app, _store = synthetic
    html = page(app.test_client(), "/doc/person/oliver-igel")
    table = re.search(r'<table class="numbers relations">.*?</table>', html, re.S)
    assert table
    # the programmes and areas of the releases that quote him, the Bezirksamt that publishes them
    assert '<td>Programme</td><td><a href="/doc/programm/benn">' in table.group(0)
    assert re.search(r'<td>Gebiete</td><td><a href="/doc/(ortsteil|quartier|bezirksregion)/', table.group(0))
    assert f'<td>Organisationen</td><td><a href="/doc/{BA_TK.removeprefix(BASE + "id/")}">' in table.group(0)


def test_pages_without_pictures_stay_as_they_were(client: FlaskClient) -> None:
    html = page(client, "/doc/pressemitteilung/2025-01-17-3-bezirkliches-benn-treffen-hat-stattgefunden")
    assert 'class="chart' not in html


# ---------------------------------------------------------------- the Content-Security-Policy


@pytest.mark.parametrize(
    "path",
    ["/", "/?programm=programm/benn", "/doc/organisation/bezirksamt-treptow-koepenick", "/doc/person/oliver-igel"],
)
def test_pictures_keep_the_content_security_policy(synthetic: tuple[Flask, Store], path: str) -> None:
    app, _store = synthetic
    response = app.test_client().get(path, headers=HTML)
    policy = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "default-src 'none'" in policy
    html = response.get_data(as_text=True)
    assert 'class="chart' in html
    assert not re.search(r"<[^>]+\sstyle=", html)  # no inline style attributes, SVG included
    assert not re.search(r"<[^>]+\son[a-z]+=", html)  # no event handlers
    assert not re.search(r"""\ssrc=["'](?:https?:)?//""", html)  # nothing loaded from other hosts


def test_sparql_link_of_a_filter_is_an_ordinary_get(synthetic: tuple[Flask, Store]) -> None:
    app, _store = synthetic
    html = page(app.test_client(), "/?gebiet=bezirk/treptow-koepenick")
    (href,) = links(html, "SPARQL-Abfrage dieser Zahlen")
    parts = urlsplit(href)
    assert parts.path == "/sparql"
    assert f"<{TK}>" in parse_qs(parts.query)["query"][0]
