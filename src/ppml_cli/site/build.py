"""Write the static site: every page from the core's own answers, through autoescaping Jinja2 templates.

What a page says comes from the functions the CLI's commands call (``show``'s
:func:`~ppml_cli.queries.show_entry`, ``tree``'s :func:`~ppml_cli.queries.build_tree`,
``cite``'s renderers, ``quickstart``'s programs, ``recommend``'s engine); this
module only lays it out. Catalog text is untrusted: every template autoescapes,
an external link is written only to an http(s) or mailto address, and each page
carries a Content-Security-Policy that allows scripts only from the site's own
files (there is no inline script). Links between pages are relative, so the
site works from ``file://`` and from any static host, under any path.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

from ppml_cli.errors import OutputFileError
from ppml_cli.index import Index
from ppml_cli.model import Entry, Kind, Record, Technique, Threat
from ppml_cli.recommend.rules import Advice
from ppml_cli.site.advisor import advisor_data
from ppml_cli.site.evaluations import Evaluation, load_evaluations
from ppml_cli.textsafe import LINK_SCHEMES, one_line

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
ASSETS = "assets"
#: A file in the output directory that says ppml built it: only such a directory (or an empty one) is rebuilt.
MARKER = ".ppml-site"
#: The kinds that get a page each, in the order the navigation lists them.
PAGE_KINDS = (Kind.PHASE, Kind.TECHNIQUE, Kind.THREAT, Kind.TOOL, Kind.REFERENCE, Kind.TUTORIAL)
#: Every page but the advisor, with the scripts and styles it loads, stays under this many bytes.
PAGE_BUDGET = 300_000
#: The advisor with its plan data (every combination of its answers) stays under this.
ADVISOR_BUDGET = 1_500_000
#: The policy every page declares: scripts and styles only from the site's own files.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'"
)
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_LOADS = re.compile(r'<(?:script[^>]*\ssrc|link[^>]*\shref)="([^"]+)"')
STRENGTH_ORDER = {"strong": 0, "partial": 1, "weak": 2, "none": 3}


class SiteReport(Record):
    """What ``ppml site`` built: where, how many pages, how long, and how heavy the main pages are."""

    out: str
    pages: int
    by_kind: dict[str, int]
    seconds: float
    #: Bytes of a page with every script and style it loads, for the pages named in :data:`WEIGHED`.
    weights: dict[str, int]
    advisor_questions: tuple[str, ...]
    advisor_plans: int

    def to_data(self) -> dict[str, Any]:
        return {
            "out": self.out,
            "pages": self.pages,
            "by_kind": dict(self.by_kind),
            "seconds": round(self.seconds, 3),
            "weights": dict(self.weights),
            "budget": {"page": PAGE_BUDGET, "advisor": ADVISOR_BUDGET},
            "advisor": {"questions": list(self.advisor_questions), "plans": self.advisor_plans},
        }


def safe_url(url: str | None) -> str | None:
    """``url`` when its scheme may be a link (http, https, mailto), else None (shown as text)."""
    if not url:
        return None
    url = one_line(url)
    scheme, sep, _ = url.partition(":")
    return url if sep and scheme.lower() in LINK_SCHEMES else None


def page_name(entry_id: str) -> str:
    """A file name for an entry's page: the id when it is a plain slug, else a hash of it."""
    if _SLUG.fullmatch(entry_id):
        return f"{entry_id}.html"
    return f"id-{hashlib.sha256(entry_id.encode()).hexdigest()[:16]}.html"


def page_path(entry: Entry) -> str:
    """The page of an entry, relative to the site's root."""
    return f"{entry.kind.value}/{page_name(entry.id)}"


def page_weight(out: Path, page: str) -> int:
    """Bytes of a page and of every local script and stylesheet it loads."""
    path = out / page
    html = path.read_text(encoding="utf-8")
    total = len(html.encode("utf-8"))
    for target in dict.fromkeys(_LOADS.findall(html)):
        if "://" not in target:
            asset = (path.parent / target).resolve()
            if asset.is_file():
                total += asset.stat().st_size
    return total


def prepare_output(out: Path) -> None:
    """Make ``out`` ready: created if missing; refused if it holds files ppml did not write."""
    if out.exists() and not out.is_dir():
        raise OutputFileError(f"{out} exists and is not a directory", hint="name a new or empty directory")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise OutputFileError(
            f"{out} is not empty and was not built by ppml site",
            hint="name a new or empty directory (a directory ppml site built is rebuilt in place)",
        )
    if (out / MARKER).is_file():
        for child in out.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("built by ppml site; rebuilt in place by the next build\n", encoding="utf-8")


def _environment() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=True,  # every template, whatever its name: catalog text is data
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["safe_url"] = safe_url
    env.filters["label"] = lambda key: str(key).replace("_", " ")
    return env


