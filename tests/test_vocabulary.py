"""Every class and property the publisher uses is defined by schema.org 30.0, by its own ontology/, or (for area
geometry) by GeoSPARQL.

schema.org 30.0 is read from the standards folder (``standards`` fixture): a term is defined there when it is
the subject of a triple in ``schemaorg/30.0/schemaorg-current-https.ttl``. The publisher's own terms are those
of ``ontology/pm.ttl``. RDF, RDFS, OWL and Dublin Core terms are allowed only where the ontology itself is
published (its named graph in the store), rdf:type everywhere.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH

from publisher.config import PROJECT_ROOT, Config
from publisher.formats import serialize
from publisher.geo import GEO
from publisher.namespaces import PM, SDO
from publisher.store import WritableStore, graph_iri
from tests.conftest import DATA, SEED, run

SCHEMA = "https://schema.org/"
HTTP_SCHEMA = "http://schema.org/"
ONTOLOGY = PROJECT_ROOT / "ontology"
PM_TTL = ONTOLOGY / "pm.ttl"
SUBSET_TTL = ONTOLOGY / "schemaorg-subset.ttl"

#: What the ontology graph may use besides schema.org and pm: terms (and only there).
ONTOLOGY_ONLY = {
    RDFS.label,
    RDFS.comment,
    RDFS.subClassOf,
    RDFS.subPropertyOf,
    RDFS.isDefinedBy,
    RDFS.seeAlso,
    OWL.Class,
    OWL.Ontology,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.versionInfo,
    RDF.Property,
    RDFS.Class,
    DCTERMS.title,
    DCTERMS.description,
    DCTERMS.license,
}


def _parse(path: Path) -> Graph:
    graph = Graph()
    graph.parse(path, format="turtle")
    return graph


PM_GRAPH = _parse(PM_TTL)
SUBSET_GRAPH = _parse(SUBSET_TTL)
#: The terms pm.ttl defines: every pm: IRI it says something about.
PM_TERMS = sorted({s for s in PM_GRAPH.subjects() if isinstance(s, URIRef) and s.startswith(str(PM))})


@pytest.fixture(scope="module")
def schemaorg(standards: Path) -> Graph:
    path = standards / "schemaorg" / "30.0" / "schemaorg-current-https.ttl"
    assert path.is_file(), f"{path} is missing"
    return _parse(path)


@pytest.fixture(scope="module")
def schemaorg_terms(schemaorg: Graph) -> set[URIRef]:
    """The terms schema.org 30.0 defines: the https://schema.org/ IRIs it has triples about."""
    return {s for s in schemaorg.subjects() if isinstance(s, URIRef) and s.startswith(SCHEMA)}


#: The GeoSPARQL terms of area geometry, which schema.org has no equivalent for (schema:GeoShape is not WKT).
GEOSPARQL = {GEO.Geometry, GEO.hasGeometry, GEO.asWKT}


def _defined(term: object, schemaorg_terms: set[URIRef]) -> bool:
    return term in schemaorg_terms or term in PM_TERMS or term in GEOSPARQL


def _local(term: object) -> str:
    return str(term).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _http_schema_iris(graph: Graph) -> list[str]:
    terms = {t for triple in graph for t in triple if isinstance(t, URIRef)}
    terms |= {t.datatype for t in graph.objects() if isinstance(t, Literal) and t.datatype}
    return sorted(t for t in terms if t.startswith(HTTP_SCHEMA))


# ---------------------------------------------------------------- what the store publishes


@pytest.fixture(scope="module")
def published(built: tuple[Config, WritableStore]) -> Graph:
    _config, store = built
    graph = Graph()
    graph.parse(data=store.dump("nt").decode("utf-8"), format="nt")
    assert len(graph) > 0, "the build published nothing"
    return graph


def test_every_class_is_defined(published: Graph, schemaorg_terms: set[URIRef]) -> None:
    classes = set(published.objects(None, RDF.type))
    assert SDO.NewsArticle in classes and PM.PressRelease in classes  # the build published releases
    undefined = sorted(str(c) for c in classes if not _defined(c, schemaorg_terms) and c not in ONTOLOGY_ONLY)
    assert undefined == [], "classes neither in schema.org 30.0 nor in ontology/pm.ttl"


