"""A public server that cannot be abused: expensive SPARQL is cut while pages are served, no query reads local
files, oversized bodies, headers and request lines are refused, data cannot inject markup or script links, dump
paths cannot traverse, every response carries the security headers (and HTML pages nothing their policy blocks),
no debug mode, and `publisher serve` listens on loopback unless told otherwise.

What depends on the server runs against real processes: ``publisher serve --production`` (gunicorn) and the desk
server (werkzeug), both started with ``FLASK_DEBUG=1`` in their environment, which must change nothing.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from jinja2 import DictLoader, Environment
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF
from werkzeug.test import TestResponse

from publisher.cli import serve
from publisher.config import Config, load_config
from publisher.namespaces import PM, SDO
from publisher.store import WritableStore, open_store
from publisher.web import create_app
from publisher.web.security import inline_hashes
from publisher.web.server import HEADER_FIELD_LIMIT, HEADER_FIELDS_LIMIT, REQUEST_LINE_LIMIT
from tests.conftest import SEED, cli_build, data_folder, free_port, run, timed_get, wait_for

RELEASE_PATH = "/doc/pressemitteilung/2025-01-17-3-bezirkliches-benn-treffen-hat-stattgefunden"
RELEASE_IRI = "http://localhost:8080" + RELEASE_PATH.replace("/doc/", "/id/")
#: Seconds a query may run on the servers started here.
TIMEOUT = 2
#: Queries that take far longer than TIMEOUT on the bundled data (in memory: the path 9 s, the offset 13 s, the
#: regular expression over every pair of literals more than 20 s).
EXPENSIVE = {
    "property-path": f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s (<{SDO.name}>|!<{SDO.name}>)* ?o }}",
    "huge-offset": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } OFFSET 1000000000 LIMIT 1",
    "regex-every-literal": (
        'SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f FILTER regex(concat(str(?c), str(?f)), "(a|b)*c$", "i") }'
    ),
}
#: What data, a query or a path may carry to inject markup or a script link.
SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(2)>'
JS_IRI = "javascript:alert(3)"
EVIL_HEADLINE = f"3. Treffen {SCRIPT} {BREAKOUT}"
EVIL_LINKS = (JS_IRI, "JAVASCRIPT:alert(4)", "data:text/html,%3Cscript%3Ealert(5)%3C/script%3E", "vbscript:msgbox(6)")
#: Link schemes a page may use besides its own paths.
SAFE_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
#: Elements no page of the app writes: one in a page came from the data.
FOREIGN_ELEMENTS = frozenset({"img", "iframe", "object", "embed", "base", "math", "frame", "meta-refresh"})
#: The pictures the templates draw: every <svg> of a page carries one of these classes (an injected one would not).
PICTURES = frozenset({"map", "timeline", "relations"})
DATA_BLOCKS = ("application/ld+json",)


# ---------------------------------------------------------------- reading pages


class Page(HTMLParser):
    """What a page holds that a Content-Security-Policy governs, and what could carry an injection."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        #: (type attribute, text) of each <script>, the text of each <style>
        self.scripts: list[tuple[str | None, str]] = []
        self.styles: list[str] = []
        #: style and event handler attributes
        self.inline_attributes: list[str] = []
        #: every URL an attribute names
        self.links: list[str] = []
        self.elements: set[str] = set()
        #: the class attribute of each <svg>
        self.pictures: list[str] = []
        self.text: list[str] = []
        #: values of form fields (a search box shows the text searched for)
        self.values: list[str] = []
        self._open: tuple[str, str | None] | None = None
        self._buffer: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.add(tag)
        if tag == "svg":
            self.pictures.append(dict(attrs).get("class") or "")
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.inline_attributes.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "action", "formaction", "srcset", "data", "poster") and value is not None:
                self.links.append(value)
            if name == "value" and value is not None:
                self.values.append(value)
            if tag == "meta" and name == "http-equiv" and (value or "").lower() == "refresh":
                self.elements.add("meta-refresh")
        if tag in ("script", "style"):
            self._open = (tag, dict(attrs).get("type"))
            self._buffer = []

    def handle_endtag(self, tag: str) -> None:
        if self._open and tag == self._open[0]:
            text = "".join(self._buffer)
            if tag == "script":
                self.scripts.append((self._open[1], text))
            else:
                self.styles.append(text)
            self._open = None

    def handle_data(self, data: str) -> None:
        (self._buffer if self._open else self.text).append(data)


