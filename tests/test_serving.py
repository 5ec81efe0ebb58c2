"""Dumps under /dumps/, and the server as users start it: `publisher serve --get` and the production server."""

from __future__ import annotations

import gzip
import hashlib
import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from rdflib import Graph
from rdflib.compare import isomorphic

from publisher.cli import main
from publisher.config import Config
from publisher.store import WritableStore
from tests.conftest import free_port, serving

TYPES = {"dataset.ttl": "text/turtle", "dataset.nt.gz": "application/gzip", "dataset.jsonld": "application/ld+json"}


def test_dumps_listing_names_each_file_with_size_and_hash(
    built: tuple[Config, WritableStore], client: FlaskClient
) -> None:
    _config, store = built
    manifest = store.manifest()
    assert manifest is not None
    html = client.get("/dumps/").get_data(as_text=True)
    for name, entry in manifest["files"].items():
        assert f'href="/dumps/{name}"' in html
        assert entry["sha256"] in html


@pytest.mark.parametrize("name", sorted(TYPES))
def test_dumps_are_served_whole_with_type_length_and_hash(
    built: tuple[Config, WritableStore], client: FlaskClient, name: str
) -> None:
    _config, store = built
    entry = (store.manifest() or {})["files"][name]
    with client.get(f"/dumps/{name}") as response:
        assert response.status_code == 200
        assert response.mimetype == TYPES[name]
        body = response.get_data()
        assert int(response.headers["Content-Length"]) == entry["size"] == len(body)
        assert hashlib.sha256(body).hexdigest() == entry["sha256"]
        assert response.headers["Accept-Ranges"] == "bytes"
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "Content-Encoding" not in response.headers  # the file itself, as listed


def test_dumps_answer_range_requests(client: FlaskClient) -> None:
    with client.get("/dumps/dataset.ttl") as whole:
        full = whole.get_data()
    with client.get("/dumps/dataset.ttl", headers={"Range": "bytes=100-199"}) as part:
        assert part.status_code == 206
        assert part.get_data() == full[100:200]
        assert part.headers["Content-Range"] == f"bytes 100-199/{len(full)}"
    with client.get("/dumps/dataset.ttl", headers={"Range": f"bytes={len(full) + 10}-"}) as beyond:
        assert beyond.status_code == 416


def test_dumps_hold_everything_published(built: tuple[Config, WritableStore], client: FlaskClient) -> None:
    _config, store = built
    published = Graph().parse(data=store.dump("nt").decode("utf-8"), format="nt")
    with client.get("/dumps/dataset.nt.gz") as response:
        ntriples = gzip.decompress(response.get_data()).decode("utf-8")
    assert isomorphic(Graph().parse(data=ntriples, format="nt"), published)
    with client.get("/dumps/dataset.jsonld") as response:
        from_jsonld = Graph().parse(data=response.get_data(as_text=True), format="json-ld")
    assert len(from_jsonld) == len(published)


def test_unknown_dump_is_404(client: FlaskClient) -> None:
    response = client.get("/dumps/geheim.txt", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert json.loads(response.data)["ok"] is False


# ---------------------------------------------------------------- the command


def test_serve_get_answers_one_request(built: tuple[Config, WritableStore], runner: CliRunner) -> None:
    config, _store = built
    result = runner.invoke(
        main,
        [
            "serve",
            "--store",
            config.store,
            "--get",
            "/doc/bezirk/treptow-koepenick",
            "--accept",
            "application/n-triples",
        ],
    )
    assert result.exit_code == 0, result.output
    assert len(Graph().parse(data=result.output, format="nt")) > 10


def test_serve_get_shows_headers_and_fails_on_errors(built: tuple[Config, WritableStore], runner: CliRunner) -> None:
    config, _store = built
    redirect = runner.invoke(
        main, ["serve", "--store", config.store, "--get", "/id/bezirk/treptow-koepenick", "--headers"]
    )
    assert redirect.exit_code == 0
    assert redirect.output.startswith("HTTP/1.1 303 SEE OTHER")
    assert "Location: /doc/bezirk/treptow-koepenick" in redirect.output
    missing = runner.invoke(
        main, ["serve", "--store", config.store, "--get", "/doc/bezirk/nirgendwo", "--accept", "application/json"]
    )
    assert missing.exit_code == 1
    assert json.loads(missing.output)["status"] == 404


def test_serve_refuses_a_base_uri_the_store_was_not_built_with(
    built: tuple[Config, WritableStore], runner: CliRunner
) -> None:
    config, _store = built
    result = runner.invoke(main, ["serve", "--store", config.store, "--base-uri", "https://example.org/", "--get", "/"])
    assert result.exit_code == 2
    assert "was built with http://localhost:8080/" in result.output


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@pytest.mark.parametrize("production", [False, True], ids=["werkzeug", "gunicorn"])
def test_the_real_server_answers(built: tuple[Config, WritableStore], tmp_path: Path, production: bool) -> None:
    config, _store = built
    options = ["--production", "--workers", "2", "--threads", "2"] if production else []
    with serving(config.store, free_port(), tmp_path / "server.log", *options) as base:
        opener = urllib.request.build_opener(_NoRedirect)
        request = urllib.request.Request(base + "/id/bezirk/treptow-koepenick", headers={"Accept": "text/turtle"})
        with pytest.raises(urllib.error.HTTPError) as redirect:
            opener.open(request, timeout=10)
        redirect.value.close()
        assert redirect.value.code == 303
        assert redirect.value.headers["Location"].endswith("/doc/bezirk/treptow-koepenick")
        document = urllib.request.Request(base + "/doc/bezirk/treptow-koepenick", headers={"Accept": "text/turtle"})
        with urllib.request.urlopen(document, timeout=10) as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"
            etag = response.headers["ETag"]
            assert len(Graph().parse(data=response.read().decode("utf-8"), format="turtle")) > 10
        again = urllib.request.Request(document.full_url, headers={"Accept": "text/turtle", "If-None-Match": etag})
        with pytest.raises(urllib.error.HTTPError) as not_modified:
            urllib.request.urlopen(again, timeout=10)
        not_modified.value.close()
        assert not_modified.value.code == 304
