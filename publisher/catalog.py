"""The DCAT-AP.de 3.0 catalogue of what is published: the catalogue, the dataset of the whole graph, a
distribution for every dump the current state lists in its manifest, and the query services.

Every value the catalogue points to is typed with the class DCAT-AP expects (``dct:LicenseDocument``,
``dct:MediaType``, ``foaf:Document``, ...), and every value from a controlled vocabulary (EU languages, data
themes, file types, frequencies, publisher types, the DCAT-AP.de licences, contributors and geocoding levels)
carries its label and ``skos:inScheme``, so that harvesters and validators can check it without fetching the
vocabularies first.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS, XSD

from publisher.dumps import DUMPS, ENCODINGS
from publisher.namespaces import DCATDE, LICENSE_DL_BY_DE_2_0
from publisher.store import Store

ADMS = "http://www.w3.org/ns/adms#"
HYDRA = "http://www.w3.org/ns/hydra/core#"
SPDX = "http://spdx.org/rdf/terms#"
DCATAP = "http://data.europa.eu/r5r#"
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
IANA = "https://www.iana.org/assignments/media-types/"
EU = "http://publications.europa.eu/resource/authority/"
GEOCODING = "http://dcat-ap.de/def/politicalGeocoding/"

#: Prefixes of the catalogue's serialisations.
CATALOG_PREFIXES = {
    "dcat": str(DCAT),
    "dct": str(DCTERMS),
    "dcatde": str(DCATDE),
    "dcatap": DCATAP,
    "foaf": str(FOAF),
    "vcard": str(VCARD),
    "skos": str(SKOS),
    "spdx": SPDX,
    "xsd": str(XSD),
    "hydra": HYDRA,
}
#: The JSON-LD context of the catalogue.
CATALOG_CONTEXT: dict[str, Any] = {**CATALOG_PREFIXES, "rdf": str(RDF)}

#: Controlled vocabularies: scheme IRI -> its title.
SCHEMES = {
    EU + "language": "Languages (EU Vocabularies)",
    EU + "data-theme": "Data theme (EU Vocabularies)",
    EU + "file-type": "File type (EU Vocabularies)",
    EU + "frequency": "Frequency (EU Vocabularies)",
    EU + "planned-availability": "Planned availability (EU Vocabularies)",
    "http://purl.org/adms/publishertype/1.0": "Publisher Type (ADMS)",
    "http://dcat-ap.de/def/licenses": "Lizenzen (DCAT-AP.de)",
    "http://dcat-ap.de/def/contributors": "Datenbereitsteller (DCAT-AP.de)",
    GEOCODING + "Level": "Ebene der geopolitischen Abdeckung (DCAT-AP.de)",
    GEOCODING + "stateKey": "Bundesländer (DCAT-AP.de)",
}
LANGUAGE = EU + "language/DEU"
THEMES = (EU + "data-theme/GOVE", EU + "data-theme/SOCI", EU + "data-theme/REGI")
AVAILABLE = EU + "planned-availability/AVAILABLE"
#: Press releases appear whenever the office has news.
FREQUENCY = EU + "frequency/IRREG"
LOCAL_AUTHORITY = "http://purl.org/adms/publishertype/LocalAuthority"
CONTRIBUTOR = "http://dcat-ap.de/def/contributors/berlinOpenData"
BERLIN = GEOCODING + "stateKey/11"
STATE_LEVEL = GEOCODING + "Level/state"
LICENSE_PAGE = "https://www.govdata.de/dl-de/by-2-0"
KEYWORDS = ("Pressemitteilung", "Berlin", "Bezirksamt", "Verwaltung", "Linked Open Data")
#: Labels of the controlled values the catalogue uses: IRI -> (label, scheme).
CONCEPTS = {
    LANGUAGE: ("Deutsch", EU + "language"),
    THEMES[0]: ("Regierung und öffentlicher Sektor", EU + "data-theme"),
    THEMES[1]: ("Bevölkerung und Gesellschaft", EU + "data-theme"),
    THEMES[2]: ("Regionen und Städte", EU + "data-theme"),
    AVAILABLE: ("verfügbar", EU + "planned-availability"),
    FREQUENCY: ("unregelmäßig", EU + "frequency"),
    LOCAL_AUTHORITY: ("Kommunalbehörde", "http://purl.org/adms/publishertype/1.0"),
    LICENSE_DL_BY_DE_2_0: ("Datenlizenz Deutschland Namensnennung 2.0", "http://dcat-ap.de/def/licenses"),
    CONTRIBUTOR: ("Berlin Open Data", "http://dcat-ap.de/def/contributors"),
    STATE_LEVEL: ("Land", GEOCODING + "Level"),
    BERLIN: ("Berlin", GEOCODING + "stateKey"),
}
#: Dump media type -> EU file type.
FILE_TYPES = {
    "text/turtle": EU + "file-type/RDF_TURTLE",
    "application/n-triples": EU + "file-type/RDF_N_TRIPLES",
    "application/ld+json": EU + "file-type/JSON_LD",
}
#: Query services: name -> (title in German, in English, the endpoint's path, the path of its description).
SERVICES = {
    "sparql": ("SPARQL-Endpunkt", "SPARQL endpoint", "sparql", "sparql"),
    "api": ("JSON-API der Pressemitteilungen", "JSON API of the press releases", "api/", "openapi.json"),
    "fragments": ("Triple Pattern Fragments", "Triple Pattern Fragments", "fragments", "fragments"),
}

_RELEASES = """
PREFIX schema: <https://schema.org/>
PREFIX pm: <https://w3id.org/pm-berlin/ontology#>
SELECT (COUNT(DISTINCT ?release) AS ?count) (MIN(?published) AS ?first) (MAX(?published) AS ?last)
       (MAX(?modified) AS ?modified)
