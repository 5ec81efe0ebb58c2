"""Full-text search over the press releases: a SQLite FTS5 index written with every published state.

Every build writes ``search.sqlite`` into the files of the state it publishes (next to the dumps), so each
state has the index of exactly its releases and switching states switches the index with it. The index holds
an FTS5 table of the headline and the body of every release as Snowball's German stems (``Schulen`` finds
``Schule``), and a trigram index of every stem that occurs, for parts of compounds: a word of four letters or
more also finds the stems it is part of (``Nachbarschaft`` finds ``Nachbarschaftszentrum``, ``Zentrum`` finds
it too). Stems are taken of German-folded words: lower case, ``ß`` as ``ss``, umlauts and their spellings
``ae``/``oe``/``ue`` as the plain vowel, other accents dropped; so ``Schoeneberg``, ``Schoneberg`` and
``Schöneberg`` are the same word and ``strasse`` finds ``Straße``.

A search text is words and "quoted phrases"; every word and phrase must match (a phrase as consecutive stems).
Hits are ranked with BM25, a headline match counting several times a body match and a match of the word itself
above a match of a compound it is part of. The search text never reaches FTS5's query language as written: it
is split into words here and every stem is quoted, so FTS5 operators in it (``OR``, ``NEAR(``, ``*``, ``-``,
``:``, ``^``) are just characters.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import re
import sqlite3
import threading
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import Stemmer  # PyStemmer: the Snowball project's own stemmers, in C

from publisher.errors import HttpError, StoreError
from publisher.namespaces import SDO
from publisher.statefiles import start_from
from publisher.store import Store
from publisher.store.generations import fsync

#: The file name of the index among the files of a published state.
INDEX_NAME = "search.sqlite"
#: The layout of the index's tables; readers refuse an index of another layout.
LAYOUT = 1
#: Longest search text accepted by default, in characters (the server takes it from PUBLISHER_SEARCH_LENGTH).
DEFAULT_MAX_LENGTH = 200
#: How many times a headline match counts a body match.
HEADLINE_WEIGHT = 5.0
#: How many times a match of the word itself counts a match of a compound it is part of.
WORD_WEIGHT = 2
#: Shortest stem that is also looked for inside longer words (compounds).
SHORTEST_PART = 4
#: Most longer stems a word is looked for in, the shortest first. A bound on the cost of a search: a part of
#: thousands of stems (``lich``, ``keit``) would otherwise take seconds; a compound search (``Zentrum``,
#: ``Nachbarschaft``) stays far below it.
MOST_COMPOUNDS = 200
#: Characters of body text a snippet shows.
SNIPPET_LENGTH = 220

_HEADLINE = str(SDO.headline)
_BODY = str(SDO.articleBody)
_DATE = str(SDO.datePublished)
_TOKEN = re.compile(r"[^\W_]+")
_ASCII_TOKEN = re.compile(r"[a-z0-9]+")  # the same, where the text is ASCII (quicker)
_QUOTES = str.maketrans({c: '"' for c in "„“”«»‚‘’"})
_UMLAUTS = {"ä": "a", "ö": "o", "ü": "u", "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ς": "σ"}
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
#: The e of ae, oe and ue that spell an umlaut (not ue after a vowel or q, as in neue, Quelle).
_SPELLED_UMLAUT = re.compile(r"(?<=[ao])e|(?<=u)(?<![aeiouyq]u)e")


class SearchTextError(HttpError):
    """A search text that cannot be searched (no words in it, too long)."""

    def __init__(self, message: str) -> None:
        super().__init__(400, message)


# ---------------------------------------------------------------- German folding and stems


@lru_cache(maxsize=4096)
def _plain(char: str) -> str:
    """One lower-case character without its accent (``ß`` as ``ss``, ``ä`` as ``a``, ``é`` as ``e``)."""
    mapped = _UMLAUTS.get(char)
    if mapped is not None:
        return mapped
    if char.isascii():
        return char
    return "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))


class _Plain(dict[int, str]):
    """A ``str.translate`` table that folds each character with ``_plain`` (filled as characters are met)."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = _plain(chr(code))
        return folded


_PLAIN = _Plain()


