"""Regressions on bad input: each gets one clear line naming the file and the problem, exit 2, no traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from tests.conftest import run

BODY = "Am Freitag, dem 7. März 2025, eröffnet das Team von BENN Altglienicke ein neues Nachbarschaftsbüro."


def markdown(tmp_path: Path, front_matter: str) -> Path:
    path = tmp_path / "release.md"
    path.write_text(f"---\ntitle: Neues Nachbarschaftsbüro\n{front_matter}\n---\n{BODY}\n", "utf-8")
    return path


@pytest.mark.parametrize(
    ("front_matter", "message"),
    [
        ("date: 2025-02-30", "impossible date or time"),
        ("date: 2025-01-01 25:00:00", "impossible date or time"),
        ("date: 2025-03-04\nmodified: 2025-02-30", "impossible date or time"),
        ("date: '2025-13-01'", "impossible date '2025-13-01' in front matter 'date'"),
        ("date: 2025-03-04\nmodified: '5. März'", "impossible date '5. März' in front matter 'modified'"),
        ("date: 2025-03-04\nmodified: 2025-03-01", "'modified' lies before the publication date"),
    ],
)
def test_impossible_front_matter_dates(tmp_path: Path, runner: CliRunner, front_matter: str, message: str) -> None:
    path = markdown(tmp_path, front_matter)
    result = run(runner, "extract", str(path))
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"error: {path}: ")
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_date_with_a_time_in_front_matter_gives_its_date(tmp_path: Path, runner: CliRunner) -> None:
    path = markdown(tmp_path, "date: 2025-03-04\nmodified: 2025-03-05 10:00:00")
    result = run(runner, "extract", str(path), "--format", "nt")
    assert result.exit_code == 0, result.output
    assert '<https://schema.org/dateModified> "2025-03-05"^^<http://www.w3.org/2001/XMLSchema#date>' in result.output


def test_a_malformed_annotation_is_named(tmp_path: Path, runner: CliRunner) -> None:
    folder = tmp_path / "annotated"
    folder.mkdir()
    (folder / "one.txt").write_text(
        "Ein Titel\n\nDirekt zur Kontaktinformation Pressemitteilung vom 17.01.2025 " + BODY, "utf-8"
    )
    (folder / "one.json").write_text(json.dumps({"id": "one", "title": "Ein Titel"}), "utf-8")
    result = run(runner, "score", str(folder))
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"error: {folder / 'one.json'}: the annotation lacks the key ")
    (folder / "one.json").write_text("{not json", "utf-8")
    broken = run(runner, "score", str(folder))
    assert broken.exit_code == 2
    assert broken.output.startswith(f"error: {folder / 'one.json'}: not a JSON annotation")


@pytest.mark.parametrize(
    "path",
    ["/liste/pressemitteilungen", "/doc/bezirk/treptow-koepenick", "/fragments", "/catalog", "/suche?q=BENN"],
)
@pytest.mark.parametrize("page", ["%C2%B2", "99999999999999999999", "0", "-1", "eins", "1&page=2"])
def test_a_bad_page_number_is_a_400_naming_it_everywhere(client: FlaskClient, path: str, page: str) -> None:
    """A superscript two passes str.isdigit() and a 20-digit page overflows the engine's OFFSET: both were server
    errors on some paged resources. Every paged resource reads the page one way."""
    separator = "&" if "?" in path else "?"
    response = client.get(f"{path}{separator}page={page}", headers={"Accept": "application/json"})
    assert response.status_code == 400, (path, page, response.data[:200])
    assert "page" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/liste/pressemitteilungen", "/fragments", "/catalog"])
def test_the_largest_page_number_past_the_end_is_a_404(client: FlaskClient, path: str) -> None:
    assert client.get(f"{path}?page=999999999", headers={"Accept": "application/json"}).status_code == 404
