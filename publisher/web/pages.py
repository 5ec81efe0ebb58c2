"""What the HTML pages show: a resource's description turned into labelled rows, links and sections.

Pure functions from graphs to plain data; the templates only lay it out. Every literal reaches the page through
Jinja's escaping; every link target is one of the publisher's own paths or an http(s), mailto or tel URL, and any
other IRI (``javascript:``, ``data:``) is shown as text, never as a link.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from babel.dates import format_date, format_datetime
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from publisher.namespaces import AREA_CLASSES, ORGANISATION_CLASSES, PM, SDO
from publisher.resources import DEPENDENT, Description, best_label, label_of
from publisher.sparql.spatial import GEO, WKT_LITERAL

#: German names of the classes the publisher publishes.
CLASS_LABELS: dict[URIRef, str] = {
    PM.PressRelease: "Pressemitteilung",
    SDO.NewsArticle: "Nachrichtenartikel",
    SDO.GovernmentOrganization: "Behörde",
    SDO.Corporation: "Unternehmen",
    SDO.NGO: "Nichtregierungsorganisation",
    SDO.PoliticalParty: "Partei",
    SDO.Organization: "Organisation",
    SDO.Project: "Projekt",
    SDO.Person: "Person",
    SDO.OrganizationRole: "Funktion",
    SDO.Role: "Rolle",
    SDO.FundingScheme: "Förderprogramm",
    PM.FundingPhase: "Förderphase",
    PM.FieldOfAction: "Handlungsfeld",
    SDO.DefinedTermSet: "Begriffssammlung",
    SDO.Event: "Veranstaltung",
    SDO.Quotation: "Zitat",
    SDO.ContactPoint: "Kontakt",
    SDO.PostalAddress: "Postanschrift",
    SDO.ImageObject: "Bild",
    SDO.DigitalDocument: "Quelldokument",
    SDO.City: "Stadt",
    SDO.Place: "Ort",
    PM.Bezirk: "Bezirk",
    PM.Prognoseraum: "Prognoseraum",
    PM.Bezirksregion: "Bezirksregion",
    PM.Planungsraum: "Planungsraum",
    PM.Ortsteil: "Ortsteil",
    PM.Quartier: "Quartier",
    PM.Strasse: "Straße oder Platz",
    PM.Gebaeude: "Gebäude oder Einrichtung",
    PM.Freiflaeche: "Freifläche oder Gewässer",
}

#: German names of properties, in the order a page lists them.
PROPERTY_LABELS: dict[URIRef, str] = {
    SDO.headline: "Überschrift",
    SDO.name: "Name",
    SDO.alternateName: "Auch",
    SDO.honorificPrefix: "Titel",
    SDO.givenName: "Vorname",
    SDO.familyName: "Nachname",
    SDO.roleName: "Funktion",
    SDO.description: "Beschreibung",
    SDO.datePublished: "Veröffentlicht",
    SDO.dateModified: "Geändert",
    SDO.startDate: "Beginn",
    SDO.endDate: "Ende",
    SDO.foundingDate: "Gegründet / Beginn",
    SDO.dissolutionDate: "Aufgelöst / Ende",
    SDO.publisher: "Herausgeber",
    SDO.funder: "Geldgeber",
    SDO.organizer: "Veranstalter",
    SDO.location: "Ort",
    SDO.about: "Thema",
    SDO.mentions: "Erwähnt",
    SDO.spatialCoverage: "Gebiet",
    SDO.areaServed: "Zuständig für",
    SDO.parentOrganization: "Übergeordnet",
    SDO.subOrganization: "Untereinheiten",
    SDO.memberOf: "Mitglied von",
    SDO.containedInPlace: "Liegt in",
    SDO.containsPlace: "Umfasst",
    SDO.geo: "Lage",
    SDO.latitude: "Breite",
    SDO.longitude: "Länge",
    URIRef(GEO + "hasGeometry"): "Umriss",
    URIRef(GEO + "asWKT"): "Geometrie",
    PM.lorCode: "LOR-Schlüssel",
    PM.fieldOfAction: "Handlungsfeld",
    PM.pressReleaseNumber: "Nummer",
    SDO.identifier: "Kennung",
    SDO.contactPoint: "Kontakt",
    PM.pressContact: "Pressekontakt",
    SDO.telephone: "Telefon",
    SDO.faxNumber: "Fax",
    SDO.email: "E-Mail",
    SDO.address: "Anschrift",
    SDO.streetAddress: "Straße",
    SDO.postalCode: "Postleitzahl",
    SDO.addressLocality: "Ort",
    SDO.addressCountry: "Land",
    SDO.contactType: "Art",
    SDO.hasPart: "Teile",
    SDO.isPartOf: "Teil von",
    SDO.spokenByCharacter: "Gesprochen von",
    SDO.text: "Text",
    SDO.image: "Bild",
    SDO.creditText: "Nachweis",
    SDO.inLanguage: "Sprache",
    SDO.license: "Lizenz",
    SDO.isBasedOn: "Quelle",
    SDO.subjectOf: "Beschrieben in",
    SDO.inDefinedTermSet: "Begriffssammlung",
    SDO.hasDefinedTerm: "Begriffe",
    SDO.sha256: "SHA-256",
    SDO.encodingFormat: "Format",
    SDO.url: "Website",
    SDO.sameAs: "Dasselbe wie",
    SDO.articleBody: "Text",
}
#: German headings for what links to a resource, by the linking property.
INCOMING_LABELS: dict[URIRef, str] = {
    SDO.mentions: "Erwähnt in",
    SDO.about: "Thema von",
    SDO.spatialCoverage: "Pressemitteilungen zu diesem Gebiet",
    SDO.publisher: "Herausgegebene Pressemitteilungen",
    SDO.areaServed: "Zuständig für dieses Gebiet",
    SDO.containedInPlace: "Umfasst",
    SDO.containsPlace: "Liegt in",
    SDO.parentOrganization: "Untereinheiten",
    SDO.subOrganization: "Übergeordnet",
    SDO.memberOf: "Mitglieder und Funktionen",
    SDO.funder: "Finanziert",
    SDO.organizer: "Veranstaltet",
    SDO.location: "Ort von",
    SDO.spokenByCharacter: "Zitate",
    SDO.isPartOf: "Teile",
    SDO.subjectOf: "Beschreibt",
    SDO.inDefinedTermSet: "Begriffe",
    PM.fieldOfAction: "Programme in diesem Handlungsfeld",
    PM.pressContact: "Pressekontakt für",
    SDO.contactPoint: "Kontakt von",
    SDO.isBasedOn: "Grundlage von",
}

_SAFE_SCHEMES = ("http", "https", "mailto", "tel")
_ROLES = (SDO.OrganizationRole, SDO.Role)
#: Class IRIs as strings: a page tests the types of every resource it names, and strings compare in C.
_ROLE_IRIS = frozenset(str(c) for c in _ROLES)
_DEPENDENT_IRIS = frozenset(str(c) for c in DEPENDENT)
_CLASS_IRIS = [(str(c), label) for c, label in CLASS_LABELS.items()]
_PRESS_RELEASE = str(PM.PressRelease)
_TYPE = RDF.type
#: Shown in the article itself, not again in the table of a press release.
_ARTICLE_PROPERTIES = frozenset(
    {SDO.headline, SDO.articleBody, SDO.hasPart, PM.pressContact, SDO.image, SDO.datePublished}
)


@dataclass(frozen=True)
class Value:
    """One value as a page shows it: text, and where it leads (None: not a link)."""

    text: str
    href: str | None = None
    lang: str | None = None
    iri: str | None = None
    kind: str | None = None  # the German class name of a linked resource

    @property
    def external(self) -> bool:
        return self.href is not None and not self.href.startswith("/")


@dataclass
class Row:
    label: str
    values: list[Value]


@dataclass
class Part:
    """A dependent resource shown inside the page: a press contact."""

    anchor: str | None
    title: str
    rows: list[Row]


@dataclass
class ResourcePage:
    iri: str
    title: str
    lang: str | None
    kinds: list[str]
    layout: str  # release | area | organisation | person | resource
    rows: list[Row]
    incoming: list[Row]
    incoming_total: int
    page: int
    pages: int
    article: dict[str, object] = field(default_factory=dict)


class Linker:
    """Turns IRIs into link targets: the publisher's own resources into paths of this server."""

    def __init__(self, base_uri: str, script_root: str = "") -> None:
        self.base_uri = base_uri
        self.root = script_root.rstrip("/")

    def href(self, iri: str) -> str | None:
        if iri.startswith(self.base_uri):
            rest = iri[len(self.base_uri) :]
            path, _, fragment = rest.partition("#")
            if path.startswith("id/"):
                path = "doc/" + path[3:]
            # an IRI becomes a URI: characters outside ASCII are percent-encoded, percent-encodings stay
            target = self.root + "/" + quote(path, safe="/:@!$&'()*+,;=-._~%")
            return target + ("#" + quote(fragment, safe="-._~%") if fragment else "")
        scheme = urlsplit(iri).scheme.lower()
        return iri if scheme in _SAFE_SCHEMES else None

    def doc_path(self, iri: str) -> str:
        """The local path of the document about ``iri`` (no fragment)."""
        href = self.href(iri.partition("#")[0])
        assert href is not None and href.startswith("/")
        return href


