"""Comparisons that decide: sourced capability facts of DP-training, FL and HE tools, in compare and show.

The aspects each group must answer are those issue 22 names for it (DP training:
accountants, model and layer support, framework versions, distributed training,
per-sample gradients; FL: topologies, secure aggregation, DP, languages; HE:
schemes, bootstrapping, ML integration); the values are checked against the
sources named in the catalog, not against ppml's output.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from ppml_cli.catalog.loading import load_index
from ppml_cli.model import Aspect, Capability, Kind, Tool

from .conftest import Run

GROUPS = {
    "dp-training": (
        ["opacus", "tensorflow-privacy", "jax-privacy"],
        {"accountants", "model support", "framework versions", "distributed training", "per-sample gradients"},
    ),
    "federated-learning": (
        ["flower", "nvflare", "tensorflow-federated"],
        {"topologies", "secure aggregation", "differential privacy", "languages"},
    ),
    "homomorphic-encryption": (
        ["tenseal", "microsoft-seal", "pyfhel"],
        {"schemes", "bootstrapping", "ml integration"},
    ),
}
ASPECTS = {aspect.value for aspect in Aspect}


def _tool(tool_id: str) -> Tool:
    entry = load_index([], bundled=True).get(tool_id)
    assert isinstance(entry, Tool)
    return entry


def _csv_rows(text: str) -> dict[str, dict[str, str]]:
    return {row["attribute"]: row for row in csv.DictReader(io.StringIO(text))}


class TestCatalogFacts:
    @pytest.mark.parametrize("group", GROUPS)
    def test_every_tool_of_a_group_states_what_the_group_is_compared_on(self, group: str) -> None:
        tools, required = GROUPS[group]
        for tool_id in tools:
            stated = {c.aspect.value for c in _tool(tool_id).capabilities}
            missing = required - stated
            # Microsoft SEAL and Pyfhel have no ML layer to speak of: only TenSEAL must state it.
            if tool_id in ("microsoft-seal", "pyfhel"):
                missing -= {"ml integration"}
            assert not missing, (tool_id, missing)

    def test_every_capability_names_its_source(self) -> None:
        index = load_index([], bundled=True)
        facts = [c for tool in index.of_kind(Kind.TOOL) for c in getattr(tool, "capabilities", ())]
        assert len(facts) >= 50
        for fact in facts:
            assert fact.source.strip() and fact.value.strip()
            assert fact.reference is None or index.get(fact.reference).kind is Kind.REFERENCE

    def test_tensorflow_privacy_states_the_keras_3_failure_and_the_pin_that_works(self) -> None:
        tool = _tool("tensorflow-privacy")
        versions = next(c for c in tool.capabilities if c.aspect is Aspect.FRAMEWORK_VERSIONS)
        assert "Keras 3" in versions.value and "tensorflow<2.16" in versions.value
        assert versions.checked is not None and "2026-12-05" in versions.checked
        assert tool.install is not None and "'tensorflow>=2.14,<2.16'" in tool.install

    def test_opacus_states_that_batchnorm_is_refused_and_how_that_was_checked(self) -> None:
        support = next(c for c in _tool("opacus").capabilities if c.aspect is Aspect.MODEL_SUPPORT)
        assert "BatchNorm is refused" in support.value
        assert support.checked is not None and "ModuleValidator" in support.checked

    def test_summary_keeps_value_source_reference_and_check(self) -> None:
        fact = Capability(aspect=Aspect.SCHEMES, value="CKKS", source="README", reference="r1", checked="ran it")
        assert fact.summary() == "CKKS (source: README; reference: r1; checked: ran it)"


class TestCompare:
    @pytest.mark.parametrize("group", GROUPS)
    def test_compare_shows_at_least_six_sourced_capability_rows(self, run: Run, group: str) -> None:
        tools, _ = GROUPS[group]
        result = run("compare", *tools, "-o", "csv")
        assert result.exit_code == 0, result.stderr
        rows = _csv_rows(result.stdout)
        capability_rows = {name: row for name, row in rows.items() if name in ASPECTS}
        assert len(capability_rows) >= 6, sorted(capability_rows)
        for name, row in capability_rows.items():
            filled = [row[tool] for tool in tools if row[tool]]
            assert filled, name
            assert all("source: " in cell for cell in filled), (name, filled)

    @pytest.mark.parametrize("group", GROUPS)
    def test_markdown_and_table_show_the_same_rows(self, run: Run, group: str) -> None:
        tools, required = GROUPS[group]
        markdown = run("compare", *tools, "-o", "markdown").stdout
        table = run("compare", *tools, env={"COLUMNS": "200"}).stdout
        for aspect in required:
            assert any(line.startswith((f"| {aspect} |", f"| **{aspect}** ≠ |")) for line in markdown.splitlines())
            assert aspect in table

    def test_rows_follow_the_declared_aspect_order_and_mark_differences(self, run: Run) -> None:
        rows = list(_csv_rows(run("compare", "opacus", "jax-privacy", "-o", "csv").stdout))
        stated = [name for name in rows if name in ASPECTS]
        assert stated == [a.value for a in Aspect if a.value in stated]
        markdown = run("compare", "opacus", "jax-privacy", "-o", "markdown").stdout
        assert "| **accountants** ≠ |" in markdown

    def test_json_carries_the_capabilities_and_names_differing_rows(self, run_json: Callable[..., object]) -> None:
        data = run_json("compare", "tenseal", "microsoft-seal")
        assert isinstance(data, list)
        tenseal = data[0]
        facts = {fact["aspect"]: fact for fact in tenseal["capabilities"]}
        assert set(facts["schemes"]) == {"aspect", "value", "source", "reference", "checked"}
        assert "CKKS" in facts["schemes"]["value"] and facts["schemes"]["source"]
        assert "schemes" in tenseal["differs_in"]

    def test_a_tool_without_a_fact_has_an_empty_cell_not_a_guess(self, run: Run) -> None:
        rows = _csv_rows(run("compare", "tenseal", "microsoft-seal", "pyfhel", "-o", "csv").stdout)
        assert rows["ml integration"]["pyfhel"] == ""
        assert rows["encrypted operations"]["microsoft-seal"] == ""


class TestShow:
    def test_show_table_has_a_capabilities_table(self, run: Run) -> None:
        out = run("show", "opacus", env={"COLUMNS": "200"}).stdout
        assert "Capabilities (sourced)" in out
        assert "accountants" in out and "opacus/accountants/registry.py" in out

    def test_show_markdown_lists_each_capability_with_its_source(self, run: Run) -> None:
        out = run("show", "flower", "-o", "markdown").stdout
        assert "### Capabilities" in out
        assert any(line.startswith("- **secure aggregation**: SecAgg and SecAgg+") for line in out.splitlines())
        assert "source: flwr 1.42.0 wheel" in out

    def test_show_json_and_csv(self, run: Run, run_json: Callable[..., object]) -> None:
        data = run_json("show", "pyfhel")
        assert isinstance(data, dict)
        assert {fact["aspect"] for fact in data["capabilities"]} >= {"schemes", "bootstrapping"}
        (row,) = csv.DictReader(io.StringIO(run("show", "pyfhel", "-o", "csv").stdout))
        cells = [json.loads(cell) for cell in row["capabilities"].split("; {")[0:1]]
        assert cells[0]["aspect"] == "schemes"


HOSTILE = """
tools:
  - id: evil-a
    name: Evil A
    url: https://example.org/evil-a
    description: A tool with hostile capability text.
    techniques: [dp-training]
    capabilities:
      - aspect: accountants
        value: "=HYPERLINK(\\"http://evil.example\\",\\"x\\") | pipe [click](javascript:alert(1)) \\x1b]0;title\\x07"
        source: "@SUM(1+1) <script>alert(2)</script>"
  - id: evil-b
    name: Evil B
    url: https://example.org/evil-b
    description: Another tool with hostile capability text.
    techniques: [dp-training]
    capabilities:
      - aspect: accountants
        value: "+cmd|' /C calc'!A0"
        source: README
