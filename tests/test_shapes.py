"""Every SHACL shape, one conforming and several violating examples each, checked with the real Validator.

In every example the node the shape is about is ``ex:it``. The examples are small Turtle documents on top of a
shared BACKGROUND of linked nodes (a press release, its publisher and source, a district and its LOR areas,
a programme, a person, a place ...) that conforms on its own, so that a whole example is validated as it
stands, with nothing switched off. A violating example is its conforming example with one edit (``swap``), so
the violation it must produce is the one the edit made.
"""

from __future__ import annotations

import re

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH

from publisher.config import PROJECT_ROOT
from publisher.validation import Finding, ValidationResult, Validator

SHAPES = PROJECT_ROOT / "shapes"
ONTOLOGY = PROJECT_ROOT / "ontology"
SHAPE_FILES = sorted(SHAPES.glob("*.ttl"))

#: Loads the shapes once; every test reuses it.
VALIDATOR = Validator(shapes_dir=SHAPES, ontology_dir=ONTOLOGY)

EX = "https://example.org/"
IT = URIRef(f"{EX}it")

PREFIXES = """\
@prefix schema: <https://schema.org/> .
@prefix pm:     <https://w3id.org/pm-berlin/ontology#> .
@prefix xsd:    <http://www.w3.org/2001/XMLSchema#> .
@prefix ex:     <https://example.org/> .
"""

#: Linked nodes the examples point to; each is complete, so the background conforms on its own.
BACKGROUND = """\
ex:senate a schema:GovernmentOrganization ;
    schema:name "Senatsverwaltung für Stadtentwicklung, Bauen und Wohnen" .
ex:chancellery a schema:GovernmentOrganization ;
    schema:name "Senatskanzlei" .
ex:ngo a schema:NGO ;
    schema:name "Nachbarschaftsverein Moabit e. V." .
ex:source a schema:DigitalDocument ;
    schema:name "000_beispiel.txt" ;
    schema:sha256 "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" ;
    schema:encodingFormat "text/plain" .
ex:release a pm:PressRelease , schema:NewsArticle ;
    schema:headline "Kiezfest in Moabit"@de ;
    schema:datePublished "2025-05-02"^^xsd:date ;
    schema:articleBody "Am Samstag feiert Moabit sein Kiezfest. Die Nachbarschaft ist eingeladen."@de ;
    schema:identifier "2025-05-02-kiezfest-in-moabit" ;
    schema:publisher ex:senate ;
    schema:inLanguage "de" ;
    schema:license <http://dcat-ap.de/def/licenses/dl-by-de/2.0> ;
    schema:isBasedOn ex:source .
ex:mitte a pm:Bezirk ;
    schema:name "Mitte" ;
    pm:lorCode "01" .
ex:zentrum a pm:Prognoseraum ;
    schema:name "Zentrum" ;
    pm:lorCode "0110" ;
    schema:containedInPlace ex:mitte .
ex:regierungsviertel a pm:Bezirksregion ;
    schema:name "Regierungsviertel" ;
    pm:lorCode "011001" ;
    schema:containedInPlace ex:zentrum .
ex:townhall a schema:Place ;
    schema:name "Rathaus Tiergarten" .
ex:programme a schema:FundingScheme ;
    schema:name "Berliner Entwicklungsplan zur Integration von Geflüchteten und Nachbarschaften" ;
    schema:alternateName "BENN" .
ex:fields a schema:DefinedTermSet ;
    schema:name "Handlungsfelder von BENN" .
ex:term a schema:DefinedTerm ;
    schema:name "Beteiligung" .
ex:person a schema:Person ;
    schema:name "Erika Mustermann" .
"""


def swap(example: str, old: str, new: str) -> str:
    """``example`` with ``old`` (which must occur exactly once) replaced by ``new``."""
    assert example.count(old) == 1, f"{old!r} occurs {example.count(old)} times in the example"
    return example.replace(old, new)


# ---------------------------------------------------------------- the examples, one entry per shape file

BEZIRK = """\
ex:it a pm:Bezirk ;
    schema:name "Pankow" ;
    pm:lorCode "03" .
"""

PROGNOSERAUM = """\
ex:it a pm:Prognoseraum ;
    schema:name "Zentrum" ;
    pm:lorCode "0120" ;
    schema:containedInPlace ex:mitte .
"""

BEZIRKSREGION = """\
ex:it a pm:Bezirksregion ;
    schema:name "Alexanderplatz" ;
    pm:lorCode "011002" ;
    schema:containedInPlace ex:zentrum .
"""

PLANUNGSRAUM = """\
ex:it a pm:Planungsraum ;
    schema:name "Unter den Linden" ;
    pm:lorCode "01100104" ;
    schema:containedInPlace ex:regierungsviertel .
"""

ORTSTEIL = """\
ex:it a pm:Ortsteil ;
    schema:name "Moabit" ;
    schema:containedInPlace ex:mitte .
"""

STRASSE = """\
ex:it a pm:Strasse ;
    schema:name "Turmstraße" ;
    schema:containedInPlace ex:mitte .
"""

PLACE = """\
ex:it a schema:Place ;
    schema:name "Rotes Rathaus" ;
    schema:alternateName "Berliner Rathaus" ;
    schema:containedInPlace ex:mitte ;
    schema:sameAs <http://www.wikidata.org/entity/Q160244> ;
    schema:description "Sitz des Regierenden Bürgermeisters"@de .
"""

