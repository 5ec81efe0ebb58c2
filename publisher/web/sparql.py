"""``/sparql``: the SPARQL 1.1 Protocol for queries, a service description, and a query page for people.

GET with ``query=``, POST form-encoded, POST ``application/sparql-query``; ``default-graph-uri`` and
``named-graph-uri`` choose the dataset. Results go out in the format ``Accept`` (or ``format=``/``output=``, as
older clients send) asks for. Without a query, the endpoint describes itself (``sd:Service``); a browser gets the
query page, which also shows results as a table. Updates are refused; the limits are the PUBLISHER_SPARQL_*
settings (publisher.sparql.endpoint).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, request, url_for
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, XSD
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header, parse_options_header

from publisher.errors import PublisherError, QueryError
from publisher.formats import BY_NAME, RESULTS_BY_NAME, serialize
from publisher.namespaces import SDO
from publisher.sparql.endpoint import Query
from publisher.sparql.examples import EXAMPLES
from publisher.sparql.results import json_term
from publisher.sparql.worker import Answer
from publisher.web.http import respond
from publisher.web.linked_data import current_linker
from publisher.web.negotiation import DOCUMENT_FORMATS, HTML, negotiate
from publisher.web.state import Rendered, published

bp = Blueprint("sparql", __name__)

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
VOID = Namespace("http://rdfs.org/ns/void#")

#: Media types per answer format; the first of each is what the answer is sent as.
RESULTS_TYPES: dict[str, tuple[str, ...]] = {
    "json": ("application/sparql-results+json", "application/json"),
    "xml": ("application/sparql-results+xml", "application/xml", "text/xml"),
    "csv": ("text/csv",),
    "tsv": ("text/tab-separated-values",),
}
GRAPH_TYPES: dict[str, tuple[str, ...]] = {
    "turtle": ("text/turtle", "application/x-turtle", "application/turtle", "text/n3"),
    "jsonld": ("application/ld+json", "application/json", "application/x-json+ld"),
    "nt": ("application/n-triples", "text/plain"),
    "rdfxml": ("application/rdf+xml", "application/xml", "text/xml"),
}
HTML_TYPES = ("text/html", "application/xhtml+xml")
#: ``format=`` values: a name for both kinds of answer (results format, graph format).
FORMAT_NAMES: dict[str, tuple[str | None, str | None]] = {
    "json": ("json", "jsonld"),
    "xml": ("xml", "rdfxml"),
    "csv": ("csv", None),
    "tsv": ("tsv", None),
    "turtle": (None, "turtle"),
    "ttl": (None, "turtle"),
    "n3": (None, "turtle"),
    "jsonld": (None, "jsonld"),
    "json-ld": (None, "jsonld"),
    "nt": (None, "nt"),
    "ntriples": (None, "nt"),
    "n-triples": (None, "nt"),
    "rdfxml": (None, "rdfxml"),
    "rdf": (None, "rdfxml"),
    "rdf+xml": (None, "rdfxml"),
}
#: Rows the query page shows at most.
PAGE_ROWS = 1000
#: Machine-readable names of the result formats, for the service description.
RESULT_FORMAT_IRIS = {
    "json": FORMATS.SPARQL_Results_JSON,
    "xml": FORMATS.SPARQL_Results_XML,
    "csv": FORMATS.SPARQL_Results_CSV,
    "tsv": FORMATS.SPARQL_Results_TSV,
    "turtle": FORMATS.Turtle,
    "jsonld": FORMATS["JSON-LD"],
    "nt": FORMATS["N-Triples"],
    "rdfxml": FORMATS.RDF_XML,
}


@dataclass(frozen=True)
class Choice:
    """What the request accepts: the query page, or a results format and a graph format."""

    html: bool
    results: str | None
    graph: str | None


@dataclass(frozen=True)
class Operation:
    """A protocol request, read."""

    query: str | None
    update: bool
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]


# ---------------------------------------------------------------- reading the request


def _limit() -> int:
    return published().config.sparql_max_body


def _body() -> bytes:
    limit = _limit()
    length = request.content_length
    if length is not None and length > limit:
        raise QueryError(
            413,
            f"the request body has {length} bytes; at most {limit} are accepted (setting PUBLISHER_SPARQL_MAX_BODY)",
        )
    data = request.stream.read(limit + 1)
    if len(data) > limit:
        raise QueryError(413, f"the request body has more than {limit} bytes (setting PUBLISHER_SPARQL_MAX_BODY)")
    return data


def _utf8(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise QueryError(400, f"{what} is not UTF-8 (byte {exc.start}); the protocol requires UTF-8") from None


def _params(text: str, what: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise QueryError(400, f"{what}: a percent-encoded value is not UTF-8; the protocol requires UTF-8") from None


def read_operation() -> Operation:
    raw_query_string = request.query_string
    if len(raw_query_string) > _limit():
        raise QueryError(
            414,
            f"the query string has {len(raw_query_string)} bytes; at most {_limit()} are accepted; send long "
            "queries with POST (setting PUBLISHER_SPARQL_MAX_BODY)",
        )
    url_params = _params(_utf8(raw_query_string, "the query string"), "the query string")
    body_params: list[tuple[str, str]] = []
    direct: str | None = None
    if request.method == "POST":
        media_type = parse_options_header(request.headers.get("Content-Type", ""))[0].lower()
        if media_type == "application/x-www-form-urlencoded":
            body_params = _params(_utf8(_body(), "the request body"), "the request body")
        elif media_type == "application/sparql-query":
            direct = _utf8(_body(), "the query in the request body")
        elif media_type == "application/sparql-update":
            return Operation(None, True, (), ())
        elif not media_type:
            raise QueryError(
                400,
                "POST needs a Content-Type: application/x-www-form-urlencoded (query=...) or application/sparql-query",
            )
        else:
            raise QueryError(
                415,
                f"Content-Type {media_type} is not a SPARQL request; send application/x-www-form-urlencoded "
                "(query=...) or application/sparql-query",
            )
    params = url_params + body_params
    queries = [value for name, value in params if name == "query"]
    updates = [value for name, value in params if name == "update"]
    if updates:
        return Operation(None, True, (), ())
    if direct is not None:
        queries.append(direct)
    if len(queries) > 1:
        raise QueryError(400, f"the request holds {len(queries)} queries; send exactly one")
    if request.method == "POST" and not queries:
        raise QueryError(400, "the request holds no query (query=... or a body of type application/sparql-query)")
    default_graphs = tuple(value for name, value in params if name == "default-graph-uri")
    named_graphs = tuple(value for name, value in params if name == "named-graph-uri")
    for graph in default_graphs + named_graphs:
        _check_iri(graph)
    return Operation(queries[0] if queries else None, False, default_graphs, named_graphs)


def _check_iri(value: str) -> None:
    try:
        ox.NamedNode(value)
    except ValueError:
        raise QueryError(400, f"default-graph-uri / named-graph-uri: '{value}' is not an IRI") from None


def _bare(accept: MIMEAccept) -> MIMEAccept:
    return MIMEAccept([(parse_options_header(value)[0], quality) for value, quality in accept])


def choose() -> Choice:
    """The formats of the answer: ``format=`` (or ``output=``) first, then ``Accept``."""
    named = request.args.get("format") or request.args.get("output") or ""
    return _choice(named, request.headers.get("Accept", ""))


@functools.lru_cache(maxsize=256)
def _choice(named: str, accept_header: str) -> Choice:
    """The choice for a ``format=`` value and an ``Accept`` header: clients send few different ones, so each
    is weighed once."""
    if named:
        key = named.strip().lower()
        if key == "html":
            return Choice(True, "json", "nt")
        for name, types in {**RESULTS_TYPES, **GRAPH_TYPES}.items():
            if key in types:
                return Choice(False, name if name in RESULTS_TYPES else None, name if name in GRAPH_TYPES else None)
        if key not in FORMAT_NAMES:
            raise QueryError(400, f"format: '{named}' is not a format; use one of {', '.join(FORMAT_NAMES)} or html")
        results, graph = FORMAT_NAMES[key]
        return Choice(False, results, graph)
    accept = _bare(parse_accept_header(accept_header, MIMEAccept))
    if not accept:
        return Choice(False, "json", "turtle")
    results_offered = [t for types in RESULTS_TYPES.values() for t in types]
    graph_offered = [t for types in GRAPH_TYPES.values() for t in types]
    best = accept.best_match([*results_offered, *graph_offered, *HTML_TYPES])
    if best in HTML_TYPES and accept.quality(best) > 0:
        return Choice(True, "json", "nt")

    def pick(offered: list[str], table: dict[str, tuple[str, ...]]) -> str | None:
        match = accept.best_match(offered)
        return next((name for name, types in table.items() if match in types), None)

    return Choice(False, pick(results_offered, RESULTS_TYPES), pick(graph_offered, GRAPH_TYPES))


# ---------------------------------------------------------------- answering


def _content_type(answer: Answer) -> str:
    if answer.kind == "graph":
        media_type = BY_NAME[answer.format].media_type
    else:
        media_type = RESULTS_BY_NAME[answer.format].media_type
    if media_type.startswith("text/") or media_type.endswith("+xml") or media_type == "application/n-triples":
        return f"{media_type}; charset=utf-8"
    return media_type


@bp.route("/sparql", methods=["GET", "HEAD", "POST"], strict_slashes=False)
def endpoint() -> Response:
    operation = read_operation()
    if operation.update:
        raise QueryError(
            403,
            "updates are refused: this endpoint is read-only, and the data change only by a new build "
            "(publisher build)",
        )
    choice = choose()
    if operation.query is None:
        return _query_page(None, None) if choice.html else _service_description()
    query = Query(
        operation.query,
        operation.default_graphs,
        operation.named_graphs,
        choice.results,
        choice.graph,
        PAGE_ROWS if choice.html else None,
    )
    if choice.html:
        return _query_page(query, operation)
    answer = published().sparql.answer(query)
    response = respond(Rendered(answer.body, _content_type(answer)))
    if answer.truncated:
        response.headers["X-SPARQL-MaxRows"] = str(answer.count)
    return response


# ---------------------------------------------------------------- the query page


@dataclass(frozen=True)
class Cell:
    text: str
    href: str | None = None
    note: str = ""


def _cell(term: dict[str, Any] | None) -> Cell:
    if term is None:
        return Cell("")
    kind = term["type"]
    if kind == "uri":
        return Cell(term["value"], current_linker().href(term["value"]))
    if kind == "bnode":
        return Cell(f"_:{term['value']}")
    if kind == "triple":
        inner = term["value"]
        return Cell(" ".join(_cell(inner[k]).text for k in ("subject", "predicate", "object")))
    note = f"@{term['xml:lang']}" if "xml:lang" in term else ""
    if "datatype" in term:
        note = term["datatype"].rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    return Cell(term["value"], None, note)


def _downloads(query: Query, operation: Operation, kind: str) -> list[tuple[str, str]]:
    names = ("json", "xml", "csv", "tsv") if kind != "graph" else ("turtle", "jsonld", "nt", "rdfxml")
    labels = {
        "json": "JSON",
        "xml": "XML",
        "csv": "CSV",
        "tsv": "TSV",
        "turtle": "Turtle",
        "jsonld": "JSON-LD",
        "nt": "N-Triples",
        "rdfxml": "RDF/XML",
    }
    base: list[tuple[str, str]] = [("query", query.text)]
    base += [("default-graph-uri", g) for g in operation.default_graphs]
    base += [("named-graph-uri", g) for g in operation.named_graphs]
    return [(labels[n], url_for("sparql.endpoint") + "?" + urlencode([*base, ("format", n)])) for n in names]


def _query_page(query: Query | None, operation: Operation | None) -> Response:
    state = published()
    context: dict[str, Any] = {
        "examples": [
            (e.title, e.query, url_for("sparql.endpoint") + "?" + urlencode({"query": e.query})) for e in EXAMPLES
        ],
        "text": query.text if query else EXAMPLES[0].query,
        "config": state.config,
        "page_rows": PAGE_ROWS,
        "error": None,
    }
    status = 200
    if query is not None and operation is not None:
        try:
            answer = state.sparql.answer(query)
        except PublisherError as exc:
            status = exc.status
            context["error"] = exc.message
        else:
            context.update(_results(answer))
            context["answer"] = answer
            context["downloads"] = _downloads(query, operation, answer.kind)
    html = render_template("sparql.html", **context)
    if status != 200:
        response = Response(html, status=status, content_type=HTML.content_type)
        response.cache_control.no_store = True
        response.vary.add("Accept")
        return response
    return respond(Rendered(html.encode("utf-8"), HTML.content_type))


def _results(answer: Answer) -> dict[str, Any]:
    if answer.kind == "boolean":
        return {"boolean": json.loads(answer.body)["boolean"]}
    if answer.kind == "solutions":
        data = json.loads(answer.body)
        names = data["head"]["vars"]
        rows = [[_cell(binding.get(name)) for name in names] for binding in data["results"]["bindings"]]
        return {"columns": names, "rows": rows}
    triples = ox.parse(answer.body, format=ox.RdfFormat.N_TRIPLES)
    rows = [[_cell(json_term(t.subject)), _cell(json_term(t.predicate)), _cell(json_term(t.object))] for t in triples]
    return {"columns": ["Subjekt", "Prädikat", "Objekt"], "rows": rows}


# ---------------------------------------------------------------- the service description


def _service_description() -> Response:
    try:
        fmt = negotiate(request.accept_mimetypes)
    except PublisherError:
        fmt = DOCUMENT_FORMATS[0]
    if fmt == HTML:
        return _query_page(None, None)
    state = published()
    graph = Graph()
    graph.bind("sd", SD)
    graph.bind("formats", FORMATS)
    graph.bind("void", VOID)
    base = state.config.base_uri.rstrip("/")
    service = URIRef(base + url_for("sparql.endpoint"))
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, service))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    if state.config.sparql_services:
        graph.add((service, SD.feature, SD.BasicFederatedQuery))
    for name in RESULT_FORMAT_IRIS.values():
        graph.add((service, SD.resultFormat, name))
    dataset = BNode()
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    default = BNode()
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    triples = state.manifest().get("triples")
    if isinstance(triples, int):
        graph.add((default, VOID.triples, Literal(triples, datatype=XSD.integer)))
    graph.add((service, SDO.name, Literal("SPARQL-Endpunkt der Pressemitteilungen", lang="de")))
    graph.add(
        (
            service,
            SDO.description,
            Literal(
                "Der Standardgraph ist die Vereinigung aller benannten Graphen; "
                "jede Pressemitteilung hat ihren eigenen.",
                lang="de",
            ),
        )
    )
    limits = (
        ("PUBLISHER_SPARQL_TIMEOUT", "Zeitlimit einer Anfrage", state.config.sparql_timeout, "SEC"),
        ("PUBLISHER_SPARQL_MAX_ROWS", "Höchstzahl der Ergebniszeilen oder Tripel", state.config.sparql_max_rows, None),
        ("PUBLISHER_SPARQL_MAX_BODY", "Größte Anfrage in Byte", state.config.sparql_max_body, "AD"),
        (
            "PUBLISHER_SPARQL_CONCURRENCY",
            "Gleichzeitige Anfragen je Serverprozess",
            state.config.sparql_concurrency,
            None,
        ),
    )
    for setting, label, value, unit in limits:
        node = BNode()
        graph.add((service, SDO.additionalProperty, node))
        graph.add((node, RDF.type, SDO.PropertyValue))
        graph.add((node, SDO.propertyID, Literal(setting)))
        graph.add((node, SDO.name, Literal(label, lang="de")))
        graph.add((node, SDO.value, Literal(value)))
        if unit:
            graph.add((node, SDO.unitCode, Literal(unit)))
    body = serialize(graph, fmt.name).encode("utf-8")
    return respond(Rendered(body, fmt.content_type))


__all__ = ["bp"]
