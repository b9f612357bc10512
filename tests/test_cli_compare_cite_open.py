"""compare, cite, open, and the bibliographic exports."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import bibtexparser
import pytest

from .conftest import Run

# ------------------------------------------------------------------ compare


def test_compare_json_gives_one_object_per_tool(run_json: Callable[..., Any]) -> None:
    tools = run_json("compare", "opacus", "TF Privacy", "jax_privacy")
    assert [t["id"] for t in tools] == ["opacus", "tensorflow-privacy", "jax-privacy"]
    assert all(t["kind"] == "tool" for t in tools)
    differs = tools[0]["differs_in"]
    assert "frameworks" in differs and "package" in differs
    assert "license" not in differs  # all Apache-2.0


def test_compare_table_marks_differences(run: Run) -> None:
    out = run("compare", "ctgan", "sdmetrics", env={"COLUMNS": "140"}).stdout
    assert "CTGAN" in out and "SDMetrics" in out
    assert "license ≠" in out
    assert "BUSL-1.1" in out and "MIT" in out


def test_compare_csv_is_attributes_by_tools(run: Run) -> None:
    rows = list(csv.DictReader(io.StringIO(run("compare", "opacus", "flower", "-o", "csv").stdout)))
    by_attribute = {r["attribute"]: r for r in rows}
    assert by_attribute["package"]["opacus"] == "opacus"
    assert by_attribute["package"]["flower"] == "flwr"


def test_compare_markdown_is_a_table(run: Run) -> None:
    out = run("compare", "opacus", "flower", "-o", "markdown").stdout
    assert out.startswith("| | [Opacus](")
    assert "| **package** ≠ | opacus | flwr |" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["opacus", "dp-training"], "it is a technique, and compare lines up tools"),
        (["opacus", "shokri2017membership"], "it is a reference"),
        (["opacus"], "at least two different tools"),
        (["opacus", "Opacus Accounting"], "at least two different tools"),
    ],
)
def test_compare_says_what_can_be_compared(run: Run, args: list[str], message: str) -> None:
    result = run("compare", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_compare_unknown_tool_exits_1(run: Run) -> None:
    result = run("compare", "opacus", "opcaus-x")
    assert result.exit_code == 1
    assert "did you mean" in result.stderr


# --------------------------------------------------------------------- cite


def parse_bibtex(text: str) -> Any:
    library = bibtexparser.parse_string(text)  # type: ignore[attr-defined]
    assert not library.failed_blocks, library.failed_blocks
    return library


def test_cite_bibtex_parses_with_stable_keys_and_types(run: Run) -> None:
    out = run(
        "cite", "shokri2017membership", "dwork2014foundations", "nist-ai-100-2e2025", "desfontaines2024empirical"
    ).stdout
    library = parse_bibtex(out)
    by_key = {e.key: e for e in library.entries}
    assert set(by_key) == {
        "shokri2017membership",
        "dwork2014algorithmic",
        "vassilev2025adversarial",
        "desfontaines2024empirical",
    }
    assert by_key["shokri2017membership"].entry_type == "inproceedings"
    assert by_key["dwork2014algorithmic"].entry_type == "book"
    assert by_key["vassilev2025adversarial"].entry_type == "techreport"
    assert by_key["desfontaines2024empirical"].entry_type == "misc"
    shokri = by_key["shokri2017membership"].fields_dict
    assert shokri["author"].value == "Reza Shokri and Marco Stronati and Congzheng Song and Vitaly Shmatikov"
    assert shokri["year"].value == "2017"
    assert shokri["eprint"].value == "1610.05820"


def test_journal_papers_are_articles_and_preprints_misc(run: Run) -> None:
    library = parse_bibtex(run("cite", "chen2020features", "lu2023synthetic").stdout)
    types = {e.key: e.entry_type for e in library.entries}
    assert types == {"chen2020selecting": "article", "lu2023machine": "misc"}


def test_citation_keys_resolve_as_names(run_json: Callable[..., Any]) -> None:
    assert run_json("show", "abadi2016deep")["id"] == "abadi2016dpsgd"
    assert run_json("show", "abadi2016dpsgd")["citation_key"] == "abadi2016deep"


def test_special_characters_are_escaped(run: Run, write_catalog: Callable[..., Path]) -> None:
    path = write_catalog(
        """
        references:
          - id: tricky
            name: "50% of $x_1$ & {braces} #1 ~ ^"
            url: https://example.org/tricky
            authors: [Ada Lovelace, "Ren\\u00e9 O'Brien"]
            year: 2020
            venue: Journal of Odd_Names & Co
            description: A reference with every special character.
            techniques: [dp-training]
        """
    )
    out = run("--catalog", str(path), "cite", "tricky").stdout
    assert r"50\% of \$x\_1\$ \& \{braces\} \#1 \textasciitilde{} \textasciicircum{}" in out
    assert r"Journal of Odd\_Names \& Co" in out
    library = parse_bibtex(out)
    assert library.entries[0].entry_type == "article"
    assert "René" in library.entries[0].fields_dict["author"].value


def test_cite_all_is_a_full_parseable_bibliography(run: Run, run_json: Callable[..., Any]) -> None:
    library = parse_bibtex(run("cite", "--all").stdout)
    references = run_json("list", "--kind", "reference")
    assert len(library.entries) == len(references)
    keys = [e.key for e in library.entries]
    assert len(keys) == len(set(keys))
    assert keys == sorted(keys)


def test_cite_by_technique(run: Run, run_json: Callable[..., Any]) -> None:
    keys = {e.key for e in parse_bibtex(run("cite", "--technique", "FL").stdout).entries}
    assert {
        "mcmahan2017communicationefficient",
        "bonawitz2016practical",
        "konecny2016federated",
        "zhu2019deep",
        "geiping2020inverting",
    } <= keys
    expected = {r["citation_key"] for r in run_json("list", "--technique", "FL", "--kind", "reference")}
    assert keys == expected


def test_apa_and_markdown_styles(run: Run) -> None:
    apa = run("cite", "shokri2017membership", "--style", "apa").stdout
    assert apa.startswith("Shokri, R., Stronati, M., Song, C., & Shmatikov, V. (2017). Membership Inference Attacks")
    assert apa.rstrip().endswith("https://arxiv.org/abs/1610.05820")
    md = run("cite", "ghorbani2019datashapley", "--style", "markdown").stdout
    assert md.startswith(
        "- [Data Shapley: Equitable Valuation of Data for Machine Learning](https://proceedings.mlr.press"
    )
    particle = run("cite", "jordon2019pategan", "--style", "apa").stdout
    assert "van der Schaar, M." in particle


def test_markdown_output_honours_the_style(run: Run) -> None:
    plain = run("cite", "shokri2017membership", "-o", "markdown").stdout
    assert plain == run("cite", "shokri2017membership", "--style", "markdown", "-o", "markdown").stdout
    assert plain.startswith("- [Membership Inference Attacks Against Machine Learning Models](https://arxiv.org")
    apa = run("cite", "shokri2017membership", "abadi2016dpsgd", "--style", "apa", "-o", "markdown").stdout
    lines = apa.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("- Shokri, R., Stronati, M., Song, C., &amp; Shmatikov, V. (2017). Membership Inference")
    assert lines[1].startswith("- Abadi, M., Chu, A.")
    fenced = run("cite", "shokri2017membership", "--style", "bibtex", "-o", "markdown").stdout
    assert fenced.startswith("```bibtex\n@inproceedings{shokri2017membership,")
    assert fenced.endswith("}\n```\n")
    inner = fenced.removeprefix("```bibtex\n").removesuffix("```\n")
    assert parse_bibtex(inner).entries[0].key == "shokri2017membership"


def test_a_style_other_than_bibtex_with_o_bibtex_is_a_usage_error(run: Run) -> None:
    result = run("cite", "shokri2017membership", "--style", "apa", "-o", "bibtex")
    assert result.exit_code == 2
    assert "--style apa cannot be written as -o bibtex" in result.stderr
    assert result.stdout == ""
    assert run("cite", "shokri2017membership", "--style", "bibtex", "-o", "bibtex").exit_code == 0


def test_a_bibtex_block_in_markdown_cannot_be_closed_by_its_content() -> None:
    from ppml_cli.bibliography import citations
    from ppml_cli.model import Reference
    from ppml_cli.render.citations import markdown_citations

    reference = Reference(
        id="tick", name="A ```` title", description="d", url="https://example.org", authors=("A B",), year=2020
    )
    block = markdown_citations(citations([reference]), "bibtex")
    assert block.startswith("`````bibtex\n")
    assert block.endswith("\n`````\n")


def test_cite_json(run_json: Callable[..., Any]) -> None:
    [entry] = run_json("cite", "xu2019ctgan")
    assert entry["key"] == "xu2019modeling"
    assert entry["type"] == "inproceedings"
    assert entry["fields"]["booktitle"] == "NeurIPS 2019"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["opacus"], 2, "cite works on references"),
        ([], 2, "nothing to cite"),
        (["nonexistent-paper-xyz"], 1, "no entry named"),
        (["shokri2017membership", "--style", "mla"], 2, "invalid value for --style"),
    ],
)
def test_cite_errors(run: Run, args: list[str], code: int, message: str) -> None:
    result = run("cite", *args)
    assert result.exit_code == code
    assert message in result.stderr


# ------------------------------------------------------------ bibtex format


def test_export_bibtex_holds_every_reference(run: Run, run_json: Callable[..., Any]) -> None:
    library = parse_bibtex(run("export", "-o", "bibtex").stdout)
    assert len(library.entries) == len(run_json("list", "--kind", "reference"))


def test_list_and_show_speak_bibtex(run: Run, run_json: Callable[..., Any]) -> None:
    listed = parse_bibtex(run("list", "--technique", "FL", "--kind", "reference", "-o", "bibtex").stdout)
    assert len(listed.entries) == len(run_json("list", "--technique", "FL", "--kind", "reference")) >= 5
    shown = parse_bibtex(run("show", "opacus", "-o", "bibtex").stdout)  # a tool: its references
    assert "abadi2016deep" in {e.key for e in shown.entries}


def test_bibtex_of_a_tree_is_a_usage_error(run: Run) -> None:
    result = run("tree", "-o", "bibtex")
    assert result.exit_code == 2
    assert "-o bibtex writes references" in result.stderr


# --------------------------------------------------------------------- open


def test_open_print_only_prints(run: Run) -> None:
    result = run("open", "flower", "--print")
    assert result.exit_code == 0
    assert result.stdout == "https://github.com/flwrlabs/flower\n"


def test_open_hands_the_url_to_the_browser(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []

    def fake_open(url: str) -> bool:
        opened.append(url)
        return True

    monkeypatch.setattr("webbrowser.open", fake_open)
    result = run("open", "opacus")
    assert result.exit_code == 0
    assert opened == ["https://github.com/meta-pytorch/opacus"]
    assert result.stdout == ""


def test_open_without_a_browser_prints_the_address_on_stderr(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("webbrowser.open", lambda url: False)
    result = run("open", "opacus")
    assert "https://github.com/meta-pytorch/opacus" in result.stderr


def test_open_an_entry_without_url(run: Run) -> None:
    result = run("open", "dp-training", "--print")
    assert result.exit_code == 2
    assert "'dp-training' has no URL" in result.stderr


# ---------------------------------------------------------------- export csv


def test_export_csv_has_a_kind_column(run: Run) -> None:
    rows = list(csv.DictReader(io.StringIO(run("export", "-o", "csv").stdout)))
    assert {r["kind"] for r in rows} == {"phase", "technique", "threat", "tool", "reference", "tutorial"}
    opacus = next(r for r in rows if r["id"] == "opacus")
    assert json.loads(json.dumps(opacus["former_urls"])) == "https://github.com/pytorch/opacus"
