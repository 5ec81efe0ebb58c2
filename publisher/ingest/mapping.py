"""Record -> RDF: a pure mapping from a typed press-release record to schema.org triples.

The mapping returns two graphs. The release graph holds what belongs to the release alone: the release, its
image, quotations and events. The entity graph holds what the release says about entities that live on
beyond it: new organisations, people, places and programmes, roles, contact points. The build keeps every
release in a named graph of its own and merges the entity graphs, so that a changed release replaces exactly
its own triples. What would be blank nodes elsewhere (a quotation, an image, an address) gets a fragment IRI
under the resource it belongs to ("...#zitat-1"), so the same input always gives the same output and every
node can be named, linked and validated.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import phonenumbers
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from publisher.ingest import uris
from publisher.ingest.record import PressRelease
from publisher.namespaces import LICENSE_DL_BY_DE_2_0, PM, SDO

BERLIN = ZoneInfo("Europe/Berlin")

ORG_CLASSES = {
    "GovernmentOrganization": SDO.GovernmentOrganization,
    "Corporation": SDO.Corporation,
    "NGO": SDO.NGO,
    "Project": SDO.Project,
    "PoliticalParty": SDO.PoliticalParty,
    "Organization": SDO.Organization,
}
AREA_CLASSES = {
    "Bezirk": PM.Bezirk,
    "Prognoseraum": PM.Prognoseraum,
    "Bezirksregion": PM.Bezirksregion,
    "Planungsraum": PM.Planungsraum,
    "Ortsteil": PM.Ortsteil,
    "Quartier": PM.Quartier,
    "Strasse": PM.Strasse,
    "Gebaeude": PM.Gebaeude,
    "Freiflaeche": PM.Freiflaeche,
}


def e164(number: str | None) -> str | None:
    """A German telephone number in E.164 form ("(030) 90297 - 2200" -> "+4930902972200")."""
    if not number:
        return None
    try:
        parsed = phonenumbers.parse(number, "DE")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _de(text: str) -> Literal:
    return Literal(text, lang="de")


Triple = tuple[URIRef, URIRef, URIRef | Literal]


class _Triples(list):  # type: ignore[type-arg]
    """Triples collected in order; the mapping only ever adds."""

    def add(self, triple: Triple) -> None:
        self.append(triple)


def graph_of(triples: list[Triple]) -> Graph:
    graph = Graph()
    graph.addN((s, p, o, graph) for s, p, o in triples)
    return graph


def map_release_triples(record: PressRelease, base_uri: str) -> tuple[list[Triple], list[Triple]]:
    """The triples of the release graph and of the entity graph of one record (duplicates possible)."""
    rel = _Triples()
    ent = _Triples()
    r = URIRef(record.iri)
    rel.add((r, RDF.type, SDO.NewsArticle))
    rel.add((r, RDF.type, PM.PressRelease))
    rel.add((r, SDO.headline, _de(record.title)))
    rel.add((r, SDO.name, _de(record.title)))
    rel.add((r, SDO.datePublished, Literal(record.date_published.isoformat(), datatype=XSD.date)))
    modified = record.date_modified or record.date_published
    rel.add((r, SDO.dateModified, Literal(modified.isoformat(), datatype=XSD.date)))
    rel.add((r, SDO.articleBody, _de(record.body)))
    rel.add((r, SDO.identifier, Literal(record.identifier)))
    rel.add((r, SDO.inLanguage, Literal(record.language)))
    rel.add((r, SDO.license, URIRef(LICENSE_DL_BY_DE_2_0)))
    if record.number:
        rel.add((r, PM.pressReleaseNumber, Literal(record.number)))
    if record.publisher_iri:
        rel.add((r, SDO.publisher, URIRef(record.publisher_iri)))
    if record.image_credit:
        image = URIRef(f"{record.iri}#bild")
        rel.add((r, SDO.image, image))
        rel.add((image, RDF.type, SDO.ImageObject))
        rel.add((image, SDO.creditText, Literal(record.image_credit)))
    source = URIRef(uris.thing(base_uri, "Source", record.identifier))
    rel.add((r, SDO.isBasedOn, source))
    rel.add((source, RDF.type, SDO.DigitalDocument))
    rel.add((source, SDO.name, Literal(record.source_name)))
    rel.add((source, SDO.sha256, Literal(record.source_sha256)))
    rel.add((source, SDO.encodingFormat, Literal(_media_type(record.source_format))))
    rel.add((source, SDO.about, r))

    for org in record.organisations:
        o = URIRef(org.iri)
        rel.add((r, SDO.mentions, o))
        if not org.known:
            ent.add((o, RDF.type, ORG_CLASSES.get(org.kind, SDO.Organization)))
            ent.add((o, SDO.name, Literal(org.name)))
            if org.parent_iri:
                ent.add((o, SDO.parentOrganization, URIRef(org.parent_iri)))
                ent.add((URIRef(org.parent_iri), SDO.subOrganization, o))
    for person in record.persons:
        p = URIRef(person.iri)
        rel.add((r, SDO.mentions, p))
        if not person.known:
            ent.add((p, RDF.type, SDO.Person))
            ent.add((p, SDO.name, Literal(person.name)))
            if person.honorific:
                ent.add((p, SDO.honorificPrefix, Literal(person.honorific)))
        if person.party_iri:
            ent.add((p, SDO.memberOf, URIRef(person.party_iri)))
        if person.role and not person.role_iri:
            org_slug = person.organisation_iri.rsplit("/", 1)[-1] if person.organisation_iri else "ohne-organisation"
            role = URIRef(f"{person.iri}/rolle/{uris.slug(person.role, 60)}-{org_slug}")
            ent.add((p, SDO.memberOf, role))
            ent.add((role, RDF.type, SDO.OrganizationRole))
            ent.add((role, SDO.roleName, Literal(person.role)))
            if person.organisation_iri:
                ent.add((role, SDO.memberOf, URIRef(person.organisation_iri)))
        elif not person.role and person.organisation_iri and not person.known:
            role = URIRef(f"{person.iri}/rolle/mitglied-{person.organisation_iri.rsplit('/', 1)[-1]}")
            ent.add((p, SDO.memberOf, role))
            ent.add((role, RDF.type, SDO.OrganizationRole))
            ent.add((role, SDO.memberOf, URIRef(person.organisation_iri)))
    for area in record.areas:
        a = URIRef(area.iri)
        rel.add((r, SDO.mentions, a))
        rel.add((r, SDO.spatialCoverage, a))
        if not area.known:
            ent.add((a, RDF.type, AREA_CLASSES.get(area.rdf_class, PM.Quartier)))
            ent.add((a, SDO.name, Literal(area.name)))
            bezirk = _bezirk_of_street(area.iri, base_uri)
            if bezirk:
                ent.add((a, SDO.containedInPlace, URIRef(bezirk)))
    for programme in record.programmes:
        g = URIRef(programme.iri)
        rel.add((r, SDO.about, g))
        rel.add((r, SDO.mentions, g))
        if not programme.known:
            ent.add((g, RDF.type, SDO.FundingScheme))
            ent.add((g, SDO.name, Literal(programme.name)))
            if programme.acronym:
                ent.add((g, SDO.alternateName, Literal(programme.acronym)))
    for phase in record.phase_iris:
        rel.add((r, SDO.mentions, URIRef(phase)))
    new_fields = {iri: name for iri, cls, name in record.new_entities if cls == "FieldOfAction"}
    for field_iri in record.field_of_action_iris:
        f = URIRef(field_iri)
        rel.add((r, SDO.mentions, f))
        if field_iri in new_fields:
            ent.add((f, RDF.type, PM.FieldOfAction))
            ent.add((f, SDO.name, Literal(new_fields[field_iri])))
            programme_iri = field_iri.split("/handlungsfeld/", 1)[0]
            ent.add((URIRef(programme_iri), PM.fieldOfAction, f))

    for number, quote in enumerate(record.quotations, start=1):
        q = URIRef(f"{record.iri}#zitat-{number}")
        rel.add((r, SDO.hasPart, q))
        rel.add((q, RDF.type, SDO.Quotation))
        rel.add((q, SDO.text, _de(quote.text)))
        rel.add((q, SDO.isPartOf, r))
        if quote.speaker_iri:
            rel.add((q, SDO.spokenByCharacter, URIRef(quote.speaker_iri)))
        elif quote.speaker_role:
            role = URIRef(f"{record.iri}#zitat-{number}-rolle")
            rel.add((q, SDO.spokenByCharacter, role))
            rel.add((role, RDF.type, SDO.Role))
            rel.add((role, SDO.roleName, Literal(quote.speaker_role)))

    for event in record.events:
        e = URIRef(event.iri)
        rel.add((r, SDO.about, e))
        rel.add((e, RDF.type, SDO.Event))
        rel.add((e, SDO.name, _de(event.name)))
        rel.add((e, SDO.subjectOf, r))
        if event.start_time:
            moment = datetime.combine(event.start_date, event.start_time, tzinfo=BERLIN)
            rel.add((e, SDO.startDate, Literal(moment.isoformat(), datatype=XSD.dateTime)))
        else:
            rel.add((e, SDO.startDate, Literal(event.start_date.isoformat(), datatype=XSD.date)))
        if event.organiser_iri:
            rel.add((e, SDO.organizer, URIRef(event.organiser_iri)))
        for about in event.about_iris:
            rel.add((e, SDO.about, URIRef(about)))
        if event.venue or event.address:
            place = URIRef(f"{event.iri}#ort")
            rel.add((e, SDO.location, place))
            rel.add((place, RDF.type, SDO.Place))
            rel.add((place, SDO.name, Literal(event.venue or event.address)))
            if event.address:
                address = URIRef(f"{event.iri}#adresse")
                rel.add((place, SDO.address, address))
                rel.add((address, RDF.type, SDO.PostalAddress))
                rel.add((address, SDO.streetAddress, Literal(event.address)))
                rel.add((address, SDO.addressLocality, Literal("Berlin")))
                rel.add((address, SDO.addressCountry, Literal("DE")))

    for contact in record.contact_points:
        c = URIRef(contact.iri)
        rel.add((r, PM.pressContact, c))
        ent.add((c, RDF.type, SDO.ContactPoint))
        ent.add((c, SDO.name, Literal(contact.office)))
        if "presse" in contact.office.casefold():
            ent.add((c, SDO.contactType, Literal("Presse")))
        if contact.organisation_iri:
            ent.add((URIRef(contact.organisation_iri), SDO.contactPoint, c))
        if contact.person_iri:
            ent.add((URIRef(contact.person_iri), SDO.contactPoint, c))
        for prop, value in ((SDO.telephone, e164(contact.telephone)), (SDO.faxNumber, e164(contact.fax))):
            if value:
                ent.add((c, prop, Literal(value)))
        if contact.email:
            ent.add((c, SDO.email, Literal(contact.email)))
        if contact.street_address or contact.postcode:
            address = URIRef(f"{contact.iri}#adresse")
            ent.add((c, SDO.address, address))
            ent.add((address, RDF.type, SDO.PostalAddress))
            if contact.street_address:
                ent.add((address, SDO.streetAddress, Literal(contact.street_address)))
            if contact.postcode:
                ent.add((address, SDO.postalCode, Literal(contact.postcode)))
            if contact.city:
                ent.add((address, SDO.addressLocality, Literal(contact.city)))
            ent.add((address, SDO.addressCountry, Literal("DE")))
    return list(rel), list(ent)


def nt_line(triple: Triple) -> str:
    """One N-Triples line, as rdflib writes it (plain strings without a datatype)."""
    s, p, o = triple
    return f"<{s}> <{p}> {_nt_object(o)} ."


def _nt_object(o: URIRef | Literal) -> str:
    if isinstance(o, URIRef):
        return f"<{o}>"
    text = str(o).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    if o.language:
        return f'"{text}"@{o.language}'
    if o.datatype is not None and o.datatype != XSD.string:
        return f'"{text}"^^<{o.datatype}>'
    return f'"{text}"'


def canonical_lines(triples: list[Triple]) -> str:
    """Sorted, unique N-Triples: the same triples always give the same text."""
    lines = sorted({nt_line(t) for t in triples})
    return "\n".join(lines) + ("\n" if lines else "")


def _media_type(source_format: str) -> str:
    return {
        "text": "text/plain",
        "markdown": "text/markdown",
        "turtle": "text/turtle",
        "json-ld": "application/ld+json",
    }.get(source_format, "application/octet-stream")


def _bezirk_of_street(iri: str, base_uri: str) -> str | None:
    prefix = uris.thing(base_uri, "Strasse")
    if not iri.startswith(prefix + "/"):
        return None
    parts = iri[len(prefix) + 1 :].split("/")
    return uris.thing(base_uri, "Bezirk", parts[0]) if len(parts) == 2 else None