POSTAL_ADDRESS = """\
ex:it a schema:PostalAddress ;
    schema:streetAddress "Württembergische Straße 6" ;
    schema:postalCode "10707" ;
    schema:addressLocality "Berlin" ;
    schema:addressCountry "DE" .
"""

CONTACT_POINT = """\
ex:senate schema:contactPoint ex:it .
ex:it a schema:ContactPoint ;
    schema:name "Pressestelle" ;
    schema:telephone "+493090139403" ;
    schema:faxNumber "+493090139499" ;
    schema:email "presse@sensw.berlin.de" ;
    schema:address ex:it-address .
ex:it-address a schema:PostalAddress ;
    schema:streetAddress "Fehrbelliner Platz 4" ;
    schema:postalCode "10707" ;
    schema:addressLocality "Berlin" ;
    schema:addressCountry "DE" .
"""

PRESS_CONTACT = """\
ex:release pm:pressContact ex:it .
ex:it a schema:ContactPoint ;
    schema:name "Pressestelle des Bezirksamts" ;
    schema:telephone "+493090182000" .
"""

DEFINED_TERM_SET = """\
ex:it a schema:DefinedTermSet ;
    schema:name "Handlungsfelder des Quartiersmanagements" ;
    schema:hasDefinedTerm ex:it-field .
ex:it-field a pm:FieldOfAction ;
    schema:name "Nachbarschaft und Gemeinwesen" .
"""

FIELD_OF_ACTION = """\
ex:it a pm:FieldOfAction ;
    schema:name "Netzwerkarbeit und Quartiersentwicklung" ;
    schema:inDefinedTermSet ex:fields .
"""

DIGITAL_DOCUMENT = """\
ex:it a schema:DigitalDocument ;
    schema:name "001_pressemitteilung.md" ;
    schema:sha256 "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae" ;
    schema:encodingFormat "text/markdown" .
"""

EVENT = """\
ex:it a schema:Event ;
    schema:name "Kiezfest in Moabit"@de ;
    schema:startDate "2025-06-14T14:00:00+02:00"^^xsd:dateTime ;
    schema:location ex:townhall ;
    schema:organizer ex:ngo ;
    schema:subjectOf ex:release .
"""

FUNDING_PHASE = """\
ex:it a pm:FundingPhase ;
    schema:name "BENN, zweite Förderphase" ;
    schema:parentOrganization ex:programme ;
    schema:foundingDate "2022-01-01"^^xsd:date ;
    schema:dissolutionDate "2025-12-31"^^xsd:date .
"""

FUNDING_SCHEME = """\
ex:it a schema:FundingScheme ;
    schema:name "Quartiersmanagement" ;
    schema:alternateName "QM" ;
    schema:funder ex:senate ;
    pm:fieldOfAction ex:it-field ;
    schema:description "Ein Programm für lebendige Nachbarschaften"@de .
ex:it-field a pm:FieldOfAction ;
    schema:name "Bildung" .
"""

GOVERNMENT_ORGANIZATION = """\
ex:it a schema:GovernmentOrganization ;
    schema:name "Abteilung Wohnungswesen" ;
    schema:parentOrganization ex:senate .
"""

IMAGE_OBJECT = """\
ex:it a schema:ImageObject ;
    schema:creditText "Foto: SenSBW" ;
    schema:contentUrl <https://example.org/bilder/kiezfest.jpg> .
"""

ORGANIZATION = """\
ex:it a schema:Organization ;
    schema:name "Stadtteilzentrum Moabit" ;
    schema:alternateName "STZ Moabit" ;
    schema:parentOrganization ex:ngo ;
    schema:contactPoint ex:it-contact ;
    schema:address ex:it-address ;
    schema:areaServed ex:mitte ;
    schema:foundingDate "1998"^^xsd:gYear ;
    schema:url <https://example.org/stz-moabit> .
ex:it-contact a schema:ContactPoint ;
    schema:name "Büro" .
ex:it-address a schema:PostalAddress ;
    schema:streetAddress "Waldstraße 20" ;
    schema:postalCode "10551" ;
    schema:addressLocality "Berlin" ;
    schema:addressCountry "DE" .
"""

ORGANIZATION_ROLE = """\
ex:person schema:memberOf ex:it .
ex:it a schema:OrganizationRole ;
    schema:roleName "Senatorin für Stadtentwicklung" ;
    schema:memberOf ex:senate ;
    schema:startDate "2023-04-27"^^xsd:date .
"""

PERSON = """\
ex:it a schema:Person ;
    schema:name "Dr. Max Beispiel" ;
    schema:givenName "Max" ;
    schema:familyName "Beispiel" ;
    schema:honorificPrefix "Dr." ;
    schema:memberOf ex:it-role ;
    schema:contactPoint ex:it-contact .
ex:it-role a schema:OrganizationRole ;
    schema:roleName "Staatssekretär" ;
    schema:memberOf ex:senate .
ex:it-contact a schema:ContactPoint ;
    schema:name "Büro des Staatssekretärs" .
"""

