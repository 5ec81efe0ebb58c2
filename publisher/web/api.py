"""The JSON API under ``/api/``, its OpenAPI document at ``/openapi.json`` and its docs page at ``/api/``.

Views parse the request, ask the core (``publisher.api``) and render its answer as plain JSON or JSON-LD (chosen
by ``format=``, else by ``Accept``). Errors raised here are answered as JSON in the project's one error shape, with
the parameter at fault named.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_options_header
from werkzeug.routing import PathConverter

import publisher
from publisher.api import KINDS, Api, ParameterError
from publisher.api.core import Listing, jsonld, listing_graph
from publisher.api.declarations import FORMAT, list_params
from publisher.api.openapi import openapi_document
from publisher.errors import NotAcceptableError, NotFoundError, PublisherError
from publisher.web.errors import ERROR_CONTEXT
from publisher.web.http import respond
from publisher.web.negotiation import HTML
from publisher.web.state import Published, Rendered, published

bp = Blueprint("api", __name__)

JSON = "application/json"
JSONLD = "application/ld+json"
_KIND_NAMES = ",".join(KINDS)


def _make_api(state: Published) -> Api:
    config = state.config
    return Api(
        state.store,
        config.base_uri,
        page_size=config.page_size,
        max_page_size=config.api_max_page_size,
        max_text=config.search_length,
        search_index=state.search_index,
    )


class AnyPath(PathConverter):
    """A path that may hold any character: werkzeug's ``path`` stops at a line break (``%0A`` in the URL), which
    would leave the request to the app's error handler instead of the API's JSON."""

    regex = "[^/](?s:.)*?"


@bp.record_once
def _setup(setup: BlueprintSetupState) -> None:
    app = setup.app
    app.url_map.converters["anypath"] = AnyPath  # before the blueprint's rules are added
    app.extensions["publisher.api"] = _make_api(app.extensions["publisher"])


def current_api() -> Api:
    api: Api = current_app.extensions["publisher.api"]
    return api


def _representation(explicit: str | None) -> str:
    """The representation, "json" or "jsonld": ``format=`` when given, else the best of the two the client accepts."""
    if explicit is not None:
        return explicit
    accept = request.accept_mimetypes
    if not accept:
        return "json"
    bare = MIMEAccept([(parse_options_header(value)[0], quality) for value, quality in accept])
    best = bare.best_match([JSON, JSONLD])
    if best is None:
        raise NotAcceptableError(accept.to_header(), [JSON, JSONLD])
    return "jsonld" if best == JSONLD else "json"


def _requested_format() -> str | None:
    """The ``format=`` of a lookup, validated (listings validate it with their other parameters)."""
    values = request.args.getlist("format")
    if not values:
        return None
    if len(values) > 1 or values[0] not in FORMAT.choices:
        raise ParameterError("format", f"choose one of {', '.join(FORMAT.choices)}, once")
    return values[0]


def _body(document: Any, fmt: str, links: list[str]) -> Response:
    body = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    return respond(Rendered(body, JSONLD if fmt == "jsonld" else JSON, links))


def _page_url(path: str, given: tuple[tuple[str, str], ...], paging: dict[str, int]) -> str:
    query = urlencode([*given, *((k, str(v)) for k, v in paging.items())])
    return f"{path}?{query}" if query else path


def _page_links(listing: Listing, path: str) -> dict[str, str]:
    """rel -> URL (``path`` and its query) of this page and the pages around it, in the style the request used."""
    query = listing.query
    paging = query.paging
    given = query.given
    if paging.style == "offset":
        last_offset = max(0, (listing.pages - 1) * paging.limit)

        def at(offset: int) -> str:
            return _page_url(path, given, {"offset": offset, "limit": paging.limit})

        links = {"self": at(paging.offset), "first": at(0), "last": at(last_offset)}
        if paging.offset > 0:
            links["prev"] = at(max(0, paging.offset - paging.limit))
        if paging.offset + paging.limit < listing.total:
            links["next"] = at(paging.offset + paging.limit)
        return links
    size = {"per_page": paging.limit} if "per_page" in request.args else {}

    def page(number: int) -> str:
        return _page_url(path, given, {"page": number, **size})

    links = {"self": page(paging.page), "first": page(1), "last": page(listing.pages)}
    if paging.page > 1:
        links["prev"] = page(paging.page - 1)
    if paging.page < listing.pages:
        links["next"] = page(paging.page + 1)
    return links


@bp.route(f"/api/<any({_KIND_NAMES}):kind>", methods=["GET", "HEAD"])
def listing(kind: str) -> Response:
    api = current_api()
    query = api.parse_list(kind, request.args.to_dict(flat=False))
    fmt = _representation(query.format)
    root = request.script_root
    result = api.listing(query, root)
    path = f"{root}/api/{kind}"
    links = _page_links(result, path)
    header = [f'<{url}>; rel="{rel}"' for rel, url in links.items() if rel != "self"]
    if fmt == "jsonld":
        base = api.base_uri.rstrip("/")
        collection = base + _page_url(f"/api/{kind}", query.given, {})
        absolute = {rel: base + url[len(root) :] for rel, url in links.items()}
        document = jsonld(listing_graph(result, collection, absolute["self"], absolute))
    else:
        paging = query.paging
        document = {
            "total": result.total,
            "page": paging.page if paging.style == "page" else None,
            "per_page": paging.limit if paging.style == "page" else None,
            "pages": result.pages,
            "offset": paging.offset,
            "limit": paging.limit,
            "sort": query.sort.name,
            "parameters": dict(query.given),
            "items": result.items,
            "links": links,
        }
    response = _body(document, fmt, header)
    response.headers["X-Total-Count"] = str(result.total)
    return response


@bp.route(f"/api/<any({_KIND_NAMES}):kind>/<anypath:ident>", methods=["GET", "HEAD"])
def item(kind: str, ident: str) -> Response:
    unknown = sorted(set(request.args) - {"format"})
    if unknown:
        raise ParameterError(unknown[0], "unknown parameter; a lookup takes only format")
    fmt = _representation(_requested_format())
    found = current_api().lookup(kind, ident, request.script_root)
    document = jsonld(found.graph) if fmt == "jsonld" else found.data
    return _body(document, fmt, [])


@bp.route("/api/<anypath:rest>", methods=["GET", "HEAD"])
def unknown(rest: str) -> Response:
    raise NotFoundError(f"nothing at /api/{rest}; the API offers /api/{', /api/'.join(KINDS)} (see /api/)")


@bp.route("/openapi.json", methods=["GET", "HEAD"])
def openapi() -> Response:
    state = published()
    document = openapi_document(
        root=request.script_root,
        page_size=min(state.config.page_size, state.config.api_max_page_size),
        max_page_size=state.config.api_max_page_size,
        version=publisher.__version__,
    )
    body = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    return respond(Rendered(body, "application/vnd.oai.openapi+json;version=3.1"), vary=False)


@bp.route("/api/", methods=["GET", "HEAD"])
def docs() -> Response:
    state = published()
    kinds = [
        {
            "kind": kind,
            "params": [p for p in list_params(kind) if p.name not in ("sort", "page", "per_page", "limit", "offset")],
        }
        for kind in KINDS.values()
    ]
    html = render_template(
        "api.html",
        kinds=kinds,
        page_size=min(state.config.page_size, state.config.api_max_page_size),
        max_page_size=state.config.api_max_page_size,
        base=state.config.base_uri,
        openapi=url_for("api.openapi"),
    )
    return respond(Rendered(html.encode("utf-8"), HTML.content_type), vary=False)


def _error(status: int, message: str, parameter: str | None = None, available: list[str] | None = None) -> Response:
    """The project's error shape, as JSON (or JSON-LD when that was asked for), whatever the Accept header says
    about HTML: the API speaks JSON."""
    document: dict[str, Any] = {"ok": False, "status": status, "error": message}
    if parameter is not None:
        document["parameter"] = parameter
    if available is not None:
        document["available"] = available
    wants_jsonld = request.args.get("format") == "jsonld" or (
        "format" not in request.args and request.accept_mimetypes.best_match([JSON, JSONLD]) == JSONLD
    )
    if wants_jsonld:
        document = {"@context": ERROR_CONTEXT, **document}
    response = Response(
        json.dumps(document, ensure_ascii=False), status=status, content_type=JSONLD if wants_jsonld else JSON
    )
    response.vary.add("Accept")
    response.cache_control.no_store = True
    return response


@bp.errorhandler(PublisherError)
def publisher_error(error: PublisherError) -> Response:
    return _error(
        error.status,
        error.message,
        parameter=error.parameter if isinstance(error, ParameterError) else None,
        available=error.available if isinstance(error, NotAcceptableError) else None,
    )


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException) -> Response:
    return _error(error.code or 500, (error.description or error.name).rstrip("."))


__all__ = ["bp", "current_api"]
