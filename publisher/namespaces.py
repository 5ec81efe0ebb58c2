"""Namespace constants, nothing else.

schema.org is used with its https namespace: the schema.org 30.0 release names ``https://schema.org/`` in its
current vocabulary files, and every JSON-LD document the publisher writes uses its own ``@context`` whose
``@vocab`` is that namespace (schema.org's remote context still maps to ``http://schema.org/``).
"""

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, OWL, RDF, RDFS, SH, SKOS, XSD

SDO = Namespace("https://schema.org/")
PM = Namespace("https://w3id.org/pm-berlin/ontology#")
LOR = Namespace("https://berlinonline.github.io/lod-berlin-lor/")
WD = Namespace("http://www.wikidata.org/entity/")
DCATDE = Namespace("http://dcat-ap.de/def/dcatde/")
#: W3C's HTTP vocabulary: what errors say about themselves in RDF.
HTTP = Namespace("http://www.w3.org/2011/http#")

LICENSE_DL_BY_DE_2_0 = "http://dcat-ap.de/def/licenses/dl-by-de/2.0"

#: The classes of areas, from Berlin's districts down to single buildings.
AREA_CLASSES = frozenset(
    {
        PM.Bezirk,
        PM.Prognoseraum,
        PM.Bezirksregion,
        PM.Planungsraum,
        PM.Ortsteil,
        PM.Quartier,
        PM.Strasse,
        PM.Gebaeude,
        PM.Freiflaeche,
        SDO.City,
        SDO.Place,
    }
)
#: The classes of organisations (programmes and their phases count as organisations too: they have members).
ORGANISATION_CLASSES = frozenset(
    {
        SDO.GovernmentOrganization,
        SDO.Corporation,
        SDO.NGO,
        SDO.PoliticalParty,
        SDO.Organization,
        SDO.Project,
        SDO.FundingScheme,
        PM.FundingPhase,
    }
)

PREFIXES: dict[str, Namespace] = {
    "schema": SDO,
    "pm": PM,
    "rdf": Namespace(str(RDF)),
    "rdfs": Namespace(str(RDFS)),
    "xsd": Namespace(str(XSD)),
    "owl": Namespace(str(OWL)),
    "sh": Namespace(str(SH)),
    "skos": Namespace(str(SKOS)),
    "dct": Namespace(str(DCTERMS)),
    "dcat": Namespace(str(DCAT)),
    "lor": LOR,
    "wd": WD,
}

__all__ = [
    "AREA_CLASSES",
    "DCAT",
    "DCATDE",
    "DCTERMS",
    "HTTP",
    "LICENSE_DL_BY_DE_2_0",
    "LOR",
    "ORGANISATION_CLASSES",
    "OWL",
    "PM",
    "PREFIXES",
    "RDF",
    "RDFS",
    "SDO",
    "SH",
    "SKOS",
    "WD",
    "XSD",
]
