"""Regressions of the build: what it must notice, and how it fails when the machine refuses."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from publisher.config import PROJECT_ROOT, load_config
from publisher.errors import ConfigError
from publisher.store import open_store
from tests.conftest import SEED_NAME, cli_build, with_new_sentence


def project_copy(root: Path) -> tuple[Path, Path]:
    """A copy of the project's data, ontology and shapes, so that a test may change them."""
    for folder in ("data", "ontology", "shapes"):
        shutil.copytree(PROJECT_ROOT / folder, root / folder)
    return root / "data", root / "store"


def test_a_change_to_the_ontology_is_published(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, store = project_copy(tmp_path)
    # the build reads the ontology and shapes of the project it runs from; point it at the copy
    monkeypatch.setattr("publisher.config.PROJECT_ROOT", tmp_path)
    assert cli_build(runner, data, store).exit_code == 0
    ontology = tmp_path / "ontology" / "pm.ttl"
    ontology.write_text(
        ontology.read_text("utf-8") + '\npm:PressRelease rdfs:comment "Eine neue Anmerkung."@de .\n', "utf-8"
    )
    second = cli_build(runner, data, store)
    assert second.exit_code == 0, second.output
    assert "store updated" in second.output
    found = open_store(str(store)).ask('ASK { ?s ?p "Eine neue Anmerkung."@de }')
    assert found


def test_a_change_only_validation_sees_is_recorded_once(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, store = project_copy(tmp_path)
    monkeypatch.setattr("publisher.config.PROJECT_ROOT", tmp_path)
    assert cli_build(runner, data, store).exit_code == 0
    shape = sorted((tmp_path / "shapes").glob("*.ttl"))[0]
    shape.write_text(shape.read_text("utf-8") + "\n# a comment changes the shapes' fingerprint\n", "utf-8")
    second = cli_build(runner, data, store)
    assert second.exit_code == 0, second.output
    third = cli_build(runner, data, store)
    assert third.exit_code == 0
    assert "store unchanged" in third.output, third.output


def test_an_unreadable_build_cache_is_a_clear_error_and_the_store_stays(tmp_path: Path, runner: CliRunner) -> None:
    data, store = project_copy(tmp_path)
    assert cli_build(runner, data, store).exit_code == 0
    before = (store / "current").resolve()
    (store / "cache.sqlite").write_bytes(b"this is not a database" * 100)
    release = data / "releases" / SEED_NAME
    release.write_text(with_new_sentence(release.read_text("utf-8")), "utf-8")
    result = cli_build(runner, data, store)
    assert result.exit_code == 2
    assert "cache.sqlite" in result.output and "delete it" in result.output
    assert "Traceback" not in result.output
    assert (store / "current").resolve() == before


def test_a_store_path_below_a_file_is_a_clear_error(tmp_path: Path, runner: CliRunner) -> None:
    data, _store = project_copy(tmp_path)
    blocker = tmp_path / "a-file"
    blocker.write_text("", "utf-8")
    result = cli_build(runner, data, blocker / "store")
    assert result.exit_code == 2
    assert result.output.startswith("error: ") and "a-file" in result.output


@pytest.mark.parametrize("setting", ["PUBLISHER_STORE", "PUBLISHER_DATA"])
def test_an_empty_folder_setting_is_refused(setting: str) -> None:
    with pytest.raises(ConfigError, match=setting):
        load_config(environ={setting: ""})
