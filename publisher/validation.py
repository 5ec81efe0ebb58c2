"""SHACL validation against the published shapes.

``Validator.validate`` returns a result that carries both the report graph (for machines) and findings that
read as one line each (for people). The ontology and the part of schema.org's class hierarchy the shapes rely
on are mixed in as the ontology graph, so ``sh:class schema:Organization`` accepts a GovernmentOrganization
without running RDFS inference.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


@dataclass(frozen=True)
class Finding:
    """One validation result."""

    focus: str
    path: str
    message: str
    severity: str
    shape: str
    value: str | None = None
    source: str | None = None

    def line(self) -> str:
        where = self.source or "-"
        value = f" (value {self.value})" if self.value is not None else ""
        return f"{where}: {self.severity}: {self.focus} {self.path}: {self.message}{value}"


@dataclass
class ValidationResult:
    """The outcome of one validation: conforms when there is no Violation."""

    conforms: bool
    report: Graph
    findings: list[Finding] = field(default_factory=list)

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Violation"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity != "Violation"]

    def text(self) -> str:
        if not self.findings:
            return "Conforms: no violations, no warnings."
        head = "Conforms" if self.conforms else "Does not conform"
        lines = [f"{head}: {len(self.violations)} violation(s), {len(self.warnings)} warning(s)."]
        lines.extend(f.line() for f in sorted(self.findings, key=lambda f: (f.source or "", f.severity, f.focus)))
        return "\n".join(lines)


def load_graph(paths: Iterable[Path]) -> Graph:
    graph = Graph()
    for path in sorted(paths):
        graph.parse(path, format="turtle")
    return graph


def short_iri(graph: Graph, iri: URIRef) -> str:
    """``iri`` as a prefixed name of ``graph``'s prefixes, or in angle brackets when none covers it."""
    try:
        return graph.namespace_manager.normalizeUri(iri)
    except Exception:  # an IRI that no prefix covers
        return f"<{iri}>"


def _short(node: Node | None, graph: Graph) -> str:
    if node is None:
        return "-"
    return short_iri(graph, node) if isinstance(node, URIRef) else str(node)


class _Parameters(list):  # type: ignore[type-arg]
    """A list that answers ``in`` from a set."""

    def __init__(self, items: Iterable[Any]) -> None:
        super().__init__(items)
        self._members = frozenset(self)

    def __contains__(self, item: object) -> bool:
        return item in self._members


def _engine(*args: Any, **kwargs: Any) -> Any:
    from pyshacl import Validator as ShaclValidator  # imported late: pySHACL takes a while to load

    _index_constraint_parameters()
    return ShaclValidator(*args, **kwargs)


#: The constraint components a validator has made, by component class and shape: set while it validates.
_MADE: ContextVar[dict[tuple[type, Any], Any] | None] = ContextVar("publisher_constraints", default=None)


class _Reused:
    """Stands for a constraint component class in pySHACL's parameter map: makes the component of a shape once
    per validator rather than each time the shape is evaluated (pySHACL evaluates a property shape once per
    value node, and each time reads the component's parameters from the shapes graph again: about a fifth of
    validation time). The components keep only what they read from the shapes graph, which a validator never
    changes."""

    def __init__(self, cls: type) -> None:
        self.cls = cls

    def __call__(self, shape: Any) -> Any:
        made = _MADE.get()
        if made is None:
            return self.cls(shape)
        key = (self.cls, shape)
        component = made.get(key)
        if component is None:
            component = made[key] = self.cls(shape)
        return component


def _index_constraint_parameters() -> None:
    """pySHACL tests every predicate of a shape against a list of its ~30 constraint parameters each time it
    evaluates the shape (a large share of validation time); it caches that list, with the map from parameter to
    component class, on its shape module on first use. Put the same parameters there first, in a list that
    answers membership from a set, and the classes as ``_Reused`` (one per class: pySHACL runs a class once per
    shape, however many of its parameters the shape has)."""
    import pyshacl.shape as shape_module

    if isinstance(getattr(shape_module, "CONSTRAINT_PARAMS", (None,))[0], _Parameters):
        return
    try:
        from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP
    except ImportError:  # another pySHACL layout: leave it to its own cache
        return
    reused = {cls: _Reused(cls) for cls in set(CONSTRAINT_PARAMETERS_MAP.values())}
    shape_module.CONSTRAINT_PARAMS = (  # type: ignore[attr-defined]
        _Parameters(ALL_CONSTRAINT_PARAMETERS),
        {parameter: reused[cls] for parameter, cls in CONSTRAINT_PARAMETERS_MAP.items()},
    )


def _data_graph(graph: Graph) -> Any:
    from pyshacl.graph_abstraction import DataGraph

    return DataGraph.from_rdflib(graph)


_WANTED: ContextVar[frozenset[Node] | None] = ContextVar("publisher_focus", default=None)
_RESTRICTED: dict[type, type] = {}