def test_every_property_is_defined(published: Graph, schemaorg_terms: set[URIRef]) -> None:
    predicates = set(published.predicates())
    assert SDO.headline in predicates
    undefined = sorted(
        str(p) for p in predicates if not _defined(p, schemaorg_terms) and p not in ONTOLOGY_ONLY and p != RDF.type
    )
    assert undefined == [], "properties neither in schema.org 30.0 nor in ontology/pm.ttl"


def test_no_http_schema_org_iri_is_published(published: Graph) -> None:
    assert _http_schema_iris(published) == []


def test_rdf_rdfs_owl_and_dct_terms_only_in_the_ontology_graph(
    built: tuple[Config, WritableStore], schemaorg_terms: set[URIRef]
) -> None:
    config, store = built
    ontology_graph = graph_iri(config.base_uri, "ontology")
    answer = json.loads(
        store.query("SELECT DISTINCT ?g ?term WHERE { GRAPH ?g { { ?s ?term ?o } UNION { ?s a ?term } } }", "json")
    )
    uses = [(row["g"]["value"], URIRef(row["term"]["value"])) for row in answer["results"]["bindings"]]
    assert any(g == ontology_graph for g, _ in uses), f"the store has no ontology graph {ontology_graph}"
    misplaced = sorted(
        (g, str(term))
        for g, term in uses
        if term != RDF.type
        and not _defined(term, schemaorg_terms)
        and (g != ontology_graph or term not in ONTOLOGY_ONLY)
    )
    assert misplaced == [], "non-schema.org, non-pm: terms outside the ontology graph or not allowed in it"


def test_ontology_graph_is_the_ontology_folder(built: tuple[Config, WritableStore]) -> None:
    config, store = built
    published = Graph()
    ontology_graph = graph_iri(config.base_uri, "ontology")
    sparql = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{ontology_graph}> {{ ?s ?p ?o }} }}"
    published.parse(data=store.query(sparql, "nt").decode("utf-8"), format="nt")
    expected = PM_GRAPH + SUBSET_GRAPH
    assert isomorphic(published, expected)


def test_shapes_use_only_defined_terms(schemaorg_terms: set[URIRef]) -> None:
    """The classes and properties the shapes check are schema.org 30.0 or pm: terms too."""
    shapes = Graph()
    for path in sorted((PROJECT_ROOT / "shapes").glob("*.ttl")):
        shapes.parse(path, format="turtle")
    used = set(shapes.objects(None, SH.path)) | set(shapes.objects(None, SH.targetClass))
    used |= set(shapes.objects(None, SH["class"])) | set(shapes.objects(None, SH.targetObjectsOf))
    assert used
    assert sorted(str(t) for t in used if not isinstance(t, URIRef) or not _defined(t, schemaorg_terms)) == []


# ---------------------------------------------------------------- ontology/


def test_pm_ttl_defines_terms() -> None:
    assert PM.PressRelease in PM_TERMS and PM.lorCode in PM_TERMS


@pytest.mark.parametrize("term", PM_TERMS, ids=_local)
def test_ontology_term_has_german_and_english_label_and_comment(term: URIRef) -> None:
    for prop in (RDFS.label, RDFS.comment):
        languages = {o.language for o in PM_GRAPH.objects(term, prop) if isinstance(o, Literal) and str(o).strip()}
        assert {"de", "en"} <= languages, f"{_local(term)} {prop}: languages {languages}"


@pytest.mark.parametrize("term", PM_TERMS, ids=_local)
def test_ontology_term_specialises_a_schema_org_term(
    term: URIRef, schemaorg: Graph, schemaorg_terms: set[URIRef]
) -> None:
    types = set(PM_GRAPH.objects(term, RDF.type))
    is_class = bool(types & {RDFS.Class, OWL.Class})
    is_property = bool(types & {RDF.Property, OWL.ObjectProperty, OWL.DatatypeProperty})
    assert is_class != is_property, f"{_local(term)} must be a class or a property, typed {types}"
    if is_class:
        parents = set(PM_GRAPH.objects(term, RDFS.subClassOf))
        kind = RDFS.Class
    else:
        parents = set(PM_GRAPH.objects(term, RDFS.subPropertyOf))
        kind = RDF.Property
    anchors = {p for p in parents if p in schemaorg_terms}
    assert anchors, f"{_local(term)} is no subclass/subproperty of a schema.org 30.0 term (has {parents})"
    for anchor in anchors:
        assert (anchor, RDF.type, kind) in schemaorg, f"schema.org 30.0 does not make {anchor} a {kind}"


