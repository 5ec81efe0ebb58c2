"""Full-text search inside SPARQL (``?release search:matches "words"``), through the real endpoint over releases
built with the real CLI: the pattern finds what the full-text index finds (the same releases as the JSON API's
``q``), joins with the rest of the query, and is refused with a clear message where it is written in a way the
endpoint cannot answer. Strings, comments and other IRIs that merely contain its name are left alone."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from publisher.config import load_config
from publisher.search import index_of
from publisher.sparql.examples import EXAMPLES
from publisher.sparql.fulltext import MATCHES, expand, searches
from publisher.store import open_store
from publisher.web import create_app
from tests.conftest import cli_build, data_folder

CORPUS = Path(__file__).parent / "corpus"
PREFIXES = """PREFIX search: <https://w3id.org/pm-berlin/search#>
PREFIX schema: <https://schema.org/>
PREFIX pm: <https://w3id.org/pm-berlin/ontology#>
"""
RESULTS = "application/sparql-results+json"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test corpus's releases built with the real CLI: a folder with ``data`` and ``store`` (read-only)."""
    root = tmp_path_factory.mktemp("sparql-search")
    releases = [(path.name, path.read_bytes()) for path in sorted(CORPUS.glob("*.txt"))]
    assert len(releases) >= 5
    result = cli_build(CliRunner(), data_folder(root, *releases), root / "store")
    assert result.exit_code == 0, result.output
    return root


def client_of(corpus: Path, **settings: int) -> FlaskClient:
    config = load_config(environ={}, store=str(corpus / "store"))
    config = dataclasses.replace(config, response_cache=0, **settings) if settings else config
    return create_app(config, open_store(config.store)).test_client()


@pytest.fixture(scope="module")
def client(corpus: Path) -> FlaskClient:
    return client_of(corpus)


def rows(client: FlaskClient, query: str) -> list[dict[str, str]]:
    response = client.get("/sparql", query_string={"query": PREFIXES + query}, headers={"Accept": RESULTS})
    assert response.status_code == 200, response.get_data(as_text=True)
    return [{name: cell["value"] for name, cell in row.items()} for row in response.get_json()["results"]["bindings"]]


def refused(client: FlaskClient, query: str) -> str:
    response = client.get("/sparql", query_string={"query": PREFIXES + query}, headers={"Accept": RESULTS})
    assert response.status_code == 400, response.get_data(as_text=True)
    message: str = response.get_json()["error"]
    return message


def api_ids(client: FlaskClient, text: str) -> set[str]:
    answer = client.get("/api/releases", query_string={"q": text, "per_page": 200}).get_json()
    assert answer["total"] == len(answer["items"])
    return {item["iri"] for item in answer["items"]}


@pytest.mark.parametrize(
    "text", ["Nachbarschaft", "BENN Büro", "Kiezspaziergang", "Spielplätze", "Quartiersmanagement"]
)
def test_the_pattern_finds_what_the_search_finds(client: FlaskClient, text: str) -> None:
    found = rows(client, f'SELECT ?m WHERE {{ ?m search:matches "{text}" . }}')
    assert {row["m"] for row in found} == api_ids(client, text)


def test_some_words_find_some_releases_and_not_all(client: FlaskClient, corpus: Path) -> None:
    index = index_of(open_store(str(corpus / "store")))
    assert index is not None
    total = len(index)
    counts = [len(index.matching(word)) for word in ("Nachbarschaft", "BENN", "Kiezspaziergang")]
    assert any(0 < count < total for count in counts), counts  # the tests above are not all trivial


def test_the_pattern_joins_with_the_rest_of_the_query(client: FlaskClient) -> None:
    everything = rows(
        client,
        "SELECT ?m ?titel ?datum WHERE { ?m a pm:PressRelease ; schema:headline ?titel ; schema:datePublished ?datum }",
    )
    found = rows(
        client,
        """SELECT ?m ?titel ?datum WHERE {
  ?m a pm:PressRelease ;
     schema:headline ?titel .
  ?m search:matches "BENN" .
  ?m schema:datePublished ?datum .
} ORDER BY DESC(?datum)""",
    )
    ids = api_ids(client, "BENN")
    assert found and {row["m"] for row in found} == ids
    assert sorted(map(str, found)) == sorted(str(row) for row in everything if row["m"] in ids)
    assert [row["datum"] for row in found] == sorted((row["datum"] for row in found), reverse=True)