"""


class TestHostileCapabilities:
    @pytest.fixture
    def catalog(self, write_catalog: Callable[..., Path]) -> Path:
        return write_catalog(HOSTILE)

    def test_csv_neutralises_formulas(self, run: Run, catalog: Path) -> None:
        result = run("--catalog", str(catalog), "compare", "evil-a", "evil-b", "-o", "csv")
        assert result.exit_code == 0, result.stderr
        row = _csv_rows(result.stdout)["accountants"]
        assert row["evil-a"].startswith("'=HYPERLINK") and row["evil-b"].startswith("'+cmd")

    def test_markdown_escapes_pipes_links_and_html(self, run: Run, catalog: Path) -> None:
        for command in (["compare", "evil-a", "evil-b"], ["show", "evil-a"]):
            out = run("--catalog", str(catalog), *command, "-o", "markdown").stdout
            assert "<script>" not in out and "\x1b" not in out
            assert not re.search(r"(?<!\\)\]\(javascript:", out), "a link only with the bracket escaped"
            line = next(line for line in out.splitlines() if "HYPERLINK" in line)
            assert "| pipe" not in line.replace("\\| pipe", "")

    def test_terminal_output_carries_no_escape_sequence(self, run: Run, catalog: Path) -> None:
        for command in (["compare", "evil-a", "evil-b"], ["show", "evil-a"]):
            out = run("--catalog", str(catalog), *command).stdout
            assert "\x1b]" not in out and "\x07" not in out


VALID = """
tools:
  - id: toy
    name: Toy
    url: https://example.org/toy
    description: A toy tool for the tests.
    techniques: [dp-training]
    capabilities:
      - aspect: accountants
        value: RDP
        source: README
"""


SECOND_ACCOUNTANT = "      - aspect: accountants\n        value: PLD\n        source: docs\n"


class TestSchema:
    """The schema comes from the model: a capability is checked as it loads, like a trade-off."""

    def test_a_valid_capability_validates(self, run: Run, write_catalog: Callable[..., Path]) -> None:
        result = run("validate", str(write_catalog(VALID)), "-o", "json")
        assert result.exit_code == 0, result.stdout
        assert json.loads(result.stdout)["errors"] == 0

    @pytest.mark.parametrize(
        ("change", "fragment"),
        [
            (("aspect: accountants", "aspect: vibes"), "'vibes' is not one of: accountants"),
            (("        source: README\n", ""), "source"),
            (("source: README", "source: README\n        reference: no-such-paper"), "unknown reference id"),
            (
                ("source: README\n", "source: README\n" + SECOND_ACCOUNTANT),
                "given more than once",
            ),
        ],
        ids=["unknown-aspect", "no-source", "unknown-reference", "duplicate-aspect"],
    )
    def test_a_broken_capability_is_an_error(
        self, run: Run, write_catalog: Callable[..., Path], change: tuple[str, str], fragment: str
    ) -> None:
        text = VALID.replace(*change)
        assert text != VALID
        result = run("validate", str(write_catalog(text)), "-o", "json")
        report = json.loads(result.stdout)
        assert result.exit_code == 2
        assert any(fragment in problem["message"] for problem in report["problems"]), report["problems"]
