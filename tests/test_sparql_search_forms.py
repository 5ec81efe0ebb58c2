"""The two forms a search pattern (``?release search:matches "words"``) is written in before a query runs: the
embedded store gets ``VALUES ... LATERAL { the rest of the group }`` where the rest is triple patterns and filters,
so that its engine starts from the releases found; Virtuoso gets the plain VALUES. Both must answer what the plain
join answers: the same rows in the same order, wherever the pattern stands (alone, with filters, inside OPTIONAL,
UNION or GRAPH, next to BIND or OPTIONAL, twice). The releases of the test corpus are built with the real CLI (and
into a real Virtuoso, when one is running: tests/virtuoso.py)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from publisher.build import build
from publisher.config import load_config
from publisher.search import index_of
from publisher.sparql.endpoint import PREFIXES as WRITTEN_PREFIXES
from publisher.sparql.fulltext import engine_reads_lateral, expand
from publisher.sparql.worker import Answer, Job, execute
from publisher.store import open_store
from publisher.store.oxigraph import OxigraphStore
from publisher.web import create_app
from tests import remote_backend as virtuoso
from tests.conftest import cli_build, data_folder

CORPUS = Path(__file__).parent / "corpus"
PREFIXES = """PREFIX search: <https://w3id.org/pm-berlin/search#>
PREFIX schema: <https://schema.org/>
PREFIX pm: <https://w3id.org/pm-berlin/ontology#>
"""
RESULTS = "application/sparql-results+json"

#: (name, query, whether the embedded store gets the LATERAL form, whether the query orders every row)
QUERIES = [
    (
        "the benchmark's text search",
        """SELECT ?m ?datum ?titel WHERE {
  ?m search:matches "Nachbarschaft" .
  ?m a pm:PressRelease ; schema:headline ?titel ; schema:datePublished ?datum .
} ORDER BY DESC(?datum)""",
        True,
        False,
    ),
    (
        "the pattern in the middle, a filter",
        """SELECT ?m ?titel WHERE {
  ?m a pm:PressRelease . ?m search:matches "Nachbarschaft" . ?m schema:headline ?titel
  FILTER(CONTAINS(LCASE(?titel), "e"))
} ORDER BY ?titel ?m""",
        True,
        True,
    ),
    ("the pattern alone", 'SELECT ?m WHERE { ?m search:matches "BENN" }', False, False),
    (
        "a filter on the search variable only",
        'SELECT ?m WHERE { ?m search:matches "Nachbarschaft" . FILTER(CONTAINS(STR(?m), "benn")) } ORDER BY ?m',
        True,
        True,
    ),
    (
        "two patterns on one variable",
        """SELECT ?m ?d WHERE { ?m search:matches "BENN" . ?m search:matches "Nachbarschaft" .
  ?m schema:datePublished ?d } ORDER BY ?d ?m""",
        True,
        True,
    ),
    (
        "two patterns on two variables",
        """SELECT ?a ?b WHERE { ?a search:matches "BENN" . ?b search:matches "Kiezspaziergang" .
  ?a schema:datePublished ?da . ?b schema:datePublished ?db FILTER(?da <= ?db) } ORDER BY ?a ?b""",
        True,
        True,
    ),
    (
        "the search variable not in the rest of the group",
        """SELECT ?m ?o WHERE { ?m search:matches "BENN" . ?o a pm:PressRelease } ORDER BY ?m ?o""",
        True,
        True,
    ),
    (
        "inside OPTIONAL, the variable bound outside",
        """SELECT ?m ?t WHERE { ?m a pm:PressRelease
  OPTIONAL { ?m search:matches "BENN" . ?m schema:headline ?t } } ORDER BY ?m ?t""",
        True,
        True,
    ),
    (
        "inside UNION",
        """SELECT ?m ?v WHERE { { ?m search:matches "BENN" . ?m schema:headline ?v }
  UNION { ?m search:matches "Kiezspaziergang" . ?m schema:headline ?v } } ORDER BY ?m ?v""",
        True,
        True,
    ),
    (
        "inside GRAPH",
        """SELECT ?g ?m ?t WHERE { GRAPH ?g { ?m search:matches "Nachbarschaft" . ?m schema:headline ?t } }
ORDER BY ?g ?m ?t""",
        True,
        True,
    ),
    (
        "an aggregate",
        """SELECT (COUNT(*) AS ?n) (MIN(?d) AS ?first) WHERE { ?m search:matches "Nachbarschaft" .
  ?m schema:datePublished ?d }""",
        True,
        True,
    ),
    (
        "next to BIND (plain form)",
        """SELECT ?m ?s ?t WHERE { BIND(STR(?m) AS ?s) . ?m search:matches "BENN" . ?m schema:headline ?t }
