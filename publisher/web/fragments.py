"""Triple Pattern Fragments at ``/fragments``: the triples of the whole dataset (the union of all graphs) that match
one pattern of subject, predicate and object, a page at a time, with the number of matches and the Hydra controls
that lead to every other fragment (the Linked Data Fragments specification of Triple Pattern Fragments). Clients
such as Comunica answer SPARQL queries with them, asking the server only for small pages that caches can keep.

``/fragments?subject=S&predicate=P&object=O&page=N``: a term is written as Hydra's explicit representation, an
IRI as it is and a literal in quotes with its language (``"Köpenick"@de``) or datatype
(``"2025"^^http://www.w3.org/2001/XMLSchema#gYear``; ``^^<...>`` is read too). An empty value, a variable
(``?s``) or a blank node (``_:b``) matches anything.

TriG, N-Quads and JSON-LD carry the metadata and controls in a graph of their own (``<page>#metadata``, whose
``foaf:primaryTopic`` is the fragment), so that clients tell them from the data; Turtle, N-Triples and RDF/XML have
one graph and hold both. Pages and counts come from publisher.fragments.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pyoxigraph as ox
from flask import Blueprint, Flask, Response, current_app, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from publisher.cache import LruCache
from publisher.errors import HttpError, NotFoundError
from publisher.formats import BY_NAME, CONTEXT
from publisher.fragments import POSITIONS, FragmentPage, Fragments, OxTerm, Pattern, explicit
from publisher.namespaces import PREFIXES
from publisher.resources import is_iri
from publisher.store import Term
from publisher.web.http import respond
from publisher.web.linked_data import current_linker, page_number
from publisher.web.memo import MEMORABLE
from publisher.web.negotiation import HTML, Representation, negotiate
from publisher.web.state import Rendered, published

bp = Blueprint("fragments", __name__)

HYDRA = "http://www.w3.org/ns/hydra/core#"
VOID = "http://rdfs.org/ns/void#"
FOAF = "http://xmlns.com/foaf/0.1/"
DCT = "http://purl.org/dc/terms/"
RDF_NS = str(RDF)
#: Prefixes of the RDF a fragment is written in.
FRAGMENT_PREFIXES = {
    **{prefix: str(namespace) for prefix, namespace in PREFIXES.items()},
    "hydra": HYDRA,
    "void": VOID,
    "foaf": FOAF,
}
#: The JSON-LD context of a fragment: the publisher's, and the vocabularies of the controls.
FRAGMENT_CONTEXT = {**CONTEXT, "rdf": RDF_NS, "hydra": HYDRA, "void": VOID, "foaf": FOAF}

#: Longest stretch of a parameter an error message repeats.
SHOWN = 80
#: Longest ``Link`` or ``Content-Location`` header a fragment sends, in characters. Clients and proxies limit the
#: size of response headers (Node's HTTP client to 16 KiB in all, nginx to one buffer of 4 or 8 KiB by default),
#: and a pattern with a long text in it would be repeated in every link.
HEADER_LENGTH = 2048


def _representation(name: str) -> Representation:
    fmt = BY_NAME[name]
    return Representation(name, fmt.suffix, fmt.media_type)


#: What a fragment is offered in, most preferred first: the formats of every document in their order (a client that
#: accepts anything gets Turtle), and the quad formats.
FORMATS: tuple[Representation, ...] = (
    *(_representation(name) for name in ("turtle", "jsonld", "nt", "rdfxml", "trig", "nq")),
    HTML,
)
BY_SUFFIX = {f.suffix: f for f in FORMATS}
#: Formats that keep the metadata in a graph of its own.
WITH_GRAPHS = {"trig", "nq", "jsonld"}
_OXIGRAPH = {
    "turtle": ox.RdfFormat.TURTLE,
    "trig": ox.RdfFormat.TRIG,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nq": ox.RdfFormat.N_QUADS,
    "rdfxml": ox.RdfFormat.RDF_XML,
}
#: Bytes a page IRI keeps as they were sent; every other byte is percent-encoded. A browser's or Node's URL parser
#: encodes the same ones (and clients compare the page IRI with the URL they asked for); the rest are not allowed in
#: an IRI.
_SENT_AS_IS = frozenset(range(0x21, 0x7F)) - frozenset(b"\"#'<>\\^`{|}")


# ---------------------------------------------------------------- patterns


def _shown(text: str) -> str:
    return text if len(text) <= SHOWN else text[:SHOWN] + "…"


def parse_term(parameter: str, raw: str) -> Term | None:
    """The term a request parameter names, or None for anything; raises HttpError (400) naming the parameter."""
    text = raw.strip()
    if not text or text[0] in "?$" or text.startswith("_:"):
        return None
    if text.startswith('"'):
        if parameter != "object":
            raise HttpError(400, f"{parameter}: {_shown(text)} is a literal; only the object of a triple can be one")
        return _parse_literal(parameter, text)
    iri = text[1:-1] if text.startswith("<") and text.endswith(">") else text
    if not is_iri(iri):
        raise HttpError(
            400,
            f"{parameter}: '{_shown(text)}' is not an absolute IRI"
            + (', a literal in quotes ("text"@de)' if parameter == "object" else "")
            + " or a variable (?x)",
        )
    return URIRef(iri)


def _parse_literal(parameter: str, text: str) -> Literal:
    # the explicit representation does not escape quotes inside the text: the last quote ends it
    end = text.rfind('"')
    if end == 0:
        raise HttpError(400, f"{parameter}: the literal {_shown(text)} has no closing quote")
    value, rest = text[1:end], text[end + 1 :]
    if not rest:
        return Literal(value)
    if rest.startswith("@"):
        tag = rest[1:]
        try:
            ox.Literal(value, language=tag)  # the store's own judgement of the tag (BCP 47)
        except ValueError:
            raise HttpError(400, f"{parameter}: '{_shown(tag)}' is not a language tag (such as de or de-DE)") from None
        return Literal(value, lang=tag)
    if rest.startswith("^^"):
        datatype = rest[2:]
        if datatype.startswith("<") and datatype.endswith(">"):
            datatype = datatype[1:-1]
        if not is_iri(datatype):
            raise HttpError(400, f"{parameter}: the datatype '{_shown(datatype)}' is not an absolute IRI")
        if datatype == str(RDF.langString):
            raise HttpError(400, f"{parameter}: a literal of type rdf:langString is written with its language (@de)")
        return Literal(value, datatype=URIRef(datatype), normalize=False)
    raise HttpError(
        400,
        f'{parameter}: {_shown(text)} is not a literal; write "text", "text"@de or "text"^^<datatype IRI>',
    )


def parse_pattern() -> Pattern:
    """The pattern the request's parameters name."""
    terms: dict[str, Term | None] = {}
    for parameter, _variable in POSITIONS:
        values = request.args.getlist(parameter)
        if len(values) > 1:
            raise HttpError(400, f"{parameter}: given {len(values)} times; give it once")
        terms[parameter] = parse_term(parameter, values[0]) if values else None
    subject, predicate = terms["subject"], terms["predicate"]
    assert subject is None or isinstance(subject, URIRef)
    assert predicate is None or isinstance(predicate, URIRef)
    return Pattern(subject, predicate, terms["object"])


