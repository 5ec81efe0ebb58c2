"""VoID at /.well-known/void: every count, in every format, equals a count made independently (rdflib over the
N-Triples dump, and SPARQL over the named graphs); the links to dumps, endpoint, vocabularies and licence; a new
build is counted again."""

from __future__ import annotations

import gzip
import shutil
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from publisher.config import PROJECT_ROOT, Config, load_config
from publisher.namespaces import LICENSE_DL_BY_DE_2_0, PM, SDO
from publisher.store import Change, WritableStore, open_store
from publisher.void import count, describe
from publisher.web import create_app
from tests.conftest import BASE, add_area, cli_build

VOID = Namespace("http://rdfs.org/ns/void#")
DATASET = URIRef(f"{BASE}.well-known/void#dataset")
#: suffix -> (media type, rdflib parser)
FORMATS = {
    ".ttl": ("text/turtle", "turtle"),
    ".jsonld": ("application/ld+json", "json-ld"),
    ".nt": ("application/n-triples", "nt"),
    ".rdf": ("application/rdf+xml", "xml"),
}


def dump_graph(store: WritableStore) -> Graph:
    """Everything published, read by rdflib from the N-Triples dump the build wrote (a set: no duplicates)."""
    folder = store.files_dir()
    assert folder is not None
    graph = Graph()
    graph.parse(data=gzip.decompress((folder / "dumps" / "dataset.nt.gz").read_bytes()), format="nt")
    return graph


def expected(graph: Graph) -> dict[str, object]:
    """The counts VoID must state, made by rdflib."""
    subjects = set(graph.subjects())
    classes: dict[str, set[URIRef]] = {}
    for s, c in graph.subject_objects(RDF.type):
        if isinstance(s, URIRef):
            classes.setdefault(str(c), set()).add(s)
    return {
        "triples": len(graph),
        "entities": sum(1 for s in subjects if isinstance(s, URIRef)),
        "subjects": len(subjects),
        "objects": len(set(graph.objects())),
        "classes": {c: len(members) for c, members in classes.items()},
        "properties": dict(Counter(str(p) for p in graph.predicates())),
    }


def stated(void: Graph) -> dict[str, object]:
    """The counts a VoID document states about the dataset."""

    def number(node: URIRef, prop: URIRef) -> int:
        value = void.value(node, prop)
        assert isinstance(value, Literal), f"{node} has no {prop}"
        assert value.datatype == XSD.integer
        return int(value)

    classes = {}
    for part in void.objects(DATASET, VOID.classPartition):
        classes[str(void.value(part, VOID["class"]))] = number(part, VOID.entities)
    properties = {}
    for part in void.objects(DATASET, VOID.propertyPartition):
        properties[str(void.value(part, VOID.property))] = number(part, VOID.triples)
    return {
        "triples": number(DATASET, VOID.triples),
        "entities": number(DATASET, VOID.entities),
        "subjects": number(DATASET, VOID.distinctSubjects),
        "objects": number(DATASET, VOID.distinctObjects),
        "classes": classes,
        "properties": properties,
    }


@pytest.fixture(scope="module")
def independent(built: tuple[Config, WritableStore]) -> dict[str, object]:
    return expected(dump_graph(built[1]))


def fetch(client: FlaskClient, path: str, accept: str | None = None) -> Graph:
    response = client.get(path, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200, response.text
    _media_type, parser = next(v for v in FORMATS.values() if response.mimetype == v[0])
    return Graph().parse(data=response.data, format=parser, publicID=BASE)


@pytest.mark.parametrize("suffix", list(FORMATS))
def test_every_count_equals_the_dump_in_every_format(
    client: FlaskClient, independent: dict[str, object], suffix: str
) -> None:
    by_suffix = fetch(client, f"/.well-known/void{suffix}")
    by_accept = fetch(client, "/.well-known/void", FORMATS[suffix][0])
    assert stated(by_suffix) == independent
    assert stated(by_accept) == independent


def test_counts_equal_sparql_over_the_named_graphs(client: FlaskClient, built: tuple[Config, WritableStore]) -> None:
    """A triple that two named graphs hold counts once: the count of distinct triples over every graph."""
    store = built[1]
    union = "{ SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }"
    triples = int(store.select(f"SELECT (COUNT(*) AS ?n) WHERE {union}")[0]["n"])
    quads = int(store.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")[0]["n"])
    releases = int(
        store.select(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s a <{PM.PressRelease}> }} }}")[0]["n"]
    )
    void = fetch(client, "/.well-known/void")
    counts = stated(void)
    assert counts["triples"] == triples
    assert quads >= triples
    assert isinstance(counts["classes"], dict) and counts["classes"][str(PM.PressRelease)] == releases