ORDER BY ?m ?t""",
        False,
        True,
    ),
    (
        "next to OPTIONAL (plain form)",
        """SELECT ?m ?t WHERE { OPTIONAL { ?m schema:headline ?t } ?m search:matches "BENN" } ORDER BY ?m ?t""",
        False,
        True,
    ),
]
IDS = [name for name, *_rest in QUERIES]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test corpus's releases built with the real CLI: a folder with ``data`` and ``store`` (read-only)."""
    root = tmp_path_factory.mktemp("search-forms")
    releases = [(path.name, path.read_bytes()) for path in sorted(CORPUS.glob("*.txt"))]
    result = cli_build(CliRunner(), data_folder(root, *releases), root / "store")
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture(scope="module")
def embedded(corpus: Path) -> FlaskClient:
    config = dataclasses.replace(load_config(environ={}, store=str(corpus / "store")), response_cache=0)
    return create_app(config, open_store(config.store)).test_client()


@pytest.fixture(scope="module")
def remote(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    """The same releases built into Virtuoso, and served from there."""
    with virtuoso.emptied() as running:
        base = load_config(environ={}, data_dir=corpus / "data", store=str(corpus / "unused"), workers=1)
        config = virtuoso.settings(base, tmp_path_factory.mktemp("search-forms-remote") / "files", running)
        config = dataclasses.replace(config, response_cache=0)
        store = open_store(config.store, writable=True, settings=config)
        report = build(config, store)
        assert report.exit_code == 0, report.text()
        yield create_app(config, store).test_client()


def answer(client: FlaskClient, query: str) -> dict[str, Any]:
    response = client.get("/sparql", query_string={"query": PREFIXES + query}, headers={"Accept": RESULTS})
    assert response.status_code == 200, response.get_data(as_text=True)
    found: dict[str, Any] = response.get_json()
    return found


def plain_join(corpus: Path, query: str) -> Answer:
    """The query with its search patterns written as plain VALUES, run on the embedded store as the endpoint runs
    a query."""
    store = open_store(str(corpus / "store"))
    assert isinstance(store, OxigraphStore)
    index = index_of(store)
    assert index is not None
    config = load_config(environ={}, store=str(corpus / "store"))
    job = Job(
        store=None,
        query=expand(PREFIXES + query, index.matching, config.sparql_search_max),
        default_graphs=None,
        named_graphs=None,
        results_format="json",
        graph_format="turtle",
        max_rows=config.sparql_max_rows,
        base_iri=config.base_uri + "sparql",
    )
    outcome = execute(store.engine(), job, WRITTEN_PREFIXES)
    assert isinstance(outcome, Answer)
    return outcome


@pytest.mark.parametrize(("name", "query", "lateral", "ordered"), QUERIES, ids=IDS)
def test_the_embedded_store_answers_what_the_plain_join_answers(
    corpus: Path, embedded: FlaskClient, name: str, query: str, lateral: bool, ordered: bool
) -> None:
    assert engine_reads_lateral()  # the installed engine gets the LATERAL form
    written = expand(PREFIXES + query, lambda text: ["http://example.org/a", "http://example.org/b"], 10, lateral=True)
    assert ("LATERAL" in written) is lateral, written
    got = answer(embedded, query)
    want = json.loads(plain_join(corpus, query).body)
    assert got["results"]["bindings"], f"{name}: no rows, the comparison would prove nothing"
    assert got == want  # the same rows in the same order


@pytest.mark.parametrize(("name", "query", "lateral", "ordered"), QUERIES, ids=IDS)
def test_virtuoso_answers_what_the_embedded_store_answers(
    embedded: FlaskClient, remote: FlaskClient, name: str, query: str, lateral: bool, ordered: bool
) -> None:
    want = answer(embedded, query)
    got = answer(remote, query)
    assert got["head"] == want["head"]
    if ordered:
        assert got["results"] == want["results"], name
    else:  # rows of the same date may come in another order
        key = json.dumps
        assert sorted(map(key, got["results"]["bindings"])) == sorted(map(key, want["results"]["bindings"])), name


def test_a_group_with_a_comment_and_a_dot_after_the_pattern_is_still_sparql(corpus: Path) -> None:
    query = PREFIXES + 'SELECT ?m WHERE { ?m a pm:PressRelease.?m search:matches "BENN" . # the releases\n}'
    written = expand(query, lambda text: ["http://example.org/a"], 10, lateral=True)
    assert "LATERAL { ?m a pm:PressRelease." in written and "# the releases\n}" in written
    store = open_store(str(corpus / "store"))
    assert isinstance(store, OxigraphStore)
    assert list(store.engine().query(written, use_default_graph_as_union=True)) == []  # type: ignore[arg-type]
