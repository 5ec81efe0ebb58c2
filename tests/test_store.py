"""The store contract: atomic replacement of graphs, the union default graph, the in-memory variant, and a remote
SPARQL store (a real Virtuoso, started by CI: tests/virtuoso.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef

from publisher.errors import StoreError
from publisher.formats import BY_NAME
from publisher.store import Change, WritableStore, open_store
from tests import remote_backend as virtuoso

A = '<http://example.org/a> <http://schema.org/name> "A" .\n'
B = '<http://example.org/b> <http://schema.org/name> "B" .\n'
G1 = "http://example.org/graph/1"
G2 = "http://example.org/graph/2"


@pytest.fixture(params=["memory", "disk", "virtuoso"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[WritableStore]:
    if request.param == "virtuoso":
        with virtuoso.store(tmp_path / "files") as remote:
            yield remote
        return
    target = open_store(":memory:" if request.param == "memory" else str(tmp_path / "store"), writable=True)
    assert isinstance(target, WritableStore)
    yield target


def names(store: WritableStore) -> list[str]:
    return sorted(r["n"] for r in store.select("SELECT ?n WHERE { ?s <http://schema.org/name> ?n }"))


def test_empty_store_answers(store: WritableStore) -> None:
    assert store.manifest() is None
    assert store.count() == 0
    assert names(store) == []


def test_full_then_incremental_changes(store: WritableStore) -> None:
    store.apply(Change(graphs={G1: A, G2: B}, full=True, manifest={"n": 1}))
    assert names(store) == ["A", "B"] and store.count() == 2 and store.manifest() == {"n": 1}
    store.apply(Change(graphs={G1: B}, manifest={"n": 2}))  # replaces graph 1 only
    assert names(store) == ["B", "B"]
    assert store.select("SELECT (COUNT(DISTINCT ?s) AS ?c) WHERE { ?s ?p ?o }")[0]["c"] == "1"
    store.apply(Change(drop={G2}, add={G1: A}, manifest={"n": 3}))
    assert names(store) == ["A", "B"] and store.manifest() == {"n": 3}
    store.apply(Change(remove={G1: B}, manifest={"n": 4}))
    assert names(store) == ["A"]


def test_a_change_that_fails_leaves_the_old_state(store: WritableStore) -> None:
    store.apply(Change(graphs={G1: A}, full=True, manifest={"n": 1}))
    with pytest.raises(SyntaxError):
        store.apply(Change(graphs={G2: "this is not N-Triples\n"}, manifest={"n": 2}))
    assert names(store) == ["A"] and store.manifest() == {"n": 1}


def test_dump_formats(store: WritableStore) -> None:
    store.apply(Change(graphs={G1: A, G2: B}, full=True))
    assert store.dump("nq").count(b"\n") == 2 and G1.encode() in store.dump("nq")
    assert store.dump("nt").count(b"\n") == 2 and G1.encode() not in store.dump("nt")


# Literals as press releases hold them: German text with quotation marks and line breaks, language tags, dates,
# times with a zone, decimals, a long article body, characters outside the BMP and control characters, WKT.
TRICKY = [
    '"Zitat: \\"Wir freuen uns\\" – sagte sie.\\nZweite Zeile\\tTab"@de',
    '"Straße, Köpenick, ÄÖÜ äöü ß 😀"@de-DE',
    '"2025-01-17"^^<http://www.w3.org/2001/XMLSchema#date>',
    '"2025-01-17T10:00:00+01:00"^^<http://www.w3.org/2001/XMLSchema#dateTime>',
    '"12.5"^^<http://www.w3.org/2001/XMLSchema#decimal>',
    '"' + "Langer Text über die Nachbarschaft. " * 600 + '"',
    '"bell \\u0007 and backslash \\\\"',
    '"https://example.org/x"^^<http://www.w3.org/2001/XMLSchema#anyURI>',
    # an area's outline (GeoSPARQL), its coordinate system named: Virtuoso would turn it into its own geometry type
    '"<http://www.opengis.net/def/crs/OGC/1.3/CRS84> MULTIPOLYGON(((13.5612345 52.41,13.6 52.41,13.6 52.45,'
    '13.5612345 52.41)))"^^<http://www.opengis.net/ont/geosparql#wktLiteral>',
    '"POINT(13.123456 52.4)"^^<http://www.opengis.net/ont/geosparql#wktLiteral>',
]


def test_literals_come_back_exactly(store: WritableStore) -> None:
    lines = "".join(f"<http://example.org/t{i}> <http://schema.org/text> {term} .\n" for i, term in enumerate(TRICKY))
    store.apply(Change(graphs={G1: lines}, full=True))
    rows = store.select("SELECT ?s ?t WHERE { ?s <http://schema.org/text> ?t }")
    assert len(rows) == len(TRICKY)
    back = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "nt")
    expected = {t for t in ox.parse(lines.encode(), format=ox.RdfFormat.N_TRIPLES)}
    assert set(ox.parse(back, format=ox.RdfFormat.N_TRIPLES)) == expected
    assert set(ox.parse(store.dump("nt"), format=ox.RdfFormat.N_TRIPLES)) == expected


def test_bindings_are_values_never_query_text(store: WritableStore) -> None:
    store.apply(Change(graphs={G1: A, G2: B}, full=True))
    query = "SELECT ?s ?n WHERE { ?s <http://schema.org/name> ?n }"
    assert store.select(query, {"n": Literal("A")}) == [{"s": "http://example.org/a", "n": "A"}]
    assert store.select(query, {"n": Literal('A" } UNION { ?s ?p ?n')}) == []
    assert store.ask("ASK WHERE { ?s <http://schema.org/name> ?n }", {"s": URIRef("http://example.org/b")})


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_results_formats(store: WritableStore, fmt: str) -> None:
    store.apply(Change(graphs={G1: A}, full=True))
    body = store.query("SELECT ?n WHERE { ?s <http://schema.org/name> ?n }", fmt)
    if fmt in ("csv", "tsv"):
        assert body.decode("utf-8").splitlines() == (["n", "A"] if fmt == "csv" else ["?n", '"A"'])
        return
    parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.from_extension(fmt))
    assert isinstance(parsed, ox.QuerySolutions)
    assert [str(row["n"].value) for row in parsed] == ["A"]


@pytest.mark.parametrize("fmt", ["turtle", "nt", "jsonld", "rdfxml", "nq"])
def test_graph_formats(store: WritableStore, fmt: str) -> None:
    store.apply(Change(graphs={G1: A, G2: B}, full=True))
    body = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", fmt)
    media = BY_NAME[fmt].media_type if fmt != "nq" else "application/n-triples"
    triples = list(ox.parse(body, format=ox.RdfFormat.from_media_type(media)))
    assert len(triples) == 2


def test_graphs_stay_apart(store: WritableStore) -> None:
    store.apply(Change(graphs={G1: A, G2: B}, full=True))
    rows = store.select("SELECT ?g ?n WHERE { GRAPH ?g { ?s <http://schema.org/name> ?n } } ORDER BY ?g")
    assert rows == [{"g": G1, "n": "A"}, {"g": G2, "n": "B"}]
    assert store.ask(f"ASK {{ GRAPH <{G2}> {{ <http://example.org/b> ?p ?o }} }}")
    assert not store.ask(f"ASK {{ GRAPH <{G1}> {{ <http://example.org/b> ?p ?o }} }}")


def test_a_full_change_drops_the_graphs_it_does_not_name(store: WritableStore) -> None:
    store.apply(Change(graphs={G1: A, G2: B}, full=True, manifest={"n": 1}))
    store.apply(Change(graphs={G2: B}, full=True, manifest={"n": 2}))
    assert names(store) == ["B"] and store.count() == 1
    assert store.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }") == [{"g": G2}]


def test_version_files_and_manifest_change_together(store: WritableStore) -> None:
    def files(folder: Path) -> dict[str, str]:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "note.txt").write_text("eins", "utf-8")
        return {"note.txt": "eins"}

    assert store.files_dir() is None or not (store.files_dir() / "note.txt").exists()  # type: ignore[operator]
    store.apply(Change(graphs={G1: A}, full=True, manifest={"n": 1}, files=files))
    first = store.version()
    folder = store.files_dir()
    assert folder is not None and (folder / "note.txt").read_text("utf-8") == "eins"
    assert store.manifest() == {"n": 1, "files": {"note.txt": "eins"}}
    store.apply(Change(add={G1: B}, manifest={"n": 2}))
    assert store.version() != first and names(store) == ["A", "B"]


def test_a_write_that_fails_while_its_files_are_written_changes_nothing(store: WritableStore) -> None:
    store.apply(Change(graphs={G1: A}, full=True, manifest={"n": 1}))
    version = store.version()

    def failing(folder: Path) -> dict[str, str]:
        raise OSError(28, "No space left on device")

    with pytest.raises((OSError, StoreError)):
        store.apply(Change(graphs={G1: B, G2: B}, manifest={"n": 2}, files=failing))
    assert names(store) == ["A"] and store.manifest() == {"n": 1} and store.version() == version
    store.apply(Change(graphs={G2: B}, manifest={"n": 3}))  # and the next write succeeds
    assert names(store) == ["A", "B"]


def test_a_store_url_of_another_scheme_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="neither a folder nor the http"):
        open_store("ftp://example.org/sparql", writable=True)
    assert not Path("ftp:").exists()
