"""Minting IRIs: stable, readable and deterministic (the same input always gives the same IRIs).

Things live under ``{base}id/{type}/{slug}``; their descriptions (documents) under ``{base}doc/...``
(see the README's URI policy). Slugs are German-aware ASCII: "Treptow-Köpenick" -> "treptow-koepenick".
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from slugify import slugify

_GERMAN = [["Ä", "Ae"], ["Ö", "Oe"], ["Ü", "Ue"], ["ä", "ae"], ["ö", "oe"], ["ü", "ue"], ["ß", "ss"], ["+", " "]]

#: The path segment of each kind of thing.
PATHS = {
    "PressRelease": "pressemitteilung",
    "Organization": "organisation",
    "Person": "person",
    "Bezirk": "bezirk",
    "Prognoseraum": "prognoseraum",
    "Bezirksregion": "bezirksregion",
    "Planungsraum": "planungsraum",
    "Ortsteil": "ortsteil",
    "Quartier": "quartier",
    "Strasse": "strasse",
    "Gebaeude": "gebaeude",
    "Freiflaeche": "freiflaeche",
    "FundingScheme": "programm",
    "Event": "veranstaltung",
    "ContactPoint": "kontakt",
    "Source": "quelle",
    "FieldOfAction": "handlungsfeld",
}


@lru_cache(maxsize=8192)
def slug(text: str, max_length: int = 80) -> str:
    """A lower-case ASCII slug with German transliteration (kept for the names met last: the same names recur
    from release to release, and transliterating one takes longer than extracting a sentence)."""
    value = slugify(text, replacements=_GERMAN, max_length=max_length, word_boundary=True, save_order=True)
    return value or short_hash(text)


def short_hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:10]


def thing(base: str, kind: str, *segments: str) -> str:
    """The IRI of a thing of ``kind`` (a key of PATHS) from already slugged segments."""
    return base + "id/" + "/".join([PATHS[kind], *segments])