class _Site:
    """One build: the environment, the index, what it has written."""

    def __init__(self, index: Index, out: Path, links: Mapping[str, Any]) -> None:
        self.index = index
        self.out = out
        self.env = _environment()
        self.links = links
        self.written: list[str] = []
        self.pages = {e.id: page_path(e) for e in index.entries if e.kind in PAGE_KINDS}

    def link_status(self, url: str | None) -> dict[str, Any] | None:
        """What ``ppml links`` last found for ``url`` (cached), or None when it has no data."""
        result = self.links.get(url) if url else None
        if result is None:
            return None
        moved = bool(getattr(result, "permanent_redirect", False))
        status = getattr(result, "status", None)
        if not getattr(result, "ok", False):
            text = f"broken when last checked ({getattr(result, 'error', None) or status})"
        elif moved:
            text = f"moved permanently when last checked, to {getattr(result, 'final_url', '')}"
        else:
            text = f"worked when last checked (HTTP {status})" if status else "worked when last checked"
        return {"ok": bool(getattr(result, "ok", False)) and not moved, "text": text}

    def render(self, page: str, template: str, **context: Any) -> None:
        depth = page.count("/")
        root = "../" * depth
        html = self.env.get_template(template).render(
            root=root,
            assets=root + ASSETS + "/",
            csp=CSP,
            page=page,
            entry_href=lambda entry_id: root + self.pages[entry_id] if entry_id in self.pages else None,
            entry_name=lambda entry_id: self.index.by_id[entry_id].name if entry_id in self.index.by_id else entry_id,
            link_status=self.link_status,
            kinds=PAGE_KINDS,
            **context,
        )
        target = self.out / page
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
        self.written.append(page)

    def write_asset(self, name: str, text: str) -> None:
        target = self.out / ASSETS / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def _script_data(variable: str, data: Any) -> str:
    """A script file that sets one global to ``data`` (JSON is a JavaScript literal; a file, so no HTML escaping)."""
    return f"window.{variable} = {json.dumps(data, ensure_ascii=False, separators=(',', ':'))};\n"


def _detail(index: Index, entry: Entry) -> dict[str, Any]:
    from ppml_cli.queries import show_entry

    return show_entry(index, entry.id).to_data()


#: Fields of ``show``'s data that a page lays out in sections of their own; every other one is in its table.
SECTIONED = frozenset(
    {"id", "kind", "name", "description", "url", "related", "mitigated_by", "mitigating_tools", "audited_by"}
    | {"mitigates", "tradeoffs", "quickstart", "github", "corrections"}
)


def _facts(detail: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The entry's other fields, in ``show``'s order, empty ones left out."""
    return [(k, v) for k, v in detail.items() if k not in SECTIONED and v not in (None, "", [], {})]


def _quickstart(index: Index, entry: Entry) -> dict[str, str] | None:
    from ppml_cli.quickstart import command_for, find_quickstart

    if command_for(entry) is None:
        return None
    program = find_quickstart(index, entry.id)
    return {"command": command_for(entry) or "", "install": program.install, "code": program.code}


def _citations(entry: Entry) -> dict[str, str] | None:
    from ppml_cli.bibliography import citations
    from ppml_cli.render.citations import apa, bibtex

    found = citations([entry])
    if not found:
        return None
    return {"bibtex": bibtex(found[0]), "apa": apa(found[0])}


def _fold(text: str) -> str:
    """What search.js's fold() makes of a label: accents removed, lower case, spaces collapsed."""
    import unicodedata

    decomposed = unicodedata.normalize("NFD", text)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).lower().split())


def _search_documents(index: Index, pages: Mapping[str, str]) -> dict[str, Any]:
    from ppml_cli.search.words import STOPWORDS

    names = {e.id: e.name for e in index.entries}
    documents = []
    for number, entry in enumerate(e for e in index.entries if e.id in pages):
        documents.append(
            {
                "n": number,
                "id": entry.id,
                "kind": entry.kind.value,
                "name": entry.name,
                "aliases": " ".join(entry.aliases),
                "phrases": " ".join(entry.search_phrases),
                "techniques": " ".join(names.get(t, t) for t in entry.techniques),
                "authors": " ".join(getattr(entry, "authors", ())),
                "package": getattr(entry, "package", None) or "",
                "description": entry.description,
                "page": pages[entry.id],
                # the whole query as a name, id or alias goes first, as in `ppml search`
                "labels": sorted({_fold(label) for label in (entry.id, entry.name, *entry.aliases)}),
            }
        )
    return {"documents": documents, "stopwords": sorted(STOPWORDS)}


def _threat_matrix(index: Index) -> dict[str, Any]:
    threats = [t for t in index.of_kind(Kind.THREAT) if isinstance(t, Threat)]
    rows = []
    for technique in index.of_kind(Kind.TECHNIQUE):
        if not isinstance(technique, Technique):
            continue
        by_threat = {m.threat: m for m in technique.mitigates}
        cells = []
        for threat in threats:
            m = by_threat.get(threat.id)
            cells.append(
                None
                if m is None
                else {"strength": m.strength.value, "condition": m.condition, "reason": m.reason, "threat": threat}
            )
        rows.append({"technique": technique, "cells": cells})
    return {"threats": threats, "rows": rows}


