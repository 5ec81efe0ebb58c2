"""Full-text search: German-aware, ranked, built with every published state, used by the site and the CLI."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from publisher.build import build
from publisher.config import Config, load_config
from publisher.search import (
    INDEX_NAME,
    MOST_COMPOUNDS,
    Document,
    SearchIndex,
    SearchTextError,
    fold,
    fold_with_offsets,
    index_of,
    parse_query,
    stem,
    tokens,
    write_index,
)
from publisher.store import Store, WritableStore, open_store
from publisher.web import create_app
from tests.conftest import SEED_IRI, cli_build, data_folder, run

BASE = "http://localhost:8080/id/pressemitteilung/"


def markdown(title: str, date: str, body: str) -> str:
    return f'---\ntitle: "{title}"\ndate: {date}\npublisher: "Bezirksamt Treptow-Köpenick"\n---\n{body}\n'


#: name -> (headline, date, body). The words the tests look for are in exactly the releases they say.
RELEASES = {
    "zentrum.md": (
        "Nachbarschaftszentrum in Schöneberg eröffnet",
        "2025-03-04",
        "Das Bezirksamt eröffnet am Freitag neue Räume für Familien in der Hauptstraße 12. Eltern und Kindern "
        "stehen dort Beratung und ein Café offen. Die Räume liegen nahe der Schule.",
    ),
    "spielplatz.md": (
        "Neuer Spielplatz in Altglienicke",
        "2025-03-05",
        "Auf der neuen Anlage am Ehrenfelder Platz können Kinder ab sofort klettern und toben. Das Bezirksamt "
        "dankt allen, die bei der Planung mitgewirkt haben.",
    ),
    "sprechstunde.md": (
        "Bürgersprechstunde im Rathaus Köpenick",
        "2025-03-06",
        "Der Bezirksbürgermeister lädt zur Sprechstunde ein. Themen sind der Spielplatz am Anger und die "
        "Nachbarschaft im Allende-Viertel. Anmeldung ist nicht nötig.",
    ),
    "bibliothek.md": (
        "Bibliothek in Adlershof verlängert Öffnungszeiten",
        "2025-03-07",
        "Die Bibliothek öffnet ab April auch am Samstag. Lesungen finden im großen Saal statt.",
    ),
    "baeume.md": (
        "Baumpflanzung im Plänterwald",
        "2025-03-08",
        "Freiwillige pflanzen im Plänterwald 200 junge Eichen. Treffpunkt ist der Eingang am Dammweg.",
    ),
    "sitzung.md": (
        "Sitzung der Bezirksverordnetenversammlung",
        "2025-03-09",
        "Die Bezirksverordneten beraten über den Haushalt. Die Sitzung ist öffentlich.",
    ),
    "sommerfest.md": (
        "Sommerfest im Kiez",
        "2025-03-10",
        "Das Stadtteilzentrum lädt am Samstag zum Sommerfest ein. Es gibt Musik und Kuchen für alle Gäste.",
    ),
    "tuer.md": (
        "Tag der offenen Tür",
        "2025-03-11",
        "Das Zentrum lädt am Samstag zum Tag der offenen Tür ein. Es gibt Führungen und Kaffee für alle Gäste.",
    ),
}


def files() -> list[tuple[str, str]]:
    return [(name, markdown(*release)) for name, release in RELEASES.items()]


def headlines(index: SearchIndex, text: str) -> list[str]:
    """The headlines of every hit for ``text``, best first."""
    return [hit.headline for hit in index.search(text, limit=100).hits]


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The releases above built with the real CLI: a folder with ``data`` and ``store`` (read-only)."""
    root = tmp_path_factory.mktemp("search")
    result = cli_build(CliRunner(), data_folder(root, *files()), root / "store")
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture(scope="module")
def index(small: Path) -> SearchIndex:
    store = open_store(str(small / "store"))
    found = index_of(store)
    assert found is not None
    return found


# ---------------------------------------------------------------- German folding and stems


