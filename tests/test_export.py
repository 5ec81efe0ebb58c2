"""The static export (`publisher export-site`) served by nginx answers like the app: for a sample of URIs and the
Accept headers real clients send, the same status, Location, Content-Type, Vary, Link, Content-Location,
Cache-Control, Last-Modified and CORS headers, and the same body (bytes, or for RDF the same graph). Needs nginx
(Debian: nginx-light), which CI installs."""

from __future__ import annotations

import html
import http.client
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from flask import Flask
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from publisher.config import Config
from publisher.export import CURRENT, DYNAMIC, ExportReport, export_site, resource_iris
from publisher.geo import PLACE_CLASSES
from publisher.store import WritableStore, open_store
from publisher.web import create_app
from publisher.web.deploy import nginx_standalone
from tests.conftest import BASE, SEED_IRI, free_port, run

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)

if NGINX is None and os.environ.get("PUBLISHER_REQUIRE_NGINX"):
    pytest.fail("nginx is required here (PUBLISHER_REQUIRE_NGINX) but not installed", pytrace=False)

RELEASE = SEED_IRI.removeprefix(BASE + "id/")
#: What real clients send.
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
ACCEPTS = {
    "none": None,
    "curl": "*/*",
    "browser": BROWSER,
    "turtle": "text/turtle",
    "json-ld": "application/ld+json",
    "n-triples": "application/n-triples",
    "rdf/xml": "application/rdf+xml",
    "json": "application/json",
    "rdflib turtle": "text/turtle, application/x-turtle, */*;q=0.1",
    "rdflib json-ld": "application/ld+json, application/json;q=0.9, */*;q=0.1",
    "rdflib rdf/xml": "application/rdf+xml, */*;q=0.1",
    "rdflib any": "application/rdf+xml, text/n3, text/turtle, application/n-triples, application/ld+json",
    "q-values": "text/html;q=0.5, text/turtle;q=0.9",
}
#: A sample of paths: documents (one of them paged), things, graphs, pages, the data as a whole, feeds, dumps.
PATHS = (
    f"/doc/{RELEASE}",
    f"/doc/{RELEASE}.jsonld",
    "/doc/bezirk/treptow-koepenick",
    "/doc/bezirk/treptow-koepenick?page=2",
    "/doc/bezirk/treptow-koepenick.nt?page=2",
    "/doc/organisation/bezirksamt-treptow-koepenick/pressestelle",
    f"/id/{RELEASE}",
    "/id/bezirk/treptow-koepenick?page=2",
    "/graph/reference",
    "/",
    "/liste/bezirke",
    "/liste/ortsteile?page=2",
    "/catalog",
    "/catalog?page=2",
    "/catalog.rdf",
    "/.well-known/void",
    "/shapes",
    "/shapes/PressRelease",
    "/ontology.ttl",
    "/ldes",
    "/ldes/0",
    "/feed.atom",
    "/sitemap.xml",
    "/robots.txt",
    "/context.jsonld",
    "/dumps/",
    "/dumps/dataset.ttl",
    "/dumps/dataset.nt.gz",
)
#: Places (a paged Bezirk, a Prognoseraum with an outline of its own, a Planungsraum drawn with the outline of the
#: area containing it, Berlin with no outline) in GeoJSON and their other formats, and documents that are no place.
PLACE_PATHS = (
    "/doc/bezirk/treptow-koepenick",
    "/doc/bezirk/treptow-koepenick.geojson",
    "/doc/bezirk/treptow-koepenick.geojson?page=2",
    "/doc/bezirk/treptow-koepenick?page=2",
    "/doc/prognoseraum/0930",
    "/doc/prognoseraum/0930.geojson",
    "/doc/prognoseraum/0930.html",
    "/doc/planungsraum/09300920.geojson",
    "/doc/stadt/berlin",
    "/doc/stadt/berlin.geojson",
    "/id/prognoseraum/0930",
    f"/doc/{RELEASE}",
    f"/doc/{RELEASE}.geojson",
    "/doc/organisation/bezirksamt-treptow-koepenick.geojson",
)
#: What GIS clients send, and GeoJSON weighed against the other formats.
PLACE_ACCEPTS = {
    "none": None,
    "curl": "*/*",
    "browser": BROWSER,
    "geojson": "application/geo+json",
    "geojson client": "application/geo+json, application/json;q=0.9, */*;q=0.1",
    "geojson and turtle": "application/geo+json, text/turtle",
    "geojson over html": "text/html;q=0.9, application/geo+json",
    "turtle over geojson": "application/geo+json;q=0.5, text/turtle",
    "json": "application/json",
}
#: Headers the export must send as the app does.
SAME = (
    "Location",
    "Content-Type",
    "Vary",
    "Link",
    "Content-Location",
    "Last-Modified",
    "Access-Control-Allow-Origin",
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
)
RDF_TYPES = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/trig": "trig",
    "application/n-quads": "nquads",
}


