"""`ppml search`: ranked, typo-tolerant, filterable, and never crashes on odd input."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ppml_cli.catalog.parse import load_catalog
from ppml_cli.index import Index
from ppml_cli.search import SearchIndex

from .conftest import Run

SEARCH = SearchIndex(Index(load_catalog()))


def top(query: str, n: int = 1) -> list[str]:
    return [h.entry.id for h in SEARCH.search(query, limit=n)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("federated", "federated-learning"),
        ("opacus", "opacus"),
        ("opcaus", "opacus"),
        ("DP-SGD", "dp-training"),
        ("dp sgd", "dp-training"),
        ("MPC", "secure-multi-party-computation"),
        ("homomorphic encryption", "private-inference"),
        ("membership inference", "membership-inference"),
        ("Diffprivlib", "diffprivlib"),
        ("IBM Differential Privacy Library", "diffprivlib"),
        ("python-dp", "pydp"),
        ("Dwork", "dwork2014foundations"),
    ],
)
def test_the_obvious_answer_comes_first(query: str, expected: str) -> None:
    assert top(query) == [expected]


class TestTheIssueExamples:
    """What issue 12 saw go wrong, each now answered right or not at all."""

    def test_machine_unlearning_is_not_a_typo_of_learning(self) -> None:
        hits = SEARCH.search("machine unlearning", limit=5)
        assert hits[0].entry.id in {"machine-unlearning", "bourtoule2021sisa"}
        assert not any("corrected" in reason for h in hits for reason in h.matched)

    def test_trusted_execution(self) -> None:
        assert top("trusted execution") == ["trusted-execution"]

    def test_l_diversity_is_not_an_authors_initial(self) -> None:
        hits = SEARCH.search("l-diversity", limit=3)
        assert hits[0].entry.id in {"machanavajjhala2007ldiversity", "de-identification"}
        assert not any("authors" in reason for h in hits for reason in h.matched)

    def test_concrete_ml(self) -> None:
        assert top("concrete-ml") == ["concrete-ml"]
        assert "ml-privacy-meter" not in top("concrete-ml", 3)

    def test_a_denied_property_does_not_rank_a_tool(self, run_json: Callable[..., Any]) -> None:
        hits = run_json("search", "differentially private synthetic data", "-k", "tool")
        assert hits[0]["id"] != "sdv"
        assert hits[0]["id"] in {"smartnoise-sdk", "pate-gan", "synthcity", "gretel-synthetics", "dp-wizard"}

    def test_train_without_sharing_raw_data_finds_federated_tools(self) -> None:
        found = top("train a model without sharing raw data", 3)
        assert {"flower", "tensorflow-federated", "nvflare", "fed-biomed", "openfl"} & set(found)

    def test_a_leak_check_finds_an_auditing_tool(self) -> None:
        found = top("check whether my model leaks its training data", 3)
        assert {"ml-privacy-meter", "adversarial-robustness-toolbox", "tensorflow-privacy-mia-codelabs"} & set(found)

    def test_dp_sgd_brings_its_paper_and_opacus_to_the_top(self) -> None:
        found = top("DP-SGD", 4)
        assert found[0] == "dp-training"
        assert {"abadi2016dpsgd", "opacus"} <= set(found)

    def test_rappor_brings_its_paper_first(self) -> None:
        assert top("RAPPOR") == ["erlingsson2014rappor"]

    def test_scores_separate_results(self) -> None:
        scores = [h.score for h in SEARCH.search("federated learning framework", limit=10)]
        assert len(set(scores)) >= 8

    def test_explain_says_which_word_was_corrected(self, run: Run) -> None:
        result = run("search", "tensorflow", "privcy", "--explain", "-o", "json")
        matched = [reason for hit in json.loads(result.stdout) for reason in hit["matched"]]
        assert any(reason.startswith("privcy: corrected to 'privacy'") for reason in matched)

    def test_explain_names_corrections_behind_a_misspelt_name_too(self, run: Run) -> None:
        result = run("search", "privcy", "budgt", "--explain", "-o", "json")
        first = json.loads(result.stdout)[0]
        assert first["id"] == "privacy-budget"
        assert "privcy: corrected to 'privacy'" in first["matched"]


def test_search_json_is_an_array_best_first_with_scores(run_json: Callable[..., Any]) -> None:
    hits = run_json("search", "federated")
    assert hits[0]["id"] == "federated-learning"
    scores = [h["score"] for h in hits]
    assert all(isinstance(s, float) for s in scores)
    assert scores == sorted(scores, reverse=True)
    assert {"id", "kind", "name", "url", "phases", "techniques", "description", "score"} <= set(hits[0])


def test_multi_word_query_is_joined(run_json: Callable[..., Any]) -> None:
    hits = run_json("search", "secure", "aggregation")
    assert hits[0]["id"] == "secure-multi-party-computation"  # "secure aggregation" is one of its aliases
    assert "bonawitz2017secagg" in [h["id"] for h in hits[:3]]


def test_filters_apply_to_search(run_json: Callable[..., Any]) -> None:
    hits = run_json("search", "privacy", "--kind", "tool", "--phase", "deployment")
    assert hits
    assert all(h["kind"] == "tool" and "deployment" in h["phases"] for h in hits)


def test_limit_caps_results(run_json: Callable[..., Any]) -> None:
    assert len(run_json("search", "privacy", "--limit", "5")) == 5


def test_a_word_the_catalog_lacks_gives_an_empty_answer_that_says_why(run: Run) -> None:
    result = run("search", "zzqqxxj", "-o", "json")
    assert result.exit_code == 0
    assert result.stdout.strip() == "[]"
    assert "nothing in the catalog matches 'zzqqxxj'" in result.stderr
    table = run("search", "zzqqxxj")
    assert table.exit_code == 0
    assert table.stdout == ""
    assert "nothing in the catalog matches 'zzqqxxj'" in table.stderr
    assert "ppml tree" in table.stderr
    assert "did you mean" not in table.stderr


def test_one_unknown_word_empties_the_answer(run: Run) -> None:
    """Known words do not make up for an unknown one: no invented answers."""
    result = run("search", "machine", "translation", "of", "poetry", "-o", "json")
    assert result.exit_code == 0
    assert result.stdout.strip() == "[]"
    assert "nothing in the catalog matches" in result.stderr
    assert "'poetry'" in result.stderr


def test_a_near_miss_beyond_the_typo_rules_is_suggested(run: Run) -> None:
    result = run("search", "fatr")  # four letters: no typo allowed, but one letter from a tool's name
    assert result.stdout == ""
    assert "nothing in the catalog matches 'fatr'" in result.stderr
    assert "'fate'" in result.stderr.split("did you mean", 1)[1]


def test_a_corrected_word_is_told_on_stderr(run: Run) -> None:
    result = run("search", "federeted", "lerning", "-o", "json")
    assert json.loads(result.stdout)[0]["id"] == "federated-learning"
    assert "read 'federeted' as 'federated', 'lerning' as 'learning'" in result.stderr


def test_a_query_of_common_words_only_says_so(run: Run) -> None:
    result = run("search", "the", "of", "-o", "json")
    assert result.exit_code == 0
    assert result.stdout.strip() == "[]"
    assert "nothing to search for: 'the', 'of'" in result.stderr


def test_filters_that_exclude_every_match_say_no_results(run: Run) -> None:
    table = run("search", "opacus", "--kind", "threat")
    assert table.exit_code == 0
    assert table.stdout == ""
    assert "no results" in table.stderr


def test_explain_shows_the_matching_field(run: Run) -> None:
    result = run("search", "opcaus", "--explain")
    assert "Matched" in result.stdout
    assert "opacus" in result.stdout


def test_score_column_in_table(run: Run) -> None:
    result = run("search", "flower")
    assert "Score" in result.stdout
    assert "100.0" in result.stdout


@pytest.mark.parametrize(
    "query",
    # "H¹E": every word dropped as unmatched, the whole an alias ("HE"), so no word is left to weigh
    ["", "   ", "x" * 10_000, "🔒🤖", "\x00\x1b[31m\x07", ".*+?[](){}|^$\\", "a" * 3, "-", "🔒 federated ✓", "H¹E"],
)
def test_odd_queries_do_not_crash(query: str) -> None:
    hits = SEARCH.search(query, limit=5)
    assert len(hits) <= 5


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.text(max_size=300))
def test_search_never_crashes_and_scores_are_bounded(query: str) -> None:
    hits = SEARCH.search(query)
    for hit in hits:
        assert 0 < hit.score <= 100
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


_labels = st.lists(st.sampled_from(["ab", "abc", "abcd", "Ab-C", "zz top", "b"]), max_size=3)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["Alpha", "Beta", "abcd", "ZZ Top"]), _labels), min_size=1, max_size=8))
def test_the_compact_label_and_word_tables_answer_as_plain_dicts_would(entries: list[tuple[str, list[str]]]) -> None:
    # The search index keeps labels and postings in arrays and one block of bytes (a warm run unpickles
    # them fast); every lookup must answer what a dict of each label and word would.
    from ppml_cli.index import compact
    from ppml_cli.model import Catalog, Tool
    from ppml_cli.search.index import entry_aliases, entry_names

    tools = [
        Tool(id=f"t{n}", name=name, description=f"{name} tool number {n}.", aliases=tuple(aliases))
        for n, (name, aliases) in enumerate(entries)
    ]
    search = SearchIndex(Index(Catalog(entries=tuple(tools))))
    names: dict[str, set[int]] = {}
    aliases: dict[str, set[int]] = {}
    for n, tool in enumerate(tools):
        own = {compact(label) for label in entry_names(tool)} - {""}
        for key in own:
            names.setdefault(key, set()).add(n)
        for key in {compact(label) for label in entry_aliases(tool)} - own - {""}:
            aliases.setdefault(key, set()).add(n)
    for key in {*names, *aliases, "abcde", "", "zzz"}:
        expected = dict.fromkeys(aliases.get(key, ()), (97.0, "exact alias"))
        expected.update(dict.fromkeys(names.get(key, ()), (100.0, "exact name or id")))
        assert search.exact_labels(key) == expected
    for word in ("tool", "number", "alpha", "absent"):
        hits = {h.entry.id for h in search.search(word)}
        holding = {t.id for t in tools if word in t.description.casefold()}
        assert hits == holding


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=40))
def test_cli_search_handles_any_text(query: str) -> None:
    from typer.testing import CliRunner

    from ppml_cli.cli import app

    result = CliRunner().invoke(app, ["search", "-o", "json", "--", query])
    assert result.exit_code == 0, result.output
    assert result.stdout.lstrip().startswith("[")


class TestIntent:
    """Issue 22: what a question asks for, read from the catalog's structure (threats, mitigations, roles)."""

    def test_protect_from_a_threat_asks_for_what_mitigates_it(self, run: Run) -> None:
        result = run("search", "protect training data from membership inference", "-n", "5", "-o", "json")
        found = [e["id"] for e in json.loads(result.stdout)]
        assert {"dp-training", "opacus"} <= set(found)
        assert "choquettechoo2021labelonly" not in found  # an attack paper is not a defence
        assert "ppml recommend --threat membership-inference" in result.stderr

    def test_a_maker_called_protect_ai_does_not_answer_protect(self, run: Run) -> None:
        result = run("search", "protect", "training", "data", "pytorch", "-n", "3", "-o", "json")
        found = [e["id"] for e in json.loads(result.stdout)]
        assert found[0] == "opacus"
        assert "llm-guard" not in found
        assert "ppml recommend --framework pytorch" in result.stderr

    def test_a_question_about_an_attack_asks_for_the_attack(self) -> None:
        assert {"zhu2019dlg", "geiping2020inverting"} <= set(top("gradient inversion in federated learning", 3))

    def test_a_topic_gives_its_tools_before_the_reading(self) -> None:
        found = top("synthetic tabular data", 8)
        assert found.index("ctgan") < 3
        assert "sdv" in found
        first_reference = next(n for n, e in enumerate(found) if SEARCH.index.by_id[e].kind.value == "reference")
        assert first_reference > found.index("ctgan")

    def test_a_legacy_tool_is_not_second_for_its_technique(self) -> None:
        assert "fedscale" not in top("FL", 3)
        assert "helib" not in top("homomorphic encryption tabular", 3)

    def test_evaluating_synthetic_data_finds_what_measures_it(self) -> None:
        found = top("how do I evaluate the privacy of a synthetic dataset", 5)
        assert {"anonymeter", "giomi2023anonymeter", "sdmetrics", "synthcity"} & set(found[:3])
        assert "imbalanced-learn" not in found

    def test_which_epsilon_to_choose_gives_the_guidance_first(self) -> None:
        """The privacy budget page (sourced epsilons of real deployments) before one paper's method."""
        assert top("which epsilon should I choose", 2) == ["privacy-budget", "hsu2014epsilon"]

    @pytest.mark.parametrize("query", ["k-anon", "K-Anon"])
    def test_a_shortened_compound_is_read_as_the_catalog_word(self, query: str) -> None:
        assert {"sweeney2002kanonymity", "de-identification"} & set(top(query, 2))

    def test_dp_fine_tuning_of_gpt2_leads_with_dp_fine_tuning_not_the_attack_on_gpt2(self) -> None:
        """Issue 22: the extraction attack on GPT-2 came first; "differentially private" and
        "fine-tuning" stand together in the DP fine-tuning work, "GPT-2" is only the attack's victim."""
        found = top("differentially private GPT-2 fine-tuning", 3)
        assert found[0] != "carlini2021extracting"
        dp_fine_tuning = {"yu2022dpfinetune", "li2022strongdp", "dp-transformers", "private-transformers", "fastdp"}
        assert found[0] in dp_fine_tuning
        assert len(dp_fine_tuning & set(found)) >= 2

    def test_homomorphic_encryption_on_tabular_data_surfaces_concrete_ml(self) -> None:
        """Issue 22: Concrete ML (FHE for scikit-learn-style and tree models) was missed, legacy HElib 2nd."""
        found = top("homomorphic encryption tabular", 3)
        assert "concrete-ml" in found
        assert "helib" not in found

    def test_usage_statistics_from_phones_finds_local_dp(self) -> None:
        """The data leaves the phones: local DP (its page, or RAPPOR, its deployed form) leads, before
        the central DP statistics page."""
        found = top("collect usage statistics from phones", 3)
        local = {"local-differential-privacy", "erlingsson2014rappor", "xiong2020ldp"}
        assert found[0] in local
        assert found.index("local-differential-privacy") < found.index("dp-statistics")

    def test_made_up_patient_records_are_synthetic_data(self) -> None:
        found = top("make up realistic patient records", 3)
        assert found[0] == "synthetic-data"
        assert "kandpal2022dedup" not in found

    def test_a_question_to_measure_an_attack_favours_what_audits_it(self) -> None:
        found = top("measure how vulnerable my model is to membership inference", 2)
        auditors = {e.id for e in SEARCH.index.entries if "membership-inference" in getattr(e, "audits", ())}
        assert set(found) <= auditors

    def test_a_kind_word_in_the_catalogs_own_phrase_is_searched_for(self) -> None:
        """ "implementation" asks for tools, but "is a DP implementation correct" is DP-Auditorium's phrase."""
        hits = SEARCH.search("check whether my DP implementation actually gives the promised epsilon", limit=1)
        assert hits[0].entry.id == "dp-auditorium"
        assert any(reason.startswith("implementation:") for reason in hits[0].matched)


