"""What the JSON API offers, as data: its kinds of resources, their parameters, filters and sort orders.

One table serves three readers: the parser (``publisher.api.core``) validates requests against it, the query
builder compiles its filters to SPARQL, and the OpenAPI document and the docs page describe it. A filter is a
SPARQL group pattern over ``?item`` that names one variable, ``?<variable>``; the value a request gives is bound
to that variable (``Store.query(..., bindings=...)``) and never becomes query text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from publisher.namespaces import PM, SDO

#: Prefixes every query of the API starts with.
PREFIXES = f"PREFIX schema: <{SDO}>\nPREFIX pm: <{PM}>\n"


@dataclass(frozen=True)
class Param:
    """A query parameter: its name, what kind of value it takes, and what it does (in English for the OpenAPI
    document, in German for the docs page)."""

    name: str
    #: "text", "date", "integer", "choice" or "reference" (to a resource of the kind named by ``refers_to``)
    type: str
    description: str
    german: str
    choices: tuple[str, ...] = ()
    refers_to: str | None = None
    example: str | None = None


@dataclass(frozen=True)
class Filter:
    """A parameter that narrows a listing: ``pattern`` holds for the items that pass, with the parameter's value
    bound to ``?variable``."""

    param: Param
    variable: str
    pattern: str


@dataclass(frozen=True)
class Sort:
    """A sort order: the member key it sorts by ("date", "label" or "relevance") and its direction."""

    name: str
    key: str
    descending: bool
    german: str


@dataclass(frozen=True)
class Kind:
    """A kind of resource the API lists and looks up."""

    #: The path segment under /api/ ("releases").
    name: str
    #: Singular, for the OpenAPI document ("release") and the schema names.
    singular: str
    german: str
    classes: tuple[str, ...]
    #: The first segments of the kind's IRIs after ``{base}id/``; an item's id is the rest of its IRI (for a kind
    #: with several segments, such as areas, the id keeps the segment: "bezirk/treptow-koepenick").
    segments: tuple[str, ...]
    label: str
    #: The property whose value dates an item, or None.
    date: str | None
    filters: tuple[Filter, ...]
    sorts: tuple[Sort, ...]
    #: Properties whose values are fetched with a listed item as its parts (roles of a person, the place of an
    #: event); an item looked up alone comes with all its parts.
    list_parts: tuple[str, ...] = ()
    #: Properties left out of a listed item (a release's body).
    list_omits: tuple[str, ...] = ()
    #: Extra example requests for the docs page: (path and query, what it shows in German).
    examples: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @property
    def keeps_segment(self) -> bool:
        return len(self.segments) > 1

    def filter(self, name: str) -> Filter | None:
        return next((f for f in self.filters if f.param.name == name), None)


# ---------------------------------------------------------------- parameters every listing shares

PAGE = Param("page", "integer", "Page number, from 1.", "Seitennummer, ab 1.", example="2")
PER_PAGE = Param(
    "per_page",
    "integer",
    "Entries per page (default: the setting PUBLISHER_PAGE_SIZE; at most PUBLISHER_API_MAX_PAGE_SIZE).",
    "Einträge je Seite (Vorgabe: Einstellung PUBLISHER_PAGE_SIZE; höchstens PUBLISHER_API_MAX_PAGE_SIZE).",
    example="20",
)
LIMIT = Param(
    "limit",
    "integer",
    "Entries to answer, instead of per_page (at most PUBLISHER_API_MAX_PAGE_SIZE).",
    "Anzahl der Einträge, statt per_page (höchstens PUBLISHER_API_MAX_PAGE_SIZE).",
    example="10",
)
OFFSET = Param(
    "offset",
    "integer",
    "Entries to skip, from 0; with limit, instead of page.",
    "Zu überspringende Einträge, ab 0; mit limit, statt page.",
    example="10",
)
FORMAT = Param(
    "format",
    "choice",
    "The representation: plain JSON or JSON-LD; beats the Accept header.",
    "Die Darstellung: einfaches JSON oder JSON-LD; hat Vorrang vor dem Accept-Header.",
    choices=("json", "jsonld"),
    example="jsonld",
)
PAGING = (PAGE, PER_PAGE, LIMIT, OFFSET)


def _sort_param(kind_sorts: tuple[Sort, ...], default: str) -> Param:
    return Param(
        "sort",
        "choice",
        f"Order of the entries (default: {default}).",
        f"Reihenfolge der Einträge (Vorgabe: {default}).",
        choices=tuple(s.name for s in kind_sorts),
        example=kind_sorts[0].name,
    )


def _name_filter(german_kind: str) -> Filter:
    return Filter(
        Param(
            "q",
            "text",
            "Part of the name (or of another name, such as an abbreviation), ignoring case.",
            f"Teil des Namens (oder eines anderen Namens, etwa einer Abkürzung) {german_kind}, ohne Rücksicht auf "
            "Groß- und Kleinschreibung.",
            example="treptow",
        ),
        "name_part",
        "?item schema:name|schema:alternateName ?name_q . "
        "FILTER(CONTAINS(LCASE(STR(?name_q)), LCASE(STR(?name_part))))",
    )


def _date_filters(prop: str, what: str, german_what: str) -> tuple[Filter, Filter]:
    # the day of an xsd:date or of an xsd:dateTime, compared as text (YYYY-MM-DD sorts as it counts)
    day = "SUBSTR(STR(?{v}), 1, 10)"
    return (
        Filter(
            Param(
                "from",
                "date",
                f"Earliest {what} (ISO date YYYY-MM-DD, inclusive).",
                f"Frühestes {german_what} (ISO-Datum JJJJ-MM-TT, einschließlich).",
                example="2025-01-01",
            ),
            "date_from",
            f"?item <{prop}> ?day_from . FILTER({day.format(v='day_from')} >= STR(?date_from))",
        ),
        Filter(
            Param(
                "to",
                "date",
                f"Latest {what} (ISO date YYYY-MM-DD, inclusive).",
                f"Spätestes {german_what} (ISO-Datum JJJJ-MM-TT, einschließlich).",
                example="2025-12-31",
            ),
            "date_to",
            f"?item <{prop}> ?day_to . FILTER({day.format(v='day_to')} <= STR(?date_to))",
        ),
    )


def _within(inner: str, path: str, outer: str) -> str:
    """``inner path outer`` as a sub-query of its own: the store evaluates a property path from its bound end far
    more quickly there than joined with other patterns. The bound ``outer`` is projected, so a VALUES row joined
    in instead of a substitution gives the same answer."""
    return f"{{ SELECT DISTINCT {inner} {outer} WHERE {{ {inner} {path} {outer} }} }}"


def _reference(name: str, kind: str, description: str, german: str, example: str) -> Param:
    return Param(name, "reference", description, german, refers_to=kind, example=example)


_REFERENCE_FORMS = "its IRI, its id, or the last segment of its id when that is unique"
_REFERENCE_FORMS_DE = "IRI, id oder, wenn eindeutig, letzter Teil der id"

ORGANISATION_CLASSES = tuple(
    str(SDO[c]) for c in ("GovernmentOrganization", "Corporation", "NGO", "Project", "PoliticalParty", "Organization")
)
#: Area types by the segment of their IRIs.
AREA_TYPES: dict[str, str] = {
    "stadt": str(SDO.City),
    "bezirk": str(PM.Bezirk),
    "prognoseraum": str(PM.Prognoseraum),
    "bezirksregion": str(PM.Bezirksregion),
    "planungsraum": str(PM.Planungsraum),
    "ortsteil": str(PM.Ortsteil),
    "quartier": str(PM.Quartier),
    "strasse": str(PM.Strasse),
    "gebaeude": str(PM.Gebaeude),
    "freiflaeche": str(PM.Freiflaeche),
}

_BY_DATE = (
    Sort("-date", "date", True, "neueste zuerst"),
    Sort("date", "date", False, "älteste zuerst"),
)
_BY_LABEL = (
    Sort("name", "label", False, "nach Namen, A–Z"),
    Sort("-name", "label", True, "nach Namen, Z–A"),
)

RELEASES = Kind(
    name="releases",
    singular="release",
    german="Pressemitteilungen",
    classes=(str(PM.PressRelease),),
    segments=("pressemitteilung",),
    label=str(SDO.headline),
    date=str(SDO.datePublished),
    filters=(
        Filter(
            Param(
                "q",
                "text",
                'Full-text search over headline and body, German-aware; words and "quoted phrases" must all '
                "match. Sorts by relevance unless sort says otherwise.",
                'Volltextsuche in Überschrift und Text, mit deutschen Wortformen; alle Wörter und "Phrasen in '
                'Anführungszeichen" müssen vorkommen. Sortiert nach Relevanz, wenn sort nichts anderes sagt.',
                example="Nachbarschaft",
            ),
            "text",
            "",  # answered by the search index, not by SPARQL
        ),
        *_date_filters(str(SDO.datePublished), "publication date", "Veröffentlichungsdatum"),
        Filter(
            _reference(
                "area",
                "areas",
                f"Releases about the area or any area within it (schema:spatialCoverage, then "
                f"schema:containedInPlace*): {_REFERENCE_FORMS}, or its LOR code.",
                f"Pressemitteilungen über das Gebiet oder ein Gebiet darin: {_REFERENCE_FORMS_DE}, oder LOR-Schlüssel.",
                "bezirk/treptow-koepenick",
            ),
            "area",
            _within("?covered", "schema:containedInPlace*", "?area") + " ?item schema:spatialCoverage ?covered",
        ),
        Filter(
            _reference(
                "programme",
                "programmes",
                f"Releases about or mentioning the programme or one of its phases: {_REFERENCE_FORMS}, or an "
                "abbreviation such as BENN.",
                f"Pressemitteilungen über das Programm oder eine seiner Förderphasen: {_REFERENCE_FORMS_DE}, oder "
                "Abkürzung wie BENN.",
                "benn",
            ),
            "programme",
            _within("?topic", "schema:parentOrganization*", "?programme")
            + " ?item schema:about|schema:mentions ?topic",
        ),
        Filter(
            _reference(
                "organisation",
                "organisations",
                f"Releases published by or mentioning the organisation or one of its units: {_REFERENCE_FORMS}, "
                "or an abbreviation.",
                f"Pressemitteilungen, die die Organisation oder eine ihrer Einheiten herausgibt oder nennt: "
                f"{_REFERENCE_FORMS_DE}, oder Abkürzung.",
                "bezirksamt-treptow-koepenick",
            ),
            "organisation",
            _within("?named_unit", "schema:parentOrganization*", "?organisation")
            + " ?item schema:publisher|schema:mentions ?named_unit",
        ),
        Filter(
            _reference(
                "publisher",
                "organisations",
                f"Releases published by the organisation or one of its units (schema:publisher): {_REFERENCE_FORMS}.",
                f"Pressemitteilungen, die die Organisation oder eine ihrer Einheiten herausgibt: "
                f"{_REFERENCE_FORMS_DE}.",
                "bezirksamt-treptow-koepenick",
            ),
            "publisher",
            _within("?publishing_unit", "schema:parentOrganization*", "?publisher")
            + " ?item schema:publisher ?publishing_unit",
        ),
        Filter(
            _reference(
                "person",
                "people",
                f"Releases that mention or quote the person: {_REFERENCE_FORMS}.",
                f"Pressemitteilungen, die die Person nennen oder zitieren: {_REFERENCE_FORMS_DE}.",
                "oliver-igel",
            ),
            "person",
            "{ ?item schema:mentions ?person } UNION { ?item schema:hasPart ?quotation . "
            "?quotation schema:spokenByCharacter ?person }",
        ),
    ),
    sorts=(
        *_BY_DATE,
        Sort("headline", "label", False, "nach Überschrift, A–Z"),
        Sort("-headline", "label", True, "nach Überschrift, Z–A"),
        Sort("relevance", "relevance", True, "nach Relevanz, nur mit q"),
    ),
    list_omits=(str(SDO.articleBody),),
    examples=(
        (
            "/api/releases?area=bezirk/treptow-koepenick&from=2025-01-01",
            "Pressemitteilungen über Treptow-Köpenick seit 2025",
        ),
        ("/api/releases?programme=benn&sort=date", "Pressemitteilungen über BENN, älteste zuerst"),
        ("/api/releases?q=Nachbarschaft&per_page=5", "Volltextsuche, nach Relevanz"),
        (
            "/api/releases?person=oliver-igel&format=jsonld",
            "Pressemitteilungen, die Oliver Igel nennen oder zitieren, als JSON-LD",
        ),
    ),
)

ORGANISATIONS = Kind(
    name="organisations",
    singular="organisation",
    german="Organisationen",
    classes=ORGANISATION_CLASSES,
    segments=("organisation",),
    label=str(SDO.name),
    date=None,
    filters=(
        _name_filter("der Organisation"),
        Filter(
            Param(
                "type",
                "choice",
                "The schema.org class of the organisation.",
                "Die schema.org-Klasse der Organisation.",
                choices=tuple(c.rsplit("/", 1)[1] for c in ORGANISATION_CLASSES),
                example="GovernmentOrganization",
            ),
            "organisation_type",
            "?item a ?organisation_type",
        ),
        Filter(
            _reference(
                "parent",
                "organisations",
                f"Units of the organisation, at any depth (schema:parentOrganization+): {_REFERENCE_FORMS}.",
                f"Einheiten der Organisation, auf jeder Ebene: {_REFERENCE_FORMS_DE}.",
                "bezirksamt-treptow-koepenick",
            ),
            "parent",
            _within("?item", "schema:parentOrganization+", "?parent"),
        ),
    ),
    sorts=_BY_LABEL,
    examples=(("/api/organisations?parent=bezirksamt-treptow-koepenick", "Die Einheiten des Bezirksamts"),),
)

PEOPLE = Kind(
    name="people",
    singular="person",
    german="Personen",
    classes=(str(SDO.Person),),
    segments=("person",),
    label=str(SDO.name),
    date=None,
    filters=(
        _name_filter("der Person"),
        Filter(
            _reference(
                "organisation",
                "organisations",
                f"People who hold a role in the organisation or one of its units, or are its members: "
                f"{_REFERENCE_FORMS}, or an abbreviation.",
                f"Personen mit einer Funktion in der Organisation oder einer ihrer Einheiten, oder ihre Mitglieder: "
                f"{_REFERENCE_FORMS_DE}, oder Abkürzung.",
                "bezirksamt-treptow-koepenick",
            ),
            "organisation",
            _within("?unit", "schema:parentOrganization*", "?organisation")
            + " ?item schema:memberOf/schema:memberOf? ?unit",
        ),
    ),
    sorts=_BY_LABEL,
    list_parts=(str(SDO.memberOf),),
    examples=(("/api/people?organisation=bezirksamt-treptow-koepenick", "Personen im Bezirksamt Treptow-Köpenick"),),
)

AREAS = Kind(
    name="areas",
    singular="area",
    german="Gebiete",
    classes=tuple(AREA_TYPES.values()),
    segments=tuple(AREA_TYPES),
    label=str(SDO.name),
    date=None,
    filters=(
        _name_filter("des Gebiets"),
        Filter(
            Param(
                "type",
                "choice",
                "The kind of area (the first segment of its id).",
                "Die Art des Gebiets (der erste Teil seiner id).",
                choices=tuple(AREA_TYPES),
                example="ortsteil",
            ),
            "area_type",
            "?item a ?area_type",
        ),
        Filter(
            _reference(
                "parent",
                "areas",
                f"Areas directly within the area (schema:containedInPlace): {_REFERENCE_FORMS}, or its LOR code.",
                f"Gebiete direkt in diesem Gebiet: {_REFERENCE_FORMS_DE}, oder LOR-Schlüssel.",
                "bezirk/treptow-koepenick",
            ),
            "parent",
            "?item schema:containedInPlace ?parent",
        ),
        Filter(
            _reference(
                "within",
                "areas",
                f"Areas within the area at any depth (schema:containedInPlace+): {_REFERENCE_FORMS}, or its LOR code.",
                f"Gebiete in diesem Gebiet, auf jeder Ebene: {_REFERENCE_FORMS_DE}, oder LOR-Schlüssel.",
                "bezirk/treptow-koepenick",
            ),
            "within",
            _within("?item", "schema:containedInPlace+", "?within"),
        ),
        Filter(
            Param(
                "code",
                "text",
                "The LOR code (pm:lorCode), exactly.",
                "Der LOR-Schlüssel, genau.",
                example="093009",
            ),
            "lor_code",
            "?item pm:lorCode ?lor_code",
        ),
    ),
    sorts=_BY_LABEL,
    examples=(
        ("/api/areas?type=ortsteil&parent=bezirk/treptow-koepenick", "Die Ortsteile von Treptow-Köpenick"),
        ("/api/areas?code=093009", "Ein Gebiet nach seinem LOR-Schlüssel"),
    ),
)

PROGRAMMES = Kind(
    name="programmes",
    singular="programme",
    german="Programme",
    classes=(str(SDO.FundingScheme),),
    segments=("programm",),
    label=str(SDO.name),
    date=None,
    filters=(
        _name_filter("des Programms"),
        Filter(
            _reference(
                "funder",
                "organisations",
                f"Programmes the organisation funds (schema:funder): {_REFERENCE_FORMS}, or an abbreviation.",
                f"Programme, die die Organisation fördert: {_REFERENCE_FORMS_DE}, oder Abkürzung.",
                "senatsverwaltung-fuer-stadtentwicklung-bauen-und-wohnen",
            ),
            "funder",
            "?item schema:funder ?funder",
        ),
    ),
    sorts=_BY_LABEL,
    list_parts=(str(SDO.subOrganization),),
    examples=(("/api/programmes/benn", "Ein Programm mit seinen Förderphasen"),),
)

EVENTS = Kind(
    name="events",
    singular="event",
    german="Veranstaltungen",
    classes=(str(SDO.Event),),
    segments=("veranstaltung",),
    label=str(SDO.name),
    date=str(SDO.startDate),
    filters=(
        _name_filter("der Veranstaltung"),
        *_date_filters(str(SDO.startDate), "start date", "Datum des Beginns"),
        Filter(
            _reference(
                "organizer",
                "organisations",
                f"Events the organisation or one of its units organises: {_REFERENCE_FORMS}, or an abbreviation.",
                f"Veranstaltungen der Organisation oder einer ihrer Einheiten: {_REFERENCE_FORMS_DE}, oder Abkürzung.",
                "bezirksamt-treptow-koepenick",
            ),
            "organizer",
            _within("?organizing_unit", "schema:parentOrganization*", "?organizer")
            + " ?item schema:organizer ?organizing_unit",
        ),
        Filter(
            _reference(
                "programme",
                "programmes",
                f"Events about the programme or one of its phases: {_REFERENCE_FORMS}, or an abbreviation.",
                f"Veranstaltungen zum Programm oder einer seiner Förderphasen: {_REFERENCE_FORMS_DE}, oder Abkürzung.",
                "benn",
            ),
            "programme",
            _within("?topic", "schema:parentOrganization*", "?programme") + " ?item schema:about ?topic",
        ),
        Filter(
            _reference(
                "release",
                "releases",
                f"Events the press release tells of (schema:subjectOf): {_REFERENCE_FORMS}.",
                f"Veranstaltungen, von denen die Pressemitteilung berichtet: {_REFERENCE_FORMS_DE}.",
                "2025-01-17-3-bezirkliches-benn-treffen-hat-stattgefunden",
            ),
            "release",
            "?item schema:subjectOf ?release",
        ),
    ),
    sorts=(*_BY_DATE, *_BY_LABEL),
    list_parts=(str(SDO.location),),
    examples=(("/api/events?from=2025-01-01&sort=date", "Veranstaltungen seit 2025, älteste zuerst"),),
)

KINDS: dict[str, Kind] = {k.name: k for k in (RELEASES, ORGANISATIONS, PEOPLE, AREAS, PROGRAMMES, EVENTS)}


def sort_param(kind: Kind) -> Param:
    return _sort_param(kind.sorts, kind.sorts[0].name)


def list_params(kind: Kind) -> tuple[Param, ...]:
    """Every parameter a listing of ``kind`` takes, in the order the docs show them."""
    return (*(f.param for f in kind.filters), sort_param(kind), *PAGING, FORMAT)


__all__ = [
    "AREA_TYPES",
    "FORMAT",
    "KINDS",
    "ORGANISATION_CLASSES",
    "PAGING",
    "PREFIXES",
    "Filter",
    "Kind",
    "Param",
    "Sort",
    "list_params",
    "sort_param",
]
