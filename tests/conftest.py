"""Shared fixtures: the real project data, a real store built from it, the real CLI."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from publisher.build import build
from publisher.config import PROJECT_ROOT, Config, load_config
from publisher.store import WritableStore, open_store
from publisher.web import create_app

TESTS = Path(__file__).resolve().parent
CORPUS = TESTS / "corpus"
HOLDOUT = TESTS / "holdout"
BASE = "http://localhost:8080/"


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


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def pytest_terminal_summary(terminalreporter: object) -> None:
    """Print the extraction scores (field-level precision and recall) after the test run."""
    from tests.test_extraction import TABLES

    for title, table in TABLES.items():
        terminalreporter.write_sep("-", f"extraction scores: {title}")  # type: ignore[attr-defined]
        terminalreporter.write_line(table)  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def app(built: tuple[Config, WritableStore]) -> Flask:
    """The Linked Data server over the built bundled data."""
    config, _store = built
    return create_app(config, open_store(config.store))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
