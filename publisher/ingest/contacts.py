"""Contact blocks: "Kontakt Pressestelle Alt-Köpenick 21 12555 Berlin Tel.: (030) 90297 - 2200 E-Mail ...".

Values are kept verbatim (telephone numbers as written); the office is the block's heading, stacked headings
joined with ", ". Both the one-line export and the export with line breaks are read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from publisher.ingest.gazetteer import Token, tokenize
from publisher.ingest.recognise import (
    STREET_ADJECTIVES,
    STREET_SUFFIX,
    STREET_WORDS,
    Mention,
    looks_like_name,
)

_PHONE = r"(\+?[\d(][\d\s()/+\-–]*\d)"
_TEL = re.compile(r"(?<![\w-])(?:Tel(?:efon)?\.?|Mobil(?:telefon)?\.?|Handy)\s*:?\s*" + _PHONE)
_FAX = re.compile(r"(?<![\w-])(?:Fax|Telefax)\.?\s*:?\s*" + _PHONE)
_EMAIL = re.compile(r"(?<![\w-])E-?Mail:?\s+(?P<email>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)")
_EMAIL_BARE = re.compile(r"(?P<email>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)")
_LINK = re.compile(r"(?<![\w-])E-?Mail\s+E-?Mail\s+(?P<label>[^\n]+?)\s*$")
_FIELD = re.compile(r"(?<![\w-])(Tel(?:efon)?\.?|Mobil|Handy|Fax|Telefax|E-?Mail|Internet|www\.)")
_POSTCODE = re.compile(r"(?<!\d)(?P<postcode>\d{5})\s+(?P<city>[A-ZÄÖÜ][\wäöüß-]+(?:\s+\([^)]*\))?)")
_HOUSE_NUMBER = re.compile(r"^\d+\s?[a-zA-Z]?(?:\s?[-/–]\s?\d+\s?[a-zA-Z]?)?$")
_OFFICE_WORD = re.compile(r"(stelle|ung|ion|amt|büro|team|leitung|verwaltung|management|rat|koordination)$", re.I)


@dataclass
class ParsedContact:
    """One contact block, its fields verbatim."""

    text: str
    person: tuple[int, int] | None = None
    street_address: str | None = None
    postcode: str | None = None
    city: str | None = None
    telephone: str | None = None
    fax: str | None = None
    email: str | None = None
    link_label: tuple[int, int] | None = None
    heading_end: int = 0
    parts_text: list[str] = field(default_factory=list)

    @property
    def office(self) -> str:
        return ", ".join(self.parts_text)


def _clean_phone(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip(" -–/")


def _street_start(tokens: list[Token], number_index: int) -> int:
    """Index of the first token of the street whose house number is tokens[number_index]."""
    k = number_index - 1
    if k < 0:
        return number_index
    head = tokens[k].text
    start = k
    standalone = head in STREET_WORDS
    if standalone or STREET_SUFFIX.search(head) or "-" in head:
        j = k - 1
        taken = 0
        while j >= 0 and taken < 3:
            word = tokens[j].text
            adjective = re.fullmatch(r"[A-ZÄÖÜ][\wäöüß-]*(er|e|es|en|sche|schen|sches)", word)
            if (
                standalone and adjective and not _OFFICE_WORD.search(word) and not STREET_SUFFIX.search(word)
            ) or word in STREET_ADJECTIVES:
                start = j
                j -= 1
                taken += 1
            elif standalone and start == k:
                start = j
                break
            else:
                break
    return start


def parse_contact(text: str, mentions: list[Mention]) -> ParsedContact:
    """Split one contact block (marker removed) into heading, person and fields."""
    result = ParsedContact(text=text)
    body = text
    link = _LINK.search(body)
    if link:
        result.link_label = (link.start("label"), link.end("label"))
        body = body[: link.start()]
    tel = _TEL.search(body)
    fax = _FAX.search(body)
    result.telephone = _clean_phone(tel.group(1)) if tel else None
    result.fax = _clean_phone(fax.group(1)) if fax else None
    email = _EMAIL.search(body) or _EMAIL_BARE.search(body)
    result.email = email.group("email") if email else None
    fields_start = min([m.start() for m in _FIELD.finditer(body)] or [len(body)])
    tokens = tokenize(body)
    postcode = _POSTCODE.search(body)
    heading_end = fields_start
    if postcode and postcode.start() < fields_start + 1:
        result.postcode = postcode.group("postcode")
        result.city = postcode.group("city")
        before = [t for t in tokens if t.end <= postcode.start()]
        # house number: the token (or two, "2 - 6") right before the postcode
        number_index = None
        for width in (3, 2, 1):
            if len(before) >= width:
                candidate = body[before[-width].start : before[-1].end]
                if _HOUSE_NUMBER.match(candidate):
                    number_index = len(before) - width
                    break
        if number_index is not None and number_index > 0:
            start = _street_start(before, number_index)
            result.street_address = body[before[start].start : before[-1].end]
            heading_end = before[start].start
        else:
            heading_end = postcode.start()
    result.heading_end = heading_end
    heading = body[:heading_end]
    # heading parts: recognised organisations and units, one per line when the export kept line breaks
    spans: list[tuple[int, int]] = []
    if "\n" in heading.strip():
        offset = 0
        for line in heading.split("\n"):
            stripped = line.strip()
            if stripped:
                start = offset + line.index(stripped)
                spans.append((start, start + len(stripped)))
            offset += len(line) + 1
    else:
        inside = sorted(
            (
                m
                for m in mentions
                if m.end <= heading_end and m.category in ("org", "unit", "team", "bare-org", "programme")
            ),
            key=lambda m: m.start,
        )
        cursor = 0
        for m in inside:
            gap = heading[cursor : m.start].strip()
            if gap:
                spans.append((heading.index(gap, cursor), heading.index(gap, cursor) + len(gap)))
            spans.append((m.start, m.end))
            cursor = m.end
        rest = heading[cursor:].strip()
        if rest:
            spans.append((heading.index(rest, cursor), heading.index(rest, cursor) + len(rest)))
    # a person's name among the parts: two or three name-like words that no pattern claimed
    parts: list[tuple[int, int]] = []
    for start, end in spans:
        words = body[start:end].split()
        claimed = any(m.start < end and m.end > start and m.category != "person" for m in mentions)
        person_mention = any(m.category == "person" and m.start >= start and m.end <= end for m in mentions)
        if (
            2 <= len(words) <= 4
            and not claimed
            and all(looks_like_name(w) or w in ("von", "van", "de", "Dr.") for w in words)
        ) or (person_mention and not claimed):
            result.person = (start, end)
        else:
            parts.append((start, end))
    result.parts_text = [re.sub(r"\s+", " ", body[s:e]).strip(" ,") for s, e in parts]
    return result
