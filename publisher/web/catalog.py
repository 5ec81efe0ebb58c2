"""The DCAT-AP.de catalogue at ``/catalog``: Turtle, JSON-LD, N-Triples, RDF/XML, and a page in German.

The catalogue is built from the published state (publisher.catalog) once per state and kept until a build
publishes the next; each rendered format is remembered with every other response of that state.
"""

from __future__ import annotations

import json
from datetime import date

from flask import Blueprint, Response, current_app, render_template, request
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF

from publisher.cache import LruCache
from publisher.catalog import CATALOG_CONTEXT, SPDX, catalog_graph, catalog_page, dataset_order, modified_since
from publisher.errors import HttpError
from publisher.web.http import respond
from publisher.web.linked_data import page_number, path_url
from publisher.web.negotiation import DOCUMENT_FORMATS, Representation, negotiate, split_suffix
from publisher.web.state import Rendered, published

bp = Blueprint("catalog", __name__)


def current_catalog() -> Graph:
    """The catalogue of the state now published, built once per state."""
    state = published()
    kept: LruCache[Graph] = current_app.extensions.setdefault("catalog", LruCache(2))
    return kept.get_or_make(state.version(), lambda: catalog_graph(state.store, state.config.base_uri))


def catalog_body(graph: Graph, fmt: Representation) -> bytes:
    """The catalogue in an RDF format; JSON-LD compact against the catalogue's own context."""
    if fmt.name == "jsonld":
        document = json.loads(graph.serialize(format="json-ld", context=CATALOG_CONTEXT, auto_compact=True))
        return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
    rdflib_name = {"turtle": "turtle", "nt": "nt", "rdfxml": "xml"}[fmt.name]
    return graph.serialize(format=rdflib_name).encode("utf-8")


def _first(graph: Graph, subject: URIRef, predicate: URIRef, lang: str = "de") -> str:
    values = list(graph.objects(subject, predicate))
    chosen = [v for v in values if getattr(v, "language", None) == lang] or values
    return str(chosen[0]) if chosen else ""


def _iris(graph: Graph, subject: URIRef, predicate: URIRef) -> list[URIRef]:
    return sorted(o for o in graph.objects(subject, predicate) if isinstance(o, URIRef))


def _local(url: str) -> str:
    """A link to this app for a URL under the base URI (which may name another host than the request)."""
    base = published().config.base_uri
    return request.script_root + "/" + url.removeprefix(base) if url.startswith(base) else url


def _page(graph: Graph, page: int, pages: int, query: str) -> bytes:
    catalog = next(s for s in graph.subjects(RDF.type, DCAT.Catalog) if isinstance(s, URIRef))
    datasets = []
    for dataset in dataset_order(graph):
        distributions = []
        for distribution in _iris(graph, dataset, DCAT.distribution):
            checksum = next(graph.objects(distribution, URIRef(SPDX + "checksum")), None)
            url = _first(graph, distribution, DCAT.downloadURL) or _first(graph, distribution, DCAT.accessURL)
            distributions.append(
                {
                    "title": _first(graph, distribution, DCTERMS.title),
                    "url": _local(url),
                    "media_type": _first(graph, distribution, DCAT.mediaType).rsplit("media-types/", 1)[-1],
                    "size": int(_first(graph, distribution, DCAT.byteSize) or 0),
                    "sha256": str(graph.value(checksum, URIRef(SPDX + "checksumValue"))) if checksum else "",
                }
            )
        datasets.append(
            {
                "title": _first(graph, dataset, DCTERMS.title),
                "description": _first(graph, dataset, DCTERMS.description),
                "keywords": sorted(str(k) for k in graph.objects(dataset, DCAT.keyword)),
                "issued": _first(graph, dataset, DCTERMS.issued),
                "modified": _first(graph, dataset, DCTERMS.modified),
                "distributions": distributions,
            }
        )
    services = [
        {
            "title": _first(graph, service, DCTERMS.title),
            "url": _local(_first(graph, service, DCAT.endpointURL)),
        }
        for service in _iris(graph, catalog, DCAT.service)
    ]
    publisher = graph.value(catalog, DCTERMS.publisher)
    html = render_template(
        "catalog.html",
        title=_first(graph, catalog, DCTERMS.title),
        description=_first(graph, catalog, DCTERMS.description),
        publisher=_first(graph, publisher, FOAF.name) if isinstance(publisher, URIRef) else "",
        modified=_first(graph, catalog, DCTERMS.modified),
        datasets=datasets,
        services=services,
        doc_path=path_url("catalog"),
        formats=DOCUMENT_FORMATS,
        page=page,
        pages=pages,
        query=query,
    )
    return html.encode("utf-8")


def since_parameter() -> date | None:
    """The request's ``modified_since`` (an ISO date), or None; anything else is a 400 naming the parameter."""
    unknown = sorted(set(request.args) - {"modified_since", "page"})
    if unknown:
        raise HttpError(
            400, f"{unknown[0]}: unknown parameter (the catalogue takes modified_since=YYYY-MM-DD and page=N)"
        )
    values = request.args.getlist("modified_since")
    if not values:
        return None
    if len(values) > 1:
        raise HttpError(400, "modified_since: given more than once")
    try:
        if len(values[0]) != 10:
            raise ValueError(values[0])
        return date.fromisoformat(values[0])
    except ValueError:
        raise HttpError(400, f"modified_since: {values[0][:40]!r} is not a date (YYYY-MM-DD)") from None


@bp.route("/catalog", defaults={"ext": ""}, methods=["GET", "HEAD"])
@bp.route("/catalog.<any(ttl, jsonld, nt, rdf, html):ext>", methods=["GET", "HEAD"])
def catalog(ext: str) -> Response:
    _path, found = split_suffix(f"catalog.{ext}" if ext else "catalog")
    fmt = negotiate(request.accept_mimetypes, found)
    since = since_parameter()
    page = page_number()
    config = published().config
    graph = current_catalog() if since is None else modified_since(current_catalog(), since)
    query = f"modified_since={since.isoformat()}&" if since else ""
    try:
        graph, pages = catalog_page(
            graph, page, config.catalog_page_size, f"{config.base_uri}catalog?{query}page={{page}}"
        )
    except IndexError as past:
        raise HttpError(
            404,
            f"page: there is no page {page} of the catalogue; it has {past.args[0]} page(s) of "
            f"{config.catalog_page_size} datasets (PUBLISHER_CATALOG_PAGE_SIZE)",
        ) from None
    body = catalog_body(graph, fmt) if fmt.rdf else _page(graph, page, pages, query)
    doc_path = path_url("catalog")
    here = f"?{query}page={page}" if page > 1 else (f"?{query.rstrip('&')}" if since else "")
    links = [
        f'<{doc_path}{f.suffix}{here}>; rel="alternate"; type="{f.media_type}"' for f in DOCUMENT_FORMATS if f != fmt
    ]
    if pages > 1:
        suffix = fmt.suffix if found else ""
        steps = {
            "first": 1,
            "last": pages,
            "prev": page - 1 if page > 1 else 0,
            "next": page + 1 if page < pages else 0,
        }
        links += [f'<{doc_path}{suffix}?{query}page={n}>; rel="{rel}"' for rel, n in steps.items() if n]
    location = None if found else doc_path + fmt.suffix + here
    return respond(Rendered(body, fmt.content_type, links), content_location=location)


__all__ = ["bp", "catalog_body", "current_catalog"]
