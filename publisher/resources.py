"""What is published about a resource, read from the store: its description and what pages show of it.

``describe`` gives the graph a Linked Data document holds: the resource's own triples, the triples of its
parts (fragment IRIs such as ``#zitat-1``, and blank nodes), the types and labels of everything it links to,
and one page of the resources that link to it, with their types and labels. All of it through SPARQL, so
any store backend answers the same way.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from publisher.formats import bind_prefixes
from publisher.namespaces import PM, SDO
from publisher.store import Store

#: Properties whose value names a resource, most telling first.
LABELS = (SDO.name, SDO.headline, SDO.roleName, RDFS.label, SDO.text)

#: Listings of the HTML interface: path segment -> (German title, classes, order).
LISTINGS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "pressemitteilungen": ("Pressemitteilungen", (str(PM.PressRelease),), "date"),
    "organisationen": (
        "Organisationen",
        tuple(
            str(SDO[c])
            for c in ("GovernmentOrganization", "Corporation", "NGO", "Project", "PoliticalParty", "Organization")
        ),
        "label",
    ),
    "personen": ("Personen", (str(SDO.Person),), "label"),
    "programme": ("Programme", (str(SDO.FundingScheme),), "label"),
    "veranstaltungen": ("Veranstaltungen", (str(SDO.Event),), "date"),
    "bezirke": ("Bezirke", (str(PM.Bezirk),), "label"),
    "ortsteile": ("Ortsteile", (str(PM.Ortsteil),), "label"),
    "prognoseraeume": ("Prognoseräume", (str(PM.Prognoseraum),), "label"),
    "bezirksregionen": ("Bezirksregionen", (str(PM.Bezirksregion),), "label"),
    "planungsraeume": ("Planungsräume", (str(PM.Planungsraum),), "label"),
    "quartiere": ("Quartiere", (str(PM.Quartier),), "label"),
    "strassen": ("Straßen und Plätze", (str(PM.Strasse),), "label"),
    "gebaeude": ("Gebäude und Einrichtungen", (str(PM.Gebaeude),), "label"),
    "freiflaechen": ("Freiflächen und Gewässer", (str(PM.Freiflaeche),), "label"),
}

_SPARQL_STRING = re.compile(r'[\\"\n\r]')

#: Resources that exist only as part of another and are described with it: roles (n-ary relations between a
#: person and an organisation), contact points and addresses, quotations and images.
DEPENDENT = tuple(
    SDO[c] for c in ("Role", "OrganizationRole", "ContactPoint", "PostalAddress", "Quotation", "ImageObject")
)
_DEPENDENT_VALUES = " ".join(f"<{c}>" for c in DEPENDENT)
#: Namespaces of terms, whose labels are the vocabulary's business, not a description's.
_VOCABULARIES = ("http://www.w3.org/", "https://schema.org/", "http://schema.org/", str(PM))


def sparql_iri(iri: str) -> str:
    """An IRI as it may stand in a SPARQL query; anything that could end the IRI is refused."""
    if any(c in iri for c in '<>"{}|^`\\ \n\r\t'):
        raise ValueError(f"not an IRI: {iri!r}")
    return f"<{iri}>"


def sparql_string(text: str) -> str:
    return (
        '"' + _SPARQL_STRING.sub(lambda m: {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"}[m.group()], text) + '"'
    )


def _part_filter(iri: str) -> Any:
    """A SPARQL filter that holds for the parts of ``iri``: blank nodes, its fragments, dependent resources."""
    prefix = sparql_string(iri + "#")

    def part(var: str) -> str:
        return (
            f"FILTER(isBlank({var}) || STRSTARTS(STR({var}), {prefix}) || "
            f"EXISTS {{ {var} a ?dependent . VALUES ?dependent {{ {_DEPENDENT_VALUES} }} }})"
        )

    return part


@dataclass
class Page:
    """One page of a listing."""

    items: list[dict[str, str]]
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


@dataclass
class Description:
    """A resource's description graph and what was cut off."""

    iri: str
    graph: Graph
    incoming_total: int = 0
    page: int = 1
    page_size: int = 50
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.incoming_total // self.page_size))


