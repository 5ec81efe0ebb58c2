"""One shape for every error: JSON ``{"ok": false, "status": ..., "error": ...}`` for machines (a JSON-LD
document, too, whose context maps the keys to W3C's HTTP vocabulary), the same statement in RDF where RDF was asked
for, and a friendly German page for browsers.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import Flask, Response, render_template, request
from rdflib import BNode, Graph, Literal
from rdflib.namespace import RDF, XSD
from werkzeug.exceptions import HTTPException

from publisher.errors import HttpError, NotAcceptableError, PublisherError, QueryError, StoreError
from publisher.formats import serialize
from publisher.ldes import Member
from publisher.namespaces import HTTP, SDO
from publisher.web.negotiation import BY_SUFFIX, HTML, negotiate_quietly, split_suffix

#: Maps the JSON error's keys to RDF; "ok" says nothing about the world and is left out of the RDF.
ERROR_CONTEXT = {"ok": None, "status": str(HTTP.statusCodeValue), "error": str(SDO.description)}

#: German headings of the error page, by status.
HEADINGS = {
    400: "Diese Anfrage ist fehlerhaft",
    401: "Für diese Anfrage ist eine Anmeldung nötig",
    404: "Diese Seite gibt es nicht",
    405: "Diese Methode ist hier nicht erlaubt",
    403: "Diese Anfrage wird nicht ausgeführt",
    406: "Dieses Format gibt es hier nicht",
    409: "Diese Anfrage widerspricht dem aktuellen Stand",
    410: "Diese Seite gibt es nicht mehr",
    413: "Diese Anfrage ist zu groß",
    414: "Diese Adresse ist zu lang",
    415: "Dieses Anfrageformat wird nicht verstanden",
    422: "Diese Daten erfüllen die Anforderungen nicht",
    500: "Ein Fehler im Server",
    503: "Die Daten sind gerade nicht erreichbar",
}

#: Seconds a client is asked to wait (Retry-After) when the store cannot be reached.
STORE_RETRY_AFTER = 10

logger = logging.getLogger(__name__)

#: The time zone the error page gives times in.
BERLIN = ZoneInfo("Europe/Berlin")


class GoneError(HttpError):
    """A release or entity the change feed records as published and removed since (its last member a tombstone):
    410 Gone, saying when, where the server would otherwise answer 404."""

    def __init__(self, tombstone: Member, base: str) -> None:
        self.release = tombstone.release.startswith(f"{base}id/pressemitteilung/")
        self.tombstone = tombstone
        self.member = tombstone.iri(base)
        what = "withdrawn" if self.release else "removed from the data"
        super().__init__(
            410, f"{tombstone.release} is gone: {what} at {tombstone.time} (change feed {base}ldes: {self.member})"
        )


def _gone_page(error: GoneError, heading: str) -> str:
    """The German page that says what is gone and since when, and where the change feed is."""
    removed = datetime.strptime(error.tombstone.time, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return render_template(
        "gone.html",
        status=error.status,
        heading=heading,
        message=error.message,
        iri=error.tombstone.release,
        release=error.release,
        removed=error.tombstone.time,
        removed_text=format_datetime(removed, "d. MMMM y, HH:mm 'Uhr'", tzinfo=BERLIN, locale="de_DE"),
    )


def error_response(
    status: int, message: str, available: list[str] | None = None, gone: GoneError | None = None
) -> Response:
    """The response for an error, in the format the request asks for (``gone``: the page says what is gone)."""
    _path, suffix = split_suffix(request.path)
    fmt = BY_SUFFIX[suffix] if suffix else negotiate_quietly(request.accept_mimetypes)
    if fmt == HTML:
        heading = HEADINGS.get(status, "Ein Fehler")
        if gone is not None:
            body = _gone_page(gone, heading)
        else:
            body = render_template("error.html", status=status, heading=heading, message=message, available=available)
        response = Response(body, status=status, content_type=HTML.content_type)
    elif fmt.name == "jsonld":
        document: dict[str, object] = {"@context": ERROR_CONTEXT, "ok": False, "status": status, "error": message}
        if available is not None:
            document["available"] = available
        asks_plain_json = request.accept_mimetypes.best == "application/json"
        response = Response(
            json.dumps(document, ensure_ascii=False),
            status=status,
            content_type="application/json" if asks_plain_json else "application/ld+json",
        )
    else:
        graph = Graph()
        node = BNode()
        graph.add((node, RDF.type, HTTP.Response))
        graph.add((node, HTTP.statusCodeValue, Literal(status, datatype=XSD.int)))
        graph.add((node, SDO.description, Literal(message)))
        response = Response(serialize(graph, fmt.name), status=status, content_type=fmt.content_type)
    response.vary.add("Accept")
    response.cache_control.no_store = True
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(PublisherError)
    def publisher_error(error: PublisherError) -> Response:
        if error.status >= 500:
            logger.error("%s %s: %s", request.method, request.path, error)
        available = error.available if isinstance(error, NotAcceptableError) else None
        gone = error if isinstance(error, GoneError) else None
        response = error_response(error.status, error.message, available, gone)
        if isinstance(error, QueryError):
            response.headers.update(error.headers)
        elif isinstance(error, StoreError) and error.transient:
            # the store is away (a remote store unreachable or too slow): worth asking again soon
            response.headers["Retry-After"] = str(STORE_RETRY_AFTER)
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        status = error.code or 500
        response = error_response(status, _message(error))
        if status == 405:
            response.headers["Allow"] = ", ".join(getattr(error, "valid_methods", None) or ["GET", "HEAD"])
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        logger.exception("%s %s failed", request.method, request.path)
        return error_response(500, "internal error; the server log has the details")


def _message(error: HTTPException) -> str:
    if error.code == 404:
        return f"nothing at {request.path}"
    if error.code == 405:
        return f"{request.method} is not allowed at {request.path}"
    return (error.description or error.name).rstrip(".")


__all__ = ["ERROR_CONTEXT", "GoneError", "HttpError", "error_response", "init_app"]
