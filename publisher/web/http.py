"""HTTP caching and cross-origin headers, the same for every response of the app.

Every data and HTML response carries a strong ``ETag`` (a hash of its body), ``Last-Modified`` (when the served
state was built) and ``Cache-Control`` with the configured max-age; werkzeug answers ``If-None-Match``,
``If-Modified-Since`` and ``Range`` from them. Every response, errors included, allows any origin.
"""

from __future__ import annotations

from flask import Response, request

from publisher.web.memo import MEMORABLE
from publisher.web.state import Rendered, published

#: Headers a script on another origin may read.
EXPOSED = (
    "ETag, Last-Modified, Link, Location, Content-Location, Content-Length, Content-Range, Accept-Ranges, Vary, "
    "Retry-After, X-SPARQL-MaxRows, X-Total-Count"
)
#: Headers a script on another origin may send (they make the browser ask first).
ALLOWED = "Accept, Accept-Language, Content-Type, If-None-Match, If-Modified-Since, Range"


def respond(
    rendered: Rendered, *, status: int = 200, vary: bool = True, content_location: str | None = None
) -> Response:
    """A response for ``rendered``, answering conditional requests with 304."""
    response = Response(rendered.body, status=status, content_type=rendered.content_type)
    if vary:
        response.vary.add("Accept")
    if rendered.links:
        response.headers["Link"] = ", ".join(rendered.links)
    if content_location:
        response.headers["Content-Location"] = content_location
    if status == 200:
        state = published()
        response.set_etag(rendered.etag)
        modified = state.last_modified()
        if modified is not None:
            response.last_modified = modified
        response.cache_control.public = True
        response.cache_control.max_age = state.config.cache_max_age
        response.make_conditional(request)
        request.environ[MEMORABLE] = True
    return response


def add_cors(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = EXPOSED
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = ALLOWED
        response.headers["Access-Control-Max-Age"] = "86400"
    return response


__all__ = ["add_cors", "respond"]