def test_the_dataset_links_dumps_endpoint_vocabularies_and_licence(
    client: FlaskClient, built: tuple[Config, WritableStore]
) -> None:
    void = fetch(client, "/.well-known/void")
    manifest = built[1].manifest() or {}
    assert (DATASET, RDF.type, VOID.Dataset) in void
    dumps = {str(d) for d in void.objects(DATASET, VOID.dataDump)}
    assert dumps == {f"{BASE}dumps/{name}" for name in manifest["files"]}
    for dump in dumps:
        with client.head(dump.removeprefix(BASE.rstrip("/"))) as response:
            assert response.status_code == 200, dump
    assert void.value(DATASET, VOID.sparqlEndpoint) == URIRef(f"{BASE}sparql")
    assert client.get("/sparql", headers={"Accept": "text/html"}).status_code == 200
    assert void.value(DATASET, VOID.uriSpace) == Literal(f"{BASE}id/")
    assert set(void.objects(DATASET, VOID.vocabulary)) == {URIRef(str(SDO)), URIRef(str(PM))}
    assert void.value(DATASET, DCTERMS.license) == URIRef(LICENSE_DL_BY_DE_2_0)
    modified = void.value(DATASET, DCTERMS.modified)
    assert isinstance(modified, Literal) and modified.datatype == XSD.dateTime
    assert modified.toPython().strftime("%Y-%m-%dT%H:%M:%SZ") == manifest["built"]


def test_html_view_and_errors(client: FlaskClient, independent: dict[str, object]) -> None:
    page = client.get("/.well-known/void", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert f"<dd>{independent['triples']}</dd>" in page.text
    assert str(PM.PressRelease) in page.text
    assert 'href="/.well-known/void' in client.get("/").text
    missing = client.get("/.well-known/nichts")
    assert missing.status_code == 404 and "/.well-known/void" in missing.text
    refused = client.get("/.well-known/void", headers={"Accept": "image/png"})
    assert refused.status_code == 406


def test_a_new_build_is_counted_again(cli_built: Path, tmp_path: Path) -> None:
    """The counts are kept per published state: after a build adds an area, VoID counts it."""
    root = tmp_path / "copy"
    shutil.copytree(cli_built, root, symlinks=True)
    store_folder = root / "store"
    config = load_config(environ={}, data_dir=PROJECT_ROOT / "data", store=str(store_folder), workers=1)
    app: Flask = create_app(config, open_store(str(store_folder)))
    client = app.test_client()
    before = stated(fetch(client, "/.well-known/void"))
    add_area(root / "data")
    result = cli_build(CliRunner(), root / "data", store_folder)
    assert result.exit_code == 0, result.output
    after = stated(fetch(client, "/.well-known/void"))
    store = open_store(str(store_folder), writable=True)
    assert isinstance(store, WritableStore)
    assert after == expected(dump_graph(store))
    assert isinstance(before["classes"], dict) and isinstance(after["classes"], dict)
    assert after["classes"][str(PM.Quartier)] == before["classes"][str(PM.Quartier)] + 1
    assert after["triples"] > before["triples"]  # type: ignore[operator]


def test_a_triple_in_two_graphs_counts_once() -> None:
    """Counted over a store where two named graphs share a triple: every count equals rdflib's over the union."""
    shared = f'<{BASE}id/a> <{SDO.name}> "A" .\n<{BASE}id/a> <{RDF.type}> <{SDO.Person}> .\n'
    store = open_store(":memory:", writable=True)
    assert isinstance(store, WritableStore)
    store.apply(
        Change(
            graphs={
                f"{BASE}graph/one": shared + f"<{BASE}id/b> <{SDO.knows}> <{BASE}id/a> .\n",
                f"{BASE}graph/two": shared + f'<{BASE}id/a> <{SDO.alternateName}> "A." .\n',
            },
            full=True,
            manifest={"built": "2025-01-01T00:00:00Z"},
        )
    )
    union = Graph()
    for nt in (shared, f"<{BASE}id/b> <{SDO.knows}> <{BASE}id/a> .\n", f'<{BASE}id/a> <{SDO.alternateName}> "A." .\n'):
        union.parse(data=nt, format="nt")
    counts = count(store)
    assert counts.triples == len(union) == 4
    assert stated(describe(counts, BASE, store.manifest() or {})) == expected(union)
