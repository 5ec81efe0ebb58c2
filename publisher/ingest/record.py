"""The typed record of a press release: what the extractor found, before any RDF.

The record keeps the canonical names a reader would use and, where the mention was linked, the IRI of the
entity. ``to_annotation()`` gives the record in the annotation format of the test corpus, so that
extraction can be scored field by field against a careful human annotator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from typing import Any


@dataclass
class Organisation:
    """An organisation or organisational unit mentioned in a release."""

    name: str
    iri: str
    kind: str  # GovernmentOrganization, Corporation, NGO, Project, PoliticalParty, Organization
    surface_forms: list[str] = field(default_factory=list)
    parent_iri: str | None = None
    known: bool = True

    def add_form(self, form: str) -> None:
        if form not in self.surface_forms:
            self.surface_forms.append(form)


@dataclass
class Person:
    """A named person, with the role the release gives them."""

    name: str
    iri: str
    role: str | None = None
    organisation: str | None = None
    organisation_iri: str | None = None
    honorific: str | None = None
    party_iri: str | None = None
    role_iri: str | None = None
    known: bool = True


@dataclass
class Area:
    """A Berlin place named in the title or body."""

    name: str
    kind: str  # Bezirk, Ortsteil, Bezirksregion, Quartier, Strasse, Gebaeude or Freiflaeche
    iri: str
    rdf_class: str  # Bezirk, Prognoseraum, Bezirksregion, Planungsraum, Ortsteil, Quartier, Strasse, ...
    known: bool = True


@dataclass
class Programme:
    """A funding or policy programme."""

    name: str
    iri: str
    acronym: str | None = None
    known: bool = True


@dataclass
class Event:
    """A dated occurrence the release announces or reports."""

    name: str
    iri: str
    start_date: date
    start_time: time | None = None
    venue: str | None = None
    address: str | None = None
    organiser: str | None = None
    organiser_iri: str | None = None
    about_iris: list[str] = field(default_factory=list)


@dataclass
class Quotation:
    """An attributed passage of direct speech."""

    text: str
    first_words: str
    speaker: str | None = None
    speaker_iri: str | None = None
    speaker_role: str | None = None


@dataclass
class ContactPoint:
    """One "Kontakt" or "Weitere Informationen" block, values verbatim."""

    office: str
    iri: str
    organisation: str | None = None
    organisation_iri: str | None = None
    street_address: str | None = None
    postcode: str | None = None
    city: str | None = None
    telephone: str | None = None
    fax: str | None = None
    email: str | None = None
    person_iri: str | None = None


@dataclass
class PressRelease:
    """Everything extracted from one press release."""

    iri: str
    identifier: str
    source_name: str
    source_sha256: str
    source_format: str
    title: str
    date_published: date
    body: str
    publisher: str | None = None
    publisher_iri: str | None = None
    number: str | None = None
    image_credit: str | None = None
    date_modified: date | None = None
    language: str = "de"
    organisations: list[Organisation] = field(default_factory=list)
    persons: list[Person] = field(default_factory=list)
    areas: list[Area] = field(default_factory=list)
    programmes: list[Programme] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    quotations: list[Quotation] = field(default_factory=list)
    contact_points: list[ContactPoint] = field(default_factory=list)
    phase_iris: list[str] = field(default_factory=list)
    field_of_action_iris: list[str] = field(default_factory=list)
    new_entities: list[tuple[str, str, str]] = field(default_factory=list)  # (iri, class, name)

    def to_annotation(self, file_id: str | None = None) -> dict[str, Any]:
        """The record in the corpus annotation format (see tests/corpus/README.md)."""
        return {
            "id": file_id or self.identifier,
            "file": self.source_name,
            "title": self.title,
            "date_published": self.date_published.isoformat(),
            "publisher": self.publisher,
            "press_release_number": self.number,
            "image_credit": self.image_credit,
            "organisations": [{"name": o.name, "surface_forms": list(o.surface_forms)} for o in self.organisations],
            "persons": [{"name": p.name, "role": p.role, "organisation": p.organisation} for p in self.persons],
            "areas": [{"name": a.name, "kind": a.kind} for a in self.areas],
            "programmes": [{"name": p.name, "acronym": p.acronym} for p in self.programmes],
            "events": [
                {
                    "name": e.name,
                    "start_date": e.start_date.isoformat(),
                    "start_time": e.start_time.strftime("%H:%M") if e.start_time else None,
                    "venue": e.venue,
                    "address": e.address,
                    "organiser": e.organiser,
                }
                for e in self.events
            ],
            "quotations": [
                {"speaker": q.speaker, "speaker_role": q.speaker_role, "first_words": q.first_words}
                for q in self.quotations
            ],
            "contact_points": [
                {
                    "office": c.office,
                    "organisation": c.organisation,
                    "street_address": c.street_address,
                    "postcode": c.postcode,
                    "city": c.city,
                    "telephone": c.telephone,
                    "fax": c.fax,
                    "email": c.email,
                }
                for c in self.contact_points
            ],
        }