WHERE {
  ?release a pm:PressRelease ; schema:datePublished ?published .
  OPTIONAL { ?release schema:dateModified ?modified }
}
"""
_PUBLISHER = """
PREFIX schema: <https://schema.org/>
PREFIX pm: <https://w3id.org/pm-berlin/ontology#>
SELECT ?publisher (SAMPLE(?label) AS ?name) (COUNT(DISTINCT ?release) AS ?count)
WHERE { ?release a pm:PressRelease ; schema:publisher ?publisher . ?publisher schema:name ?label }
GROUP BY ?publisher ORDER BY DESC(?count) ?publisher LIMIT 1
"""
_TELEPHONE = """
PREFIX schema: <https://schema.org/>
PREFIX pm: <https://w3id.org/pm-berlin/ontology#>
SELECT ?telephone WHERE { ?release a pm:PressRelease ; pm:pressContact ?contact . ?contact schema:telephone ?telephone }
ORDER BY ?telephone LIMIT 1
"""
_YEARS = """
PREFIX schema: <https://schema.org/>
PREFIX pm: <https://w3id.org/pm-berlin/ontology#>
SELECT ?year (COUNT(DISTINCT ?release) AS ?count) (MIN(?published) AS ?first) (MAX(?published) AS ?last)
       (MAX(?changed) AS ?modified)
