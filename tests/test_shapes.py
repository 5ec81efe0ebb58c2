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
@prefix geo:    <http://www.opengis.net/ont/geosparql#> .
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

GEOMETRY = """\
ex:it a geo:Geometry ;
    geo:asWKT "<http://www.opengis.net/def/crs/OGC/1.3/CRS84> POLYGON ((13 52, 14 52, 14 53, 13 52))"^^geo:wktLiteral ;
    schema:isBasedOn <https://example.org/umrisse.geojson> ;
    schema:license <http://dcat-ap.de/def/licenses/dl-zero-de/2.0> ;
    schema:creditText "Geoportal Berlin" ;
    schema:description "Vereinfacht (Toleranz 10 m)."@de .
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
SPOKEN_BY_PERSON = "schema:spokenByCharacter ex:person ."
SPOKEN_BY_ROLE = """\
schema:spokenByCharacter ex:it-role .
ex:it-role a schema:Role ;
    schema:roleName "Sprecherin des Bezirksamts" ."""
QUOTATION_BY_ROLE = swap(QUOTATION, SPOKEN_BY_PERSON, SPOKEN_BY_ROLE)

#: One edit that makes an example violate: (old, new, the path of the violation it must produce on ex:it), and,
#: where the edit is not made to the shape's conforming example, the example it is made to.
Edit = tuple[str, str, str] | tuple[str, str, str, str]

#: shape file stem -> (conforming example, [violating edit, ...]); ``violating`` applies the edits with ``swap``
EXAMPLES: dict[str, tuple[str, list[Edit]]] = {
    "Bezirk": (
        BEZIRK,
        [
            ('"03"', '"3"', "pm:lorCode"),
            ('"03"', '"003"', "pm:lorCode"),
            ('"03"', "3", "pm:lorCode"),  # an integer, not a string
            ('pm:lorCode "03"', 'pm:lorCode "03" , "04"', "pm:lorCode"),
        ],
    ),
    "Prognoseraum": (
        PROGNOSERAUM,
        [
            ('"0120"', '"012"', "pm:lorCode"),
            ('"0120"', '"012001"', "pm:lorCode"),
            (" ;\n    schema:containedInPlace ex:mitte", "", "schema:containedInPlace"),
            ("ex:mitte", "ex:regierungsviertel", "schema:containedInPlace"),
        ],
    ),
    "Bezirksregion": (
        BEZIRKSREGION,
        [
            ('"011002"', '"01100"', "pm:lorCode"),
            ('"011002"', '"01100201"', "pm:lorCode"),
            (" ;\n    schema:containedInPlace ex:zentrum", "", "schema:containedInPlace"),
            ("ex:zentrum", "ex:mitte", "schema:containedInPlace"),  # a Bezirk, not a Prognoseraum
        ],
    ),
    "Planungsraum": (
        PLANUNGSRAUM,
        [
            ('"01100104"', '"0110010"', "pm:lorCode"),
            ('"01100104"', '"011001040"', "pm:lorCode"),
            ('"01100104"', '"0110-0104"', "pm:lorCode"),
            (" ;\n    schema:containedInPlace ex:regierungsviertel", "", "schema:containedInPlace"),
            ("ex:regierungsviertel", "ex:zentrum", "schema:containedInPlace"),
        ],
    ),
    "Ortsteil": (
        ORTSTEIL,
        [
            (" ;\n    schema:containedInPlace ex:mitte", "", "schema:containedInPlace"),
            ("ex:mitte", "ex:zentrum", "schema:containedInPlace"),  # a Prognoseraum, not a Bezirk
        ],
    ),
    "Strasse": (
        STRASSE,
        [
            ('"Turmstraße"', '"Turmstraße 75"', "schema:name"),
            ('"Turmstraße"', '"Turmstraße, 10559 Berlin"', "schema:name"),
            ('"Turmstraße"', '"Turmstraße 75a"', "schema:name"),
            ('"Turmstraße"', '"Turmstraße 75 A"', "schema:name"),
        ],
    ),
    "Place": (
        PLACE,
        [
            ('    schema:name "Rotes Rathaus" ;\n', "", "schema:name"),
            ('"Rotes Rathaus" ;', '"Rotes Rathaus"@de ;', "schema:name"),
            ('"Rotes Rathaus" ;', '"Rotes Rathaus" , "Rathaus Berlin" ;', "schema:name"),
            ('"Berliner Rathaus"', '"Berliner Rathaus"@de', "schema:alternateName"),
            ("schema:containedInPlace ex:mitte", "schema:containedInPlace ex:senate", "schema:containedInPlace"),
            (
                " ;\n    schema:sameAs",
                " ;\n    schema:containsPlace ex:ngo ;\n    schema:sameAs",
                "schema:containsPlace",
            ),
            ("<http://www.wikidata.org/entity/Q160244>", '"Q160244"', "schema:sameAs"),
            ('"Sitz des Regierenden Bürgermeisters"@de', '"Sitz des Regierenden Bürgermeisters"', "schema:description"),
        ],
    ),
    "PostalAddress": (
        POSTAL_ADDRESS,
        [
            ('"10707"', '"1070"', "schema:postalCode"),
            ('"10707"', '"D-10707"', "schema:postalCode"),
            ('"10707"', "10707", "schema:postalCode"),  # an integer
            ('"Württembergische Straße 6"', '"Württembergische Straße"', "schema:streetAddress"),
            ('"DE"', '"Deutschland"', "schema:addressCountry"),
            ('"Berlin"', '"Berlin"@de', "schema:addressLocality"),
        ],
    ),
    "ContactPoint": (
        CONTACT_POINT,
        [
            ('"+493090139403"', '"(030) 9013-9403"', "schema:telephone"),
            ('"+493090139403"', '"030901394030"', "schema:telephone"),
            ('"+493090139499"', '"030 90139-499"', "schema:faxNumber"),
            ('"presse@sensw.berlin.de"', '"presse(at)sensw.berlin.de"', "schema:email"),
            ('    schema:name "Pressestelle" ;\n', "", "schema:name"),
            ("schema:address ex:it-address .", "schema:address ex:townhall .", "schema:address"),
            ('"+493090182000"', '"030 9018-2000"', "schema:telephone", PRESS_CONTACT),  # a release's press contact
        ],
    ),
    "DefinedTermSet": (
        DEFINED_TERM_SET,
        [
            ('    schema:name "Handlungsfelder des Quartiersmanagements" ;\n', "", "schema:name"),
            ('"Handlungsfelder des Quartiersmanagements"', '""', "schema:name"),
            ("schema:hasDefinedTerm ex:it-field", "schema:hasDefinedTerm ex:townhall", "schema:hasDefinedTerm"),
        ],
    ),
    "FieldOfAction": (
        FIELD_OF_ACTION,
        [
            ('    schema:name "Netzwerkarbeit und Quartiersentwicklung" ;\n', "", "schema:name"),
            (
                '"Netzwerkarbeit und Quartiersentwicklung"',
                '"Netzwerkarbeit und Quartiersentwicklung"@de',
                "schema:name",
            ),
            ("ex:fields", "ex:programme", "schema:inDefinedTermSet"),
        ],
    ),
    "DigitalDocument": (
        DIGITAL_DOCUMENT,
        [
            ('    schema:name "001_pressemitteilung.md" ;\n', "", "schema:name"),
            (
                '"2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"',
                '"0beec7b5ea3f0fdbc95d0dd47f3c5bc275da8a33"',
                "schema:sha256",
            ),  # a SHA-1
            (
                '"2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"',
                '"2C26B46B68FFC68FF99B453C1D30413413422D706483BFA0F98A5E886266E7AE"',
                "schema:sha256",
            ),
            ('"text/markdown"', '"application/pdf"', "schema:encodingFormat"),
            (' ;\n    schema:encodingFormat "text/markdown"', "", "schema:encodingFormat"),
        ],
    ),
    "Event": (
        EVENT,
        [
            (
                '"2025-06-14T14:00:00+02:00"^^xsd:dateTime',
                '"2025-06-14T14:00:00"^^xsd:dateTime',
                "schema:startDate",
            ),  # no time zone
            ('"2025-06-14T14:00:00+02:00"^^xsd:dateTime', '"14. Juni 2025"', "schema:startDate"),
            ('"2025-06-14T14:00:00+02:00"^^xsd:dateTime', '"2025-06-14"', "schema:startDate"),
            ('    schema:startDate "2025-06-14T14:00:00+02:00"^^xsd:dateTime ;\n', "", "schema:startDate"),
            ('"Kiezfest in Moabit"@de', '"Kiezfest in Moabit"', "schema:name"),
            ("schema:organizer ex:ngo", "schema:organizer ex:person", "schema:organizer"),
            ("schema:location ex:townhall", "schema:location ex:ngo", "schema:location"),
            (" ;\n    schema:subjectOf ex:release", "", "schema:subjectOf"),
            ("schema:subjectOf ex:release", "schema:subjectOf ex:source", "schema:subjectOf"),
        ],
    ),
    "FundingPhase": (
        FUNDING_PHASE,
        [
            ("    schema:parentOrganization ex:programme ;\n", "", "schema:parentOrganization"),
            (
                "schema:parentOrganization ex:programme",
                "schema:parentOrganization ex:senate",
                "schema:parentOrganization",
            ),  # an organisation, not a programme
            (
                "schema:parentOrganization ex:programme",
                "schema:parentOrganization ex:programme , ex:it-other .\nex:it-other a schema:FundingScheme ; "
                'schema:name "Quartiersmanagement" .\nex:it',
                "schema:parentOrganization",
            ),
            ('    schema:foundingDate "2022-01-01"^^xsd:date ;\n', "", "schema:foundingDate"),
        ],
    ),
    "FundingScheme": (
        FUNDING_SCHEME,
        [
            ("schema:funder ex:senate", "schema:funder ex:person", "schema:funder"),
            ("pm:fieldOfAction ex:it-field", "pm:fieldOfAction ex:term", "pm:fieldOfAction"),
            (
                '"Ein Programm für lebendige Nachbarschaften"@de',
                '"Ein Programm für lebendige Nachbarschaften"',
                "schema:description",
            ),
            (
                '"Ein Programm für lebendige Nachbarschaften"@de',
                '"Un programme pour des quartiers vivants"@fr',
                "schema:description",
            ),
        ],
    ),
    "GovernmentOrganization": (
        GOVERNMENT_ORGANIZATION,
        [
            ("ex:senate", "ex:ngo", "schema:parentOrganization"),
            ("ex:senate", "ex:senate , ex:chancellery", "schema:parentOrganization"),
        ],
    ),
    "Geometry": (
        GEOMETRY,
        [
            ("<http://www.opengis.net/def/crs/OGC/1.3/CRS84> POLYGON", "POLYGON", "geo:asWKT"),
            ("POLYGON ((13 52, 14 52, 14 53, 13 52))", "POINT (13 52)", "geo:asWKT"),
            ('"^^geo:wktLiteral', '"', "geo:asWKT"),
            ("    schema:isBasedOn <https://example.org/umrisse.geojson> ;\n", "", "schema:isBasedOn"),
            ("<https://example.org/umrisse.geojson>", '"umrisse.geojson"', "schema:isBasedOn"),
            ("    schema:license <http://dcat-ap.de/def/licenses/dl-zero-de/2.0> ;\n", "", "schema:license"),
            ('    schema:creditText "Geoportal Berlin" ;\n', "", "schema:creditText"),
            ('"Vereinfacht (Toleranz 10 m)."@de', '"Vereinfacht."', "schema:description"),
        ],
    ),
    "ImageObject": (
        IMAGE_OBJECT,
        [
            ('    schema:creditText "Foto: SenSBW" ;\n', "", "schema:creditText"),
            ('"Foto: SenSBW"', '"X"', "schema:creditText"),
            (
                "<https://example.org/bilder/kiezfest.jpg>",
                '"https://example.org/bilder/kiezfest.jpg"',
                "schema:contentUrl",
            ),
        ],
    ),
    "Organization": (
        ORGANIZATION,
        [
            ('    schema:name "Stadtteilzentrum Moabit" ;\n', "", "schema:name"),
            ('"Stadtteilzentrum Moabit" ;', '"Stadtteilzentrum Moabit" , "STZ" ;', "schema:name"),
            ('"STZ Moabit"', '"STZ Moabit"@de', "schema:alternateName"),
            ("schema:parentOrganization ex:ngo", "schema:parentOrganization ex:townhall", "schema:parentOrganization"),
            ("schema:parentOrganization ex:ngo ;", "schema:subOrganization ex:person ;", "schema:subOrganization"),
            ("schema:contactPoint ex:it-contact ;", "schema:contactPoint ex:person ;", "schema:contactPoint"),
            ("schema:address ex:it-address ;", "schema:address ex:townhall ;", "schema:address"),
            ("schema:areaServed ex:mitte", "schema:areaServed ex:senate", "schema:areaServed"),
            ('"1998"^^xsd:gYear', '"1998"', "schema:foundingDate"),
            (
                '"1998"^^xsd:gYear ;',
                '"1998"^^xsd:gYear ;\n    schema:dissolutionDate "31.12.2024" ;',
                "schema:dissolutionDate",
            ),
            ("<https://example.org/stz-moabit>", '"https://example.org/stz-moabit"', "schema:url"),
        ],
    ),
    "OrganizationRole": (
        ORGANIZATION_ROLE,
        [
            ("    schema:memberOf ex:senate ;\n", "", "schema:memberOf"),
            ("schema:memberOf ex:senate", "schema:memberOf ex:townhall", "schema:memberOf"),
            ("schema:memberOf ex:senate", "schema:memberOf ex:senate , ex:chancellery", "schema:memberOf"),
            ('"Senatorin für Stadtentwicklung"', '"Senatorin für Stadtentwicklung"@de', "schema:roleName"),
            ('"2023-04-27"^^xsd:date', '"April 2023"', "schema:startDate"),
            ('"2023-04-27"^^xsd:date .', '"2023-04-27"^^xsd:date ;\n    schema:endDate "2026" .', "schema:endDate"),
        ],
    ),
    "Person": (
        PERSON,
        [
            ('    schema:name "Dr. Max Beispiel" ;\n', "", "schema:name"),
            ('"Max"', '"Max" , "Maximilian"', "schema:givenName"),
            ('"Beispiel"', '"Beispiel"@de', "schema:familyName"),
            ('schema:honorificPrefix "Dr."', 'schema:honorificPrefix "Staatssekretär"', "schema:honorificPrefix"),
            ("schema:memberOf ex:it-role ;", 'schema:memberOf "Senatsverwaltung" ;', "schema:memberOf"),
            ("schema:contactPoint ex:it-contact", "schema:contactPoint ex:townhall", "schema:contactPoint"),
        ],
    ),
    "PressRelease": (
        PRESS_RELEASE,
        [
            ('    schema:headline "Neues Stadtteilzentrum in Moabit eröffnet"@de ;\n', "", "schema:headline"),
            (
                '"Neues Stadtteilzentrum in Moabit eröffnet"@de',
                '"Neues Stadtteilzentrum in Moabit eröffnet"',
                "schema:headline",
            ),
            (
                'schema:datePublished "2025-05-01"^^xsd:date',
                'schema:datePublished "2025-05-01"',
                "schema:datePublished",
            ),  # the date as a plain string
            (
                'schema:datePublished "2025-05-01"^^xsd:date',
                'schema:datePublished "2025-05-01T10:00:00+02:00"^^xsd:dateTime',
                "schema:datePublished",
            ),
            ('schema:dateModified "2025-05-01"^^xsd:date', 'schema:dateModified "01.05.2025"', "schema:dateModified"),
            (
                '"Das Stadtteilzentrum Moabit öffnet am Montag seine Türen für alle."@de',
                '"Siehe Anhang."@de',
                "schema:articleBody",
            ),
            ('"2025-05-01-neues-stadtteilzentrum-in-moabit"', '"Stadtteilzentrum"', "schema:identifier"),
            ('"112/2025"', '"Nr. 112"', "pm:pressReleaseNumber"),
            ("schema:publisher ex:senate", "schema:publisher ex:person", "schema:publisher"),
            ("    schema:publisher ex:senate ;\n", "", "schema:publisher"),
            ("schema:publisher ex:senate", "schema:publisher ex:senate , ex:chancellery", "schema:publisher"),
            ('"de" ;', '"Deutsch" ;', "schema:inLanguage"),
            (
                "<http://dcat-ap.de/def/licenses/dl-by-de/2.0>",
                "<https://creativecommons.org/licenses/by/4.0/>",
                "schema:license",
            ),  # the wrong licence
            (
                "<http://dcat-ap.de/def/licenses/dl-by-de/2.0>",
                '"http://dcat-ap.de/def/licenses/dl-by-de/2.0"',
                "schema:license",
            ),
            ("    schema:license <http://dcat-ap.de/def/licenses/dl-by-de/2.0> ;\n", "", "schema:license"),
            ("schema:isBasedOn ex:it-source", "schema:isBasedOn ex:townhall", "schema:isBasedOn"),
            ("schema:image ex:it-image", "schema:image ex:townhall", "schema:image"),
            ("schema:spatialCoverage ex:mitte", "schema:spatialCoverage ex:senate", "schema:spatialCoverage"),
            ("schema:mentions ex:person", 'schema:mentions "Erika Mustermann"', "schema:mentions"),
            ("schema:about ex:programme", 'schema:about "BENN"', "schema:about"),
            ("schema:hasPart ex:it-quote", "schema:hasPart ex:it-quote , ex:it-image", "schema:hasPart"),
            ("pm:pressContact ex:it-contact", "pm:pressContact ex:person", "pm:pressContact"),
        ],
    ),
    "Quotation": (
        QUOTATION,
        [
            ("    schema:isPartOf ex:release ;\n", "", "schema:isPartOf"),  # without isPartOf
            ("schema:isPartOf ex:release", "schema:isPartOf ex:source", "schema:isPartOf"),
            (
                '"Wir freuen uns auf ein fröhliches Fest."@de',
                '"Wir freuen uns auf ein fröhliches Fest."',
                "schema:text",
            ),
            ('"Wir freuen uns auf ein fröhliches Fest."@de', '"Ja."@de', "schema:text"),
            ("schema:spokenByCharacter ex:person", "schema:spokenByCharacter ex:townhall", "schema:spokenByCharacter"),
            (
                '    schema:roleName "Sprecherin des Bezirksamts" .',
                '    schema:description "?"@de .',
                "schema:spokenByCharacter",
                QUOTATION_BY_ROLE,
            ),  # a role without its name
            (
                "schema:spokenByCharacter ex:person",
                "schema:spokenByCharacter ex:person , ex:ngo",
                "schema:spokenByCharacter",
            ),
        ],
    ),
    "Role": (
        ROLE,
        [
            ('"Sprecherin des Bezirksamts"', '"Sprecherin des Bezirksamts"@de', "schema:roleName"),
            ('"Sprecherin des Bezirksamts"', '"Sprecherin" , "Pressesprecherin"', "schema:roleName"),
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


def violating(stem: str) -> list[tuple[str, str]]:
    """The violating examples of a shape file: (example, the path of the violation it must produce), each one edit
    (``swap``) of its conforming example or of the example the edit names."""
    conforming, edits = EXAMPLES[stem]
    return [(swap(base[0] if base else conforming, old, new), expected) for old, new, expected, *base in edits]


VIOLATING = [
    pytest.param(stem, number, example, expected, id=f"{stem}-{number}-{expected}")
    for stem in EXAMPLES
    for number, (example, expected) in enumerate(violating(stem))
]

#: Edits that keep an example conforming: (the example, old, new).
CONFORMING_VARIANTS = [
    pytest.param(QUOTATION, SPOKEN_BY_PERSON, SPOKEN_BY_ROLE, id="Quotation-spoken-by-a-named-role"),
    pytest.param(
        EVENT,
        '"2025-06-14T14:00:00+02:00"^^xsd:dateTime',
        '"2025-06-14"^^xsd:date',
        id="Event-starts-on-a-date",
    ),
    pytest.param(
        EVENT,
        '"2025-06-14T14:00:00+02:00"^^xsd:dateTime',
        '"2025-06-14T12:00:00Z"^^xsd:dateTime',
        id="Event-starts-at-a-UTC-time",
    ),
    pytest.param(PRESS_RELEASE, "dl-by-de/2.0", "dl-zero-de/2.0", id="PressRelease-zero-licence"),
    # street names with digits of their own
    pytest.param(STRASSE, '"Turmstraße"', '"Straße 70"', id="Strasse-numbered"),
    pytest.param(STRASSE, '"Turmstraße"', '"Straße des 17. Juni"', id="Strasse-with-a-date"),
    pytest.param(STRASSE, '"Turmstraße"', '"Alt-Köpenick"', id="Strasse-hyphenated"),
]


# ---------------------------------------------------------------- tests


def test_every_shape_file_has_examples() -> None:
    assert SHAPE_FILES, f"no shape files in {SHAPES}"
    assert set(EXAMPLES) == {p.stem for p in SHAPE_FILES}


def test_background_conforms() -> None:
    result = validate("")
    assert result.findings == [], result.text()


@pytest.mark.parametrize("stem", [p.stem for p in SHAPE_FILES])
def test_conforming_example_conforms(stem: str) -> None:
    conforming, _ = EXAMPLES.get(stem, ("", []))
    assert conforming.strip(), f"shapes/{stem}.ttl has no conforming example"
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


@pytest.mark.parametrize(("example", "old", "new"), CONFORMING_VARIANTS)
def test_conforming_variant(example: str, old: str, new: str) -> None:
    result = validate(swap(example, old, new))
    assert result.findings == [], result.text()


@pytest.mark.parametrize(("stem", "number", "example", "expected"), VIOLATING)
def test_violating_example_violates(stem: str, number: int, example: str, expected: str) -> None:
    result = validate(example)
    assert not result.conforms, f"{stem} example {number} conforms but should violate {expected}"
    on_it = [f for f in result.violations if f.focus == str(IT)]
    assert on_it, f"no violation on ex:it:\n{result.text()}"
    # nothing else broke: the one edit made exactly this node invalid
    assert all(f.focus == str(IT) for f in result.violations), result.text()
    named = [f for f in on_it if f.path == expected]
    assert named, f"no violation on ex:it is on {expected}:\n{listing(on_it)}"
    # and it is this shape file's rule that says so
    own = messages_of(stem)
    assert any(f.message in own for f in named), (
        f"the violations on {expected} come from other shapes than shapes/{stem}.ttl:\n{listing(named)}"
    )


@pytest.mark.parametrize(("stem", "number", "example", "expected"), VIOLATING)
def test_violation_found_when_only_that_node_is_validated(stem: str, number: int, example: str, expected: str) -> None:
    """The build validates only the nodes a release adds (``focus=``); that must catch the same violations."""
    result = validate(example, focus=[str(IT)])
    named = [f for f in result.violations if f.focus == str(IT) and f.path == expected]
    assert named, f"{stem} example {number}: with focus=[ex:it], no violation is on {expected}:\n{result.text()}"


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
    assert stem in EXAMPLES, f"shapes/{stem}.ttl has no examples in EXAMPLES"
    examples = violating(stem)
    assert examples, f"shapes/{stem}.ttl has no violating example"
    produced = {f.message for example, _ in examples for f in validate(example).violations}
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
