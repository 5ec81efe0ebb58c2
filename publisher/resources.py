"""What is published about a resource, read from the store: its description and what pages show of it.

``describe`` gives the graph a Linked Data document holds: the resource's own triples, the triples of its
parts (fragment IRIs such as ``#zitat-1``, and blank nodes), the types and labels of everything it links to,
and one page of the resources that link to it, with their types and labels. All of it through SPARQL, so
any store backend answers the same way.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from publisher.cache import LruCache
from publisher.formats import bind_prefixes, ntriples_terms, read_ntriples
from publisher.namespaces import PM, SDO
from publisher.search import DEFAULT_MAX_LENGTH, SearchIndex, index_of
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
#: Namespaces of terms, whose labels are the vocabulary's business, not a description's.
_VOCABULARIES = ("http://www.w3.org/", "https://schema.org/", "http://schema.org/", str(PM))


def is_iri(text: str) -> bool:
    """Whether ``text`` is an absolute IRI (RFC 3987), as the store's own parser judges it."""
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return True


def sparql_iri(iri: str) -> str:
    """An IRI as it may stand in a SPARQL query; anything that is not an IRI is refused."""
    if not is_iri(iri):
        raise ValueError(f"not an IRI: {iri!r}")
    return f"<{iri}>"


def sparql_string(text: str) -> str:
    return (
        '"' + _SPARQL_STRING.sub(lambda m: {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"}[m.group()], text) + '"'
    )


#: What each listing shows as a member's name, and its date (None: no date).
_LISTING_TERMS: dict[str, tuple[URIRef, URIRef | None]] = {
    slug: (
        SDO.headline if slug == "pressemitteilungen" else SDO.name,
        SDO.datePublished if slug == "pressemitteilungen" else SDO.startDate if slug == "veranstaltungen" else None,
    )
    for slug in LISTINGS
}


def page_count(total: int, size: int) -> int:
    """Pages of ``size`` entries that ``total`` entries fill; an empty list is one (empty) page."""
    return max(1, -(-total // size))


@dataclass
class Page:
    """One page of a listing."""

    items: list[dict[str, str]]
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return page_count(self.total, self.size)


@dataclass
class Description:
    """A resource's description graph and what was cut off."""

    iri: str
    graph: Graph
    incoming_total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return page_count(self.incoming_total, self.page_size)


Triple = tuple[Any, Any, Any]
_LABEL_SET = frozenset(LABELS)
#: Resources whose types and labels a process keeps (a few megabytes).
LABELLED = 5_000
_ROLE_CLASSES = (SDO.OrganizationRole, SDO.Role)


class _Found:
    """Triples gathered for a description: each once, in the order found, indexed by subject."""

    def __init__(self) -> None:
        self.triples: dict[Triple, None] = {}
        self.by_subject: dict[Any, list[tuple[Any, Any]]] = {}

    def add(self, triple: Triple) -> None:
        if triple not in self.triples:
            self.triples[triple] = None
            self.by_subject.setdefault(triple[0], []).append((triple[1], triple[2]))

    def update(self, triples: Iterable[Triple]) -> None:
        for triple in triples:
            self.add(triple)

    def objects(self, subject: Any, prop: Any = None) -> list[Any]:
        return [o for p, o in self.by_subject.get(subject, ()) if prop is None or p == prop]

    def typed(self, subject: Any) -> bool:
        return any(p == RDF.type for p, _o in self.by_subject.get(subject, ()))


def _canonical(triple: Triple) -> tuple[str, str, str, int, str, str]:
    """A triple's place in a description: by subject, property and value (then the kind of value, its language and
    datatype), whatever order the store answered in."""
    s, p, o = triple
    if isinstance(o, Literal):
        return (str(s), str(p), str(o), 2, o.language or "", str(o.datatype or ""))
    return (str(s), str(p), str(o), 1 if isinstance(o, BNode) else 0, "", "")


#: The terms of roles and who holds them (``_roles_pattern``), as a CONSTRUCT template.
_ROLE_TERMS = f"?person <{SDO.memberOf}> ?role . ?role ?rp ?ro"


def _roles_pattern(values: str) -> str:
    return f"VALUES ?role {{ {values} }} {{ ?role ?rp ?ro }} UNION {{ ?person <{SDO.memberOf}> ?role }}"


class _Answer:
    """A remote store's answer to ``Resources._levels_query``, read level by level: what the level query for some
    resources would have answered (their triples, and the types of what they link to)."""

    def __init__(self, triples: list[Triple]) -> None:
        self.triples = triples
        self.by_subject: dict[Any, list[Triple]] = {}
        self.types: dict[Any, list[Triple]] = {}
        for triple in triples:
            self.by_subject.setdefault(triple[0], []).append(triple)
            if triple[1] == RDF.type:
                self.types.setdefault(triple[0], []).append(triple)

    def level(self, nodes: list[URIRef]) -> list[Triple]:
        return [
            t
            for node in nodes
            for triple in self.by_subject.get(node, ())
            for t in (triple, *self.types.get(triple[2], ()))
        ]

    def of_roles(self, roles: set[URIRef]) -> list[Triple]:
        """What the roles query of ``Resources._describe`` answers for ``roles``."""
        return [t for t in self.triples if t[0] in roles or (t[1] == SDO.memberOf and t[2] in roles)]


class Resources:
    """Reads resources from a store."""

    def __init__(self, store: Store, page_size: int) -> None:
        self.store = store
        self.page_size = page_size
        # what is sorted once per published state: the resources linking to one, the members of a listing
        self._lists: LruCache[list[Any]] = LruCache(64)
        # the last descriptions read: a resource is often asked for in several formats in a row (by a harvester,
        # by the static export), and a description is most of what a document costs
        self._described: LruCache[tuple[Description | None]] = LruCache(8)
        # the types and labels of the resources descriptions name, read once per published state: a release is
        # named on the page of everything it links to, an organisation on the page of everything linking to it
        self._labels: LruCache[tuple[Triple, ...]] = LruCache(LABELLED)
        self._counts: tuple[str, dict[str, int]] | None = None
        self._search: tuple[str, int, SearchIndex | None] | None = None
        self._search_lock = threading.Lock()

    def _construct(self, query: str) -> Graph:
        return read_ntriples(Graph(), self.store.query(query, "nt"))

    def _triples(self, query: str) -> list[Triple]:
        # in the store's order: a description is put in an order of its own (_canonical)
        return ntriples_terms(self.store.query(query, "nt"), sort=False)

    def exists(self, iri: str) -> bool:
        return self.store.ask(f"ASK {{ {sparql_iri(iri)} ?p ?o }}")

    def describe(self, iri: str, page: int = 1) -> Description | None:
        """The description of ``iri``, with page ``page`` of what links to it; None when nothing is known.

        Every query is bound to the resources it asks about (no pattern is evaluated over the whole store), so a
        description costs about the same in a store of a thousand releases as in one of a hundred thousand;
        only the list of what links to the resource grows with it. The graph is shared: read it, never change it."""
        key = (self.store.version(), iri, page)
        return self._described.get_or_make(key, lambda: (self._describe(iri, page),))[0]

    def _describe(self, iri: str, page: int) -> Description | None:
        # gathered in plain Python and put into an rdflib graph once: an rdflib graph adds and looks up triples many
        # times more slowly
        page = max(1, page)
        ahead = self._roles_ahead(iri, page) if self.store.remote else []
        found, answer = self._closure(iri, ahead)
        subject = URIRef(iri)
        if subject not in found.by_subject:
            return None
        incoming = self._incoming(iri)
        shown = self._shown(incoming, page)
        for linking, prop in shown:
            found.add((linking, prop, subject))
        self._add_labels(found, iri)
        roles = [s for s, _p in shown if any(t in _ROLE_CLASSES for t in found.objects(s, RDF.type))]
        if roles:
            # who holds a role in an organisation: the people behind the roles that link to it, and the roles' terms
            if answer is not None and set(roles) <= set(ahead):
                found.update(answer.of_roles(set(roles)))
            else:
                values = " ".join(sparql_iri(str(r)) for r in roles)
                found.update(self._triples(f"CONSTRUCT {{ {_ROLE_TERMS} }} WHERE {{ {_roles_pattern(values)} }}"))
            self._add_labels(found, iri)
        # a graph without named graphs: adding to it and looking up in it take half the time of rdflib's default;
        # added to its store directly, which is what Graph.addN does after checking each term (these are terms).
        # In one order whatever the store's (its answers' order is its own): a document is the same from any store
        graph = Graph(store="SimpleMemory")
        add = graph.store.add
        for triple in sorted(found.triples, key=_canonical):
            add(triple, graph)
        bind_prefixes(graph)
        return Description(iri, graph, len(incoming), page, self.page_size)

    def _incoming(self, iri: str) -> list[tuple[URIRef, URIRef]]:
        """(subject, property) of every triple that links to ``iri`` from elsewhere, in the order pages list them:
        by property, then by the linking IRI from the last to the first (newest press releases first, since a
        release's IRI begins with its date). Sorted here: the store sorts IRIs far more slowly."""
        return self._lists.get_or_make((self.store.version(), "incoming", iri), lambda: self._read_incoming(iri))

    def _read_incoming(self, iri: str) -> list[tuple[URIRef, URIRef]]:
        rows = self.store.select(f"SELECT ?s ?p WHERE {{ ?s ?p {sparql_iri(iri)} . FILTER(isIRI(?s)) }}")
        fragment = iri + "#"
        found = [(URIRef(r["s"]), URIRef(r["p"])) for r in rows if not r["s"].startswith(fragment)]
        found.sort(key=lambda row: row[0], reverse=True)
        found.sort(key=lambda row: row[1])
        return found

    def _roles_ahead(self, iri: str, page: int) -> list[URIRef]:
        """The roles page ``page`` of ``iri`` shows, as far as the types kept from earlier pages tell (nothing
        when the list of what links to ``iri``, or the types of a resource on the page, are not kept)."""
        version = self.store.version()
        incoming = self._lists.get((version, "incoming", iri))
        if incoming is None:
            return []
        roles = []
        for linking, _p in self._shown(incoming, page):
            kept = self._labels.get((version, linking))
            if kept is None:
                return []
            if any(p == RDF.type and o in _ROLE_CLASSES for _s, p, o in kept):
                roles.append(linking)
        return roles

    def _shown(self, incoming: list[tuple[URIRef, URIRef]], page: int) -> list[tuple[URIRef, URIRef]]:
        """What page ``page`` lists of ``incoming``."""
        start = (page - 1) * self.page_size
        return incoming[start : start + self.page_size]

    def _closure(self, iri: str, roles: list[URIRef]) -> tuple[_Found, _Answer | None]:
        """The triples of ``iri`` and of its parts, two levels deep, with the types of everything they link to.

        Level by level, each query bound to the resources of its level: a part is a fragment of ``iri``, a blank
        node, or a resource of a dependent class (whose type comes with the level before). A remote store is asked
        for the three levels at once (a query there costs a round trip and its compilation, more than the query),
        and for the terms of ``roles`` with them; each level is taken from its answer, which is returned too."""
        found = _Found()
        frontier: set[URIRef] = {URIRef(iri)}
        seen: set[URIRef] = set()
        answer = _Answer(self._triples(self._levels_query(iri, roles))) if self.store.remote else None
        for _level in range(3):
            if answer is None:
                values = " ".join(sparql_iri(str(n)) for n in sorted(frontier))
                level = self._triples(f"""
                    CONSTRUCT {{ ?x ?p ?o . ?o a ?type }} WHERE {{
                      VALUES ?x {{ {values} }} ?x ?p ?o OPTIONAL {{ ?o a ?type }}
                    }}""")
            else:
                level = answer.level(sorted(frontier))
            # what a class is, is the vocabulary's business
            terms = {o for _s, p, o in level if p == RDF.type and str(o).startswith(_VOCABULARIES)}
            found.update(t for t in level if not (t[1] == RDF.type and t[0] in terms))
            if any(isinstance(o, BNode) for _s, _p, o in level):
                values = " ".join(sparql_iri(str(n)) for n in sorted(frontier))
                found.update(
                    self._triples(f"""
                    CONSTRUCT {{ ?b ?p ?o }} WHERE {{
                      VALUES ?x {{ {values} }} ?x ?q ?b . FILTER(isBlank(?b)) ?b ?p ?o }}""")
                )
            seen |= frontier
            frontier = {
                o
                for x in frontier
                for o in found.objects(x)
                if isinstance(o, URIRef) and o not in seen and self._is_part(found, iri, o)
            }
            if not frontier:
                break
        return found, answer

    @staticmethod
    def _levels_query(iri: str, roles: list[URIRef]) -> str:
        """The three levels of ``_closure`` in one query: the triples of ``iri``, of its parts, and of their parts,
        each with the types of what they link to (a part as ``_is_part`` tells one: a fragment of ``iri``, or of a
        dependent class); and the terms of ``roles`` and who holds them."""
        fragment = sparql_string(iri + "#")
        dependent = ", ".join(sparql_iri(str(c)) for c in DEPENDENT)

        def part(node: str, kind: str) -> str:
            return f"FILTER(isIRI({node}) && (STRSTARTS(STR({node}), {fragment}) || {kind} IN ({dependent})))"

        levels = f"""{{
              VALUES ?x {{ {sparql_iri(iri)} }} ?x ?p ?o OPTIONAL {{ ?o a ?type }}
              OPTIONAL {{
                ?o ?p2 ?o2 . {part("?o", "?type")} OPTIONAL {{ ?o2 a ?type2 }}
                OPTIONAL {{ ?o2 ?p3 ?o3 . {part("?o2", "?type2")} OPTIONAL {{ ?o3 a ?type3 }} }}
              }}
            }}"""
        template = "?x ?p ?o . ?o a ?type . ?o ?p2 ?o2 . ?o2 a ?type2 . ?o2 ?p3 ?o3 . ?o3 a ?type3"
        if not roles:
            return f"CONSTRUCT {{ {template} }} WHERE {levels}"
        values = " ".join(sparql_iri(str(r)) for r in roles)
        return f"CONSTRUCT {{ {template} . {_ROLE_TERMS} }} WHERE {{ {levels} UNION {{ {_roles_pattern(values)} }} }}"

    @staticmethod
    def _is_part(found: _Found, iri: str, node: URIRef) -> bool:
        return str(node).startswith(iri + "#") or any(t in DEPENDENT for t in found.objects(node, RDF.type))

    def graph_content(self, graph: str) -> Graph | None:
        """Everything in the named graph ``graph``; None when there is no such graph."""
        node = sparql_iri(graph)
        if not self.store.ask(f"ASK {{ GRAPH {node} {{ ?s ?p ?o }} }}"):
            return None
        content = self._construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {node} {{ ?s ?p ?o }} }}")
        return bind_prefixes(content)

    def _add_labels(self, found: _Found, iri: str) -> None:
        """The types and labels of every resource the description names but does not describe."""
        labelled = {s for s, pairs in found.by_subject.items() if any(p in _LABEL_SET for p, _o in pairs)}
        named = {n for t in found.triples for n in (t[0], t[2]) if isinstance(n, URIRef)}
        named = {n for n in named - labelled if not str(n).startswith(_VOCABULARIES)}
        # parts without a label of their own (an address) are described already
        named = {n for n in named if not (found.typed(n) and self._is_part(found, iri, n))}
        if not named:
            return
        version = self.store.version()
        known = {n: self._labels.get((version, n)) for n in named}
        unknown = sorted(n for n, triples in known.items() if triples is None)
        if unknown:
            values = " ".join(sparql_iri(str(n)) for n in unknown)
            # one scan of each resource's triples, filtered by property: faster than a lookup per property
            properties = ", ".join(sparql_iri(str(p)) for p in (RDF.type, *LABELS))
            read = self._triples(f"""
                CONSTRUCT {{ ?o ?p ?v }} WHERE {{ VALUES ?o {{ {values} }} ?o ?p ?v FILTER(?p IN ({properties})) }}""")
            by_node: dict[URIRef, list[Triple]] = {n: [] for n in unknown}
            for triple in read:
                by_node[triple[0]].append(triple)
            for n, triples in by_node.items():
                entry = known[n] = tuple(triples)
                self._labels.put((version, n), entry)
        found.update(triple for triples in known.values() for triple in triples or ())

    # ------------------------------------------------------------ listings and the landing page

    def counts(self) -> dict[str, int]:
        """Resources per listing, counted once per published state."""
        version = self.store.version()
        if self._counts is None or self._counts[0] != version:
            # only the listed classes: counting every type (quotations, images, contact points ...) takes minutes
            # at 100,000 releases
            types = " ".join(f"<{c}>" for _t, classes, _o in LISTINGS.values() for c in classes)
            rows = self.store.select(f"""
                SELECT ?type (COUNT(DISTINCT ?s) AS ?n) WHERE {{ VALUES ?type {{ {types} }} ?s a ?type }}
                GROUP BY ?type""")
            by_type = {row["type"]: int(row["n"]) for row in rows}
            counted = {slug: sum(by_type.get(c, 0) for c in classes) for slug, (_t, classes, _o) in LISTINGS.items()}
            self._counts = (version, counted)
        return dict(self._counts[1])

    def listing(self, slug: str, page: int = 1, size: int | None = None) -> Page:
        """Page ``page`` of a listing: newest first for press releases and events, by name for the rest."""
        size = size or self.page_size
        members = self._members(slug)
        start = (max(1, page) - 1) * size
        chosen = members[start : start + size]
        label, date = _LISTING_TERMS[slug]
        found: dict[str, dict[str, str]] = {iri: {"s": iri, "label": iri, "date": ""} for iri, _key in chosen}
        if chosen:
            values = " ".join(sparql_iri(iri) for iri, _key in chosen)
            wanted = f"{{ ?s <{label}> ?label }}" + (f" UNION {{ ?s <{date}> ?date }}" if date else "")
            for row in self.store.select(f"SELECT ?s ?label ?date WHERE {{ VALUES ?s {{ {values} }} {wanted} }}"):
                entry = found[row["s"]]
                if "label" in row and (entry["label"] == entry["s"] or row["label"] < entry["label"]):
                    entry["label"] = row["label"]
                if "date" in row:
                    entry["date"] = max(entry["date"], row["date"])
        return Page([found[iri] for iri, _key in chosen], max(1, page), size, len(members))

    def _members(self, slug: str) -> list[tuple[str, str]]:
        """(IRI, sort key) of every member of a listing, sorted; kept per published state. Only the sort key is
        asked for (a date, or the name where a listing is by name), and sorted here: the store sorts a whole class
        far more slowly than Python does."""
        return self._lists.get_or_make((self.store.version(), "listing", slug), lambda: self._read_members(slug))

    def _read_members(self, slug: str) -> list[tuple[str, str]]:
        _title, classes, order = LISTINGS[slug]
        values = " ".join(sparql_iri(c) for c in classes)
        label, date = _LISTING_TERMS[slug]
        sort_by = date if order == "date" and date else label
        every = {row["s"] for row in self.store.select(f"SELECT ?s WHERE {{ VALUES ?type {{ {values} }} ?s a ?type }}")}
        keys: dict[str, str] = {}
        for row in self.store.select(
            f"SELECT ?s ?key WHERE {{ VALUES ?type {{ {values} }} ?s a ?type ; <{sort_by}> ?key }}"
        ):
            keys[row["s"]] = max(keys.get(row["s"], row["key"]), row["key"])
        if order == "date":
            members = sorted(((iri, keys.get(iri, "")) for iri in every), key=lambda m: (m[1], m[0]), reverse=True)
        else:
            members = sorted(((iri, keys.get(iri, iri)) for iri in every), key=lambda m: (m[1].casefold(), m[0]))
        return members

    def search_index(self, max_length: int = DEFAULT_MAX_LENGTH) -> SearchIndex | None:
        """The full-text search index of the store's current state, opened once per state; None when the state
        has none."""
        version = self.store.version()
        with self._search_lock:
            if self._search is None or self._search[:2] != (version, max_length):
                self._search = (version, max_length, index_of(self.store, max_length))
            return self._search[2]


def best_label(objects: Callable[[URIRef], Iterable[Any]]) -> Literal | None:
    """The best label among the values ``objects`` gives for each label property (German first, then any)."""
    for prop in LABELS:
        values = [v for v in objects(prop) if isinstance(v, Literal)]
        if values:
            german = [v for v in values if v.language == "de"]
            return (german or values)[0]
    return None


def label_literal(graph: Graph, node: URIRef | BNode) -> Literal | None:
    """The best label of ``node`` in ``graph`` (German first, then any), with its language."""
    return best_label(lambda prop: graph.objects(node, prop))


def label_of(graph: Graph, node: URIRef | BNode) -> str | None:
    """The best label of ``node`` in ``graph``, as text."""
    found = label_literal(graph, node)
    return str(found) if found is not None else None


__all__ = [
    "DEPENDENT",
    "LISTINGS",
    "Description",
    "Page",
    "Resources",
    "best_label",
    "is_iri",
    "label_literal",
    "label_of",
    "sparql_iri",
    "sparql_string",
]
