"""The validation service at ``/validate``: anyone can check data against the publisher's SHACL shapes.

``GET`` shows a German page with a form. ``POST`` takes Turtle (``text/turtle``), JSON-LD
(``application/ld+json``), N-Triples (``application/n-triples``) or the text of a press release (``text/plain``,
``text/markdown``: extracted as the build extracts it), or the page's form (``application/x-www-form-urlencoded`` or
``multipart/form-data`` with the fields ``data`` or ``file``, and ``format``). The answer is the SHACL validation
report: Turtle or JSON-LD (the ``sh:ValidationReport`` graph) by ``Accept``, or the page with the results.

Validation is the build's (publisher.validation, the same shapes and settings): what the input says is checked,
and the published resources it links to count with the types the store gives them. Bodies larger than
``PUBLISHER_VALIDATE_MAX_BODY`` get 413; input that cannot be read gets 400 naming the line and column where the
parser gives them; an unknown content type gets 415. One validation runs at a time.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, request
from rdflib import Graph, URIRef
from rdflib.namespace import RDF
from werkzeug.exceptions import RequestEntityTooLarge

from publisher.config import Config
from publisher.errors import HttpError, InputError, NotAcceptableError
from publisher.formats import CONTEXT, serialize
from publisher.ingest.extract import Extractor
from publisher.ingest.source import SourceDocument, decode
from publisher.validation import Finding, ValidationResult, Validator, add_linked_types
from publisher.web.negotiation import BY_FORMAT_NAME, HTML, Representation
from publisher.web.state import published

bp = Blueprint("validate", __name__)

#: The formats the service reads: form value -> (media type, what it is called in messages).
INPUTS: dict[str, tuple[str, str]] = {
    "turtle": ("text/turtle", "Turtle"),
    "jsonld": ("application/ld+json", "JSON-LD"),
    "nt": ("application/n-triples", "N-Triples"),
    "text": ("text/plain", "press-release text"),
    "markdown": ("text/markdown", "press-release Markdown"),
}
#: Media types of a body -> input format.
BY_MEDIA_TYPE = {media_type: name for name, (media_type, _title) in INPUTS.items()} | {
    "application/json": "jsonld",
    "application/x-turtle": "turtle",
    "text/x-markdown": "markdown",
}
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
#: What the report is answered in, by the media types that ask for it (most preferred first).
REPORT_FORMATS: dict[str, Representation] = {
    "text/turtle": BY_FORMAT_NAME["turtle"],
    "application/ld+json": BY_FORMAT_NAME["jsonld"],
    "text/html": HTML,
    "application/json": BY_FORMAT_NAME["jsonld"],
    "application/xhtml+xml": HTML,
}
SEVERITY_DE = {"Violation": "Verstoß", "Warning": "Warnung", "Info": "Hinweis"}
_RDFLIB_FORMAT = {"turtle": "turtle", "jsonld": "json-ld", "nt": "nt"}

_lock = threading.Lock()


@dataclass(frozen=True)
class Tools:
    """What validation needs, made once per settings: the validator, the reference data and an extractor."""

    validator: Validator
    curated: frozenset[str]
    reference: Graph
    extractor: Extractor


@lru_cache(maxsize=2)
def tools(config: Config) -> Tools:
    from publisher.ingest.gazetteer import build_gazetteer, load_reference

    reference = load_reference(config.reference_files, config.base_uri)
    return Tools(
        Validator(config.shapes_dir, config.ontology_dir),
        frozenset(str(s) for s in reference.subjects()),
        reference,
        Extractor(build_gazetteer(reference), config.base_uri),
    )


def _too_large(limit: int) -> HttpError:
    return HttpError(
        413, f"the body is larger than {limit} bytes, the most /validate accepts (setting PUBLISHER_VALIDATE_MAX_BODY)"
    )


def _body(limit: int) -> bytes:
    """The raw body, at most ``limit`` bytes."""
    if request.content_length is not None and request.content_length > limit:
        raise _too_large(limit)
    raw = request.stream.read(limit + 1)
    if len(raw) > limit:
        raise _too_large(limit)
    return raw


def _input(limit: int) -> tuple[str, bytes]:
    """The input format and its bytes, from the body or the form."""
    mimetype = request.mimetype
    if not mimetype:
        known = ", ".join(sorted({*BY_MEDIA_TYPE, *FORMS}))
        raise HttpError(415, f"the request has no Content-Type; send one of {known}")
    if mimetype in FORMS:
        if request.content_length is not None and request.content_length > limit:
            raise _too_large(limit)
        request.max_content_length = limit
        try:
            fields = request.form
        except RequestEntityTooLarge:
            raise _too_large(limit) from None
        fmt = fields.get("format", "turtle")
        if fmt not in INPUTS:
            raise HttpError(400, f"form field 'format': '{fmt}' is none of {', '.join(INPUTS)}")
        upload = request.files.get("file")
        raw = upload.read(limit + 1) if upload is not None and upload.filename else fields.get("data", "").encode()
        if len(raw) > limit:
            raise _too_large(limit)
        return fmt, raw
    if mimetype not in BY_MEDIA_TYPE:
        known = ", ".join(sorted({*BY_MEDIA_TYPE, *FORMS}))
        raise HttpError(415, f"Content-Type '{mimetype}' is not read here; send one of {known}")
    return BY_MEDIA_TYPE[mimetype], _body(limit)


def _report_format() -> Representation:
    accept = request.accept_mimetypes
    if not accept:
        return REPORT_FORMATS["text/turtle"]
    best = accept.best_match(list(REPORT_FORMATS))
    if best is None:
        raise NotAcceptableError(accept.to_header(), ["text/turtle", "application/ld+json", "text/html"])
    return REPORT_FORMATS[best]


_OX_FORMAT = {"turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES}


def _parse_error(fmt: str, text: str, base_uri: str, exc: Exception) -> InputError:
    """The error for input rdflib could not parse: Oxigraph's message where it gives the line and column, else
    rdflib's."""
    problem = " ".join(str(exc).split()) or type(exc).__name__
    if fmt in _OX_FORMAT:
        try:
            for _quad in ox.parse(text.encode(), format=_OX_FORMAT[fmt], base_iri=base_uri):
                pass
        except SyntaxError as located:
            problem = str(located).removeprefix("Parser error ")
    return InputError("request body", f"not valid {INPUTS[fmt][1]}: {problem[:300]}")