PRESS_RELEASE = """\
ex:it a pm:PressRelease , schema:NewsArticle ;
    schema:headline "Neues Stadtteilzentrum in Moabit eröffnet"@de ;
    schema:datePublished "2025-05-01"^^xsd:date ;
    schema:dateModified "2025-05-01"^^xsd:date ;
    schema:articleBody "Das Stadtteilzentrum Moabit öffnet am Montag seine Türen für alle."@de ;
    schema:identifier "2025-05-01-neues-stadtteilzentrum-in-moabit" ;
    pm:pressReleaseNumber "112/2025" ;
    schema:publisher ex:senate ;
    schema:inLanguage "de" ;
    schema:license <http://dcat-ap.de/def/licenses/dl-by-de/2.0> ;
    schema:isBasedOn ex:it-source ;
    schema:image ex:it-image ;
    schema:spatialCoverage ex:mitte ;
    schema:mentions ex:person ;
    schema:about ex:programme ;
    schema:hasPart ex:it-quote ;
    pm:pressContact ex:it-contact .
ex:it-source a schema:DigitalDocument ;
    schema:name "002_stadtteilzentrum.txt" ;
    schema:sha256 "fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9" ;
    schema:encodingFormat "text/plain" .
ex:it-image a schema:ImageObject ;
    schema:creditText "Foto: Bezirksamt Mitte" .
ex:it-quote a schema:Quotation ;
    schema:text "Ein Ort für die ganze Nachbarschaft."@de ;
    schema:isPartOf ex:it ;
    schema:spokenByCharacter ex:person .
ex:it-contact a schema:ContactPoint ;
    schema:name "Pressestelle" ;
    schema:telephone "+493090139403" .
"""

QUOTATION = """\
ex:it a schema:Quotation ;
    schema:text "Wir freuen uns auf ein fröhliches Fest."@de ;
    schema:isPartOf ex:release ;
    schema:spokenByCharacter ex:person .
"""

ROLE = """\
ex:it a schema:Role ;
    schema:roleName "Sprecherin des Bezirksamts" .
"""

# A speaker named only by a role: valid when the role has its name.
QUOTATION_BY_ROLE = swap(
    QUOTATION,
    "schema:spokenByCharacter ex:person .",
    """\
schema:spokenByCharacter ex:it-role .
ex:it-role a schema:Role ;
    schema:roleName "Sprecherin des Bezirksamts" .""",
)

