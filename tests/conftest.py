"""Shared fixtures and helpers: the real project data, a real store built from it, the real CLI, a real server."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.testing import FlaskClient

from publisher.build import build
from publisher.cli import main
from publisher.config import PROJECT_ROOT, Config, load_config
from publisher.store import WritableStore, open_store
from publisher.web import create_app

TESTS = Path(__file__).resolve().parent
CORPUS = TESTS / "corpus"
HOLDOUT = TESTS / "holdout"
BASE = "http://localhost:8080/"

DATA = PROJECT_ROOT / "data"
SEED_NAME = "000_c29135c87af4bc78.txt"
SEED = DATA / "releases" / SEED_NAME
SEED_IRI = "http://localhost:8080/id/pressemitteilung/2025-01-17-3-bezirkliches-benn-treffen-hat-stattgefunden"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
NEW_SENTENCE = "Die Dokumentation des Treffens steht ab Februar online zur Verfügung."
#: An ASK for the release body that carries NEW_SENTENCE (``with_new_sentence``).
HAS_NEW_SENTENCE = f'ASK {{ ?r <https://schema.org/articleBody> ?b FILTER(CONTAINS(?b, "{NEW_SENTENCE}")) }}'

#: The extraction score tables test_extraction fills, printed after the test run: title -> table.
TABLES: dict[str, str] = {}


# ---------------------------------------------------------------- data folders


#: A release written in Markdown with front matter, as a press office would write one.
MARKDOWN = """---
title: "Neues Nachbarschaftsbüro in Altglienicke"
date: 2025-03-04
modified: 2025-03-05
number: "112/2025"
image_credit: "BA-TK"
publisher: "Bezirksamt Treptow-Köpenick"
contacts:
  - ["Pressestelle", "Alt-Köpenick 21", "12555 Berlin", "Tel.: (030) 90297 - 2300"]
---
Am Freitag, dem 7. März 2025, eröffnet das Team von **BENN Altglienicke** um 15 Uhr sein neues Büro
am Ehrenfelder Platz 4.

Bezirksbürgermeister Oliver Igel: „Mit dem neuen Büro hat die Nachbarschaft in Altglienicke einen Ort,
an dem Ideen entstehen können.“
"""


def data_folder(root: Path, *files: tuple[str, str | bytes]) -> Path:
    """A data folder of a test's own under ``root``: the curated reference data and ``files`` as releases."""
    data = root / "data"
    shutil.copytree(DATA / "reference", data / "reference")
    (data / "releases").mkdir(parents=True)
    for name, content in files:
        target = data / "releases" / name
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, "utf-8")
    return data


def seed_data(root: Path) -> Path:
    """A data folder of a test's own under ``root``: the curated reference data and the seed release."""
    return data_folder(root, (SEED_NAME, SEED.read_bytes()))


def with_new_sentence(text: str) -> str:
    """The seed with one more sentence (NEW_SENTENCE) at the end of its body, before the first contact block."""
    marker = " Kontakt Pressestelle"
    assert text.count(marker) == 1
    return text.replace(marker, f" {NEW_SENTENCE}{marker}")


# ---------------------------------------------------------------- the CLI


def add_area(data: Path) -> None:
    """A new curated area in ``data``'s reference data: the Quartier "Neues Testgebiet" in Treptow-Köpenick."""
    (data / "reference" / "areas-extra.ttl").write_text(
        "@prefix schema: <https://schema.org/> .\n@prefix pm: <https://w3id.org/pm-berlin/ontology#> .\n"
        '<id/quartier/neues-testgebiet> a pm:Quartier ; schema:name "Neues Testgebiet" ;\n'
        "    schema:containedInPlace <id/bezirk/treptow-koepenick> .\n",
        "utf-8",
    )


def run(runner: CliRunner, *args: str, stdin: str | None = None) -> Result:
    """``publisher ARGS`` through click's test runner."""
    return runner.invoke(main, list(args), input=stdin, catch_exceptions=True)


def cli_build(runner: CliRunner, data: Path, store: Path) -> Result:
    """``publisher build`` of ``data`` into ``store``."""
    return run(runner, "build", "--data", str(data), "--store", str(store), "--workers", "1", "--quiet")


def select(runner: CliRunner, store: Path, sparql: str) -> list[dict[str, str]]:
    """The rows ``publisher query`` answers a SELECT with: variable -> value."""
    result = run(runner, "query", "--store", str(store), "--format", "json", sparql)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["results"]["bindings"]
    return [{k: v["value"] for k, v in row.items()} for row in rows]