@dataclass
class Exported:
    folder: Path
    app: Flask
    report: ExportReport
    url: str


def small_pages(config: Config) -> Config:
    """Pages short enough that the bundled data has paged documents, listings and a paged catalogue."""
    return config.with_overrides(page_size=5, catalog_page_size=1)


@pytest.fixture(scope="module")
def exported(built: tuple[Config, WritableStore], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exported]:
    if NGINX is None:
        pytest.skip("nginx is not installed (Debian: apt-get install nginx-light)")
    config = small_pages(built[0])
    # nginx's workers run as another user when nginx is started by root: their folders must be theirs to enter
    folder = Path(tempfile.mkdtemp(prefix="publisher-export-"))
    folder.chmod(0o755)
    port = free_port()
    store = open_store(config.store)
    report = export_site(config, store, folder / "site", listen=f"127.0.0.1:{port}")
    server = (folder / "site" / "nginx.conf").read_text("utf-8")
    (folder / "nginx.conf").write_text(nginx_standalone(folder, server), "utf-8")
    subprocess.run([NGINX, "-c", str(folder / "nginx.conf")], check=True)
    try:
        yield Exported(folder / "site", create_app(config, store), report, f"127.0.0.1:{port}")
    finally:
        subprocess.run([NGINX, "-c", str(folder / "nginx.conf"), "-s", "stop"], check=False)
        shutil.rmtree(folder, ignore_errors=True)


def from_nginx(address: str, path: str, accept: str | None) -> tuple[int, dict[str, str], bytes]:
    host, port = address.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", path, headers={"Accept": accept} if accept else {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def from_app(app: Flask, path: str, accept: str | None) -> tuple[int, dict[str, str], bytes]:
    response = app.test_client().get(path, headers={"Accept": accept} if accept else {})
    try:
        return response.status_code, dict(response.headers), response.get_data()
    finally:
        response.close()


def parsed(body: bytes, media_type: str) -> Graph:
    rdf_format = RDF_TYPES[media_type]
    graph: Graph = Dataset() if rdf_format in ("trig", "nquads") else Graph()
    graph.parse(data=body, format=rdf_format)
    return graph


def assert_same_body(app_body: bytes, static_body: bytes, content_type: str) -> None:
    media_type = content_type.split(";")[0]
    if app_body == static_body or media_type not in RDF_TYPES:
        assert static_body == app_body
        return
    # blank node labels may differ between two serialisations of one graph
    app_graph, static_graph = parsed(app_body, media_type), parsed(static_body, media_type)
    if isinstance(app_graph, Dataset):
        assert sorted(map(str, app_graph.quads())) == sorted(map(str, static_graph.quads()))
    else:
        assert isomorphic(app_graph, static_graph)


def cache_control(headers: dict[str, str]) -> set[str]:
    return {part.strip() for part in headers.get("Cache-Control", "").split(",") if part.strip()}


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("client", list(ACCEPTS))
def test_the_export_answers_like_the_app(exported: Exported, path: str, client: str) -> None:
    assert_answers_like_the_app(exported, path, ACCEPTS[client])


@pytest.mark.parametrize("path", PLACE_PATHS)
@pytest.mark.parametrize("client", list(PLACE_ACCEPTS))
def test_places_answer_in_geojson_like_the_app(exported: Exported, path: str, client: str) -> None:
    assert_answers_like_the_app(exported, path, PLACE_ACCEPTS[client])


def assert_answers_like_the_app(exported: Exported, path: str, accept: str | None) -> None:
    status, app_headers, app_body = from_app(exported.app, path, accept)
    static_status, headers, body = from_nginx(exported.url, path, accept)
    assert static_status == status, body[:300]
    assert headers.get("Vary") == app_headers.get("Vary")
    assert headers.get("Access-Control-Allow-Origin") == "*"
    if status == 303:
        assert headers["Location"] == app_headers["Location"]
        assert cache_control(headers) == cache_control(app_headers) != set()  # a cache in front may keep it
        return
    if status >= 400:
        # a client that accepts none of a path's formats: the same error in the same format, in other words
        assert status == 406 and headers["Content-Type"] == app_headers["Content-Type"]
        return
    for name in SAME:
        assert headers.get(name) == app_headers.get(name), name
    assert cache_control(headers) == cache_control(app_headers)
    assert_same_body(app_body, body, app_headers["Content-Type"])


