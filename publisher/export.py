"""The published dataset as static files, and an nginx configuration that answers like the app.

Every file is what the app itself answers (through Flask's test client of ``create_app``), written as it streams
from the app. An export is a generation folder of its own inside the target folder; ``current`` (a symbolic link)
is switched to it in one rename only when every file is written, so a server reading the folder never sees half an
export, and a failed export leaves the previous one serving.

Layout of a generation (``DIR/current/``)::

    site/              page 1 of everything: site/doc/bezirk/treptow-koepenick.ttl, site/catalog.jsonld, ...
                       (a place's document also as GeoJSON: site/doc/bezirk/treptow-koepenick.geojson)
    page/N/            page N (2 and up) of paged documents, listings and the catalogue
    errors/            the app's error answers (404, 406, 501) in every format

``DIR/nginx.conf`` is a ``server`` block (with the ``map`` blocks it needs) for nginx's ``http`` block: it
negotiates the format from ``Accept`` with regular expressions (nginx has no q-values: see ``accept_map``), answers
``/id/`` with ``303 See Other``, and sends the app's ``Content-Type``, ``Vary``, ``Link``, ``Content-Location``,
``Cache-Control`` and CORS headers; nginx's own static handling gives ``ETag``, ``Last-Modified`` (the files carry
the build's time) and ranges.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from publisher.config import Config
from publisher.dumps import DUMPS
from publisher.errors import NotAcceptableError, PublisherError
from publisher.ldes import LOG_NAME, ChangeLog, pages
from publisher.resources import LISTINGS, page_count
from publisher.store import Store, open_store
from publisher.web import create_app
from publisher.web.errors import error_response
from publisher.web.feeds import FORMATS as STREAM_FORMATS
from publisher.web.feeds import IMMUTABLE_MAX_AGE, PAGE_FORMATS
from publisher.web.http import EXPOSED
from publisher.web.linked_data import PATH_SAFE
from publisher.web.negotiation import ALIASES, DOCUMENT_FORMATS, GEOJSON, PLACE_FORMATS, Representation, negotiate
from publisher.web.security import NOTHING, REFERRER_POLICY, inline_hashes, page_policy

#: Paths the app computes per request: no static copy can answer them.
DYNAMIC = ("sparql", "api", "openapi.json", "fragments", "suche", "validate")
#: Why a static copy answers them with 501 (without ``--upstream``).
DYNAMIC_MESSAGE = (
    "not part of this static copy of the dataset: the SPARQL endpoint (/sparql), the JSON API (/api/), "
    "Triple Pattern Fragments (/fragments), search (/suche), validation (/validate) and the catalogue's "
    "modified_since compute their answers per request and need the publisher's server (publisher serve)"
)
#: The 404 of the static copy: its message cannot name the path, since one file answers every unknown path.
NOT_FOUND_MESSAGE = "nothing at this address of the published dataset"
NOT_ALLOWED_MESSAGE = "this static copy of the dataset answers GET and HEAD only"
NOT_ACCEPTABLE_MESSAGE = "none of the formats this document is offered in is acceptable (see available)"
PLAIN_JSON = "application/json"
#: Accept headers of browsers (Firefox, Chrome, Safari), curl and RDF libraries (rdflib, Jena), and single types.
COMMON_ACCEPTS = (
    "*/*",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/png,image/svg+xml,*/*;q=0.8",
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,"
    "application/signed-exchange;v=b3;q=0.7",
    "text/turtle, application/x-turtle, */*;q=0.1",
    "application/ld+json, application/json;q=0.9, */*;q=0.1",
    "application/rdf+xml, */*;q=0.1",
    "text/plain, */*;q=0.1",
    "text/turtle,application/n-triples;q=0.9,application/ld+json;q=0.8,application/rdf+xml;q=0.7,*/*;q=0.5",
    *(f.media_type for f in (*PLACE_FORMATS, *PAGE_FORMATS)),
    "application/geo+json, application/json;q=0.9, */*;q=0.1",
    *ALIASES,
)
#: What a generation folder and the link to the current one are called inside the target folder.
CURRENT = "current"
GENERATION_PREFIX = ".export-"
#: The longest name of a file most file systems allow, in bytes.
NAME_MAX = 255
_LAST_PAGE = re.compile(r'[?&]page=(\d+)>; rel="last"')


class ExportError(PublisherError):
    """The static export cannot be written."""

    status = 500


@dataclass
class ExportReport:
    """What an export wrote."""

    folder: Path
    resources: int = 0
    files: int = 0
    bytes: int = 0
    seconds: float = 0.0
    #: IRIs (resources, change-feed members) whose path cannot be a file name (an empty, ``.`` or ``..``
    #: segment, or one too long).
    skipped: list[str] = field(default_factory=list)

    def text(self) -> str:
        lines = [f"skipped (no file name for it): {iri}" for iri in self.skipped]
        lines.append(
            f"exported {self.resources} resources as {self.files} files ({self.bytes / 1e6:.1f} MB) in "
            f"{self.seconds:.1f} s to {self.folder / CURRENT}; nginx configuration: {self.folder / 'nginx.conf'}"
        )
        return "\n".join(lines)


# ---------------------------------------------------------------- writing the files


class _Writer:
    """Asks the app and writes what it answers into a generation folder."""

    def __init__(self, client: FlaskClient, root: Path, report: ExportReport, mtime: float | None) -> None:
        self.client = client
        self.root = root
        self.report = report
        self.mtime = mtime
        #: The ``Link`` headers of paged answers, which nginx cannot compute: key (see ``_link_map``) -> header.
        self.paging: dict[str, str] = {}
        #: The documents (their decoded paths) the app also offers as GeoJSON: the places.
        self.places: list[str] = []

    def save(self, url: str, target: str, accept: str | None = None) -> dict[str, str]:
        """Write the app's answer to ``url`` into ``target`` (relative to the generation); its headers."""
        headers = {"Accept": accept} if accept else {}
        response = self.client.get(url, headers=headers, buffered=False)
        try:
            if response.status_code != 200:
                raise ExportError(f"{url}: the app answered {response.status_code}, not 200; nothing was exported")
            path = self.root / target
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as out:
                for chunk in response.iter_encoded():
                    out.write(chunk)
                    self.report.bytes += len(chunk)
            if self.mtime is not None:
                os.utime(path, (self.mtime, self.mtime))
            self.report.files += 1
            return dict(response.headers)
        finally:
            response.close()

    def negotiable(self, path: str, file: str, *, paged: bool = False) -> None:
        """A path offered in every document format: each format's file, and its further pages when it has any;
        GeoJSON too when the app offers it (a place: its answers link the GeoJSON as an alternate).

        ``path`` is the URL path (quoted), ``file`` the decoded path the files are named after."""
        offered = DOCUMENT_FORMATS
        for fmt in PLACE_FORMATS:
            if fmt not in offered:
                continue
            headers = self.save(path + fmt.suffix, f"site{file}{fmt.suffix}")
            if fmt is DOCUMENT_FORMATS[0] and f'type="{GEOJSON.media_type}"' in headers.get("Link", ""):
                offered = PLACE_FORMATS
                self.places.append(file)
            last = _LAST_PAGE.search(headers.get("Link", ""))
            if not paged or last is None:
                continue
            self._paged(path, file, fmt, int(last.group(1)), headers["Link"])

    def _paged(self, path: str, file: str, fmt: Representation, last: int, first_links: str) -> None:
        catalogue = path == "/catalog"
        for number in range(1, last + 1):
            target = f"site{file}{fmt.suffix}" if number == 1 else f"page/{number}{file}{fmt.suffix}"
            query = f"?page={number}"
            links = first_links if number == 1 else self.save(f"{path}{fmt.suffix}{query}", target)["Link"]
            self.paging[f"{fmt.suffix}|/{target}"] = links
            # the catalogue's paging links keep the suffix only when the request had one; a document's always do
            if catalogue:
                answer = self.client.get(f"{path}{query}", headers={"Accept": fmt.media_type})
                links = answer.headers["Link"]
                answer.close()
            self.paging[f"|/{target}"] = links

    def bulk(self, kind: str, rest: str) -> None:
        """One resource's documents (``kind`` "doc") or one member of the change feed (``kind`` "member")."""
        if kind == "doc":
            self.negotiable("/doc/" + quote(rest, safe=PATH_SAFE), f"/doc/{rest}", paged=True)
            return
        for fmt in PAGE_FORMATS:
            url = "/ldes/member/" + quote(rest, safe=PATH_SAFE)
            self.save(url, f"site/ldes/member/{rest}{fmt.suffix}", fmt.media_type)

    def pages(self, path: str, file: str, count: int, suffix: str) -> None:
        """A listing for people (one format) of ``count`` pages."""
        for number in range(1, count + 1):
            target = f"site{file}{suffix}" if number == 1 else f"page/{number}{file}{suffix}"
            self.save(path if number == 1 else f"{path}?page={number}", target)


