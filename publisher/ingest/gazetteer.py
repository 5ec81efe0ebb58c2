"""Entity linking against the curated reference data in ``data/reference/``.

The reference data (Turtle) names every known organisation, unit, person, area, programme, funding phase and
field of action with its aliases. The gazetteer indexes those names by their tokens, with the inflected forms
German puts into running text ("Bezirksamtes Lichtenberg", "des Märkischen Viertels"), so a mention resolves to
the one IRI of its entity in every release.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from publisher.errors import ReferenceDataError
from publisher.namespaces import PM, SDO

ORG_CLASSES = {
    "GovernmentOrganization",
    "Organization",
    "Corporation",
    "NGO",
    "Project",
    "PoliticalParty",
}
AREA_CLASSES = {
    "Bezirk",
    "Prognoseraum",
    "Bezirksregion",
    "Planungsraum",
    "Ortsteil",
    "Quartier",
    "Strasse",
    "Gebaeude",
    "Freiflaeche",
    "City",
}

_OPEN = "„“\"«»‚‘'([{›‹"
_CLOSE = "“”\"»«‘’')]},.;:!?›‹"
_TOKEN = re.compile(r"(?<=[A-Za-zÄÖÜäöüß])/(?=[A-Za-zÄÖÜäöüß])|[^\s/]+(?:/(?![A-Za-zÄÖÜäöüß])[^\s/]*)*|/")
_DASHES = str.maketrans({"–": "-", "—": "-", "‑": "-", "‐": "-"})


@dataclass(frozen=True)
class Token:
    """A whitespace-separated token's core (punctuation stripped from the edges) and its offsets."""

    text: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    """Tokens with their cores' offsets in ``text``; punctuation at the edges is not part of a core."""
    tokens: list[Token] = []
    for m in _TOKEN.finditer(text):
        raw = m.group()
        lo, hi = 0, len(raw)
        while lo < hi and raw[lo] in _OPEN:
            lo += 1
        while hi > lo and raw[hi - 1] in _CLOSE:
            hi -= 1
        if hi > lo:
            tokens.append(Token(raw[lo:hi], m.start() + lo, m.start() + hi))
    return tokens


@lru_cache(maxsize=16384)
def normalize(text: str) -> str:
    """The key a name is indexed and looked up under: tokens' cores joined by single spaces (kept for the names
    met last: the same few hundred names are looked up in every release)."""
    text = unicodedata.normalize("NFC", text).translate(_DASHES)
    return " ".join(t.text for t in tokenize(text))


def fold(key: str) -> str:
    return key.casefold()


def case_sensitive(key: str) -> bool:
    """Short names and acronyms must match with their case ("BENN" is not the surname "Benn")."""
    letters = [c for c in key if c.isalpha()]
    return len(key) <= 5 or (bool(letters) and all(c.isupper() for c in letters))


@dataclass
class Role:
    iri: str
    name: str
    alternate: list[str]
    organisation: str | None
    start: date | None
    end: date | None


@dataclass
class Entity:
    """A curated entity as the extractor needs it."""

    iri: str
    cls: str
    name: str
    alternate: list[str] = field(default_factory=list)
    parent: str | None = None
    founded: date | None = None
    dissolved: date | None = None
    roles: list[Role] = field(default_factory=list)
    honorific: str | None = None
    parties: list[str] = field(default_factory=list)
    unit_name: str | None = None
    street_address: str | None = None

    @property
    def category(self) -> str:
        if self.cls in ORG_CLASSES:
            return "unit" if self.unit_name else "org"
        if self.cls in AREA_CLASSES:
            return "area"
        if self.cls in ("FundingScheme",):
            return "programme"
        if self.cls == "FundingPhase":
            return "phase"
        if self.cls == "FieldOfAction":
            return "field"
        if self.cls == "Person":
            return "person"
        return "other"

    def active_on(self, day: date) -> bool:
        return (self.founded is None or self.founded <= day) and (self.dissolved is None or day < self.dissolved)


def _local(iri: URIRef) -> str:
    text = str(iri)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _date(node: object) -> date | None:
    if not isinstance(node, Literal):
        return None
    text = str(node)
    try:
        if len(text) == 4:
            return date(int(text), 1, 1)
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


_WEAK_ER = {"Großer", "Kleiner", "Alter", "Neuer", "Langer", "Weißer", "Roter", "Grüner", "Schwarzer", "Hoher"}


