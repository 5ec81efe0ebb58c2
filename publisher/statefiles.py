"""SQLite files written beside a published state (the search index, the pictures' facts): each records the
fingerprint of the code that wrote it in a ``meta`` table, and a build starts from the previous state's file when
that fingerprint is still the code's."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path


def fingerprint_of(path: Path) -> str | None:
    """The fingerprint of the code that wrote the file in ``path``; None when there is no readable file."""
    if not path.is_file():
        return None
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            row = db.execute("SELECT value FROM meta WHERE name = 'fingerprint'").fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        return None
    return str(row[0]) if row else None


def start_from(target: Path, previous: Path | None, stamp: str) -> bool:
    """Make ``target`` a copy of ``previous`` when the code of fingerprint ``stamp`` wrote it (True), else remove
    whatever ``target`` holds (False)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if previous is not None and previous.is_file() and fingerprint_of(previous) == stamp:
        shutil.copyfile(previous, target)
        return True
    target.unlink(missing_ok=True)
    return False


__all__ = ["fingerprint_of", "start_from"]
