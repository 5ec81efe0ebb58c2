"""What every request of the app shares: the settings, the store, and what was rendered from its current state.

Rendered responses are kept per published state: when a build publishes a new state, the store's version token
changes and nothing rendered from the old state is served again.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import Flask, current_app

from publisher.config import Config
from publisher.resources import Resources
from publisher.store import Store

T = TypeVar("T")


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


class ResponseCache:
    """A bounded least-recently-used map, shared by the threads of one process."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_make(self, key: tuple[Any, ...], make: Callable[[], T]) -> T:
        if self.capacity <= 0:
            return make()
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]  # type: ignore[no-any-return]
        value = make()
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)
        return value

    def get(self, key: tuple[Any, ...]) -> Any:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: tuple[Any, ...], value: Any) -> None:
        if self.capacity <= 0:
            return
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class Published:
    """The app's view of the store."""

    def __init__(self, config: Config, store: Store) -> None:
        self.config = config
        self.store = store
        self.resources = Resources(store, page_size=config.page_size)
        self.cache = ResponseCache(config.response_cache)
        #: Services the landing page links to: endpoint name -> (title, what it is), registered by blueprints.
        self.services: dict[str, tuple[str, str]] = {}
        self._version: str | None = None
        self._manifest: dict[str, Any] = {}
        self._last_modified: datetime | None = None
        self._lock = threading.Lock()

    def version(self) -> str:
        """The current state's token; a new state empties the cache."""
        version = self.store.version()
        if version != self._version:
            with self._lock:
                if version != self._version:
                    self.cache.clear()
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

    def last_modified(self) -> datetime | None:
        """When the state last seen by ``version`` was built (every view has asked for the version before)."""
        if self._version is None:
            self.version()
        return self._last_modified

    def cached(self, key: tuple[Any, ...], make: Callable[[], T]) -> T:
        version = self.version()
        return self.cache.get_or_make((version, *key), make)


def published(app: Flask | None = None) -> Published:
    """The Published of ``app`` (default: the app handling the current request)."""
    target = app if app is not None else current_app
    state: Published = target.extensions["publisher"]
    return state


__all__ = ["Published", "Rendered", "ResponseCache", "published"]
