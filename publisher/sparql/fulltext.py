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

How the VALUES join the rest differs by store. Virtuoso starts the join from the VALUES by itself. Oxigraph may
not: on a large state read from disk it can read every release first and take seconds. So for the embedded store
(``expand(..., lateral=True)``) a group whose other parts are triple patterns and filters only is written as
``{ VALUES ?release { ... } LATERAL { the other parts } }``: the engine then looks up the releases found, one by
one, and the solutions are the same as the plain join's (the search variable is bound by every value, and triple
patterns and filters see it bound either way). A group that holds a nested group (OPTIONAL, UNION, MINUS, GRAPH,
a sub-query) or a BIND keeps the plain VALUES, whose meaning there is the query's own; a group nested in it (the
one of an OPTIONAL, say) may take the LATERAL form itself.
"""

from __future__ import annotations

import functools
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


Token = tuple[str, str, int, int]


def searches(query: str) -> tuple[str, list[Search]]:
    """The query with its codepoint escapes decoded, and the search patterns in it. A QueryError (400) names a
    search pattern written in a way the endpoint cannot answer."""
    text, _tokens, found = _read(query)
    return text, [search for search, _at in found]


def expand(query: str, matching: Callable[[str], list[str]], most: int, lateral: bool = False) -> str:
    """``query`` with each search pattern written as the VALUES of the releases that ``matching`` finds for its
    text; the query itself when it has none. More than ``most`` releases found for one pattern is a QueryError.
    With ``lateral``, a group of triple patterns and filters is written so that the rest of it is evaluated from
    each release found (see the module's description)."""
    if "matches" not in decode_escapes(query):
        return query  # the common case, without reading the query's tokens again
    text, tokens, found = _read(query)
    if not found:
        return query
    values: dict[int, str] = {}
    for search, _at in found:
        releases = matching(search.text)
        if len(releases) > most:
            raise QueryError(
                400,
                f'search:matches "{search.text}": {len(releases):,} releases match; at most {most:,} can be used in '
                "a query (setting PUBLISHER_SPARQL_SEARCH_MAX): add words to the search text",
            )
        listed = " ".join(f"<{iri}>" for iri in releases)
        values[search.start] = f"VALUES {search.variable} {{ {listed} }}"
    # (start, end, replacement) of each part of the text that is written anew, in the order of the text
    edits: list[tuple[int, int, str]] = []
    grouped: dict[tuple[int, int], list[tuple[Search, int]]] = {}
    for search, at in found:
        group = _group(tokens, at) if lateral else None
        if group is None:
            edits.append((search.start, search.end, values[search.start]))
        else:
            grouped.setdefault(group, []).append((search, at))
    for (opening, closing), members in grouped.items():
        others = _rest(tokens, opening, closing, members)
        if not _triples_and_filters(others):
            edits += [(search.start, search.end, values[search.start]) for search, _at in members]
            continue
        inline = " ".join(values[search.start] for search, _at in members)
        if any(value != "." for _kind, value, _start, _end in others):
            kept: list[str] = []
            last = tokens[opening][3]
            for search, at in members:
                kept.append(text[last : search.start])
                last = tokens[at + 2][3] if _ended(tokens, at, closing) else search.end
            kept.append(text[last : tokens[closing][2]])
            inline += f" LATERAL {{{''.join(kept)}}}"
        edits.append((tokens[opening][3], tokens[closing][2], f" {inline} "))
    parts = []
    last = 0
    for start, end, replacement in sorted(edits):
        parts += [text[last:start], replacement]
        last = end
    parts.append(text[last:])
    return "".join(parts)


@functools.cache
def engine_reads_lateral() -> bool:
    """Whether the embedded engine reads ``LATERAL`` (pyoxigraph 0.5 does; the form is used only where it does)."""
    try:
        ox.Store().query("SELECT * WHERE { VALUES ?x { 1 } LATERAL { BIND(?x AS ?y) } }")
    except SyntaxError:
        return False
    return True


def _read(query: str) -> tuple[str, list[Token], list[tuple[Search, int]]]:
    """The decoded query, its tokens (without comments), and each search pattern with the index of its predicate's
    token."""
    text = decode_escapes(query)
    tokens = [
        (match.lastgroup or "", match.group(), match.start(), match.end())
        for match in TOKEN.finditer(text)
        if match.lastgroup != "comment"
    ]
    prefixes: dict[str, str] = {}
    base = ""
    found: list[tuple[Search, int]] = []
    for i, (kind, value, _start, _end) in enumerate(tokens):
        keyword = value.upper() if kind == "word" else ""
        if keyword == "PREFIX" and i + 2 < len(tokens) and tokens[i + 2][0] == "iri":
            prefixes[tokens[i + 1][1].rstrip(":").strip()] = urljoin(base, tokens[i + 2][1][1:-1])
        elif keyword == "BASE" and i + 1 < len(tokens) and tokens[i + 1][0] == "iri":
            base = urljoin(base, tokens[i + 1][1][1:-1])
        elif kind in ("iri", "pname") and _iri(kind, value, prefixes, base) == MATCHES:
            if i > 0 and tokens[i - 1][1].upper() == "PREFIX":
                continue  # a PREFIX declaration whose name is followed by the IRI: not a pattern
            found.append((_search(tokens, i, value), i))
    return text, tokens, found


def _group(tokens: list[Token], at: int) -> tuple[int, int] | None:
    """The indexes of the braces of the group the pattern whose predicate is token ``at`` stands in."""
    opening, closing = _brace(tokens, at - 1, -1), _brace(tokens, at + 1, 1)
    if opening < 0 or closing >= len(tokens):
        return None
    return opening, closing


def _brace(tokens: list[Token], start: int, step: int) -> int:
    """The index of the brace that opens (``step`` -1) or closes (1) the group token ``start`` stands in, going
    from ``start`` in that direction past nested groups; -1 or the number of tokens when there is none."""
    outer, inner = ("{", "}") if step < 0 else ("}", "{")
    depth = 0
    i = start
    while 0 <= i < len(tokens):
        kind, value = tokens[i][0], tokens[i][1]
        if kind == "other" and value == outer:
            if depth == 0:
                return i
            depth -= 1
        elif kind == "other" and value == inner:
            depth += 1
        i += step
    return i


def _ended(tokens: list[Token], at: int, closing: int) -> bool:
    """Whether the pattern whose predicate is token ``at`` is followed by a ``.`` of its own."""
    return at + 2 < closing and tokens[at + 2][1] == "." and tokens[at + 2][0] == "other"


def _rest(tokens: list[Token], opening: int, closing: int, members: list[tuple[Search, int]]) -> list[Token]:
    """The tokens of a group besides its search patterns (each with the ``.`` that ends it)."""
    taken: set[int] = set()
    for _search, at in members:
        taken.update((at - 1, at, at + 1))
        if _ended(tokens, at, closing):
            taken.add(at + 2)
    return [tokens[i] for i in range(opening + 1, closing) if i not in taken]


def _triples_and_filters(others: list[Token]) -> bool:
    """Whether the rest of a group is triple patterns and filters only: no nested group (OPTIONAL, UNION, MINUS,
    GRAPH, SERVICE, VALUES, a sub-query and EXISTS all open one) and no BIND, whose value depends on where in the
    group it stands."""
    for kind, value, _start, _end in others:
        if kind == "other" and value in ("{", "}"):
            return False
        if kind == "word" and value.upper() == "BIND":
            return False
    return True


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


__all__ = ["MATCHES", "SEARCH", "Search", "engine_reads_lateral", "expand", "searches"]