class TestIgnoredWords:
    """Issue 22: an everyday word the catalog never uses does not empty a fair question."""

    def test_words_the_catalog_never_uses_are_ignored_and_said(self, run: Run) -> None:
        result = run("search", "a competitor cloned our model by querying it", "-n", "3", "-o", "json")
        assert result.exit_code == 0
        found = [e["id"] for e in json.loads(result.stdout)]
        assert {"model-extraction", "tramer2016stealing"} & set(found)
        assert "ignored 'competitor', 'cloned'" in result.stderr

    def test_a_question_with_one_domain_word_is_answered(self, run: Run) -> None:
        result = run("search", "customer", "support", "chat", "LLM", "-o", "json")
        assert json.loads(result.stdout)
        assert "ignored 'customer'" in result.stderr

    @pytest.mark.parametrize(
        "query",
        [
            "music genre classification",
            "train yolo on custom images",
            "best laptop for deep learning",
            "react state management library",
            "speech recognition for podcasts",
        ],
    )
    def test_out_of_scope_questions_stay_empty(self, run: Run, query: str) -> None:
        result = run("search", query, "-o", "json")
        assert result.exit_code == 0
        assert result.stdout.strip() == "[]"
        assert "ignored" not in result.stderr


ASKED_WORDS = st.sampled_from(["competitor", "colleague", "quickly", "yesterday", "zzqqxxj"])
DOMAIN_QUERIES = st.sampled_from(["membership inference", "differential privacy", "federated learning", "opacus"])


@settings(max_examples=40, deadline=None)
@given(DOMAIN_QUERIES, st.lists(ASKED_WORDS, min_size=1, max_size=1))
def test_an_unknown_word_beside_a_domain_question_is_ignored_never_invented(query: str, extra: list[str]) -> None:
    """An unknown word next to a domain question: answered as the question alone would be, the word named."""
    plain = top(query, 5)
    answer = SEARCH.answer(f"{query} {' '.join(extra)}", limit=5)
    assert answer.ignored == tuple(extra)
    assert answer.hits
    assert answer.hits[0].entry.id in plain


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="qxzjkvw", min_size=3, max_size=8), min_size=1, max_size=4))
def test_unknown_words_alone_are_never_answered(words: list[str]) -> None:
    """Without a word of the catalog's own labels, nothing is ignored and nothing is answered."""
    answer = SEARCH.answer(" ".join(words))
    assert answer.ignored == ()
    assert answer.hits == []
    assert answer.unmatched
