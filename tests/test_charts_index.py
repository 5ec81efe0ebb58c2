"""The index the pictures are drawn from, written by every build (``charts.sqlite``): the app reads it instead of
querying the store, and what it makes of it is exactly what the store's queries give, after a first build and
after releases were changed, added and removed; a state without it (or with another version's) is read from the
store, and the next build writes it."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from bench.generate import generate
from publisher.charts_index import INDEX_NAME, RDF_TYPE, TYPES, Facts, current, facts_of, read_facts, write_index
from publisher.config import load_config
from publisher.namespaces import PM, SDO
from publisher.store import Store, open_store
from publisher.web import charts as charts_module
from publisher.web import create_app
from publisher.web.charts import CLASSES, Charts, ReleaseIndex, index_of_facts, read_index
from tests.conftest import SEED, cli_build

#: Synthetic releases (bench/generate.py) built beside the seed.
SYNTHETIC = 24


def written_index(store: Store) -> ReleaseIndex:
    """The index made from what the build of the store's current state wrote."""
    path = current(store.files_dir())
    assert path is not None, "the build wrote no charts index of this version"
    return index_of_facts(read_facts(path))


def assert_same(written: ReleaseIndex, queried: ReleaseIndex) -> None:
    for name in ReleaseIndex.__dataclass_fields__:
        assert getattr(written, name) == getattr(queried, name), name
    assert written == queried


@pytest.fixture
def no_queries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading the index from the store fails the test: the app must read what the build wrote."""

    def refuse(store: Store) -> ReleaseIndex:
        raise AssertionError("the index was read from the store")

    monkeypatch.setattr(charts_module, "read_index", refuse)


def copy_of(built: Path, target: Path) -> Path:
    """A copy of a built folder (data and store) that a test may change."""
    shutil.copytree(built, target, symlinks=True)
    return target


def test_a_build_of_the_bundled_data_writes_the_index_the_store_gives(cli_built: Path) -> None:
    store = open_store(str(cli_built / "store"))
    queried = read_index(store)
    assert queried.month and queried.types and queried.names and queried.passing["gebiet"]
    assert_same(written_index(store), queried)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), "utf-8")


def test_an_incremental_build_keeps_the_index_equal_to_the_stores(tmp_path: Path) -> None:
    data = tmp_path / "data"
    generate(SYNTHETIC, data)
    shutil.copy(SEED, data / "releases" / SEED.name)
    runner = CliRunner()
    first = cli_build(runner, data, tmp_path / "store")
    assert first.exit_code == 0, first.output
    store = open_store(str(tmp_path / "store"))
    before = read_index(store)
    assert_same(written_index(store), before)

    files = sorted((data / "releases").glob("2*.txt"))
    for gone in files[:3]:
        gone.unlink()
    # another month (and so another IRI), another programme, another sentence
    moved = files[3]
    day = re.search(r"Pressemitteilung vom (\d\d)\.(\d\d)\.(\d{4})", moved.read_text("utf-8"))
    assert day is not None
    edit(moved, day.group(0), f"Pressemitteilung vom 15.{int(day.group(2)) % 12 + 1:02d}.{day.group(3)}")
    programme = next(f for f in files[4:] if "Lebendige Zentren und Quartiere" in f.read_text("utf-8"))
    edit(programme, "Lebendige Zentren und Quartiere", "Sozialer Zusammenhalt")
    edit(files[-1], " Kontakt Pressestelle", " Weitere Informationen folgen. Kontakt Pressestelle")
    again = cli_build(runner, data, tmp_path / "store")
    assert again.exit_code == 0, again.output
    assert "3 removed" in again.output

    after = read_index(store)
    assert after != before
    assert len(after.month) == len(before.month) - 3
    assert_same(written_index(store), after)


def test_only_graphs_whose_content_changed_are_read_again(tmp_path: Path) -> None:
    release = "http://example.org/id/r"
    texts = {
        release: f"<{release}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        "<https://w3id.org/pm-berlin/ontology#PressRelease> .\n"
        f'<{release}> <https://schema.org/datePublished> "2024-03-01"^^<http://www.w3.org/2001/XMLSchema#date> .\n',
        "http://example.org/graph/reference": (
            '<http://example.org/id/o> <https://schema.org/name> "Amt \\u00C4"@de .\n'
        ),
    }
    asked: list[list[str]] = []

    def read(iris: list[str]) -> list[tuple[str, str]]:
        asked.append(iris)
        return [(iri, texts[iri]) for iri in iris]

    keys = {iri: "1" for iri in texts}
    first = write_index(tmp_path / "1" / INDEX_NAME, keys, read)
    assert first["read"] == 2
    second = write_index(tmp_path / "2" / INDEX_NAME, {**keys, release: "2"}, read, tmp_path / "1" / INDEX_NAME)
    assert (second["read"], second["graphs"]) == (1, 2)
    assert asked[-1] == [release]
    facts = read_facts(tmp_path / "2" / INDEX_NAME)
    assert facts.of("datePublished") == {release: {"2024-03-01"}}
    assert facts.of("name") == {"http://example.org/id/o": {"Amt Ä"}}


def test_facts_keep_iris_only_where_the_store_queries_do() -> None:
    facts = facts_of(
        "<http://x/r> <https://schema.org/about> <http://x/a> .\n"
        '<http://x/r> <https://schema.org/about> "Text" .\n'
        "<http://x/r> <https://schema.org/mentions> _:b1 .\n"
        "_:b2 <https://schema.org/about> <http://x/a> .\n"
        "<http://x/r> <https://schema.org/headline> <http://x/h> .\n"
        f"<http://x/r> <{RDF_TYPE}> <https://schema.org/NewsArticle> .\n"
        f"<http://x/r> <{RDF_TYPE}> <{PM.PressRelease}> .\n"
    )
    expected = Facts()
    expected.add("about", "http://x/r", "http://x/a")
    expected.add("type", "http://x/r", str(PM.PressRelease))
    assert facts == expected


def test_the_index_keeps_the_types_of_every_class_the_pictures_use() -> None:
    assert CLASSES | {str(PM.PressRelease), str(SDO.Quotation)} <= TYPES


def test_the_app_reads_the_written_index_and_not_another_versions(
    cli_built: Path, tmp_path: Path, no_queries: None
) -> None:
    root = copy_of(cli_built, tmp_path / "copy")
    store = open_store(str(root / "store"))
    config = load_config(environ={}, data_dir=root / "data", store=str(root / "store"), workers=1)
    client = create_app(config, open_store(str(root / "store"))).test_client()
    page = client.get("/", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "Pressemitteilungen je Monat" in page.get_data(as_text=True)

    # a state written by another version: its index is not read, the store is
    folder = store.files_dir()
    assert folder is not None
    with sqlite3.connect(folder / INDEX_NAME) as db:
        db.execute("UPDATE meta SET value = 'another' WHERE name = 'fingerprint'")
    db.close()
    assert current(folder) is None
    with pytest.raises(AssertionError, match="read from the store"):
        Charts(store).index()


def test_a_state_without_the_index_is_read_from_the_store_and_the_next_build_writes_it(
    cli_built: Path, tmp_path: Path
) -> None:
    root = copy_of(cli_built, tmp_path / "copy")
    store = open_store(str(root / "store"))
    folder = store.files_dir()
    assert folder is not None
    (folder / INDEX_NAME).unlink()
    _version, index = Charts(store).index()
    assert_same(index, read_index(store))

    again = cli_build(CliRunner(), root / "data", root / "store")
    assert again.exit_code == 0, again.output
    assert "store updated" in again.output
    assert_same(written_index(store), read_index(store))