# ---------------------------------------------------------------- reading the store


class Kept:
    """What a server process keeps between requests: the counts of matches, and rendered fragments, per state."""

    def __init__(self, rendered: int) -> None:
        self.fragments = Fragments()
        self.rendered: LruCache[Rendered] = LruCache(rendered)


@bp.record_once
def _set_up(setup: BlueprintSetupState) -> None:
    app = setup.app
    assert isinstance(app, Flask)
    app.extensions["fragments"] = Kept(published(app).config.response_cache)


def _kept(app: Flask) -> Kept:
    kept: Kept = app.extensions["fragments"]
    return kept


# ---------------------------------------------------------------- addresses


@dataclass(frozen=True)
class Addresses:
    """The absolute URLs a fragment's controls name.

    They are the URLs the client used: the published base when the request names its host, otherwise the host the
    request was sent to (a server tried under another name than its base, such as 127.0.0.1 for localhost).
    """

    root: str
    #: The path of the requested resource, relative to the root: "fragments", or "fragments.ttl" for one format.
    path: str
    #: The query string as it was sent, percent-encoded where an IRI needs it.
    sent: str

    @classmethod
    def of_request(cls, base_uri: str, suffix: str) -> Addresses:
        root = base_uri
        if urlsplit(base_uri).netloc.lower() != request.host.lower() and is_iri(request.root_url):
            root = request.root_url
        sent = "".join(chr(b) if b in _SENT_AS_IS else f"%{b:02X}" for b in request.query_string)
        return cls(root, "fragments" + suffix, sent)

    @property
    def dataset(self) -> str:
        return self.root + "fragments#dataset"

    @property
    def template(self) -> str:
        return self.root + "fragments{?subject,predicate,object}"

    def fragment(self, pattern: Pattern) -> str:
        """The fragment itself: all its triples, of which each page is a subset (and its first page)."""
        return self.root + "fragments" + pattern.query()

    def page(self, pattern: Pattern, number: int) -> str:
        return self.root + self.path + pattern.query(number)

    def requested(self, pattern: Pattern, number: int) -> str:
        """The page as the client named it (clients look for the controls of the URL they asked for)."""
        iri = self.root + self.path + ("?" + self.sent if self.sent else "")
        return iri if is_iri(iri) else self.page(pattern, number)


