"""HTTP caching (ETag, Last-Modified, 304, Cache-Control) and cross-origin access, on data and pages alike."""

from __future__ import annotations

from email.utils import format_datetime, parsedate_to_datetime

import pytest
from flask.testing import FlaskClient

from publisher.config import Config
from publisher.store import WritableStore
from publisher.web import create_app

PATHS = [
    ("/doc/bezirk/treptow-koepenick", "text/turtle"),
    ("/doc/bezirk/treptow-koepenick", "application/ld+json"),
    ("/doc/bezirk/treptow-koepenick", "text/html"),
    ("/doc/pressemitteilung/2025-01-17-3-bezirkliches-benn-treffen-hat-stattgefunden.nt", "*/*"),
    ("/", "text/html"),
    ("/liste/ortsteile", "text/html"),
    ("/dumps/", "text/html"),
    ("/dumps/dataset.nt.gz", "*/*"),
    ("/graph/entities", "text/turtle"),
]


@pytest.mark.parametrize(("path", "accept"), PATHS)
def test_if_none_match_gives_304(client: FlaskClient, path: str, accept: str) -> None:
    with client.get(path, headers={"Accept": accept}) as first:
        assert first.status_code == 200
        etag = first.headers["ETag"]
        assert etag.startswith('"') and etag.endswith('"')  # strong
    with client.get(path, headers={"Accept": accept, "If-None-Match": etag}) as again:
        assert again.status_code == 304
        assert again.data == b""
        assert again.headers["ETag"] == etag
    with client.get(path, headers={"Accept": accept, "If-None-Match": '"something-else"'}) as changed:
        assert changed.status_code == 200


@pytest.mark.parametrize(("path", "accept"), PATHS)
def test_if_modified_since_gives_304(client: FlaskClient, path: str, accept: str) -> None:
    with client.get(path, headers={"Accept": accept}) as first:
        modified = first.headers["Last-Modified"]
    built = parsedate_to_datetime(modified)
    with client.get(path, headers={"Accept": accept, "If-Modified-Since": modified}) as same:
        assert same.status_code == 304
    earlier = format_datetime(built.replace(year=built.year - 1), usegmt=True)
    with client.get(path, headers={"Accept": accept, "If-Modified-Since": earlier}) as older:
        assert older.status_code == 200


def test_last_modified_is_when_the_data_was_built(built: tuple[Config, WritableStore], client: FlaskClient) -> None:
    _config, store = built
    manifest = store.manifest()
    assert manifest is not None
    stamp = parsedate_to_datetime(client.get("/doc/bezirk/treptow-koepenick").headers["Last-Modified"])
    assert stamp.strftime("%Y-%m-%dT%H:%M:%SZ") == manifest["built"]


def test_formats_have_their_own_etags(client: FlaskClient) -> None:
    tags = {
        client.get("/doc/bezirk/treptow-koepenick", headers={"Accept": t}).headers["ETag"]
        for t in ("text/turtle", "application/ld+json", "application/n-triples", "text/html")
    }
    assert len(tags) == 4


def test_cache_control_max_age_is_a_setting(built: tuple[Config, WritableStore], client: FlaskClient) -> None:
    config, store = built
    assert client.get("/doc/bezirk/treptow-koepenick").cache_control.max_age == config.cache_max_age
    other = create_app(config.with_overrides(cache_max_age=3600), store).test_client()
    response = other.get("/doc/bezirk/treptow-koepenick")
    assert response.cache_control.max_age == 3600
    assert response.cache_control.public


def test_errors_are_not_cached(client: FlaskClient) -> None:
    response = client.get("/doc/bezirk/nirgendwo")
    assert response.status_code == 404
    assert response.cache_control.no_store


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/doc/bezirk/treptow-koepenick", 200),
        ("/id/bezirk/treptow-koepenick", 303),
        ("/doc/bezirk/nirgendwo", 404),
        ("/id/bezirk/nirgendwo", 404),
        ("/doc/bezirk/treptow-koepenick.ttl?page=0", 400),
        ("/dumps/dataset.ttl", 200),
        ("/", 200),
    ],
)
def test_cors_on_every_response(client: FlaskClient, path: str, status: int) -> None:
    with client.get(path, headers={"Origin": "https://example.org"}) as response:
        assert response.status_code == status
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        exposed = response.headers["Access-Control-Expose-Headers"]
        for header in ("ETag", "Link", "Location", "Last-Modified"):
            assert header in exposed


def test_cors_preflight(client: FlaskClient) -> None:
    response = client.options(
        "/doc/bezirk/treptow-koepenick",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "If-None-Match",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
    assert "If-None-Match" in response.headers["Access-Control-Allow-Headers"]


def test_a_new_build_is_served_at_once(tmp_path, runner) -> None:  # type: ignore[no-untyped-def]
    """The server notices a new state without a restart and drops what it rendered from the old one."""
    import shutil

    from publisher.cli import main
    from publisher.config import PROJECT_ROOT, load_config
    from publisher.store import open_store
    from tests.conftest import add_area

    data = tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "data", data)
    store = tmp_path / "store"
    args = ["build", "--data", str(data), "--store", str(store), "--workers", "1", "--quiet"]
    assert runner.invoke(main, args).exit_code == 0
    config = load_config(environ={}, data_dir=data, store=str(store))
    client = create_app(config, open_store(str(store))).test_client()
    before = client.get("/doc/bezirk/treptow-koepenick.ttl")
    assert "Neues Testgebiet" not in before.get_data(as_text=True)
    add_area(data)
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    after = client.get("/doc/bezirk/treptow-koepenick.ttl", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert "Neues Testgebiet" in after.get_data(as_text=True)
    assert after.headers["ETag"] != before.headers["ETag"]


def test_repeated_requests_are_answered_alike(built: tuple[Config, WritableStore]) -> None:
    """The second identical request is answered from the memo of the first: same status, headers and body."""
    config, store = built
    client = create_app(config, store).test_client()
    for accept in ("text/turtle", "text/html", "application/ld+json"):
        first = client.get("/doc/bezirk/treptow-koepenick", headers={"Accept": accept})
        second = client.get("/doc/bezirk/treptow-koepenick", headers={"Accept": accept})
        assert second.status_code == first.status_code == 200
        assert second.data == first.data
        assert sorted(second.headers.items()) == sorted(first.headers.items())
        head = client.head("/doc/bezirk/treptow-koepenick", headers={"Accept": accept})
        assert head.data == b"" and head.headers["ETag"] == first.headers["ETag"]
        weak = client.get(
            "/doc/bezirk/treptow-koepenick", headers={"Accept": accept, "If-None-Match": "W/" + first.headers["ETag"]}
        )
        assert weak.status_code == 304
        assert weak.headers["Access-Control-Allow-Origin"] == "*"
        assert weak.headers["Vary"] == "Accept"
    # a page that is not asked again in the same way is answered afresh
    other = client.get("/doc/bezirk/treptow-koepenick", headers={"Accept": "text/turtle;q=0.9, text/html"})
    assert other.mimetype == "text/html"
    # ranges go to the app, which answers them from the file
    ranged = client.get("/dumps/dataset.ttl", headers={"Range": "bytes=0-9"})
    assert ranged.status_code == 206 and len(ranged.data) == 10
    ranged.close()
