"""The rules of search, each on a small catalog built for it: typos, all words, negation, ranking."""

from __future__ import annotations

import pickle
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ppml_cli.catalog.parse import load_catalog
from ppml_cli.index import Index
from ppml_cli.model import Entry
from ppml_cli.search import MAX_FIELD_CHARS, SearchIndex, analyse, typo_budget

HEAD = """
phases:
  - id: training
    name: Model Training
    order: 1
    description: Fitting the model.
techniques:
  - id: dp-training
    name: DP Training
    phase: training
    description: Clip and noise gradients.
"""


def tool(entry_id: str, name: str, description: str, **fields: str) -> str:
    extra = "".join(f"\n    {key}: {value}" for key, value in fields.items())
    return f"""
  - id: {entry_id}
    name: {name}
    url: https://example.org/{entry_id}
    description: "{description}"
    license: MIT{extra}
"""


@pytest.fixture
def build(tmp_path: Path) -> Callable[[str], SearchIndex]:
    """A search index over the minimal head plus the given entries (a YAML fragment)."""

    def make(body: str) -> SearchIndex:
        path = tmp_path / "catalog.yaml"
        path.write_text(textwrap.dedent(HEAD) + body, encoding="utf-8")
        return SearchIndex(Index(load_catalog([path], bundled=False)))

    return make


def ids(search: SearchIndex, query: str) -> list[str]:
    return [h.entry.id for h in search.search(query)]


class TestTypos:
    def test_the_budget_grows_with_the_word(self) -> None:
        assert [typo_budget(w) for w in ("flow", "flwoer", "privcy", "encription")] == [0, 1, 1, 2]

    def test_a_swap_of_neighbours_is_one_typo(self, build: Callable[[str], SearchIndex]) -> None:
        search = build("tools:" + tool("opacus", "Opacus", "Private training for PyTorch."))
        answer = search.answer("opcaus")
        assert [h.entry.id for h in answer.hits] == ["opacus"]
        assert answer.corrections == {"opcaus": ["opacus"]}
        assert any("opacus" in reason.casefold() for reason in answer.hits[0].matched)

    def test_short_words_are_never_corrected(self, build: Callable[[str], SearchIndex]) -> None:
        search = build("tools:" + tool("fate", "FATE", "Federated platform."))
        assert ids(search, "fatr") == []

    def test_a_wrong_first_letter_counts_twice(self, build: Callable[[str], SearchIndex]) -> None:
        search = build("tools:" + tool("dm", "Minimiser", "Feature selection for smaller models."))
        answer = search.answer("execution")  # one substitution from "selection"? no: three, and one is the first letter
        assert answer.hits == []
        assert answer.unmatched == ("execution",)

    def test_a_catalog_word_is_never_corrected_into_another(self, build: Callable[[str], SearchIndex]) -> None:
        search = build(
            "tools:"
            + tool("learner", "Learner", "Machine learning library.")
            + tool("forget", "Forgetter", "Machine unlearning: remove a user's records from a trained model.")
        )
        answer = search.answer("machine unlearning")
        assert answer.hits[0].entry.id == "forget"
        assert answer.corrections == {}
        assert all("unlearning" not in " ".join(h.matched) for h in answer.hits if h.entry.id == "learner")

    def test_unlearning_is_not_a_typo_of_learning(self, build: Callable[[str], SearchIndex]) -> None:
        search = build("tools:" + tool("learner", "Learner", "Machine learning library."))
        answer = search.answer("machine unlearning")
        assert answer.hits == []
        assert answer.unmatched == ("unlearning",)
        assert answer.suggestions == {}  # "learning" is no near-miss of "unlearning"

    def test_a_correction_is_worth_less_than_the_exact_word(self, build: Callable[[str], SearchIndex]) -> None:
        search = build("tools:" + tool("tenseal", "TenSEAL", "Encrypted tensors."))
        exact = search.search("tenseal")[0].score
        corrected = search.search("tenseel")[0].score
        assert corrected < exact