def ask(runner: CliRunner, store: Path, sparql: str) -> bool:
    """What ``publisher query`` answers an ASK with."""
    result = run(runner, "query", "--store", str(store), sparql)
    assert result.exit_code == 0, result.output
    answer = result.stdout.strip()
    assert answer in ("true", "false"), result.output
    return answer == "true"


# ---------------------------------------------------------------- the server


def timed_get(url: str, accept: str, timeout: float = 30) -> tuple[int, bytes, float]:
    """GET ``url`` over HTTP: the status (errors included), the body and the seconds it took."""
    started = time.monotonic()
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read(), time.monotonic() - started
    except urllib.error.HTTPError as error:
        return error.code, error.read(), time.monotonic() - started


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise AssertionError(f"no answer from {url} within {seconds} s")


@contextmanager
def serving(store: str, port: int, log: Path, *options: str) -> Iterator[str]:
    """``publisher serve`` on ``port`` as a process of its own, its output in ``log``: yields its base URL once it
    answers, and stops it afterwards."""
    command = [sys.executable, "-m", "publisher.cli", "serve", "--store", store, "--port", str(port), *options]
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env={**os.environ})
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(base + "/", process)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=30)


# ---------------------------------------------------------------- the standards

#: Why the tests of a W3C suite skip on a machine without the standards.
NOT_SET = "PUBLISHER_STANDARDS not set and no ../shared/standards: the W3C SPARQL test suites are read from there"


def standards_folder() -> Path | None:
    """The folder PUBLISHER_STANDARDS names (mandatory then), else the checkout's neighbour if it is there."""
    value = os.environ.get("PUBLISHER_STANDARDS")
    if value:
        return Path(value)
    beside = PROJECT_ROOT.parent / "shared" / "standards"
    return beside if beside.is_dir() else None


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def standards() -> Path:
    """The folder of public standards (schema.org, DCAT-AP, ...) named by PUBLISHER_STANDARDS."""
    folder = Path(os.environ.get("PUBLISHER_STANDARDS", PROJECT_ROOT.parent / "shared" / "standards"))
    if not (folder / "schemaorg").is_dir():
        pytest.fail(f"PUBLISHER_STANDARDS={folder} does not hold the standards (schemaorg/ missing)")
    return folder


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """Settings for a build of the bundled data into a fresh store of this test's own."""
    return load_config(environ={}, data_dir=PROJECT_ROOT / "data", store=str(tmp_path / "store"), workers=1)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, WritableStore]:
    """The bundled data, built once into an on-disk store (read-only for the tests that use it)."""
    folder = tmp_path_factory.mktemp("built")
    cfg = load_config(environ={}, data_dir=PROJECT_ROOT / "data", store=str(folder / "store"), workers=1)
    store = open_store(cfg.store, writable=True)
    assert isinstance(store, WritableStore)
    report = build(cfg, store)
    assert report.exit_code == 0, report.text()
    return cfg, store


@pytest.fixture(scope="session")
def cli_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed built once with the real CLI: a folder holding the data folder ``data`` and the on-disk store
    ``store`` built from it. Read-only: a test that writes to either works on a copy."""
    root = tmp_path_factory.mktemp("cli")
    result = cli_build(CliRunner(), seed_data(root), root / "store")
    assert result.exit_code == 0, result.output
    assert "store updated" in result.output
    return root


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def pytest_terminal_summary(terminalreporter: object) -> None:
    """Print the score tables the tests filled (extraction precision and recall, SPARQL pass rates) after the run,
    and where the browser tests' screenshots are (PUBLISHER_SCREENSHOTS), when they saved any there."""
    for title, table in TABLES.items():
        terminalreporter.write_sep("-", f"scores: {title}")  # type: ignore[attr-defined]
        terminalreporter.write_line(table)  # type: ignore[attr-defined]
    folder = os.environ.get("PUBLISHER_SCREENSHOTS")
    saved = sorted(Path(folder).rglob("*.png")) if folder else []
    if saved:
        tests = {path.parent.name for path in saved}
        terminalreporter.write_sep("-", "screenshots of the browser tests")  # type: ignore[attr-defined]
        terminalreporter.write_line(  # type: ignore[attr-defined]
            f"{len(saved)} screenshots of {len(tests)} tests in {Path(str(folder)).resolve()}"
        )


@pytest.fixture(scope="session")
def app(built: tuple[Config, WritableStore]) -> Flask:
    """The Linked Data server over the built bundled data."""
    config, _store = built
    return create_app(config, open_store(config.store))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