WHERE {
  ?release a pm:PressRelease ; schema:datePublished ?published .
  OPTIONAL { ?release schema:dateModified ?changed }
  BIND (YEAR(?published) AS ?year)
}
GROUP BY ?year ORDER BY ?year
"""
_KEYWORDS = """
PREFIX schema: <https://schema.org/>
PREFIX pm: <https://w3id.org/pm-berlin/ontology#>
SELECT DISTINCT ?name WHERE { ?release a pm:PressRelease ; schema:about ?topic . ?topic schema:name ?name }
ORDER BY ?name LIMIT 20
"""


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value[:10]) if value else None


def catalog_graph(store: Store, base_uri: str) -> Graph:
    """The catalogue of the store's current state, with its IRIs under ``base_uri``."""
    manifest = store.manifest() or {}
    graph = Graph()
    for prefix, namespace in CATALOG_PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    add = graph.add

    catalog = URIRef(base_uri + "catalog")
    dataset = URIRef(base_uri + "catalog#dataset")
    homepage = URIRef(base_uri)
    rows = store.select(_RELEASES)
    releases = rows[0] if rows else {}
    first, last = _day(releases.get("first")), _day(releases.get("last"))
    built = _day(str(manifest["built"])) if manifest.get("built") else None
    modified = max(d for d in (_day(releases.get("modified")), last, built) if d) if (last or built) else None

    publisher = _publisher(graph, store, base_uri)
    for iri, (label, scheme) in CONCEPTS.items():
        _concept(graph, iri, label, scheme)
    add((URIRef(LICENSE_DL_BY_DE_2_0), RDF.type, DCTERMS.LicenseDocument))
    add((URIRef(LICENSE_DL_BY_DE_2_0), FOAF.homepage, URIRef(LICENSE_PAGE)))
    add((URIRef(LANGUAGE), RDF.type, DCTERMS.LinguisticSystem))
    add((URIRef(FREQUENCY), RDF.type, DCTERMS.Frequency))
    add((URIRef(BERLIN), RDF.type, DCTERMS.Location))
    add((URIRef(LICENSE_PAGE), RDF.type, FOAF.Document))
    add((homepage, RDF.type, FOAF.Document))
    listing = URIRef(base_uri + "liste/pressemitteilungen")
    add((listing, RDF.type, FOAF.Document))

    add((catalog, RDF.type, DCAT.Catalog))
    add((catalog, DCTERMS.title, Literal("Pressemitteilungen als Linked Open Data", lang="de")))
    add((catalog, DCTERMS.title, Literal("Press releases as linked open data", lang="en")))
    add((catalog, DCTERMS.description, Literal(_DESCRIPTION_DE, lang="de")))
    add((catalog, DCTERMS.description, Literal(_DESCRIPTION_EN, lang="en")))
    add((catalog, DCTERMS.publisher, publisher))
    add((catalog, DCTERMS.language, URIRef(LANGUAGE)))
    add((catalog, DCTERMS.license, URIRef(LICENSE_DL_BY_DE_2_0)))
    add((catalog, FOAF.homepage, homepage))
    add((catalog, DCTERMS.spatial, URIRef(BERLIN)))
    add((catalog, DCAT.themeTaxonomy, URIRef(EU + "data-theme")))
    add((catalog, URIRef(DCATAP + "availability"), URIRef(AVAILABLE)))
    if first or built:
        add((catalog, DCTERMS.issued, Literal(first or built, datatype=XSD.date)))
    if modified:
        add((catalog, DCTERMS.modified, Literal(modified, datatype=XSD.date)))
    add((catalog, DCAT.dataset, dataset))

    add((dataset, DCTERMS.title, Literal("Pressemitteilungen und was sie nennen", lang="de")))
    add((dataset, DCTERMS.title, Literal("Press releases and what they mention", lang="en")))
    add((dataset, DCTERMS.description, Literal(_DATASET_DE, lang="de")))
    add((dataset, DCTERMS.description, Literal(_DATASET_EN, lang="en")))
    add((dataset, DCAT.landingPage, homepage))
    for row in store.select(_KEYWORDS):
        add((dataset, DCAT.keyword, Literal(row["name"], lang="de")))
    contact = _contact(graph, store, base_uri, publisher)
    _dataset(graph, dataset, publisher, contact, (first or built, modified), (first, last), "zeitraum")

    for row in store.select(_YEARS):
        year = int(row["year"])
        part = URIRef(f"{base_uri}catalog#pressemitteilungen-{year}")
        add((catalog, DCAT.dataset, part))
        add((part, DCTERMS.title, Literal(f"Pressemitteilungen {year}", lang="de")))
        add((part, DCTERMS.title, Literal(f"Press releases of {year}", lang="en")))
        count = int(row["count"])
        add((part, DCTERMS.description, Literal(_YEAR_DE.format(year=year, count=count), lang="de")))
        add((part, DCTERMS.description, Literal(_YEAR_EN.format(year=year, count=count), lang="en")))
        add((part, DCAT.keyword, Literal(str(year), lang="de")))
        add((part, DCAT.landingPage, listing))
        start, end = date(year, 1, 1), date(year, 12, 31)
        span = (_day(row["first"]), max(d for d in (_day(row.get("modified")), _day(row["last"])) if d))
        _dataset(graph, part, publisher, contact, span, (start, end), f"zeitraum-{year}")
        _year_distribution(graph, part, base_uri, start, end)

    for name, entry in sorted(manifest.get("files", {}).items()):
        if name in DUMPS:
            _distribution(graph, dataset, base_uri, name, entry)
    for path, titles in SERVICES.items():
        _service(graph, catalog, dataset, publisher, base_uri, path, titles)
    return graph