def test_schemaorg_subset_holds_only_subclass_axioms() -> None:
    assert len(SUBSET_GRAPH) > 0
    assert set(SUBSET_GRAPH.predicates()) == {RDFS.subClassOf}


@pytest.mark.parametrize("axiom", sorted(SUBSET_GRAPH), ids=lambda t: f"{_local(t[0])}<{_local(t[2])}")
def test_schemaorg_subset_axiom_is_stated_by_schema_org(axiom: tuple[URIRef, URIRef, URIRef], schemaorg: Graph) -> None:
    subclass, _, superclass = axiom
    assert axiom in schemaorg, f"schema.org 30.0 lacks {_local(subclass)} subClassOf {_local(superclass)}"


def test_ontology_superclasses_reach_the_subset() -> None:
    """sh:class checks only see the hierarchy in ontology/: each pm: class's schema.org parent is in it."""
    hierarchy = PM_GRAPH + SUBSET_GRAPH
    for cls in PM_GRAPH.subjects(RDF.type, RDFS.Class):
        ancestors = set(hierarchy.transitive_objects(cls, RDFS.subClassOf))
        assert SDO.Thing in ancestors, f"{_local(cls)} does not reach schema:Thing through ontology/"


# ---------------------------------------------------------------- JSON-LD


def _extract(fmt: str) -> str:
    """What ``publisher extract`` prints for the seed in ``fmt``."""
    result = run(CliRunner(), "extract", str(SEED), "--format", fmt, "--data", str(DATA))
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def seed_turtle() -> Graph:
    graph = Graph()
    graph.parse(data=_extract("turtle"), format="turtle")
    assert (None, RDF.type, PM.PressRelease) in graph
    return graph


@pytest.fixture(scope="module")
def seed_jsonld() -> str:
    return _extract("jsonld")


def _expand_rdflib(text: str) -> Graph:
    graph = Graph()
    graph.parse(data=text, format="json-ld")
    return graph


def _expand_oxigraph(text: str) -> Graph:
    """The same document read by a second JSON-LD processor."""
    quads = ox.parse(text.encode("utf-8"), format=ox.RdfFormat.JSON_LD)
    nt = ox.serialize(quads, format=ox.RdfFormat.N_TRIPLES)
    graph = Graph()
    graph.parse(data=(nt or b"").decode("utf-8"), format="nt")
    return graph


def test_jsonld_context_is_inline_with_https_vocab(seed_jsonld: str) -> None:
    """Expanding needs no remote context: schema.org's own context would map to http://schema.org/."""
    document = json.loads(seed_jsonld)
    context = document["@context"]
    assert isinstance(context, dict), f"@context is {context!r}, not inline"
    assert context["@vocab"] == SCHEMA
    assert all(
        value != HTTP_SCHEMA and value != HTTP_SCHEMA.rstrip("/")
        for value in context.values()
        if isinstance(value, str)
    )


def test_cli_jsonld_expands_to_the_turtle(seed_jsonld: str, seed_turtle: Graph) -> None:
    expanded = _expand_rdflib(seed_jsonld)
    assert _http_schema_iris(expanded) == []
    assert len(expanded) == len(seed_turtle)
    assert isomorphic(expanded, seed_turtle), _difference(expanded, seed_turtle)
    assert (None, RDF.type, SDO.NewsArticle) in expanded


def test_serialized_jsonld_expands_to_the_turtle(seed_turtle: Graph) -> None:
    text = serialize(seed_turtle, "jsonld")
    expanded = _expand_rdflib(text)
    assert _http_schema_iris(expanded) == []
    assert isomorphic(expanded, seed_turtle), _difference(expanded, seed_turtle)


def test_jsonld_expands_the_same_in_a_second_processor(seed_jsonld: str, seed_turtle: Graph) -> None:
    expanded = _expand_oxigraph(seed_jsonld)
    assert _http_schema_iris(expanded) == []
    assert isomorphic(expanded, seed_turtle), _difference(expanded, seed_turtle)


def _difference(left: Graph, right: Graph) -> str:
    _both, in_left, in_right = graph_diff(left, right)
    only_left = sorted(" ".join(t.n3() for t in triple) for triple in in_left)[:10]
    only_right = sorted(" ".join(t.n3() for t in triple) for triple in in_right)[:10]
    return f"only in JSON-LD: {only_left}\nonly in Turtle: {only_right}"