# ---------------------------------------------------------------- metadata and controls


def _iri(value: str) -> ox.NamedNode:
    return ox.NamedNode(value)


def _integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(str(XSD.integer)))


def _german(text: str) -> ox.Literal:
    return ox.Literal(text, language="de")


def pattern_text(pattern: Pattern) -> str:
    """The pattern as people read it: ``{ <s> ?p "o"@de }``."""
    shown = []
    for _parameter, variable, term in pattern.terms():
        shown.append(f"?{variable}" if term is None else f"<{term}>" if isinstance(term, URIRef) else term.n3())
    return "{ " + " ".join(shown) + " }"


def metadata(page: FragmentPage, addresses: Addresses, page_iri: str) -> list[ox.Triple]:
    """The metadata and controls of ``page``, in the order clients rely on.

    Comunica takes the last ``void:subset`` whose object is the page it asked for as the fragment the metadata graph
    is about; on a first page the fragment is the page, so ``<fragment> void:subset <page>`` comes after
    ``<dataset> void:subset <fragment>``.
    """
    rdf_type = _iri(RDF_NS + "type")
    dataset, fragment, this = _iri(addresses.dataset), _iri(addresses.fragment(page.pattern)), _iri(page_iri)
    form = ox.BlankNode("search")
    triples = [
        ox.Triple(dataset, rdf_type, _iri(VOID + "Dataset")),
        ox.Triple(dataset, rdf_type, _iri(HYDRA + "Collection")),
        ox.Triple(dataset, _iri(DCT + "title"), _german("Pressemitteilungen als Linked Open Data")),
        ox.Triple(dataset, _iri(VOID + "subset"), fragment),
        ox.Triple(dataset, _iri(HYDRA + "search"), form),
        ox.Triple(form, _iri(HYDRA + "template"), ox.Literal(addresses.template)),
        ox.Triple(form, _iri(HYDRA + "variableRepresentation"), _iri(HYDRA + "ExplicitRepresentation")),
    ]
    for parameter, _variable, _term in page.pattern.terms():
        mapping = ox.BlankNode(parameter)
        triples += [
            ox.Triple(form, _iri(HYDRA + "mapping"), mapping),
            ox.Triple(mapping, _iri(HYDRA + "variable"), ox.Literal(parameter)),
            ox.Triple(mapping, _iri(HYDRA + "property"), _iri(RDF_NS + parameter)),
        ]
    # the counts belong to the fragment, the same on every page: a client adds up counts of different subjects
    triples += [
        ox.Triple(fragment, rdf_type, _iri(HYDRA + "Collection")),
        ox.Triple(fragment, _iri(HYDRA + "totalItems"), _integer(page.total)),
        ox.Triple(fragment, _iri(VOID + "triples"), _integer(page.total)),
    ]
    if this != fragment:
        triples.append(ox.Triple(fragment, _iri(HYDRA + "view"), this))
    triples += [
        ox.Triple(fragment, _iri(VOID + "subset"), this),
        ox.Triple(this, rdf_type, _iri(HYDRA + "PartialCollectionView")),
        ox.Triple(this, _iri(DCT + "title"), _german(f"Tripel zum Muster {pattern_text(page.pattern)}")),
        ox.Triple(
            this,
            _iri(DCT + "description"),
            _german(
                f"Seite {page.number} von {page.pages} der {page.total} Tripel, die zum Muster "
                f"{pattern_text(page.pattern)} passen"
            ),
        ),
        ox.Triple(this, _iri(DCT + "source"), dataset),
        ox.Triple(this, _iri(HYDRA + "itemsPerPage"), _integer(page.size)),
    ]
    for relation, number in _page_relations(page):
        triples.append(ox.Triple(this, _iri(HYDRA + relation), _iri(addresses.page(page.pattern, number))))
    return triples