@pytest.mark.parametrize(
    ("written", "folded"),
    [
        ("Schöneberg", "schoneberg"),
        ("Schoeneberg", "schoneberg"),
        ("SCHÖNEBERG", "schoneberg"),
        ("Straße", "strasse"),
        ("Grüße", "grusse"),
        ("Gruesse", "grusse"),
        ("Mäuse", "mause"),
        ("neue", "neue"),  # u between vowels: not an umlaut
        ("Quelle", "quelle"),  # ue after q: not an umlaut
        ("Café", "cafe"),
    ],
)
def test_folding(written: str, folded: str) -> None:
    assert fold(written) == folded
    assert fold_with_offsets(written)[0] == folded


def test_folding_keeps_offsets_into_the_original() -> None:
    text = "Die Straße in Schöneberg"
    folded, offsets = fold_with_offsets(text)
    assert folded == "die strasse in schoneberg"
    start = folded.index("schoneberg")
    assert text[offsets[start] : offsets[start + len("schoneberg") - 1] + 1] == "Schöneberg"


def test_stems_are_prefixes_of_the_folded_words() -> None:
    for word in tokens("Schulen Häuser Nachbarschaften Straßen Beratungsstellen eröffnet Kindern aktuelle"):
        assert word.startswith(stem(word)), word
    assert stem("schulen") == stem("schule")
    assert stem(fold("Häuser")) == stem("haus")


# ---------------------------------------------------------------- what matches


@pytest.mark.parametrize("text", ["Schöneberg", "Schoeneberg", "Schoneberg", "schöneberg", "SCHOENEBERG"])
def test_umlauts_in_any_spelling(index: SearchIndex, text: str) -> None:
    assert headlines(index, text) == ["Nachbarschaftszentrum in Schöneberg eröffnet"]


@pytest.mark.parametrize("text", ["Straße", "strasse", "STRASSE", "Hauptstrasse", "Hauptstraße"])
def test_sharp_s_as_ss(index: SearchIndex, text: str) -> None:
    # "Hauptstraße 12" is in the body of one release only
    assert headlines(index, text) == ["Nachbarschaftszentrum in Schöneberg eröffnet"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Familie", "Nachbarschaftszentrum in Schöneberg eröffnet"),  # the body says "Familien"
        ("Schulen", "Nachbarschaftszentrum in Schöneberg eröffnet"),  # "Schule"
        ("Sitzungen", "Sitzung der Bezirksverordnetenversammlung"),  # "Sitzung"
        ("Eiche", "Baumpflanzung im Plänterwald"),  # "Eichen"
        ("Lesung", "Bibliothek in Adlershof verlängert Öffnungszeiten"),  # "Lesungen"
    ],
)
def test_inflected_forms(index: SearchIndex, text: str, expected: str) -> None:
    assert headlines(index, text) == [expected]


def test_kinder_and_kindern_are_one_stem(index: SearchIndex) -> None:
    expected = {"Nachbarschaftszentrum in Schöneberg eröffnet", "Neuer Spielplatz in Altglienicke"}
    assert set(headlines(index, "Kinder")) == expected
    assert set(headlines(index, "Kindern")) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nachbarschaft", {"Nachbarschaftszentrum in Schöneberg eröffnet", "Bürgersprechstunde im Rathaus Köpenick"}),
        ("Zentrum", {"Nachbarschaftszentrum in Schöneberg eröffnet", "Sommerfest im Kiez", "Tag der offenen Tür"}),
        ("Sprechstunde", {"Bürgersprechstunde im Rathaus Köpenick"}),
        ("Verordneten", {"Sitzung der Bezirksverordnetenversammlung"}),
        ("Stadtteil", {"Sommerfest im Kiez"}),
    ],
)
def test_parts_of_compounds_find_the_whole(index: SearchIndex, text: str, expected: set[str]) -> None:
    assert set(headlines(index, text)) == expected