#: shape file stem -> (conforming example, [(violating example, what the message or path must name), ...])
EXAMPLES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "Bezirk": (
        BEZIRK,
        [
            (swap(BEZIRK, '"03"', '"3"'), "pm:lorCode"),
            (swap(BEZIRK, '"03"', '"003"'), "pm:lorCode"),
            (swap(BEZIRK, '"03"', "3"), "pm:lorCode"),  # an integer, not a string
            (swap(BEZIRK, 'pm:lorCode "03"', 'pm:lorCode "03" , "04"'), "pm:lorCode"),
        ],
    ),
    "Prognoseraum": (
        PROGNOSERAUM,
        [
            (swap(PROGNOSERAUM, '"0120"', '"012"'), "pm:lorCode"),
            (swap(PROGNOSERAUM, '"0120"', '"012001"'), "pm:lorCode"),
            (swap(PROGNOSERAUM, " ;\n    schema:containedInPlace ex:mitte", ""), "schema:containedInPlace"),
            (swap(PROGNOSERAUM, "ex:mitte", "ex:regierungsviertel"), "schema:containedInPlace"),
        ],
    ),
    "Bezirksregion": (
        BEZIRKSREGION,
        [
            (swap(BEZIRKSREGION, '"011002"', '"01100"'), "pm:lorCode"),
            (swap(BEZIRKSREGION, '"011002"', '"01100201"'), "pm:lorCode"),
            (swap(BEZIRKSREGION, " ;\n    schema:containedInPlace ex:zentrum", ""), "schema:containedInPlace"),
            (swap(BEZIRKSREGION, "ex:zentrum", "ex:mitte"), "schema:containedInPlace"),  # a Bezirk, not a Prognoseraum
        ],
    ),
    "Planungsraum": (
        PLANUNGSRAUM,
        [
            (swap(PLANUNGSRAUM, '"01100104"', '"0110010"'), "pm:lorCode"),
            (swap(PLANUNGSRAUM, '"01100104"', '"011001040"'), "pm:lorCode"),
            (swap(PLANUNGSRAUM, '"01100104"', '"0110-0104"'), "pm:lorCode"),
            (swap(PLANUNGSRAUM, " ;\n    schema:containedInPlace ex:regierungsviertel", ""), "schema:containedInPlace"),
            (swap(PLANUNGSRAUM, "ex:regierungsviertel", "ex:zentrum"), "schema:containedInPlace"),
        ],
    ),
    "Ortsteil": (
        ORTSTEIL,
        [
            (swap(ORTSTEIL, " ;\n    schema:containedInPlace ex:mitte", ""), "schema:containedInPlace"),
            (swap(ORTSTEIL, "ex:mitte", "ex:zentrum"), "schema:containedInPlace"),  # a Prognoseraum, not a Bezirk
        ],
    ),
    "Strasse": (
        STRASSE,
        [
            (swap(STRASSE, '"Turmstraße"', '"Turmstraße 75"'), "schema:name"),
            (swap(STRASSE, '"Turmstraße"', '"Turmstraße, 10559 Berlin"'), "schema:name"),
        ],
    ),
    "Place": (
        PLACE,
        [
            (swap(PLACE, '    schema:name "Rotes Rathaus" ;\n', ""), "schema:name"),
            (swap(PLACE, '"Rotes Rathaus" ;', '"Rotes Rathaus"@de ;'), "schema:name"),
            (swap(PLACE, '"Rotes Rathaus" ;', '"Rotes Rathaus" , "Rathaus Berlin" ;'), "schema:name"),
            (swap(PLACE, '"Berliner Rathaus"', '"Berliner Rathaus"@de'), "schema:alternateName"),
            (
                swap(PLACE, "schema:containedInPlace ex:mitte", "schema:containedInPlace ex:senate"),
                "schema:containedInPlace",
            ),
            (
                swap(PLACE, " ;\n    schema:sameAs", " ;\n    schema:containsPlace ex:ngo ;\n    schema:sameAs"),
                "schema:containsPlace",
            ),
            (swap(PLACE, "<http://www.wikidata.org/entity/Q160244>", '"Q160244"'), "schema:sameAs"),
            (
                swap(PLACE, '"Sitz des Regierenden Bürgermeisters"@de', '"Sitz des Regierenden Bürgermeisters"'),
                "schema:description",
            ),
        ],
    ),
    "PostalAddress": (
        POSTAL_ADDRESS,
        [
            (swap(POSTAL_ADDRESS, '"10707"', '"1070"'), "schema:postalCode"),
            (swap(POSTAL_ADDRESS, '"10707"', '"D-10707"'), "schema:postalCode"),
            (swap(POSTAL_ADDRESS, '"10707"', "10707"), "schema:postalCode"),  # an integer
            (swap(POSTAL_ADDRESS, '"Württembergische Straße 6"', '"Württembergische Straße"'), "schema:streetAddress"),
            (swap(POSTAL_ADDRESS, '"DE"', '"Deutschland"'), "schema:addressCountry"),
            (swap(POSTAL_ADDRESS, '"Berlin"', '"Berlin"@de'), "schema:addressLocality"),
        ],
    ),
    "ContactPoint": (
        CONTACT_POINT,
        [
            (swap(CONTACT_POINT, '"+493090139403"', '"(030) 9013-9403"'), "schema:telephone"),
            (swap(CONTACT_POINT, '"+493090139403"', '"030901394030"'), "schema:telephone"),
            (swap(CONTACT_POINT, '"+493090139499"', '"030 90139-499"'), "schema:faxNumber"),
            (swap(CONTACT_POINT, '"presse@sensw.berlin.de"', '"presse(at)sensw.berlin.de"'), "schema:email"),
            (swap(CONTACT_POINT, '    schema:name "Pressestelle" ;\n', ""), "schema:name"),
            (swap(CONTACT_POINT, "schema:address ex:it-address .", "schema:address ex:townhall ."), "schema:address"),
            (
                swap(PRESS_CONTACT, '"+493090182000"', '"030 9018-2000"'),
                "schema:telephone",
            ),  # a release's press contact
        ],
    ),
    "DefinedTermSet": (
        DEFINED_TERM_SET,
        [
            (
                swap(DEFINED_TERM_SET, '    schema:name "Handlungsfelder des Quartiersmanagements" ;\n', ""),
                "schema:name",
            ),
            (swap(DEFINED_TERM_SET, '"Handlungsfelder des Quartiersmanagements"', '""'), "schema:name"),
            (
                swap(DEFINED_TERM_SET, "schema:hasDefinedTerm ex:it-field", "schema:hasDefinedTerm ex:townhall"),
                "schema:hasDefinedTerm",
            ),
        ],
    ),
    "FieldOfAction": (
        FIELD_OF_ACTION,
        [
            (swap(FIELD_OF_ACTION, '    schema:name "Netzwerkarbeit und Quartiersentwicklung" ;\n', ""), "schema:name"),
            (
                swap(
                    FIELD_OF_ACTION,
                    '"Netzwerkarbeit und Quartiersentwicklung"',
                    '"Netzwerkarbeit und Quartiersentwicklung"@de',
                ),
                "schema:name",
            ),
            (swap(FIELD_OF_ACTION, "ex:fields", "ex:programme"), "schema:inDefinedTermSet"),
        ],
    ),
    "DigitalDocument": (
        DIGITAL_DOCUMENT,
        [
            (swap(DIGITAL_DOCUMENT, '    schema:name "001_pressemitteilung.md" ;\n', ""), "schema:name"),
            (
                swap(
                    DIGITAL_DOCUMENT,
                    '"2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"',
                    '"0beec7b5ea3f0fdbc95d0dd47f3c5bc275da8a33"',
                ),
                "schema:sha256",
            ),  # a SHA-1
            (
                swap(
                    DIGITAL_DOCUMENT,
                    '"2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"',
                    '"2C26B46B68FFC68FF99B453C1D30413413422D706483BFA0F98A5E886266E7AE"',
                ),
                "schema:sha256",
            ),
            (swap(DIGITAL_DOCUMENT, '"text/markdown"', '"application/pdf"'), "schema:encodingFormat"),
            (swap(DIGITAL_DOCUMENT, ' ;\n    schema:encodingFormat "text/markdown"', ""), "schema:encodingFormat"),
        ],
    ),
    "Event": (
        EVENT,
        [
            (
                swap(EVENT, '"2025-06-14T14:00:00+02:00"^^xsd:dateTime', '"2025-06-14T14:00:00"^^xsd:dateTime'),
                "schema:startDate",
            ),  # no time zone
            (swap(EVENT, '"2025-06-14T14:00:00+02:00"^^xsd:dateTime', '"14. Juni 2025"'), "schema:startDate"),
            (swap(EVENT, '"2025-06-14T14:00:00+02:00"^^xsd:dateTime', '"2025-06-14"'), "schema:startDate"),
            (swap(EVENT, '    schema:startDate "2025-06-14T14:00:00+02:00"^^xsd:dateTime ;\n', ""), "schema:startDate"),
            (swap(EVENT, '"Kiezfest in Moabit"@de', '"Kiezfest in Moabit"'), "schema:name"),
            (swap(EVENT, "schema:organizer ex:ngo", "schema:organizer ex:person"), "schema:organizer"),
            (swap(EVENT, "schema:location ex:townhall", "schema:location ex:ngo"), "schema:location"),
            (swap(EVENT, " ;\n    schema:subjectOf ex:release", ""), "schema:subjectOf"),
            (swap(EVENT, "schema:subjectOf ex:release", "schema:subjectOf ex:source"), "schema:subjectOf"),
        ],
    ),
    "FundingPhase": (
        FUNDING_PHASE,
        [
            (swap(FUNDING_PHASE, "    schema:parentOrganization ex:programme ;\n", ""), "schema:parentOrganization"),
            (
                swap(FUNDING_PHASE, "schema:parentOrganization ex:programme", "schema:parentOrganization ex:senate"),
                "schema:parentOrganization",
            ),  # an organisation, not a programme
            (
                swap(
                    FUNDING_PHASE,
                    "schema:parentOrganization ex:programme",
                    "schema:parentOrganization ex:programme , ex:it-other .\nex:it-other a schema:FundingScheme ; "
                    'schema:name "Quartiersmanagement" .\nex:it',
                ),
                "schema:parentOrganization",
            ),
            (swap(FUNDING_PHASE, '    schema:foundingDate "2022-01-01"^^xsd:date ;\n', ""), "schema:foundingDate"),
        ],
    ),
    "FundingScheme": (
        FUNDING_SCHEME,
        [
            (swap(FUNDING_SCHEME, "schema:funder ex:senate", "schema:funder ex:person"), "schema:funder"),
            (swap(FUNDING_SCHEME, "pm:fieldOfAction ex:it-field", "pm:fieldOfAction ex:term"), "pm:fieldOfAction"),
            (
                swap(
                    FUNDING_SCHEME,
                    '"Ein Programm für lebendige Nachbarschaften"@de',
                    '"Ein Programm für lebendige Nachbarschaften"',
                ),
                "schema:description",
            ),
            (
                swap(
                    FUNDING_SCHEME,
                    '"Ein Programm für lebendige Nachbarschaften"@de',
                    '"Un programme pour des quartiers vivants"@fr',
                ),
                "schema:description",
            ),
        ],
    ),
    "GovernmentOrganization": (
        GOVERNMENT_ORGANIZATION,
        [
            (swap(GOVERNMENT_ORGANIZATION, "ex:senate", "ex:ngo"), "schema:parentOrganization"),
            (swap(GOVERNMENT_ORGANIZATION, "ex:senate", "ex:senate , ex:chancellery"), "schema:parentOrganization"),
        ],
    ),
    "ImageObject": (
        IMAGE_OBJECT,
        [
            (swap(IMAGE_OBJECT, '    schema:creditText "Foto: SenSBW" ;\n', ""), "schema:creditText"),
            (swap(IMAGE_OBJECT, '"Foto: SenSBW"', '"X"'), "schema:creditText"),
            (
                swap(
                    IMAGE_OBJECT,
                    "<https://example.org/bilder/kiezfest.jpg>",
                    '"https://example.org/bilder/kiezfest.jpg"',
                ),
                "schema:contentUrl",
            ),
        ],
    ),
    "Organization": (
        ORGANIZATION,
        [
            (swap(ORGANIZATION, '    schema:name "Stadtteilzentrum Moabit" ;\n', ""), "schema:name"),
            (swap(ORGANIZATION, '"Stadtteilzentrum Moabit" ;', '"Stadtteilzentrum Moabit" , "STZ" ;'), "schema:name"),
            (swap(ORGANIZATION, '"STZ Moabit"', '"STZ Moabit"@de'), "schema:alternateName"),
            (
                swap(ORGANIZATION, "schema:parentOrganization ex:ngo", "schema:parentOrganization ex:townhall"),
                "schema:parentOrganization",
            ),
            (
                swap(ORGANIZATION, "schema:parentOrganization ex:ngo ;", "schema:subOrganization ex:person ;"),
                "schema:subOrganization",
            ),
            (
                swap(ORGANIZATION, "schema:contactPoint ex:it-contact ;", "schema:contactPoint ex:person ;"),
                "schema:contactPoint",
            ),
            (swap(ORGANIZATION, "schema:address ex:it-address ;", "schema:address ex:townhall ;"), "schema:address"),
            (swap(ORGANIZATION, "schema:areaServed ex:mitte", "schema:areaServed ex:senate"), "schema:areaServed"),
            (swap(ORGANIZATION, '"1998"^^xsd:gYear', '"1998"'), "schema:foundingDate"),
            (
                swap(
                    ORGANIZATION,
                    '"1998"^^xsd:gYear ;',
                    '"1998"^^xsd:gYear ;\n    schema:dissolutionDate "31.12.2024" ;',
                ),
                "schema:dissolutionDate",
            ),
            (swap(ORGANIZATION, "<https://example.org/stz-moabit>", '"https://example.org/stz-moabit"'), "schema:url"),
        ],
    ),
    "OrganizationRole": (
        ORGANIZATION_ROLE,
        [
            (swap(ORGANIZATION_ROLE, "    schema:memberOf ex:senate ;\n", ""), "schema:memberOf"),
            (swap(ORGANIZATION_ROLE, "schema:memberOf ex:senate", "schema:memberOf ex:townhall"), "schema:memberOf"),
            (
                swap(ORGANIZATION_ROLE, "schema:memberOf ex:senate", "schema:memberOf ex:senate , ex:chancellery"),
                "schema:memberOf",
            ),
            (
                swap(ORGANIZATION_ROLE, '"Senatorin für Stadtentwicklung"', '"Senatorin für Stadtentwicklung"@de'),
                "schema:roleName",
            ),
            (swap(ORGANIZATION_ROLE, '"2023-04-27"^^xsd:date', '"April 2023"'), "schema:startDate"),
            (
                swap(
                    ORGANIZATION_ROLE,
                    '"2023-04-27"^^xsd:date .',
                    '"2023-04-27"^^xsd:date ;\n    schema:endDate "2026" .',
                ),
                "schema:endDate",
            ),
        ],
    ),
    "Person": (
        PERSON,
        [
            (swap(PERSON, '    schema:name "Dr. Max Beispiel" ;\n', ""), "schema:name"),
            (swap(PERSON, '"Max"', '"Max" , "Maximilian"'), "schema:givenName"),
            (swap(PERSON, '"Beispiel"', '"Beispiel"@de'), "schema:familyName"),
            (
                swap(PERSON, 'schema:honorificPrefix "Dr."', 'schema:honorificPrefix "Staatssekretär"'),
                "schema:honorificPrefix",
            ),
            (swap(PERSON, "schema:memberOf ex:it-role ;", 'schema:memberOf "Senatsverwaltung" ;'), "schema:memberOf"),
            (
                swap(PERSON, "schema:contactPoint ex:it-contact", "schema:contactPoint ex:townhall"),
                "schema:contactPoint",
            ),
        ],
    ),
    "PressRelease": (
        PRESS_RELEASE,
        [
            (
                swap(PRESS_RELEASE, '    schema:headline "Neues Stadtteilzentrum in Moabit eröffnet"@de ;\n', ""),
                "schema:headline",
            ),
            (
                swap(
                    PRESS_RELEASE,
                    '"Neues Stadtteilzentrum in Moabit eröffnet"@de',
                    '"Neues Stadtteilzentrum in Moabit eröffnet"',
                ),
                "schema:headline",
            ),
            (
                swap(PRESS_RELEASE, 'schema:datePublished "2025-05-01"^^xsd:date', 'schema:datePublished "2025-05-01"'),
                "schema:datePublished",
            ),  # the date as a plain string
            (
                swap(
                    PRESS_RELEASE,
                    'schema:datePublished "2025-05-01"^^xsd:date',
                    'schema:datePublished "2025-05-01T10:00:00+02:00"^^xsd:dateTime',
                ),
                "schema:datePublished",
            ),
            (
                swap(PRESS_RELEASE, 'schema:dateModified "2025-05-01"^^xsd:date', 'schema:dateModified "01.05.2025"'),
                "schema:dateModified",
            ),
            (
                swap(
                    PRESS_RELEASE,
                    '"Das Stadtteilzentrum Moabit öffnet am Montag seine Türen für alle."@de',
                    '"Siehe Anhang."@de',
                ),
                "schema:articleBody",
            ),
            (
                swap(PRESS_RELEASE, '"2025-05-01-neues-stadtteilzentrum-in-moabit"', '"Stadtteilzentrum"'),
                "schema:identifier",
            ),
            (swap(PRESS_RELEASE, '"112/2025"', '"Nr. 112"'), "pm:pressReleaseNumber"),
            (swap(PRESS_RELEASE, "schema:publisher ex:senate", "schema:publisher ex:person"), "schema:publisher"),
            (swap(PRESS_RELEASE, "    schema:publisher ex:senate ;\n", ""), "schema:publisher"),
            (
                swap(PRESS_RELEASE, "schema:publisher ex:senate", "schema:publisher ex:senate , ex:chancellery"),
                "schema:publisher",
            ),
            (swap(PRESS_RELEASE, '"de" ;', '"Deutsch" ;'), "schema:inLanguage"),
            (
                swap(
                    PRESS_RELEASE,
                    "<http://dcat-ap.de/def/licenses/dl-by-de/2.0>",
                    "<https://creativecommons.org/licenses/by/4.0/>",
                ),
                "schema:license",
            ),  # the wrong licence
            (
                swap(
                    PRESS_RELEASE,
                    "<http://dcat-ap.de/def/licenses/dl-by-de/2.0>",
                    '"http://dcat-ap.de/def/licenses/dl-by-de/2.0"',
                ),
                "schema:license",
            ),
            (
                swap(PRESS_RELEASE, "    schema:license <http://dcat-ap.de/def/licenses/dl-by-de/2.0> ;\n", ""),
                "schema:license",
            ),
            (swap(PRESS_RELEASE, "schema:isBasedOn ex:it-source", "schema:isBasedOn ex:townhall"), "schema:isBasedOn"),
            (swap(PRESS_RELEASE, "schema:image ex:it-image", "schema:image ex:townhall"), "schema:image"),
            (
                swap(PRESS_RELEASE, "schema:spatialCoverage ex:mitte", "schema:spatialCoverage ex:senate"),
                "schema:spatialCoverage",
            ),
            (swap(PRESS_RELEASE, "schema:mentions ex:person", 'schema:mentions "Erika Mustermann"'), "schema:mentions"),
            (swap(PRESS_RELEASE, "schema:about ex:programme", 'schema:about "BENN"'), "schema:about"),
            (
                swap(PRESS_RELEASE, "schema:hasPart ex:it-quote", "schema:hasPart ex:it-quote , ex:it-image"),
                "schema:hasPart",
            ),
            (swap(PRESS_RELEASE, "pm:pressContact ex:it-contact", "pm:pressContact ex:person"), "pm:pressContact"),
        ],
    ),
    "Quotation": (
        QUOTATION,
        [
            (swap(QUOTATION, "    schema:isPartOf ex:release ;\n", ""), "schema:isPartOf"),  # without isPartOf
            (swap(QUOTATION, "schema:isPartOf ex:release", "schema:isPartOf ex:source"), "schema:isPartOf"),
            (
                swap(
                    QUOTATION,
                    '"Wir freuen uns auf ein fröhliches Fest."@de',
                    '"Wir freuen uns auf ein fröhliches Fest."',
                ),
                "schema:text",
            ),
            (swap(QUOTATION, '"Wir freuen uns auf ein fröhliches Fest."@de', '"Ja."@de'), "schema:text"),
            (
                swap(QUOTATION, "schema:spokenByCharacter ex:person", "schema:spokenByCharacter ex:townhall"),
                "schema:spokenByCharacter",
            ),
            (
                swap(
                    QUOTATION_BY_ROLE,
                    '    schema:roleName "Sprecherin des Bezirksamts" .',
                    '    schema:description "?"@de .',
                ),
                "schema:spokenByCharacter",
            ),  # a role without its name
            (
                swap(QUOTATION, "schema:spokenByCharacter ex:person", "schema:spokenByCharacter ex:person , ex:ngo"),
                "schema:spokenByCharacter",
            ),
        ],
    ),
    "Role": (
        ROLE,
        [
            (swap(ROLE, '"Sprecherin des Bezirksamts"', '"Sprecherin des Bezirksamts"@de'), "schema:roleName"),
            (swap(ROLE, '"Sprecherin des Bezirksamts"', '"Sprecherin" , "Pressesprecherin"'), "schema:roleName"),
        ],
    ),
}

