"""The built site in a real headless Chromium: search, the advisor, a tool page, no console errors, axe-core.

Run with ``pytest -m browser`` (``.ci/run`` does, after installing Debian's
``chromium``, Playwright for Python and axe-core from the npm registry). Needs
``/usr/bin/chromium`` (``PPML_CHROMIUM`` names another) and axe-core's
``axe.min.js`` (``PPML_AXE_JS``). Answers are compared with what the CLI's own
core computes in the same run, never with copied output. ``PPML_SCREENSHOTS=DIR``
also saves the README's screenshots there.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ppml_cli.filters import FilterRequest
from ppml_cli.model import Kind
from ppml_cli.queries import search_entries
from ppml_cli.recommend.engine import Situation, recommend
from ppml_cli.recommend.rules import load_advice
from ppml_cli.session import Session
from ppml_cli.site.build import PAGE_KINDS, build_site, page_path
from ppml_cli.site.evaluations import load_evaluations

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("PPML_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: The README's search examples: typos and acronyms.
QUERIES = ("opcaus", "PATE", "SMPC", "LDP")
#: A tool with a quickstart and shipped measured results (a chart of accuracy against epsilon).
TOOL = "opacus"


@pytest.fixture(scope="module")
def session() -> Session:
    return Session()


@pytest.fixture(scope="module")
def site(session: Session, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "public"
    build_site(session.index, load_advice(), out, link_results={}, evaluations=load_evaluations())
    return out


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


class Page:
    """A browser page that records console errors and uncaught exceptions."""

    def __init__(self, browser: Any) -> None:
        self.page = browser.new_page(viewport={"width": 1200, "height": 900})
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def open(self, site: Path, page: str) -> Any:
        self.page.goto((site / page).as_uri() if "?" not in page else (site.as_uri() + "/" + page))
        return self.page


@pytest.fixture
def page(browser: Any) -> Iterator[Page]:
    opened = Page(browser)
    yield opened
    assert opened.errors == [], opened.errors
    opened.page.close()


def hit_ids(page: Any) -> list[str]:
    return [a.get_attribute("data-id") for a in page.query_selector_all("#results a.hit")]


def cli_search(session: Session, query: str) -> list[str]:
    return [e.id for e in search_entries(session, query, FilterRequest(), limit=5).entries]


@pytest.mark.parametrize("query", QUERIES)
def test_search_finds_first_what_ppml_search_finds_first(site: Path, session: Session, page: Page, query: str) -> None:
    shown = page.open(site, f"search.html?q={query}")
    shown.wait_for_selector("#results a.hit")
    expected = cli_search(session, query)
    assert expected, query
    assert hit_ids(shown)[0] == expected[0]
    if query == "opcaus":
        assert expected[0] == "opacus"


def test_search_box_on_every_page_leads_to_results_as_you_type(site: Path, page: Page) -> None:
    shown = page.open(site, "index.html")
    shown.fill("#site-q", "opcaus")
    shown.press("#site-q", "Enter")
    shown.wait_for_selector("#results a.hit")
    assert hit_ids(shown)[0] == "opacus"
    shown.fill("#q", "zzzzqqq")
    shown.wait_for_function("document.querySelectorAll('#results li').length === 0")
    assert "Nothing in the catalog matches" in shown.text_content("#search-status")


def test_advisor_gives_the_cli_plan_for_an_on_device_keyboard_team(site: Path, session: Session, page: Page) -> None:
    """A keyboard app's team: models trained on the phones, text typed by users, training data to protect."""
    plan = recommend(
        session.index, load_advice(), Situation.of(deploy="on-device", data="text", protect=["training-data"])
    ).to_data()
    shown = page.open(site, "advisor.html")
    shown.select_option("#deploy", "on-device")
    shown.select_option("#data", "text")
    shown.check("input[name=protect][value=training-data]")
    shown.wait_for_function("document.getElementById('advisor-command').textContent.indexOf('--deploy on-device') >= 0")
    techniques = [li.get_attribute("data-id") for li in shown.query_selector_all("#plan li.technique")]
    tools = [li.get_attribute("data-id") for li in shown.query_selector_all("#plan li.tool")]
    assert techniques[0] == plan["techniques"][0]["id"]
    summary = shown.text_content("#plan .summary") or ""
    assert plan["summary"]["architecture"] in summary and plan["privacy_unit"]["value"] in summary
    assert techniques == [t["id"] for t in plan["techniques"]]
    assert tools == [t["id"] for t in plan["tools"]]
    command = shown.text_content("#advisor-command")
    assert "--protect training-data" in command and "--data text" in command