def read_page(body: str) -> Page:
    page = Page()
    page.feed(body)
    page.close()
    return page


def directives(policy: str) -> dict[str, list[str]]:
    return {parts[0]: parts[1:] for parts in (d.split() for d in policy.split(";")) if parts}


def csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def assert_strict_policy(policy: str) -> dict[str, list[str]]:
    found = directives(policy)
    assert found["default-src"] == ["'none'"], policy
    assert found["frame-ancestors"] == ["'none'"], policy
    assert found["base-uri"] == ["'none'"], policy
    assert found["form-action"] == ["'self'"], policy
    for directive, sources in found.items():
        for weak in ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "data:", "http:", "https:"):
            assert weak not in sources, f"{directive} allows {weak}"
    return found


def assert_safe_page(status_and_headers: tuple[int, dict[str, str]], body: str, where: str) -> Page:
    """``body`` is an HTML page that runs nothing its policy does not allow by hash, has no element or attribute
    that data could have injected, and links nothing but its own paths and http(s), mailto and tel URLs."""
    _status, headers = status_and_headers
    assert headers.get("x-content-type-options") == "nosniff", where
    assert headers.get("referrer-policy") in ("strict-origin-when-cross-origin", "no-referrer"), where
    policy = assert_strict_policy(headers["content-security-policy"])
    page = read_page(body)
    for kind, text in page.scripts:
        if kind in DATA_BLOCKS:
            assert "<" not in text, f"{where}: a data block holds '<'"
            json.loads(text)
        else:
            assert csp_hash(text) in policy.get("script-src", []), f"{where}: a script the policy does not allow"
    for text in page.styles:
        assert csp_hash(text) in policy.get("style-src", []), f"{where}: a style block the policy does not allow"
    assert not page.inline_attributes, f"{where}: {page.inline_attributes}"
    assert not page.elements & FOREIGN_ELEMENTS, f"{where}: {page.elements & FOREIGN_ELEMENTS}"
    for classes in page.pictures:
        assert set(classes.split()) & PICTURES, f"{where}: an <svg> that is none of the pages' pictures ({classes!r})"
    for link in page.links:
        # browsers drop tabs and newlines anywhere in a URL, and spaces around it
        cleaned = re.sub(r"[\t\n\r]", "", link).strip()
        scheme = urllib.parse.urlsplit(cleaned).scheme.lower()
        assert not scheme or scheme in SAFE_SCHEMES, f"{where}: a link to {link!r}"
    return page


def check(response: TestResponse, where: str) -> Page:
    headers = {k.lower(): v for k, v in response.headers.items()}
    assert response.mimetype == "text/html", where
    return assert_safe_page((response.status_code, headers), response.get_data(as_text=True), where)


HTML = {"Accept": "text/html"}


# ---------------------------------------------------------------- raw HTTP


