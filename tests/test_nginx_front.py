"""The documented production set-up, for real: `publisher serve --production` behind nginx with the caching
proxy configuration that `publisher nginx-config` writes. Needs nginx (Debian: nginx-light), which CI installs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner

from publisher.cli import main
from publisher.config import Config
from publisher.store import WritableStore
from publisher.web.deploy import nginx_config, nginx_standalone
from tests.conftest import free_port, serving

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
RELEASE = "/doc/pressemitteilung/2025-01-17-3-bezirkliches-benn-treffen-hat-stattgefunden"

if NGINX is None and os.environ.get("PUBLISHER_REQUIRE_NGINX"):
    pytest.fail("nginx is required here (PUBLISHER_REQUIRE_NGINX) but not installed", pytrace=False)
pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed (Debian: apt-get install nginx-light)")


@pytest.fixture(scope="module")
def front(built: tuple[Config, WritableStore]) -> Iterator[str]:
    config, _store = built
    # nginx's workers run as another user when nginx is started by root: their folder must be theirs to enter
    folder = Path(tempfile.mkdtemp(prefix="publisher-nginx-"))
    folder.chmod(0o755)
    app_port, proxy_port = free_port(), free_port()
    server_block = nginx_config(f"127.0.0.1:{proxy_port}", f"127.0.0.1:{app_port}", str(folder / "cache"))
    (folder / "nginx.conf").write_text(nginx_standalone(folder, server_block), "utf-8")
    assert NGINX is not None
    try:
        with serving(config.store, app_port, folder / "server.log", "--production", "--workers", "2"):
            subprocess.run([NGINX, "-c", str(folder / "nginx.conf")], check=True)
            try:
                yield f"http://127.0.0.1:{proxy_port}"
            finally:
                subprocess.run([NGINX, "-c", str(folder / "nginx.conf"), "-s", "stop"], check=False)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read()


def test_the_proxy_caches_each_representation_apart(front: str) -> None:
    turtle = [get(front + RELEASE, Accept="text/turtle") for _ in range(2)]
    html = [get(front + RELEASE, Accept="text/html") for _ in range(2)]
    assert turtle[0][1]["Content-Type"] == turtle[1][1]["Content-Type"] == "text/turtle; charset=utf-8"
    assert html[0][1]["Content-Type"] == html[1][1]["Content-Type"] == "text/html; charset=utf-8"
    assert turtle[1][1]["X-Cache-Status"] == "HIT" and html[1][1]["X-Cache-Status"] == "HIT"
    assert turtle[0][2] == turtle[1][2] and html[0][2] == html[1][2]
    assert turtle[1][1]["ETag"] != html[1][1]["ETag"]
    assert turtle[1][1]["Vary"] == "Accept"
    assert turtle[1][1]["Access-Control-Allow-Origin"] == "*"


def test_requests_for_an_uncached_representation_do_not_wait_for_each_other(front: str) -> None:
    """Requests made together for a representation nginx has not cached yet each go to the publisher: with a cache
    lock, nginx would hold all but the first and look again only every 500 ms, so that each took half a second."""
    together = 8
    barrier = threading.Barrier(together)

    def first() -> tuple[str, float]:
        barrier.wait()
        started = time.monotonic()
        _status, headers, _body = get(front + RELEASE, Accept="application/ld+json")
        return headers["X-Cache-Status"], time.monotonic() - started

    with ThreadPoolExecutor(together) as pool:
        answers = list(pool.map(lambda _n: first(), range(together)))
    # with the lock, all but the first wait for it and get a HIT after half a second; without it, each goes to the
    # publisher (MISS) or, arriving once the first answer is cached, is answered from the cache at once (HIT)
    assert max(seconds for _status, seconds in answers) < 0.45, answers
    assert "MISS" in {status for status, _seconds in answers}, answers


def test_the_proxy_answers_conditional_requests(front: str) -> None:
    _status, headers, _body = get(front + RELEASE, Accept="text/turtle")
    status, again, body = get(front + RELEASE, **{"Accept": "text/turtle", "If-None-Match": headers["ETag"]})
    assert status == 304 and body == b""
    assert again["ETag"] == headers["ETag"]


def test_the_command_prints_the_configuration(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["nginx-config", "--listen", "8000", "--upstream", "127.0.0.1:9000"])
    assert result.exit_code == 0, result.output
    assert result.output == nginx_config("8000", "127.0.0.1:9000", "/var/cache/publisher")
    assert "listen 8000;" in result.output and "server 127.0.0.1:9000;" in result.output
    assert "$upstream_cache_status" in result.output  # nginx's own variables are left alone
    standalone = runner.invoke(main, ["nginx-config", "--standalone", str(tmp_path)])
    assert standalone.exit_code == 0, standalone.output
    assert standalone.output.startswith("worker_processes 1;")
    assert NGINX is not None
    (tmp_path / "nginx.conf").write_text(standalone.output, "utf-8")
    checked = subprocess.run([NGINX, "-t", "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True)
    assert "syntax is ok" in checked.stderr, checked.stderr


def test_errors_and_dumps_pass_through(front: str) -> None:
    status, headers, _body = get(front + "/doc/bezirk/nirgendwo", Accept="application/json")
    assert status == 404
    assert headers["Access-Control-Allow-Origin"] == "*"
    status, headers, body = get(front + "/dumps/dataset.ttl", Range="bytes=0-99")
    assert status == 206 and len(body) == 100


def test_long_sparql_queries_pass_the_proxy_and_gunicorn(front: str) -> None:
    """A query of several KB in the URL (as YASGUI and Comunica send them) reaches the endpoint; POST is not cached."""
    padding = "# " + "x" * 6000 + "\n"
    query = padding + "ASK { ?s a <https://w3id.org/pm-berlin/ontology#PressRelease> }"
    url = f"{front}/sparql?query={urllib.parse.quote(query)}"
    assert len(url) > 6000
    status, _headers, body = get(url, Accept="application/sparql-results+json")
    assert status == 200, body[:300]
    assert json.loads(body) == {"head": {}, "boolean": True}
    request = urllib.request.Request(
        f"{front}/sparql",
        data=query.encode(),
        headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
    )
    for _ in range(2):
        with urllib.request.urlopen(request, timeout=10) as response:
            assert json.loads(response.read())["boolean"] is True
            assert response.headers["X-Cache-Status"] != "HIT"