def fold(text: str) -> str:
    """``text`` folded for search: lower case; ``ß`` becomes ``ss``, ``ä``/``ö``/``ü`` the plain vowel, and so
    do their spellings ``ae``, ``oe`` and ``ue`` (``ue`` not after a vowel or ``q``: ``neue`` and ``Quelle`` keep
    it), as Snowball's German stemmer reads them; other accents are dropped (``é`` as ``e``)."""
    lower = text.lower()
    if not lower.isascii():
        lower = _NON_ASCII.sub(lambda m: _plain(m.group()), lower)
    return _SPELLED_UMLAUT.sub("", lower)


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """``fold(text)``, and for every folded character the index in ``text`` of the character it comes from."""
    lower = text.lower()
    plain = ""
    if len(lower) == len(text):
        plain = lower.translate(_PLAIN)
    if len(plain) == len(text):  # every character folds to one (the common case): the offsets are the positions
        offsets = list(range(len(text)))
    else:
        chars: list[str] = []
        offsets = []
        for index, char in enumerate(text):
            for c in char.lower():
                for p in _plain(c):
                    chars.append(p)
                    offsets.append(index)
        plain = "".join(chars)
    dropped = {m.start() for m in _SPELLED_UMLAUT.finditer(plain)}
    if not dropped:
        return plain, offsets
    kept = [i for i in range(len(plain)) if i not in dropped]
    return "".join(plain[i] for i in kept), [offsets[i] for i in kept]


def tokens(text: str) -> list[str]:
    """The folded words of ``text``."""
    folded = fold(text)
    return (_ASCII_TOKEN if folded.isascii() else _TOKEN).findall(folded)


_STEMMER = threading.local()


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball's German stem of a folded word, folded again (so it stays a prefix of the folded word)."""
    if word.isdigit():
        return word
    stemmer = getattr(_STEMMER, "german", None)
    if stemmer is None:
        # the stemmer keeps state while it works: one per thread
        stemmer = _STEMMER.german = Stemmer.Stemmer("german")
    result = fold(str(stemmer.stemWord(word)))
    return result if result and word.startswith(result) else word


# ---------------------------------------------------------------- what is indexed


@dataclass(frozen=True)
class Document:
    """A press release as the index holds it."""

    iri: str
    headline: str
    body: str
    date: str


def document_of(iri: str, ntriples: str) -> Document:
    """The headline, body and publication date of the release ``iri`` from its graph's N-Triples (German values
    first where a property has several)."""
    wanted = tuple(f"<{iri}> <{p}> " for p in (_HEADLINE, _BODY, _DATE))
    lines = [line for line in ntriples.splitlines() if line.startswith(wanted)]
    values: dict[str, list[tuple[bool, str]]] = {_HEADLINE: [], _BODY: [], _DATE: []}
    if lines:
        for triple in ox.parse(input="\n".join(lines).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES):
            obj = triple.object
            if isinstance(obj, ox.Literal):
                values[triple.predicate.value].append((obj.language != "de", obj.value))

    def best(prop: str) -> str:
        found = sorted(values[prop])
        return found[0][1] if found else ""

    return Document(iri, best(_HEADLINE), best(_BODY), best(_DATE))


# ---------------------------------------------------------------- writing


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """What the index depends on: this module's code (folding, stems, layout) and the stemmer's version."""
    code = Path(__file__).read_bytes()
    try:
        version = importlib.metadata.version("PyStemmer")
    except importlib.metadata.PackageNotFoundError:
        version = ""
    return hashlib.sha256(code + f"|{version}|{LAYOUT}".encode()).hexdigest()[:32]


_SCHEMA = (
    "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE releases (id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, key TEXT NOT NULL, "
    "date TEXT NOT NULL, headline TEXT NOT NULL, body TEXT NOT NULL)",
    # contentless: the text is in ``releases``; what is indexed is derived from it, so a row is deleted by
    # deriving the same again
    "CREATE VIRTUAL TABLE words USING fts5(headline, body, content='', tokenize='unicode61 remove_diacritics 0')",
    # every stem that occurs (or once occurred: a stem that no longer does expands to nothing)
    "CREATE VIRTUAL TABLE stems USING fts5(stem, tokenize='trigram')",
)


def _indexed(headline: str, body: str) -> tuple[list[str], list[str]]:
    """The stems of the headline and of the body."""
    return [stem(w) for w in tokens(headline)], [stem(w) for w in tokens(body)]


