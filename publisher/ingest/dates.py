"""German dates and times in running text.

Month and weekday names come from the CLDR data that Babel ships, so "15. Januar 2025", "15. Jan. 2025",
"15.01.2025", "Mittwoch, 15.1." and "am 3. März um 17:30 Uhr" are all read the same way. A date without a
year takes the year of publication, or the next one when that would put it well before publication.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time, timedelta
from functools import cache

from babel.dates import get_day_names, get_month_names


@cache
def _month_table() -> dict[str, int]:
    table: dict[str, int] = {}
    for width in ("wide", "abbreviated"):
        for context in ("format", "stand-alone"):
            for number, name in get_month_names(width, context=context, locale="de").items():
                table[name.lower()] = number
                table[name.lower().rstrip(".")] = number
    table["jänner"] = 1  # Austrian form, seen in German texts
    table["sept"] = 9
    return table


def month_names() -> list[str]:
    """January to December in German, as CLDR writes them."""
    return [get_month_names("wide", locale="de")[number] for number in range(1, 13)]


def weekday_names() -> list[str]:
    return list(get_day_names("wide", locale="de").values())


@cache
def _weekdays() -> tuple[str, ...]:
    return tuple(sorted(get_day_names("wide", locale="de").values(), key=len, reverse=True))


@cache
def date_pattern() -> re.Pattern[str]:
    months = "|".join(sorted((re.escape(m) for m in _month_table()), key=len, reverse=True))
    weekdays = "|".join(_weekdays())
    return re.compile(
        rf"(?:(?P<weekday>{weekdays}),?\s+(?:(?:den|dem)\s+)?)?"
        rf"(?<![\d.])(?P<day>[0-3]?\d)\.\s*"
        rf"(?:(?P<monthname>{months})\.?(?:\s+(?P<year1>(?:19|20)\d\d)\b)?"
        rf"|(?P<month>[01]?\d)\.(?P<year2>(?:19|20)?\d\d)?(?![\d])(?!\.\d))",
        re.IGNORECASE,
    )


@cache
def range_pattern() -> re.Pattern[str]:
    """ "vom 5. bis 7. Mai 2021", "5.–7. Mai", "vom 5.5. bis 7.5.2021": a date range, read as its first day."""
    months = "|".join(sorted((re.escape(m) for m in _month_table()), key=len, reverse=True))
    return re.compile(
        rf"(?<![\d.])(?P<d1>[0-3]?\d)\.\s*(?:(?P<m1>[01]?\d)\.)?\s*(?:bis|–|-)\s*(?:zum\s+)?"
        rf"(?P<d2>[0-3]?\d)\.\s*(?:(?P<monthname>{months})\.?(?:\s+(?P<year1>(?:19|20)\d\d)\b)?"
        rf"|(?P<m2>[01]?\d)\.(?P<year2>(?:19|20)?\d\d)?(?![\d]))",
        re.IGNORECASE,
    )


_TIME = re.compile(
    r"(?:(?P<prep>um|ab|von|gegen)\s+)?(?P<h>[0-2]?\d)(?:[:.](?P<m>[0-5]\d))?\s*"
    r"(?:(?:bis|-|–)\s*(?P<h2>[0-2]?\d)(?:[:.](?P<m2>[0-5]\d))?\s*)?Uhr\b"
)


@dataclass(frozen=True)
class DateMention:
    """A date found in text, with where it was found."""

    value: date
    start: int
    end: int
    has_year: bool
    is_range: bool = False


def _year_for(day: int, month: int, published: date) -> int:
    year = published.year
    try:
        candidate = date(year, month, day)
    except ValueError:
        return year
    if candidate < published - timedelta(days=90):
        return year + 1
    return year


def find_dates(text: str, published: date | None = None) -> list[DateMention]:
    """Every valid calendar date in ``text``; dates without a year need ``published``."""
    found: list[DateMention] = []
    ranges: list[tuple[int, int]] = []
    for m in range_pattern().finditer(text):
        month = (
            _month_table()[m.group("monthname").lower().rstrip(".")]
            if m.group("monthname")
            else int(m.group("m1") or m.group("m2"))
        )
        if m.group("m1"):
            month = int(m.group("m1"))
        year_text = m.group("year1") or m.group("year2")
        day = int(m.group("d1"))
        if year_text:
            year = int(year_text) + (2000 if len(year_text) == 2 else 0)
        elif published is not None:
            year = _year_for(day, month, published)
        else:
            continue
        try:
            found.append(DateMention(date(year, month, day), m.start(), m.end(), bool(year_text), True))
            ranges.append((m.start(), m.end()))
        except ValueError:
            continue
    for m in date_pattern().finditer(text):
        if any(start <= m.start() < end for start, end in ranges):
            continue
        day = int(m.group("day"))
        if m.group("monthname"):
            month = _month_table()[m.group("monthname").lower().rstrip(".")]
            year_text = m.group("year1")
        else:
            month = int(m.group("month"))
            year_text = m.group("year2")
        if year_text:
            year = int(year_text)
            if year < 100:
                year += 2000
        elif published is not None:
            year = _year_for(day, month, published)
        else:
            continue
        try:
            value = date(year, month, day)
        except ValueError:
            continue
        found.append(DateMention(value, m.start(), m.end(), bool(year_text)))
    return sorted(found, key=lambda d: d.start)


def parse_date(text: str) -> date | None:
    """A complete date (with year) written on its own, such as "17.01.2025" or "17. Januar 2025"."""
    mentions = [d for d in find_dates(text.strip()) if d.has_year]
    return mentions[0].value if mentions else None


def find_time(text: str) -> tuple[time, int] | None:
    """The first clock time ("um 15 Uhr", "von 14 bis 18 Uhr", "17:30 Uhr") and where it starts."""
    for m in _TIME.finditer(text):
        hour = int(m.group("h"))
        minute = int(m.group("m") or 0)
        if hour <= 23:
            return time(hour, minute), m.start()
    return None
