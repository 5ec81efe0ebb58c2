"""Content negotiation: which representation a request gets.

An explicit suffix (``.ttl``, ``.jsonld``, ``.nt``, ``.rdf``, ``.html``) beats ``Accept``; otherwise werkzeug's
``best_match`` weighs the client's q-values against what is offered. On a tie the order below decides: a client
that sends ``*/*`` alone (curl, wget, most RDF libraries) gets Turtle; browsers name ``text/html`` and get HTML.
"""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_options_header

from publisher.errors import NotAcceptableError
from publisher.formats import BY_NAME


@dataclass(frozen=True)
class Representation:
    """One format a document is offered in."""

    name: str  # the format table's short name, or "html"
    suffix: str
    media_type: str

    @property
    def content_type(self) -> str:
        # JSON-LD is UTF-8 by definition and its media type has no charset parameter
        if self.media_type.startswith("text/") or self.media_type in ("application/rdf+xml", "application/n-triples"):
            return f"{self.media_type}; charset=utf-8"
        return self.media_type

    @property
    def rdf(self) -> bool:
        return self.name not in ("html", "geojson")


HTML = Representation("html", ".html", "text/html")
#: What every document is offered in, most preferred first.
DOCUMENT_FORMATS: tuple[Representation, ...] = (
    *(Representation(n, BY_NAME[n].suffix, BY_NAME[n].media_type) for n in ("turtle", "jsonld", "nt", "rdfxml")),
    HTML,
)
BY_SUFFIX = {f.suffix: f for f in DOCUMENT_FORMATS}
#: A place's document is also offered as GeoJSON (RFC 7946): last, so that no tie ever picks it.
GEOJSON = Representation("geojson", ".geojson", "application/geo+json")
PLACE_FORMATS: tuple[Representation, ...] = (*DOCUMENT_FORMATS, GEOJSON)
BY_FORMAT_NAME = {f.name: f for f in DOCUMENT_FORMATS}
#: Other media types clients use for the same formats; matched after the registered ones.
ALIASES: dict[str, str] = {
    "application/json": "jsonld",
    "application/xhtml+xml": "html",
    "application/xml": "rdfxml",
    "text/xml": "rdfxml",
    "text/plain": "nt",
}
_OFFERED = [f.media_type for f in DOCUMENT_FORMATS] + list(ALIASES)


def negotiate(
    accept: MIMEAccept, suffix: str | None = None, formats: tuple[Representation, ...] = DOCUMENT_FORMATS
) -> Representation:
    """The representation for a request with ``accept`` and, when the path had one, ``suffix``, among ``formats``
    (most preferred first; every document's formats unless a resource offers others).

    Raises NotAcceptableError when the client accepts none of the formats.
    """
    if suffix:
        return next(f for f in formats if f.suffix == suffix)
    if not accept:
        return formats[0]
    # media type parameters (a JSON-LD profile, a charset) are hints; the type decides
    bare = MIMEAccept([(parse_options_header(value)[0], quality) for value, quality in accept])
    names = {f.name for f in formats}
    offered = (
        _OFFERED
        if formats is DOCUMENT_FORMATS
        else [f.media_type for f in formats] + [alias for alias, name in ALIASES.items() if name in names]
    )
    best = bare.best_match(offered)
    if best is None:
        raise NotAcceptableError(accept.to_header(), [f.media_type for f in formats])
    name = ALIASES.get(best)
    return next(f for f in formats if (f.name == name if name else f.media_type == best))


def negotiate_quietly(accept: MIMEAccept) -> Representation:
    """The best representation for an error message: never refuses, falls back to JSON-LD or HTML."""
    try:
        return negotiate(accept)
    except NotAcceptableError:
        return HTML if accept.accept_html else BY_FORMAT_NAME["jsonld"]


def split_suffix(path: str, formats: tuple[Representation, ...] = DOCUMENT_FORMATS) -> tuple[str, str | None]:
    """``path`` without the suffix of one of ``formats``, and that suffix (or None)."""
    for suffix in (f.suffix for f in formats):
        if path.endswith(suffix) and len(path) > len(suffix):
            return path[: -len(suffix)], suffix
    return path, None


__all__ = [
    "ALIASES",
    "BY_FORMAT_NAME",
    "BY_SUFFIX",
    "DOCUMENT_FORMATS",
    "GEOJSON",
    "HTML",
    "PLACE_FORMATS",
    "Representation",
    "negotiate",
    "negotiate_quietly",
    "split_suffix",
]