@pytest.mark.parametrize(
    ("path", "accept", "status"),
    [
        ("/doc/bezirk/nirgendwo", "text/turtle", 404),
        ("/doc/bezirk/nirgendwo", BROWSER, 404),
        ("/doc/bezirk/nirgendwo", "application/json", 404),
        ("/doc/bezirk/nirgendwo.jsonld", "text/html", 404),
        ("/id/bezirk/nirgendwo", "*/*", 404),
        ("/liste/unbekannt", BROWSER, 404),
        ("/doc/bezirk/treptow-koepenick?page=999", "text/turtle", 404),
        (f"/doc/{RELEASE}", "image/png", 406),
        (f"/doc/{RELEASE}", "application/geo+json", 406),
        (f"/doc/{RELEASE}.geojson", BROWSER, 406),
        (f"/doc/{RELEASE}.geojson", "application/geo+json", 406),
        ("/doc/bezirk/nirgendwo.geojson", "application/geo+json", 404),
        ("/doc/bezirk/treptow-koepenick.geojson?page=999", BROWSER, 404),
        ("/doc/stadt/berlin", "image/png", 406),
        ("/ldes/0", "text/html", 406),
    ],
)
def test_errors_have_the_apps_status_format_and_headers(
    exported: Exported, path: str, accept: str, status: int
) -> None:
    app_status, app_headers, _body = from_app(exported.app, path, accept)
    static_status, headers, body = from_nginx(exported.url, path, accept)
    assert app_status == static_status == status
    assert headers["Content-Type"] == app_headers["Content-Type"]
    assert headers["Vary"] == "Accept" and headers["Access-Control-Allow-Origin"] == "*"
    assert cache_control(headers) == {"no-store"}
    assert str(status).encode() in body


@pytest.mark.parametrize("path", ["/sparql?query=ASK{}", "/api/pressemitteilungen", "/suche?q=BENN", "/validate"])
def test_dynamic_services_say_why_they_are_missing(exported: Exported, path: str) -> None:
    status, headers, body = from_nginx(exported.url, path, "application/json")
    assert status == 501
    assert headers["Content-Type"] == "application/ld+json"
    assert b"static copy" in body and b"publisher serve" in body


def test_other_methods_are_refused_as_the_app_refuses_them(exported: Exported) -> None:
    host, port = exported.url.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("POST", f"/doc/{RELEASE}", body=b"x", headers={"Accept": "application/ld+json"})
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    app = exported.app.test_client().post(f"/doc/{RELEASE}", data=b"x", headers={"Accept": "application/ld+json"})
    assert response.status == app.status_code == 405
    assert response.getheader("Content-Type") == app.headers["Content-Type"] == "application/ld+json"
    assert b'"status": 405' in body


def test_every_resource_is_exported_in_every_format(exported: Exported) -> None:
    config = small_pages(exported.app.extensions["publisher"].config)
    iris = resource_iris(exported.app.extensions["publisher"].store, config.base_uri)
    site = exported.folder / CURRENT / "site"
    for iri in iris:
        rest = iri.removeprefix(config.base_uri + "id/")
        for suffix in (".ttl", ".jsonld", ".nt", ".rdf", ".html"):
            assert (site / "doc" / f"{rest}{suffix}").is_file(), (rest, suffix)
    assert exported.report.resources == len(iris) > 1000
    assert not exported.report.skipped
    assert (exported.folder / CURRENT / "page" / "2" / "doc" / "bezirk" / "treptow-koepenick.ttl").is_file()


def test_every_place_is_exported_in_geojson_and_nothing_else_is(exported: Exported) -> None:
    state = exported.app.extensions["publisher"]
    places = {
        row["place"]
        for row in state.store.select(
            f"""SELECT DISTINCT ?place WHERE {{
                  ?place a ?class VALUES ?class {{ {" ".join(f"<{c}>" for c in sorted(PLACE_CLASSES))} }}
                  FILTER(STRSTARTS(STR(?place), "{BASE}id/")) }}"""
        )
    }
    site = exported.folder / CURRENT / "site"
    exported_places = {
        f"{BASE}id/{file.relative_to(site / 'doc').as_posix().removesuffix('.geojson')}"
        for file in (site / "doc").rglob("*.geojson")
    }
    assert exported_places == places and len(places) > 100
    # page 2 of a paged place's GeoJSON is its own file, as the app answers it
    assert (exported.folder / CURRENT / "page" / "2" / "doc" / "bezirk" / "treptow-koepenick.geojson").is_file()


#: A link in a page: its target (as the page writes it, HTML-escaped).
LINK = re.compile(r"""\s(?:href|src)=["']([^"']*)["']""")


