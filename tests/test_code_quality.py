"""The codebase stays as it wants to be written: ruff clean, mypy --strict clean."""

from __future__ import annotations

import subprocess
import sys

from publisher.config import PROJECT_ROOT


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], cwd=PROJECT_ROOT, capture_output=True, text=True)


def test_ruff() -> None:
    result = run("ruff", "check", "publisher", "tests", "bench")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict() -> None:
    result = run("mypy", "publisher")
    assert result.returncode == 0, result.stdout + result.stderr