def _inflections(key: str, category: str) -> Iterator[tuple[str, str]]:
    """Forms a name takes in running text, each with its base form: genitive -s/-es, weak adjective
    endings, and hyphen or space between the parts of an area name ("Hellersdorf Nord", "Hellersdorf-Nord")."""
    words = key.split(" ")
    if category in ("org", "programme"):
        head = words[0]
        if head[-1:].isalpha() and head[-1] not in "sxzß" and head[0].isupper():
            for suffix in ("s", "es"):
                yield " ".join([head + suffix, *words[1:]]), key
        if len(words) > 1 and re.search(r"(er|es|e)$", head) and head[:1].isupper():
            # "des Europäischen Fonds für regionale Entwicklung"
            second = words[1] + ("s" if words[1][-1:].isalpha() and words[1][-1] not in "sxzß" else "")
            weak = re.sub(r"(er|es|e)$", "en", head)
            yield " ".join([weak, *words[1:]]), key
            yield " ".join([weak, second, *words[2:]]), key
    if category != "area":
        return
    spellings = [key]
    if len(words) > 1 and all(w[:1].isupper() for w in words):
        spellings.append("-".join(words))
    if "-" in key and " " not in key and all(p[:1].isupper() for p in key.split("-")):
        spellings.append(key.replace("-", " "))
    for spelling in spellings:
        if spelling != key:
            yield spelling, spelling
        parts = spelling.split(" ")
        last = parts[-1]
        if last[-1:].isalpha() and last[-1] not in "sxzß":
            yield " ".join([*parts[:-1], last + "s"]), spelling
        adjectives = [
            i for i, w in enumerate(parts[:-1]) if w[:1].isupper() and (re.search(r"(e|es)$", w) or w in _WEAK_ER)
        ]
        if adjectives:
            inflected = list(parts)
            for i in adjectives:
                inflected[i] = re.sub(r"(es|er|e)$", "en", parts[i])
            yield " ".join(inflected), spelling
            yield " ".join([*inflected[:-1], inflected[-1] + "s"]), spelling


class Gazetteer:
    """Every curated name and alias, looked up by token n-grams."""

    def __init__(self, entities: Iterable[Entity]) -> None:
        self.entities: dict[str, Entity] = {e.iri: e for e in entities}
        self._exact: dict[str, list[str]] = {}
        self.base_forms: dict[str, str] = {}
        self._folded: dict[str, list[str]] = {}
        self.units: dict[str, list[Entity]] = {}
        self._lengths: dict[str, set[int]] = {}
        for entity in self.entities.values():
            category = entity.category
            if category == "unit":
                self.units.setdefault(entity.parent or "", []).append(entity)
                continue
            if category == "other":
                continue
            names = [entity.name, *entity.alternate]
            if category == "person" and entity.honorific:
                names.append(f"{entity.honorific} {entity.name}")
            for name in names:
                key = normalize(name)
                if not key:
                    continue
                # programme names are proper names: "Sozialer Zusammenhalt", not "den sozialen Zusammenhalt"
                exact = category == "programme"
                self._add(key, entity.iri, exact)
                for form, base in _inflections(key, category):
                    self._add(form, entity.iri, exact)
                    self.base_forms.setdefault(form, base)

    def _add(self, key: str, iri: str, exact: bool = False) -> None:
        length = key.count(" ") + 1
        self._lengths.setdefault(fold(key.split(" ", 1)[0]), set()).add(length)
        bucket = self._exact.setdefault(key, [])
        if iri not in bucket:
            bucket.append(iri)
        if not exact and not case_sensitive(key):
            folded = self._folded.setdefault(fold(key), [])
            if iri not in folded:
                folded.append(iri)

    def lookup(self, key: str) -> list[str]:
        """IRIs whose name or alias is ``key`` (already normalised)."""
        found = self._exact.get(key)
        if found:
            return found
        return self._folded.get(fold(key), [])

    def base_form(self, key: str) -> str:
        """The uninflected form of a looked-up key ("Kölner Viertels" -> "Kölner Viertel")."""
        return self.base_forms.get(key, key)

    def get(self, iri: str) -> Entity:
        return self.entities[iri]

    def find_by_name(self, name: str, category: str | None = None) -> Entity | None:
        for iri in self.lookup(normalize(name)):
            entity = self.entities[iri]
            if category is None or entity.category == category:
                return entity
        return None

    def unit_of(self, parent: str, short_names: Iterable[str]) -> Entity | None:
        """The curated unit of ``parent`` that has one of ``short_names``."""
        wanted = {fold(normalize(n)) for n in short_names}
        for unit in self.units.get(parent, []):
            names = {fold(normalize(n)) for n in [unit.name, *unit.alternate, unit.unit_name or ""]}
            if names & wanted:
                return unit
        return None

    def matches(self, tokens: list[Token], taken: set[int] | None = None) -> Iterator[tuple[int, int, list[str]]]:
        """Longest matches over ``tokens``: (first token, last token + 1, IRIs)."""
        taken = taken or set()
        i = 0
        n = len(tokens)
        while i < n:
            lengths = self._lengths.get(fold(tokens[i].text.translate(_DASHES)))
            if i in taken or not lengths:
                i += 1
                continue
            best: tuple[int, list[str]] | None = None
            for length in sorted(lengths, reverse=True):
                if length > n - i or any((i + k) in taken for k in range(length)):
                    continue
                key = " ".join(t.text for t in tokens[i : i + length]).translate(_DASHES)
                found = self.lookup(key)
                if found:
                    best = (length, found)
                    break
            if best:
                yield i, i + best[0], best[1]
                i += best[0]
            else:
                i += 1


