"""A folder of generations: how a store switches from one published state to the next in one atomic step.

Every successful write produces a new generation folder (``gen-000001``, ``gen-000002`` ...) holding what belongs
to that state (the manifest, the files written with it, and for the embedded store the database itself); a
symlink ``current`` names the generation that is served, and switching it is one atomic rename. A crash at any
point leaves ``current`` on the old generation; the next write clears what the crash left behind. One writer at
a time: a lock file serialises builds.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from publisher.errors import StoreError

MANIFEST = "manifest.json"


class Generations:
    """The generation folders under ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if path.exists() and not path.is_dir():
            raise StoreError(f"store: {path} exists and is not a folder (setting PUBLISHER_STORE / --store)")

    def current(self) -> Path | None:
        """The generation being served, or None before the first write."""
        link = self.path / "current"
        if not link.is_symlink() and not link.exists():
            return None
        target = link.resolve()
        return target if (target / MANIFEST).is_file() else None

    def version(self) -> str:
        """The current generation's name: changes with every write, cheap to ask."""
        try:
            return os.readlink(self.path / "current")
        except OSError:
            return ""

    def manifest(self) -> dict[str, Any] | None:
        generation = self.current()
        if generation is None:
            return None
        try:
            data: dict[str, Any] = json.loads((generation / MANIFEST).read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise StoreError(f"store: {generation}/{MANIFEST} is unreadable: {exc}") from None
        return data

    def files_dir(self) -> Path | None:
        generation = self.current()
        return generation / "files" if generation is not None else None

    @contextlib.contextmanager
    def writing(self) -> Iterator[Path]:
        """Holds the lock, clears what an interrupted write left, and yields the folder of the next generation
        (created, empty). The caller fills it and calls ``publish``; when the block ends any other way, the new
        folder goes and the old generation stays current."""
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.path / "build.lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StoreError(f"store: {self.path} is being written by another build", transient=True) from None
            try:
                # numbered before the leftovers go: a name is never used twice, so a process that an interrupted
                # build left running can never write into the folder of a later generation
                number = 1 + max(
                    [int(p.name.split("-")[1]) for p in self.path.glob("gen-*") if p.name[4:].isdigit()] or [0]
                )
                self._clean_leftovers()
                new = self.path / f"gen-{number:06d}"
                new.mkdir()
                try:
                    yield new
                except BaseException:
                    shutil.rmtree(new, ignore_errors=True)
                    raise
                if self.current() != new.resolve():
                    shutil.rmtree(new, ignore_errors=True)
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def publish(self, new: Path, manifest: dict[str, Any]) -> None:
        """Write ``new``'s manifest, flush it, make ``new`` current, and remove generations older than the one
        before (a server may still be reading that one)."""
        before = self.current()
        path = new / MANIFEST
        path.write_text(json.dumps(manifest, ensure_ascii=False, sort_keys=True), "utf-8")
        fsync(path)
        fsync(new)
        link = self.path / "current.next"
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(new.name)
        os.replace(link, self.path / "current")
        fsync(self.path)
        keep = {new.name, before.name if before else ""}
        for old in sorted(self.path.glob("gen-*")):
            if old.name not in keep:
                shutil.rmtree(old, ignore_errors=True)

    def _clean_leftovers(self) -> None:
        """Generation folders that never became current are what an interrupted write left."""
        current = self.current()
        for path in self.path.glob("gen-*"):
            if current is not None and path.resolve() == current:
                continue
            if current is None or path.name > current.name:
                shutil.rmtree(path, ignore_errors=True)
        leftover = self.path / "current.next"
        if leftover.is_symlink():
            leftover.unlink()


def write_failed(folder: Path, exc: BaseException) -> StoreError:
    """The error for a write into the store folder ``folder`` that the system refused; a full disk says so."""
    full = (
        (isinstance(exc, OSError) and exc.errno == errno.ENOSPC)
        or (isinstance(exc, sqlite3.Error) and getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL)
        or "no space left on device" in str(exc).lower()
    )
    cause = "no space left on device; " if full else ""
    return StoreError(
        f"store: {folder}: {cause}the new state could not be written ({exc}); the old state is still served"
    )


def fsync(path: Path) -> None:
    flags = os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() else 0)
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