def raw(port: int, request: bytes, body: Iterable[bytes] = ()) -> tuple[int, dict[str, str], bytes]:
    """One request sent as ``request`` (and ``body``) on a connection of its own: status, headers, body. The server
    may answer before it has read everything (werkzeug's then reads on, waiting for the rest: the answer is read
    by its Content-Length, not until the connection closes)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        try:
            sock.sendall(request)
            for chunk in body:
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        data = b""
        length: int | None = None
        try:
            while length is None or len(data) < length:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
                if length is None and b"\r\n\r\n" in data:
                    found = re.search(rb"\r\ncontent-length:\s*(\d+)", data.partition(b"\r\n\r\n")[0], re.IGNORECASE)
                    if found:
                        length = data.index(b"\r\n\r\n") + 4 + int(found.group(1))
        except ConnectionResetError:
            pass
    head, _, content = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0].startswith("HTTP/"), data[:200]
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, content


def request_head(method: str, target: str, *headers: str) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", *headers, "", ""]
    return "\r\n".join(lines).encode("latin-1")


def chunked(total: int, size: int = 8192) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        part = min(size, total - sent)
        yield f"{part:x}\r\n".encode() + b"#" * part + b"\r\n"
        sent += part
    yield b"0\r\n\r\n"


# ---------------------------------------------------------------- servers


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture(scope="module")
def servers(cli_built: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Server]]:
    """``publisher serve --production`` and ``publisher serve`` over the seed, with FLASK_DEBUG=1 set."""
    folder = tmp_path_factory.mktemp("abuse-servers")
    environ = {
        **os.environ,
        "FLASK_DEBUG": "1",
        "PUBLISHER_SPARQL_TIMEOUT": str(TIMEOUT),
        "PUBLISHER_SPARQL_CONCURRENCY": "3",
    }
    started: dict[str, Server] = {}
    options = {"production": ("--production", "--workers", "1", "--threads", "8"), "desk": ()}
    try:
        for name, extra in options.items():
            port = free_port()
            log = folder / f"{name}.log"
            command = [sys.executable, "-m", "publisher.cli", "serve", "--store", str(cli_built / "store")]
            with log.open("wb") as output:
                process = subprocess.Popen(
                    [*command, "--port", str(port), *extra], stdout=output, stderr=subprocess.STDOUT, env=environ
                )
            started[name] = Server(process, port, log)
            wait_for(f"http://127.0.0.1:{port}/", process)
        yield started
    finally:
        for server in started.values():
            server.process.terminate()
            server.process.wait(timeout=30)


def get(url: str, accept: str = "application/json", timeout: float = 30) -> tuple[int, bytes, float]:
    return timed_get(url, accept, timeout)


# ---------------------------------------------------------------- 1. expensive SPARQL


def test_expensive_queries_are_cut_while_pages_are_served(servers: dict[str, Server]) -> None:
    """An unbounded property path, a huge OFFSET over a cross product and a regular expression over every pair of
    literals run at once on the production server: each is stopped after the timeout with a 503 naming the
    setting, and pages are answered meanwhile, each within a second."""
    base = servers["production"].base
    outcome: dict[str, tuple[int, bytes, float]] = {}
    threads = [
        threading.Thread(
            target=lambda n=name, q=query: outcome.update({n: get(f"{base}/sparql?query={urllib.parse.quote(q)}")})
        )
        for name, query in EXPENSIVE.items()
    ]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    pages = ["/liste/organisationen", "/liste/bezirke", RELEASE_PATH, "/suche?q=Nachbarschaft", "/api/releases"]
    answered: list[float] = []
    while any(thread.is_alive() for thread in threads):
        path = pages[len(answered) % len(pages)]
        status, _body, seconds = get(base + path, "text/html, application/json;q=0.5")
        assert status == 200, path
        answered.append(seconds)
        time.sleep(0.1)
    for name in EXPENSIVE:
        status, body, seconds = outcome[name]
        assert status == 503, (name, body)
        assert "PUBLISHER_SPARQL_TIMEOUT" in json.loads(body)["error"], name
        assert TIMEOUT - 0.1 < seconds < TIMEOUT + 8, (name, seconds)
    assert len(answered) >= 5, "pages were answered while the expensive queries ran"
    assert max(answered) < 1.0, answered
    status, body, _s = get(f"{base}/sparql?query=" + urllib.parse.quote("ASK { ?s ?p ?o }"))
    assert status == 200 and json.loads(body)["boolean"] is True


# ---------------------------------------------------------------- 2. no local files


def test_no_query_reads_a_local_file(client: FlaskClient, tmp_path: Path) -> None:
    """FROM, FROM NAMED and the protocol's dataset name graphs of the store, never files: a file that holds a
    triple stays unread. SERVICE to a file is refused like any endpoint not allowed, LOAD like any update."""
    data = tmp_path / "secret.ttl"
    data.write_text('<urn:x:secret> <urn:x:says> "geheim" .\n', "utf-8")
    file_iri = data.as_uri()
    json_accept = {"Accept": "application/sparql-results+json"}
    for query, params in (
        (f"SELECT * FROM <{file_iri}> WHERE {{ ?s ?p ?o }}", {}),
        ("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", {}),
        (f"SELECT * FROM NAMED <{file_iri}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", {}),
        (f"SELECT * WHERE {{ GRAPH <{file_iri}> {{ ?s ?p ?o }} }}", {}),
        ("SELECT * WHERE { ?s ?p ?o }", {"default-graph-uri": file_iri}),
        ("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", {"named-graph-uri": file_iri}),
    ):
        response = client.get("/sparql", query_string={"query": query, **params}, headers=json_accept)
        assert response.status_code == 200, (query, response.data)
        assert response.json["results"]["bindings"] == [], query
        assert b"geheim" not in response.data and b"root:" not in response.data
    for query in (
        f"SELECT * WHERE {{ SERVICE <{file_iri}> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE { SERVICE SILENT <file:///etc/passwd> { ?s ?p ?o } }",
        f"PREFIX f: <{data.parent.as_uri()}/> SELECT * WHERE {{ SERVICE f:secret.ttl {{ ?s ?p ?o }} }}",
    ):
        response = client.get("/sparql", query_string={"query": query}, headers=json_accept)
        assert response.status_code == 403, query
        assert "PUBLISHER_SPARQL_SERVICES" in response.json["error"]
    for operation in (f"LOAD <{file_iri}>", f"LOAD SILENT <{file_iri}> INTO GRAPH <urn:x:g>"):
        for response in (
            client.post("/sparql", data={"update": operation}),
            client.post("/sparql", data={"query": operation}),
        ):
            assert response.status_code in (400, 403), operation
            assert "update" in response.get_data(as_text=True).lower()
    assert client.get("/sparql", query_string={"query": "ASK { <urn:x:secret> ?p ?o }"}).json["boolean"] is False


# ---------------------------------------------------------------- 3. oversized requests


def test_every_endpoint_that_takes_a_body_refuses_an_oversized_one(
    client: FlaskClient, built: tuple[Config, WritableStore]
) -> None:
    config, _store = built
    sparql_body = b"ASK {}" + b" " * config.sparql_max_body
    for response in (
        client.post("/sparql", data=sparql_body, content_type="application/sparql-query"),
        client.post("/sparql", data={"query": sparql_body.decode()}),
    ):
        assert response.status_code == 413
        assert "PUBLISHER_SPARQL_MAX_BODY" in response.get_data(as_text=True)
    turtle = b"# " + b"x" * config.validate_max_body + b"\n"
    for response in (
        client.post("/validate", data=turtle, content_type="text/turtle"),
        client.post("/validate", data={"data": turtle.decode(), "format": "turtle"}),
        client.post("/validate", data={"file": (io.BytesIO(turtle), "x.ttl"), "format": "turtle"}, headers=HTML),
    ):
        assert response.status_code == 413
        assert "PUBLISHER_VALIDATE_MAX_BODY" in response.get_data(as_text=True)
    # every other route that takes a body: a refusal, before anything is read or done
    huge = b"x" * (max(config.sparql_max_body, config.validate_max_body) * 4)
    app = client.application
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) & {"POST", "PUT", "PATCH"}):
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"x\1", rule.rule)
            response = client.open(path, method=method, data=huge, content_type="text/turtle")
            # 413, unless the route refuses the request on other grounds first: no or wrong credentials, or a
            # type it never reads
            assert response.status_code in (413, 401, 403, 415), (method, path, response.status_code)


def test_oversized_bodies_headers_and_request_lines_on_the_real_servers(servers: dict[str, Server]) -> None:
    """Bodies: 413 from the app, whether announced by Content-Length or sent in chunks. Request lines and header
    fields: 414 and 431 from the servers themselves (gunicorn at its limits, werkzeug's from 64 KiB on)."""
    for name, server in servers.items():
        port = server.port
        for path, kind, setting, limit in (
            ("/sparql", "application/sparql-query", "PUBLISHER_SPARQL_MAX_BODY", 65536),
            ("/validate", "text/turtle", "PUBLISHER_VALIDATE_MAX_BODY", 262144),
        ):
            status, _h, body = raw(
                port,
                request_head(
                    "POST", path, f"Content-Type: {kind}", "Accept: application/json", "Content-Length: 1000000000"
                ),
            )
            assert status == 413, (name, path, body)
            assert setting in json.loads(body)["error"]
            status, _h, body = raw(
                port,
                request_head(
                    "POST", path, f"Content-Type: {kind}", "Accept: application/json", "Transfer-Encoding: chunked"
                ),
                chunked(limit + 1000),
            )
            assert status == 413, (name, path, "chunked", body)
            assert setting in json.loads(body)["error"]
    production = servers["production"].port
    # just within the limits: answered
    assert raw(production, request_head("GET", "/", "X-Long: " + "a" * 4000))[0] == 200
    assert raw(production, request_head("GET", "/?" + "a" * (REQUEST_LINE_LIMIT - 100)))[0] == 200
    long_field = "X-Long: " + "a" * (HEADER_FIELD_LIMIT + 10)
    many_fields = [f"X-Field-{i}: {i}" for i in range(HEADER_FIELDS_LIMIT + 1)]
    assert raw(production, request_head("GET", "/", long_field))[0] == 431
    assert raw(production, request_head("GET", "/", *many_fields))[0] == 431
    assert raw(production, request_head("GET", "/?" + "a" * (REQUEST_LINE_LIMIT + 10)))[0] == 414
    desk = servers["desk"].port
    assert raw(desk, request_head("GET", "/", "X-Long: " + "a" * 70_000))[0] == 431
    assert raw(desk, request_head("GET", "/", *many_fields))[0] == 431
    assert raw(desk, request_head("GET", "/?" + "a" * 70_000))[0] == 414


# ---------------------------------------------------------------- 4. no injection


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The app over a store built by the CLI from the seed release as Turtle, with a headline and a quotation
    that carry markup, and a URL and sameAs links with javascript:, data: and vbscript: IRIs."""
    root = tmp_path_factory.mktemp("hostile")
    runner = CliRunner()
    extracted = run(runner, "extract", str(SEED), "--format", "turtle")
    assert extracted.exit_code == 0, extracted.output
    graph = Graph().parse(data=extracted.stdout, format="turtle")
    release = next(graph.subjects(RDF.type, PM.PressRelease))
    for prop in (SDO.headline, SDO.name):
        graph.set((release, prop, Literal(EVIL_HEADLINE, lang="de")))
    quotation = next(q for q in graph.objects(release, SDO.hasPart) if (q, SDO.text, None) in graph)
    graph.set((quotation, SDO.text, Literal(f"</blockquote>{SCRIPT}<!-- {BREAKOUT}", lang="de")))
    graph.add((release, SDO.url, URIRef(JS_IRI)))
    for link in EVIL_LINKS[1:]:
        graph.add((release, SDO.sameAs, URIRef(link)))
    data = data_folder(root, ("hostile.ttl", graph.serialize(format="turtle")))
    result = cli_build(runner, data, root / "store")
    assert result.exit_code == 0, result.output
    app = create_app(load_config(environ={}, store=str(root / "store")), open_store(str(root / "store")))
    yield app
    app.extensions["publisher"].sparql.close()


def _strings(document: object) -> set[str]:
    """Every string in a JSON document."""
    if isinstance(document, str):
        return {document}
    if isinstance(document, dict):
        document = list(document.values())
    if isinstance(document, list):
        return set().union(*(_strings(item) for item in document)) if document else set()
    return set()


def _visible(page: Page) -> str:
    return "".join(page.text)


def test_markup_and_script_links_in_the_data_are_shown_as_text(hostile: Flask) -> None:
    client = hostile.test_client()
    release_page = check(client.get(RELEASE_PATH, headers=HTML), "release page")
    shown = _visible(release_page)
    # the values are there, as text: the test would notice if they were dropped
    for value in (EVIL_HEADLINE, f"</blockquote>{SCRIPT}", *EVIL_LINKS):
        assert value in shown, value
    ld = next(text for kind, text in release_page.scripts if kind in DATA_BLOCKS)
    assert EVIL_HEADLINE in _strings(json.loads(ld))
    release = urllib.parse.quote(RELEASE_IRI, safe="")
    for path in ("/", "/liste/pressemitteilungen", "/suche?q=Treffen", f"/fragments?subject={release}"):
        page = check(client.get(path, headers=HTML), path)
        assert EVIL_HEADLINE in _visible(page), path
    query = f"SELECT ?h ?u WHERE {{ ?r <{SDO.headline}> ?h ; <{SDO.url}> ?u }}"
    page = check(client.get("/sparql", query_string={"query": query}, headers=HTML), "query page")
    assert EVIL_HEADLINE in _visible(page) and JS_IRI in _visible(page)
    # the Atom feed is XML whose titles hold the headline as text
    feed = ET.fromstring(client.get("/feed.atom").data)
    titles = [t.text for t in feed.iter("{http://www.w3.org/2005/Atom}title")]
    assert EVIL_HEADLINE in titles


def test_what_a_request_carries_is_shown_as_text(client: FlaskClient) -> None:
    """Search text, a SPARQL query and its answer, data sent to /validate and the path of an error page."""
    for text in (SCRIPT, BREAKOUT, f"</title>{SCRIPT}"):
        page = check(client.get("/suche", query_string={"q": text}, headers=HTML), f"search {text}")
        assert text in page.values, text
        response = client.get(f"/id/{urllib.parse.quote(text)}", headers=HTML)
        assert response.status_code == 404
        assert text in _visible(check(response, f"404 {text}"))
    query = f'SELECT ?x ?y WHERE {{ VALUES (?x ?y) {{ ("{SCRIPT}" <{JS_IRI}>) ("{BREAKOUT}" <data:text/html,x>) }} }}'
    page = check(client.get("/sparql", query_string={"query": query}, headers=HTML), "query page")
    for text in (SCRIPT, BREAKOUT, JS_IRI):
        assert text in _visible(page)
    broken = f"SELECT * WHERE {{ </textarea>{SCRIPT} }}"
    response = client.get("/sparql", query_string={"query": broken}, headers=HTML)
    assert response.status_code == 400
    assert broken in _visible(check(response, "query page with an error"))
    hostile_turtle = (
        "@prefix schema: <https://schema.org/> .\n@prefix pm: <https://w3id.org/pm-berlin/ontology#> .\n"
        f'<{JS_IRI}> a schema:NewsArticle, pm:PressRelease ; schema:headline "{SCRIPT}"@de ;\n'
        f'  schema:url <{JS_IRI}> ; schema:description "{BREAKOUT.replace(chr(34), chr(92) + chr(34))}" .\n'
    )
    response = client.post("/validate", data=hostile_turtle.encode(), content_type="text/turtle", headers=HTML)
    assert response.status_code == 200, response.data
    page = check(response, "validation report")
    assert JS_IRI in _visible(page)


# ---------------------------------------------------------------- 5. dumps


TRAVERSALS = (
    "/dumps/../manifest.json",
    "/dumps/../../manifest.json",
    "/dumps/..%2fmanifest.json",
    "/dumps/..%2F..%2Fmanifest.json",
    "/dumps/%2e%2e/%2e%2e/manifest.json",
    "/dumps/%2e%2e%2f%2e%2e%2fmanifest.json",
    "/dumps/%252e%252e%252fmanifest.json",
    "/dumps/..%5c..%5cmanifest.json",
    "/dumps/%c0%ae%c0%ae/%c0%ae%c0%ae/manifest.json",
    "/dumps/....//....//manifest.json",
    "/dumps/%2fetc%2fpasswd",
    "/dumps//etc/passwd",
    "/dumps/..%2f..%2f..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/dumps/dataset.ttl%00.html",
    "/dumps/dataset.ttl/..%2f..%2fmanifest.json",
)


def test_dump_paths_cannot_traverse(servers: dict[str, Server]) -> None:
    for name, server in servers.items():
        status, _h, body = raw(server.port, request_head("GET", "/dumps/dataset.ttl"))
        assert status == 200 and b"schema.org" in body
        for path in TRAVERSALS:
            status, _h, body = raw(server.port, request_head("GET", path, "Accept: application/json"))
            assert status in (400, 404), (name, path, status)
            assert b"root:" not in body and b'"sha256"' not in body and b"@prefix" not in body, (name, path)


# ---------------------------------------------------------------- 6. security headers


def _internal(link: str) -> str | None:
    parts = urllib.parse.urlsplit(link)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


#: Representations that are not HTML, fetched for one link of each kind only; and fragment pages, which link every
#: term they show to another fragment (a few are fetched, from the list the crawl starts with).
_NOT_FOLLOWED = re.compile(
    r"\.(ttl|jsonld|nt|rdf|nq|trig|gz|json|xml|atom)$|^/(dumps/.|api/.|ldes/.|sparql\?|fragments)"
)


def test_every_page_carries_a_strict_policy_and_nothing_it_blocks(client: FlaskClient) -> None:
    """Every HTML page the app serves for the bundled data (the sitemap's, the services', and every page they
    link to), and a response of every other kind, carry the security headers; no page has an inline script or
    style the policy does not allow by its hash, nor a style or event attribute."""
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    queue = [urllib.parse.urlsplit(loc).path for loc in re.findall(r"<loc>([^<]+)</loc>", sitemap)]
    queue += ["/", "/sparql", "/api/", "/validate", "/fragments", "/catalog", "/.well-known/void", "/shapes"]
    queue += ["/ontology", "/dumps/", "/suche?q=Nachbarschaft", "/ldes", "/nichts/hier", "/sparql?query=ASK%7B%7D"]
    queue += [RELEASE_PATH + ".ttl", RELEASE_PATH + ".jsonld", "/dumps/dataset.nt.gz", "/openapi.json", "/feed.atom"]
    queue += [
        "/fragments?predicate=https%3A%2F%2Fschema.org%2Fname",
        "/fragments?subject=" + urllib.parse.quote(RELEASE_IRI),
    ]
    seen: set[str] = set()
    hashes: set[str] = set()
    while queue:
        path = queue.pop()
        # a page's .html twin is the same page (the suffix only spares the negotiation)
        same = re.sub(r"\.html(?=$|\?)", "", path)
        if same in seen:
            continue
        seen.add(same)
        response = client.get(path, headers=HTML)
        response.get_data()
        response.close()  # a file's handle is released
        assert response.headers.get("X-Content-Type-Options") == "nosniff", path
        assert response.headers.get("Referrer-Policy") == "strict-origin-when-cross-origin", path
        if response.mimetype != "text/html":
            policy = directives(response.headers["Content-Security-Policy"])
            assert policy["default-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"], path
            continue
        page = check(response, path)
        hashes.update(csp_hash(text) for kind, text in page.scripts if kind not in DATA_BLOCKS)
        for link in page.links:
            target = _internal(link)
            if target and not _NOT_FOLLOWED.search(target):
                queue.append(target)
    assert len(seen) > 1100, len(seen)
    # the query page's one script (Ctrl+Enter sends the query) is allowed by its hash
    sparql_page = read_page(client.get("/sparql", headers=HTML).get_data(as_text=True))
    (script,) = [text for kind, text in sparql_page.scripts if kind not in DATA_BLOCKS]
    assert "ctrlKey" in script and csp_hash(script) in hashes


def test_security_headers_on_responses_of_the_real_servers(servers: dict[str, Server]) -> None:
    for name, server in servers.items():
        for path, accept in (("/", "text/html"), (RELEASE_PATH, "text/turtle"), ("/nichts", "text/html")):
            _status, headers, _body = raw(server.port, request_head("GET", path, f"Accept: {accept}"))
            assert headers.get("x-content-type-options") == "nosniff", (name, path)
            assert headers.get("referrer-policy") == "strict-origin-when-cross-origin", (name, path)
            policy = directives(headers["content-security-policy"])
            assert policy["default-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"], (name, path)


# ---------------------------------------------------------------- 7. no debug mode, loopback


def test_no_debug_mode_and_an_internal_error_is_the_projects_page(
    built: tuple[Config, WritableStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    """FLASK_DEBUG=1 does not switch debug mode on; a failure inside a view is the project's 500 page (or the
    one JSON error shape), without a traceback or the exception's text."""
    monkeypatch.setenv("FLASK_DEBUG", "1")
    config, _store = built
    app = create_app(config, open_store(config.store))
    assert app.debug is False

    def broken() -> str:
        raise RuntimeError("secret detail of the failure")

    app.add_url_rule("/kaputt", "kaputt", broken)
    client = app.test_client()
    response = client.get("/kaputt", headers=HTML)
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Ein Fehler im Server" in body
    for leak in ("Traceback", "secret detail", "RuntimeError", "Werkzeug", "__debugger__"):
        assert leak not in body, leak
    check(response, "500 page")
    response = client.get("/kaputt", headers={"Accept": "application/json"})
    assert response.status_code == 500
    assert response.json["ok"] is False and response.json["status"] == 500
    assert "secret detail" not in response.json["error"] and "Traceback" not in response.json["error"]