def test_advisor_keyboard_only(site: Path, page: Page) -> None:
    """Every control is reached with Tab and answered with the keyboard."""
    shown = page.open(site, "advisor.html")
    shown.focus("#deploy")
    shown.keyboard.press("ArrowDown")  # the first answer after "not said"
    shown.keyboard.press("Tab")
    focused = shown.evaluate("document.activeElement.id")
    assert focused == "data"
    assert shown.eval_on_selector("#deploy", "s => s.value") != ""
    assert shown.query_selector_all("#plan li.technique")


def test_tool_page_shows_its_quickstart_and_evaluation_chart(site: Path, session: Session, page: Page) -> None:
    from ppml_cli.quickstart import find_quickstart

    shown = page.open(site, f"tool/{TOOL}.html")
    code = shown.text_content("#qs-code")
    assert code is not None
    assert code.strip() == find_quickstart(session.index, TOOL).code.strip()
    assert shown.is_visible("#quickstart")
    chart = shown.query_selector("#evaluations svg.chart")
    assert chart is not None and chart.is_visible()
    assert chart.get_attribute("role") == "img"
    assert len(shown.query_selector_all("#evaluations svg.chart circle")) >= 2


def test_reference_page_citations_are_copyable(site: Path, session: Session, page: Page) -> None:
    reference = session.index.of_kind(Kind.REFERENCE)[0]
    shown = page.open(site, f"reference/{reference.id}.html")
    bibtex = shown.text_content("#cite-bibtex") or ""
    assert bibtex.startswith("@")
    shown.click("button[data-copy=cite-bibtex]")
    shown.wait_for_function("document.querySelector('button[data-copy=cite-bibtex]').textContent !== 'Copy BibTeX'")


PAGES_FOR_AXE = ("index.html", "search.html?q=federated", "advisor.html", "threats.html", f"tool/{TOOL}.html")


def test_axe_finds_no_serious_or_critical_violation(site: Path, session: Session, browser: Any) -> None:
    axe = Path(os.environ.get("PPML_AXE_JS", "node_modules/axe-core/axe.min.js"))
    if not axe.is_file():
        pytest.fail(f"axe-core not found at {axe}: set PPML_AXE_JS (npm install axe-core)")
    source = axe.read_text(encoding="utf-8")
    reference = session.index.of_kind(Kind.REFERENCE)[0].id
    threat = session.index.of_kind(Kind.THREAT)[0].id
    found: dict[str, list[str]] = {}
    page = Page(browser)
    for name in (*PAGES_FOR_AXE, f"reference/{reference}.html", f"threat/{threat}.html", "phase/index.html"):
        shown = page.open(site, name)
        shown.wait_for_load_state("load")
        assert page.errors == [], name
        # evaluated through the DevTools protocol: the pages' policy (no inline script) stays on; axe's
        # own attempts to fetch the stylesheets are refused by that policy and logged: not the page's errors
        result = shown.evaluate(source + "\n;axe.run(document, {resultTypes: ['violations']})")
        page.errors.clear()
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']} x{len(v['nodes'])}"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        if bad:
            found[name] = bad
    page.page.close()
    assert found == {}


def test_every_main_page_loads_without_console_errors_over_http(site: Path, session: Session, browser: Any) -> None:
    from ppml_cli.site.serve import serve_site

    ready: list[str] = []
    stop = threading.Event()
    server = threading.Thread(target=serve_site, args=(site, 0, ready.append, stop), daemon=True)
    server.start()
    try:
        for _ in range(100):
            if ready:
                break
            threading.Event().wait(0.05)
        page = Page(browser)
        one_of_each = [
            f"{kind.value}/{name}"
            for kind in PAGE_KINDS
            for name in ("index.html", page_path(session.index.of_kind(kind)[0]).split("/")[1])
        ]
        for name in ("index.html", "advisor.html", "threats.html", *one_of_each, "search.html?q=PATE"):
            page.page.goto(ready[0] + name)
            page.page.wait_for_load_state("load")
        page.page.wait_for_selector("#results a.hit")
        assert page.errors == []
        page.page.close()
    finally:
        stop.set()
        server.join(5)


def test_screenshots_for_the_readme(site: Path, page: Page) -> None:
    target = os.environ.get("PPML_SCREENSHOTS")
    if not target:
        pytest.skip("set PPML_SCREENSHOTS=DIR to save the README's screenshots")
    out = Path(target)
    out.mkdir(parents=True, exist_ok=True)
    shown = page.page
    shown.set_viewport_size({"width": 960, "height": 640})
    page.open(site, "index.html").screenshot(path=str(out / "site-home.png"))
    page.open(site, f"tool/{TOOL}.html").screenshot(path=str(out / "site-tool.png"))
    shown.set_viewport_size({"width": 960, "height": 1100})
    page.open(site, "advisor.html")
    shown.select_option("#deploy", "on-device")
    shown.select_option("#data", "text")
    shown.check("input[name=protect][value=training-data]")
    shown.screenshot(path=str(out / "site-advisor.png"))