def test_every_link_in_the_exported_pages_leads_somewhere(exported: Exported) -> None:
    """Every link of every exported HTML page (documents, listings, error pages) to a path of the dataset, GeoJSON
    and the maps' data links among them, answers 200 (or 303 for a thing) from nginx; the dynamic services aside,
    which answer 501 here (see test_dynamic_services_say_why_they_are_missing)."""
    generation = exported.folder / CURRENT
    base = urlsplit(BASE)
    targets: set[str] = set()
    for page in generation.rglob("*.html"):
        for link in LINK.findall(page.read_text("utf-8")):
            url = urlsplit(html.unescape(link))
            if (url.scheme, url.netloc) not in (("", ""), (base.scheme, base.netloc)) or not url.path.startswith("/"):
                continue  # another site's, or a fragment of the same page
            if url.path.split("/")[1].partition(".")[0] in DYNAMIC:
                continue
            targets.add(url.path + (f"?{url.query}" if url.query else ""))
    assert any(target.endswith(".geojson") for target in targets)
    host, port = exported.url.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    broken = []
    try:
        for target in sorted(targets):
            connection.request("HEAD", target, headers={"Accept": BROWSER})
            response = connection.getresponse()
            response.read()
            if response.status not in (200, 303):
                broken.append((target, response.status))
    finally:
        connection.close()
    assert not broken, f"{len(broken)} of {len(targets)} links lead nowhere: {broken[:20]}"


@pytest.fixture(scope="module")
def cli_export(built: tuple[Config, WritableStore], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled data exported once with the real CLI, by two worker processes: the export's folder."""
    target = tmp_path_factory.mktemp("cli-export") / "export"
    result = run(
        CliRunner(), "export-site", str(target), "--store", built[0].store, "--listen", "8081", "--workers", "2"
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("exported ") and str(target / "nginx.conf") in result.output
    return target


def test_the_command_replaces_the_export_at_once(
    built: tuple[Config, WritableStore], cli_export: Path, runner: CliRunner, tmp_path: Path
) -> None:
    assert "listen 8081;" in (cli_export / "nginx.conf").read_text("utf-8")
    target = tmp_path / "export"
    shutil.copytree(cli_export, target, symlinks=True)
    generation = (target / CURRENT).resolve()
    result = run(
        runner, "export-site", str(target), "--store", built[0].store, "--upstream", "127.0.0.1:8080", "--workers", "1"
    )
    assert result.exit_code == 0, result.output
    assert (target / CURRENT).resolve() != generation
    # two worker processes and one write the same files
    assert sorted(files(generation)) == sorted(files((target / CURRENT).resolve()))
    assert "proxy_pass http://127.0.0.1:8080;" in (target / "nginx.conf").read_text("utf-8")
    # the previous export stays until the next one, for the requests that are still reading it
    assert generation.is_dir()
    assert NGINX is None or "syntax is ok" in nginx_syntax(target)


def files(generation: Path) -> list[tuple[Path, int]]:
    """The files of an export and their sizes (nginx.conf aside, which names its options)."""
    return [
        (p.relative_to(generation), p.stat().st_size)
        for p in generation.rglob("*")
        if p.is_file() and p.name != "nginx.conf"
    ]


def nginx_syntax(target: Path) -> str:
    assert NGINX is not None
    folder = target.parent / "nginx"
    folder.mkdir()
    (folder / "nginx.conf").write_text(nginx_standalone(folder, (target / "nginx.conf").read_text("utf-8")), "utf-8")
    checked = subprocess.run([NGINX, "-t", "-c", str(folder / "nginx.conf")], capture_output=True, text=True)
    return checked.stderr


def test_bad_targets_and_an_empty_store_leave_the_export_alone(
    built: tuple[Config, WritableStore], cli_export: Path, runner: CliRunner, tmp_path: Path
) -> None:
    store = built[0].store
    generation = (cli_export / CURRENT).resolve()
    before = sorted(files(generation))

    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder", "utf-8")
    result = run(runner, "export-site", str(a_file), "--store", store)
    assert result.exit_code == 2 and f"{a_file}: is a file, not a folder" in result.stderr

    result = run(runner, "export-site", str(a_file / "below"), "--store", store)
    assert result.exit_code == 2 and f"{a_file / 'below'}: cannot create the folder" in result.stderr

    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine", "utf-8")
    result = run(runner, "export-site", str(tmp_path / "other"), "--store", store)
    assert result.exit_code == 2 and "holds files that are no export (notes.txt)" in result.stderr

    empty = open_store(str(tmp_path / "empty"), writable=True)
    empty.close()
    result = run(runner, "export-site", str(cli_export), "--store", str(tmp_path / "empty"))
    assert result.exit_code == 2 and "nothing is published yet; run `publisher build` first" in result.stderr
    assert (cli_export / CURRENT).resolve() == generation
    assert sorted(files(generation)) == before
    assert [p.name for p in cli_export.iterdir() if p.name.startswith(".export-")] == [generation.name]