def _file_name(rest: str) -> bool:
    """Whether a path below ``/doc/`` can be a file of the export (with the longest suffix added)."""
    segments = rest.split("/")
    longest = max(len(f.suffix) for f in PLACE_FORMATS)
    return all(s not in ("", ".", "..") and len(s.encode("utf-8")) + longest <= NAME_MAX for s in segments) and (
        "\x00" not in rest
    )


def resource_iris(store: Store, base: str) -> list[str]:
    """Every resource the app dereferences under ``{base}id/``: the IRIs the published graph describes (parts,
    which have a fragment, are described in the document of the resource they belong to)."""
    prefix = f"{base}id/".replace("\\", "\\\\").replace('"', '\\"')
    rows = store.select(f'SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{prefix}")) }}')
    return sorted(row["s"] for row in rows if "#" not in row["s"])


#: Resources or members one task of a worker process exports.
CHUNK = 200
_worker: _Writer | None = None


def export_app(config: Config, store: Store) -> Flask:
    """The app the export asks: the real app, which keeps no rendered responses (each is asked for once); it reads
    a description once for the five (for a place six) formats it is asked for in a row (``Resources.describe``
    keeps the last)."""
    return create_app(config.with_overrides(response_cache=0), store)


def _start_worker(config: Config, root: Path, mtime: float | None) -> None:
    """A worker process's own app, over its own connection to the store."""
    global _worker
    app = export_app(config, open_store(config.store))
    _worker = _Writer(app.test_client(), root, ExportReport(root), mtime)


