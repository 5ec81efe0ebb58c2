"""The JSON API's core: requests' parameters in, validated and resolved; listings and items out.

Every filter compiles to SPARQL whose values are bound terms (``Store.query(..., bindings=...)``): a request's
text never becomes query text. References to resources (``area=treptow-koepenick``) are resolved against the
resources of the current state before any query runs, so a value that names nothing is refused with 400. The full
text filter asks the search index and is combined with the SPARQL answer in Python. What is sorted is sorted here,
once per published state (the store sorts a whole class far more slowly); a page's items are then read with one
query per level of their parts, bound to the page's IRIs, which come from the store itself.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import quote

import pyoxigraph as ox
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, XSD

from publisher.api.declarations import (
    AREA_TYPES,
    FORMAT,
    KINDS,
    ORGANISATION_CLASSES,
    PAGING,
    PREFIXES,
    Filter,
    Kind,
    Sort,
    list_params,
)
from publisher.cache import LruCache
from publisher.errors import NotFoundError, PublisherError, StoreError
from publisher.formats import CONTEXT, bind_prefixes, read_ntriples
from publisher.namespaces import PM, SDO
from publisher.resources import DEPENDENT, is_iri, page_count
from publisher.search import SearchIndex, SearchTextError, parse_query
from publisher.store import Store, Term

#: Properties whose value names a resource in a reference.
_LABELS = (SDO.name, SDO.headline, SDO.roleName)
_INTEGER = re.compile(r"[0-9]{1,9}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
#: How much of a refused value an error message repeats.
_SHOWN = 80


class ParameterError(PublisherError):
    """A request parameter the API cannot use: the message names the parameter and what it accepts."""

    status = 400

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter


def shown(value: str) -> str:
    """A refused value as an error message repeats it: quoted, and cut when long."""
    return repr(value if len(value) <= _SHOWN else value[:_SHOWN] + "…")


# ---------------------------------------------------------------- parsed requests


@dataclass(frozen=True)
class Paging:
    """Which entries a page holds; ``style`` is how the request asked ("page" or "offset"), and links keep it."""

    offset: int
    limit: int
    style: str

    @property
    def page(self) -> int:
        return self.offset // self.limit + 1


@dataclass(frozen=True)
class ListQuery:
    """A validated listing request."""

    kind: Kind
    #: variable -> bound term, for the SPARQL filters
    bindings: dict[str, Term]
    #: the filters those bindings belong to
    filters: tuple[Filter, ...]
    text: str | None
    sort: Sort
    paging: Paging
    #: the representation ``format=`` asked for, or None (then Accept decides)
    format: str | None
    #: the parameters as given, without the paging ones: what the links of other pages repeat
    given: tuple[tuple[str, str], ...]


@dataclass
class Listing:
    """One page of a listing: its items as plain JSON objects, and the RDF they were read from."""

    query: ListQuery
    total: int
    items: list[dict[str, Any]]
    graph: Graph

    @property
    def pages(self) -> int:
        return page_count(self.total, self.query.paging.limit)


@dataclass
class Item:
    """One resource looked up by its id."""

    kind: Kind
    iri: str
    data: dict[str, Any]
    graph: Graph


@dataclass(frozen=True)
class Member:
    """A member of a kind, with what it is sorted by."""

    iri: str
    label: str
    date: str
    #: the label as it sorts (case and accents folded)
    key: str


@dataclass
class Catalogue:
    """The ways a kind's members can be named in a parameter."""

    iris: set[str] = field(default_factory=set)
    by_id: dict[str, str] = field(default_factory=dict)
    by_code: dict[str, list[str]] = field(default_factory=dict)
    by_slug: dict[str, list[str]] = field(default_factory=dict)
    by_name: dict[str, list[str]] = field(default_factory=dict)


def sort_key(text: str) -> str:
    """``text`` as it sorts: case and accents folded, so Ä sorts with A."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


def _iri_term(iri: str) -> str:
    """An IRI from the store as SPARQL text, written by the store's own serialiser."""
    return str(ox.NamedNode(iri))


