"""The DCAT-AP.de catalogue at /catalog: what it describes, its formats, and its conformance, checked by pySHACL
against SEMIC's DCAT-AP 3.0.1 shapes, GovData's DCAT-AP.de 3.0 profile and GovData's conventions."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyshacl
import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, RDF, SH, SKOS, XSD

from publisher.catalog import HYDRA, SPDX
from publisher.config import load_config
from publisher.store import open_store
from publisher.web import create_app
from tests.conftest import CORPUS, cli_build, data_folder, standards_folder

FORMATS = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
}
DE = "dcat-ap-de/shacl-validation/validator/resources"
DASHBOARD = f"{DE}/dashboard-live/shapes"
#: SKOS vocabularies the controlled-vocabulary checks look values up in (filtered to their SKOS triples).
VOCABULARIES = (
    "eu-vocabularies/filetypes-skos-ap-act.rdf",
    "eu-vocabularies/data-theme-skos-ap-act.rdf",
    "eu-vocabularies/frequencies-skos-ap-act.rdf",
    "eu-vocabularies/ADMS_SKOS_v1.00.rdf",
    f"{DASHBOARD}/dcat-ap-de-licenses-open.rdf",
    f"{DASHBOARD}/dcat-ap-de-contributors.rdf",
)
#: The shape sets: name -> files.
SHAPE_SETS = {
    "semic-3.0.1": ("dcat-ap/3.0.1/shacl/dcat-ap-SHACL.ttl", "dcat-ap/3.0.1/shacl/ranges.ttl"),
    "dcat-ap-de-3.0": (
        "dcat-ap/3.0.0/shacl/dcat-ap-SHACL.ttl",
        f"{DE}/v3.0/shapes/dcat-ap-SHACL-DE.ttl",
        f"{DE}/v3.0/shapes/dcat-ap-spec-german-additions.ttl",
        f"{DE}/v3.0/shapes/dcat-ap-de-controlledvocabularies.ttl",
    ),
    "govdata-conventions": (f"{DE}/v2.0/shapes/dcat-ap-konventionen.ttl",),
}


def skos_only(source: Graph) -> Graph:
    """The SKOS triples of a vocabulary: whole vocabulary files (ADMS above all) make pySHACL loop endlessly."""
    graph = Graph()
    for s, p, o in source:
        if str(p).startswith(str(SKOS)) or (p == RDF.type and o in (SKOS.Concept, SKOS.ConceptScheme)):
            graph.add((s, p, o))
    return graph


@pytest.fixture(scope="module")
def standards_dir() -> Path:
    folder = standards_folder()
    if folder is None or not (folder / "dcat-ap").is_dir():
        pytest.skip("PUBLISHER_STANDARDS not set and no ../shared/standards: the DCAT-AP shapes are read from there")
    return folder


@pytest.fixture(scope="module")
def vocabularies(standards_dir: Path) -> Graph:
    graph = Graph()
    for name in VOCABULARIES:
        graph += skos_only(Graph().parse(standards_dir / name))
    return graph


def without_dangling_shapes(shapes: Graph) -> tuple[Graph, set[str]]:
    """``shapes`` without the sh:property references to shapes that are defined nowhere, and those references.

    SEMIC's 3.0.1 ``ranges.ttl`` names five property shapes (of dcat:Dataset, dcat:Distribution and
    dcat:Relationship) that neither file defines; such a reference carries no constraint, but pySHACL refuses
    the whole shapes graph for it.
    """
    dangling = {o for o in shapes.objects(None, SH.property) if (o, None, None) not in shapes}
    for shape in dangling:
        shapes.remove((None, SH.property, shape))
    return shapes, {str(s) for s in dangling}


@pytest.fixture(scope="module")
def shapes(standards_dir: Path) -> dict[str, Graph]:
    sets = {}
    for name, files in SHAPE_SETS.items():
        graph = Graph()
        for file in files:
            graph.parse(standards_dir / file)
        sets[name], _dangling = without_dangling_shapes(graph)
    return sets


@pytest.fixture(scope="module")
def served(app_client: FlaskClient) -> dict[str, Graph]:
    """The catalogue as served in each RDF format, parsed back."""
    graphs = {}
    for media_type, rdflib_format in FORMATS.items():
        response = app_client.get("/catalog", headers={"Accept": media_type})
        assert response.status_code == 200, response.data
        assert response.mimetype == media_type
        graphs[media_type] = Graph().parse(data=response.data, format=rdflib_format)
    return graphs


@pytest.fixture(scope="module")
def app_client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.mark.parametrize("shape_set", list(SHAPE_SETS))
@pytest.mark.parametrize("media_type", list(FORMATS))
def test_catalog_conforms(
    served: dict[str, Graph], shapes: dict[str, Graph], vocabularies: Graph, shape_set: str, media_type: str
) -> None:
    conforms, _report, text = pyshacl.validate(
        served[media_type], shacl_graph=shapes[shape_set], ont_graph=vocabularies, inference="none", advanced=True
    )
    assert conforms, text


def test_formats_hold_the_same_catalogue(served: dict[str, Graph]) -> None:
    turtle = served["text/turtle"]
    for media_type, graph in served.items():
        assert isomorphic(graph, turtle), media_type


def test_catalogue_describes_what_is_published(app_client: FlaskClient, served: dict[str, Graph]) -> None:
    graph = served["text/turtle"]
    catalog = next(graph.subjects(RDF.type, DCAT.Catalog))
    titles = {t.language for t in graph.objects(catalog, DCTERMS.title) if isinstance(t, Literal)}
    assert titles == {"de", "en"}
    manifest = app_client.application.extensions["publisher"].manifest()
    base = manifest["base_uri"]
    dataset = URIRef(f"{base}catalog#dataset")
    assert set(graph.objects(catalog, DCAT.dataset)) == {dataset, URIRef(f"{base}catalog#pressemitteilungen-2025")}
    assert graph.value(dataset, DCTERMS.license) == URIRef("http://dcat-ap.de/def/licenses/dl-by-de/2.0")
    period = graph.value(dataset, DCTERMS.temporal)
    assert graph.value(period, DCAT.startDate) == Literal("2025-01-17", datatype=XSD.date)
    # every dump the server lists is a distribution with its size and checksum
    distributions = {str(graph.value(d, DCAT.downloadURL)): d for d in graph.objects(dataset, DCAT.distribution)}
    assert set(distributions) == {f"{base}dumps/{name}" for name in manifest["files"]}
    for name, entry in manifest["files"].items():
        distribution = distributions[f"{base}dumps/{name}"]
        assert int(graph.value(distribution, DCAT.byteSize)) == entry["size"]
        checksum = graph.value(distribution, URIRef(SPDX + "checksum"))
        assert str(graph.value(checksum, URIRef(SPDX + "checksumValue"))) == entry["sha256"]
        with app_client.get(f"/dumps/{name}") as download:
            assert len(download.data) == entry["size"]
    services = {str(graph.value(s, DCAT.endpointURL)) for s in graph.objects(catalog, DCAT.service)}
    assert services == {f"{base}sparql", f"{base}api/", f"{base}fragments"}
    for service in services:
        assert app_client.get("/" + service.removeprefix(base)).status_code == 200, service


def test_a_dataset_per_year(app_client: FlaskClient, served: dict[str, Graph]) -> None:
    """The releases of a year are a dataset of their own, whose distribution is the API's answer for that year."""
    graph = served["text/turtle"]
    base = app_client.application.extensions["publisher"].config.base_uri
    year = URIRef(f"{base}catalog#pressemitteilungen-2025")
    period = graph.value(year, DCTERMS.temporal)
    assert graph.value(period, DCAT.startDate) == Literal("2025-01-01", datatype=XSD.date)
    assert graph.value(period, DCAT.endDate) == Literal("2025-12-31", datatype=XSD.date)
    assert graph.value(year, DCTERMS.issued) == Literal("2025-01-17", datatype=XSD.date)
    landing = str(graph.value(year, DCAT.landingPage))
    assert app_client.get("/" + landing.removeprefix(base)).status_code == 200
    (distribution,) = graph.objects(year, DCAT.distribution)
    access = str(graph.value(distribution, DCAT.accessURL))
    response = app_client.get("/" + access.removeprefix(base))
    assert response.status_code == 200, response.data
    assert response.mimetype == "application/ld+json"
    releases = Graph().parse(data=response.data, format="json-ld")
    published = set(releases.subjects(URIRef("https://schema.org/datePublished"), None))
    assert len(published) == 1