def _run_chunk(kind: str, items: list[str]) -> tuple[int, int, dict[str, str], list[str]]:
    """Export ``items`` (paths below /id/ or below /ldes/member/) in a worker; its files, bytes, paging links and
    places."""
    assert _worker is not None
    files, size = _worker.report.files, _worker.report.bytes
    _worker.paging, _worker.places = {}, []
    for rest in items:
        _worker.bulk(kind, rest)
    return _worker.report.files - files, _worker.report.bytes - size, _worker.paging, _worker.places


def _bulk_items(config: Config, store: Store, report: ExportReport) -> list[tuple[str, list[str]]]:
    """The documents and the change feed's members, in chunks: most of an export's work."""
    base = config.base_uri
    documents = []
    for iri in resource_iris(store, base):
        rest = iri[len(base) + len("id/") :]
        if _file_name(rest):
            documents.append(rest)
        else:
            report.skipped.append(iri)
    report.resources = len(documents)
    members = []
    folder = store.files_dir()
    if folder is not None and (folder / LOG_NAME).is_file():
        with closing(ChangeLog(folder / LOG_NAME)) as log:
            count = log.count()
            for first in range(1, count + 1, 500):
                for member in log.members(first, min(count, first + 499)):
                    rest = member.iri(base)[len(f"{base}ldes/member/") :]
                    if _file_name(rest):
                        members.append(rest)
                    else:
                        report.skipped.append(member.iri(base))
    return [("doc", documents[i : i + CHUNK]) for i in range(0, len(documents), CHUNK)] + [
        ("member", members[i : i + CHUNK]) for i in range(0, len(members), CHUNK)
    ]


def _write(app: Flask, config: Config, store: Store, root: Path, report: ExportReport, workers: int) -> _Export:
    manifest = store.manifest() or {}
    built = manifest.get("built")
    mtime = datetime.strptime(str(built), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp() if built else None
    writer = _Writer(app.test_client(), root, report, mtime)
    chunks = _bulk_items(config, store, report)
    if workers > 1 and config.store != ":memory:":
        # the documents in worker processes, each with an app of its own; the rest here meanwhile
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, context, _start_worker, (config, root, mtime)) as pool:
            futures = [pool.submit(_run_chunk, kind, items) for kind, items in chunks]
            try:
                export = _write_the_rest(app, config, store, writer, manifest)
                for future in futures:
                    files, size, links, places = future.result()
                    report.files += files
                    report.bytes += size
                    export.paging.update(links)
                    export.places.extend(places)
            except BaseException:
                pool.shutdown(cancel_futures=True)
                raise
        return export
    for kind, items in chunks:
        for rest in items:
            writer.bulk(kind, rest)
    return _write_the_rest(app, config, store, writer, manifest)


