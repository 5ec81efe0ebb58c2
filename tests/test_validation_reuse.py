"""A validator that is used again and again finds what a new one finds.

``Validator`` keeps what pySHACL reads from the shapes graph (each shape's parameters and constraint components,
made once per validator) across validations. These tests validate every violating example of
``tests/test_shapes.py`` with one validator that has seen all the others, and with a new validator each, and
compare the findings line by line.
"""

from __future__ import annotations

import pytest

from publisher.config import PROJECT_ROOT
from publisher.validation import Finding, Validator
from tests.test_shapes import VIOLATING, graph_of

SHAPES = PROJECT_ROOT / "shapes"
ONTOLOGY = PROJECT_ROOT / "ontology"


def lines(findings: list[Finding]) -> list[str]:
    return sorted(f.line() for f in findings)


@pytest.fixture(scope="module")
def used() -> Validator:
    """One validator that has validated every violating example once already."""
    validator = Validator(shapes_dir=SHAPES, ontology_dir=ONTOLOGY)
    for param in VIOLATING:
        validator.validate(graph_of(param.values[2]))
    return validator


def test_a_used_validator_finds_what_a_new_one_finds(used: Validator) -> None:
    differing = []
    for param in VIOLATING:
        _stem, _number, example, expected = param.values
        fresh = Validator(shapes_dir=SHAPES, ontology_dir=ONTOLOGY).validate(graph_of(example))
        again = used.validate(graph_of(example))
        assert any(expected in f.path for f in fresh.violations), f"{param.id}: {fresh.text()}"
        if lines(again.findings) != lines(fresh.findings) or again.conforms != fresh.conforms:
            differing.append(f"{param.id}:\n  new:  {fresh.text()}\n  used: {again.text()}")
    assert not differing, "\n".join(differing)
