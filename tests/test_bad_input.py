"""Bad input gets one clear line naming the file and the problem, a non-zero exit, and an untouched store.

Every test builds the real seed release into a store of its own with the real CLI, records what the store
serves (the ``current`` generation, the quad count, the N-Quads dump), adds one bad file beside the good
release, builds again, and checks the exit code, the one line that names the bad file, and that the store
still serves exactly what it served before.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import (
    COUNT,
    HAS_NEW_SENTENCE,
    NEW_SENTENCE,
    SEED,
    SEED_IRI,
    SEED_NAME,
    ask,
    cli_build,
    run,
    seed_data,
    select,
    with_new_sentence,
)

# ---------------------------------------------------------------- helpers


@dataclass(frozen=True)
class Snapshot:
    """What a store serves: the generation ``current`` points to, its quad count, its N-Quads dump."""

    generation: str
    count: int
    nquads: bytes


def snapshot(runner: CliRunner, store: Path) -> Snapshot:
    link = store / "current"
    assert link.is_symlink(), f"{link} is not a symlink"
    generation = link.resolve().name
    count = int(select(runner, store, COUNT)[0]["n"])
    dumped = run(runner, "export", "--store", str(store), "--format", "nq")
    assert dumped.exit_code == 0, dumped.output
    return Snapshot(generation, count, dumped.stdout_bytes)


def lines_naming(output: str, name: str) -> list[str]:
    return [line for line in output.splitlines() if name in line]


def seed_text() -> str:
    return SEED.read_text("utf-8")


#: (data folder, store folder, what the store served after the good build)
Published = tuple[Path, Path, Snapshot]


@pytest.fixture
def published(cli_built: Path, tmp_path: Path, runner: CliRunner) -> Published:
    """A copy of the good build (``cli_built``) of this test's own: (data folder, store folder, what the store
    serves)."""
    shutil.copytree(cli_built / "data", tmp_path / "data")
    shutil.copytree(cli_built / "store", tmp_path / "store", symlinks=True)
    data, store = tmp_path / "data", tmp_path / "store"
    before = snapshot(runner, store)
    assert before.count > 0
    assert SEED_IRI.encode() in before.nquads
    return data, store, before


def assert_untouched(runner: CliRunner, store: Path, before: Snapshot) -> None:
    after = snapshot(runner, store)
    assert after.generation == before.generation, "the store switched to a new generation"
    assert after.count == before.count, "the store's quad count changed"
    assert after.nquads == before.nquads, "the store's N-Quads dump changed"


# ---------------------------------------------------------------- the bad inputs

_HEADER = "Pressemitteilung vom 17.01.2025 "


def _empty() -> bytes:
    return b""


def _binary() -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 4


def _latin1() -> bytes:
    text = (
        "Straßenfest in Köpenick\n\nDirekt zur Kontaktinformation Pressemitteilung vom 20.01.2025 "
        "Die Bürgerinnen und Bürger in Köpenick freuen sich über größere Grünflächen an der Spree. "
    )
    return (text * 3).encode("latin-1")


def _html() -> bytes:
    return (
        b'<!DOCTYPE html>\n<html lang="de">\n<head><meta charset="utf-8">'
        b"<title>3. Bezirkliches BENN Treffen hat stattgefunden - Berlin.de</title></head>\n"
        b'<body><div class="article">\n<h1>3. Bezirkliches BENN Treffen hat stattgefunden</h1>\n'
        b"<p>Pressemitteilung vom 17.01.2025</p>\n"
        b"<p>Am Mittwoch, dem 15. Januar 2025 fand das 3. Bezirkliche Austauschtreffen statt.</p>\n"
        b"</div></body>\n</html>\n"
    )


def _no_header() -> bytes:
    text = seed_text()
    assert text.count(_HEADER) == 1
    return text.replace(_HEADER, "").encode()


def _date_missing() -> bytes:
    text = seed_text()
    return text.replace(_HEADER, "Pressemitteilung vom ").encode()


def _impossible_date() -> bytes:
    return seed_text().replace("vom 17.01.2025", "vom 32.13.2025").encode()


def _duplicate() -> bytes:
    return SEED.read_bytes()


# (file name, bytes, keywords the one line must carry; every one of them, case-insensitive)
INPUT_ERRORS = [
    pytest.param("leer.txt", _empty, ["empty"], id="empty"),
    pytest.param("bild.txt", _binary, ["binary"], id="binary"),
    pytest.param("latin1.txt", _latin1, ["UTF-8"], id="latin-1"),
    pytest.param("seite.txt", _html, ["HTML"], id="html"),
    pytest.param("ohne-kopf.txt", _no_header, ["date"], id="no-date-header"),
    pytest.param("ohne-datum.txt", _date_missing, ["date", "missing"], id="date-missing-after-vom"),
    pytest.param("unmoeglich.txt", _impossible_date, ["date", "32.13.2025"], id="impossible-date"),
    pytest.param("001_kopie.txt", _duplicate, ["same press release", SEED_NAME], id="duplicate-identity"),
]


@pytest.mark.parametrize(("name", "content", "keywords"), INPUT_ERRORS)
def test_bad_input_is_one_line_exit_2_and_store_untouched(
    name: str, content: Callable[[], bytes], keywords: list[str], published: Published, runner: CliRunner
) -> None:
    data, store, before = published
    (data / "releases" / name).write_bytes(content())

    result = cli_build(runner, data, store)

    assert_untouched(runner, store, before)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 2, result.output
    named = lines_naming(result.output, name)
    assert len(named) == 1, f"expected one line naming {name}:\n{result.output}"
    line = named[0]
    for keyword in keywords:
        assert keyword.casefold() in line.casefold(), f"{keyword!r} not in {line!r}"
    assert name in result.stderr, "the error belongs on stderr"
    assert "store unchanged" in result.output


def test_every_bad_file_at_once_gets_a_line_each(published: Published, runner: CliRunner) -> None:
    """Several bad files in one build: each is named once, the good release is not named, the store stays."""
    data, store, before = published
    bad = {
        "leer.txt": _empty(),
        "bild.txt": _binary(),
        "latin1.txt": _latin1(),
        "seite.txt": _html(),
        "unmoeglich.txt": _impossible_date(),
    }
    for name, content in bad.items():
        (data / "releases" / name).write_bytes(content)

    result = cli_build(runner, data, store)

    assert result.exit_code == 2, result.output
    for name in bad:
        assert len(lines_naming(result.output, name)) == 1, f"{name}:\n{result.output}"
    assert not lines_naming(result.output, SEED_NAME), result.output
    assert_untouched(runner, store, before)


# ---------------------------------------------------------------- a release that violates a shape

RELEASE_IRI = "http://localhost:8080/id/pressemitteilung/2025-02-03-kiezspaziergang-durch-altglienicke"
SOURCE_IRI = "http://localhost:8080/id/quelle/2025-02-03-kiezspaziergang-durch-altglienicke"
PUBLISHER_IRI = "http://localhost:8080/id/organisation/bezirksamt-treptow-koepenick"


BODY = (
    "Das Bezirksamt Treptow-Köpenick lädt alle Nachbarinnen und Nachbarn zu einem Kiezspaziergang "
    "durch Altglienicke ein. Treffpunkt ist der Marktplatz."
)


def release_turtle(headline: bool) -> str:
    """A Turtle release that carries what the mapping produces for the seed and PressRelease.ttl requires,
    with or without its schema:headline."""
    head = '    schema:headline "Kiezspaziergang durch Altglienicke"@de ;\n' if headline else ""
    return f"""@prefix pm: <https://w3id.org/pm-berlin/ontology#> .