def _write_the_rest(app: Flask, config: Config, store: Store, writer: _Writer, manifest: dict[str, Any]) -> _Export:
    """Everything but the documents and members: the named graphs, pages, catalogue, feeds, dumps and errors."""
    base = config.base_uri
    root = writer.root
    for graph in sorted(manifest.get("graphs", {})):
        rest = graph[len(base) + len("graph/") :] if graph.startswith(f"{base}graph/") else ""
        if _file_name(rest):
            writer.negotiable("/graph/" + quote(rest, safe=PATH_SAFE), f"/graph/{rest}")
    # the pages for people
    writer.save("/", "site/index.html")
    counts = app.extensions["publisher"].resources.counts()
    for slug in LISTINGS:
        writer.pages(f"/liste/{slug}", f"/liste/{slug}", page_count(counts[slug], config.page_size), ".html")
    # the data as a whole
    writer.negotiable("/catalog", "/catalog", paged=True)
    writer.negotiable("/.well-known/void", "/.well-known/void")
    writer.negotiable("/shapes", "/shapes")
    writer.negotiable("/ontology", "/ontology")
    for shape in sorted(p.stem for p in config.shapes_dir.glob("*.ttl")):
        writer.negotiable(f"/shapes/{quote(shape)}", f"/shapes/{shape}")
    writer.save("/context.jsonld", "site/context.jsonld")
    writer.save("/robots.txt", "site/robots.txt")
    writer.save("/sitemap.xml", "site/sitemap.xml")
    parts = 0
    while (root / "site/sitemap.xml").read_bytes().find(f"/sitemap-{parts + 1}.xml<".encode()) >= 0:
        parts += 1
        writer.save(f"/sitemap-{parts}.xml", f"site/sitemap-{parts}.xml")
    writer.save("/dumps/", "site/dumps/index.html")
    dumps = {}
    for name in sorted(manifest.get("files", {})):
        if name in DUMPS:
            dumps[name] = writer.save(f"/dumps/{name}", f"site/dumps/{name}")["Repr-Digest"]
    # the change feeds
    log_pages = 0
    folder = store.files_dir()
    if folder is not None and (folder / LOG_NAME).is_file():
        writer.save("/feed.atom", "site/feed.atom")
        for fmt in STREAM_FORMATS:
            writer.save("/ldes", f"site/ldes{fmt.suffix}", fmt.media_type)
        with closing(ChangeLog(folder / LOG_NAME)) as log:
            log_pages = pages(log.count(), config.ldes_page_size)
        for number in range(log_pages):
            for fmt in PAGE_FORMATS:
                writer.save(f"/ldes/{number}", f"site/ldes/{number}{fmt.suffix}", fmt.media_type)
    _write_errors(app, root)
    return _Export(writer.paging, writer.places, dumps, log_pages, page_policy(inline_hashes(app.jinja_env)))


@dataclass
class _Export:
    """What the nginx configuration needs to know of an export."""

    paging: dict[str, str]
    places: list[str]  # the decoded paths of the documents that are also offered as GeoJSON
    dumps: dict[str, str]  # name -> Repr-Digest
    log_pages: int
    policy: str  # the Content-Security-Policy of the app's HTML pages


def _write_errors(app: Flask, root: Path) -> None:
    """The app's error answers that nginx sends: 404, 405, 406 and 501, in every format, and the app's as plain JSON
    (for a client that asks for ``application/json`` above all)."""
    messages = {404: NOT_FOUND_MESSAGE, 405: NOT_ALLOWED_MESSAGE, 406: NOT_ACCEPTABLE_MESSAGE, 501: DYNAMIC_MESSAGE}
    available = [f.media_type for f in DOCUMENT_FORMATS]
    (root / "errors").mkdir(parents=True, exist_ok=True)
    for status, message in messages.items():
        for fmt in DOCUMENT_FORMATS:
            with app.test_request_context("/", headers={"Accept": fmt.media_type}):
                response = error_response(status, message, available if status == 406 else None)
                (root / "errors" / f"{status}{fmt.suffix}").write_bytes(response.get_data())
        if status in (404, 405, 406):
            with app.test_request_context("/", headers={"Accept": PLAIN_JSON}):
                response = error_response(status, message, available if status == 406 else None)
                (root / "errors" / f"{status}.json").write_bytes(response.get_data())


# ---------------------------------------------------------------- the nginx configuration


