"""Publishing and withdrawing a press release over HTTP, for a press office: ``PUT /publish/releases/<name>``
and ``DELETE /publish/releases/<name>``, allowed to whoever sends ``Authorization: Bearer <token>`` with the
token of the setting ``PUBLISHER_PUBLISH_TOKEN``.

``<name>`` is the release's file name in the data folder's ``releases/`` (``.txt`` for the plain-text export,
``.md`` for Markdown with front matter); the body is that file. Both go through the build (publisher.build,
``build_with_release``): the same extraction, validation and atomic switch of the store as ``publisher build``,
one build at a time; the file is written into (or removed from) the data folder only when the build published the
new state. A release that does not conform gets 422 with the findings and changes nothing.

Without a token configured, writes are off (403). Requests over plain HTTP are accepted only from a client on this
host (directly, or through a proxy here that says so in ``X-Forwarded-*``), since the token would otherwise cross
the network readable.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import re
from typing import Any

from flask import Blueprint, Response, request

from publisher.build import BuildRunningError, ReleaseBuild, build_with_release
from publisher.config import Config
from publisher.errors import HttpError, QueryError
from publisher.formats import serialize
from publisher.store import WritableStore, open_store
from publisher.web.linked_data import path_url
from publisher.web.state import Published, published

bp = Blueprint("publish", __name__)
logger = logging.getLogger(__name__)

#: A release file name: letters, digits, '.', '_' and '-', ending in the suffix of a format the build reads from
#: text a press office writes.
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}\.(txt|md)")
#: The media type a file's suffix asks for, and the other names it goes by.
MEDIA_TYPES = {"txt": ("text/plain",), "md": ("text/markdown", "text/x-markdown")}
#: What a non-conforming release's findings are answered in (most preferred first).
REPORT_TYPES = ("application/json", "text/turtle", "application/ld+json", "text/plain")
CHALLENGE = 'Bearer realm="publisher"'


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> QueryError:
    """An error in the app's one shape, with headers (QueryError carries them into the response)."""
    return QueryError(status, message, headers)


def _loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.strip()).is_loopback
    except ValueError:
        return False


def _secure_enough() -> bool:
    """HTTPS, or a client on this host. A proxy on this host (the nginx of ``publisher nginx-config``) says how its
    client came in with ``X-Forwarded-Proto`` and ``X-Forwarded-For``, believed from loopback only."""
    if request.scheme == "https":
        return True
    if not _loopback(request.remote_addr or ""):
        return False
    forwarded = request.headers.get("X-Forwarded-Proto")
    if forwarded is None:
        return True
    if forwarded.split(",")[0].strip().lower() == "https":
        return True
    return _loopback(request.headers.get("X-Forwarded-For", "").split(",")[-1])


def _authorise(config: Config) -> None:
    """Refuse the request unless writes are on, the transport keeps the token private, and it carries the token."""
    if not config.publish_token:
        raise HttpError(403, "publishing over HTTP is off: no token is configured (setting PUBLISHER_PUBLISH_TOKEN)")
    if not _secure_enough():
        raise HttpError(
            403,
            "publishing over plain HTTP is accepted from this host only; send the request over HTTPS (a proxy "
            "that ends TLS in front of the server)",
        )
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise _error(401, "publishing needs 'Authorization: Bearer <token>'", {"WWW-Authenticate": CHALLENGE})
    if not hmac.compare_digest(given.strip().encode(), config.publish_token.encode()):
        raise _error(
            401,
            "the bearer token is not the one configured (setting PUBLISHER_PUBLISH_TOKEN)",
            {"WWW-Authenticate": f'{CHALLENGE}, error="invalid_token"'},
        )


def _checked_name(name: str) -> str:
    if not NAME.fullmatch(name) or name.lower().startswith("readme"):
        raise HttpError(
            400,
            f"release name '{name[:100]}': a file name of letters, digits, '.', '_' and '-' ending in .txt "
            "(plain-text export) or .md (Markdown with front matter), not starting with 'readme'",
        )
    return name


def _body(name: str, limit: int) -> bytes:
    suffix = name.rsplit(".", 1)[1]
    wanted = MEDIA_TYPES[suffix]
    if request.mimetype not in wanted:
        given = request.mimetype or "none"
        raise HttpError(415, f"a .{suffix} release is sent as Content-Type {wanted[0]}, not {given}")
    too_large = HttpError(
        413, f"the body is larger than {limit} bytes, the most publishing accepts (setting PUBLISHER_PUBLISH_MAX_BODY)"
    )
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    raw = request.stream.read(limit + 1)
    if len(raw) > limit:
        raise too_large
    if not raw.strip():
        raise HttpError(400, "the body is empty; send the release's text")
    return raw