@prefix schema: <https://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<{RELEASE_IRI}> a schema:NewsArticle, pm:PressRelease ;
{head}    schema:name "Kiezspaziergang durch Altglienicke"@de ;
    schema:datePublished "2025-02-03"^^xsd:date ;
    schema:dateModified "2025-02-03"^^xsd:date ;
    schema:articleBody "{BODY}"@de ;
    schema:identifier "2025-02-03-kiezspaziergang-durch-altglienicke" ;
    schema:inLanguage "de" ;
    schema:license <http://dcat-ap.de/def/licenses/dl-by-de/2.0> ;
    schema:publisher <{PUBLISHER_IRI}> ;
    schema:mentions <{PUBLISHER_IRI}> ;
    schema:isBasedOn <{SOURCE_IRI}> .

<{SOURCE_IRI}> a schema:DigitalDocument ;
    schema:name "kiezspaziergang.ttl" ;
    schema:sha256 "{hashlib.sha256(b"kiezspaziergang").hexdigest()}" ;
    schema:encodingFormat "text/turtle" ;
    schema:about <{RELEASE_IRI}> .
"""


def test_the_turtle_release_conforms_with_its_headline(tmp_path: Path, runner: CliRunner) -> None:
    """The control for the next test: with the headline the same file builds, so the headline is all that is
    missing there."""
    data = seed_data(tmp_path)
    (data / "releases" / "kiezspaziergang.ttl").write_text(release_turtle(headline=True), "utf-8")
    result = cli_build(runner, data, tmp_path / "store")
    assert result.exit_code == 0, result.output
    assert ask(runner, tmp_path / "store", f"ASK {{ GRAPH <{RELEASE_IRI}> {{ ?s ?p ?o }} }}")


def test_shape_violation_is_one_line_exit_1_and_store_untouched(published: Published, runner: CliRunner) -> None:
    data, store, before = published
    name = "kiezspaziergang.ttl"
    (data / "releases" / name).write_text(release_turtle(headline=False), "utf-8")

    result = cli_build(runner, data, store)

    assert result.exit_code == 1, result.output
    named = lines_naming(result.output, name)
    assert len(named) == 1, result.output
    line = named[0]
    assert "Violation" in line
    assert "schema:headline" in line
    assert RELEASE_IRI in line
    assert "store unchanged" in result.output
    assert_untouched(runner, store, before)


# ---------------------------------------------------------------- a write that fails half-way


def test_a_failed_write_leaves_the_old_store_serving(published: Published, runner: CliRunner) -> None:
    """The new generation is written and flushed, then switching ``current`` to it fails: something that is
    not a symlink (a folder) sits at the path ``apply`` stages the new link under (``current.next``)."""
    data, store, before = published
    seed = data / "releases" / SEED_NAME
    seed.write_text(with_new_sentence(seed.read_text("utf-8")), "utf-8")
    obstacle = store / "current.next"
    obstacle.mkdir()
    (obstacle / "keep").write_text("in the way\n")
    generations = sorted(p.name for p in store.glob("gen-*"))

    result = cli_build(runner, data, store)

    # the old state keeps serving, and nothing of the new generation is left behind
    assert_untouched(runner, store, before)
    assert not ask(runner, store, HAS_NEW_SENTENCE)
    left = sorted(p.name for p in store.glob("gen-*"))
    assert left == generations, "the half-written generation was left behind"
    # and the build says so: exit 2 (an unusable store) and one line
    assert result.exit_code == 2, f"exit {result.exit_code}, exception {result.exception!r}, output {result.output!r}"
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    assert "store" in errors[0]


def test_the_store_recovers_once_the_obstacle_is_gone(published: Published, runner: CliRunner) -> None:
    data, store, before = published
    seed = data / "releases" / SEED_NAME
    seed.write_text(with_new_sentence(seed.read_text("utf-8")), "utf-8")
    obstacle = store / "current.next"
    obstacle.mkdir()
    cli_build(runner, data, store)
    obstacle.rmdir()

    result = cli_build(runner, data, store)

    assert result.exit_code == 0, result.output
    assert "store updated" in result.output
    assert snapshot(runner, store).generation != before.generation
    assert ask(runner, store, HAS_NEW_SENTENCE)


def test_what_a_killed_build_left_behind_is_not_served_and_is_cleared(published: Published, runner: CliRunner) -> None:
    """A build killed while writing leaves a generation folder that never became current."""
    data, store, before = published
    number = int(before.generation.split("-")[1]) + 1
    leftover = store / f"gen-{number:06d}"
    (leftover / "oxigraph").mkdir(parents=True)
    (leftover / "oxigraph" / "000001.log").write_bytes(b"\x00half-written")
    link = store / "current.next"
    link.symlink_to(leftover.name)

    assert_untouched(runner, store, before)

    seed = data / "releases" / SEED_NAME
    seed.write_text(with_new_sentence(seed.read_text("utf-8")), "utf-8")
    result = cli_build(runner, data, store)
    assert result.exit_code == 0, result.output
    assert not link.is_symlink() and not link.exists()
    after = snapshot(runner, store)
    assert after.generation != before.generation
    assert NEW_SENTENCE.encode() in after.nquads


def test_a_stray_file_where_the_next_generation_would_go_does_not_break_the_build(
    published: Published, runner: CliRunner
) -> None:
    """A plain file named like the next generation folder: the build writes a generation beside it, and the
    stray file stays as it was (the write skips past it rather than failing half-way)."""
    data, store, before = published
    number = int(before.generation.split("-")[1]) + 1
    stray = store / f"gen-{number:06d}"
    stray.write_text("not a generation\n")
    seed = data / "releases" / SEED_NAME
    seed.write_text(with_new_sentence(seed.read_text("utf-8")), "utf-8")

    result = cli_build(runner, data, store)

    assert result.exit_code == 0, result.output
    after = snapshot(runner, store)
    assert after.generation not in (before.generation, stray.name)
    assert NEW_SENTENCE.encode() in after.nquads
    assert stray.read_text() == "not a generation\n"