def _insert(db: sqlite3.Connection, rows: Iterable[tuple[str, Document]], known: set[str]) -> int:
    count = 0
    for key, doc in rows:
        cursor = db.execute(
            "INSERT INTO releases (iri, key, date, headline, body) VALUES (?, ?, ?, ?, ?)",
            (doc.iri, key, doc.date, doc.headline, doc.body),
        )
        headline, body = _indexed(doc.headline, doc.body)
        db.execute(
            "INSERT INTO words (rowid, headline, body) VALUES (?, ?, ?)",
            (cursor.lastrowid, " ".join(headline), " ".join(body)),
        )
        new = {s for s in (*headline, *body) if s not in known}
        if new:
            db.executemany("INSERT INTO stems (stem) VALUES (?)", [(s,) for s in sorted(new)])
            known |= new
        count += 1
    return count


def _delete(db: sqlite3.Connection, ids: list[int]) -> None:
    for start in range(0, len(ids), 500):
        batch = ids[start : start + 500]
        marks = ",".join("?" * len(batch))
        rows = db.execute(f"SELECT id, headline, body FROM releases WHERE id IN ({marks})", batch).fetchall()
        for rowid, headline_text, body_text in rows:
            headline, body = _indexed(headline_text, body_text)
            db.execute(
                "INSERT INTO words (words, rowid, headline, body) VALUES ('delete', ?, ?, ?)",
                (rowid, " ".join(headline), " ".join(body)),
            )
        db.execute(f"DELETE FROM releases WHERE id IN ({marks})", batch)


def write_index(
    target: Path,
    releases: Mapping[str, str],
    documents: Callable[[list[str]], Iterable[tuple[str, Document]]],
    previous: Path | None = None,
) -> dict[str, Any]:
    """Write the index of ``releases`` (IRI -> the key of its content) to ``target``.

    ``documents`` gives (key, document) for the IRIs it is asked for. With the index of the previous state in
    ``previous``, written by the same code, only what changed is indexed: the previous index is copied, releases
    whose key changed or that are gone are deleted from it, and new ones added. Returns the file's size, the
    number of releases in it and the number indexed now.
    """
    stamp = fingerprint()
    reuse = start_from(target, previous, stamp)
    db = sqlite3.connect(str(target), isolation_level=None)
    try:
        present: dict[str, tuple[int, str]] = {}
        stale: list[int] = []
        if reuse:
            present = {iri: (rowid, key) for rowid, iri, key in db.execute("SELECT id, iri, key FROM releases")}
            stale = [rowid for iri, (rowid, key) in present.items() if releases.get(iri) != key]
            if len(stale) > len(present) // 2 + 100:
                # most of it changed (a new base URI, a new extractor): writing it anew is quicker
                db.close()
                return write_index(target, releases, documents, None)
        db.execute("PRAGMA journal_mode = OFF")  # a new file no one reads before the state is switched
        db.execute("PRAGMA synchronous = OFF")
        db.execute("BEGIN")
        if reuse:
            _delete(db, stale)
            kept = {iri for iri, (_rowid, key) in present.items() if releases.get(iri) == key}
            todo = sorted(iri for iri in releases if iri not in kept)
        else:
            for statement in _SCHEMA:
                db.execute(statement)
            db.executemany("INSERT INTO meta VALUES (?, ?)", [("fingerprint", stamp), ("layout", str(LAYOUT))])
            db.execute("INSERT INTO meta VALUES ('indexed', '0')")
            todo = sorted(releases)
        known = {row[0] for row in db.execute("SELECT stem FROM stems")}
        added = _insert(db, documents(todo), known)
        if not reuse:
            # one segment per table: smaller, and the quickest to search
            db.execute("INSERT INTO words (words) VALUES ('optimize')")
            db.execute("INSERT INTO stems (stems) VALUES ('optimize')")
        db.execute("UPDATE meta SET value = ? WHERE name = 'indexed'", (str(added),))
        count = db.execute("SELECT COUNT(*) FROM releases").fetchone()[0]
        db.execute("COMMIT")
    except BaseException:
        db.close()
        target.unlink(missing_ok=True)
        raise
    db.close()
    fsync(target)
    return {"size": target.stat().st_size, "releases": int(count), "indexed": added}


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class Hit:
    """One release that matches, with what a list of results shows of it."""

    iri: str
    score: float
    headline: str
    date: str
    #: Plain text around the first match in the body (not escaped).
    snippet: str


@dataclass(frozen=True)
class SearchResult:
    """One page of hits, best first, and how many releases match in all."""

    total: int
    hits: list[Hit]


