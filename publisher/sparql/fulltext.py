"""Full-text search inside SPARQL: the triple pattern ``?release search:matches "words"`` stands for the releases
that the full-text index of the published state finds for the words (the search of ``/suche`` and
``/api/releases?q=``: German stems, compounds, umlauts spelled out), with ``search:`` bound to
``https://w3id.org/pm-berlin/search#``.

A SPARQL 1.1 ``CONTAINS`` over every headline and body reads each release's text for every query; the index answers
in milliseconds at any size. The endpoint writes the pattern as ``VALUES ?release { <iri> ... }`` before the query
runs, so that the rest of the query joins the releases found like any other values, on the embedded store and on a
remote one alike. The pattern must be a triple of its own (a variable subject, the search text as a plain string
object, ended by ``.`` or ``}``), and may occur more than once (each is searched on its own: two patterns on the same
variable find the releases both texts match).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin

import pyoxigraph as ox

from publisher.errors import QueryError
from publisher.sparql.text import TOKEN, decode_escapes

#: The namespace of the endpoint's search pattern, and its one term.
SEARCH = "https://w3id.org/pm-berlin/search#"
MATCHES = SEARCH + "matches"
#: Tokens after which a triple pattern may start.
_BEFORE = frozenset({"{", ".", "}"})
#: Tokens that may end a triple pattern of its own.
_AFTER = frozenset({".", "}"})


@dataclass(frozen=True)
class Search:
    """One search pattern: its subject variable, its search text, and where it stands in the (decoded) query."""

    variable: str
    text: str
    start: int
    end: int


def searches(query: str) -> tuple[str, list[Search]]:
    """The query with its codepoint escapes decoded, and the search patterns in it. A QueryError (400) names a
    search pattern written in a way the endpoint cannot answer."""
    text = decode_escapes(query)
    tokens = [
        (match.lastgroup or "", match.group(), match.start(), match.end())
        for match in TOKEN.finditer(text)
        if match.lastgroup != "comment"
    ]
    prefixes: dict[str, str] = {}
    base = ""
    found: list[Search] = []
    for i, (kind, value, _start, _end) in enumerate(tokens):
        keyword = value.upper() if kind == "word" else ""
        if keyword == "PREFIX" and i + 2 < len(tokens) and tokens[i + 2][0] == "iri":
            prefixes[tokens[i + 1][1].rstrip(":").strip()] = urljoin(base, tokens[i + 2][1][1:-1])
        elif keyword == "BASE" and i + 1 < len(tokens) and tokens[i + 1][0] == "iri":
            base = urljoin(base, tokens[i + 1][1][1:-1])
        elif kind in ("iri", "pname") and _iri(kind, value, prefixes, base) == MATCHES:
            if i > 0 and tokens[i - 1][1].upper() == "PREFIX":
                continue  # a PREFIX declaration whose name is followed by the IRI: not a pattern
            found.append(_search(tokens, i, value))
    return text, found


def expand(query: str, matching: Callable[[str], list[str]], most: int) -> str:
    """``query`` with each search pattern written as the VALUES of the releases that ``matching`` finds for its
    text; the query itself when it has none. More than ``most`` releases found for one pattern is a QueryError."""
    if "matches" not in decode_escapes(query):
        return query  # the common case, without reading the query's tokens again
    text, found = searches(query)
    if not found:
        return query
    parts = []
    last = 0
    for search in found:
        releases = matching(search.text)
        if len(releases) > most:
            raise QueryError(
                400,
                f'search:matches "{search.text}": {len(releases):,} releases match; at most {most:,} can be used in '
                "a query (setting PUBLISHER_SPARQL_SEARCH_MAX): add words to the search text",
            )
        values = " ".join(f"<{iri}>" for iri in releases)
        parts += [text[last : search.start], f"VALUES {search.variable} {{ {values} }}"]
        last = search.end
    parts.append(text[last:])
    return "".join(parts)


def _iri(kind: str, value: str, prefixes: dict[str, str], base: str) -> str | None:
    if kind == "iri":
        return urljoin(base, value[1:-1])
    prefix, _, local = value.partition(":")
    return prefixes[prefix] + local if prefix in prefixes else None


def _search(tokens: list[tuple[str, str, int, int]], i: int, written: str) -> Search:
    def refused(why: str) -> QueryError:
        return QueryError(
            400,
            f"query: {written} {why}; write the search as a triple pattern of its own: "
            '?mitteilung search:matches "Suchwörter" .',
        )

    before = tokens[i - 2] if i >= 2 else ("other", "{", 0, 0)
    if i >= 1 and tokens[i - 1][1] in (";", ","):
        raise refused(f"cannot be part of a list of predicates or objects (after '{tokens[i - 1][1]}')")
    if i < 1 or tokens[i - 1][0] != "var":
        raise refused("needs a variable as its subject")
    if before[1] not in _BEFORE and not (before[0] == "pname" and before[1].endswith(".")):
        raise refused("must start a triple pattern (after '{', '.' or '}')")
    if i + 1 >= len(tokens) or tokens[i + 1][0] != "string":
        raise refused("needs the search text as a string in quotes as its object")
    if i + 2 < len(tokens) and tokens[i + 2][1] not in _AFTER:
        raise refused("must end with '.' or '}' (a language tag, a datatype or further objects are not taken)")
    return Search(tokens[i - 1][1], _string(tokens[i + 1][1]), tokens[i - 1][2], tokens[i + 1][3])


def _string(literal: str) -> str:
    """The value of a SPARQL string literal (the same syntax as Turtle's, read by the store's parser)."""
    triple = next(iter(ox.parse(f"<urn:s> <urn:p> {literal} .".encode(), format=ox.RdfFormat.TURTLE)))
    return str(triple.object.value)


__all__ = ["MATCHES", "SEARCH", "Search", "expand", "searches"]
