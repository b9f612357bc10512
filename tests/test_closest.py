"""The one "did you mean" guess behind every hint about a mistyped value, field or id."""

from __future__ import annotations

import pytest

from ppml_cli.errors import closest

FIELDS = ["license", "language", "frameworks", "status"]


@pytest.mark.parametrize(
    ("typed", "choices", "cutoff", "expected"),
    [
        ("licence", FIELDS, 70, "license"),
        ("framework", FIELDS, 70, "frameworks"),
        ("zzzz", FIELDS, 70, None),
        ("anything", [], 70, None),
        ("dp-trainnig", ["dp-training", "federated-learning"], 60, "dp-training"),
    ],
)
def test_closest(typed: str, choices: list[str], cutoff: float, expected: str | None) -> None:
    assert closest(typed, choices, cutoff) == expected


def test_a_higher_cutoff_refuses_a_weaker_guess() -> None:
    assert closest("lic", FIELDS, 50) == "license"
    assert closest("lic", FIELDS, 99) is None