def _listening(port: int) -> set[str]:
    """The local addresses of sockets that listen on ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            address, _, hex_port = fields[1].partition(":")
            if fields[3] != "0A" or int(hex_port, 16) != port:
                continue
            raw_bytes = bytes.fromhex(address)
            if width == 8:
                found.add(socket.inet_ntop(socket.AF_INET, raw_bytes[::-1]))
            else:
                words = b"".join(raw_bytes[i : i + 4][::-1] for i in range(0, 16, 4))
                found.add(socket.inet_ntop(socket.AF_INET6, words))
    return found


def _children(pid: int) -> list[str]:
    children = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid:
            children.append(cmdline)
    return children


def test_servers_listen_on_loopback_without_debugger_or_reloader(servers: dict[str, Server]) -> None:
    host = next(p for p in serve.params if p.name == "host")
    assert host.default == "127.0.0.1"
    for name, server in servers.items():
        assert _listening(server.port) == {"127.0.0.1"}, name
        _status, headers, body = raw(
            server.port, request_head("GET", "/?__debugger__=yes&cmd=resource&f=debugger.js", "Accept: text/html")
        )
        assert "javascript" not in headers.get("content-type", ""), name
        assert b"Werkzeug" not in body and b"EVALEX" not in body, name
    # werkzeug's reloader would run the server in a child process of its own
    assert not [c for c in _children(servers["desk"].process.pid) if "publisher.cli" in c]
    # the production server is gunicorn's master with its one worker, not werkzeug's server
    assert b"Running on" not in servers["production"].log.read_bytes()


def test_an_inline_block_with_template_code_stops_the_app_from_starting() -> None:
    """Its text would differ from page to page, and no hash in the policy could allow it."""
    fixed = '<style>p { color: red; }</style><script type="application/ld+json">{{ data|safe }}</script>'
    hashes = inline_hashes(Environment(loader=DictLoader({"ok.html": fixed})))
    assert hashes == {"script-src": [], "style-src": [csp_hash("p { color: red; }")]}
    varying = Environment(loader=DictLoader({"bad.html": "<script>var q = {{ query|tojson }};</script>"}))
    with pytest.raises(RuntimeError, match=r"bad\.html.*template code"):
        inline_hashes(varying)
