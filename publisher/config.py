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
        "Where the published graph lives: a folder for the embedded on-disk store, ':memory:', or the http(s) URL "
        "of a SPARQL 1.1 endpoint (Virtuoso, Fuseki ...) whose default graph is the union of its named graphs.",
    ),
    Setting(
        "store_update",
        "PUBLISHER_STORE_UPDATE",
        "",
        "With a remote store: the URL that takes SPARQL Update requests, when it is not the query URL "
        "(Virtuoso: .../sparql-auth; Fuseki: .../update).",
    ),
    Setting(
        "store_graphs",
        "PUBLISHER_STORE_GRAPHS",
        "",
        "With a remote store: its SPARQL 1.1 Graph Store Protocol URL, which takes whole graphs in one request "
        "(Virtuoso: .../sparql-graph-crud-auth; Fuseki: .../data); empty to write by SPARQL Update only.",
    ),
    Setting(
        "store_bulk",
        "PUBLISHER_STORE_BULK",
        "",
        "With Virtuoso as the store: a folder that the publisher writes and Virtuoso reads (one of its DirsAllowed), "
        "through which a large change is loaded by Virtuoso's bulk loader; empty to write by SPARQL Update only.",
    ),
    Setting(
        "store_user",
        "PUBLISHER_STORE_USER",
        "",
        "With a remote store: the user for its updates (HTTP Basic or Digest, as the store asks); empty for none.",
    ),
    Setting(
        "store_password",
        "PUBLISHER_STORE_PASSWORD",
        "",
        "With a remote store: the password of PUBLISHER_STORE_USER.",
    ),
    Setting(
        "store_files",
        "PUBLISHER_STORE_FILES",
        str(PROJECT_ROOT / "var" / "store-files"),
        "With a remote store: the local folder for what belongs to each published state besides the graphs "
        "(manifest, dumps, search index, change log, build cache); every server of the store needs it.",
    ),
    Setting(
        "store_batch",
        "PUBLISHER_STORE_BATCH",
        "5000",
        "With a remote store: triples per SPARQL Update request; a change up to this size is written in one "
        "request, atomically, a larger one in several.",
    ),
    Setting(
        "store_timeout",
        "PUBLISHER_STORE_TIMEOUT",
        "600",
        "With a remote store: seconds to wait for it to answer a request of the publisher's own (a build's write, "
        "a page's query) before giving up with an error.",
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
    Setting(
        "sparql_timeout",
        "PUBLISHER_SPARQL_TIMEOUT",
        "10",
        "Seconds a SPARQL query may run; then its worker process is stopped and the client gets 503.",
    ),
    Setting(
        "sparql_max_rows",
        "PUBLISHER_SPARQL_MAX_ROWS",
        "10000",
        "Most result rows (SELECT) or triples (CONSTRUCT, DESCRIBE) a SPARQL answer holds; longer answers are cut "
        "and say so in the header X-SPARQL-MaxRows.",
    ),
    Setting(
        "sparql_max_body",
        "PUBLISHER_SPARQL_MAX_BODY",
        "65536",
        "Longest SPARQL request accepted, in bytes (a POST body, or the query text of a GET); longer ones get 413.",
    ),
    Setting(
        "sparql_concurrency",
        "PUBLISHER_SPARQL_CONCURRENCY",
        "2",
        "SPARQL queries each server process runs at once, each in a worker process of its own; more get 503 "
        "with Retry-After.",
    ),
    Setting(
        "sparql_memory",
        "PUBLISHER_SPARQL_MEMORY",
        "1000000",
        "Largest published state (in triples) that each SPARQL worker process copies into memory, where queries run "
        "several times faster; larger states are read from disk. 0: always from disk.",
    ),
    Setting(
        "sparql_worker_memory",
        "PUBLISHER_SPARQL_WORKER_MEMORY",
        "2048",
        "Most memory (MiB) a SPARQL worker process may take, its copy of the state included; a query that needs "
        "more gets 503. 0: no limit.",
    ),
    Setting(
        "sparql_services",
        "PUBLISHER_SPARQL_SERVICES",
        "",
        "Endpoints that SERVICE (federated queries) may call, separated by spaces; SERVICE to any other is refused.",
    ),
    Setting(
        "sparql_search_max",
        "PUBLISHER_SPARQL_SEARCH_MAX",
        "10000",
        "Most releases one full-text search pattern of a SPARQL query (search:matches) may find; a search text "
        "that matches more gets 400.",
    ),
    Setting(
        "api_max_page_size",
        "PUBLISHER_API_MAX_PAGE_SIZE",
        "200",
        "Most entries one page of the JSON API holds (per_page, limit).",
    ),
    Setting(
        "search_length",
        "PUBLISHER_SEARCH_LENGTH",
        "200",
        "Longest full-text search text accepted, in characters (the search page, the API, 'publisher search').",
    ),
    Setting(
        "fragment_page_size",
        "PUBLISHER_FRAGMENT_PAGE_SIZE",
        "100",
        "Triples per page of a Triple Pattern Fragment (/fragments).",
    ),
    Setting(
        "validate_max_body",
        "PUBLISHER_VALIDATE_MAX_BODY",
        "262144",
        "Largest body (bytes) the validation service (/validate) accepts; larger gets 413. At 256 KiB a press-release "
        "text takes about 3 s to extract and validate (extraction grows faster than the text), RDF about 0.2 s.",
    ),
    Setting(
        "ldes_page_size",
        "PUBLISHER_LDES_PAGE_SIZE",
        "100",
        "Members per page of the change feed (/ldes). Full pages are served as immutable: change it only with a "
        "new base URI or expect caches to hold the old pages.",
    ),
    Setting(
        "catalog_page_size",
        "PUBLISHER_CATALOG_PAGE_SIZE",
        "100",
        "Datasets per page of the data catalogue (/catalog?page=N, with Hydra links between the pages).",
    ),
    Setting(
        "publish_token",
        "PUBLISHER_PUBLISH_TOKEN",
        "",
        "The bearer token that allows publishing and withdrawing releases over HTTP (/publish/releases/NAME), at "
        "least 16 characters; empty: publishing over HTTP is off.",
    ),
    Setting(
        "publish_max_body",
        "PUBLISHER_PUBLISH_MAX_BODY",
        "262144",
        "Largest release (bytes) that publishing over HTTP accepts; larger gets 413.",
    ),
    Setting(
        "publish_wait",
        "PUBLISHER_PUBLISH_WAIT",
        "60",
        "Seconds a publication over HTTP waits for a build that is running to end; then 503 with Retry-After.",
    ),
)