# ---------------------------------------------------------------- helpers


def graph_of(example: str) -> Graph:
    graph = Graph()
    graph.parse(data=PREFIXES + BACKGROUND + example, format="turtle")
    return graph


def shape_graph(stem: str) -> Graph:
    graph = Graph()
    graph.parse(SHAPES / f"{stem}.ttl", format="turtle")
    return graph


def messages_of(stem: str) -> set[str]:
    return {str(m) for m in shape_graph(stem).objects(None, SH.message)}


def listing(findings: list[Finding]) -> str:
    return "\n".join(f.line() for f in findings) or "(none)"


def validate(example: str, focus: list[str] | None = None) -> ValidationResult:
    return VALIDATOR.validate(graph_of(example), focus=focus)


VIOLATING = [
    pytest.param(stem, number, example, expected, id=f"{stem}-{number}-{expected}")
    for stem, (_good, bad) in EXAMPLES.items()
    for number, (example, expected) in enumerate(bad)
]


# ---------------------------------------------------------------- tests


def test_every_shape_file_has_examples() -> None:
    assert SHAPE_FILES, f"no shape files in {SHAPES}"
    assert set(EXAMPLES) == {p.stem for p in SHAPE_FILES}


@pytest.mark.parametrize("stem", [p.stem for p in SHAPE_FILES])
def test_shape_file_has_conforming_and_violating_examples(stem: str) -> None:
    assert stem in EXAMPLES, f"shapes/{stem}.ttl has no examples in EXAMPLES"
    conforming, violating = EXAMPLES[stem]
    assert conforming.strip()
    assert violating, f"shapes/{stem}.ttl has no violating example"


