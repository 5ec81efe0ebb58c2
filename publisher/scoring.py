"""Field-level precision and recall of extracted records against hand-made annotations.

Both sides are dicts in the annotation format (``PressRelease.to_annotation()``). Items of a list field are
paired first (an organisation by its canonical name or a shared surface form, a person by name, an area by
name and kind, a programme by name or acronym, an event by its date, a quotation by its first words, a contact
point by its office, address or telephone); a paired item counts for the list field, and each attribute of a
pair counts for its own field ("persons.role"). Strings are compared after Unicode, case, dash and whitespace
normalisation; an event's name and venue, which annotators phrase freely, match when most of their words agree.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from publisher.errors import InputError

SCALARS = ("title", "date_published", "publisher", "press_release_number", "image_credit")


def norm(value: object) -> str | None:
    if value is None:
        return None
    text = unicodedata.normalize("NFC", str(value)).casefold()
    text = re.sub(r"[‐‑–—-]", " ", text)
    text = re.sub(r"[„“”\"«»‚‘’'.,:;()]", " ", text)
    return re.sub(r"\s+", " ", text).strip() or None


def _words(value: object) -> set[str]:
    text = norm(value) or ""
    return {w for w in text.split() if len(w) > 2 and w not in {"der", "die", "das", "des", "von", "und", "den", "dem"}}


def similar_name(a: object, b: object) -> bool:
    """Event names: most content words shared (Jaccard >= 0.5), or one contains the other."""
    wa, wb = _words(a), _words(b)
    if not wa or not wb:
        return norm(a) == norm(b)
    na, nb = norm(a) or "", norm(b) or ""
    return len(wa & wb) / len(wa | wb) >= 0.5 or na in nb or nb in na


@dataclass
class Count:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Count) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class Score:
    fields: dict[str, Count] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def count(self, name: str) -> Count:
        return self.fields.setdefault(name, Count())

    def add(self, other: Score) -> None:
        for name, count in other.fields.items():
            self.count(name).add(count)
        self.errors.extend(other.errors)

    @property
    def overall(self) -> Count:
        total = Count()
        for count in self.fields.values():
            total.add(count)
        return total

    def table(self) -> str:
        lines = [f"{'field':32} {'tp':>5} {'fp':>5} {'fn':>5} {'precision':>10} {'recall':>8}"]
        for name in sorted(self.fields):
            c = self.fields[name]
            lines.append(f"{name:32} {c.tp:5d} {c.fp:5d} {c.fn:5d} {c.precision:10.3f} {c.recall:8.3f}")
        o = self.overall
        lines.append(f"{'OVERALL':32} {o.tp:5d} {o.fp:5d} {o.fn:5d} {o.precision:10.3f} {o.recall:8.3f}")
        return "\n".join(lines)


def _value(
    score: Score,
    name: str,
    gold: object,
    pred: object,
    same: Callable[[object, object], bool] | None = None,
    doc: str = "",
) -> None:
    c = score.count(name)
    g, p = norm(gold), norm(pred)
    if g is None and p is None:
        return
    equal = (same(gold, pred) if same else g == p) if g is not None and p is not None else False
    if equal:
        c.tp += 1
        return
    if p is not None:
        c.fp += 1
    if g is not None:
        c.fn += 1
    score.errors.append(f"{doc}: {name}: expected {gold!r}, got {pred!r}")


def _pair(
    gold: list[dict[str, Any]],
    pred: list[dict[str, Any]],
    rules: Iterable[Callable[[dict[str, Any], dict[str, Any]], bool]],
) -> tuple[list[tuple[dict[str, Any], dict[str, Any]]], list[dict[str, Any]], list[dict[str, Any]]]:
    pairs: list[tuple[dict[str, Any], dict[str, Any]]] = []
    left_gold = list(gold)
    left_pred = list(pred)
    for rule in rules:
        for g in list(left_gold):
            for p in left_pred:
                if rule(g, p):
                    pairs.append((g, p))
                    left_gold.remove(g)
                    left_pred.remove(p)
                    break
    return pairs, left_gold, left_pred


def _list(
    score: Score,
    name: str,
    gold: list[dict[str, Any]],
    pred: list[dict[str, Any]],
    rules: Iterable[Callable[[dict[str, Any], dict[str, Any]], bool]],
    doc: str,
    label: Callable[[dict[str, Any]], str],
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    pairs, missed, extra = _pair(gold, pred, rules)
    c = score.count(name)
    c.tp += len(pairs)
    c.fn += len(missed)
    c.fp += len(extra)
    score.errors.extend(f"{doc}: {name}: missed {label(g)}" for g in missed)
    score.errors.extend(f"{doc}: {name}: extra {label(p)}" for p in extra)
    return pairs


def score_record(gold: dict[str, Any], pred: dict[str, Any]) -> Score:
    """Score one extracted record against its annotation; an annotation that lacks a field or an item's key
    raises InputError naming it."""
    try:
        return _score_record(gold, pred)
    except (KeyError, TypeError) as exc:
        missing = f"the key {exc}" if isinstance(exc, KeyError) else f"a value of the wrong kind ({exc})"
        raise InputError(str(gold.get("id")), f"the annotation lacks {missing}") from None


def _score_record(gold: dict[str, Any], pred: dict[str, Any]) -> Score:
    score = Score()
    doc = str(gold.get("id"))
    for name in SCALARS:
        _value(score, name, gold.get(name), pred.get(name), doc=doc)

    def forms(item: dict[str, Any]) -> set[str]:
        return {f for f in (norm(x) for x in item.get("surface_forms", [])) if f}

    org_pairs = _list(
        score,
        "organisations",
        gold["organisations"],
        pred["organisations"],
        [
            lambda g, p: norm(g["name"]) == norm(p["name"]),
            lambda g, p: bool(forms(g) & forms(p)),
        ],
        doc,
        lambda x: repr(x["name"]),
    )
    same_org: dict[str, str] = {norm(p["name"]) or "": norm(g["name"]) or "" for g, p in org_pairs}

    def org_equal(g: object, p: object) -> bool:
        return norm(g) == norm(p) or same_org.get(norm(p) or "") == norm(g)

    c = score.count("organisations.surface_forms")
    for g, p in org_pairs:
        gf = {re.sub(r"\s+", " ", f) for f in g["surface_forms"]}
        pf = {re.sub(r"\s+", " ", f) for f in p["surface_forms"]}
        c.tp += len(gf & pf)
        c.fp += len(pf - gf)
        c.fn += len(gf - pf)
        if gf != pf:
            score.errors.append(
                f"{doc}: organisations.surface_forms of {g['name']!r}: "
                f"missed {sorted(gf - pf)}, extra {sorted(pf - gf)}"
            )

    for g, p in _list(
        score,
        "persons",
        gold["persons"],
        pred["persons"],
        [lambda g, p: norm(g["name"]) == norm(p["name"])],
        doc,
        lambda x: repr(x["name"]),
    ):
        _value(score, "persons.role", g["role"], p["role"], doc=doc)
        _value(score, "persons.organisation", g["organisation"], p["organisation"], org_equal, doc=doc)

    for g, p in _list(
        score,
        "areas",
        gold["areas"],
        pred["areas"],
        [
            lambda g, p: norm(g["name"]) == norm(p["name"]) and g["kind"] == p["kind"],
            lambda g, p: norm(g["name"]) == norm(p["name"]),
        ],
        doc,
        lambda x: f"{x['name']!r} ({x['kind']})",
    ):
        _value(score, "areas.kind", g["kind"], p["kind"], doc=doc)

    for g, p in _list(
        score,
        "programmes",
        gold["programmes"],
        pred["programmes"],
        [
            lambda g, p: norm(g["name"]) == norm(p["name"]),
            lambda g, p: g["acronym"] is not None and norm(g["acronym"]) == norm(p["acronym"]),
        ],
        doc,
        lambda x: repr(x["name"]),
    ):
        _value(score, "programmes.acronym", g["acronym"], p["acronym"], doc=doc)

    for g, p in _list(
        score,
        "events",
        gold["events"],
        pred["events"],
        [lambda g, p: g["start_date"] == p["start_date"]],
        doc,
        lambda x: f"{x['name']!r} on {x['start_date']}",
    ):
        _value(score, "events.name", g["name"], p["name"], similar_name, doc=doc)
        _value(score, "events.venue", g["venue"], p["venue"], similar_name, doc=doc)
        for key in ("start_time", "address"):
            _value(score, f"events.{key}", g[key], p[key], doc=doc)
        _value(score, "events.organiser", g["organiser"], p["organiser"], org_equal, doc=doc)

    for g, p in _list(
        score,
        "quotations",
        gold["quotations"],
        pred["quotations"],
        [lambda g, p: norm(g["first_words"]) == norm(p["first_words"])],
        doc,
        lambda x: repr(x["first_words"]),
    ):
        _value(score, "quotations.speaker", g["speaker"], p["speaker"], doc=doc)
        _value(score, "quotations.speaker_role", g["speaker_role"], p["speaker_role"], doc=doc)

    for g, p in _list(
        score,
        "contact_points",
        gold["contact_points"],
        pred["contact_points"],
        [
            lambda g, p: (
                norm(g["office"]) == norm(p["office"]) and norm(g["street_address"]) == norm(p["street_address"])
            ),
            lambda g, p: norm(g["office"]) == norm(p["office"]),
            lambda g, p: g["street_address"] is not None and norm(g["street_address"]) == norm(p["street_address"]),
            lambda g, p: g["telephone"] is not None and norm(g["telephone"]) == norm(p["telephone"]),
        ],
        doc,
        lambda x: repr(x["office"]),
    ):
        for key in ("office", "street_address", "postcode", "city", "telephone", "fax", "email"):
            _value(score, f"contact_points.{key}", g[key], p[key], doc=doc)
        _value(score, "contact_points.organisation", g["organisation"], p["organisation"], org_equal, doc=doc)
    return score