def _local_contexts(document: Any, own: str) -> Any:
    """``document`` with the publisher's own context inlined; any other remote context is refused, as the
    service fetches nothing from elsewhere."""
    if isinstance(document, list):
        return [_local_contexts(item, own) for item in document]
    if not isinstance(document, dict):
        return document
    result = {}
    for key, value in document.items():
        if key == "@context":
            contexts = value if isinstance(value, list) else [value]
            inlined = []
            for context in contexts:
                if isinstance(context, str):
                    if context != own:
                        raise InputError(
                            "request body",
                            f"JSON-LD: remote @context '{context[:100]}' is not fetched; put the context in the "
                            f"document, or use {own}",
                        )
                    context = CONTEXT
                elif isinstance(context, dict) and "@import" in context:
                    raise InputError("request body", "JSON-LD: @import of a remote context is not fetched")
                inlined.append(context)
            result[key] = inlined if isinstance(value, list) else inlined[0]
        else:
            result[key] = _local_contexts(value, own)
    return result


def _rdf(fmt: str, text: str, base_uri: str) -> Graph:
    graph = Graph()
    if fmt == "jsonld":
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            where = f"line {exc.lineno}, column {exc.colno}"
            raise InputError("request body", f"not valid JSON-LD: broken JSON at {where}: {exc.msg}") from None
        text = json.dumps(_local_contexts(document, f"{base_uri}context.jsonld"))
    try:
        graph.parse(data=text, format=_RDFLIB_FORMAT[fmt], publicID=base_uri)
    except Exception as exc:  # rdflib raises parser-specific errors
        raise _parse_error(fmt, text, base_uri, exc) from None
    if not len(graph):
        raise InputError("request body", f"the {INPUTS[fmt][1]} holds no triples; nothing to validate")
    return graph


