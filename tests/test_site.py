"""``ppml site``: the static website, built offline into a temporary directory and read back as files.

What a browser does with it (search, the advisor, axe-core) is in test_site_browser.py,
behind the ``browser`` marker; these tests need neither a browser nor the network.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ppml_cli.evaluate.records import Evaluation as Measured
from ppml_cli.evaluate.records import Measurement
from ppml_cli.model import Kind, replace
from ppml_cli.net.link_check import LinkResult
from ppml_cli.recommend.engine import recommend
from ppml_cli.recommend.rules import Advice, load_advice
from ppml_cli.session import Session
from ppml_cli.site.advisor import (
    MAX_COMBINATIONS,
    advisor_data,
    combinations,
    expand,
    form_questions,
    key_for,
    situation_for,
)
from ppml_cli.site.build import (
    ADVISOR_BUDGET,
    CSP,
    PAGE_BUDGET,
    PAGE_KINDS,
    build_site,
    heaviest_page,
    page_path,
    page_weight,
    safe_url,
)
from ppml_cli.site.evaluations import evaluations_from, load_evaluations

from .conftest import MINIMAL, Run, modules_imported
from .test_output_safety import HOSTILE

TOOL = "opacus"


@pytest.fixture(scope="module")
def session() -> Session:
    return Session()


@pytest.fixture(scope="module")
def site(session: Session, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled catalog's site, built once for the module (link results and evaluations injected)."""
    out = tmp_path_factory.mktemp("site") / "public"
    links = {
        "https://github.com/meta-pytorch/opacus": LinkResult(
            url="https://github.com/meta-pytorch/opacus", ok=True, status=200, final_url=None, error=None, elapsed_ms=0
        )
    }
    evaluations = evaluations_from([measured(TOOL, "dp-training", "accuracy", {1.0: 0.8, 8.0: 0.9})])
    build_site(session.index, load_advice(), out, link_results=links, evaluations=evaluations)
    return out


