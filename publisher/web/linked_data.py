"""Dereferencing: things under ``/id/`` answer 303 See Other with their document under ``/doc/``, which
negotiates Turtle, JSON-LD, N-Triples, RDF/XML and HTML (and GeoJSON for places); the publisher's named graphs
answer under ``/graph/``.
"""

from __future__ import annotations

import json
from urllib.parse import quote, unquote

from flask import Blueprint, Response, render_template, request
from rdflib import Graph

from publisher.errors import HttpError, NotAcceptableError, NotFoundError, PublisherError
from publisher.formats import CONTEXT, jsonld_text, serialize
from publisher.geo import feature, geometry_of, is_place
from publisher.ldes import removal
from publisher.resources import Description, is_iri
from publisher.web.charts import resource_pictures_html
from publisher.web.errors import GoneError
from publisher.web.http import respond
from publisher.web.maps import resource_map_html
from publisher.web.negotiation import (
    DOCUMENT_FORMATS,
    GEOJSON,
    PLACE_FORMATS,
    Representation,
    negotiate,
    split_suffix,
)
from publisher.web.pages import Linker, resource_page, script_text
from publisher.web.state import Rendered, published

bp = Blueprint("linked_data", __name__)

#: Characters left as they are when a path is written into a link.
PATH_SAFE = "/:@!$&'()*+,;=-._~"


def path_url(*segments: str) -> str:
    """A root-relative URL of this app from unquoted path segments."""
    return request.script_root + "/" + quote("/".join(segments), safe=PATH_SAFE)


#: Digits a page number may have: more pages than this no listing, fragment or catalogue has.
PAGE_DIGITS = 9


def page_number() -> int:
    """The request's ``page``: a whole number from 1 written in ASCII digits (1 when not given), given once;
    anything else is a 400 naming it."""
    values = request.args.getlist("page")
    if not values:
        return 1
    if len(values) > 1:
        raise HttpError(400, "page: given more than once")
    raw = values[0]
    if not (raw.isascii() and raw.isdigit()) or len(raw) > PAGE_DIGITS or int(raw) < 1:
        raise HttpError(400, f"page: {raw[:40]!r} is not a page number (a whole number from 1)")
    return int(raw)


def candidate_iris(section: str, rest: str, suffix: str | None = None) -> list[str]:
    """The IRIs a request path may name: as decoded, and as sent (for IRIs stored with percent-encoding)."""
    base = published().config.base_uri
    found = [f"{base}{section}/{rest}"]
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if raw:
        raw_path = raw.partition("?")[0]
        if suffix and raw_path.endswith(suffix):
            raw_path = raw_path[: -len(suffix)]
        prefix = request.script_root + f"/{request.path.split('/')[1]}/"
        if raw_path.startswith(prefix):
            sent = f"{base}{section}/{raw_path[len(prefix) :]}"
            if unquote(sent) != sent and sent not in found:
                found.append(sent)
    return found


def missing(iris: list[str], message: str) -> PublisherError:
    """The error for a thing the store does not describe under any of ``iris``: 410 Gone when the change feed
    records that one of them was published and has been removed, else 404 (``message``)."""
    state = published()
    tombstone = removal(state.store.files_dir(), [iri for iri in iris if is_iri(iri)])
    return GoneError(tombstone, state.config.base_uri) if tombstone is not None else NotFoundError(message)


def _alternates(
    doc_path: str, current: Representation, query: str, formats: tuple[Representation, ...] = DOCUMENT_FORMATS
) -> list[str]:
    return [f'<{doc_path}{f.suffix}{query}>; rel="alternate"; type="{f.media_type}"' for f in formats if f != current]


def _page_links(doc_path: str, suffix: str, page: int, pages: int) -> list[str]:
    if pages <= 1:
        return []
    links = [f'<{doc_path}{suffix}?page=1>; rel="first"', f'<{doc_path}{suffix}?page={pages}>; rel="last"']
    if page > 1:
        links.append(f'<{doc_path}{suffix}?page={page - 1}>; rel="prev"')
    if page < pages:
        links.append(f'<{doc_path}{suffix}?page={page + 1}>; rel="next"')
    return links


def rdf_body(graph: Graph, fmt: Representation) -> bytes:
    return serialize(graph, fmt.name).encode("utf-8")


