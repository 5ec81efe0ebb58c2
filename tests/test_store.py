"""The store contract: atomic replacement of graphs, the union default graph, the in-memory variant."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher.store import Change, WritableStore, open_store

A = '<http://example.org/a> <http://schema.org/name> "A" .\n'
B = '<http://example.org/b> <http://schema.org/name> "B" .\n'
G1 = "http://example.org/graph/1"
G2 = "http://example.org/graph/2"


@pytest.fixture(params=["memory", "disk"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> WritableStore:
    target = open_store(":memory:" if request.param == "memory" else str(tmp_path / "store"), writable=True)
    assert isinstance(target, WritableStore)
    return target


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