class TestAllWords:
    def test_every_word_must_match_something(self, build: Callable[[str], SearchIndex]) -> None:
        search = build("tools:" + tool("mt", "Translator", "Machine translation of documents."))
        answer = search.answer("machine translation of poetry")
        assert answer.hits == []
        assert answer.unmatched == ("poetry",)

    def test_a_hyphenated_word_with_a_letter_stays_whole(self, build: Callable[[str], SearchIndex]) -> None:
        body = textwrap.dedent(
            """
            references:
              - id: paper
                name: Diversity of data
                authors: [L. Sweeney]
                description: On diversity.
            """
        )
        search = build(body)
        assert search.answer("l-diversity").unmatched == ("l-diversity",)
        assert ids(search, "diversity") == ["paper"]

    def test_a_short_part_does_not_match_alone(self, build: Callable[[str], SearchIndex]) -> None:
        search = build("tools:" + tool("meter", "ML Privacy Meter", "Audits ML models; concrete examples."))
        assert search.answer("concrete-ml").unmatched == ("concrete-ml",)

    def test_long_parts_of_an_unknown_compound_are_searched_apart(self, build: Callable[[str], SearchIndex]) -> None:
        search = build("tools:" + tool("t", "Trainer", "Differentially private training."))
        assert ids(search, "differentially-private") == ["t"]

    def test_a_compound_in_the_catalog_matches_whole(self, build: Callable[[str], SearchIndex]) -> None:
        search = build("tools:" + tool("t", "Trainer", "Implements DP-SGD for PyTorch."))
        assert ids(search, "dp-sgd") == ["t"]
        assert ids(search, "DP-SGD pytorch") == ["t"]

    def test_language_names_made_of_punctuation_are_words(self, build: Callable[[str], SearchIndex]) -> None:
        search = build("tools:" + tool("seal", "SEAL", "Encryption library in C++.") + tool("j", "J", "In Java."))
        assert ids(search, "C++") == ["seal"]


class TestNegativeEvidence:
    def test_a_denied_property_is_not_a_match(self, build: Callable[[str], SearchIndex]) -> None:
        search = build(
            "tools:"
            + tool("plain", "Plain synth", "Synthetic data generators. Synthesizers are not differentially private.")
            + tool("private", "Private synth", "Differentially private synthetic data.")
        )
        assert ids(search, "differentially private synthetic data")[0] == "private"
        plain = [h for h in search.search("differentially private synthetic data") if h.entry.id == "plain"]
        assert all("differentially" not in reason for h in plain for reason in h.matched)

    def test_cons_are_not_indexed(self, build: Callable[[str], SearchIndex]) -> None:
        search = build("tools:" + tool("t", "Thing", "A library.", cons='["No GPU support."]'))
        assert search.answer("gpu").unmatched == ("gpu",)

    def test_a_name_is_not_prose_a_negation_in_it_denies_nothing(self, build: Callable[[str], SearchIndex]) -> None:
        body = textwrap.dedent(
            """
            references:
              - id: greshake
                name: "Not What You've Signed Up For: Indirect Prompt Injection"
                description: Planted instructions make applications leak data.
            """
        )
        search = build(body)
        assert ids(search, "signed up") == ["greshake"]
        assert ids(search, "Not What You've Signed Up For: Indirect Prompt Injection") == ["greshake"]

    def test_negation_ends_with_the_clause(self) -> None:
        assert analyse("Not private, but fast") == ["fast"]
        assert analyse("It doesn't scale; simple to use") == analyse("simple")