@bp.route("/id/<path:rest>", methods=["GET", "HEAD"])
def thing(rest: str) -> Response:
    """A thing is not a document: 303 See Other to the document about it."""
    resources = published().resources
    iris = candidate_iris("id", rest)
    if not any(is_iri(iri) and resources.exists(iri) for iri in iris):
        raise missing(iris, f"no resource {published().config.base_uri}id/{rest}")
    query = f"?{request.query_string.decode('latin-1')}" if request.query_string else ""
    target = path_url("doc", rest) + query
    response = Response(f"See {target}\n", status=303, content_type="text/plain; charset=utf-8")
    response.headers["Location"] = target
    response.vary.add("Accept")
    # as long as the documents themselves: a cache in front may answer the redirect too (a 303 is cached only
    # when its response says for how long)
    response.cache_control.public = True
    response.cache_control.max_age = published().config.cache_max_age
    return response


@bp.route("/doc/<path:rest>", methods=["GET", "HEAD"])
def document(rest: str) -> Response:
    path, suffix = split_suffix(rest, PLACE_FORMATS)
    fmt = negotiate(request.accept_mimetypes, suffix, PLACE_FORMATS)
    page = page_number()
    state = published()
    iris = candidate_iris("id", path, suffix)
    described = (state.resources.describe(iri, page) for iri in iris if is_iri(iri))
    description = next((d for d in described if d is not None), None)
    if description is None:
        raise missing(iris, f"no resource {state.config.base_uri}id/{path}")
    if page > description.pages:
        raise NotFoundError(f"{description.iri}: page {page} does not exist (1 to {description.pages})")
    formats = PLACE_FORMATS if is_place(description.graph, description.iri) else DOCUMENT_FORMATS
    if fmt not in formats:  # GeoJSON, for a resource that is not a place
        if suffix:
            raise NotAcceptableError(fmt.media_type, [f.media_type for f in formats])
        fmt = negotiate(request.accept_mimetypes, None, formats)
    doc_path = path_url("doc", path)
    query = f"?page={page}" if page > 1 else ""
    links = _alternates(doc_path, fmt, query, formats) + _page_links(doc_path, fmt.suffix, page, description.pages)
    if fmt is GEOJSON:
        body = geojson_body(description)
    else:
        body = rdf_body(description.graph, fmt) if fmt.rdf else _resource_html(description, doc_path, formats)
    location = None if suffix else doc_path + fmt.suffix + query
    return respond(Rendered(body, fmt.content_type, links), content_location=location)


def current_linker() -> Linker:
    """Links from this app's pages: the publisher's IRIs lead to this app's paths."""
    return Linker(published().config.base_uri, request.script_root)


def geojson_body(description: Description) -> bytes:
    """A place as a GeoJSON Feature: its outline, or that of the nearest place containing it, saying whose."""
    outline = geometry_of(published().store, description.iri)
    return json.dumps(feature(description.graph, description.iri, outline), ensure_ascii=False).encode("utf-8")


def _resource_html(
    description: Description, doc_path: str, formats: tuple[Representation, ...] = DOCUMENT_FORMATS
) -> bytes:
    return render_template(
        "resource.html",
        page=resource_page(description, current_linker()),
        doc_path=doc_path,
        formats=formats,
        json_ld=script_text(jsonld_text(description.graph)),
        pictures=resource_pictures_html(description, current_linker()),
        area_map=resource_map_html(published(), description, current_linker()),
    ).encode("utf-8")


@bp.route("/graph/<path:rest>", methods=["GET", "HEAD"])
def named_graph(rest: str) -> Response:
    """A named graph of the publisher's own (reference data, entities, vocabulary): its whole content."""
    path, suffix = split_suffix(rest)
    fmt = negotiate(request.accept_mimetypes, suffix)
    state = published()
    iri = f"{state.config.base_uri}graph/{path}"
    graph = state.resources.graph_content(iri) if is_iri(iri) else None
    if graph is None:
        raise NotFoundError(f"no graph {iri}")
    doc_path = path_url("graph", path)
    if fmt.rdf:
        body = rdf_body(graph, fmt)
    else:
        html = render_template("graph.html", iri=iri, triples=len(graph), doc_path=doc_path, formats=DOCUMENT_FORMATS)
        body = html.encode("utf-8")
    location = None if suffix else doc_path + fmt.suffix
    return respond(Rendered(body, fmt.content_type, _alternates(doc_path, fmt, "")), content_location=location)


#: The JSON-LD context every JSON-LD document of the publisher uses (and carries inline).
CONTEXT_DOCUMENT = Rendered(
    json.dumps({"@context": CONTEXT}, indent=2, sort_keys=True).encode("utf-8"), "application/ld+json"
)


@bp.route("/context.jsonld", methods=["GET", "HEAD"])
def context() -> Response:
    """The published JSON-LD context."""
    return respond(CONTEXT_DOCUMENT, vary=False)


__all__ = ["bp", "candidate_iris", "current_linker", "missing", "page_number", "path_url"]