@dataclass(frozen=True)
class Clause:
    """A word or a phrase of a search text, folded, with the stems it is looked up by."""

    words: tuple[str, ...]
    stems: tuple[str, ...]

    @property
    def exact(self) -> str:
        """The FTS5 expression of the clause itself: its stems as one quoted phrase."""
        return _quoted(" ".join(self.stems))

    @property
    def part(self) -> str | None:
        """The stem to look for inside other stems (compounds): a single word's, long enough."""
        if len(self.stems) == 1 and len(self.stems[0]) >= SHORTEST_PART:
            return self.stems[0]
        return None


def _quoted(text: str) -> str:
    """``text`` as an FTS5 string: a phrase, never an operator."""
    return '"' + text.replace('"', '""') + '"'


def parse_query(text: str) -> list[Clause]:
    """The words and "phrases" of a search text (German quotation marks too); an unpaired quotation mark is
    ignored. Everything else that is not a letter or a digit separates words."""
    parts = text.translate(_QUOTES).split('"')
    if len(parts) % 2 == 0:
        # an unpaired quotation mark: what follows it is words, not a phrase
        parts = [*parts[:-2], parts[-2] + " " + parts[-1]]
    clauses: list[Clause] = []
    for index, part in enumerate(parts):
        words = tokens(part)
        groups = [tuple(words)] if index % 2 == 1 and words else [(w,) for w in words]
        for group in groups:
            clause = Clause(group, tuple(stem(w) for w in group))
            if clause not in clauses:
                clauses.append(clause)
    return clauses


