"""ppml builds a catalog's values from PyYAML's node tree itself: they must be the values PyYAML gives.

The reference is PyYAML's own ``yaml.load`` and, for the lines error reports
name, PyYAML's constructor with the ``construct_mapping`` override ppml used
before (kept as :func:`locating`, for documents the fast path hands to PyYAML).
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from ppml_cli.catalog.parse import load_yaml
from ppml_cli.catalog.yaml_values import LocatedDict, locating

LOADERS: list[Any] = [yaml.SafeLoader, *([yaml.CSafeLoader] if hasattr(yaml, "CSafeLoader") else [])]


def same_places(ours: Any, theirs: Any) -> None:
    """Every mapping of ``ours`` is located where the reference locates its twin."""
    if isinstance(theirs, dict):
        assert isinstance(ours, LocatedDict)
        assert (ours.line, ours.key_lines) == (theirs.line, theirs.key_lines)  # type: ignore[attr-defined]
        for key in theirs:
            same_places(ours[key], theirs[key])
    elif isinstance(theirs, list):
        for mine, other in zip(ours, theirs, strict=True):
            same_places(mine, other)


def agree(text: str) -> None:
    for loader in LOADERS:
        expected = yaml.load(text, Loader=loader)
        assert load_yaml(text, "t.yaml", loader) == expected
        located = load_yaml(text, "t.yaml", loader, locate=True)
        assert located == expected
        same_places(located, yaml.load(text, Loader=locating(loader)))


scalars = (
    st.text(max_size=30)
    | st.integers()
    | st.booleans()
    | st.none()
    | st.floats(allow_nan=False)
    | st.dates()
    | st.sampled_from(["yes", "no", "on", "~", "0o17", "0x1F", "1_000", ".inf", "2024-01-02", "<<", "=", "-"])
)
documents = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12) | st.integers(), inner, max_size=5)
    ),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(documents, st.booleans(), st.booleans())
def test_any_document_has_the_values_pyyaml_gives(document: Any, flow: bool, shared: bool) -> None:
    if shared:  # the same object twice: PyYAML writes an anchor and an alias
        document = {"a": document, "b": [document, document]}
    agree(yaml.safe_dump(document, default_flow_style=flow, allow_unicode=True, sort_keys=False))


FIXED = {
    "a catalog's shape": "tools:\n  - id: opacus\n    aliases: [Opacus]\n    stars: 5000\n    archived: false\n",
    "merge keys": "base: &b {x: 1, y: 2}\nentry:\n  <<: *b\n  y: 3\n",
    "a list of merges": "a: &a {x: 1}\nb: &b {y: 2}\nc:\n  <<: [*a, *b]\n  z: 3\n",
    "an alias to a mapping": "a: &x {k: v}\nb: *x\n",
    "an alias to a string": "a: &x text\nb: *x\n",
    "a recursive list": "&a [1, *a]\n",
    "a recursive mapping": "&m {self: *m, n: 1}\n",
    "the value key": "a: {=: 1, b: 2}\n",
    "a set": "s: !!set {a, b}\n",
    "an ordered map": "o: !!omap [{a: 1}, {b: 2}]\n",
    "pairs": "p: !!pairs [{a: 1}, {a: 2}]\n",
    "binary": "b: !!binary aGVsbG8=\n",
    "dates and times": "d: 2024-02-29\nt: 2001-12-14t21:59:43.10-05:00\n",
    "explicit tags": "a: !!str 12\nb: !!int '7'\nc: !!float '1.5'\nd: !!null ''\ne: !!bool 'true'\n",
    "duplicate keys, the last wins": "a: 1\nb: 2\na: 3\n",
    "keys of every scalar kind": "1: one\ntrue: yes\n~: none\n1.5: float\n2024-01-01: date\n",
    "a scalar document": "just text\n",
    "an empty document": "",
    "a comment only": "# nothing\n",
    "an explicit document": "--- {a: 1}\n...\n",
    "a tagged sequence": "s: !!seq [a, b]\nm: !!map {a: b}\n",
    "a nested flow": "a: [[1, [2, {b: [3]}]], {c: {d: e}}]\n",
}


@pytest.mark.parametrize("text", FIXED.values(), ids=FIXED.keys())
def test_fixed_documents_have_the_values_pyyaml_gives(text: str) -> None:
    if "*a]" in text or "*m," in text:  # recursive: equal to itself only by identity
        for loader in LOADERS:
            value = load_yaml(text, "t.yaml", loader)
            inner = value[1] if isinstance(value, list) else value["self"]
            assert inner is value
        return
    agree(text)


def test_an_alias_is_one_shared_object_as_in_pyyaml() -> None:
    value = load_yaml("a: &x {k: [v]}\nb: *x\n", "t.yaml")
    assert value["a"] is value["b"]
    located = load_yaml("a: &x {k: [v]}\nb: *x\n", "t.yaml", locate=True)
    assert located["a"] is located["b"] and located["a"].line == 1


ERRORS = {
    "an unknown tag": "a: !custom x\n",
    "a python tag": "a: !!python/object/apply:os.system [echo]\n",
    "a key that is a list": "? [a, b]\n: c\n",
    "a key that is a mapping": "? {a: b}\n: c\n",
    "two documents": "a: 1\n---\nb: 2\n",
    "a merge of a string": "a:\n  <<: text\n",
    "an undefined alias": "a: *nowhere\n",
}


@pytest.mark.parametrize("text", ERRORS.values(), ids=ERRORS.keys())
def test_what_pyyaml_refuses_is_refused_with_its_words(text: str) -> None:
    for loader in LOADERS:
        with pytest.raises(yaml.YAMLError) as expected:
            yaml.load(text, Loader=loader)
        for locate in (False, True):
            with pytest.raises(yaml.YAMLError) as ours:
                load_yaml(text, "t.yaml", loader, locate=locate)
            assert type(ours.value) is type(expected.value)
            assert str(ours.value) == str(expected.value)


BARE = {"an integer": "a: !!int x\n", "a date": "a: 2024-13-45\n", "a float": "a: !!float x\n"}


@pytest.mark.parametrize("text", BARE.values(), ids=BARE.keys())
def test_a_value_its_tag_cannot_hold_is_a_located_yaml_error_not_a_bare_one(text: str) -> None:
    with pytest.raises(ValueError):  # PyYAML's own: no line, and not a YAMLError
        yaml.load(text, Loader=yaml.SafeLoader)
    for loader in LOADERS:
        with pytest.raises(yaml.MarkedYAMLError) as ours:
            load_yaml(text, "t.yaml", loader)
        assert ours.value.problem_mark is not None and ours.value.problem_mark.line == 0
        assert "cannot hold 'x'" in str(ours.value) or "cannot hold '2024-13-45'" in str(ours.value)


@pytest.mark.parametrize("command", [["validate", "{path}"], ["--catalog", "{path}", "list"]])
def test_a_value_its_tag_cannot_hold_is_one_clear_error(run: Any, tmp_path: Path, command: list[str]) -> None:
    # a traceback before: PyYAML raises a bare ValueError for "!!int x" and for a 13th month
    path = tmp_path / "bad.yaml"
    path.write_text("tools:\n  - id: x\n    stars: !!int x\n", encoding="utf-8")
    result = run(*[part.format(path=path) for part in command])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    said = [line for line in result.output.splitlines() if "!!int cannot hold 'x'" in line]
    assert len(said) == 1 and said[0].startswith(f"{path}:3: error: ")  # once: not also as a loaders' disagreement


def test_dates_stay_dates() -> None:
    assert load_yaml("d: 2024-02-29\n", "t.yaml") == {"d": datetime.date(2024, 2, 29)}
