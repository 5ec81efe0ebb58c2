"""A memo of whole responses in front of the Flask app, for the requests that are asked again and again.

A representation depends on the path, the query string and the ``Accept`` header (the app varies on nothing
else), and on the published state. The first request for such a combination goes through the app; when the app
marks its answer as memorable (a 200 with validators, rendered from the store), the status, headers and body
are kept, and the next identical request is answered from the memo without routing, negotiating or rendering
again; conditional requests are answered 304 through werkzeug's ``is_resource_modified``. A new build changes
the state's version, and the memos of the old state go. Requests the memo cannot answer exactly (ranges, other
methods) go to the app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from werkzeug.http import is_resource_modified, parse_date

from publisher.web.state import Published

#: The environ key through which a view marks its response as one the memo may keep.
MEMORABLE = "publisher.memorable"
#: Headers a 304 repeats (RFC 9110, 15.4.5), besides the CORS headers every response carries.
_NOT_MODIFIED_HEADERS = frozenset(
    {
        "etag",
        "last-modified",
        "cache-control",
        "vary",
        "content-location",
        "expires",
        "access-control-allow-origin",
        "access-control-expose-headers",
    }
)

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


@dataclass(frozen=True)
class Memo:
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    etag: str
    last_modified: str | None


class ResponseMemo:
    """WSGI middleware: answers repeated GET and HEAD requests from memos of earlier responses."""

    def __init__(self, app: WsgiApp, state: Published) -> None:
        self.app = app
        self.state = state
        self.memos = state.responses

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if self.memos.capacity <= 0 or method not in ("GET", "HEAD") or "HTTP_RANGE" in environ:
            return self.app(environ, start_response)
        key = (
            self.state.version(),
            environ.get("SCRIPT_NAME", ""),
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
            environ.get("HTTP_ACCEPT", ""),
        )
        memo = self.memos.get(key)
        if memo is None:
            return self._remember(key, environ, start_response)
        modified = is_resource_modified(
            environ, etag=memo.etag, last_modified=parse_date(memo.last_modified) if memo.last_modified else None
        )
        if not modified:
            start_response("304 NOT MODIFIED", [h for h in memo.headers if h[0].lower() in _NOT_MODIFIED_HEADERS])
            return []
        start_response(memo.status, memo.headers)
        return [] if method == "HEAD" else [memo.body]

    def _remember(
        self, key: tuple[str, ...], environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        captured: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured[:] = [status, headers]
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        result = self.app(environ, capture)
        if not environ.get(MEMORABLE) or environ.get("REQUEST_METHOD") != "GET":
            return result
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        status, headers = captured
        if status.startswith("200"):
            found = {name.lower(): value for name, value in headers}
            etag = found.get("etag", "").strip('"')
            if etag:
                self.memos.put(key, Memo(status, list(headers), body, etag, found.get("last-modified")))
        return [body]


__all__ = ["MEMORABLE", "Memo", "ResponseMemo"]
