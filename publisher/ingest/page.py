"""The parts of a press release page in berlin.de's plain-text export.

Title line, blank line, then the page text, either on one line or with its paragraphs kept:
"Direkt zur Kontaktinformation Pressemitteilung [Nr. N] vom DD.MM.YYYY [Bild: credit] body
Kontakt ... [Weitere Informationen: ...] Folgen Sie uns Facebook Instagram YouTube".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from publisher.errors import InputError
from publisher.ingest.dates import parse_date

_HEADER = re.compile(
    r"^\s*(?:Direkt zur Kontaktinformation\s+)?Pressemitteilung"
    r"(?:\s+Nr\.?\s*(?P<number>[\w./-]*\w))?\s+vom\s+(?P<date>[^\s]+(?:\s+[A-Za-zÄÖÜäöüß]+\.?\s+\d{4})?)",
)
_ANY_DATE_HEADER = re.compile(r"Pressemitteilung(?:\s+Nr\.?\s*[\w./-]+)?\s+vom\b")
_FOOTER = re.compile(
    r"\s*Folgen Sie uns(?:\s+(?:Facebook|Instagram|YouTube|X|Twitter|Mastodon|LinkedIn|Threads|Bluesky))*\s*$"
)
_CONTACT_MARKER = re.compile(
    r"(?<![\w-])(?P<marker>Kontakt|Pressekontakt|Weitere Informationen:|Weitere Informationen\n|"
    r"Ansprechpartner(?:in|innen)?:|Ansprechpartner(?:in|innen)?\n|Rückfragen(?: an)?:)"
)
_CONTACTISH = re.compile(r"\b\d{5}\b|\bTel\b|Tel\.|Telefon|Fax|E-Mail|@|Mobil")
_CREDIT_STOP = {
    "Am",
    "Im",
    "In",
    "Der",
    "Die",
    "Das",
    "Mit",
    "Seit",
    "Zu",
    "Zum",
    "Zur",
    "Ein",
    "Eine",
    "Einen",
    "Wer",
    "Auf",
    "Nach",
    "Bei",
    "Für",
    "Vom",
    "Von",
    "Unter",
    "Über",
    "Ab",
    "Dieses",
    "Diese",
    "Dieser",
    "Heute",
    "Gestern",
    "Morgen",
    "Anlässlich",
    "Rund",
    "Insgesamt",
    "Gemeinsam",
    "Wie",
    "Was",
    "Wo",
    "Wann",
    "Ob",
    "Bereits",
    "Schon",
    "Nun",
    "Jetzt",
    "Anfang",
    "Ende",
    "Mitte",
    "Zahlreiche",
    "Viele",
    "Alle",
    "Als",
    "Um",
    "Es",
    "Sie",
    "Er",
    "Wir",
    "Ich",
    "Unser",
    "Unsere",
    "Damit",
    "Dabei",
    "Hier",
    "Dort",
    "So",
    "Zusammenarbeit",
    "Mehr",
    "Kinder",
    "Bürgerinnen",
    "Nachbarinnen",
    "Auch",
    "Bis",
    "Durch",
    "Neben",
}


@dataclass
class ContactBlock:
    marker: str
    text: str
    start: int  # offset in the page text


@dataclass
class Page:
    """The parts of one release, offsets into ``text`` (the page text after the title)."""

    title: str
    text: str
    date_published: date
    number: str | None
    image_credit: str | None
    body_start: int
    body_end: int
    contacts: list[ContactBlock] = field(default_factory=list)

    @property
    def body(self) -> str:
        return self.text[self.body_start : self.body_end].strip()


def _credit(text: str, start: int, leading_name: Callable[[str], int] | None) -> tuple[str, int]:
    """The image credit after "Bild:" and where the body starts."""
    line_end = text.find("\n", start)
    if line_end != -1 and line_end - start < 120:
        return text[start:line_end].strip(), line_end
    tokens = list(re.finditer(r"\S+", text[start : start + 300]))
    words = [t.group() for t in tokens]
    if not words:
        return "", start
    # a name the extractor recognises ("BA-TK", "BENN Altglienicke", "BA Lichtenberg/Stadtentwicklungsamt")
    length = leading_name(text[start : start + 300]) if leading_name else 0
    if length:
        return text[start : start + length].strip(), start + length
    best = len(words)
    for k in range(1, len(words)):
        word = words[k]
        nxt = words[k + 1] if k + 1 < len(words) else ""
        if word in _CREDIT_STOP or (word[:1].isupper() and nxt[:1].islower()) or k >= 6:
            best = k
            break
    end = start + tokens[best - 1].end()
    return text[start:end].strip(), end


def _contact_like(block: str) -> bool:
    stripped = block.strip()
    if not stripped:
        return False
    first = stripped.split()[0]
    if not (first[:1].isupper() or first[:1].isdigit()):
        return False
    return bool(_CONTACTISH.search(stripped)) or len(stripped.split()) <= 12


def parse_page(path: Path | str, text: str, leading_name: Callable[[str], int] | None = None) -> Page:
    """Split a plain-text export into title, header fields, body and contact blocks."""
    title, sep, rest = text.partition("\n")
    title = title.strip()
    if not title:
        raise InputError(path, "no title: the first line is empty")
    if not sep or not rest.strip():
        raise InputError(path, "no page text after the title line")
    header = _HEADER.search(rest)
    if header is None:
        if _ANY_DATE_HEADER.search(rest):
            raise InputError(path, "publication date after 'Pressemitteilung vom' is missing or unreadable")
        raise InputError(path, "no publication date: expected 'Pressemitteilung vom DD.MM.YYYY' after the title")
    raw_date = header.group("date").rstrip(",;")
    # ASCII digits only: str.isdigit() and \d also take other scripts' digits ("١٧", "１７", "²"), which no date has
    written = re.match(r"[0-9.\s]*[0-9]+\.?(?:\s*[A-Za-zÄÖÜäöü]+\.?\s+[0-9]{4})?", raw_date)
    if written is None:
        problem = f"publication date after 'Pressemitteilung vom' is missing or not in digits 0-9: '{raw_date[:20]}'"
        raise InputError(path, problem)
    raw_date = written.group(0)
    published = parse_date(raw_date)
    if published is None:
        raise InputError(path, f"impossible publication date '{raw_date.strip()}' after 'Pressemitteilung vom'")
    position = header.end()
    credit: str | None = None
    credit_match = re.match(r"\s*Bild:\s*", rest[position:])
    if credit_match:
        credit, position = _credit(rest, position + credit_match.end(), leading_name)
        credit = credit or None
    end = len(rest)
    footer = _FOOTER.search(rest)
    if footer:
        end = footer.start()
    markers = [m for m in _CONTACT_MARKER.finditer(rest, position, end)]
    contacts: list[ContactBlock] = []
    body_end = end
    for index in range(len(markers) - 1, -1, -1):
        marker = markers[index]
        block_end = markers[index + 1].start() if index + 1 < len(markers) else end
        if contacts and block_end != contacts[0].start:
            break
        block = rest[marker.end() : block_end]
        if not _contact_like(block):
            break
        contacts.insert(0, ContactBlock(marker.group("marker").rstrip(":\n"), block.strip(), marker.start()))
        body_end = marker.start()
    return Page(
        title=title,
        text=rest,
        date_published=published,
        number=header.group("number"),
        image_credit=credit,
        body_start=position,
        body_end=body_end,
        contacts=contacts,
    )
