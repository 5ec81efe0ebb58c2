"""The change feeds: the Linked Data Event Stream at ``/ldes`` (its pages at ``/ldes/N``, see publisher.ldes) for
harvesters, and an Atom feed (RFC 4287) of the newest press releases at ``/feed.atom`` for people and feed
readers."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from contextlib import closing
from pathlib import Path

from flask import Blueprint, Response, request

from publisher.errors import NotFoundError
from publisher.formats import BY_NAME
from publisher.ldes import LOG_NAME, ChangeLog, immutable, member_quads, page_quads, serialize_page, stream_graph
from publisher.namespaces import PM, SDO
from publisher.web.http import respond
from publisher.web.linked_data import rdf_body
from publisher.web.negotiation import DOCUMENT_FORMATS, Representation, negotiate
from publisher.web.state import Rendered, published

bp = Blueprint("feeds", __name__)

#: What the stream's root is offered in (RDF only).
FORMATS = tuple(f for f in DOCUMENT_FORMATS if f.rdf)
#: What its pages are offered in: formats that keep each member's named graph.
PAGE_FORMATS = tuple(Representation(n, BY_NAME[n].suffix, BY_NAME[n].media_type) for n in ("trig", "jsonld", "nq"))
#: A page that can never change is cached for a year.
IMMUTABLE_MAX_AGE = 31_536_000
#: Press releases the Atom feed lists, the newest first.
ATOM_ENTRIES = 50
#: Characters of body text an Atom entry's summary shows.
SUMMARY_LENGTH = 300
ATOM = "http://www.w3.org/2005/Atom"
ATOM_TYPE = "application/atom+xml; charset=utf-8"


def _log() -> ChangeLog:
    folder = published().store.files_dir()
    if folder is None or not (folder / LOG_NAME).is_file():
        raise NotFoundError(f"the published state has no change log ({LOG_NAME}); build again to write it")
    return ChangeLog(Path(folder) / LOG_NAME)


def _negotiate(formats: tuple[Representation, ...]) -> Representation:
    return negotiate(request.accept_mimetypes, formats=formats)


@bp.route("/ldes", methods=["GET", "HEAD"])
def stream() -> Response:
    """The stream described at its root, with its view (the first page)."""
    fmt = _negotiate(FORMATS)
    title = "Pressemitteilungen, Organisationen, Personen, Gebiete und Programme: Änderungen"
    graph = stream_graph(published().config.base_uri, title)
    return respond(Rendered(rdf_body(graph, fmt), fmt.content_type))


@bp.route("/ldes/<int:page>", methods=["GET", "HEAD"])
def page(page: int) -> Response:
    """One page of the stream; a page that is full and followed by another is immutable."""
    state = published()
    fmt = _negotiate(PAGE_FORMATS)
    size = state.config.ldes_page_size
    with closing(_log()) as log:
        quads = page_quads(log, state.config.base_uri, page, size)
        count = log.count()
    if quads is None:
        raise NotFoundError(f"no page {page} of the change feed /ldes (pages 0 to {max(0, (count - 1) // size)})")
    response = respond(Rendered(serialize_page(quads, fmt.name), fmt.content_type))
    if response.status_code in (200, 304) and immutable(page, count, size):
        response.cache_control.max_age = IMMUTABLE_MAX_AGE
        response.cache_control.immutable = True
    return response


@bp.route("/ldes/member/<path:rest>", methods=["GET", "HEAD"])
def member(rest: str) -> Response:
    """One member of the stream: its description and its version graph; a member never changes."""
    state = published()
    fmt = _negotiate(PAGE_FORMATS)
    iri = f"{state.config.base_uri}ldes/member/{rest}"
    with closing(_log()) as log:
        found = log.member(iri, state.config.base_uri)
    if found is None:
        raise NotFoundError(f"no member {iri} in the change feed /ldes")
    body = serialize_page(member_quads(found, state.config.base_uri), fmt.name)
    response = respond(Rendered(body, fmt.content_type))
    if response.status_code in (200, 304):
        response.cache_control.max_age = IMMUTABLE_MAX_AGE
        response.cache_control.immutable = True
    return response


_NEWEST = f"""SELECT ?release ?date ?headline (SUBSTR(?body, 1, {SUMMARY_LENGTH + 1}) AS ?summary) WHERE {{
  GRAPH ?g {{
    ?release a <{PM.PressRelease}> ; <{SDO.datePublished}> ?date ; <{SDO.headline}> ?headline .
    OPTIONAL {{ ?release <{SDO.articleBody}> ?body }}
  }}
}} ORDER BY DESC(?date) ?release LIMIT {ATOM_ENTRIES}"""


def _summary(text: str) -> str:
    if len(text) <= SUMMARY_LENGTH:
        return text
    return text[:SUMMARY_LENGTH].rsplit(" ", 1)[0] + " …"


def _date_time(value: str) -> str:
    """An RFC 3339 date-time for an xsd:date or xsd:dateTime."""
    return value if "T" in value else f"{value}T00:00:00Z"


@bp.route("/feed.atom", methods=["GET", "HEAD"])
def atom() -> Response:
    """The newest press releases as an Atom feed."""
    state = published()
    base = state.config.base_uri
    rows = state.store.select(_NEWEST)
    built = str(state.manifest().get("built", "1970-01-01T00:00:00Z"))
    with closing(_log()) as log:
        versions = log.last_versions([row["release"] for row in rows])
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}title").text = "Pressemitteilungen"
    ET.SubElement(feed, f"{{{ATOM}}}id").text = f"{base}feed.atom"
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = built
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=f"{base}feed.atom", type="application/atom+xml")
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", href=base, type="text/html")
    ET.SubElement(ET.SubElement(feed, f"{{{ATOM}}}author"), f"{{{ATOM}}}name").text = "Pressestelle"
    for row in rows:
        iri = row["release"]
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}title").text = row["headline"]
        ET.SubElement(entry, f"{{{ATOM}}}id").text = iri
        page_url = base + "doc/" + iri[len(base) + 3 :] if iri.startswith(base + "id/") else iri
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=page_url, type="text/html")
        ET.SubElement(entry, f"{{{ATOM}}}published").text = _date_time(row["date"])
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = versions.get(iri) or _date_time(row["date"])
        if row.get("summary"):
            ET.SubElement(entry, f"{{{ATOM}}}summary").text = _summary(row["summary"])
    body = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return respond(Rendered(body, ATOM_TYPE), vary=False)


__all__ = ["bp"]