def _iris(nodes: Iterable[Any]) -> set[str]:
    return {str(n) for n in nodes if isinstance(n, URIRef)}


def _kinds(types: set[str]) -> list[str]:
    """The German names of the classes among ``types`` (IRIs), in the order of ``CLASS_LABELS``."""
    known = [label for iri, label in _CLASS_IRIS if iri in types]
    if _PRESS_RELEASE in types and "Nachrichtenartikel" in known:
        known.remove("Nachrichtenartikel")
    return known


def format_literal(value: Literal) -> str:
    """A literal as German readers expect it: dates spelled out, times with the clock, everything else as is."""
    python = value.toPython()
    try:
        if value.datatype == XSD.date and isinstance(python, dt.date):
            return format_date(python, "d. MMMM y", locale="de_DE")
        if value.datatype == XSD.dateTime and isinstance(python, dt.datetime):
            return format_datetime(python, "d. MMMM y, HH:mm 'Uhr'", locale="de_DE")
    except (ValueError, TypeError):
        pass
    return str(value)


def german_number(n: int) -> str:
    """12345 as "12.345"."""
    return f"{n:,}".replace(",", ".")


def short_text(text: str, length: int = 120) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


#: GeoSPARQL's datatype of outlines in Well-Known Text, and one vertex of an outline: two numbers.
_WKT = URIRef(WKT_LITERAL)
_VERTEX = re.compile(r"-?[\d.]+(?:[eE]-?\d+)?\s+-?[\d.]+")