def _page_relations(page: FragmentPage) -> list[tuple[str, int]]:
    """(Hydra relation, page number) of the pages a page links to."""
    relations = [("first", 1), ("last", page.pages)]
    if page.number > 1:
        relations.append(("previous", page.number - 1))
    if page.number < page.pages:
        relations.append(("next", page.number + 1))
    return relations


# ---------------------------------------------------------------- representations


def rdf_body(page: FragmentPage, addresses: Addresses, page_iri: str, fmt: Representation) -> bytes:
    controls = metadata(page, addresses, page_iri)
    if fmt.name not in WITH_GRAPHS:
        return ox.serialize([*controls, *page.triples], format=_OXIGRAPH[fmt.name], prefixes=FRAGMENT_PREFIXES) or b""
    graph = _iri(page_iri + "#metadata")
    fragment = _iri(addresses.fragment(page.pattern))
    quads = [ox.Quad(graph, _iri(FOAF + "primaryTopic"), fragment, graph)]
    quads += [ox.Quad(t.subject, t.predicate, t.object, graph) for t in controls]
    quads += [ox.Quad(t.subject, t.predicate, t.object) for t in page.triples]
    if fmt.name == "jsonld":
        return _jsonld(quads, graph.value, fragment.value)
    return ox.serialize(quads, format=_OXIGRAPH[fmt.name], prefixes=FRAGMENT_PREFIXES) or b""


def _rdflib(term: object) -> Any:
    """An Oxigraph term as rdflib's (None for the default graph)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return Literal(term.value, datatype=None if datatype == str(XSD.string) else URIRef(datatype), normalize=False)
    return None


def _compact(triples: Iterable[ox.Triple]) -> list[dict[str, Any]]:
    """Triples as the node objects of compact JSON-LD against the fragment's context."""
    graph = Graph()
    for triple in triples:
        graph.add((_rdflib(triple.subject), _rdflib(triple.predicate), _rdflib(triple.object)))
    document: dict[str, Any] = json.loads(
        graph.serialize(format="json-ld", context=FRAGMENT_CONTEXT, auto_compact=True)
    )
    document.pop("@context", None)
    nodes: list[dict[str, Any]] = document.get("@graph", [document] if document else [])
    return nodes


def _jsonld(quads: Iterable[ox.Quad], metadata_graph: str, fragment: str) -> bytes:
    """Compact JSON-LD against the publisher's context, the metadata in its named graph.

    Nodes come in a fixed order, the same in every process, and the fragment's last: clients read its
    ``void:subset`` of the page after the dataset's (see ``metadata``). (Each graph is compacted on its own: rdflib's
    serialiser of whole datasets still calls its deprecated API.)
    """

    def order(node: dict[str, Any]) -> tuple[bool, str]:
        return node.get("@id") == fragment, str(node.get("@id"))

    found = list(quads)
    data = _compact(q.triple for q in found if isinstance(q.graph_name, ox.DefaultGraph))
    described = _compact(q.triple for q in found if not isinstance(q.graph_name, ox.DefaultGraph))
    document = {
        "@context": FRAGMENT_CONTEXT,
        "@graph": [*sorted(data, key=order), {"@id": metadata_graph, "@graph": sorted(described, key=order)}],
    }
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


def _short(iri: str) -> str:
    """An IRI as a prefixed name where a known prefix fits (for people; the link holds the IRI)."""
    for prefix, namespace in FRAGMENT_PREFIXES.items():
        rest = iri[len(namespace) :]
        if iri.startswith(namespace) and rest and re.fullmatch(r"[A-Za-z_][\w.-]*", rest):
            return f"{prefix}:{rest}"
    return iri