def _extracted(fmt: str, text: str, raw: bytes, tools: Tools, base_uri: str) -> Graph:
    from publisher.ingest.sources import extract_source

    suffix = ".md" if fmt == "markdown" else ".txt"
    doc = SourceDocument(Path(f"request{suffix}"), text, hashlib.sha256(raw).hexdigest(), fmt)
    try:
        result = extract_source(doc, tools.extractor, base_uri)
    except InputError as exc:
        raise InputError("request body", f"not a press release ({INPUTS[fmt][1]}): {exc.problem}") from None
    graph = Graph()
    graph += result.release
    graph += result.entities
    return graph


def _linked_types(data: Graph) -> None:
    """Add what the store knows of the types of the published resources ``data`` links to."""
    linked = sorted({str(o) for o in data.objects() if isinstance(o, URIRef)})
    terms = []
    for iri in linked:
        try:
            terms.append(str(ox.NamedNode(iri)))
        except ValueError:
            continue
    if not terms:
        return
    rows = published().store.select(
        f"SELECT DISTINCT ?s ?t WHERE {{ VALUES ?s {{ {' '.join(terms)} }} GRAPH ?g {{ ?s a ?t }} }}"
    )
    for row in rows:
        data.add((URIRef(row["s"]), RDF.type, URIRef(row["t"])))


def check(fmt: str, raw: bytes, config: Config) -> tuple[ValidationResult, Graph]:
    """Validate ``raw`` in input format ``fmt``: the result and the data graph it was run on."""
    text = decode(Path("request body"), raw)
    helpers = tools(config)
    if fmt in _RDFLIB_FORMAT:
        data = _rdf(fmt, text, config.base_uri)
    else:
        data = _extracted(fmt, text, raw, helpers, config.base_uri)
    focus = sorted({str(s) for s in data.subjects() if isinstance(s, URIRef)} - helpers.curated)
    add_linked_types(data, {}, helpers.reference)
    _linked_types(data)
    with _lock:
        result = helpers.validator.validate(data, focus=focus or None)
    return result, data


def _rows(findings: list[Finding]) -> list[dict[str, str]]:
    order = {"Violation": 0, "Warning": 1, "Info": 2}
    return [
        {
            "severity": SEVERITY_DE.get(f.severity, f.severity),
            "focus": f.focus,
            "path": f.path,
            "message": f.message,
            "value": f.value or "",
        }
        for f in sorted(findings, key=lambda f: (order.get(f.severity, 3), f.focus, f.path))
    ]


@bp.route("/validate", methods=["GET", "HEAD"])
def form() -> Response:
    body = render_template("validate.html", formats=INPUTS, chosen="turtle", data="", result=None, rows=[])
    return Response(body, content_type=HTML.content_type)


@bp.route("/validate", methods=["POST"])
def run() -> Response:
    config = published().config
    answer = _report_format()
    if answer != HTML:
        fmt, raw = _input(config.validate_max_body)
        result, _data = check(fmt, raw, config)
        response = Response(serialize(result.report, answer.name), content_type=answer.content_type)
    else:
        response = _page(config)
    response.vary.add("Accept")
    response.cache_control.no_store = True
    return response


def _page(config: Config) -> Response:
    """The page for a browser: the result above the form, or what was wrong with the input, with the input
    kept in the form so that it can be corrected."""
    fmt, raw = _input(config.validate_max_body)
    data = raw.decode("utf-8", errors="replace")
    try:
        result, _data = check(fmt, raw, config)
    except InputError as exc:
        body = render_template(
            "validate.html", formats=INPUTS, chosen=fmt, data=data, result=None, rows=[], error=exc.message
        )
        return Response(body, status=exc.status, content_type=HTML.content_type)
    rows = _rows(result.findings)
    body = render_template("validate.html", formats=INPUTS, chosen=fmt, data=data, result=result, rows=rows)
    return Response(body, content_type=HTML.content_type)
