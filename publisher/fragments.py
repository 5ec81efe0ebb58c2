"""Triple Pattern Fragments: the triples of the whole dataset (the union of all graphs) that match one pattern of
subject, predicate and object, a page at a time, with the number of matches (publisher.web.fragments serves them).

Pages are stable within one published state: the store reads one triple pattern from its indexes in key order, so
the same pattern gives the same order each time. (Sorting instead would cost seconds per page at 10,000 releases.)
The counts are exact: a count is computed once per published state and pattern.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.namespace import XSD

from publisher.cache import LruCache
from publisher.resources import page_count
from publisher.store import Store, Term

#: (query parameter, SPARQL variable) of each position of a pattern.
POSITIONS = (("subject", "s"), ("predicate", "p"), ("object", "o"))
#: The positions of a pattern: the request parameter, and the variable of the queries.
#: Counts kept per process, per published state and pattern.
COUNTS_KEPT = 4096

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal


@dataclass(frozen=True)
class Pattern:
    """A triple pattern: a term or None (anything) per position."""

    subject: URIRef | None = None
    predicate: URIRef | None = None
    object: Term | None = None

    def terms(self) -> Iterator[tuple[str, str, Term | None]]:
        """(parameter, variable, term) per position."""
        for (parameter, variable), term in zip(POSITIONS, (self.subject, self.predicate, self.object), strict=True):
            yield parameter, variable, term

    def bindings(self) -> dict[str, Term]:
        """The bound positions, as the store's queries bind them."""
        return {variable: term for _parameter, variable, term in self.terms() if term is not None}

    def query(self, page: int = 1) -> str:
        """The canonical query string (with ``?``) of this pattern's page, or "" for the first page of everything."""
        parts = [(parameter, explicit(term)) for parameter, _v, term in self.terms() if term is not None]
        if page > 1:
            parts.append(("page", str(page)))
        return "?" + "&".join(f"{name}={quote(value, safe='')}" for name, value in parts) if parts else ""

    def with_term(self, parameter: str, term: Term) -> Pattern:
        """The pattern with only ``term`` bound, in the position ``parameter``."""
        if parameter == "subject" and isinstance(term, URIRef):
            return Pattern(subject=term)
        if parameter == "predicate" and isinstance(term, URIRef):
            return Pattern(predicate=term)
        return Pattern(object=term)


def explicit(term: Term) -> str:
    """A term in Hydra's explicit representation: IRIs as they are, literals quoted with language or datatype."""
    if isinstance(term, URIRef):
        return str(term)
    if term.language:
        return f'"{term}"@{term.language}'
    if term.datatype is not None and term.datatype != XSD.string:
        return f'"{term}"^^{term.datatype}'
    return f'"{term}"'


@dataclass
class FragmentPage:
    """One page of the triples that match a pattern."""

    pattern: Pattern
    number: int
    size: int
    triples: list[ox.Triple]
    total: int

    @property
    def pages(self) -> int:
        return page_count(self.total, self.size)


def _term(binding: dict[str, str]) -> OxTerm:
    """A term of SPARQL JSON results as Oxigraph's."""
    kind, value = binding["type"], binding["value"]
    if kind == "uri":
        return ox.NamedNode(value)
    if kind == "bnode":
        return ox.BlankNode(value)
    if "xml:lang" in binding:
        return ox.Literal(value, language=binding["xml:lang"])
    return ox.Literal(value, datatype=ox.NamedNode(binding.get("datatype", str(XSD.string))))


def matching(store: Store, pattern: Pattern, offset: int, limit: int) -> list[ox.Triple]:
    """Up to ``limit`` triples matching ``pattern``, from the ``offset``-th on, in the store's order."""
    sparql = f"SELECT DISTINCT ?s ?p ?o WHERE {{ ?s ?p ?o }} LIMIT {limit} OFFSET {offset}"
    rows = json.loads(store.query(sparql, "json", pattern.bindings()))["results"]["bindings"]
    return [ox.Triple(_term(row["s"]), _term(row["p"]), _term(row["o"])) for row in rows]  # type: ignore[arg-type]


def count_matching(store: Store, pattern: Pattern) -> int:
    """How many distinct triples match ``pattern`` (the default graph is the union of the named graphs, and a
    triple may stand in several of them)."""
    bound = pattern.bindings()
    if bound:
        names = " ".join(f"?{name}" for name in bound)
        sparql = f"SELECT {names} (COUNT(DISTINCT *) AS ?n) WHERE {{ ?s ?p ?o }} GROUP BY {names}"
    else:
        sparql = "SELECT (COUNT(DISTINCT *) AS ?n) WHERE { ?s ?p ?o }"
    rows = store.select(sparql, bound)
    return int(rows[0]["n"]) if rows else 0


class Fragments:
    """Pages of fragments, and the counts of matches a server process keeps per published state and pattern."""

    def __init__(self) -> None:
        self.counts: LruCache[int] = LruCache(COUNTS_KEPT)

    def page(self, store: Store, version: str, pattern: Pattern, number: int, size: int) -> FragmentPage:
        offset = (number - 1) * size
        # one more than a page tells whether another follows
        triples = matching(store, pattern, offset, size + 1)
        if len(triples) <= size and (triples or number == 1):
            total = offset + len(triples)  # the last page: the count is known without counting
            self.counts.put((version, pattern), total)
        else:
            total = self.counts.get_or_make((version, pattern), lambda: count_matching(store, pattern))
        return FragmentPage(pattern, number, size, triples[:size], total)


__all__ = ["POSITIONS", "FragmentPage", "Fragments", "OxTerm", "Pattern", "count_matching", "explicit", "matching"]