def _restrict_targets(shapes_graph: Any) -> None:
    """Let every shape's targets be only the focus nodes of the current validation, when there are some.

    pySHACL's own focus-node option also filters the value nodes that nested shapes (sh:or, sh:node) are
    evaluated on, which silently passes those constraints; restricting the targets keeps nested checks intact.
    """
    for shape in shapes_graph.shapes:
        cls = type(shape)
        if cls not in _RESTRICTED:

            class Restricted(cls):  # type: ignore[valid-type,misc]
                __slots__ = ()

                def focus_nodes(self, target_graph: Any, debug: bool = False) -> Any:
                    found = super().focus_nodes(target_graph, debug=debug)
                    chosen = _WANTED.get()
                    return found if chosen is None else {node for node in found if node in chosen}

                def __str__(self) -> str:
                    # pySHACL formats a shape's name for its debug log each time it evaluates the shape, logged
                    # or not; the name never changes
                    made = _MADE.get()
                    if made is None:
                        return str(super().__str__())
                    key = (str, self)
                    if key not in made:
                        made[key] = super().__str__()
                    return str(made[key])

            _RESTRICTED[cls] = Restricted
        shape.__class__ = _RESTRICTED[cls]


def _remember_parameters(shapes_graph: Any) -> None:
    """Answer the shapes graph's ``predicate_objects`` from memory.

    pySHACL reads a shape's parameters from the shapes graph each time it evaluates the shape, which it does once
    per value node of a property shape: about a quarter of validation time. The shapes graph does not change
    once its shapes are harvested, so each node's pairs are read once, in the graph's order.
    """
    graph = shapes_graph.graph
    pairs: dict[Node, tuple[tuple[Node, Node], ...]] = {}

    def predicate_objects(subject: Node) -> Iterator[tuple[Node, Node]]:
        found = pairs.get(subject)
        if found is None:
            found = pairs[subject] = tuple(graph.predicate_objects(subject))
        return iter(found)

    shapes_graph.predicate_objects = predicate_objects


def _owner_source(data: Graph, node: Node | None, sources: dict[str, str]) -> str | None:
    """The source of a blank node: that of the resource it hangs off (a quotation's release)."""
    seen: set[Node] = set()
    frontier: list[Node] = [node] if isinstance(node, BNode) else []
    while frontier:
        current = frontier.pop()
        if current in seen:
            continue
        seen.add(current)
        for subject in data.subjects(None, current):
            if isinstance(subject, URIRef) and str(subject) in sources:
                return sources[str(subject)]
            frontier.append(subject)
    return None


class Validator:
    """Validates data graphs against the shapes in ``shapes_dir``."""

    def __init__(self, shapes_dir: Path, ontology_dir: Path) -> None:
        self.shapes = load_graph(shapes_dir.glob("*.ttl"))
        self.ontology = load_graph(ontology_dir.glob("*.ttl"))
        self._shapes_graph: Any = None
        self._components: dict[tuple[type, Any], Any] = {}

    def validate(
        self, data: Graph, sources: dict[str, str] | None = None, focus: list[str] | None = None
    ) -> ValidationResult:
        """Validate ``data``; ``sources`` maps focus-node IRIs to the file they came from.

        With ``focus``, only those nodes are validated; the rest of ``data`` is there to be linked to.
        """
        engine = _engine(
            _data_graph(data),
            shacl_graph=self.shapes,
            ont_graph=self.ontology,
            options={
                "inference": "none",
                "abort_on_first": False,
                "allow_infos": True,
                "allow_warnings": True,
                "advanced": False,
                "inplace": True,
            },
        )
        if self._shapes_graph is None:
            self._shapes_graph = engine.shacl_graph
            _restrict_targets(self._shapes_graph)
            _remember_parameters(self._shapes_graph)
        engine.shacl_graph = self._shapes_graph  # shapes are harvested once, not per run
        token = _WANTED.set(frozenset(URIRef(f) for f in focus) if focus else None)
        made = _MADE.set(self._components)
        try:
            conforms, report, _text = engine.run()
        finally:
            _MADE.reset(made)
            _WANTED.reset(token)
        assert isinstance(report, Graph)
        report.namespace_manager = data.namespace_manager
        findings = []
        for result in report.subjects(RDF.type, SH.ValidationResult):
            node = report.value(result, SH.focusNode)
            value = report.value(result, SH.value)
            message = report.value(result, SH.resultMessage)
            severity = report.value(result, SH.resultSeverity)
            shape = report.value(result, SH.sourceShape)
            focus_text = str(node) if isinstance(node, URIRef) else _short(node, data)
            source = (sources or {}).get(focus_text) or _owner_source(data, node, sources or {})
            findings.append(
                Finding(
                    focus=focus_text,
                    path=_short(report.value(result, SH.resultPath), data),
                    message=str(message) if message is not None else "constraint not met",
                    severity=SEVERITIES.get(severity, str(severity)),  # type: ignore[call-overload]
                    shape=_short(shape, self.shapes) if isinstance(shape, URIRef) else "",
                    value=str(value) if isinstance(value, (URIRef, Literal)) else None,
                    source=source,
                )
            )
        return ValidationResult(conforms=bool(conforms), report=report, findings=findings)


def add_linked_types(data: Graph, types: dict[str, tuple[str, ...]], more: Graph | None = None) -> None:
    """Add the types of everything ``data`` links to (from ``types`` by IRI, and from ``more``): what
    ``sh:class`` checks read."""
    for o in {o for o in data.objects() if isinstance(o, URIRef)}:
        for t in types.get(str(o), ()):
            data.add((o, RDF.type, URIRef(t)))
        if more is not None:
            for known in more.objects(o, RDF.type):
                data.add((o, RDF.type, known))
