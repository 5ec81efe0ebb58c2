"""The pages for people that are not about one resource: the landing page, listings per type, search."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request, url_for

from publisher.errors import NotFoundError
from publisher.formats import CONTEXT
from publisher.resources import LISTINGS, page_count
from publisher.web.charts import landing_timeline
from publisher.web.http import respond
from publisher.web.linked_data import current_linker, page_number
from publisher.web.maps import landing_map
from publisher.web.negotiation import HTML
from publisher.web.pages import json_ld_script
from publisher.web.state import Rendered, published

bp = Blueprint("site", __name__)


def endpoints() -> list[tuple[str, str, str]]:
    """(title, URL, what it is) of the services this app offers beside the pages."""
    return [(title, url_for(endpoint), text) for endpoint, (title, text) in published().services.items()]


def _html(template: str, **context: object) -> Response:
    html = render_template(template, linker=current_linker(), **context)
    return respond(Rendered(html.encode("utf-8"), HTML.content_type))


@bp.route("/", methods=["GET", "HEAD"])
def landing() -> Response:
    state = published()
    counts = state.resources.counts()
    manifest = state.manifest()
    website = {
        "@context": CONTEXT,
        "@type": "WebSite",
        "name": "Pressemitteilungen als Linked Open Data",
        "url": state.config.base_uri,
        "potentialAction": {
            "@type": "SearchAction",
            "target": state.config.base_uri.rstrip("/") + url_for("site.search") + "?q={q}",
            "query-input": "required name=q",
        },
    }
    return _html(
        "landing.html",
        listings=[(slug, title, counts[slug]) for slug, (title, _c, _o) in LISTINGS.items() if counts[slug]],
        newest=state.resources.listing("pressemitteilungen", 1, 10).items,
        endpoints=endpoints(),
        triples=manifest.get("triples"),
        built=manifest.get("built"),
        json_ld=json_ld_script(website),
        timeline=landing_timeline(),
        area_map=landing_map(state, current_linker()),
    )


@bp.route("/liste/<slug>", methods=["GET", "HEAD"])
def listing(slug: str) -> Response:
    if slug not in LISTINGS:
        raise NotFoundError(f"no listing '{slug}' (listings: {', '.join(LISTINGS)})")
    page = page_number()
    result = published().resources.listing(slug, page)
    if page > result.pages:
        raise NotFoundError(f"listing '{slug}': page {page} does not exist (1 to {result.pages})")
    return _html("listing.html", slug=slug, title=LISTINGS[slug][0], result=result)


@bp.route("/suche", methods=["GET", "HEAD"])
def search() -> Response:
    """Ranked full-text search over the releases' headlines and bodies (``publisher.search``), a page at a time."""
    text = request.args.get("q", "").strip()
    page = page_number()
    if not text:
        return _html("search.html", text="", result=None)
    state = published()
    index = state.search_index()
    if index is None:
        # a state written by a version without search: the page says so, and keeps what was searched for
        html = render_template("search.html", linker=current_linker(), text=text, result=None, missing=True)
        response = respond(Rendered(html.encode("utf-8"), HTML.content_type), status=503)
        response.cache_control.no_store = True
        return response
    size = state.config.page_size
    result = index.search(text, limit=size, offset=(page - 1) * size)
    pages = page_count(result.total, size)
    if page > pages:
        raise NotFoundError(f"search '{text}': page {page} does not exist (1 to {pages})")
    return _html("search.html", text=text, result=result, page=page, pages=pages, first=(page - 1) * size + 1)


__all__ = ["bp", "endpoints"]