def test_background_conforms() -> None:
    result = validate("")
    assert result.findings == [], result.text()


@pytest.mark.parametrize("stem", [p.stem for p in SHAPE_FILES])
def test_conforming_example_conforms(stem: str) -> None:
    conforming, _ = EXAMPLES.get(stem, ("", []))
    assert conforming, f"shapes/{stem}.ttl has no conforming example"
    graph = graph_of(conforming)
    # the example is one the shape file is about: ex:it is one of its targets
    shapes = shape_graph(stem)
    targeted = [c for c in shapes.objects(None, SH.targetClass) if (IT, RDF.type, c) in graph]
    targeted += [p for p in shapes.objects(None, SH.targetObjectsOf) if (None, p, IT) in graph]
    assert targeted, f"ex:it in the {stem} example is not a target of shapes/{stem}.ttl"
    result = VALIDATOR.validate(graph)
    assert result.conforms, result.text()
    assert result.violations == [], result.text()
    assert result.findings == [], f"a good example raises no warning either:\n{result.text()}"


def test_quotation_spoken_by_a_named_role_conforms() -> None:
    result = validate(QUOTATION_BY_ROLE)
    assert result.findings == [], result.text()


def test_event_may_start_on_a_date() -> None:
    example = swap(EVENT, '"2025-06-14T14:00:00+02:00"^^xsd:dateTime', '"2025-06-14"^^xsd:date')
    assert validate(example).findings == []
    example = swap(EVENT, '"2025-06-14T14:00:00+02:00"^^xsd:dateTime', '"2025-06-14T12:00:00Z"^^xsd:dateTime')
    assert validate(example).findings == []