def test_a_part_is_looked_for_in_the_shortest_compounds(tmp_path: Path) -> None:
    """A part of more compounds than MOST_COMPOUNDS finds those of the shortest ones, so its cost is bounded."""
    consonants, vowels = "bdfgkmnprt", "aio"
    short = sorted(c + v + d for c in consonants for v in vowels for d in consonants)[:150]
    long = sorted(c + v + d + w for c in consonants for v in vowels for d in consonants for w in vowels)[:100]
    words = [p + "platz" for p in short + long]
    documents = {
        f"http://example.org/{w}": Document(f"http://example.org/{w}", "Nachricht", f"Neu: {w}.", "2025-01-01")
        for w in words
    }
    releases = {iri: "key" for iri in documents}
    write_index(tmp_path / INDEX_NAME, releases, lambda iris: (("key", documents[iri]) for iri in iris))
    found = SearchIndex.open(tmp_path / INDEX_NAME).matching("Platz")
    assert MOST_COMPOUNDS == 200 and len(found) == 200
    expected = [p + "platz" for p in short] + sorted(p + "platz" for p in long)[:50]
    assert {iri.rsplit("/", 1)[1] for iri in found} == set(expected)


def test_short_words_match_whole_words_only(index: SearchIndex) -> None:
    # "Tag" is a word of one release, and part of no other word here; "Tür" is too short to look inside words
    assert headlines(index, "Tag") == ["Tag der offenen Tür"]
    # a word, not a part: "Samstag" and "Dammweg" do not count
    assert set(headlines(index, "am")) == {r[0] for r in RELEASES.values() if " am " in f" {r[2]} "}


def test_every_word_must_match(index: SearchIndex) -> None:
    assert headlines(index, "Spielplatz Anger") == ["Bürgersprechstunde im Rathaus Köpenick"]
    assert headlines(index, "Spielplatz Bibliothek") == []
    assert index.search("Spielplatz Bibliothek").total == 0


def test_phrases(index: SearchIndex) -> None:
    assert headlines(index, '"Spielplatz am Anger"') == ["Bürgersprechstunde im Rathaus Köpenick"]
    assert headlines(index, "„Spielplätze am Anger“") == ["Bürgersprechstunde im Rathaus Köpenick"]  # stems
    assert headlines(index, '"am Anger Spielplatz"') == []
    # without quotes the same words match wherever they are
    assert headlines(index, "Anger am Spielplatz") == ["Bürgersprechstunde im Rathaus Köpenick"]
    assert headlines(index, '"offenen Tür" Samstag') == ["Tag der offenen Tür"]


# ---------------------------------------------------------------- ranking


def test_headline_match_ranks_above_body_match(index: SearchIndex) -> None:
    result = index.search("Spielplatz")
    assert [hit.headline for hit in result.hits] == [
        "Neuer Spielplatz in Altglienicke",  # in the headline only
        "Bürgersprechstunde im Rathaus Köpenick",  # in the body only
    ]
    assert result.hits[0].score > result.hits[1].score


def test_the_word_itself_ranks_above_a_compound(index: SearchIndex) -> None:
    order = headlines(index, "Zentrum")
    # both say it in a body of the same length: "Das Zentrum lädt ..." and "Das Stadtteilzentrum lädt ..."
    assert order.index("Tag der offenen Tür") < order.index("Sommerfest im Kiez")


def test_hits_carry_what_a_list_shows(index: SearchIndex) -> None:
    result = index.search("Plänterwald")
    assert result.total == 1
    hit = result.hits[0]
    assert hit.iri == BASE + "2025-03-08-baumpflanzung-im-plaenterwald"
    assert hit.headline == "Baumpflanzung im Plänterwald"
    assert hit.date == "2025-03-08"
    assert "Plänterwald 200 junge Eichen" in hit.snippet


def test_snippet_shows_the_match_in_a_long_body(built: tuple[Config, WritableStore]) -> None:
    found = index_of(built[1])
    assert found is not None
    hit = found.search("Wohnungsgenossenschaften Altglienicke").hits[0]
    assert hit.iri == SEED_IRI
    assert "Wohnungsgenossenschaften" in hit.snippet
    assert len(hit.snippet) < 260


