"""The README documents every command and every setting (a newcomer reads it, not the code)."""

from __future__ import annotations

import pytest

from publisher.cli import main
from publisher.config import PROJECT_ROOT, SETTINGS

README = (PROJECT_ROOT / "README.md").read_text("utf-8")


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_is_documented(command: str) -> None:
    assert f"`publisher {command}" in README, f"publisher {command} is missing from the README's command table"


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.env)
def test_every_setting_is_documented(setting: object) -> None:
    env = setting.env  # type: ignore[attr-defined]
    assert f"`{env}`" in README, f"{env} is missing from the README's settings table"