@pytest.fixture
def hostile_site(run: Run, write_catalog: Callable[..., Path], tmp_path: Path) -> Path:
    """A small catalog with script, markup and javascript: URLs in every field a page shows, built by the CLI."""
    out = tmp_path / "hostile-site"
    result = run(
        "--no-bundled", "--catalog", str(write_catalog(MINIMAL)), "--catalog", str(write_catalog(HOSTILE)),
        "site", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return out


def pages(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*.html") if "assets" not in p.relative_to(out).parts)


# -------------------------------------------------------------------- building


def test_every_entry_has_a_page_and_the_site_has_its_sections(site: Path, session: Session) -> None:
    for kind in PAGE_KINDS:
        for entry in session.index.of_kind(kind):
            page = site / page_path(entry)
            assert page.is_file(), entry.id
        assert (site / kind.value / "index.html").is_file()
    for name in ("index.html", "search.html", "advisor.html", "threats.html", "assets/search-data.js"):
        assert (site / name).is_file(), name
    license_file = site / "assets" / "vendor" / "minisearch" / "LICENSE.txt"
    assert "Permission is hereby granted, free of charge" in license_file.read_text()


def test_an_entry_page_shows_what_show_knows(site: Path, session: Session) -> None:
    from ppml_cli.queries import show_entry

    detail = show_entry(session.index, "membership-inference").to_data()
    html = (site / "threat" / "membership-inference.html").read_text()
    for mitigation in detail["mitigated_by"]:
        assert f'href="../technique/{mitigation["id"]}.html"' in html
        if mitigation["condition"]:
            assert escaped(mitigation["condition"]) in html
    assert escaped(detail["nist_id"]) in html


def escaped(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


def test_a_tool_page_has_its_quickstart_link_status_and_evaluation_chart(site: Path, session: Session) -> None:
    from ppml_cli.quickstart import find_quickstart

    html = (site / "tool" / f"{TOOL}.html").read_text()
    assert escaped(find_quickstart(session.index, TOOL).code) in html
    assert "worked when last checked (HTTP 200)" in html
    assert '<svg class="chart"' in html and html.count("<circle") == 2


def test_a_reference_page_has_the_cli_citations(site: Path, session: Session) -> None:
    from ppml_cli.bibliography import citations
    from ppml_cli.render.citations import apa, bibtex

    reference = session.index.get("shokri2017membership")
    html = (site / page_path(reference)).read_text()
    (citation,) = citations([reference])
    assert escaped(bibtex(citation)) in html
    assert escaped(apa(citation)) in html
    assert 'data-copy="cite-bibtex"' in html


def test_the_threat_map_is_a_matrix_of_techniques_and_threats(site: Path, session: Session) -> None:
    html = (site / "threats.html").read_text()
    threats = session.index.of_kind(Kind.THREAT)
    techniques = session.index.of_kind(Kind.TECHNIQUE)
    assert html.count('<th scope="col">') == len(threats) + 1
    assert html.count('<th scope="row">') == len(techniques)
    assert "at a small epsilon (about 1 or less)" in html
    assert html.count('<td class="s-strong">') == sum(
        1 for t in techniques for m in getattr(t, "mitigates", ()) if m.strength.value == "strong"
    )


def test_search_data_holds_the_aliases_and_the_cli_stop_words(site: Path) -> None:
    from ppml_cli.search.words import STOPWORDS

    text = (site / "assets" / "search-data.js").read_text()
    assert text.startswith("window.PPML_SEARCH = ")
    data = json.loads(text.removeprefix("window.PPML_SEARCH = ").rstrip().rstrip(";"))
    by_id = {d["id"]: d for d in data["documents"]}
    assert "PATE" in by_id["papernot2017pate"]["aliases"]
    assert "pate" in by_id["papernot2017pate"]["labels"]
    assert set(data["stopwords"]) == set(STOPWORDS)


def test_a_user_catalog_builds_the_same_way(run: Run, write_catalog: Callable[..., Path], tmp_path: Path) -> None:
    out = tmp_path / "mine"
    result = run("--no-bundled", "--catalog", str(write_catalog(MINIMAL)), "site", str(out), "-o", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["by_kind"]["tools"] == 1
    assert (out / "tool" / "toy.html").is_file()
    assert "Toy Tool" in (out / "index.html").read_text() or "Toy Tool" in (out / "tool" / "index.html").read_text()


def test_a_directory_ppml_did_not_build_is_refused_and_its_own_is_rebuilt(run: Run, tmp_path: Path) -> None:
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("mine")
    refused = run("site", str(foreign))
    assert refused.exit_code == 2
    assert "not built by ppml site" in refused.stderr
    assert (foreign / "keep.txt").read_text() == "mine"


def test_rebuilding_replaces_the_old_build(run: Run, write_catalog: Callable[..., Path], tmp_path: Path) -> None:
    out = tmp_path / "site"
    catalog = write_catalog(MINIMAL)
    assert run("--no-bundled", "--catalog", str(catalog), "site", str(out)).exit_code == 0
    (out / "tool" / "stale.html").write_text("old")
    assert run("--no-bundled", "--catalog", str(catalog), "site", str(out)).exit_code == 0
    assert not (out / "tool" / "stale.html").exists()
    assert (out / "tool" / "toy.html").is_file()


def test_formats_other_than_table_and_json_are_refused_before_building(run: Run, tmp_path: Path) -> None:
    result = run("site", str(tmp_path / "x"), "-o", "csv")
    assert result.exit_code == 2
    assert "table, json" in result.stderr
    assert not (tmp_path / "x").exists()


def test_without_jinja2_the_command_says_how_to_install_it(
    run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "jinja2", None)  # import jinja2 raises ImportError
    result = run("site", str(tmp_path / "x"))
    assert result.exit_code == 2
    assert 'pip install "ppml-cli[site]"' in result.stderr
    assert "Traceback" not in result.stderr


# -------------------------------------------------------------------- safety


def test_every_page_declares_the_policy_and_has_no_inline_script(site: Path, hostile_site: Path) -> None:
    for page in pages(site) + pages(hostile_site):
        html = page.read_text()
        assert f'<meta http-equiv="Content-Security-Policy" content="{escaped(CSP)}">' in html, page
        assert html.count('http-equiv="Content-Security-Policy"') == 1
        for tag in re.findall(r"<script[^>]*>", html):
            assert re.fullmatch(r'<script src="[^"]+\.js">', tag), (page, tag)
        assert "<script></script>" not in html
        assert not re.search(r"<[^>]*\son[a-z]+=", html), page  # no inline event handler in any tag
    assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP


def test_hostile_catalog_text_is_escaped_everywhere(hostile_site: Path) -> None:
    for page in pages(hostile_site):
        html = page.read_text()
        assert "<script>alert" not in html and "<img src=" not in html and "<b>html</b>" not in html, page
        assert "javascript:" not in "".join(re.findall(r'(?:href|src)="([^"]*)"', html)), page
    html = (hostile_site / "tool" / "scripted.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<span class="nolink">javascript:alert(4)</span>' in html
    reference = (hostile_site / "reference" / "evil-paper.html").read_text()
    assert "&lt;img src=y onerror=alert(7)&gt;" in reference


def test_links_go_only_to_pages_of_the_site_or_http_https_mailto(site: Path, hostile_site: Path) -> None:
    for out in (site, hostile_site):
        for page in pages(out):
            html = page.read_text()
            for target in re.findall(r'(?:href|src|action)="([^"]*)"', html):
                scheme = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*):", target)
                if scheme is None:  # relative: must stay inside the site
                    assert (page.parent / target.split("?")[0].split("#")[0]).resolve().is_relative_to(out.resolve())
                else:
                    assert scheme.group(1) in ("http", "https", "mailto") or target == "data:,", (page, target)


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://example.org/a", True),
        ("http://example.org", True),
        ("mailto:a@example.org", True),
        ("javascript:alert(1)", False),
        ("JavaScript:alert(1)", False),
        ("data:text/html,<script>", False),
        ("vbscript:x", False),
        ("//evil.example/x", False),
        ("", False),
        (None, False),
    ],
)
def test_safe_url_keeps_only_web_and_mail_addresses(url: str | None, kept: bool) -> None:
    assert (safe_url(url) is not None) is kept


# -------------------------------------------------------------------- budget


def test_pages_stay_within_the_budget(site: Path) -> None:
    """Every page with the scripts and styles it loads under 300 KB; the advisor with its plans under 1.5 MB."""
    page, weight = heaviest_page(site)
    assert weight <= PAGE_BUDGET, page
    assert page_weight(site, "index.html") <= PAGE_BUDGET
    assert page_weight(site, "advisor.html") <= ADVISOR_BUDGET


# -------------------------------------------------------------------- advisor


def test_the_advisor_page_data_is_the_engine_plan_for_every_combination(site: Path, session: Session) -> None:
    text = (site / "assets" / "advisor-data.js").read_text()
    data = json.loads(text.removeprefix("window.PPML_ADVISOR = ").rstrip().rstrip(";"))
    advice = load_advice()
    questions, _ = form_questions(session.index, advice)
    keys = [key_for(values) for values in combinations(questions)]
    assert sorted(data["keys"]) == sorted(keys)
    for values in combinations(questions):
        plan = recommend(session.index, advice, situation_for(questions, values)).to_data()
        assert expand(data, key_for(values)) == plan, values


def test_the_on_device_keyboard_answers_are_offered(session: Session) -> None:
    questions, _ = form_questions(session.index, load_advice())
    asked = {q.id: q for q in questions}
    assert {"protect", "deploy", "data"} <= set(asked)
    key = key_for(
        [
            "training-data" if q.id == "protect" else {"deploy": "on-device", "data": "text"}.get(q.id, q.choices()[0])
            for q in questions
        ]
    )
    assert key in {key_for(v) for v in combinations(questions)}


def test_form_questions_follow_the_rules_not_a_list(session: Session) -> None:
    """A question's answers, and the questions themselves, come from the advice rules."""
    advice = load_advice()
    deploy = advice.question("deploy")
    assert deploy is not None
    fewer = replace(deploy, answers=deploy.answers[:2], prompt="Where does it run?")
    changed = replace(advice, questions=tuple(fewer if q.id == "deploy" else q for q in advice.questions))
    asked, _ = form_questions(session.index, changed)
    (form,) = [q for q in asked if q.id == "deploy"]
    assert form.prompt == "Where does it run?"
    assert form.choices() == ["", *(a.value for a in deploy.answers[:2])]
    without = replace(advice, questions=tuple(q for q in advice.questions if q.id != "deploy"))
    assert "deploy" not in {q.id for q in form_questions(session.index, without)[0]}


def test_the_form_stays_within_the_combination_budget_and_names_what_it_leaves_out(session: Session) -> None:
    advice = load_advice()
    asked, left = form_questions(session.index, advice)
    total = 1
    for question in asked:
        total *= len(question.choices())
    assert total <= MAX_COMBINATIONS
    assert {q.id for q in asked} | {q.id for q in left} == {q.id for q in advice.questions}
    frameworks = advice.question("framework")
    assert frameworks is not None and frameworks in left  # answers drawn from the catalog: terminal only


def test_advisor_data_can_use_an_injected_planner(session: Session) -> None:
    """The data keeps whatever the planner returns, interned and expanded back unchanged."""
    advice: Advice = load_advice()

    def planner(situation: Any) -> dict[str, Any]:
        return {"inputs": {"deploy": list(situation.get("deploy"))}, "techniques": [{"id": "x"}, {"id": "x"}], "n": 1}

    data = advisor_data(session.index, advice, plan_of=planner).to_data()
    some_key = next(iter(data["keys"]))
    assert expand(data, some_key)["techniques"] == [{"id": "x"}, {"id": "x"}]
    assert data["pool"].count({"id": "x"}) == 1


# -------------------------------------------------------------------- evaluations


def measured(tool: str, family: str, metric: str, by_epsilon: dict[float | None, float], **info: Any) -> Measured:
    """A measured result as ``ppml evaluate`` records it: one value per repetition at each epsilon."""
    return Measured(
        family=family,
        tool=tool,
        quick=False,
        status="ok",
        provenance=(("reps", 2), ("date", "2026-12-05T00:00:00Z"), *info.items()),
        measurements=tuple(
            Measurement(metric=metric, setting=(("epsilon", epsilon),), values=(value, value))
            for epsilon, value in by_epsilon.items()
        ),
    )


def test_evaluations_absent_means_none(tmp_path: Path) -> None:
    assert load_evaluations(tmp_path / "missing.yaml") == {}
    bad = tmp_path / "bad.yaml"
    bad.write_text("evaluations: [")
    assert load_evaluations(bad) == {}


def test_the_shipped_evaluations_are_those_show_calls_measured_here() -> None:
    from ppml_cli.evaluate import evaluations_for, measured_here

    found = load_evaluations()
    assert found, "data/evaluations.yaml ships measured results"
    for tool, shown in found.items():
        titles = [e.title for e in shown]
        assert titles == [
            s["title"] + (" (quick run)" if s["quick"] else "") for s in measured_here(evaluations_for(tool))
        ]


def test_a_tampered_result_is_not_shown(tmp_path: Path) -> None:
    from ppml_cli.evaluate import records

    path = tmp_path / "evaluations.yaml"
    records.save((measured("opacus", "dp-training", "accuracy", {1.0: 0.8, 8.0: 0.9}),), path)
    assert set(load_evaluations(path)) == {"opacus"}
    path.write_text(path.read_text().replace("0.9", "0.99"))
    assert load_evaluations(path) == {}


def test_the_headline_metric_is_charted_against_epsilon_and_failures_are_facts() -> None:
    failed = Measured(
        family="encrypted-inference", tool="a", quick=False, status="failed", provenance=(), reason="did not import"
    )
    found = evaluations_from([measured("a", "dp-aggregates", "abs_error", {0.5: 3.0, 2.0: 1.0, None: 0.0}), failed])
    charted, failure = found["a"]
    assert charted.chart is not None and charted.chart.x_label == "epsilon" and charted.chart.y_label == "abs_error"
    assert charted.chart.points == ((0.5, 3.0), (2.0, 1.0))  # no point without an epsilon
    assert charted.columns == ("metric", "setting", "mean", "95% interval") and len(charted.rows) == 3
    assert failure.chart is None and ("why", "did not import") in failure.facts


def test_hostile_evaluation_text_is_escaped(write_catalog: Callable[..., Path], tmp_path: Path) -> None:
    out = tmp_path / "site"
    index = Session([write_catalog(MINIMAL)], bundled=False).index
    hostile = measured("toy", "<script>alert(1)</script>", "<b>", {1.0: 1.0, 2.0: 2.0}, command="<i>x</i>")
    build_site(index, load_advice(), out, link_results={}, evaluations=evaluations_from([hostile]))
    html = (out / "tool" / "toy.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "&lt;b&gt;" in html and "&lt;i&gt;x&lt;/i&gt;" in html


# -------------------------------------------------------------------- serving and start-up


def test_serve_answers_on_loopback_only(site: Path) -> None:
    from ppml_cli.site.serve import HOST, serve_site

    ready: list[str] = []
    stop = threading.Event()
    server = threading.Thread(target=serve_site, args=(site, 0, ready.append, stop), daemon=True)
    server.start()
    try:
        for _ in range(100):
            if ready:
                break
            threading.Event().wait(0.02)
        assert ready and ready[0].startswith(f"http://{HOST}:")
        with urllib.request.urlopen(ready[0] + "index.html", timeout=5) as answer:
            assert b"Privacy-preserving machine learning" in answer.read()
    finally:
        stop.set()
        server.join(5)
    assert not server.is_alive()


def test_other_commands_never_import_jinja2_or_the_site(tmp_path: Path) -> None:
    for argv in (["search", "federated", "-o", "json"], ["--help"]):
        done = modules_imported(argv, tmp_path / "cache")
        assert done.returncode == 0, done.stderr
        assert not {m for m in done.modules if m == "jinja2" or m.startswith(("jinja2.", "ppml_cli.site"))}, argv