def test_two_patterns_find_the_releases_both_texts_match(client: FlaskClient) -> None:
    both = rows(client, 'SELECT ?m WHERE { ?m search:matches "BENN" . ?m search:matches "Nachbarschaft" }')
    assert {row["m"] for row in both} == api_ids(client, "BENN") & api_ids(client, "Nachbarschaft")


def test_the_full_iri_another_prefix_and_escapes_are_understood(client: FlaskClient) -> None:
    expected = api_ids(client, "Nachbarschaft")
    for pattern in (
        f'?m <{MATCHES}> "Nachbarschaft"',
        '?m s:matches "Nachbarschaft"',
        '?m search:matches """Nachbarschaft"""',
        "?m search:matches 'Nachbarschaft'",
        '?m search:\\u006Datches "Nachbarschaft"',
    ):
        query = f"PREFIX s: <https://w3id.org/pm-berlin/search#>\nSELECT ?m WHERE {{ {pattern} }}"
        assert {row["m"] for row in rows(client, query)} == expected, pattern


def test_strings_comments_and_other_terms_are_left_alone() -> None:
    query = PREFIXES + (
        '# ?m search:matches "nothing"\n'
        'SELECT ?m WHERE { ?m schema:headline "?x search:matches \\"y\\" ." . ?m pm:matches ?o }'
    )
    assert searches(query)[1] == []
    assert expand(query, lambda text: pytest.fail(f"searched for {text}"), 10) == query


def test_an_expanded_query_is_sparql_the_engine_reads() -> None:
    query = PREFIXES + 'SELECT ?m WHERE { ?m a pm:PressRelease. ?m search:matches "Kita, Kiez" }'
    found = {"Kita, Kiez": ["http://example.org/a", "http://example.org/b"]}
    expanded = expand(query, lambda text: found[text], 5)
    assert "VALUES ?m { <http://example.org/a> <http://example.org/b> }" in expanded
    store = ox.Store()
    for release in ("a", "c"):
        store.add(
            ox.Quad(
                ox.NamedNode(f"http://example.org/{release}"),
                ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                ox.NamedNode("https://w3id.org/pm-berlin/ontology#PressRelease"),
            )
        )
    assert [str(row["m"].value) for row in store.query(expanded)] == ["http://example.org/a"]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("pattern", "says"),
    [
        ('?m a pm:PressRelease ; search:matches "BENN"', "after ';'"),
        ('?m schema:about ?x , search:matches "BENN"', "after ','"),
        ('<http://example.org/x> search:matches "BENN"', "needs a variable as its subject"),
        ("?m search:matches ?text", "needs the search text as a string"),
        ('?m search:matches "BENN"@de', "must end with '.' or '}'"),
        ('?m search:matches "BENN" , "Kiez"', "must end with '.' or '}'"),
    ],
)
def test_a_pattern_the_endpoint_cannot_answer_is_refused_saying_how_to_write_it(
    client: FlaskClient, pattern: str, says: str
) -> None:
    message = refused(client, f"SELECT * WHERE {{ {pattern} }}")
    assert says in message and '?mitteilung search:matches "Suchwörter"' in message


@pytest.mark.parametrize(("text", "says"), [("", "empty"), ("!!! ???", "nothing to search for")])
def test_a_search_text_without_words_is_refused(client: FlaskClient, text: str, says: str) -> None:
    assert says in refused(client, f'SELECT * WHERE {{ ?m search:matches "{text}" }}')


def test_more_releases_than_the_setting_allows_are_refused_naming_it(corpus: Path) -> None:
    client = client_of(corpus, sparql_search_max=1)
    many = rows(client_of(corpus), 'SELECT ?m WHERE { ?m search:matches "Nachbarschaft" }')
    assert len(many) > 1
    message = refused(client, 'SELECT ?m WHERE { ?m search:matches "Nachbarschaft" }')
    assert f"{len(many)} releases match" in message and "PUBLISHER_SPARQL_SEARCH_MAX" in message


def test_the_query_page_example_finds_what_the_search_finds(client: FlaskClient) -> None:
    example = next(e for e in EXAMPLES if "search:matches" in e.query)
    assert example.title in client.get("/sparql", headers={"Accept": "text/html"}).get_data(as_text=True)
    response = client.get("/sparql", query_string={"query": example.query}, headers={"Accept": RESULTS})
    found = [row["mitteilung"]["value"] for row in response.get_json()["results"]["bindings"]]
    (search,) = searches(example.query)[1]
    assert set(found) == api_ids(client, search.text)
