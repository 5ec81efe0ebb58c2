"""SHACL validation against the published shapes.

``Validator.validate`` returns a result that carries both the report graph (for machines) and findings that
read as one line each (for people). The ontology and the part of schema.org's class hierarchy the shapes rely
on are mixed in as the ontology graph, so ``sh:class schema:Organization`` accepts a GovernmentOrganization
without running RDFS inference.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
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


def _short(node: Node | None, graph: Graph) -> str:
    if node is None:
        return "-"
    if isinstance(node, URIRef):
        try:
            return graph.namespace_manager.normalizeUri(node)
        except Exception:  # an IRI that no prefix covers
            return f"<{node}>"
    return str(node)


class Validator:
    """Validates data graphs against the shapes in ``shapes_dir``."""

    def __init__(self, shapes_dir: Path, ontology_dir: Path) -> None:
        self.shapes = load_graph(shapes_dir.glob("*.ttl"))
        self.ontology = load_graph(ontology_dir.glob("*.ttl"))
        self.shape_files = {p.stem: p for p in shapes_dir.glob("*.ttl")}

    def validate(self, data: Graph, sources: dict[str, str] | None = None) -> ValidationResult:
        """Validate ``data``; ``sources`` maps focus-node IRIs to the file they came from."""
        from pyshacl import validate as shacl_validate  # imported late: it takes a while to load

        conforms, report, _text = shacl_validate(
            data,
            shacl_graph=self.shapes,
            ont_graph=self.ontology,
            inference="none",
            abort_on_first=False,
            allow_infos=True,
            allow_warnings=True,
            meta_shacl=False,
            advanced=False,
        )
        assert isinstance(report, Graph)
        report.namespace_manager = data.namespace_manager
        findings = []
        for result in report.subjects(RDF.type, SH.ValidationResult):
            focus = report.value(result, SH.focusNode)
            value = report.value(result, SH.value)
            message = report.value(result, SH.resultMessage)
            severity = report.value(result, SH.resultSeverity)
            shape = report.value(result, SH.sourceShape)
            focus_text = str(focus) if isinstance(focus, URIRef) else _short(focus, data)
            findings.append(
                Finding(
                    focus=focus_text,
                    path=_short(report.value(result, SH.resultPath), data),
                    message=str(message) if message is not None else "constraint not met",
                    severity=SEVERITIES.get(severity, str(severity)),  # type: ignore[call-overload]
                    shape=_short(shape, self.shapes) if isinstance(shape, URIRef) else "",
                    value=str(value) if isinstance(value, (URIRef, Literal)) else None,
                    source=(sources or {}).get(focus_text),
                )
            )
        return ValidationResult(conforms=bool(conforms), report=report, findings=findings)
