"""What every request of the app shares: the settings, the store, and the responses remembered from its current
state. When a build publishes a new state, the store's version token changes and every remembered response goes.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

from publisher.cache import LruCache
from publisher.config import Config
from publisher.resources import Resources
from publisher.search import SearchIndex
from publisher.sparql.endpoint import Endpoint
from publisher.store import Store

if TYPE_CHECKING:
    from publisher.web.memo import Memo


@dataclass
class Rendered:
    """A rendered body and what a response needs to say about it."""

    body: bytes
    content_type: str
    links: list[str] = field(default_factory=list)
    #: A strong validator: a hash of the body, computed once.
    etag: str = ""

    def __post_init__(self) -> None:
        if not self.etag:
            self.etag = hashlib.sha256(self.body).hexdigest()[:40]


class Published:
    """The app's view of the store."""

    def __init__(self, config: Config, store: Store) -> None:
        self.config = config
        self.store = store
        self.resources = Resources(store, page_size=config.page_size)
        #: The SPARQL endpoint's core, with its worker processes (started at the first query).
        self.sparql = Endpoint(store, config)
        #: Whole responses remembered from the current state (see publisher.web.memo).
        self.responses: LruCache[Memo] = LruCache(config.response_cache)
        #: Services the landing page links to: endpoint name -> (title, what it is), registered by blueprints.
        self.services: dict[str, tuple[str, str]] = {}
        self._version: str | None = None
        self._manifest: dict[str, Any] = {}
        self._last_modified: datetime | None = None
        self._lock = threading.Lock()

    def version(self) -> str:
        """The current state's token; a new state forgets every remembered response."""
        version = self.store.version()
        if version != self._version:
            with self._lock:
                if version != self._version:
                    self.responses.clear()
                    self._manifest = self.store.manifest() or {}
                    built = self._manifest.get("built")
                    self._last_modified = (
                        datetime.strptime(str(built), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) if built else None
                    )
                    self._version = version
        return version

    def manifest(self) -> dict[str, Any]:
        self.version()
        return self._manifest

    def search_index(self) -> SearchIndex | None:
        """The full-text search index of the current state (None when it has none), opened once per state."""
        self.version()
        return self.resources.search_index(self.config.search_length)

    def last_modified(self) -> datetime | None:
        """When the state last seen by ``version`` was built (every view has asked for the version before)."""
        if self._version is None:
            self.version()
        return self._last_modified


def published(app: Flask | None = None) -> Published:
    """The Published of ``app`` (default: the app handling the current request)."""
    target = app if app is not None else current_app
    state: Published = target.extensions["publisher"]
    return state


__all__ = ["Published", "Rendered", "published"]