def _writer(state: Published) -> WritableStore:
    """The store to write: the app's own (every store the app opens can be written; writing makes a new state,
    which the app's readers switch to), else one opened for writing at the place the settings name."""
    if isinstance(state.store, WritableStore):
        return state.store
    store = open_store(state.config.store, writable=True, settings=state.config)
    assert isinstance(store, WritableStore)
    return store


def _run(name: str, content: bytes | None) -> ReleaseBuild:
    state = published()
    config = state.config
    try:
        # one process: a server's worker must not fork a pool of its own
        done = build_with_release(config.with_overrides(workers=1), _writer(state), name, content, config.publish_wait)
    except BuildRunningError as exc:
        retry = str(max(1, round(config.publish_wait)))
        message = f"{exc.message} for longer than PUBLISHER_PUBLISH_WAIT allows; try again"
        raise _error(503, message, {"Retry-After": retry}) from None
    if done.report.errors:
        raise HttpError(400, f"{name} cannot be published: " + "; ".join(done.report.errors))
    if not done.done:
        raise _RefusedError(name, content or b"", done)
    state.version()  # the new state, from this request on
    action = "withdrawn" if content is None else "published"
    logger.info("%s %s (state changed: %s), from %s", name, action, done.report.written, request.remote_addr)
    return done


class _RefusedError(Exception):
    """A release that does not conform: answered with its findings."""

    def __init__(self, name: str, content: bytes, done: ReleaseBuild) -> None:
        super().__init__(name)
        self.name = name
        self.content = content
        self.done = done


@bp.errorhandler(_RefusedError)
def refused(error: _RefusedError) -> Response:
    """422 with the findings: JSON (the app's error shape with the findings), the SHACL validation report as
    Turtle or JSON-LD (what /validate answers for the same text), or the build's report as text."""
    report = error.done.report
    message = (
        f"{error.name} does not conform to the shapes ({len(report.violations)} violation(s)); nothing was published"
    )
    best = request.accept_mimetypes.best_match(REPORT_TYPES) if request.accept_mimetypes else REPORT_TYPES[0]
    if best in ("text/turtle", "application/ld+json"):
        from publisher.web.validate import check

        fmt = "markdown" if error.name.endswith(".md") else "text"
        result, _data = check(fmt, error.content, published().config)
        name = "turtle" if best == "text/turtle" else "jsonld"
        response = Response(serialize(result.report, name), status=422, content_type=best)
    elif best == "text/plain":
        response = Response(report.text() + "\n", status=422, content_type="text/plain; charset=utf-8")
    else:
        document = {"ok": False, "status": 422, "error": message, "findings": _findings(report.findings)}
        response = Response(json.dumps(document, ensure_ascii=False), status=422, content_type="application/json")
    response.vary.add("Accept")
    response.cache_control.no_store = True
    return response


def _findings(findings: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "severity": f.severity,
            "focus": f.focus,
            "path": f.path,
            "message": f.message,
            "value": f.value,
            "source": f.source,
        }
        for f in sorted(findings, key=lambda f: (f.severity, f.focus, f.path))
    ]


def _answer(status: int, body: dict[str, Any], location: str | None = None) -> Response:
    response = Response(json.dumps(body, ensure_ascii=False), status=status, content_type="application/json")
    if location:
        response.headers["Location"] = location
    response.cache_control.no_store = True
    return response


@bp.route("/publish/releases/<name>", methods=["PUT"])
def put(name: str) -> Response:
    """Publish a release, or a new version of it: 201 when it is new, 200 when it replaced one."""
    config = published().config
    _authorise(config)
    raw = _body(_checked_name(name), config.publish_max_body)
    done = _run(name, raw)
    source = (published().manifest().get("sources") or {}).get(name, {})
    iri = str(source.get("iri", ""))
    document = path_url("doc", iri[len(config.base_uri) + 3 :]) if iri.startswith(config.base_uri + "id/") else None
    body = {
        "ok": True,
        "status": 200 if done.existed else 201,
        "name": name,
        "release": iri,
        "document": document,
        "changed": done.report.written,
        "findings": _findings(done.report.findings),
    }
    return _answer(200 if done.existed else 201, body, document)


@bp.route("/publish/releases/<name>", methods=["DELETE"])
def delete(name: str) -> Response:
    """Withdraw a release: its graph leaves the store, the change feed records a tombstone."""
    config = published().config
    _authorise(config)
    _checked_name(name)
    before = (published().manifest().get("sources") or {}).get(name, {})
    done = _run(name, None)
    body = {"ok": True, "status": 200, "name": name, "release": before.get("iri"), "changed": done.report.written}
    return _answer(200, body)


__all__ = ["bp"]