class _Lookup:
    """A description graph's triples by subject and property, read in one pass: a page looks up the types and
    labels of every resource it names, and a look-up here takes a fraction of one in the graph. The values of a
    subject and property come in the order the graph gives them."""

    def __init__(self, graph: Graph) -> None:
        self.spo: dict[Any, dict[Any, list[Any]]] = {}
        for s, p, o in graph:
            self.spo.setdefault(s, {}).setdefault(p, []).append(o)

    def objects(self, subject: Any, prop: Any) -> list[Any]:
        return self.spo.get(subject, {}).get(prop, [])

    def label(self, node: Any) -> Literal | None:
        """As ``label_literal`` finds it."""
        return best_label(lambda prop: self.objects(node, prop))

    def label_text(self, node: Any) -> str | None:
        found = self.label(node)
        return str(found) if found is not None else None


class PageBuilder:
    """Builds the view of one description."""

    def __init__(self, description: Description, linker: Linker) -> None:
        self.description = description
        self.graph = description.graph
        self.linker = linker
        self.subject = URIRef(description.iri)
        self.lookup = _Lookup(self.graph)

    def value(self, node: object) -> Value:
        if isinstance(node, URIRef) and self._is_role(node):
            return self._role(node)
        if isinstance(node, Literal) and node.datatype == _WKT:
            # an outline is thousands of coordinates: the page names it, the data formats and GeoJSON hold it
            points = german_number(len(_VERTEX.findall(str(node))))
            return Value(f"Umriss aus {points} Punkten (WKT; vollständig in den Datenformaten und als GeoJSON)")
        if isinstance(node, Literal):
            return Value(format_literal(node), lang=node.language)
        if isinstance(node, URIRef):
            iri = str(node)
            label = self.lookup.label_text(node)
            kinds = _kinds(_iris(self.lookup.objects(node, _TYPE)))
            text = short_text(label) if label else iri
            return Value(text, self.linker.href(iri), iri=iri, kind=kinds[0] if kinds else None)
        label = self.lookup.label_text(node) if isinstance(node, BNode) else None
        return Value(label or "(ohne Namen)")

    def rows(
        self, node: URIRef | BNode, skip: Iterable[URIRef] = (), expand: bool = False, depth: int = 0
    ) -> list[Row]:
        """The node's properties as labelled rows; with ``expand``, dependent values (an address) are shown by
        their own rows instead of a link."""
        skipped = {RDF.type, *skip}
        by_property: dict[URIRef, list[Value]] = {}
        nested: list[Row] = []
        for prop, obj in ((p, o) for p, values in self.lookup.spo.get(node, {}).items() for o in values):
            if not isinstance(prop, URIRef) or prop in skipped:
                continue
            expandable = isinstance(obj, BNode) or (isinstance(obj, URIRef) and not self._is_role(obj))
            if expand and expandable and depth < 2 and obj != node and self._dependent(obj):
                assert isinstance(obj, URIRef | BNode)
                label = self.property_label(prop)
                inner = self.rows(obj, expand=True, depth=depth + 1)
                nested.extend(Row(f"{label}: {r.label}", r.values) for r in inner)
                continue
            by_property.setdefault(prop, []).append(self.value(obj))
        order = list(PROPERTY_LABELS)
        ranked = sorted(by_property, key=lambda p: (order.index(p) if p in PROPERTY_LABELS else len(order), str(p)))
        rows = [Row(self.property_label(p), sorted(by_property[p], key=lambda v: v.text.lower())) for p in ranked]
        return rows + nested

    def property_label(self, prop: URIRef) -> str:
        if prop in PROPERTY_LABELS:
            return PROPERTY_LABELS[prop]
        return self.graph.namespace_manager.normalizeUri(prop) if ":" in str(prop) else str(prop)

    def _is_role(self, node: URIRef) -> bool:
        return not _ROLE_IRIS.isdisjoint(_iris(self.lookup.objects(node, _TYPE)))

    def _dependent(self, node: object) -> bool:
        if isinstance(node, BNode):
            return True
        if not isinstance(node, URIRef):
            return False
        if str(node).startswith(self.description.iri + "#"):
            return True
        return not _DEPENDENT_IRIS.isdisjoint(_iris(self.lookup.objects(node, _TYPE)))

    def incoming(self) -> list[Row]:
        groups: dict[URIRef, list[Value]] = {}
        linked = {o for values in self.lookup.spo.get(self.subject, {}).values() for o in values}
        for subject, prop in self.graph.subject_predicates(self.subject):
            if not isinstance(subject, URIRef) or str(subject).startswith(self.description.iri + "#"):
                continue
            if subject in linked:
                continue  # already on the page, among the resource's own links
            if isinstance(prop, URIRef):
                groups.setdefault(prop, []).append(self._incoming_value(subject))
        rows = []
        for prop in sorted(groups, key=lambda p: INCOMING_LABELS.get(p, "~" + str(p))):
            label = INCOMING_LABELS.get(prop, f"Verweist über {self.property_label(prop)}")
            rows.append(Row(label, sorted(groups[prop], key=lambda v: v.text.lower())))
        return rows

    def _incoming_value(self, subject: URIRef) -> Value:
        """A resource that links here; a role is shown as the person who holds it, with the role's name."""
        if self._is_role(subject):
            people = list(self.graph.subjects(SDO.memberOf, subject))
            role = self.lookup.label_text(subject) or "Funktion"
            dates = self._period(subject)
            if people:
                person = self.value(people[0])
                return Value(f"{person.text} ({role}{dates})", person.href, iri=person.iri, kind="Person")
            return Value(f"{role}{dates}", self.linker.href(str(subject)), iri=str(subject), kind="Funktion")
        return self.value(subject)

    def _role(self, role: URIRef) -> Value:
        """A role held: its name and period, leading to the organisation it is held in."""
        name = self.lookup.label_text(role) or "Funktion"
        organisation = next(iter(self.lookup.objects(role, SDO.memberOf)), None)
        if isinstance(organisation, URIRef):
            target = self.value(organisation)
            return Value(f"{name}{self._period(role)}: {target.text}", target.href, iri=target.iri, kind=target.kind)
        return Value(f"{name}{self._period(role)}", self.linker.href(str(role)), iri=str(role), kind="Funktion")

    def _speaker(self, node: object) -> Value:
        """Who is quoted: a person, or a role described only inside the release (shown by its name)."""
        if isinstance(node, BNode) or str(node).startswith(self.description.iri + "#"):
            if not isinstance(node, URIRef | BNode):
                return Value("")
            return Value(self.lookup.label_text(node) or "(Funktion)")
        return self.value(node)

    def _period(self, role: URIRef) -> str:
        start = next(iter(self.lookup.objects(role, SDO.startDate)), None)
        end = next(iter(self.lookup.objects(role, SDO.endDate)), None)
        if start is None and end is None:
            return ""
        # years suffice here
        return f", {str(start)[:4] if start is not None else ''}–{str(end)[:4] if end is not None else ''}"

    def build(self) -> ResourcePage:
        types = set(self.lookup.objects(self.subject, RDF.type))
        if PM.PressRelease in types or SDO.NewsArticle in types:
            layout = "release"
        elif types & AREA_CLASSES:
            layout = "area"
        elif types & ORGANISATION_CLASSES:
            layout = "organisation"
        elif SDO.Person in types:
            layout = "person"
        else:
            layout = "resource"
        title = self.lookup.label(self.subject)
        skip = _ARTICLE_PROPERTIES if layout == "release" else frozenset()
        page = ResourcePage(
            iri=self.description.iri,
            title=str(title) if title is not None else self.description.iri,
            lang=title.language if title is not None else None,
            kinds=_kinds(_iris(types)),
            layout=layout,
            rows=self.rows(self.subject, skip, expand=True),
            incoming=self.incoming(),
            incoming_total=self.description.incoming_total,
            page=self.description.page,
            pages=self.description.pages,
        )
        if layout == "release":
            page.article = self.article()
        return page

    def article(self) -> dict[str, object]:
        """A press release as an article: date, body paragraphs, quotations, image credit, press contacts."""
        graph, subject = self.graph, self.subject
        body = next(iter(graph.objects(subject, SDO.articleBody)), None)
        paragraphs = [p.strip() for p in str(body or "").splitlines() if p.strip()]
        quotations = []
        for part in sorted(graph.objects(subject, SDO.hasPart), key=str):
            if (part, RDF.type, SDO.Quotation) not in graph:
                continue
            speakers = [self._speaker(node) for node in graph.objects(part, SDO.spokenByCharacter)]
            quotations.append(
                {
                    "anchor": str(part).partition("#")[2],
                    "text": str(next(iter(graph.objects(part, SDO.text)), "")),
                    "speakers": speakers,
                }
            )
        image = next(iter(graph.objects(subject, SDO.image)), None)
        credit = next(iter(graph.objects(image, SDO.creditText)), None) if image is not None else None
        contacts = [
            Part(None, label_of(graph, c) or "Pressekontakt", self.rows(c, skip=(SDO.name,), expand=True))
            for c in sorted(graph.objects(subject, PM.pressContact), key=str)
            if isinstance(c, URIRef | BNode)
        ]
        published = next(iter(graph.objects(subject, SDO.datePublished)), None)
        return {
            "date": format_literal(published) if isinstance(published, Literal) else None,
            "paragraphs": paragraphs,
            "quotations": quotations,
            "credit": str(credit) if credit is not None else None,
            "contacts": contacts,
        }


def json_ld_script(document: Any) -> str:
    """A JSON-LD document as text that can stand inside <script>: "<", ">" and "&" (which occur only inside JSON
    strings) are written as JSON escapes, so nothing in the data can close the element or open a comment."""
    return script_text(json.dumps(document, ensure_ascii=False))


def script_text(text: str) -> str:
    """JSON text as it can stand inside <script> (see ``json_ld_script``)."""
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def resource_page(description: Description, linker: Linker) -> ResourcePage:
    return PageBuilder(description, linker).build()


__all__ = [
    "CLASS_LABELS",
    "INCOMING_LABELS",
    "PROPERTY_LABELS",
    "Linker",
    "Part",
    "ResourcePage",
    "Row",
    "Value",
    "format_literal",
    "json_ld_script",
    "resource_page",
    "script_text",
    "short_text",
]