class TestRanking:
    def test_ties_go_to_the_better_maintained_tool_not_the_alphabet(self, build: Callable[[str], SearchIndex]) -> None:
        search = build(
            "tools:"
            + tool("aaa", "Aardvark", "Federated learning framework.", status="low-activity")
            + tool("zzz", "Zebra", "Federated learning framework.", status="active")
        )
        hits = search.search("federated framework")
        assert [h.entry.id for h in hits] == ["zzz", "aaa"]
        assert hits[0].score == hits[1].score

    def test_a_tool_nobody_maintains_scores_less_than_one_that_matches_as_well(
        self, build: Callable[[str], SearchIndex]
    ) -> None:
        """Issue 22: "FL" put legacy FedScale second; a legacy or deprecated tool's word matches count less."""
        search = build(
            "tools:"
            + tool("aaa", "Aardvark", "Federated learning framework.", status="deprecated")
            + tool("bbb", "Badger", "Federated learning framework.", status="legacy")
            + tool("zzz", "Zebra", "Federated learning framework.", status="active")
        )
        hits = search.search("federated framework")
        assert [h.entry.id for h in hits] == ["zzz", "bbb", "aaa"]
        assert hits[0].score > hits[1].score > hits[2].score
        assert search.search("Aardvark")[0].score == 100.0  # its own name still finds it first

    def test_stars_break_ties_between_equally_maintained_tools(self, build: Callable[[str], SearchIndex]) -> None:
        search = build(
            "tools:"
            + tool("aaa", "Aardvark", "Federated learning framework.", status="active")
            + tool("zzz", "Zebra", "Federated learning framework.", status="active")
        )
        asked: list[list[str]] = []

        def stars(entries: list[Entry]) -> dict[str, int]:
            asked.append(sorted(e.id for e in entries))
            return {"zzz": 900, "aaa": 10}

        assert [h.entry.id for h in search.search("federated framework", stars=stars)] == ["zzz", "aaa"]
        assert asked == [["aaa", "zzz"]]
        assert [h.entry.id for h in search.search("federated framework")] == ["aaa", "zzz"]

    def test_a_paper_with_an_implementation_wins_a_tie_over_the_alphabet(
        self, build: Callable[[str], SearchIndex]
    ) -> None:
        body = (
            "tools:"
            + tool("impl", "Implementation", "Code.")
            + textwrap.dedent(
                """
            references:
              - id: aaa
                name: Alpha paper
                description: Secure aggregation protocol.
              - id: zzz
                name: Zeta paper
                description: Secure aggregation protocol.
                tools: [impl]
            """
            )
        )
        hits = build(body).search("secure aggregation protocol")
        assert [h.entry.id for h in hits] == ["zzz", "aaa"]
        assert hits[0].score == hits[1].score

    def test_rare_words_count_more(self, build: Callable[[str], SearchIndex]) -> None:
        search = build(
            "tools:"
            + tool("a", "Alpha", "Privacy library for JAX.")
            + tool("b", "Beta", "Privacy library for privacy people.")
            + tool("c", "Gamma", "Privacy library.")
        )
        assert ids(search, "privacy jax")[0] == "a"

    def test_the_query_as_a_phrase_earns_a_bonus(self, build: Callable[[str], SearchIndex]) -> None:
        search = build(
            "tools:"
            + tool("apart", "Apart", "Inference on models, with membership lists.")
            + tool("phrase", "Phrase", "Membership inference on models.")
        )
        hits = search.search("membership inference")
        assert hits[0].entry.id == "phrase"
        assert "the query as a phrase" in hits[0].matched

    def test_intent_words_steer_the_kind(self, build: Callable[[str], SearchIndex]) -> None:
        body = (
            "tools:"
            + tool("lib", "Fedlib", "Federated averaging library.")
            + textwrap.dedent(
                """
            references:
              - id: fedavg
                name: Federated averaging
                description: Introduces federated averaging.
            """
            )
        )
        search = build(body)
        assert ids(search, "federated averaging paper")[0] == "fedavg"
        assert ids(search, "federated averaging library")[0] == "lib"

    def test_query_words_near_each_other_earn_a_bonus(self, build: Callable[[str], SearchIndex]) -> None:
        search = build(
            "tools:"
            + tool("far", "Far", "Tuning of noisy clipped models, kept fine and private.")
            + tool("near", "Near", "Noisy clipped models, fine tuning kept private.")
        )
        # the same words in the same fields (a tie would go to "Far" by name); only "fine tuning" standing
        # together tells them apart
        assert ids(search, "private fine tuning")[0] == "near"

    def test_two_words_naming_a_technique_earn_no_proximity_bonus(self, build: Callable[[str], SearchIndex]) -> None:
        """Every entry linked to DP Training holds "DP Training" together: it says nothing more about one of them."""
        search = build(
            "tools:"
            + tool("a", "Alpha", "Uses DP training for clipped noisy models.", techniques="[dp-training]")
            + tool("b", "Beta", "Uses DP for clipped noisy models, then training.", techniques="[dp-training]")
        )
        hits = search.search("clipped noisy models dp training")
        assert {h.entry.id for h in hits[:2]} == {"a", "b"}
        assert hits[0].score == hits[1].score

    def test_in_a_question_a_technique_page_follows_its_best_member(self, build: Callable[[str], SearchIndex]) -> None:
        body = "tools:" + tool(
            "opx", "Opx", "Gradient clipping with noise for every batch.", techniques="[dp-training]"
        )
        search = build(body)
        found = ids(search, "clip and noise gradients for every batch")
        assert found[:2] == ["opx", "dp-training"]
        assert ids(search, "DP training")[0] == "dp-training"  # named, the page itself comes first

    def test_an_entry_holding_more_of_the_words_ranks_higher(self, build: Callable[[str], SearchIndex]) -> None:
        """Lucene's coordination factor: all three words in the prose beat two of them in a search phrase.

        By the words' weights alone the phrase would win (35.0 to 33.8); holding two words of three costs it.
        """
        search = build(
            "tools:"
            + tool("two", "Twofish", "A library.", search_phrases='["homomorphic encryption"]')
            + tool("all", "Zama", "Tabular models, with encryption that is homomorphic, for clients and servers.")
        )
        assert ids(search, "homomorphic encryption tabular")[0] == "all"

    def test_british_and_american_spellings_are_one_word(self) -> None:
        assert analyse("memorise") == analyse("memorize") == analyse("memorized")
        assert analyse("anonymisation") == analyse("anonymization")
        assert analyse("compare") == analyse("compared") == analyse("comparing")

    def test_search_phrases_bridge_the_users_words(self, build: Callable[[str], SearchIndex]) -> None:
        search = build(
            "tools:" + tool("fl", "Flower", "Federated learning framework.", search_phrases='["without sharing data"]')
        )
        hits = search.search("train without sharing data")
        assert hits[0].entry.id == "fl"
        assert "without: word in search phrases" in hits[0].matched

    def test_scores_are_bounded_and_stable_across_builds_and_pickling(
        self, build: Callable[[str], SearchIndex]
    ) -> None:
        body = "tools:" + tool("a", "Alpha", "Federated learning.") + tool("b", "Beta", "Learning federated.")
        first = build(body)
        again = pickle.loads(pickle.dumps(first))
        again.attach(first.index)
        for query in ("federated", "learning federated", "alpha", "federeted"):
            hits = first.search(query)
            assert [(h.entry.id, h.score) for h in hits] == [(h.entry.id, h.score) for h in build(body).search(query)]
            assert [(h.entry.id, h.score) for h in hits] == [(h.entry.id, h.score) for h in again.search(query)]
            assert all(0 < h.score <= 100 for h in hits)