class Api:
    """The API over one store. Everything it keeps is kept per published state."""

    def __init__(
        self,
        store: Store,
        base_uri: str,
        *,
        page_size: int,
        max_page_size: int,
        max_text: int,
        search_index: Callable[[], SearchIndex | None],
    ) -> None:
        self.store = store
        self.base_uri = base_uri
        self.page_size = page_size
        self.max_page_size = max_page_size
        self.max_text = max_text
        self.search_index = search_index
        self._kept: LruCache[Any] = LruCache(256)

    def _keep(self, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        return self._kept.get_or_make((self.store.version(), *key), make)

    # ------------------------------------------------------------ parsing

    def parse_list(self, kind_name: str, args: Mapping[str, Sequence[str]]) -> ListQuery:
        """A listing request of ``kind_name`` from its query parameters (name -> every value given)."""
        kind = KINDS[kind_name]
        allowed = [p.name for p in list_params(kind)]
        values: dict[str, str] = {}
        for name, sent in args.items():
            if name not in allowed:
                raise ParameterError(name, f"unknown parameter; /api/{kind.name} takes {', '.join(allowed)}")
            if len(sent) != 1:
                raise ParameterError(name, f"given {len(sent)} times; give it once")
            values[name] = sent[0]
        bindings: dict[str, Term] = {}
        filters: list[Filter] = []
        text: str | None = None
        for flt in kind.filters:
            raw = values.get(flt.param.name)
            if raw is None:
                continue
            if kind is KINDS["releases"] and flt.param.name == "q":
                text = self._search_text(raw)
                continue
            bindings[flt.variable] = self._value(kind, flt, raw)
            filters.append(flt)
        self._check_range(values)
        sort = self._sort(kind, values.get("sort"), text)
        fmt = values.get("format")
        if fmt is not None and fmt not in FORMAT.choices:
            raise ParameterError("format", f"{shown(fmt)} is not a format; choose one of {', '.join(FORMAT.choices)}")
        paging_names = {p.name for p in PAGING}
        given: tuple[tuple[str, str], ...] = tuple((n, v) for n, v in values.items() if n not in paging_names)
        return ListQuery(kind, bindings, tuple(filters), text, sort, self._paging(values), fmt, given)

    def _search_text(self, raw: str) -> str:
        text = raw.strip()
        if not text:
            raise ParameterError("q", "empty; give words to search for")
        if len(text) > self.max_text:
            raise ParameterError(
                "q", f"{len(text)} characters; at most {self.max_text} are accepted (setting PUBLISHER_SEARCH_LENGTH)"
            )
        if not parse_query(text):
            raise ParameterError("q", f"{shown(text)} has nothing to search for; give words of letters or digits")
        return text

    def _value(self, kind: Kind, flt: Filter, raw: str) -> Term:
        param = flt.param
        if param.type == "date":
            return Literal(parse_date(param.name, raw).isoformat(), datatype=XSD.date)
        if param.type == "choice":
            if raw not in param.choices:
                raise ParameterError(
                    param.name, f"{shown(raw)} is not allowed; choose one of {', '.join(param.choices)}"
                )
            if kind is KINDS["areas"]:
                return URIRef(AREA_TYPES[raw])
            return URIRef(next(c for c in ORGANISATION_CLASSES if c.rsplit("/", 1)[1] == raw))
        if param.type == "reference":
            assert param.refers_to is not None
            return URIRef(self.resolve(param.name, KINDS[param.refers_to], raw))
        value = raw.strip()
        if not value:
            raise ParameterError(param.name, "empty; give some text")
        if len(value) > self.max_text:
            raise ParameterError(
                param.name,
                f"{len(value)} characters; at most {self.max_text} are accepted (setting PUBLISHER_SEARCH_LENGTH)",
            )
        return Literal(value)

    @staticmethod
    def _check_range(values: Mapping[str, str]) -> None:
        if "from" in values and "to" in values and values["from"] > values["to"]:
            raise ParameterError("from", f"{values['from']} is after to={values['to']}; give from <= to")

    @staticmethod
    def _sort(kind: Kind, raw: str | None, text: str | None) -> Sort:
        if raw is None:
            relevance = next((s for s in kind.sorts if s.key == "relevance"), None)
            return relevance if text is not None and relevance is not None else kind.sorts[0]
        chosen = next((s for s in kind.sorts if s.name == raw), None)
        if chosen is None:
            choices = ", ".join(s.name for s in kind.sorts)
            raise ParameterError("sort", f"{shown(raw)} is not a sort order; choose one of {choices}")
        if chosen.key == "relevance" and text is None:
            raise ParameterError("sort", "relevance needs a search text (q)")
        return chosen

    def _paging(self, values: Mapping[str, str]) -> Paging:
        numbers: dict[str, int] = {}
        for name in ("page", "per_page", "limit", "offset"):
            raw = values.get(name)
            if raw is None:
                continue
            if not _INTEGER.fullmatch(raw):
                raise ParameterError(name, f"{shown(raw)} is not a whole number")
            numbers[name] = int(raw)
        if ("limit" in numbers or "offset" in numbers) and ("page" in numbers or "per_page" in numbers):
            raise ParameterError(
                "limit" if "limit" in numbers else "offset",
                "use either page and per_page or limit and offset, not both",
            )
        for name in ("per_page", "limit"):
            if name in numbers and not 1 <= numbers[name] <= self.max_page_size:
                raise ParameterError(
                    name,
                    f"{numbers[name]} is not between 1 and {self.max_page_size} (setting PUBLISHER_API_MAX_PAGE_SIZE)",
                )
        if numbers.get("page", 1) < 1:
            raise ParameterError("page", "pages count from 1")
        default = min(self.page_size, self.max_page_size)
        if "limit" in numbers or "offset" in numbers:
            return Paging(numbers.get("offset", 0), numbers.get("limit", default), "offset")
        size = numbers.get("per_page", default)
        return Paging((numbers.get("page", 1) - 1) * size, size, "page")

    # ------------------------------------------------------------ references

    def resolve(self, parameter: str, kind: Kind, raw: str) -> str:
        """The IRI of the member of ``kind`` that ``raw`` names: its IRI, its id, its LOR code (areas), the last
        segment of its id, or a name or abbreviation, each when unique. A ParameterError otherwise."""
        value = raw.strip()
        catalogue: Catalogue = self._keep(("catalogue", kind.name), lambda: self._read_catalogue(kind))
        if value in catalogue.iris:
            return value
        if value in catalogue.by_id:
            return catalogue.by_id[value]
        for table in (catalogue.by_code, catalogue.by_slug, catalogue.by_name):
            found = table.get(value if table is not catalogue.by_name else sort_key(value), [])
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                ids = ", ".join(sorted(self.id_of(kind, iri) or iri for iri in found)[:10])
                raise ParameterError(parameter, f"{shown(value)} names several {kind.name}: {ids}; give the id")
        forms = "its IRI, its id" + (", its LOR code" if kind is KINDS["areas"] else "") + " or a unique name"
        raise ParameterError(
            parameter, f"no {kind.singular} is named {shown(value)}; name one by {forms} (see /api/{kind.name})"
        )

    def _read_catalogue(self, kind: Kind) -> Catalogue:
        catalogue = Catalogue()
        for member in self._members(kind):
            catalogue.iris.add(member.iri)
            ident = self.id_of(kind, member.iri)
            if ident is None:
                continue
            catalogue.by_id[ident] = member.iri
            if not kind.keeps_segment:
                catalogue.by_id[f"{kind.segments[0]}/{ident}"] = member.iri
            slug = ident.rsplit("/", 1)[-1]
            if slug != ident:
                catalogue.by_slug.setdefault(slug, []).append(member.iri)
        if kind.label != str(SDO.name):
            return catalogue  # releases are named by their id, not by their headlines
        rows = self.store.select(
            PREFIXES
            + f"""SELECT ?item ?name ?code WHERE {{
              VALUES ?class {{ {" ".join(_iri_term(c) for c in kind.classes)} }} ?item a ?class .
              {{ ?item schema:name|schema:alternateName ?name }} UNION {{ ?item pm:lorCode ?code }}
            }}"""
        )
        for row in rows:
            if "code" in row:
                catalogue.by_code.setdefault(row["code"], []).append(row["item"])
            if "name" in row:
                found = catalogue.by_name.setdefault(sort_key(row["name"]), [])
                if row["item"] not in found:
                    found.append(row["item"])
        return catalogue

    def id_of(self, kind: Kind, iri: str) -> str | None:
        """The id of a member of ``kind`` in the API's paths, or None for an IRI outside the publisher's."""
        prefix = f"{self.base_uri}id/"
        if not iri.startswith(prefix) or "#" in iri:
            return None
        rest = iri[len(prefix) :]
        segment, _, tail = rest.partition("/")
        if segment not in kind.segments or not tail:
            return None
        return rest if kind.keeps_segment else tail

    def kind_of(self, iri: str) -> Kind | None:
        """The kind whose IRIs look like ``iri``."""
        prefix = f"{self.base_uri}id/"
        if not iri.startswith(prefix):
            return None
        segment = iri[len(prefix) :].partition("/")[0]
        return next((k for k in KINDS.values() if segment in k.segments), None)

    # ------------------------------------------------------------ listings

    def _members(self, kind: Kind) -> list[Member]:
        members: list[Member] = self._keep(("members", kind.name), lambda: self._read_members(kind))
        return members

    def _read_members(self, kind: Kind) -> list[Member]:
        # three plain queries are quicker than one with OPTIONALs: every member, then each sort key
        classes = f"VALUES ?class {{ {' '.join(_iri_term(c) for c in kind.classes)} }} ?item a ?class ."
        every = self.store.select(f"SELECT DISTINCT ?item WHERE {{ {classes} }}")
        labels: dict[str, str] = {}
        for row in self.store.select(f"SELECT ?item ?key WHERE {{ {classes} ?item {_iri_term(kind.label)} ?key }}"):
            known = labels.get(row["item"])
            labels[row["item"]] = row["key"] if known is None else min(known, row["key"])
        dates: dict[str, str] = {}
        if kind.date is not None:
            for row in self.store.select(f"SELECT ?item ?key WHERE {{ {classes} ?item {_iri_term(kind.date)} ?key }}"):
                dates[row["item"]] = max(dates.get(row["item"], ""), row["key"])
        members = []
        for row in every:
            iri = row["item"]
            if not iri.startswith(("http://", "https://")):
                continue  # a blank node is no member one can name
            label = labels.get(iri, iri)
            members.append(Member(iri, label, dates.get(iri, ""), sort_key(label)))
        return members

    def _ordered(self, kind: Kind, sort: Sort) -> list[str]:
        """Every member of ``kind`` in the order ``sort`` gives (for relevance: by date, newest first)."""

        def order() -> list[str]:
            members = self._members(kind)
            if sort.key == "label":
                ranked = sorted(members, key=lambda m: (m.key, m.iri), reverse=sort.descending)
            else:
                ranked = sorted(members, key=lambda m: (m.date, m.iri), reverse=sort.descending)
            return [m.iri for m in ranked]

        ordered: list[str] = self._keep(("order", kind.name, sort.name), order)
        return ordered

    def _filtered(self, query: ListQuery) -> set[str] | None:
        """What passes the SPARQL filters (members of the kind and perhaps other resources: what is listed is
        their intersection with the members), or None when no filter is given.

        One query per filter, intersected here: each is quick on its own and kept per state, where the store
        joins several path patterns in one query far more slowly."""
        found: set[str] | None = None
        for flt in query.filters:
            term = query.bindings[flt.variable]
            passing = self._passing(flt, term)
            found = set(passing) if found is None else found & passing
        return found

    def _passing(self, flt: Filter, term: Term) -> set[str]:
        """Every resource that passes ``flt`` with ``term`` bound to its variable."""
        sparql = f"{PREFIXES}SELECT DISTINCT ?item ?{flt.variable} WHERE {{\n  {flt.pattern}\n}}"

        def ask() -> set[str]:
            return {row["item"] for row in self.store.select(sparql, {flt.variable: term})}

        passing: set[str] = self._keep(("passing", flt.variable, flt.pattern, term.n3()), ask)
        return passing

    def _text_matches(self, text: str) -> list[str]:
        index = self.search_index()
        if index is None:
            raise StoreError("q: the published state has no search index; run 'publisher build' again")

        def matching() -> list[str]:
            try:
                return index.matching(text)
            except SearchTextError as exc:
                raise ParameterError("q", exc.message) from None

        found: list[str] = self._keep(("text", text), matching)
        return found

    def listing(self, query: ListQuery, root: str = "") -> Listing:
        """The page ``query`` asks for; links to the API start with ``root`` (the app's script root)."""
        kind = query.kind
        passed = self._filtered(query)
        if query.text is not None:
            hits = self._text_matches(query.text)
            if query.sort.key == "relevance":
                chosen = [iri for iri in hits if passed is None or iri in passed]
            else:
                found = set(hits)
                chosen = [iri for iri in self._ordered(kind, query.sort) if iri in found]
                chosen = [iri for iri in chosen if passed is None or iri in passed]
        else:
            ordered = self._ordered(kind, query.sort)
            chosen = ordered if passed is None else [iri for iri in ordered if iri in passed]
        paging = query.paging
        if paging.style == "page" and paging.page > page_count(len(chosen), paging.limit):
            raise NotFoundError(
                f"page: page {paging.page} does not exist (1 to {page_count(len(chosen), paging.limit)})"
            )
        page = chosen[paging.offset : paging.offset + paging.limit]
        graph = self._graph(kind, page, detail=False)
        items = [self._item(kind, graph, iri, root, detail=False) for iri in page]
        if query.text is not None and page:
            self._add_snippets(items, page, query.text)
        return Listing(query, len(chosen), items, graph)

    def _add_snippets(self, items: list[dict[str, Any]], page: list[str], text: str) -> None:
        """Each release's snippet for ``text``, from the bodies the search index holds (it answered the text)."""
        index = self.search_index()
        snippets = index.snippets(page, text) if index is not None else {}
        for item, iri in zip(items, page, strict=True):
            item["snippet"] = snippets.get(iri, "")

    # ------------------------------------------------------------ lookups

    def lookup(self, kind_name: str, ident: str, root: str = "") -> Item:
        """The member of ``kind_name`` with the id ``ident``; NotFoundError when there is none."""
        kind = KINDS[kind_name]
        iri = f"{self.base_uri}id/{ident}" if kind.keeps_segment else f"{self.base_uri}id/{kind.segments[0]}/{ident}"
        if self.id_of(kind, iri) != ident or not is_iri(iri) or not self._is_member(kind, iri):
            raise NotFoundError(f"no {kind.singular} with the id {shown(ident)} (see /api/{kind.name})")
        graph = self._graph(kind, [iri], detail=True)
        return Item(kind, iri, self._item(kind, graph, iri, root, detail=True), graph)

    def _is_member(self, kind: Kind, iri: str) -> bool:
        classes = " ".join(_iri_term(c) for c in kind.classes)
        return self.store.ask(f"ASK WHERE {{ VALUES ?class {{ {classes} }} ?item a ?class }}", {"item": URIRef(iri)})

    # ------------------------------------------------------------ reading items

    def _graph(self, kind: Kind, iris: list[str], detail: bool) -> Graph:
        """What the items ``iris`` say: their triples (a listing leaves out ``list_omits``), the type and name of
        everything they name, and the same for their parts, level by level (a listing: only the parts named by
        ``list_parts``). Every query is bound to the IRIs it asks about, which come from the store itself."""
        graph = Graph()
        frontier = sorted(iris)
        seen: set[str] = set()
        named: set[str] = set()
        for level in range(3):
            if not frontier:
                break
            omits = kind.list_omits if level == 0 and not detail else ()
            omit = f"FILTER(?p NOT IN ({', '.join(_iri_term(p) for p in omits)}))" if omits else ""
            self._construct(
                graph,
                f"CONSTRUCT {{ ?x ?p ?o }} WHERE {{ VALUES ?x {{ {' '.join(_iri_term(i) for i in frontier)} }} "
                f"?x ?p ?o . {omit} }}",
            )
            seen.update(frontier)
            objects = {
                str(o)
                for x in frontier
                for p, o in graph.predicate_objects(URIRef(x))
                if isinstance(o, URIRef) and p != RDF.type
            }
            self._add_names(graph, sorted(objects - seen - named))
            named |= objects
            parts: set[str] = set()
            for x in frontier:
                for p, o in graph.predicate_objects(URIRef(x)):
                    if not isinstance(o, URIRef) or str(o) in seen or p == RDF.type:
                        continue
                    if not detail and level == 0 and str(p) not in kind.list_parts:
                        continue
                    if _is_part(graph, x, o):
                        parts.add(str(o))
            frontier = sorted(parts)
        return graph

    def _construct(self, graph: Graph, sparql: str) -> None:
        read_ntriples(graph, self.store.query(sparql, "nt"))

    def _add_names(self, graph: Graph, iris: list[str]) -> None:
        """The types and names of ``iris``."""
        if not iris:
            return
        labels = " ".join(_iri_term(str(p)) for p in _LABELS)
        self._construct(
            graph,
            f"""CONSTRUCT {{ ?o a ?type . ?o ?label ?name }} WHERE {{
              VALUES ?o {{ {" ".join(_iri_term(i) for i in iris)} }}
              {{ ?o a ?type }} UNION {{ VALUES ?label {{ {labels} }} ?o ?label ?name }}
            }}""",
        )

    def _head(self, kind: Kind, iri: str, root: str) -> dict[str, Any]:
        ident = self.id_of(kind, iri)
        head: dict[str, Any] = {"id": ident, "iri": iri, "document": self.document_of(iri)}
        head["api"] = f"{root}/api/{kind.name}/{quote(ident, safe='/')}" if ident is not None else None
        return head

    def document_of(self, iri: str) -> str | None:
        """The URL of the Linked Data document about ``iri`` (for the publisher's own IRIs)."""
        prefix = f"{self.base_uri}id/"
        if not iri.startswith(prefix):
            return None
        return f"{self.base_uri}doc/{iri[len(prefix) :].partition('#')[0]}"

    def _ref(self, graph: Graph, node: URIRef, root: str) -> dict[str, Any]:
        kind = self.kind_of(str(node))
        ident = self.id_of(kind, str(node)) if kind is not None else None
        ref: dict[str, Any] = {"iri": str(node), "name": _label(graph, node)}
        if kind is not None and ident is not None:
            ref["id"] = ident
            ref["api"] = f"{root}/api/{kind.name}/{quote(ident, safe='/')}"
            ref["document"] = self.document_of(str(node))
        return ref

    def _refs(
        self, graph: Graph, subject: URIRef, props: Iterable[URIRef], root: str, types: Iterable[str] = ()
    ) -> list[dict[str, Any]]:
        wanted = {URIRef(t) for t in types}
        nodes = {
            o
            for p in props
            for o in graph.objects(subject, p)
            if isinstance(o, URIRef) and (not wanted or wanted & set(graph.objects(o, RDF.type)))
        }
        refs = [self._ref(graph, n, root) for n in nodes]
        return sorted(refs, key=lambda r: (sort_key(r["name"] or ""), r["iri"]))

    def _item(self, kind: Kind, graph: Graph, iri: str, root: str, detail: bool) -> dict[str, Any]:
        builders: dict[str, Callable[[Graph, URIRef, str, bool], dict[str, Any]]] = {
            "releases": self._release,
            "organisations": self._organisation,
            "people": self._person,
            "areas": self._area,
            "programmes": self._programme,
            "events": self._event,
        }
        return {**self._head(kind, iri, root), **builders[kind.name](graph, URIRef(iri), root, detail)}

    def _links(self, root: str, **queries: str) -> dict[str, str]:
        return {name: f"{root}/api/{target}" for name, target in queries.items()}

    def _release(self, g: Graph, s: URIRef, root: str, detail: bool) -> dict[str, Any]:
        programme_types = (str(SDO.FundingScheme), str(PM.FundingPhase))
        publisher = next((o for o in g.objects(s, SDO.publisher) if isinstance(o, URIRef)), None)
        item: dict[str, Any] = {
            "headline": _text(g, s, SDO.headline),
            "date_published": _text(g, s, SDO.datePublished),
            "date_modified": _text(g, s, SDO.dateModified),
            "number": _text(g, s, PM.pressReleaseNumber),
            "publisher": self._ref(g, publisher, root) if publisher is not None else None,
            "areas": self._refs(g, s, [SDO.spatialCoverage], root),
            "programmes": self._refs(g, s, [SDO.about, SDO.mentions], root, programme_types),
            "organisations": self._refs(g, s, [SDO.mentions], root, ORGANISATION_CLASSES),
            "people": self._refs(g, s, [SDO.mentions], root, [str(SDO.Person)]),
            "events": self._refs(g, s, [SDO.about], root, [str(SDO.Event)]),
        }
        if detail:
            quotations = []
            for part in sorted(o for o in g.objects(s, SDO.hasPart) if isinstance(o, URIRef)):
                speaker = next((o for o in g.objects(part, SDO.spokenByCharacter) if isinstance(o, URIRef)), None)
                quotations.append(
                    {
                        "text": _text(g, part, SDO.text),
                        "speaker": self._ref(g, speaker, root) if speaker is not None else None,
                    }
                )
            license_node = g.value(s, SDO.license)
            item.update(
                body=_text(g, s, SDO.articleBody),
                language=_text(g, s, SDO.inLanguage),
                license=str(license_node) if license_node is not None else None,
                quotations=quotations,
            )
        return item

    def _organisation(self, g: Graph, s: URIRef, root: str, detail: bool) -> dict[str, Any]:
        ident = self.id_of(KINDS["organisations"], str(s)) or ""
        parent = next((o for o in g.objects(s, SDO.parentOrganization) if isinstance(o, URIRef)), None)
        item: dict[str, Any] = {
            "name": _text(g, s, SDO.name),
            "alternate_names": _texts(g, s, SDO.alternateName),
            "types": sorted(str(t).rsplit("/", 1)[1] for t in g.objects(s, RDF.type) if str(t) in ORGANISATION_CLASSES),
            "parent": self._ref(g, parent, root) if parent is not None else None,
            "founded": _text(g, s, SDO.foundingDate),
            "dissolved": _text(g, s, SDO.dissolutionDate),
            "links": self._links(
                root,
                releases=f"releases?organisation={quote(ident, safe='/')}",
                people=f"people?organisation={quote(ident, safe='/')}",
                units=f"organisations?parent={quote(ident, safe='/')}",
            ),
        }
        if detail:
            item["units"] = self._refs(g, s, [SDO.subOrganization], root)
        return item

    def _person(self, g: Graph, s: URIRef, root: str, detail: bool) -> dict[str, Any]:
        ident = self.id_of(KINDS["people"], str(s)) or ""
        roles = []
        member_of = []
        role_types = {SDO.OrganizationRole, SDO.Role}
        for node in g.objects(s, SDO.memberOf):
            if not isinstance(node, URIRef):
                continue
            if role_types & set(g.objects(node, RDF.type)):
                organisation = next((o for o in g.objects(node, SDO.memberOf) if isinstance(o, URIRef)), None)
                roles.append(
                    {
                        "role": _text(g, node, SDO.roleName),
                        "organisation": self._ref(g, organisation, root) if organisation is not None else None,
                        "start": _text(g, node, SDO.startDate),
                        "end": _text(g, node, SDO.endDate),
                    }
                )
            else:
                member_of.append(self._ref(g, node, root))
        roles.sort(key=lambda r: (r["start"] or "", r["role"] or ""), reverse=True)
        return {
            "name": _text(g, s, SDO.name),
            "given_name": _text(g, s, SDO.givenName),
            "family_name": _text(g, s, SDO.familyName),
            "honorific_prefix": _text(g, s, SDO.honorificPrefix),
            "roles": roles,
            "member_of": sorted(member_of, key=lambda r: r["iri"]),
            "links": self._links(root, releases=f"releases?person={quote(ident, safe='/')}"),
        }

    def _area(self, g: Graph, s: URIRef, root: str, detail: bool) -> dict[str, Any]:
        ident = self.id_of(KINDS["areas"], str(s)) or ""
        item: dict[str, Any] = {
            "name": _text(g, s, SDO.name),
            "type": ident.partition("/")[0] or None,
            "code": _text(g, s, PM.lorCode),
            "parents": self._refs(g, s, [SDO.containedInPlace], root),
            "same_as": sorted(str(o) for o in g.objects(s, SDO.sameAs)),
            "links": self._links(
                root,
                releases=f"releases?area={quote(ident, safe='/')}",
                children=f"areas?parent={quote(ident, safe='/')}",
            ),
        }
        if detail:
            item["contains"] = self._refs(g, s, [SDO.containsPlace], root)
        return item

    def _programme(self, g: Graph, s: URIRef, root: str, detail: bool) -> dict[str, Any]:
        ident = self.id_of(KINDS["programmes"], str(s)) or ""
        return {
            "name": _text(g, s, SDO.name),
            "alternate_names": _texts(g, s, SDO.alternateName),
            "description": _text(g, s, SDO.description),
            "funders": self._refs(g, s, [SDO.funder], root),
            "phases": self._refs(g, s, [SDO.subOrganization], root),
            "founded": _text(g, s, SDO.foundingDate),
            "dissolved": _text(g, s, SDO.dissolutionDate),
            "links": self._links(
                root,
                releases=f"releases?programme={quote(ident, safe='/')}",
                events=f"events?programme={quote(ident, safe='/')}",
            ),
        }

    def _event(self, g: Graph, s: URIRef, root: str, detail: bool) -> dict[str, Any]:
        organizer = next((o for o in g.objects(s, SDO.organizer) if isinstance(o, URIRef)), None)
        place = next((o for o in g.objects(s, SDO.location) if isinstance(o, URIRef)), None)
        location = None
        if place is not None:
            address = next((o for o in g.objects(place, SDO.address) if isinstance(o, URIRef)), None)
            location = {
                "name": _text(g, place, SDO.name),
                "street": _text(g, address, SDO.streetAddress) if address is not None else None,
                "postal_code": _text(g, address, SDO.postalCode) if address is not None else None,
                "locality": _text(g, address, SDO.addressLocality) if address is not None else None,
            }
        return {
            "name": _text(g, s, SDO.name),
            "start": _text(g, s, SDO.startDate),
            "organizer": self._ref(g, organizer, root) if organizer is not None else None,
            "about": self._refs(g, s, [SDO.about], root),
            "releases": self._refs(g, s, [SDO.subjectOf], root),
            "location": location,
        }


def _is_part(graph: Graph, owner: str, node: URIRef) -> bool:
    """Whether ``node`` is described with ``owner``: a fragment of its document, or of a dependent class."""
    if str(node).startswith(owner.partition("#")[0] + "#"):
        return True
    return any(t in DEPENDENT for t in graph.objects(node, RDF.type))


def _literals(graph: Graph, subject: URIRef, prop: URIRef) -> list[Literal]:
    values = [v for v in graph.objects(subject, prop) if isinstance(v, Literal)]
    # German first, then untagged, then the rest
    return sorted(values, key=lambda v: (v.language != "de", v.language is not None, str(v)))


def _text(graph: Graph, subject: URIRef, prop: URIRef) -> str | None:
    values = _literals(graph, subject, prop)
    return str(values[0]) if values else None


def _texts(graph: Graph, subject: URIRef, prop: URIRef) -> list[str]:
    return sorted({str(v) for v in _literals(graph, subject, prop)}, key=sort_key)


def _label(graph: Graph, node: URIRef) -> str | None:
    for prop in _LABELS:
        value = _text(graph, node, prop)
        if value is not None:
            return value
    return None


#: W3C's Hydra vocabulary: what a JSON-LD listing says about its paging.
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
#: The context of the API's JSON-LD: the publisher's own, and Hydra for the paging.
JSONLD_CONTEXT: dict[str, Any] = {**CONTEXT, "hydra": str(HYDRA)}
#: Link relations -> Hydra's names for them.
_HYDRA_LINKS = {"first": HYDRA.first, "last": HYDRA.last, "prev": HYDRA.previous, "next": HYDRA.next}


def listing_graph(listing: Listing, collection: str, view: str, links: Mapping[str, str]) -> Graph:
    """The RDF of a page of a listing: its items' own data, and a Hydra collection ``collection`` (the listing
    without paging) whose view ``view`` (this page) links the other pages (``links``: rel -> absolute URL)."""
    graph = Graph()
    graph += listing.graph
    node, page = URIRef(collection), URIRef(view)
    graph.add((node, RDF.type, HYDRA.Collection))
    graph.add((node, HYDRA.totalItems, Literal(listing.total)))
    for item in listing.items:
        graph.add((node, HYDRA.member, URIRef(item["iri"])))
    graph.add((node, HYDRA.view, page))
    graph.add((page, RDF.type, HYDRA.PartialCollectionView))
    for rel, target in links.items():
        if rel in _HYDRA_LINKS:
            graph.add((page, _HYDRA_LINKS[rel], URIRef(target)))
    return graph


def jsonld(graph: Graph) -> Any:
    """A graph as compact JSON-LD against the API's context: expanded, it gives the IRIs of the Turtle."""
    bind_prefixes(graph)
    graph.bind("hydra", HYDRA, override=True, replace=True)
    return json.loads(graph.serialize(format="json-ld", context=JSONLD_CONTEXT, auto_compact=True))


def parse_date(parameter: str, raw: str) -> date:
    """An ISO date (YYYY-MM-DD) given in ``parameter``."""
    if not _ISO_DATE.fullmatch(raw):
        raise ParameterError(parameter, f"{shown(raw)} is not a date; give an ISO date YYYY-MM-DD, e.g. 2025-01-31")
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise ParameterError(parameter, f"{shown(raw)} is not a date ({exc}); give an ISO date YYYY-MM-DD") from None


__all__ = [
    "HYDRA",
    "JSONLD_CONTEXT",
    "Api",
    "Item",
    "ListQuery",
    "Listing",
    "Paging",
    "ParameterError",
    "jsonld",
    "listing_graph",
    "parse_date",
    "sort_key",
]