_DESCRIPTION_DE = (
    "Pressemitteilungen Berliner Behörden als verknüpfte offene Daten: die Mitteilungen selbst und was sie nennen "
    "(Organisationen, Personen, Förderprogramme, Gebiete, Veranstaltungen, Zitate, Pressekontakte), mit schema.org "
    "beschrieben, als Downloads, über SPARQL, eine JSON-API und Triple Pattern Fragments."
)
_DESCRIPTION_EN = (
    "Press releases of Berlin's public bodies as linked open data: the releases and everything they mention "
    "(organisations, people, funding programmes, areas, events, quotations, press contacts), described with "
    "schema.org, as downloads, through SPARQL, a JSON API and Triple Pattern Fragments."
)
_YEAR_DE = "Die Pressemitteilungen des Jahres {year} (bisher {count}) mit allem, was sie nennen."
_YEAR_EN = "The press releases of {year} ({count} so far) with everything they mention."
_YEAR_API_DE = "Seitenweise über die JSON-API, als JSON-LD; die Downloads enthalten alle Jahre."
_DATASET_DE = (
    "Alle veröffentlichten Daten in einem Graphen: jede Pressemitteilung mit Bild, Zitaten und Veranstaltungen, "
    "die Einheiten, Personen und Rollen, die sie nennt, und die gepflegten Referenzdaten zu Berlins Verwaltung, "
    "Gebieten (Bezirke und LOR) und Förderprogrammen."
)
_DATASET_EN = (
    "Everything published, as one graph: every press release with its image, quotations and events, the units, "
    "people and roles it names, and the curated reference data on Berlin's administration, areas (districts and "
    "LOR) and funding programmes."
)


def modified_since(catalog: Graph, since: date) -> Graph:
    """``catalog`` with only the datasets modified on or after ``since`` (and their distributions): what a
    harvester that synced on ``since`` has to fetch again."""
    kept = set()
    for dataset in catalog.subjects(RDF.type, DCAT.Dataset):
        changed = catalog.value(dataset, DCTERMS.modified)
        if changed is not None and isinstance(changed, Literal) and changed.toPython() >= since:
            kept.add(dataset)
    return _keeping(catalog, kept, services=True)


def dataset_order(catalog: Graph) -> list[URIRef]:
    """The catalogue's datasets in the order its pages list them: the whole graph first, then the years from the
    newest; the same order for every request of one state, so that no dataset is on two pages."""
    datasets = [d for d in catalog.subjects(RDF.type, DCAT.Dataset) if isinstance(d, URIRef)]
    whole = [d for d in datasets if str(d).endswith("#dataset")]
    return whole + sorted((d for d in datasets if d not in whole), reverse=True)


