"""Field-level precision and recall of the extractor against hand-made annotations.

The seven annotated releases (six synthetic ones in tests/corpus and the real seed in data/releases) must reach
0.95 precision and 0.95 recall overall, no field below 0.8. The held-out releases in tests/holdout were
written and annotated without looking at the extractor; they are scored and reported too. More annotated
folders in the same format can be scored with PUBLISHER_EXTRA_CORPUS (paths separated by ':'), against the same
targets. The tables are printed at the end of the test session. The held-out sets are held to looser floors:
their annotators phrase event names and venues freely and disagree on some conventions.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from publisher.config import PROJECT_ROOT
from publisher.ingest.extract import Extractor
from publisher.ingest.gazetteer import build_gazetteer, load_reference
from publisher.ingest.source import read_source
from publisher.ingest.sources import extract_source
from publisher.scoring import Score, score_record
from tests.conftest import BASE, CORPUS, HOLDOUT, SEED, TABLES


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    reference = load_reference((PROJECT_ROOT / "data" / "reference").glob("*.ttl"), BASE)
    return Extractor(build_gazetteer(reference), BASE)


def score_folder(folder: Path, extractor: Extractor) -> Score:
    total = Score()
    annotations = sorted(folder.glob("*.json"))
    assert annotations, f"no annotations in {folder}"
    for annotation in annotations:
        gold = json.loads(annotation.read_text("utf-8"))
        text = annotation.with_suffix(".txt")
        if not text.exists():
            text = PROJECT_ROOT / "data" / "releases" / gold["file"]
        result = extract_source(read_source(text), extractor, BASE)
        assert result.record is not None
        total.add(score_record(gold, result.record.to_annotation(gold["id"])))
    return total


def check_targets(score: Score, precision: float, recall: float, field_floor: float) -> list[str]:
    problems = []
    overall = score.overall
    if overall.precision < precision:
        problems.append(f"overall precision {overall.precision:.3f} < {precision}")
    if overall.recall < recall:
        problems.append(f"overall recall {overall.recall:.3f} < {recall}")
    for name, count in score.fields.items():
        if count.precision < field_floor or count.recall < field_floor:
            problems.append(f"{name}: precision {count.precision:.3f}, recall {count.recall:.3f} < {field_floor}")
    return problems


def test_the_seven_annotated_releases(extractor: Extractor) -> None:
    score = score_folder(CORPUS, extractor)
    TABLES["seven annotated releases (tests/corpus + the seed)"] = score.table()
    problems = check_targets(score, 0.95, 0.95, 0.8)
    assert not problems, "\n".join(problems + score.errors)


@pytest.mark.parametrize("folder", [HOLDOUT, HOLDOUT.parent / "holdout2"], ids=["holdout", "holdout2"])
def test_held_out_releases(extractor: Extractor, folder: Path) -> None:
    """Written without sight of the extractor: a check that it generalises, with a looser floor per field."""
    score = score_folder(folder, extractor)
    TABLES[f"held-out releases (tests/{folder.name})"] = score.table()
    problems = check_targets(score, 0.95, 0.9, 0.6)
    assert not problems, "\n".join(problems + score.errors)


EXTRA = [f for f in os.environ.get("PUBLISHER_EXTRA_CORPUS", "").split(":") if f]
if EXTRA:  # only when someone asks for more folders to be scored

    @pytest.mark.parametrize("folder", EXTRA)
    def test_extra_annotated_releases(extractor: Extractor, folder: str) -> None:
        score = score_folder(Path(folder), extractor)
        TABLES[f"extra releases ({folder})"] = score.table()
        problems = check_targets(score, 0.95, 0.95, 0.8)
        assert not problems, "\n".join(problems + score.errors)


def test_extraction_is_deterministic(extractor: Extractor) -> None:
    """The same input always gives the same IRIs and the same triples."""
    from publisher.build import canonical_nt

    first = extract_source(read_source(SEED), extractor, BASE)
    second = extract_source(read_source(SEED), extractor, BASE)
    assert first.iri == second.iri
    assert canonical_nt(first.release) == canonical_nt(second.release)
    assert canonical_nt(first.entities) == canonical_nt(second.entities)