class Resources:
    """Reads resources from a store."""

    def __init__(self, store: Store, page_size: int = 50) -> None:
        self.store = store
        self.page_size = page_size

    def _construct(self, query: str) -> Graph:
        graph = Graph()
        data = self.store.query(query, "nt")
        if data.strip():
            graph.parse(data=data.decode("utf-8"), format="nt")
        return graph

    def exists(self, iri: str) -> bool:
        return self.store.ask(f"ASK {{ {sparql_iri(iri)} ?p ?o }}")

    def describe(self, iri: str, page: int = 1) -> Description | None:
        """The description of ``iri``, with page ``page`` of what links to it; None when nothing is known."""
        node = sparql_iri(iri)
        part = _part_filter(iri)
        own = self._construct(f"""
            CONSTRUCT {{ ?s ?p ?o }} WHERE {{
              {{ BIND({node} AS ?s) ?s ?p ?o }}
              UNION {{ {node} ?p1 ?s . {part("?s")} ?s ?p ?o }}
              UNION {{ {node} ?p1 ?x . {part("?x")} ?x ?p2 ?s . {part("?s")} ?s ?p ?o }}
            }}""")
        if not any(True for _ in own.triples((URIRef(iri), None, None))):
            return None
        prefix = sparql_string(iri + "#")
        page = max(1, page)
        total_rows = self.store.select(f"""
            SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p {node} . FILTER(!STRSTARTS(STR(?s), {prefix})) }}""")
        incoming = self._construct(f"""
            CONSTRUCT {{ ?s ?p {node} }} WHERE {{
              {{ SELECT ?s ?p WHERE {{ ?s ?p {node} . FILTER(!STRSTARTS(STR(?s), {prefix})) }}
                 ORDER BY ?p ?s LIMIT {self.page_size} OFFSET {(page - 1) * self.page_size} }}
            }}""")
        graph = own + incoming
        roles = [s for s in incoming.subjects() if isinstance(s, URIRef)]
        if roles:
            # who holds a role in an organisation: the people behind the roles that link to it, and the roles' terms
            values = " ".join(sparql_iri(str(r)) for r in roles)
            graph += self._construct(f"""
                CONSTRUCT {{ ?person <{SDO.memberOf}> ?role . ?role ?p ?o }} WHERE {{
                  VALUES ?role {{ {values} }} ?role a ?type . VALUES ?type {{ {_DEPENDENT_VALUES} }}
                  ?role ?p ?o . OPTIONAL {{ ?person <{SDO.memberOf}> ?role }}
                }}""")
        self._add_labels(graph, iri)
        bind_prefixes(graph)
        total = int(total_rows[0]["n"]) if total_rows else 0
        return Description(iri, graph, total, page, self.page_size)

    def graph_content(self, graph: str) -> Graph | None:
        """Everything in the named graph ``graph``; None when there is no such graph."""
        node = sparql_iri(graph)
        if not self.store.ask(f"ASK {{ GRAPH {node} {{ ?s ?p ?o }} }}"):
            return None
        content = self._construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {node} {{ ?s ?p ?o }} }}")
        return bind_prefixes(content)

    def _add_labels(self, graph: Graph, iri: str) -> None:
        """The types and labels of every resource the description names but does not describe."""
        described = {
            s for s in graph.subjects() if isinstance(s, URIRef) and any(True for _ in graph.objects(s, RDF.type))
        }
        named = {n for t in graph for n in (t[0], t[2]) if isinstance(n, URIRef)} - described
        named = {n for n in named if not str(n).startswith(_VOCABULARIES)}
        if not named:
            return
        values = " ".join(sparql_iri(str(n)) for n in sorted(named))
        labels = " ".join(sparql_iri(str(p)) for p in LABELS)
        graph += self._construct(f"""
            CONSTRUCT {{ ?o a ?type . ?o ?label ?name }} WHERE {{
              VALUES ?o {{ {values} }}
              {{ ?o a ?type }} UNION {{ VALUES ?label {{ {labels} }} ?o ?label ?name }}
            }}""")

    # ------------------------------------------------------------ listings and the landing page

    def counts(self) -> dict[str, int]:
        """Resources per listing."""
        rows = self.store.select("""
            SELECT ?type (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?type } GROUP BY ?type""")
        by_type = {row["type"]: int(row["n"]) for row in rows}
        return {slug: sum(by_type.get(c, 0) for c in classes) for slug, (_t, classes, _o) in LISTINGS.items()}

    def listing(self, slug: str, page: int = 1, size: int | None = None) -> Page:
        _title, classes, order = LISTINGS[slug]
        size = size or self.page_size
        values = " ".join(sparql_iri(c) for c in classes)
        total = self.store.select(
            f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ VALUES ?type {{ {values} }} ?s a ?type }}"
        )
        label = "COALESCE(?headline, ?name, STR(?s))"
        date = f"?s {sparql_iri(str(SDO.datePublished))}|{sparql_iri(str(SDO.startDate))} ?date ."
        sort = "DESC(?date) ?label" if order == "date" else "LCASE(?label)"
        rows = self.store.select(f"""
            SELECT ?s (SAMPLE(?l) AS ?label) (SAMPLE(?d) AS ?date) WHERE {{
              {{ SELECT DISTINCT ?s WHERE {{ VALUES ?type {{ {values} }} ?s a ?type }} }}
              OPTIONAL {{ ?s {sparql_iri(str(SDO.headline))} ?headline }}
              OPTIONAL {{ ?s {sparql_iri(str(SDO.name))} ?name }}
              OPTIONAL {{ {date} }}
              BIND({label} AS ?l) BIND(STR(?date) AS ?d)
            }} GROUP BY ?s ORDER BY {sort}
            LIMIT {size} OFFSET {(max(1, page) - 1) * size}""")
        return Page(rows, max(1, page), size, int(total[0]["n"]) if total else 0)

    def newest_releases(self, count: int = 10) -> list[dict[str, str]]:
        return self.listing("pressemitteilungen", 1, count).items

    def search(self, text: str, limit: int = 50) -> list[dict[str, str]]:
        """Press releases whose headline or text contains every word of ``text`` (case-insensitive)."""
        words = [w for w in re.split(r"\s+", text.strip().lower()) if w][:8]
        if not words:
            return []
        filters = " && ".join(f"CONTAINS(LCASE(?all), {sparql_string(w)})" for w in words)
        return self.store.select(f"""
            SELECT ?s ?label ?date WHERE {{
              ?s a {sparql_iri(str(PM.PressRelease))} ; {sparql_iri(str(SDO.headline))} ?h ;
                 {sparql_iri(str(SDO.articleBody))} ?b ; {sparql_iri(str(SDO.datePublished))} ?d .
              BIND(CONCAT(STR(?h), " ", STR(?b)) AS ?all) FILTER({filters})
              BIND(STR(?h) AS ?label) BIND(STR(?d) AS ?date)
            }} ORDER BY DESC(?date) LIMIT {limit}""")


def label_of(graph: Graph, node: URIRef | BNode) -> str | None:
    """The best label of ``node`` in ``graph``: German first, then any."""
    for prop in LABELS:
        values = list(graph.objects(node, prop))
        if values:
            german = [v for v in values if isinstance(v, Literal) and v.language == "de"]
            return str((german or values)[0])
    return None


def json_ld_script(document: str | dict[str, Any]) -> str:
    """JSON-LD that can stand inside <script>: "<", ">" and "&" (which occur only inside JSON strings) are
    written as JSON escapes, so nothing in the data can close the element or open a comment."""
    data = json.loads(document) if isinstance(document, str) else document
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


__all__ = ["LISTINGS", "RDF", "Description", "Page", "Resources", "json_ld_script", "label_of", "sparql_iri"]
