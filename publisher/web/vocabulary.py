"""The publisher's contract, published: the SHACL shapes at ``/shapes`` (all of them as one graph) and
``/shapes/<Name>`` (one file, one class), and the ontology with the schema.org subset it builds on at
``/ontology``: Turtle by default, JSON-LD, N-Triples, RDF/XML, and a German page for people.

The graphs are read from the same files the build validates with and loads into the ontology graph, so what is
served here is what the data is checked against.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, render_template, request
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.term import Node

from publisher.errors import NotFoundError
from publisher.formats import serialize
from publisher.namespaces import PM
from publisher.validation import load_graph, short_iri
from publisher.web.http import respond
from publisher.web.negotiation import BY_SUFFIX, HTML, negotiate, split_suffix
from publisher.web.state import Rendered, published

bp = Blueprint("vocabulary", __name__)

#: Constraint parameters shown on the shapes page, in this order, with their German names.
CONSTRAINTS: tuple[tuple[URIRef, str], ...] = (
    (SH.minCount, "mindestens"),
    (SH.maxCount, "höchstens"),
    (SH.datatype, "Datentyp"),
    (SH["class"], "Klasse"),
    (SH.nodeKind, "Knotenart"),
    (SH.node, "Form"),
    (SH["in"], "einer von"),
    (SH.languageIn, "Sprachen"),
    (SH.pattern, "Muster"),
    (SH.minLength, "Mindestlänge"),
    (SH.maxLength, "Höchstlänge"),
    (SH.minInclusive, "ab"),
    (SH.maxInclusive, "bis"),
    (SH["or"], "eine der Formen"),
    (SH.hasValue, "Wert"),
)


@lru_cache(maxsize=4)
def _files(folder: Path) -> tuple[tuple[str, Graph], ...]:
    return tuple((path.stem, load_graph([path])) for path in sorted(folder.glob("*.ttl")))


def shape_files() -> dict[str, Graph]:
    """Each shapes file by its name (the class it describes)."""
    return dict(_files(published().config.shapes_dir))


@lru_cache(maxsize=4)
def _union(folder: Path) -> Graph:
    return load_graph(folder.glob("*.ttl"))


def shapes_graph() -> Graph:
    """All shapes as one graph: what validation reads."""
    return _union(published().config.shapes_dir)


def ontology_graph() -> Graph:
    """The ontology and the schema.org subset: the triples of the store's ontology graph."""
    return _union(published().config.ontology_dir)


def _short(graph: Graph, node: Node | None) -> str:
    if node is None:
        return ""
    if isinstance(node, URIRef):
        return short_iri(graph, node)
    if isinstance(node, BNode):
        items = list(Collection(graph, node)) if graph.value(node, RDF.first) is not None else []
        if items:
            return ", ".join(_short(graph, item) for item in items)
        nested = graph.value(node, SH.path) or graph.value(node, SH["class"]) or graph.value(node, SH.datatype)
        return f"[{_short(graph, nested)}]" if nested is not None else "[…]"
    return str(node)


def _text(graph: Graph, node: Node, predicate: URIRef, language: str) -> str:
    values = list(graph.objects(node, predicate))
    for value in values:
        if isinstance(value, Literal) and value.language == language:
            return str(value)
    return str(values[0]) if values else ""


@dataclass(frozen=True)
class PropertyRow:
    path: str
    constraints: list[tuple[str, str]]
    message: str


@dataclass(frozen=True)
class ShapeRow:
    name: str
    iri: str
    file: str
    targets: list[str]
    comment: str
    properties: list[PropertyRow]


def _shape_rows(files: dict[str, Graph]) -> list[ShapeRow]:
    rows = []
    for file, graph in files.items():
        for shape in sorted(graph.subjects(RDF.type, SH.NodeShape), key=str):
            if isinstance(shape, BNode):
                continue
            properties = []
            for prop in graph.objects(shape, SH.property):
                constraints = [
                    (label, _short(graph, value))
                    for parameter, label in CONSTRAINTS
                    for value in graph.objects(prop, parameter)
                ]
                properties.append(
                    PropertyRow(
                        _short(graph, graph.value(prop, SH.path)), constraints, _text(graph, prop, SH.message, "de")
                    )
                )
            rows.append(
                ShapeRow(
                    name=_short(graph, shape),
                    iri=str(shape),
                    file=file,
                    targets=[_short(graph, t) for t in graph.objects(shape, SH.targetClass)],
                    comment=_text(graph, shape, RDFS.comment, "de"),
                    properties=sorted(properties, key=lambda p: p.path),
                )
            )
    return rows


@dataclass(frozen=True)
class TermRow:
    name: str
    iri: str
    kind: str
    label_de: str
    label_en: str
    comment_de: str
    comment_en: str
    specialises: list[str]


def _term_rows(graph: Graph) -> list[TermRow]:
    rows = []
    terms = {s for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef) and str(s).startswith(str(PM))}
    for term in sorted(terms, key=str):
        is_class = (term, RDF.type, RDFS.Class) in graph or (term, RDF.type, OWL.Class) in graph
        parents = graph.objects(term, RDFS.subClassOf if is_class else RDFS.subPropertyOf)
        rows.append(
            TermRow(
                name=_short(graph, term),
                iri=str(term),
                kind="Klasse" if is_class else "Eigenschaft",
                label_de=_text(graph, term, RDFS.label, "de"),
                label_en=_text(graph, term, RDFS.label, "en"),
                comment_de=_text(graph, term, RDFS.comment, "de"),
                comment_en=_text(graph, term, RDFS.comment, "en"),
                specialises=sorted(_short(graph, p) for p in parents),
            )
        )
    return sorted(rows, key=lambda r: (r.kind != "Klasse", r.name))


def _answer(graph: Graph, suffix: str | None, page: str, **context: object) -> Response:
    fmt = negotiate(request.accept_mimetypes, suffix)
    body = render_template(page, **context).encode() if fmt == HTML else serialize(graph, fmt.name).encode()
    return respond(Rendered(body, fmt.content_type))


@bp.route("/shapes", methods=["GET", "HEAD"])
@bp.route("/shapes<any(.ttl,.jsonld,.nt,.rdf,.html):suffix>", methods=["GET", "HEAD"])
def shapes(suffix: str | None = None) -> Response:
    files = shape_files()
    return _answer(shapes_graph(), suffix, "shapes.html", shapes=_shape_rows(files), single=None)


@bp.route("/shapes/<name>", methods=["GET", "HEAD"])
def shape(name: str) -> Response:
    stem, suffix = split_suffix(name)
    files = shape_files()
    if stem not in files or (suffix is not None and suffix not in BY_SUFFIX):
        raise NotFoundError(f"/shapes/{name}: no such shapes file; there are {', '.join(sorted(files))}")
    graph = files[stem]
    return _answer(graph, suffix, "shapes.html", shapes=_shape_rows({stem: graph}), single=stem)


@bp.route("/ontology", methods=["GET", "HEAD"])
@bp.route("/ontology<any(.ttl,.jsonld,.nt,.rdf,.html):suffix>", methods=["GET", "HEAD"])
def ontology(suffix: str | None = None) -> Response:
    graph = ontology_graph()
    return _answer(graph, suffix, "ontology.html", terms=_term_rows(graph))