class SearchIndex:
    """The search index of one published state, read-only. Safe to share between threads: each thread reads
    through a connection of its own."""

    def __init__(self, path: Path, max_length: int = DEFAULT_MAX_LENGTH) -> None:
        self.path = path
        self.max_length = max_length
        self._local = threading.local()

    @classmethod
    def open(cls, path: Path, *, max_length: int = DEFAULT_MAX_LENGTH) -> SearchIndex:
        """The index in ``path``; a StoreError when it is missing, unreadable or of another layout."""
        index = cls(path, max_length)
        try:
            row = index._db().execute("SELECT value FROM meta WHERE name = 'layout'").fetchone()
        except sqlite3.Error as exc:
            raise StoreError(f"search index {path}: unreadable ({exc}); run 'publisher build' again") from None
        if row is None or row[0] != str(LAYOUT):
            raise StoreError(
                f"search index {path}: layout {row[0] if row else 'unknown'}, this version reads layout {LAYOUT}; "
                "run 'publisher build' again"
            )
        return index

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            if not self.path.is_file():
                raise StoreError(f"search index {self.path}: missing; run 'publisher build' again")
            # immutable: the file of a published state never changes, so no locks are taken
            db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
            self._local.db = db
        return db

    def info(self) -> dict[str, str]:
        """What the index records about itself: the fingerprint and layout of the code that wrote it, and how many
        releases the build that wrote it indexed (the others were kept from the index of the state before)."""
        return {str(k): str(v) for k, v in self._db().execute("SELECT name, value FROM meta")}

    def __len__(self) -> int:
        return int(self._db().execute("SELECT COUNT(*) FROM releases").fetchone()[0])

    def _clauses(self, text: str) -> list[Clause]:
        if len(text) > self.max_length:
            raise SearchTextError(
                f"search text: {len(text)} characters; at most {self.max_length} are accepted "
                "(setting PUBLISHER_SEARCH_LENGTH)"
            )
        clauses = parse_query(text)
        if not clauses:
            shown = text.strip()
            raise SearchTextError(
                f"search text {shown!r}: nothing to search for; give words of letters or digits"
                if shown
                else "search text: empty; give words of letters or digits"
            )
        return clauses

    def _ranked(self, clauses: list[Clause]) -> list[tuple[int, str, float]]:
        """(row id, IRI, score) of every release that matches all ``clauses``, best first."""
        db = self._db()
        groups = []
        try:
            for clause in clauses:
                # the clause itself WORD_WEIGHT times: BM25 sums over the phrases of a query, so a match of the
                # word itself counts WORD_WEIGHT times a match of a compound it is part of
                alternatives = [clause.exact] * WORD_WEIGHT
                if clause.part is not None:
                    found = db.execute(
                        "SELECT stem FROM stems WHERE stems MATCH ? AND stem != ? ORDER BY length(stem), stem LIMIT ?",
                        (_quoted(clause.part), clause.part, MOST_COMPOUNDS),
                    )
                    alternatives.extend(_quoted(row[0]) for row in found)
                groups.append("(" + " OR ".join(alternatives) + ")")
            rows = db.execute(
                f"SELECT r.id, r.iri, -bm25(words, {HEADLINE_WEIGHT}, 1.0) AS score FROM words JOIN releases r "
                "ON r.id = words.rowid WHERE words MATCH ? ORDER BY score DESC, r.date DESC, r.iri",
                (" AND ".join(groups),),
            ).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"search index {self.path}: {exc}") from None
        return [(int(rowid), str(iri), float(score)) for rowid, iri, score in rows]

    def search(self, text: str, *, limit: int = 20, offset: int = 0) -> SearchResult:
        """The releases that match ``text``, best first: ``limit`` of them from ``offset`` on, and how many
        match in all. A SearchTextError (400) for a text without words or one that is too long."""
        if limit < 0 or offset < 0:
            raise SearchTextError(f"limit {limit}, offset {offset}: neither may be negative")
        clauses = self._clauses(text)
        ranked = self._ranked(clauses)
        page = ranked[offset : offset + limit]
        rows: dict[int, tuple[str, str, str]] = {}
        if page:
            marks = ",".join("?" * len(page))
            for rowid, headline, date, body in self._db().execute(
                f"SELECT id, headline, date, body FROM releases WHERE id IN ({marks})", [r[0] for r in page]
            ):
                rows[rowid] = (headline, date, body)
        hits = []
        for rowid, iri, score in page:
            headline, date, body = rows[rowid]
            hits.append(Hit(iri, score, headline, date, snippet(body, clauses)))
        return SearchResult(len(ranked), hits)

    def snippets(self, iris: list[str], text: str) -> dict[str, str]:
        """The snippet of each release in ``iris`` for ``text``, from the bodies the index holds."""
        if not iris:
            return {}
        clauses = self._clauses(text)
        marks = ",".join("?" * len(iris))
        rows = self._db().execute(f"SELECT iri, body FROM releases WHERE iri IN ({marks})", iris)
        return {iri: snippet(body, clauses) for iri, body in rows}

    def matching(self, text: str) -> list[str]:
        """The IRIs of every release that matches ``text``, best first."""
        return [iri for _rowid, iri, _score in self._ranked(self._clauses(text))]

    def close(self) -> None:
        """Close this thread's connection (the others close when the index is dropped)."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None


def snippet(body: str, clauses: Iterable[Clause], length: int = SNIPPET_LENGTH) -> str:
    """Plain text of ``body`` around the first place a clause matches: a word that starts with a stem, else a
    stem inside a word; the start of the body when the match is in the headline only."""
    folded, offsets = fold_with_offsets(body)
    found = _first_match(folded, clauses)
    if found is None:
        start = 0
    else:
        start = max(0, offsets[found] - length // 4)
        if start:
            space = body.find(" ", start)
            start = space + 1 if 0 <= space < offsets[found] else start
    end = min(len(body), start + length)
    if end < len(body):
        space = body.rfind(" ", start, end)
        end = space if space > start else end
    text = " ".join(body[start:end].split())
    return ("… " if start else "") + text + (" …" if end < len(body) else "")


def _first_match(folded: str, clauses: Iterable[Clause]) -> int | None:
    starts: list[int] = []
    inside: list[int] = []
    for clause in clauses:
        first = clause.stems[0]
        at_start = re.search(r"(?<![^\W_])" + re.escape(first), folded)
        if at_start:
            starts.append(at_start.start())
        elif len(first) >= SHORTEST_PART and (position := folded.find(first)) >= 0:
            inside.append(position)
    found = starts or inside
    return min(found) if found else None


def index_of(store: Store, max_length: int = DEFAULT_MAX_LENGTH) -> SearchIndex | None:
    """The search index of the store's current state; None when the state has none (nothing built yet, or
    built by a version without search)."""
    folder = store.files_dir()
    if folder is None or not (folder / INDEX_NAME).is_file():
        return None
    return SearchIndex.open(folder / INDEX_NAME, max_length=max_length)


__all__ = [
    "INDEX_NAME",
    "Document",
    "Hit",
    "SearchIndex",
    "SearchResult",
    "SearchTextError",
    "document_of",
    "fold",
    "index_of",
    "parse_query",
    "stem",
    "write_index",
]