def _cell(parameter: str, term: OxTerm) -> dict[str, Any]:
    """What the HTML page shows of a term: its text, the fragment of the term in its position, its own page."""
    rdflib_term = _rdflib(term)
    linker = current_linker()
    cell: dict[str, Any] = {
        "fragment": url_for("fragments.fragment") + Pattern().with_term(parameter, rdflib_term).query()
    }
    if isinstance(term, ox.NamedNode):
        href = linker.href(term.value)
        cell.update(text=_short(term.value), title=term.value, href=href, external=bool(href and href[0] != "/"))
    elif isinstance(term, ox.Literal):
        datatype = term.datatype.value
        note = None if term.language or datatype == str(XSD.string) else _short(datatype)
        cell.update(text=term.value, lang=term.language, note=note)
    else:
        cell.update(text=str(term))
    return cell


def html_body(page: FragmentPage, addresses: Addresses) -> bytes:
    local = url_for("fragments.fragment")
    fields = {parameter: explicit(term) if term is not None else "" for parameter, _v, term in page.pattern.terms()}
    rows = [
        (_cell("subject", t.subject), _cell("predicate", t.predicate), _cell("object", t.object))  # type: ignore[arg-type]
        for t in page.triples
    ]
    html = render_template(
        "fragments.html",
        fields=fields,
        page=page,
        rows=rows,
        pattern=pattern_text(page.pattern),
        pages={relation: local + page.pattern.query(number) for relation, number in _page_relations(page)},
        formats=[(f, f"{local}{f.suffix}{page.pattern.query(page.number)}") for f in FORMATS if f.rdf],
        template=addresses.template,
        example=addresses.root + "fragments",
    )
    return html.encode("utf-8")


# ---------------------------------------------------------------- the view


def _links(addresses: Addresses, page: FragmentPage, fmt: Representation) -> list[str]:
    local = url_for("fragments.fragment")
    query = page.pattern.query(page.number)
    links = [f'<{local}{f.suffix}{query}>; rel="alternate"; type="{f.media_type}"' for f in FORMATS if f != fmt]
    path = request.script_root + "/" + addresses.path
    links += [
        f'<{path}{page.pattern.query(n)}>; rel="{r if r != "previous" else "prev"}"' for r, n in _page_relations(page)
    ]
    # a pattern with a long text in it would repeat that text in every link; the body has the same controls
    return links if sum(len(link) + 2 for link in links) <= HEADER_LENGTH else []


@bp.route("/fragments", methods=["GET", "HEAD"], defaults={"suffix": ""})
@bp.route(f"/fragments<any({', '.join(repr(s) for s in BY_SUFFIX)}):suffix>", methods=["GET", "HEAD"])
def fragment(suffix: str) -> Response:
    fmt = negotiate(request.accept_mimetypes, suffix, FORMATS)
    pattern = parse_pattern()
    number = page_number()
    state = published()
    version = state.version()
    addresses = Addresses.of_request(state.config.base_uri, suffix)
    page_iri = addresses.requested(pattern, number)
    kept = _kept(current_app)
    key = (version, page_iri, fmt.name)
    rendered = kept.rendered.get(key)
    if rendered is None:
        page = kept.fragments.page(state.store, version, pattern, number, state.config.fragment_page_size)
        if number > page.pages:
            raise NotFoundError(
                f"page: {number} does not exist for the pattern {pattern_text(pattern)} (pages 1 to {page.pages})"
            )
        body = rdf_body(page, addresses, page_iri, fmt) if fmt.rdf else html_body(page, addresses)
        rendered = Rendered(body, fmt.content_type, _links(addresses, page, fmt))
        kept.rendered.put(key, rendered)
    location = f"{url_for('fragments.fragment')}{fmt.suffix}{'?' if addresses.sent else ''}{addresses.sent}"
    fits = not suffix and len(location) <= HEADER_LENGTH
    response = respond(rendered, content_location=location if fits else None)
    # the body names the host the request was sent to, which the app-wide memo of responses does not tell apart
    request.environ.pop(MEMORABLE, None)
    return response


__all__ = ["FORMATS", "bp", "parse_term"]