def load_reference(paths: Iterable[Path], base_uri: str, sources: dict[str, str] | None = None) -> Graph:
    """The curated reference data as one graph, relative IRIs resolved against ``base_uri``. ``sources``, when
    given, is filled with the file ("reference/NAME.ttl") that first describes each subject."""
    graph = Graph()
    for path in sorted(paths):
        known = set(graph.subjects()) if sources is not None else set()
        try:
            graph.parse(path, format="turtle", publicID=base_uri)
        except Exception as exc:  # rdflib raises many parser-specific types
            raise ReferenceDataError(f"{path}: not valid Turtle: {exc}") from None
        if sources is not None:
            for subject in set(graph.subjects()) - known:
                sources.setdefault(str(subject), f"reference/{path.name}")
    return graph


def build_gazetteer(graph: Graph) -> Gazetteer:
    """Index the entities of the reference graph."""
    entities: dict[str, Entity] = {}
    for subject, cls in graph.subject_objects(RDF.type):
        if not isinstance(subject, URIRef) or not isinstance(cls, URIRef):
            continue
        if not (str(cls).startswith(str(SDO)) or str(cls).startswith(str(PM))):
            continue
        local = _local(cls)
        if local in ("OrganizationRole", "DefinedTermSet", "PostalAddress", "ContactPoint"):
            continue
        name = graph.value(subject, SDO.name)
        if name is None:
            raise ReferenceDataError(f"reference data: {subject} has no schema:name")
        iri = str(subject)
        entity = entities.get(iri)
        if entity is None:
            entity = Entity(iri=iri, cls=local, name=str(name))
            entities[iri] = entity
        elif local in ("FundingPhase", "FieldOfAction"):
            entity.cls = local
    for iri, entity in entities.items():
        subject = URIRef(iri)
        entity.alternate = sorted(str(a) for a in graph.objects(subject, SDO.alternateName))
        parent = graph.value(subject, SDO.parentOrganization)
        entity.parent = str(parent) if parent is not None else None
        entity.founded = _date(graph.value(subject, SDO.foundingDate))
        entity.dissolved = _date(graph.value(subject, SDO.dissolutionDate))
        address = graph.value(subject, SDO.address)
        if address is not None:
            street = graph.value(address, SDO.streetAddress)
            entity.street_address = str(street) if street is not None else None
        honorific = graph.value(subject, SDO.honorificPrefix)
        entity.honorific = str(honorific) if honorific else None
        if entity.cls in ORG_CLASSES and entity.parent and entity.parent in entities:
            parent_entity = entities[entity.parent]
            if parent_entity.cls in ORG_CLASSES and entity.name.startswith(parent_entity.name + ", "):
                entity.unit_name = entity.name[len(parent_entity.name) + 2 :]
        if entity.cls == "Person":
            for member in graph.objects(subject, SDO.memberOf):
                if (member, RDF.type, SDO.OrganizationRole) in graph:
                    org = graph.value(member, SDO.memberOf)
                    entity.roles.append(
                        Role(
                            iri=str(member),
                            name=str(graph.value(member, SDO.roleName) or ""),
                            alternate=sorted(str(a) for a in graph.objects(member, SDO.alternateName)),
                            organisation=str(org) if org is not None else None,
                            start=_date(graph.value(member, SDO.startDate)),
                            end=_date(graph.value(member, SDO.endDate)),
                        )
                    )
                elif isinstance(member, URIRef):
                    entity.parties.append(str(member))
    return Gazetteer(entities.values())