def _nginx_string(text: str) -> str:
    """``text`` as a single-quoted nginx string; a ``$`` stays a dollar sign (see ``$pub_dollar``)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'").replace("$", "${pub_dollar}") + "'"


def _type_pattern(media_type: str) -> str:
    return media_type.replace("+", r"\+").replace(".", r"\.").replace("*", r"\*")


def accept_map(variable: str, formats: tuple[Representation, ...]) -> str:
    """A ``map`` from ``Accept`` to the suffix of the format the app would choose among ``formats`` ("" when it
    would answer 406).

    nginx cannot weigh q-values, so the map approximates werkzeug's ``best_match`` in two passes: first the types
    the client names without a q-value (or with q=1), in the app's order of preference, exact types before
    wildcards; then the types it names with a q-value below 1, in the same order. The app differs only when a
    client ranks two acceptable types with different q-values below 1 against the app's order, or refuses one
    with ``q=0`` while accepting it by a wildcard."""
    names = {f.name for f in formats}
    offered = [(f.media_type, f.suffix) for f in formats]
    offered += [
        (alias, next(f.suffix for f in formats if f.name == name)) for alias, name in ALIASES.items() if name in names
    ]
    wildcards = [("*/*", formats[0].suffix)]
    for major in ("text", "application"):
        first = next((suffix for media, suffix in offered if media.startswith(f"{major}/")), None)
        if first is not None:
            wildcards.append((f"{major}/*", first))
    lines = [f"map $http_accept ${variable} {{", '    default "";', f'    "" {formats[0].suffix};']
    # the headers clients send most, as werkzeug weighs them: found by hashing, before any expression is tried
    for accept in dict.fromkeys(COMMON_ACCEPTS):
        try:
            suffix = negotiate(parse_accept_header(accept, MIMEAccept), formats=formats).suffix
        except NotAcceptableError:
            suffix = '""'
        lines.append(f"    {_nginx_string(accept)} {suffix};")
    for weighed in (r"(?![^,]*;\s*q\s*=\s*0)", r"(?![^,]*;\s*q\s*=\s*0(\.0*)?\s*(,|$))"):
        for media, suffix in offered + wildcards:
            lines.append(f'    "~*(^|,)\\s*{_type_pattern(media)}\\s*(?=;|,|$){weighed}" {suffix};')
    lines.append("}")
    return "\n".join(lines)


def _quiet_map() -> str:
    """The format of an error message when the client accepts no format: HTML for browsers, else JSON-LD."""
    return "\n".join(
        [
            "map $pub_doc $pub_quiet {",
            "    default $pub_doc;",
            '    "" $pub_quiet_fallback;',
            "}",
            "map $http_accept $pub_quiet_fallback {",
            "    default .jsonld;",
            '    "~*(text/html|application/xhtml\\+xml|\\*/\\*|text/\\*)" .html;',
            "}",
        ]
    )


def _place_maps(places: list[str]) -> str:
    """Which documents are places, offered in GeoJSON too: ``$pub_is_place`` (1 for a place's document, whatever
    its suffix), and the format negotiated for the path (``$pub_neg``): among a place's formats for a place, else
    among every document's; and ``$pub_not_geo``, the file that exists when ``.geojson`` is asked of a document that
    is no place (the app's 406, not a 404)."""
    suffixes = "|".join(re.escape(f.suffix[1:]) for f in PLACE_FORMATS)
    lines = [
        "map $pub_path $pub_place_doc {",
        '    default "";',
        f'    "~^(?<pub_pd>/doc/.*?)(\\.({suffixes}))?$" $pub_pd;',
        "}",
        "map $pub_place_doc $pub_is_place {",
        '    default "";',
        *(f"    {_nginx_string(place)} 1;" for place in sorted(set(places))),
        "}",
        'map "$pub_is_place|$pub_place" $pub_neg {',
        "    default $pub_doc;",
        *(f'    "1|{suffix}" "{suffix}";' for suffix in ["", *(f.suffix for f in PLACE_FORMATS)]),
        "}",
        'map "$pub_sfx|$pub_is_place" $pub_not_geo {',
        '    default "";',
        f'    "{GEOJSON.suffix}|" "$pub_tree$pub_place_doc{DOCUMENT_FORMATS[0].suffix}";',
        "}",
    ]
    return "\n".join(lines)


def _choice_maps() -> str:
    """What a suffix in the path and the negotiated format decide together: the format served (``$pub_fmt``), the
    suffix to add to the path to find its file (``$pub_add``) and the ``Content-Location`` (only when negotiated).
    Every combination is listed, so that nginx finds it by hashing."""
    suffixes = ["", *(f.suffix for f in PLACE_FORMATS)]
    fmt, add, location = [], [], []
    for asked in suffixes:
        for negotiated in suffixes:
            key = f'"{asked}|{negotiated}"'
            fmt.append(f'    {key} "{asked or negotiated}";')
            if not asked and negotiated:
                add.append(f"    {key} {negotiated};")
                location.append(f'    {key} "$pub_raw_base{negotiated}$pub_q";')
    return "\n".join(
        [
            'map "$pub_sfx|$pub_neg" $pub_fmt {',
            *fmt,
            "}",
            'map "$pub_sfx|$pub_neg" $pub_add {',
            '    default "";',
            *add,
            "}",
            'map "$pub_sfx|$pub_neg" $pub_location {',
            '    default "";',
            *location,
            "}",
        ]
    )


def _alternates_map() -> str:
    """The ``Link`` to the other formats of a document (a place's include its GeoJSON)."""
    lines = ['map "$pub_is_place$pub_fmt" $pub_alternates {', '    default "";']
    for place, formats in (("", DOCUMENT_FORMATS), ("1", PLACE_FORMATS)):
        for current in formats:
            links = [
                f'<$pub_raw_base{f.suffix}$pub_q>; rel="alternate"; type="{f.media_type}"'
                for f in formats
                if f != current
            ]
            lines.append(f"    {place}{current.suffix} '{', '.join(links)}';")
    lines.append("}")
    return "\n".join(lines)


def _link_map(paging: dict[str, str]) -> str:
    lines = ['map "$pub_sfx|$pub_tree$pub_path$pub_add" $pub_link {', "    default $pub_alternates;"]
    lines += [f"    {_nginx_string(key)} {_nginx_string(value)};" for key, value in sorted(paging.items())]
    lines.append("}")
    return "\n".join(lines)


def _suffix_group() -> str:
    return "|".join(re.escape(f.suffix) for f in DOCUMENT_FORMATS).replace("\\", "\\\\")


def _maps(export: _Export) -> str:
    suffixes = "|".join(re.escape(f.suffix[1:]) for f in PLACE_FORMATS)
    ldes_last = f'    "/ldes/{export.log_pages - 1}" "public, max-age=$pub_max_age";' if export.log_pages else ""
    longest = max(len(key.encode("utf-8")) for key in [*export.paging, *export.places, *COMMON_ACCEPTS]) + 64
    # a bucket holds a few of the longest keys, and the table has room to spare: nginx then finds a layout at once
    bucket = 1 << max(7, (2 * longest - 1).bit_length())
    size = max(2048, 2 * len(export.paging), 2 * len(export.places))
    return f"""# the map of paged documents' Link headers has long keys and many of them (http-level settings: when
# nginx's http block sets them too, keep the larger values there)
map_hash_bucket_size {bucket};
map_hash_max_size {size};
# a dollar sign in a value (nginx has no escape for it)
geo $pub_dollar {{ default "$"; }}
# the suffix a request's path ends in, and the path before it, as the client sent it
map $request_uri $pub_sfx {{
    default "";
    "~^[^?]*\\.({suffixes})(\\?|$)" .$1;
}}
map $request_uri $pub_raw_base {{
    default "";
    "~^(?<pub_b>[^?]*?)(\\.({suffixes}))?(\\?.*)?$" $pub_b;
}}
# page N of a paged answer lives in page/N/
map $arg_page $pub_tree {{
    default /no-such-page;
    "" /site;
    "1" /site;
    "~^[1-9][0-9]{{0,8}}$" /page/$arg_page;
}}
# what follows /id/ as the client sent it (with its query), for the Location of the 303
map $request_uri $pub_id_rest {{
    default "";
    "~^/id/(.*)$" $1;
}}
map $arg_page $pub_q {{
    default "?page=$arg_page";
    "" "";
    "1" "";
}}
{accept_map("pub_doc", DOCUMENT_FORMATS)}
{accept_map("pub_place", PLACE_FORMATS)}
{accept_map("pub_stream", STREAM_FORMATS)}
{accept_map("pub_ldes", PAGE_FORMATS)}
{_quiet_map()}
# a place's document is offered in GeoJSON too
{_place_maps(export.places)}
# a suffix in the path beats Accept; otherwise the negotiated suffix is added to find the file
{_choice_maps()}
# the app's Content-Security-Policy: its pages' own for HTML, nothing at all for the rest
map $sent_http_content_type $pub_csp {{
    default "{NOTHING}";
    "~^text/html" "{export.policy}";
}}
# the app's error documents come in every document's formats (GeoJSON is none of them); JSON-LD as plain JSON
# to a client that asks for that alone (the app: when it is the client's most specific, most wanted type)
map $pub_sfx $pub_error_fmt {{
    default $pub_sfx;
    "" $pub_quiet;
    {GEOJSON.suffix} $pub_quiet;
}}
map $http_accept $pub_plain_json {{
    default "";
    "~*^\\s*application/json\\s*(,\\s*\\*/\\*\\s*(;\\s*q\\s*=\\s*[0-9.]+\\s*)?)?$" 1;
}}
map "$pub_error_fmt|$pub_plain_json" $pub_error {{
    default $pub_error_fmt;
    ".jsonld|1" .json;
}}
{_alternates_map()}
{_link_map(export.paging)}
map $pub_path $pub_ldes_cache {{
    default "public, max-age={IMMUTABLE_MAX_AGE}, immutable";
{ldes_last}
}}
"""


def _headers(
    *, vary: bool = True, cache: str = "public, max-age=$pub_max_age", always: bool = False, extra: tuple[str, ...] = ()
) -> str:
    """The headers the app sends beside the body; ``always`` adds them to error answers too."""
    lines = [f'add_header Cache-Control "{cache}"{" always" if always else ""};'] if cache else []
    if vary:
        lines.append("add_header Vary Accept always;")
    lines += list(extra)
    lines += [
        "add_header Access-Control-Allow-Origin * always;",
        f'add_header Access-Control-Expose-Headers "{EXPOSED}" always;',
        "add_header Content-Security-Policy $pub_csp always;",
        "add_header X-Content-Type-Options nosniff always;",
        f"add_header Referrer-Policy {REFERRER_POLICY} always;",
    ]
    return "\n        ".join(lines)


def _negotiated(pattern: str, *, links: bool, location: bool) -> str:
    extra = []
    if links:
        extra.append("add_header Link $pub_link;")
    if location:
        extra.append("add_header Content-Location $pub_location;")
    return f"""    location {pattern} {{
        if ($pub_fmt = "") {{ return 406; }}
        try_files $pub_tree$uri$pub_add =404;
        {_headers(extra=tuple(extra))}
    }}"""


def _dynamic_answer(upstream: str | None) -> str:
    """What nginx does with a request only the app can answer: 501, or pass it to the app at ``upstream``."""
    if upstream is None:
        return "return 501;"
    return (
        f'proxy_pass http://{upstream}; proxy_http_version 1.1; proxy_set_header Connection ""; '
        "proxy_set_header Host $host; proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; "
        "proxy_set_header X-Forwarded-Proto $scheme;"
    )


def _modified_since(upstream: str | None) -> str:
    """The catalogue's ``modified_since`` filters per request: 501, or to the app (nginx allows no proxy_pass
    settings inside ``if``, hence the detour through an error code of no other use)."""
    if upstream is None:
        return "if ($arg_modified_since) { return 501; }"
    return "error_page 418 = @dynamic;\n        if ($arg_modified_since) { return 418; }"


def _dynamic(upstream: str | None) -> str:
    paths = "|".join(re.escape(p) for p in DYNAMIC)
    named = (
        f"""
    location @dynamic {{
        {_dynamic_answer(upstream)}
    }}"""
        if upstream
        else ""
    )
    return f"""    location ~ "^/({paths})(/|\\.|$)" {{
        {_dynamic_answer(upstream)}
    }}{named}"""


def nginx_server(folder: Path, export: _Export, *, listen: str, max_age: int, upstream: str | None) -> str:
    """The ``server`` block (with its maps) that serves the export in ``folder``."""
    suffix_re = _suffix_group()
    void_pattern = '~ "^/\\.well-known/void(' + suffix_re + ')?$"'
    vocabulary_pattern = '~ "^/(shapes|ontology)(' + suffix_re + ')?$"'
    dumps = "\n".join(
        f"""    location = /dumps/{name} {{
        try_files /site/dumps/{name} =404;
        {_headers(vary=False, extra=(f'add_header Repr-Digest "{digest}";',))}
    }}"""
        for name, digest in sorted(export.dumps.items())
    )
    singles = "\n".join(
        f"""    location = {path} {{
        try_files {file} =404;
        {_headers(vary=vary)}
    }}"""
        for path, file, vary in (
            ("/", "/site/index.html", True),
            ("/context.jsonld", "/site/context.jsonld", False),
            ("/robots.txt", "/site/robots.txt", False),
            ("/sitemap.xml", "/site/sitemap.xml", False),
            ("/feed.atom", "/site/feed.atom", False),
            ("/dumps/", "/site/dumps/index.html", False),
        )
    )
    return f"""# The static export of the published dataset, written by `publisher export-site`; include it in nginx's
# http block and reload nginx after every export (the files switch at once; this file names the export's pages).
{_maps(export)}
server {{
    listen {listen};
    root {folder / CURRENT};
    absolute_redirect off;
    # the path asked for: try_files replaces $uri with the file it finds, before the headers are made
    set $pub_path $uri;
    etag on;
    # the files' descriptors and metadata, kept open: saves try_files' lookups and each request's open()
    open_file_cache max=20000 inactive=60s;
    open_file_cache_valid 30s;
    set $pub_max_age {max_age};
    charset utf-8;
    charset_types text/turtle application/n-triples application/rdf+xml application/atom+xml text/plain;
    types {{
        text/turtle ttl;
        application/ld+json jsonld;
        application/n-triples nt;
        application/rdf+xml rdf;
        application/geo+json geojson;
        text/html html;
        application/trig trig;
        application/n-quads nq;
        application/atom+xml atom;
        application/xml xml;
        application/json json;
        text/plain txt;
        application/gzip gz;
    }}
    default_type application/octet-stream;
    error_page 404 /_error/404$pub_error;
    error_page 405 /_error/405$pub_error;
    error_page 406 /_error/406$pub_error;
    # (the 501 of the services that are not here has no counterpart in the app: always JSON-LD, never plain JSON)
    error_page 501 /_error/501$pub_error_fmt;

    location ^~ /_error/ {{
        internal;
        alias {folder / CURRENT / "errors"}/;
        etag off;
        {_headers(cache="no-store", always=True)}
    }}
    # a thing is not a document: 303 See Other to the document about it, when there is one
    location ~ "^/id/(.+)$" {{
        if (-f $document_root/site/doc/$1.ttl) {{
            return 303 /doc/$pub_id_rest;
        }}
        return 404;
        {_headers()}
    }}
    location ^~ /doc/ {{
        if ($pub_fmt = "") {{ return 406; }}
        if (-f $document_root$pub_not_geo) {{ return 406; }}
        try_files $pub_tree$uri$pub_add =404;
        {_headers(extra=("add_header Link $pub_link;", "add_header Content-Location $pub_location;"))}
    }}
{_negotiated("^~ /graph/", links=True, location=True)}
{_negotiated(void_pattern, links=True, location=True)}
{_negotiated(vocabulary_pattern, links=False, location=False)}
{_negotiated("^~ /shapes/", links=False, location=False)}
    location ~ "^/catalog(\\.(ttl|jsonld|nt|rdf|html))?$" {{
        {_modified_since(upstream)}
        if ($pub_fmt = "") {{ return 406; }}
        try_files $pub_tree$uri$pub_add =404;
        {_headers(extra=("add_header Link $pub_link;", "add_header Content-Location $pub_location;"))}
    }}
    location ^~ /liste/ {{
        try_files $pub_tree$uri.html =404;
        {_headers()}
    }}
    location = /ldes {{
        if ($pub_stream = "") {{ return 406; }}
        try_files /site/ldes$pub_stream =404;
        {_headers()}
    }}
    location ~ "^/ldes/[0-9]+$" {{
        if ($pub_ldes = "") {{ return 406; }}
        try_files /site$uri$pub_ldes =404;
        {_headers(cache="$pub_ldes_cache")}
    }}
    location ^~ /ldes/member/ {{
        if ($pub_ldes = "") {{ return 406; }}
        try_files /site$uri$pub_ldes =404;
        {_headers(cache=f"public, max-age={IMMUTABLE_MAX_AGE}, immutable")}
    }}
    location ~ "^/sitemap-[0-9]+\\.xml$" {{
        try_files /site$uri =404;
        {_headers(vary=False)}
    }}
{singles}
{dumps}
{_dynamic(upstream)}
    location / {{
        return 404;
    }}
}}
"""


# ---------------------------------------------------------------- the export as a whole


def _check_target(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise ExportError(f"{folder}: is a file, not a folder; name a folder for the export")
    if folder.is_dir():
        foreign = [
            p.name
            for p in folder.iterdir()
            if p.name not in (CURRENT, "nginx.conf") and not p.name.startswith(GENERATION_PREFIX)
        ]
        if foreign:
            raise ExportError(
                f"{folder}: holds files that are no export ({', '.join(sorted(foreign)[:3])}); "
                "name an empty folder or one an earlier export wrote"
            )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"{folder}: cannot create the folder ({exc.strerror})") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ExportError(f"{folder}: not writable; name a folder this user may write to")


def _generations(folder: Path) -> Iterator[Path]:
    return (p for p in folder.iterdir() if p.name.startswith(GENERATION_PREFIX) and p.is_dir())


def export_site(
    config: Config,
    store: Store,
    folder: Path,
    *,
    listen: str = "8080",
    upstream: str | None = None,
    workers: int | None = None,
) -> ExportReport:
    """Export everything ``store`` publishes into ``folder`` (see the module's description), with
    ``folder/nginx.conf`` listening on ``listen``; the dynamic services answer 501, or are passed to the
    publisher's server at ``upstream`` (host:port) when given. The documents are rendered by ``workers`` processes
    (default: the ``workers`` setting), each with an app of its own.

    Raises ExportError when the folder cannot hold an export or the store has nothing published; the previous
    export then stays as it was."""
    started = time.monotonic()
    folder = folder.absolute()
    _check_target(folder)
    if not store.manifest():
        raise ExportError(f"store {config.store}: nothing is published yet; run `publisher build` first")
    report = ExportReport(folder)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    generation = Path(tempfile.mkdtemp(prefix=f"{GENERATION_PREFIX}{stamp}-", dir=folder))
    # whoever serves the folder (nginx's workers) reads it, as they read the folders around it
    generation.chmod(0o755)
    try:
        app = export_app(config, store)
        export = _write(app, config, store, generation, report, workers or config.workers)
        server = nginx_server(folder, export, listen=listen, max_age=config.cache_max_age, upstream=upstream)
        (generation / "nginx.conf").write_text(server, "utf-8")
        _switch(folder, generation)
    except BaseException:
        shutil.rmtree(generation, ignore_errors=True)
        raise
    report.seconds = time.monotonic() - started
    return report


def _switch(folder: Path, generation: Path) -> None:
    """Make ``generation`` the current export in one rename each, and drop all but the previous one."""
    previous = (folder / CURRENT).resolve() if (folder / CURRENT).is_symlink() else None
    link = folder / f"{GENERATION_PREFIX}link"
    link.unlink(missing_ok=True)
    link.symlink_to(generation.name)
    conf = folder / f"{GENERATION_PREFIX}nginx.conf"
    shutil.copyfile(generation / "nginx.conf", conf)
    os.replace(link, folder / CURRENT)
    os.replace(conf, folder / "nginx.conf")
    for old in _generations(folder):
        if old not in (generation, previous):
            shutil.rmtree(old, ignore_errors=True)


__all__ = ["ExportError", "ExportReport", "accept_map", "export_site", "nginx_server", "resource_iris"]