def test_negotiation_and_html(app_client: FlaskClient) -> None:
    default = app_client.get("/catalog", headers={"Accept": "*/*"})
    assert default.mimetype == "text/turtle"
    assert default.headers["Vary"] == "Accept"
    assert 'rel="alternate"' in default.headers["Link"]
    page = app_client.get("/catalog", headers={"Accept": "text/html"})
    assert page.mimetype == "text/html"
    assert "Datenkatalog" in page.text and "dataset.ttl" in page.text
    assert app_client.get("/catalog.jsonld").mimetype == "application/ld+json"
    assert app_client.get("/catalog", headers={"Accept": "image/png"}).status_code == 406
    again = app_client.get("/catalog", headers={"Accept": "text/turtle", "If-None-Match": default.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    ("shape_set", "predicate"),
    [
        ("semic-3.0.1", DCTERMS.title),
        ("dcat-ap-de-3.0", DCTERMS.license),
        ("govdata-conventions", URIRef("http://dcat-ap.de/def/dcatde/contributorID")),
    ],
)
def test_shapes_catch_a_missing_field(
    served: dict[str, Graph], shapes: dict[str, Graph], vocabularies: Graph, shape_set: str, predicate: URIRef
) -> None:
    """The checks bite: without a field each shape set demands, the catalogue does not conform."""
    graph = Graph()
    graph += served["text/turtle"]
    graph.remove((None, predicate, None))
    conforms, _report, text = pyshacl.validate(
        graph, shacl_graph=shapes[shape_set], ont_graph=vocabularies, inference="none", advanced=True
    )
    assert not conforms
    assert str(predicate).rsplit("/", 1)[-1] in text


@pytest.mark.parametrize(("since", "kept"), [("2025-06-01", {"dataset"}), ("2099-01-01", set())])
def test_modified_since(
    app_client: FlaskClient,
    shapes: dict[str, Graph],
    vocabularies: Graph,
    since: str,
    kept: set[str],
) -> None:
    """A harvester that synced on a day gets the datasets changed since, still a conforming catalogue."""
    response = app_client.get(f"/catalog?modified_since={since}", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert f"/catalog.jsonld?modified_since={since}" in response.headers["Link"]
    graph = Graph().parse(data=response.data, format="turtle")
    base = app_client.application.extensions["publisher"].config.base_uri
    datasets = {str(d).removeprefix(f"{base}catalog#") for d in graph.subjects(RDF.type, DCAT.Dataset)}
    assert datasets == kept
    assert (len(list(graph.subjects(RDF.type, DCAT.Distribution))) > 0) == bool(kept)
    for shape_set, shapes_graph in shapes.items():
        conforms, _report, text = pyshacl.validate(
            graph, shacl_graph=shapes_graph, ont_graph=vocabularies, inference="none", advanced=True
        )
        assert conforms, f"{shape_set}: {text}"


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("modified_since=gestern", "modified_since"),
        ("modified_since=2025-13-01", "modified_since"),
        ("modified_since=2025-01-01&modified_since=2025-02-01", "modified_since"),
        ("page=0", "page"),
        ("page=zwei", "page"),
        ("page=1&page=2", "page"),
        ("seite=2", "seite"),
    ],
)
def test_bad_parameters_are_named(app_client: FlaskClient, query: str, named: str) -> None:
    response = app_client.get(f"/catalog?{query}", headers={"Accept": "application/json"})
    assert response.status_code == 400
    body = response.get_json()
    assert body["ok"] is False and body["error"].startswith(f"{named}:")