def catalog_page(catalog: Graph, page: int, size: int, page_url: str) -> tuple[Graph, int]:
    """Page ``page`` (from 1) of ``catalog`` with ``size`` datasets a page, and the number of pages.

    The page holds its datasets with their distributions; the catalogue itself is on every page, its data
    services on the first. A Hydra view (both the core terms and the older ``hydra:PagedCollection`` ones, which
    harvesters such as ckanext-dcat follow) names the total and the first, last, previous and next pages;
    ``page_url`` is the page's IRI with ``{page}`` for the number. A page past the end raises IndexError(pages).
    """
    datasets = dataset_order(catalog)
    pages = max(1, -(-len(datasets) // size))
    if not 1 <= page <= pages:
        raise IndexError(pages)
    graph = _keeping(catalog, set(datasets[(page - 1) * size : page * size]), services=page == 1)
    node = next(s for s in catalog.subjects(RDF.type, DCAT.Catalog) if isinstance(s, URIRef))
    view = URIRef(page_url.format(page=page))
    hydra = Namespace(HYDRA)
    add = graph.add
    add((node, hydra.view, view))
    add((view, RDF.type, hydra.PartialCollectionView))
    add((view, RDF.type, hydra.PagedCollection))
    add((view, hydra.totalItems, Literal(len(datasets), datatype=XSD.nonNegativeInteger)))
    add((view, hydra.itemsPerPage, Literal(size, datatype=XSD.nonNegativeInteger)))
    steps = {"first": 1, "last": pages, "previous": page - 1 if page > 1 else None}
    steps["next"] = page + 1 if page < pages else None
    for name, number in steps.items():
        if number is not None:
            add((view, hydra[name], URIRef(page_url.format(page=number))))
            add((view, hydra[name + "Page"], URIRef(page_url.format(page=number))))
    return graph, pages


def _keeping(catalog: Graph, kept: set[Any], *, services: bool) -> Graph:
    """A copy of ``catalog`` with only the datasets in ``kept`` (and their distributions), and its data services
    only if ``services``."""
    graph = Graph()
    for prefix, namespace in catalog.namespaces():
        graph.bind(prefix, namespace)
    graph += catalog
    for dataset in list(graph.subjects(RDF.type, DCAT.Dataset)):
        if dataset in kept:
            continue
        for distribution in list(graph.objects(dataset, DCAT.distribution)):
            for checksum in list(graph.objects(distribution, URIRef(SPDX + "checksum"))):
                graph.remove((checksum, None, None))
            graph.remove((distribution, None, None))
        for period in list(graph.objects(dataset, DCTERMS.temporal)):
            graph.remove((period, None, None))
        graph.remove((dataset, None, None))
        graph.remove((None, None, dataset))
    if not services:
        for service in list(graph.objects(None, DCAT.service)):
            graph.remove((service, None, None))
            graph.remove((None, None, service))
    return graph


def _dataset(
    graph: Graph,
    dataset: URIRef,
    publisher: URIRef,
    contact: URIRef,
    dates: tuple[date | None, date | None],
    period: tuple[date | None, date | None],
    period_name: str,
) -> None:
    """What every dataset of the catalogue says: its publisher, contact, themes, place, time and licence."""
    add = graph.add
    add((dataset, RDF.type, DCAT.Dataset))
    add((dataset, DCTERMS.identifier, Literal(str(dataset))))
    add((dataset, DCTERMS.publisher, publisher))
    add((dataset, DCAT.contactPoint, contact))
    add((dataset, DCTERMS.language, URIRef(LANGUAGE)))
    add((dataset, DCTERMS.license, URIRef(LICENSE_DL_BY_DE_2_0)))
    for theme in THEMES:
        add((dataset, DCAT.theme, URIRef(theme)))
    for keyword in KEYWORDS:
        add((dataset, DCAT.keyword, Literal(keyword, lang="de")))
    add((dataset, DCTERMS.spatial, URIRef(BERLIN)))
    add((dataset, DCATDE.politicalGeocodingURI, URIRef(BERLIN)))
    add((dataset, DCATDE.politicalGeocodingLevelURI, URIRef(STATE_LEVEL)))
    add((dataset, DCATDE.contributorID, URIRef(CONTRIBUTOR)))
    add((dataset, DCTERMS.accrualPeriodicity, URIRef(FREQUENCY)))
    add((dataset, URIRef(DCATAP + "availability"), URIRef(AVAILABLE)))
    issued, modified = dates
    if issued:
        add((dataset, DCTERMS.issued, Literal(issued, datatype=XSD.date)))
    if modified:
        add((dataset, DCTERMS.modified, Literal(modified, datatype=XSD.date)))
    start, end = period
    if start and end:
        node = URIRef(f"{dataset.split('#')[0]}#{period_name}")
        add((dataset, DCTERMS.temporal, node))
        add((node, RDF.type, DCTERMS.PeriodOfTime))
        add((node, DCAT.startDate, Literal(start, datatype=XSD.date)))
        add((node, DCAT.endDate, Literal(end, datatype=XSD.date)))


def _concept(graph: Graph, iri: str, label: str, scheme: str) -> None:
    graph.add((URIRef(iri), RDF.type, SKOS.Concept))
    graph.add((URIRef(iri), SKOS.prefLabel, Literal(label, lang="de")))
    graph.add((URIRef(iri), SKOS.inScheme, URIRef(scheme)))
    graph.add((URIRef(scheme), RDF.type, SKOS.ConceptScheme))
    graph.add((URIRef(scheme), DCTERMS.title, Literal(SCHEMES[scheme], lang="en")))


def _publisher(graph: Graph, store: Store, base_uri: str) -> URIRef:
    """The organisation that issues most of the releases, as a typed foaf:Agent."""
    rows = store.select(_PUBLISHER)
    agent = URIRef(rows[0]["publisher"]) if rows else URIRef(base_uri + "catalog#herausgeber")
    name = rows[0]["name"] if rows else "Herausgeber der Pressemitteilungen"
    graph.add((agent, RDF.type, FOAF.Agent))
    graph.add((agent, RDF.type, FOAF.Organization))
    graph.add((agent, FOAF.name, Literal(name, lang="de")))
    graph.add((agent, DCTERMS.type, URIRef(LOCAL_AUTHORITY)))
    return agent


def _contact(graph: Graph, store: Store, base_uri: str, publisher: URIRef) -> URIRef:
    """The press office, reachable through the site and, when a release names one, by telephone."""
    contact = URIRef(base_uri + "catalog#kontakt")
    graph.add((contact, RDF.type, VCARD.Organization))
    graph.add((contact, RDF.type, VCARD.Kind))
    names = list(graph.objects(publisher, FOAF.name))
    graph.add((contact, VCARD.fn, Literal(f"Pressestelle, {names[0]}" if names else "Pressestelle")))
    graph.add((contact, VCARD.hasURL, URIRef(base_uri)))
    rows = store.select(_TELEPHONE)
    if rows:
        graph.add((contact, VCARD.hasTelephone, URIRef("tel:" + rows[0]["telephone"])))
    return contact


def _media_type(graph: Graph, media_type: str) -> URIRef:
    iri = URIRef(IANA + media_type)
    graph.add((iri, RDF.type, DCTERMS.MediaType))
    return iri


def _distribution(graph: Graph, dataset: URIRef, base_uri: str, name: str, entry: dict[str, Any]) -> None:
    add = graph.add
    distribution = URIRef(f"{base_uri}catalog#dump-{name}")
    download = URIRef(f"{base_uri}dumps/{name}")
    add((dataset, DCAT.distribution, distribution))
    add((distribution, RDF.type, DCAT.Distribution))
    add((distribution, DCTERMS.title, Literal(DUMPS[name][1], lang="de")))
    add((distribution, DCTERMS.description, Literal(f"{DUMPS[name][1]} ({name})", lang="de")))
    add((distribution, DCAT.accessURL, URIRef(base_uri + "dumps/")))
    add((distribution, DCAT.downloadURL, download))
    add((distribution, DCAT.mediaType, _media_type(graph, entry["media_type"])))
    if ENCODINGS.get(name) == "gzip":
        add((distribution, DCAT.compressFormat, _media_type(graph, "application/gzip")))
    file_type = FILE_TYPES.get(entry["media_type"])
    if file_type:
        add((distribution, DCTERMS.format, URIRef(file_type)))
        add((URIRef(file_type), RDF.type, DCTERMS.MediaTypeOrExtent))
        _concept(graph, file_type, file_type.rsplit("/", 1)[1].replace("_", "-"), EU + "file-type")
    add((distribution, DCTERMS.license, URIRef(LICENSE_DL_BY_DE_2_0)))
    add((distribution, DCTERMS.language, URIRef(LANGUAGE)))
    add((distribution, URIRef(DCATAP + "availability"), URIRef(AVAILABLE)))
    add((distribution, DCAT.byteSize, Literal(entry["size"], datatype=XSD.nonNegativeInteger)))
    checksum = BNode()
    add((distribution, URIRef(SPDX + "checksum"), checksum))
    add((checksum, RDF.type, URIRef(SPDX + "Checksum")))
    add((checksum, URIRef(SPDX + "algorithm"), URIRef(SPDX + "checksumAlgorithm_sha256")))
    add((URIRef(SPDX + "checksumAlgorithm_sha256"), RDF.type, URIRef(SPDX + "ChecksumAlgorithm")))
    add((checksum, URIRef(SPDX + "checksumValue"), Literal(entry["sha256"], datatype=XSD.hexBinary)))


def _year_distribution(graph: Graph, dataset: URIRef, base_uri: str, start: date, end: date) -> None:
    """A year's releases through the JSON API, as JSON-LD (paged: an access URL, not a download)."""
    add = graph.add
    distribution = URIRef(f"{dataset}-jsonld")
    access = URIRef(f"{base_uri}api/releases?from={start.isoformat()}&to={end.isoformat()}&format=jsonld")
    add((dataset, DCAT.distribution, distribution))
    add((distribution, RDF.type, DCAT.Distribution))
    add((distribution, DCTERMS.title, Literal(f"Pressemitteilungen {start.year} über die JSON-API", lang="de")))
    add((distribution, DCTERMS.description, Literal(_YEAR_API_DE, lang="de")))
    add((distribution, DCAT.accessURL, access))
    add((distribution, DCAT.accessService, URIRef(f"{base_uri}catalog#dienst-api")))
    add((distribution, DCAT.mediaType, _media_type(graph, "application/ld+json")))
    file_type = FILE_TYPES["application/ld+json"]
    add((distribution, DCTERMS.format, URIRef(file_type)))
    add((URIRef(file_type), RDF.type, DCTERMS.MediaTypeOrExtent))
    _concept(graph, file_type, "JSON-LD", EU + "file-type")
    add((distribution, DCTERMS.license, URIRef(LICENSE_DL_BY_DE_2_0)))
    add((distribution, DCTERMS.language, URIRef(LANGUAGE)))
    add((distribution, URIRef(DCATAP + "availability"), URIRef(AVAILABLE)))


def _service(
    graph: Graph,
    catalog: URIRef,
    dataset: URIRef,
    publisher: URIRef,
    base_uri: str,
    path: str,
    titles: tuple[str, str, str, str],
) -> None:
    add = graph.add
    title_de, title_en, endpoint, description = titles
    service = URIRef(f"{base_uri}catalog#dienst-{path}")
    add((catalog, DCAT.service, service))
    add((service, RDF.type, DCAT.DataService))
    add((service, DCTERMS.title, Literal(title_de, lang="de")))
    add((service, DCTERMS.title, Literal(title_en, lang="en")))
    add((service, DCAT.endpointURL, URIRef(base_uri + endpoint)))
    add((URIRef(base_uri + endpoint), RDF.type, RDFS.Resource))
    add((service, DCAT.endpointDescription, URIRef(base_uri + description)))
    add((URIRef(base_uri + description), RDF.type, FOAF.Document))
    add((URIRef(base_uri + description), RDF.type, RDFS.Resource))
    add((service, DCAT.servesDataset, dataset))
    add((service, DCTERMS.publisher, publisher))
    add((service, DCTERMS.license, URIRef(LICENSE_DL_BY_DE_2_0)))
    add((service, URIRef(DCATAP + "availability"), URIRef(AVAILABLE)))


__all__ = ["CATALOG_CONTEXT", "CATALOG_PREFIXES", "catalog_graph", "catalog_page", "dataset_order", "modified_since"]