def test_release_may_use_the_zero_licence() -> None:
    example = swap(PRESS_RELEASE, "dl-by-de/2.0", "dl-zero-de/2.0")
    assert validate(example).findings == []


def test_numbered_street_conforms() -> None:
    assert validate(swap(STRASSE, '"Turmstraße"', '"Straße 70"')).findings == []


@pytest.mark.parametrize(("stem", "number", "example", "expected"), VIOLATING)
def test_violating_example_violates(stem: str, number: int, example: str, expected: str) -> None:
    result = validate(example)
    assert not result.conforms, f"{stem} example {number} conforms but should violate {expected}"
    on_it = [f for f in result.violations if f.focus == str(IT)]
    assert on_it, f"no violation on ex:it:\n{result.text()}"
    # nothing else broke: the one edit made exactly this node invalid
    assert all(f.focus == str(IT) for f in result.violations), result.text()
    named = [f for f in on_it if expected in f.message or expected in f.path]
    assert named, f"no violation on ex:it names {expected}:\n{listing(on_it)}"
    # and it is this shape file's rule that says so
    own = messages_of(stem)
    assert any(f.message in own for f in named), (
        f"the violations naming {expected} come from other shapes than shapes/{stem}.ttl:\n{listing(named)}"
    )


@pytest.mark.parametrize(("stem", "number", "example", "expected"), VIOLATING)
def test_violation_found_when_only_that_node_is_validated(stem: str, number: int, example: str, expected: str) -> None:
    """The build validates only the nodes a release adds (``focus=``); that must catch the same violations."""
    result = validate(example, focus=[str(IT)])
    named = [f for f in result.violations if f.focus == str(IT) and (expected in f.message or expected in f.path)]
    assert named, f"{stem} example {number}: with focus=[ex:it], nothing names {expected}:\n{result.text()}"