# ---------------------------------------------------------------- paging

#: Releases of three years, so that the catalogue has four datasets: the whole graph and one per year.
PAGED_RELEASES = (
    "2018-10-01-benn-buero-allende-viertel.txt",
    "2021-01-22-qm-alte-hellersdorfer-strasse.txt",
    "2023-02-10-benn-staaken.txt",
)
NEXT, NEXT_PAGE = URIRef(HYDRA + "next"), URIRef(HYDRA + "nextPage")


@pytest.fixture(scope="module")
def paged(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    """A server with one dataset per catalogue page over releases of three years."""
    root = tmp_path_factory.mktemp("paged")
    data = data_folder(root, *((name, (CORPUS / name).read_bytes()) for name in PAGED_RELEASES))
    result = cli_build(CliRunner(), data, root / "store")
    assert result.exit_code == 0, result.output
    config = load_config(environ={"PUBLISHER_CATALOG_PAGE_SIZE": "1"}, store=str(root / "store"), data_dir=data)
    return create_app(config, open_store(config.store)).test_client()


def harvest(client: FlaskClient, start: str, media_type: str = "text/turtle") -> list[Graph]:
    """The pages of the catalogue from ``start`` on, following hydra:next as ckanext-dcat's harvester does."""
    base = client.application.extensions["publisher"].config.base_uri
    rdflib_format = FORMATS[media_type]
    pages: list[Graph] = []
    url: str | None = start
    visited = set()
    while url is not None:
        assert url not in visited, f"{url} comes round again"
        visited.add(url)
        response = client.get(url, headers={"Accept": media_type})
        assert response.status_code == 200, response.data
        graph = Graph().parse(data=response.data, format=rdflib_format)
        pages.append(graph)
        # ckanext-dcat's RDFParser.next_page: hydra:next, else hydra:nextPage, of a hydra:PagedCollection
        (view,) = graph.subjects(RDF.type, URIRef(HYDRA + "PagedCollection"))
        assert (view, RDF.type, URIRef(HYDRA + "PartialCollectionView")) in graph
        following = set(graph.objects(view, NEXT))
        assert following == set(graph.objects(view, NEXT_PAGE))
        assert len(following) <= 1
        assert ('rel="next"' in response.headers.get("Link", "")) == bool(following)
        url = "/" + str(following.pop()).removeprefix(base) if following else None
    return pages


def datasets_of(graph: Graph) -> list[str]:
    return [str(d).rsplit("#", 1)[-1] for d in graph.subjects(RDF.type, DCAT.Dataset)]


def test_a_harvester_walks_every_page(paged: FlaskClient, shapes: dict[str, Graph], vocabularies: Graph) -> None:
    """Page by page, every dataset comes exactly once, the whole graph first and then the years from the newest,
    and every page is a catalogue that conforms to each of the three shape sets."""
    pages = harvest(paged, "/catalog")
    seen = [name for graph in pages for name in datasets_of(graph)]
    assert seen == ["dataset", "pressemitteilungen-2023", "pressemitteilungen-2021", "pressemitteilungen-2018"]
    for number, graph in enumerate(pages, 1):
        assert int(next(graph.objects(None, URIRef(HYDRA + "totalItems")))) == 4
        assert len(list(graph.subjects(RDF.type, DCAT.Catalog))) == 1
        # distributions belong to the page of their dataset, the data services to the first page
        distributions = set(graph.subjects(RDF.type, DCAT.Distribution))
        assert distributions and distributions == set(graph.objects(None, DCAT.distribution))
        assert bool(list(graph.subjects(RDF.type, DCAT.DataService))) == (number == 1)
        for shape_set, shapes_graph in shapes.items():
            conforms, _report, text = pyshacl.validate(
                graph, shacl_graph=shapes_graph, ont_graph=vocabularies, inference="none", advanced=True
            )
            assert conforms, f"page {number}, {shape_set}: {text}"
    last = paged.get("/catalog?page=4", headers={"Accept": "text/turtle"})
    assert '</catalog?page=3>; rel="prev"' in last.headers["Link"]
    assert '</catalog?page=1>; rel="first"' in last.headers["Link"]
    assert '</catalog?page=4>; rel="last"' in last.headers["Link"]


def test_every_format_pages_alike(paged: FlaskClient) -> None:
    """The RDF/XML that ckanext-dcat reads by default pages the same way, and the HTML view links the pages."""
    for media_type in ("application/rdf+xml", "application/ld+json"):
        seen = [name for graph in harvest(paged, "/catalog", media_type) for name in datasets_of(graph)]
        assert len(seen) == len(set(seen)) == 4, media_type
    html = paged.get("/catalog.html?page=2")
    assert "Seite 2 von 4" in html.text
    assert 'href="/catalog.html?page=3"' in html.text


def test_a_page_past_the_end(paged: FlaskClient, app_client: FlaskClient) -> None:
    for client, query in ((paged, "page=5"), (app_client, "page=2"), (paged, "modified_since=2099-01-01&page=2")):
        response = client.get(f"/catalog?{query}", headers={"Accept": "application/json"})
        assert response.status_code == 404, query
        assert response.get_json()["error"].startswith("page:")
        assert "PUBLISHER_CATALOG_PAGE_SIZE" in response.get_json()["error"]


def test_modified_since_with_paging(paged: FlaskClient) -> None:
    """The pages of a ``modified_since`` catalogue hold exactly the datasets changed since, each once."""
    whole = [name for graph in harvest(paged, "/catalog") for name in datasets_of(graph)]
    full = Graph()
    for graph in harvest(paged, "/catalog"):
        full += graph
    since = date(2021, 6, 1)
    changed = {
        str(d).rsplit("#", 1)[-1]
        for d in full.subjects(RDF.type, DCAT.Dataset)
        if full.value(d, DCTERMS.modified).toPython() >= since  # type: ignore[union-attr]
    }
    assert 0 < len(changed) < len(whole)
    pages = harvest(paged, f"/catalog?modified_since={since.isoformat()}")
    seen = [name for graph in pages for name in datasets_of(graph)]
    assert sorted(seen) == sorted(changed) and len(seen) == len(pages)
    assert seen == [name for name in whole if name in changed]
