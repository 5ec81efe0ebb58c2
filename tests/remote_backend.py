"""The remote store of the tests: the Virtuoso that CI starts (tests/virtuoso.py), emptied around each use."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

from flask.testing import FlaskClient

from publisher.build import build
from publisher.config import Config
from publisher.store import open_store
from publisher.store.remote import RemoteStore
from publisher.web import create_app
from tests.virtuoso import Virtuoso, require_virtuoso


def settings(config: Config, files: Path, virtuoso: Virtuoso, bulk: bool = False) -> Config:
    """``config`` with the remote store set to ``virtuoso``, its local folder ``files``; with ``bulk``, large
    changes go through Virtuoso's bulk loader."""
    return config.with_overrides(
        store=virtuoso.query_url,
        store_update=virtuoso.update_url,
        store_graphs=virtuoso.gsp_url,
        store_bulk=virtuoso.bulk if bulk else "",
        store_user=virtuoso.user,
        store_password=virtuoso.password,
        store_files=files,
    )


@contextlib.contextmanager
def served(
    config: Config, files: Path, reading: Callable[[str, Path], RemoteStore] = RemoteStore, bulk: bool = False
) -> Iterator[tuple[FlaskClient, FlaskClient, RemoteStore]]:
    """The data of ``config`` served from its embedded store and, built into the emptied Virtuoso (local folder
    ``files``; with ``bulk``, through Virtuoso's bulk loader), from Virtuoso through the store ``reading(query URL,
    files)`` makes: both apps' clients, and that store."""
    with emptied() as running:
        remote = settings(config, files, running, bulk)
        writer = open_store(remote.store, writable=True, settings=remote)
        assert isinstance(writer, RemoteStore)
        report = build(remote, writer)
        assert report.exit_code == 0, report.text()
        store = reading(running.query_url, files)
        embedded = create_app(config, open_store(config.store)).test_client()
        yield embedded, create_app(remote, store).test_client(), store


@contextlib.contextmanager
def emptied() -> Iterator[Virtuoso]:
    """The Virtuoso to test against (or the test is skipped, or fails in CI), without any graph but its own, before
    and after."""
    virtuoso = require_virtuoso()
    virtuoso.empty()
    try:
        yield virtuoso
    finally:
        virtuoso.empty()


@contextlib.contextmanager
def store(files: Path) -> Iterator[RemoteStore]:
    """A remote store on the emptied Virtuoso, with the local folder ``files``."""
    with emptied() as virtuoso:
        target = RemoteStore(
            virtuoso.query_url,
            files,
            update=virtuoso.update_url,
            graph_store=virtuoso.gsp_url,
            user=virtuoso.user,
            password=virtuoso.password,
            timeout=120,
        )
        try:
            yield target
        finally:
            target.close()