def test_paging(index: SearchIndex) -> None:
    every = index.matching("Samstag")
    assert len(every) == 3
    assert [h.iri for h in index.search("Samstag", limit=2).hits] == every[:2]
    assert [h.iri for h in index.search("Samstag", limit=2, offset=2).hits] == every[2:]
    assert index.search("Samstag", limit=2, offset=2).total == 3
    assert index.search("Samstag", limit=0).hits == []


# ---------------------------------------------------------------- what cannot be searched, and what is no operator


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("NEAR(Spielplatz Anger)", "near Spielplatz Anger"),
        ("Spielplatz OR Bibliothek", "Spielplatz or Bibliothek"),
        ("Spielplatz AND Anger", "Spielplatz and Anger"),
        ("NOT Bibliothek", "not Bibliothek"),
        ("Spiel*", "Spiel"),
        ("-Spielplatz", "Spielplatz"),
        ("Spielplatz -Anger", "Spielplatz Anger"),
        ("headline:Spielplatz", "headline Spielplatz"),
        ("body : Anger", "body Anger"),
        ("^Spielplatz", "Spielplatz"),
        ("{headline body}: Spielplatz", "headline body Spielplatz"),
        ('Spielplatz"', "Spielplatz"),
        ('"Spielplatz', "Spielplatz"),
        ('"Spielplatz" "', "Spielplatz"),
        ('""Spielplatz""', "Spielplatz"),
        ("Spielplatz + Anger", "Spielplatz Anger"),
        ("(Spielplatz)", "Spielplatz"),
        ("Spielplatz'; DROP TABLE releases; --", "Spielplatz drop table releases"),
        ("Spielplatz\x00Anger", "Spielplatz Anger"),
    ],
)
def test_fts_operators_are_plain_characters(index: SearchIndex, text: str, words: str) -> None:
    assert index.matching(text) == index.matching(words)
    assert index.search(text).total == len(index.matching(words))


def test_operators_do_not_widen_the_search(index: SearchIndex) -> None:
    assert index.matching("Spielplatz OR Bibliothek") == []
    assert index.matching("NOT Bibliothek") == []
    assert len(index) == len(RELEASES)  # the DROP TABLE above was a search, nothing else


@pytest.mark.parametrize("text", ["***", '""', "-", "(", ":^*", "   ", "„“", "–", ""])
def test_nothing_to_search_is_a_clear_400(index: SearchIndex, text: str) -> None:
    with pytest.raises(SearchTextError) as caught:
        index.search(text)
    assert caught.value.status == 400
    assert "nothing to search for" in caught.value.message or "empty" in caught.value.message


def test_too_long_a_text_names_the_setting(small: Path) -> None:
    found = index_of(open_store(str(small / "store")), max_length=20)
    assert found is not None
    with pytest.raises(SearchTextError, match=r"21 characters; at most 20 .*PUBLISHER_SEARCH_LENGTH"):
        found.search("Spielplatz Spielplatz")
    assert found.search("Spielplatz").total == 2


def test_parse_query() -> None:
    clauses = parse_query('Schulen „BENN Treffen“ -x "unpaired')
    assert [c.words for c in clauses] == [("schulen",), ("benn", "treffen"), ("x",), ("unpaired",)]
    assert clauses[0].stems == ("schul",)
    assert clauses[1].exact == '"benn treff"'


def test_one_index_shared_by_threads(index: SearchIndex) -> None:
    expected = {text: index.matching(text) for text in ("Spielplatz", "Zentrum", "Samstag", "Kinder")}
    failures: list[str] = []

    def work() -> None:
        for _ in range(25):
            for text, iris in expected.items():
                if index.matching(text) != iris:
                    failures.append(text)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


# ---------------------------------------------------------------- the index of each published state


def test_the_bundled_data_is_indexed(built: tuple[Config, WritableStore]) -> None:
    _config, store = built
    found = index_of(store)
    assert found is not None and len(found) == 1
    for text in ("BENN Treffen", "bezirkliche", "Austauschtreffen", "Treffen", '"BENN Treffen hat stattgefunden"'):
        assert found.matching(text) == [SEED_IRI], text
    assert found.info()["indexed"] == "1"


