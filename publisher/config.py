"""Declared settings: name, default, help. Read once, from defaults < environment < command-line flags."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path
from urllib.parse import urlsplit

from publisher.errors import ConfigError

#: The project folder (holding ``ontology/``, ``shapes/`` and ``data/``) when run from a checkout.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "base_uri",
        "PUBLISHER_BASE_URI",
        "http://localhost:8080/",
        "Base under which every published IRI is minted; must end with '/'.",
    ),
    Setting(
        "data_dir",
        "PUBLISHER_DATA",
        str(PROJECT_ROOT / "data"),
        "Folder with press releases (releases/) and curated reference data (reference/).",
    ),
    Setting(
        "store",
        "PUBLISHER_STORE",
        str(PROJECT_ROOT / "var" / "store"),
        "Where the published graph lives: a folder for the embedded on-disk store, or ':memory:'.",
    ),
    Setting(
        "workers",
        "PUBLISHER_WORKERS",
        "0",
        "Processes used to extract and validate during a build; 0 means one per CPU core.",
    ),
    Setting(
        "cache_max_age",
        "PUBLISHER_CACHE_MAX_AGE",
        "60",
        "Seconds that clients and proxies may reuse a served page or document without asking again (Cache-Control).",
    ),
    Setting(
        "page_size",
        "PUBLISHER_PAGE_SIZE",
        "50",
        "Entries per page of listings and of the resources that link to a resource.",
    ),
    Setting(
        "response_cache",
        "PUBLISHER_RESPONSE_CACHE",
        "2000",
        "Rendered responses each server process keeps in memory (per published state); 0 turns the cache off.",
    ),
)


@dataclass(frozen=True)
class Config:
    """The resolved settings of one run."""

    base_uri: str
    data_dir: Path
    store: str
    workers: int
    cache_max_age: int
    page_size: int
    response_cache: int

    @property
    def reference_files(self) -> list[Path]:
        """The curated reference data: the Turtle files of the data folder's reference/."""
        return sorted((self.data_dir / "reference").glob("*.ttl"))

    @property
    def shapes_dir(self) -> Path:
        return PROJECT_ROOT / "shapes"

    @property
    def ontology_dir(self) -> Path:
        return PROJECT_ROOT / "ontology"

    def with_overrides(self, **overrides: object) -> Config:
        """A copy with the given settings replaced; ``None`` values are ignored."""
        given = {k: v for k, v in overrides.items() if v is not None}
        if not given:
            return self
        raw = {f.name: getattr(self, f.name) for f in fields(self)}
        raw.update(given)
        return _build(raw)


def check_base_uri(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"base_uri: '{value}' is not an absolute http(s) URI (setting PUBLISHER_BASE_URI / --base-uri)"
        )
    if not value.endswith("/"):
        raise ConfigError(f"base_uri: '{value}' must end with '/' (setting PUBLISHER_BASE_URI / --base-uri)")
    if parts.query or parts.fragment:
        raise ConfigError(f"base_uri: '{value}' must not have a query or fragment")
    return value


def _env(name: str) -> str:
    """The environment variable of a setting, for error messages."""
    return next(s.env for s in SETTINGS if s.name == name)


def _whole_number(raw: dict[str, object], name: str, smallest: int) -> int:
    env = _env(name)
    try:
        value = int(str(raw[name]))
    except ValueError as exc:
        raise ConfigError(f"{name}: '{raw[name]}' is not a whole number (setting {env})") from exc
    if value < smallest:
        raise ConfigError(f"{name}: {value} is below {smallest} (setting {env})")
    return value


def _build(raw: dict[str, object]) -> Config:
    for name in ("store", "data_dir"):
        if not str(raw[name]).strip():
            raise ConfigError(f"{name}: empty (setting {_env(name)}); name a folder")
    workers = _whole_number(raw, "workers", 0)
    return Config(
        base_uri=check_base_uri(str(raw["base_uri"])),
        data_dir=Path(str(raw["data_dir"])),
        store=str(raw["store"]),
        workers=workers or (os.cpu_count() or 1),
        cache_max_age=_whole_number(raw, "cache_max_age", 0),
        page_size=_whole_number(raw, "page_size", 1),
        response_cache=_whole_number(raw, "response_cache", 0),
    )


def load_config(environ: dict[str, str] | None = None, **overrides: object) -> Config:
    """Defaults, then the environment, then explicit overrides (command-line flags)."""
    env = os.environ if environ is None else environ
    raw: dict[str, object] = {s.name: env.get(s.env, s.default) for s in SETTINGS}
    raw.update({k: v for k, v in overrides.items() if v is not None})
    return _build(raw)


__all__ = ["PROJECT_ROOT", "SETTINGS", "Config", "Setting", "check_base_uri", "load_config"]
