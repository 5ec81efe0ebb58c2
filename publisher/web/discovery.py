"""What harvesters and crawlers look for first: the VoID description at ``/.well-known/void`` (every document
format), the sitemap at ``/sitemap.xml`` (sitemaps.org 0.9; a sitemap index over ``/sitemap-N.xml`` when there
are more pages than one sitemap may list) and ``/robots.txt``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from xml.sax.saxutils import escape

from flask import Blueprint, Flask, Response, current_app, render_template, request

from publisher.cache import LruCache
from publisher.errors import NotFoundError
from publisher.namespaces import PM, SDO
from publisher.resources import LISTINGS, page_count, sparql_iri
from publisher.void import VoidDescriber
from publisher.web.http import respond
from publisher.web.linked_data import current_linker, path_url, rdf_body
from publisher.web.negotiation import DOCUMENT_FORMATS, HTML, negotiate, split_suffix
from publisher.web.pages import Linker
from publisher.web.state import Published, Rendered, published

bp = Blueprint("discovery", __name__)

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
#: The sitemaps.org protocol's limit of URLs in one sitemap file.
URLS_PER_SITEMAP = 50_000
XML = "application/xml"


@dataclass(frozen=True)
class Entry:
    """One page of the sitemap: its absolute URL and when it last changed (W3C datetime)."""

    loc: str
    lastmod: str


#: The pages for people about the data as a whole (each as the HTML variant, which robots.txt does not exclude).
SERVICE_PAGES = (
    "/sparql?format=html",
    "/catalog.html",
    "/.well-known/void.html",
    "/dumps/",
    "/shapes.html",
    "/ontology.html",
    "/validate",
)


class Discovery:
    """The VoID counts and the sitemap's pages of an app, made once per published state."""

    def __init__(self, state: Published) -> None:
        self.state = state
        self.void = VoidDescriber(state.store, state.config.base_uri)
        self._entries: LruCache[list[Entry]] = LruCache(2)
        self._lock = threading.Lock()

    def entries(self) -> list[Entry]:
        with self._lock:
            return self._entries.get_or_make(self.state.version(), self._read_entries)

    def _read_entries(self) -> list[Entry]:
        state = self.state
        base = state.config.base_uri
        root = base.rstrip("/")
        built = str(state.manifest().get("built") or "")
        entries = [Entry(base, built)]
        entries += [Entry(root + path, built) for path in SERVICE_PAGES]
        counts = state.resources.counts()
        for slug in LISTINGS:
            if counts[slug]:
                listing = f"{root}/liste/{slug}"
                pages = page_count(counts[slug], state.config.page_size)
                entries += [Entry(listing + (f"?page={n}" if n > 1 else ""), built) for n in range(1, pages + 1)]
        classes = " ".join(sparql_iri(c) for _t, listed, _o in LISTINGS.values() for c in listed)
        members = {
            row["s"] for row in state.store.select(f"SELECT DISTINCT ?s WHERE {{ VALUES ?c {{ {classes} }} ?s a ?c }}")
        }
        modified: dict[str, str] = {}
        for row in state.store.select(
            f"SELECT ?s ?m WHERE {{ ?s a {sparql_iri(str(PM.PressRelease))} ; {sparql_iri(str(SDO.dateModified))} ?m }}"
        ):
            modified[row["s"]] = max(modified.get(row["s"], ""), w3c_datetime(row["m"]))
        linker = Linker(base)
        for iri in sorted(members):
            if iri.startswith(base) and "#" not in iri:
                entries.append(Entry(root + linker.doc_path(iri) + HTML.suffix, modified.get(iri) or built))
        return entries


def w3c_datetime(value: str) -> str:
    """An xsd:date or xsd:dateTime as a W3C datetime: a time without a zone is cut to its date."""
    date, _, time = value.partition("T")
    if time and (time.endswith("Z") or "+" in time or "-" in time):
        return value
    return date


def discovery(app: Flask | None = None) -> Discovery:
    target = app if app is not None else current_app
    found = target.extensions.get("publisher.discovery")
    if found is None:
        found = target.extensions.setdefault("publisher.discovery", Discovery(published(target)))
    assert isinstance(found, Discovery)
    return found