class TestLimits:
    def test_words_past_the_field_cap_are_not_indexed(self, build: Callable[[str], SearchIndex]) -> None:
        filler = "privacy " * (MAX_FIELD_CHARS // 8 + 10)
        search = build("tools:" + tool("big", "Big", filler + "needle"))
        assert ids(search, "privacy") == ["big"]
        assert search.answer("needle").unmatched == ("needle",)

    def test_analyse_reads_at_most_the_cap(self) -> None:
        assert len(analyse("word " * (MAX_FIELD_CHARS * 3))) <= MAX_FIELD_CHARS // 5 + 1


_scores = st.dictionaries(
    st.integers(0, 40),
    st.one_of(st.floats(0, 130, allow_nan=False), st.sampled_from([4.99, 5.0, 49.95, 49.96, 50.04, 99.95, 100.0])),
)


@settings(max_examples=300, deadline=None)
@given(_scores, st.one_of(st.none(), st.integers(1, 12)))
def test_the_cut_keeps_the_best_and_every_tie_on_the_shown_score(scores: dict[int, float], limit: int | None) -> None:
    # The cut rounds only what lies near the limit-th best (a large catalog has thousands of
    # candidates); it must keep exactly what rounding every score would keep.
    import heapq

    from ppml_cli.search.ranking import MIN_SCORE, _eligible

    shown = [(round(min(s, 100.0), 1), n) for n, s in scores.items() if s >= MIN_SCORE]
    if limit is not None and len(shown) > limit:
        cutoff = heapq.nlargest(limit, shown)[-1][0]
        shown = [p for p in shown if p[0] >= cutoff]
    assert sorted(_eligible(SearchIndex.__new__(SearchIndex), scores, None, {}, None, limit)) == sorted(shown)