def build_site(
    index: Index,
    advice: Advice,
    out: Path,
    *,
    repositories: Mapping[str, Any] | None = None,
    link_results: Mapping[str, Any] | None = None,
    evaluations: Mapping[str, list[Evaluation]] | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> SiteReport:
    """Write the whole site into ``out`` and say what was written.

    ``link_results`` are ``ppml links``' cached results by URL (default: read from
    the cache, however old); ``evaluations`` the measured evaluations by tool id
    (default: ``data/evaluations.yaml`` when it exists).
    """
    from ppml_cli.queries import build_tree

    started = clock()
    prepare_output(out)
    if link_results is None:
        from ppml_cli.net.link_cache import load_cached

        link_results = load_cached([u for e in index.entries for u in (e.url, *e.former_urls) if u], float("inf"))
    if evaluations is None:
        evaluations = load_evaluations()
    site = _Site(index, out, link_results)
    shutil.copytree(STATIC, out / ASSETS, dirs_exist_ok=True)

    tree = build_tree(index)
    counts = {kind.plural: len(index.of_kind(kind)) for kind in PAGE_KINDS}
    site.render("index.html", "home.html", title="Privacy-preserving ML catalog", tree=tree, counts=counts)

    for entry in index.entries:
        if entry.kind not in PAGE_KINDS:
            continue
        detail = _detail(index, entry)
        site.render(
            site.pages[entry.id],
            "entry.html",
            title=entry.name,
            entry=entry,
            detail=detail,
            facts=_facts(detail),
            quickstart=_quickstart(index, entry),
            citation=_citations(entry),
            evaluations=evaluations.get(entry.id, []),
        )

    for kind in PAGE_KINDS:
        entries = index.of_kind(kind)
        site.render(f"{kind.value}/index.html", "kind.html", title=kind.plural.capitalize(), kind=kind, entries=entries)

    site.render("threats.html", "threats.html", title="Threat map", matrix=_threat_matrix(index))

    site.write_asset("search-data.js", _script_data("PPML_SEARCH", _search_documents(index, site.pages)))
    site.render("search.html", "search.html", title="Search")

    advisor = advisor_data(index, advice, repositories)
    data = advisor.to_data()
    data["pages"] = {i: {"name": index.by_id[i].name, "href": site.pages[i]} for i in site.pages if i in index.by_id}
    site.write_asset("advisor-data.js", _script_data("PPML_ADVISOR", data))
    site.render("advisor.html", "advisor.html", title="Advisor", advisor=advisor)

    by_kind = {kind.plural: sum(1 for e in index.entries if e.kind is kind) for kind in PAGE_KINDS}
    sample_tool = next((site.pages[e.id] for e in index.of_kind(Kind.TOOL)), None)
    weighed = ["index.html", "search.html", "threats.html", "advisor.html", *([sample_tool] if sample_tool else [])]
    return SiteReport(
        out=str(out),
        pages=len(site.written),
        by_kind=by_kind,
        seconds=clock() - started,
        weights={page: page_weight(out, page) for page in weighed},
        advisor_questions=tuple(q.option for q in advisor.questions),
        advisor_plans=len(advisor.plans),
    )


def write_report(report: SiteReport, fmt: str, out: IO[str]) -> None:
    """The report as JSON, or as a few lines for a person."""
    if fmt == "json":
        out.write(json.dumps(report.to_data(), indent=2) + "\n")
        return
    kinds = ", ".join(f"{n} {plural}" for plural, n in report.by_kind.items())
    out.write(f"wrote {report.pages} pages to {report.out} in {report.seconds:.1f} s ({kinds})\n")
    plans = f"{report.advisor_plans} plans for {' '.join(report.advisor_questions) or 'no question'}"
    out.write(f"advisor: {plans}\n")
    for page, weight in report.weights.items():
        budget = ADVISOR_BUDGET if page == "advisor.html" else PAGE_BUDGET
        out.write(f"{page}: {weight / 1000:.0f} KB with its scripts and styles (budget {budget / 1000:.0f} KB)\n")
    out.write(f"open {report.out}/index.html, or preview it: ppml site {report.out} --serve\n")


def heaviest_page(out: Path, *, skip: frozenset[str] = frozenset({"advisor.html"})) -> tuple[str, int]:
    """The page (other than ``skip``) that weighs the most with its scripts and styles, and its weight."""
    weights = {
        str(p.relative_to(out)): page_weight(out, str(p.relative_to(out)))
        for p in out.rglob("*.html")
        if str(p.relative_to(out)) not in skip and not str(p.relative_to(out)).startswith(ASSETS)
    }
    page = max(weights, key=lambda k: weights[k])
    return page, weights[page]