# ---------------------------------------------------------------- VoID


@bp.route("/.well-known/void", methods=["GET", "HEAD"], defaults={"name": "void"})
@bp.route("/.well-known/<name>", methods=["GET", "HEAD"])
def void(name: str) -> Response:
    """The VoID description of the whole published graph, in every document format."""
    path, suffix = split_suffix(name)
    if path != "void":
        raise NotFoundError(f"no document /.well-known/{name} (known: /.well-known/void)")
    fmt = negotiate(request.accept_mimetypes, suffix)
    published().version()
    graph = discovery().void.graph()
    doc_path = path_url(".well-known", "void")
    if fmt.rdf:
        body = rdf_body(graph, fmt)
    else:
        counts = discovery().void.counts()
        html = render_template(
            "void.html",
            counts=counts,
            manifest=published().manifest(),
            doc_path=doc_path,
            formats=DOCUMENT_FORMATS,
            linker=current_linker(),
        )
        body = html.encode("utf-8")
    links = [f'<{doc_path}{f.suffix}>; rel="alternate"; type="{f.media_type}"' for f in DOCUMENT_FORMATS if f != fmt]
    location = None if suffix else doc_path + fmt.suffix
    return respond(Rendered(body, fmt.content_type, links), content_location=location)


# ---------------------------------------------------------------- sitemap and robots.txt


def _urlset(entries: list[Entry]) -> bytes:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<urlset xmlns="{SITEMAP_NS}">']
    lines += [f"<url><loc>{escape(e.loc)}</loc><lastmod>{escape(e.lastmod)}</lastmod></url>" for e in entries]
    lines.append("</urlset>\n")
    return "\n".join(lines).encode("utf-8")


def _index(files: int, built: str) -> bytes:
    root = published().config.base_uri.rstrip("/")
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<sitemapindex xmlns="{SITEMAP_NS}">']
    lines += [
        f"<sitemap><loc>{escape(root)}/sitemap-{n}.xml</loc><lastmod>{escape(built)}</lastmod></sitemap>"
        for n in range(1, files + 1)
    ]
    lines.append("</sitemapindex>\n")
    return "\n".join(lines).encode("utf-8")


@bp.route("/sitemap.xml", methods=["GET", "HEAD"])
def sitemap() -> Response:
    """Every HTML page: one sitemap, or an index of sitemaps when there are more than one may list."""
    entries = discovery().entries()
    if len(entries) <= URLS_PER_SITEMAP:
        body = _urlset(entries)
    else:
        body = _index(page_count(len(entries), URLS_PER_SITEMAP), str(published().manifest().get("built") or ""))
    return respond(Rendered(body, XML), vary=False)


@bp.route("/sitemap-<int:number>.xml", methods=["GET", "HEAD"])
def sitemap_part(number: int) -> Response:
    """Part ``number`` of the sitemap, when /sitemap.xml is an index."""
    entries = discovery().entries()
    files = page_count(len(entries), URLS_PER_SITEMAP) if len(entries) > URLS_PER_SITEMAP else 0
    if not 1 <= number <= files:
        known = f"/sitemap-1.xml to /sitemap-{files}.xml" if files else "none: /sitemap.xml lists every page"
        raise NotFoundError(f"no sitemap part {number} (parts: {known})")
    start = (number - 1) * URLS_PER_SITEMAP
    return respond(Rendered(_urlset(entries[start : start + URLS_PER_SITEMAP]), XML), vary=False)


@bp.route("/robots.txt", methods=["GET", "HEAD"])
def robots() -> Response:
    """Crawl every page, but not the endpoints that compute an answer per request."""
    root = published().config.base_uri.rstrip("/")
    text = "\n".join(
        [
            "User-agent: *",
            "Disallow: /sparql?query=",
            "Disallow: /fragments",
            "Disallow: /api/",
            "Disallow: /suche?q=",
            "Allow: /",
            "",
            f"Sitemap: {root}/sitemap.xml",
            "",
        ]
    )
    return respond(Rendered(text.encode("utf-8"), "text/plain; charset=utf-8"), vary=False)


__all__ = ["URLS_PER_SITEMAP", "Discovery", "bp", "discovery", "w3c_datetime"]
