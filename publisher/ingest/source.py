"""Reading source documents: bytes -> checked text, with one clear error per problem."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from publisher.errors import InputError

#: File suffix -> source format.
SUFFIXES: dict[str, str] = {
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".ttl": "turtle",
    ".jsonld": "json-ld",
}

_HTML = re.compile(r"^\s*(<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])", re.IGNORECASE)
_TAGS = re.compile(r"</?(html|head|body|div|p|span|a|script|meta|title|br)\b[^>]*>", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class SourceDocument:
    """A source file that was read and checked."""

    path: Path
    text: str
    sha256: str
    format: str

    @property
    def name(self) -> str:
        return self.path.name


def source_format(path: Path) -> str:
    try:
        return SUFFIXES[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(SUFFIXES))
        raise InputError(path, f"unknown file type '{path.suffix or '(none)'}'; expected one of {known}") from None


def decode(path: Path, raw: bytes) -> str:
    """Bytes -> NFC text with Unix newlines, or an InputError naming the problem."""
    if not raw.strip():
        raise InputError(path, "empty file")
    if b"\x00" in raw[:8192]:
        raise InputError(path, "binary data (NUL bytes), not a text document")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = raw[exc.start : exc.start + 1].hex()
        raise InputError(path, f"not UTF-8 text: invalid byte 0x{bad} at offset {exc.start}") from None
    controls = len(_CONTROL.findall(text[:8192]))
    if controls > 8:
        raise InputError(path, f"binary data ({controls} control characters), not a text document")
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    if not text.strip():
        raise InputError(path, "empty file")
    return text


def read_source(path: Path) -> SourceDocument:
    """Read one source document and check that it is text of a known kind."""
    fmt = source_format(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot be read: {exc.strerror or exc}") from None
    text = decode(path, raw)
    if fmt in ("text", "markdown") and (_HTML.search(text) or len(_TAGS.findall(text[:20000])) >= 5):
        raise InputError(path, "an HTML page, not the plain-text export of a press release; save the page as text")
    return SourceDocument(path=path, text=text, sha256=hashlib.sha256(raw).hexdigest(), format=fmt)
