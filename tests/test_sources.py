"""Every kind of source a press office writes becomes the same kind of published release."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, XSD

from publisher.build import build
from publisher.config import load_config
from publisher.namespaces import PM, SDO
from publisher.store import WritableStore, open_store
from tests.conftest import MARKDOWN, SEED, SEED_IRI, data_folder, run


def built_graph(data: Path, base: str = "http://localhost:8080/") -> tuple[int, str, Graph]:
    config = load_config(environ={}, data_dir=data, store=":memory:", workers=1, base_uri=base)
    store = open_store(config.store, writable=True)
    assert isinstance(store, WritableStore)
    report = build(config, store)
    graph = Graph()
    graph.parse(data=store.dump("nt"), format="nt")
    return report.exit_code, report.text(), graph


def test_markdown_release(tmp_path: Path) -> None:
    code, text, graph = built_graph(data_folder(tmp_path, ("neu.md", MARKDOWN)))
    assert code == 0, text
    release = next(graph.subjects(RDF.type, PM.PressRelease))
    assert graph.value(release, SDO.headline) == Literal("Neues Nachbarschaftsbüro in Altglienicke", lang="de")
    assert graph.value(release, SDO.datePublished) == Literal("2025-03-04", datatype=XSD.date)
    assert graph.value(release, SDO.dateModified) == Literal("2025-03-05", datatype=XSD.date)
    assert graph.value(release, PM.pressReleaseNumber) == Literal("112/2025")
    assert graph.value(graph.value(release, SDO.publisher), SDO.name) == Literal("Bezirksamt Treptow-Köpenick")
    source = graph.value(release, SDO.isBasedOn)
    assert graph.value(source, SDO.encodingFormat) == Literal("text/markdown")
    events = [e for e in graph.objects(release, SDO.about) if (e, RDF.type, SDO.Event) in graph]
    assert len(events) == 1
    event = events[0]
    assert str(graph.value(event, SDO.startDate)) == "2025-03-07T15:00:00+01:00"
    assert graph.value(graph.value(event, SDO.organizer), SDO.name) == Literal("BENN Altglienicke")
    # the team is new to the reference data: it has an IRI of its own and is listed for curation
    assert "new entities to curate" in text and "BENN Altglienicke" in text


def test_markdown_without_date_is_a_clear_error(tmp_path: Path) -> None:
    broken = MARKDOWN.replace("date: 2025-03-04\n", "")
    code, text, _graph = built_graph(data_folder(tmp_path, ("neu.md", broken)))
    assert code == 2
    assert "neu.md" in text and "'date'" in text


@pytest.mark.parametrize("fmt", ["turtle", "jsonld"])
def test_a_release_in_rdf_is_published_as_it_is(tmp_path: Path, runner: CliRunner, fmt: str) -> None:
    """The RDF that `publisher extract` prints is itself a source the build takes."""
    result = run(runner, "extract", str(SEED), "--format", fmt)
    assert result.exit_code == 0, result.output
    suffix = ".ttl" if fmt == "turtle" else ".jsonld"
    code, text, graph = built_graph(data_folder(tmp_path, ("seed" + suffix, result.output)))
    assert code == 0, text
    _, _, from_text = built_graph(data_folder(tmp_path / "text", (SEED.name, SEED.read_text())))
    release = URIRef(SEED_IRI)
    mine = Graph()
    theirs = Graph()
    for s, p, o in graph.triples((release, None, None)):
        if p != SDO.isBasedOn:
            mine.add((s, p, o))
    for s, p, o in from_text.triples((release, None, None)):
        if p != SDO.isBasedOn:
            theirs.add((s, p, o))
    assert isomorphic(mine, theirs)


def test_base_uri_decides_every_minted_iri(tmp_path: Path) -> None:
    base = "https://presse.example.org/berlin/"
    code, text, graph = built_graph(data_folder(tmp_path, (SEED.name, SEED.read_text())), base=base)
    assert code == 0, text
    minted = {str(n) for t in graph for n in t if isinstance(n, URIRef) and "/id/" in str(n)}
    assert minted and all(iri.startswith(base) for iri in minted)
    assert not any("localhost" in str(n) for t in graph for n in t)


def test_the_same_input_gives_the_same_output(tmp_path: Path) -> None:
    data = data_folder(tmp_path, (SEED.name, SEED.read_text()), ("neu.md", MARKDOWN))
    first = built_graph(data)[2]
    second = built_graph(data)[2]
    assert sorted(first.serialize(format="nt").splitlines()) == sorted(second.serialize(format="nt").splitlines())