def test_index_follows_a_rebuild(small: Path, tmp_path: Path, runner: CliRunner) -> None:
    shutil.copytree(small / "data", tmp_path / "data")
    shutil.copytree(small / "store", tmp_path / "store", symlinks=True)
    store = open_store(str(tmp_path / "store"))
    before = index_of(store)
    assert before is not None
    assert before.matching("Sprechstunde") == [BASE + "2025-03-06-buergersprechstunde-im-rathaus-koepenick"]

    headline, date, body = RELEASES["spielplatz.md"]
    releases = tmp_path / "data" / "releases"
    (releases / "spielplatz.md").write_text(markdown(headline, date, body + " Ein Wasserspiel folgt im Mai."))
    (releases / "sprechstunde.md").unlink()
    result = cli_build(runner, tmp_path / "data", tmp_path / "store")
    assert result.exit_code == 0, result.output

    after = index_of(store)
    assert after is not None
    assert headlines(after, "Wasserspiel") == ["Neuer Spielplatz in Altglienicke"]
    assert after.matching("Sprechstunde") == []
    assert headlines(after, "Spielplatz") == ["Neuer Spielplatz in Altglienicke"]
    assert len(after) == len(RELEASES) - 1
    assert after.info()["indexed"] == "1"  # only the changed release was indexed again
    # the state that was replaced keeps its own index
    assert before.matching("Sprechstunde") != [] and before.matching("Wasserspiel") == []

    # and a build that changes nothing writes nothing
    again = cli_build(runner, tmp_path / "data", tmp_path / "store")
    assert "store unchanged" in again.output


def test_a_state_without_index_gets_one_from_the_next_build(small: Path, tmp_path: Path, runner: CliRunner) -> None:
    """A store written by a version without search: the page says so, and the next build writes the index even
    though no release changed."""
    shutil.copytree(small / "data", tmp_path / "data")
    shutil.copytree(small / "store", tmp_path / "store", symlinks=True)
    generation = (tmp_path / "store" / "current").resolve()
    (generation / "files" / INDEX_NAME).unlink()
    config = load_config(environ={}, store=str(tmp_path / "store"), data_dir=tmp_path / "data")
    client = create_app(config, open_store(config.store)).test_client()
    assert index_of(open_store(config.store)) is None

    response = client.get("/suche?q=Spielplatz")
    assert response.status_code == 503
    assert "keinen Suchindex" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert "no search index" in run(runner, "search", "--store", config.store, "Spielplatz").stderr

    result = cli_build(runner, tmp_path / "data", tmp_path / "store")
    assert "store updated" in result.output, result.output
    assert "2 Pressemitteilungen mit „Spielplatz“" in client.get("/suche?q=Spielplatz").get_data(as_text=True)


def test_a_store_in_memory_has_its_index(tmp_path: Path) -> None:
    config = load_config(environ={}, data_dir=data_folder(tmp_path, *files()[:2]), store=":memory:", workers=1)
    store: Store = open_store(config.store, writable=True)
    assert isinstance(store, WritableStore)
    assert build(config, store).exit_code == 0
    found = index_of(store)
    assert found is not None
    assert headlines(found, "Schoeneberg") == ["Nachbarschaftszentrum in Schöneberg eröffnet"]


def test_a_store_without_index() -> None:
    assert index_of(open_store(":memory:")) is None


# ---------------------------------------------------------------- the command line


def test_cli_search(small: Path, runner: CliRunner) -> None:
    store = str(small / "store")
    result = run(runner, "search", "--store", store, "Spielplatz")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines == [
        f"2025-03-05  Neuer Spielplatz in Altglienicke  {BASE}2025-03-05-neuer-spielplatz-in-altglienicke",
        "2025-03-06  Bürgersprechstunde im Rathaus Köpenick  "
        f"{BASE}2025-03-06-buergersprechstunde-im-rathaus-koepenick",
    ]
    # several arguments are one search text
    assert run(runner, "search", "--store", store, "Spielplatz", "Anger").stdout.count("\n") == 1