@dataclass(frozen=True)
class Config:
    """The resolved settings of one run."""

    base_uri: str
    data_dir: Path
    store: str
    store_update: str
    store_graphs: str
    store_bulk: str
    store_user: str
    store_password: str
    store_files: Path
    store_batch: int
    store_timeout: float
    workers: int
    cache_max_age: int
    page_size: int
    response_cache: int
    sparql_timeout: float
    sparql_max_rows: int
    sparql_max_body: int
    sparql_concurrency: int
    sparql_memory: int
    sparql_worker_memory: int
    sparql_services: tuple[str, ...]
    sparql_search_max: int
    api_max_page_size: int
    search_length: int
    fragment_page_size: int
    validate_max_body: int
    ldes_page_size: int
    catalog_page_size: int
    publish_token: str
    publish_max_body: int
    publish_wait: float

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


def _seconds(raw: dict[str, object], name: str) -> float:
    env = _env(name)
    try:
        value = float(str(raw[name]))
    except ValueError as exc:
        raise ConfigError(f"{name}: '{raw[name]}' is not a number of seconds (setting {env})") from exc
    if not 0 < value < 86400:
        raise ConfigError(f"{name}: {value} is not between 0 and 86400 seconds (setting {env})")
    return value


def _endpoints(raw: dict[str, object], name: str) -> tuple[str, ...]:
    value = raw[name]
    items = [str(v) for v in value] if isinstance(value, (list, tuple)) else str(value).replace(",", " ").split()
    for item in items:
        parts = urlsplit(item)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"{name}: '{item}' is not an absolute http(s) URL (setting {_env(name)})")
    return tuple(items)


def _token(raw: dict[str, object], name: str) -> str:
    value = str(raw[name])
    if value and (len(value) < 16 or not value.isascii() or not value.isprintable() or " " in value):
        raise ConfigError(
            f"{name}: the token must be at least 16 printable ASCII characters without spaces (setting {_env(name)})"
        )
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
        store_update=str(raw["store_update"]),
        store_graphs=str(raw["store_graphs"]),
        store_bulk=str(raw["store_bulk"]),
        store_user=str(raw["store_user"]),
        store_password=str(raw["store_password"]),
        store_files=Path(str(raw["store_files"])),
        store_batch=_whole_number(raw, "store_batch", 1),
        store_timeout=_seconds(raw, "store_timeout"),
        workers=workers or (os.cpu_count() or 1),
        cache_max_age=_whole_number(raw, "cache_max_age", 0),
        page_size=_whole_number(raw, "page_size", 1),
        response_cache=_whole_number(raw, "response_cache", 0),
        sparql_timeout=_seconds(raw, "sparql_timeout"),
        sparql_max_rows=_whole_number(raw, "sparql_max_rows", 1),
        sparql_max_body=_whole_number(raw, "sparql_max_body", 64),
        sparql_concurrency=_whole_number(raw, "sparql_concurrency", 1),
        sparql_memory=_whole_number(raw, "sparql_memory", 0),
        sparql_worker_memory=_whole_number(raw, "sparql_worker_memory", 0),
        sparql_services=_endpoints(raw, "sparql_services"),
        sparql_search_max=_whole_number(raw, "sparql_search_max", 1),
        api_max_page_size=_whole_number(raw, "api_max_page_size", 1),
        search_length=_whole_number(raw, "search_length", 1),
        fragment_page_size=_whole_number(raw, "fragment_page_size", 1),
        validate_max_body=_whole_number(raw, "validate_max_body", 1024),
        ldes_page_size=_whole_number(raw, "ldes_page_size", 1),
        catalog_page_size=_whole_number(raw, "catalog_page_size", 1),
        publish_token=_token(raw, "publish_token"),
        publish_max_body=_whole_number(raw, "publish_max_body", 1024),
        publish_wait=_seconds(raw, "publish_wait"),
    )


def load_config(environ: dict[str, str] | None = None, **overrides: object) -> Config:
    """Defaults, then the environment, then explicit overrides (command-line flags)."""
    env = os.environ if environ is None else environ
    raw: dict[str, object] = {s.name: env.get(s.env, s.default) for s in SETTINGS}
    raw.update({k: v for k, v in overrides.items() if v is not None})
    return _build(raw)


__all__ = ["PROJECT_ROOT", "SETTINGS", "Config", "Setting", "check_base_uri", "load_config"]