@pytest.mark.parametrize("stem", [p.stem for p in SHAPE_FILES])
def test_messages_name_the_property_they_check(stem: str) -> None:
    """A message that names a property names the one its constraint is on, not another."""
    shapes = shape_graph(stem)
    wrong = []
    for prop_shape, path in shapes.subject_objects(SH.path):
        if not isinstance(path, URIRef):
            continue
        curie = shapes.namespace_manager.normalizeUri(path)
        for message in shapes.objects(prop_shape, SH.message):
            named = set(re.findall(r"\b(?:schema|pm):[a-z]\w*", str(message)))
            if named and curie not in named:
                wrong.append(f"{curie}: {message}")
    assert wrong == []


@pytest.mark.parametrize("stem", [p.stem for p in SHAPE_FILES])
def test_every_violation_rule_is_exercised(stem: str) -> None:
    """Every Violation-level message of a shape file is produced by at least one of its violating examples."""
    shapes = shape_graph(stem)
    rules = {
        str(m)
        for ps in shapes.subjects(SH.path, None)
        for m in shapes.objects(ps, SH.message)
        if shapes.value(ps, SH.severity) in (None, SH.Violation)
    }
    violating = EXAMPLES.get(stem, ("", []))[1]
    produced = {f.message for example, _ in violating for f in validate(example).violations}
    assert rules - produced == set()


@pytest.mark.parametrize(
    ("example", "expected"),
    [
        pytest.param(swap(BEZIRK, ' ;\n    pm:lorCode "03"', ""), "pm:lorCode", id="Bezirk-without-lorCode"),
        pytest.param(
            swap(PROGNOSERAUM, '    pm:lorCode "0120" ;\n', ""), "pm:lorCode", id="Prognoseraum-without-lorCode"
        ),
        pytest.param(
            swap(BEZIRKSREGION, '    pm:lorCode "011002" ;\n', ""), "pm:lorCode", id="Bezirksregion-without-lorCode"
        ),
        pytest.param(
            swap(PLANUNGSRAUM, '    pm:lorCode "01100104" ;\n', ""), "pm:lorCode", id="Planungsraum-without-lorCode"
        ),
        pytest.param(
            swap(ORGANIZATION_ROLE, '    schema:roleName "Senatorin für Stadtentwicklung" ;\n', ""),
            "schema:roleName",
            id="OrganizationRole-without-roleName",
        ),
        pytest.param(
            swap(QUOTATION, " ;\n    schema:spokenByCharacter ex:person", ""),
            "schema:spokenByCharacter",
            id="Quotation-without-speaker",
        ),
    ],
)
def test_missing_recommended_value_warns_but_conforms(example: str, expected: str) -> None:
    result = validate(example)
    assert result.conforms, result.text()
    findings = [(f.focus, f.path, f.severity) for f in result.findings]
    assert findings == [(str(IT), expected, "Warning")], result.text()


# ---------------------------------------------------------------- regressions


@pytest.mark.parametrize("name", ["Turmstraße 75a", "Turmstraße 75 A", "Turmstraße 75"])
def test_street_name_with_house_number_violates(name: str) -> None:
    result = validate(swap(STRASSE, '"Turmstraße"', f'"{name}"'))
    assert [f for f in result.violations if f.focus == str(IT) and f.path == "schema:name"], result.text()


@pytest.mark.parametrize("name", ["Straße 70", "Straße des 17. Juni", "Alt-Köpenick"])
def test_street_names_with_digits_of_their_own_conform(name: str) -> None:
    assert validate(swap(STRASSE, '"Turmstraße"', f'"{name}"')).conforms


def test_person_member_of_a_literal_violates() -> None:
    result = validate(swap(PERSON, "schema:memberOf ex:it-role", 'schema:memberOf "Bezirksamt"'))
    assert [f for f in result.violations if f.focus == str(IT) and f.path == "schema:memberOf"], result.text()