def test_cli_search_json_and_limit(small: Path, runner: CliRunner) -> None:
    result = run(runner, "search", "--store", str(small / "store"), "--json", "--limit", "1", "Samstag")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["total"] == 3
    assert len(data["hits"]) == 1
    assert set(data["hits"][0]) == {"iri", "score", "headline", "date", "snippet"}
    assert "Samstag" in data["hits"][0]["snippet"]


def test_cli_search_exit_codes(small: Path, runner: CliRunner, tmp_path: Path) -> None:
    store = str(small / "store")
    none = run(runner, "search", "--store", store, "Raumschiff")
    assert none.exit_code == 1 and none.stdout == ""
    bad = run(runner, "search", "--store", store, "***")
    assert bad.exit_code == 2
    assert "nothing to search for" in bad.stderr
    empty = run(runner, "search", "--store", str(tmp_path / "empty"), "Spielplatz")
    assert empty.exit_code == 2
    assert "no search index" in empty.stderr


# ---------------------------------------------------------------- the search page


def test_search_page(client: FlaskClient) -> None:
    response = client.get("/suche?q=Wohnungsgenossenschaft", headers={"Accept": "text/html"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "1 Pressemitteilung mit „Wohnungsgenossenschaft“" in html
    assert "3. Bezirkliches BENN Treffen hat stattgefunden" in html
    assert "(2025-01-17)" in html
    assert "Wohnungsgenossenschaften in den BENN Gebieten" in html  # the snippet
    assert 'href="/doc/pressemitteilung/2025-01-17-3-bezirkliches-benn-treffen-hat-stattgefunden"' in html


def test_search_page_escapes_the_text(client: FlaskClient) -> None:
    response = client.get("/suche", query_string={"q": "<script>alert(1)</script> Treffen"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Treffen" in html


def test_search_page_errors(client: FlaskClient) -> None:
    bad = client.get("/suche?q=***", headers={"Accept": "application/json"})
    assert bad.status_code == 400
    assert "nothing to search for" in bad.get_json()["error"]
    long = client.get("/suche", query_string={"q": "x" * 201}, headers={"Accept": "application/json"})
    assert long.status_code == 400
    assert "PUBLISHER_SEARCH_LENGTH" in long.get_json()["error"]
    beyond = client.get("/suche?q=Treffen&page=2", headers={"Accept": "application/json"})
    assert beyond.status_code == 404
    assert client.get("/suche?q=Treffen&page=0").status_code == 400
    assert client.get("/suche").status_code == 200


def test_search_page_pages_and_follows_the_published_state(small: Path, tmp_path: Path, runner: CliRunner) -> None:
    shutil.copytree(small / "data", tmp_path / "data")
    shutil.copytree(small / "store", tmp_path / "store", symlinks=True)
    config = load_config(environ={}, store=str(tmp_path / "store"), data_dir=tmp_path / "data", page_size=2)
    client = create_app(config, open_store(config.store)).test_client()

    first = client.get("/suche?q=Samstag").get_data(as_text=True)
    assert "3 Pressemitteilungen mit „Samstag“" in first and "Seite 1 von 2" in first
    assert 'href="/suche?q=Samstag&amp;page=2" rel="next"' in first
    second = client.get("/suche?q=Samstag&page=2").get_data(as_text=True)
    assert second.count('<p class="snippet">') == 1 and 'rel="prev"' in second
    assert '<ol class="hits" start="3">' in second

    assert "Bürgersprechstunde im Rathaus Köpenick" in client.get("/suche?q=Sprechstunde").get_data(as_text=True)
    (tmp_path / "data" / "releases" / "sprechstunde.md").unlink()
    assert cli_build(runner, tmp_path / "data", tmp_path / "store").exit_code == 0
    page = client.get("/suche?q=Sprechstunde").get_data(as_text=True)
    assert "0 Pressemitteilungen mit „Sprechstunde“" in page
