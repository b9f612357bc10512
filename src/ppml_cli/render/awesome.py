"""Regenerate the awesome list (Markdown) from the catalog.

Maintainers edit the YAML and generate the list's README from it, so the
output is deterministic: entries sorted, no timestamps, the same bytes on every
run. It passes awesome-lint (see the README's "Generated awesome list"):

* every entry is linked exactly once, in its *home* section: a tool under its
  first category in "Libraries & Tools", a reference under the first of its
  techniques, a tutorial under its topic, a threat in "Privacy Threats";
* everywhere else an entry is named, in plain text, with the section that
  links it (a technique's tools, a reference's other techniques);
* an address two entries share is linked by the first one only;
* the heading carries the Awesome badge, the contents list matches the
  headings, a "Contributing" section closes the list, and there is no licence
  section (awesome-lint forbids one: the licence is the repository's file).

Catalog text is escaped and only http(s) and mailto addresses become links.
"""

from __future__ import annotations

from collections.abc import Iterable

from ppml_cli.model import Entry, Kind, Reference, Technique, Threat, Tool, Tutorial
from ppml_cli.results import CatalogDump
from ppml_cli.textsafe import markdown_text, markdown_url, one_line

TITLE = "Awesome ML Privacy Mitigation"
BADGE = "[![Awesome](https://awesome.re/badge.svg)](https://awesome.re)"
TAGLINE = "> Privacy-preserving machine learning techniques, tools and references, by ML lifecycle phase."

CATEGORY_TITLES = {
    "differential-privacy": "Differential Privacy",
    "federated-learning": "Federated Learning",
    "secure-computation": "Secure Computation",
    "synthetic-data": "Synthetic Data",
    "privacy-evaluation": "Privacy Evaluation",
    "confidential-computing": "Confidential Computing",
    "de-identification": "De-identification",
    "machine-unlearning": "Machine Unlearning",
    "llm-privacy": "LLM and Generative Model Privacy",
    "other": "Other Tools",
}
#: The category of a tool that names none.
OTHER = "other"


def _anchor(title: str) -> str:
    """GitHub's anchor for a heading's plain text: lower case, punctuation dropped, spaces as dashes."""
    keep = "".join(c for c in title.lower() if c.isalnum() or c in " -_")
    return keep.replace(" ", "-")


def _category_order(category: str) -> tuple[int, str]:
    order = list(CATEGORY_TITLES)
    return (order.index(category) if category in order else len(order) - 1, category)


def _title(category: str) -> str:
    return CATEGORY_TITLES.get(category, category.replace("-", " ").title())


def _home_category(tool: Entry) -> str:
    categories: tuple[str, ...] = getattr(tool, "categories", ())
    return min(categories, key=_category_order) if categories else OTHER


def _by_name(entries: Iterable[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: (e.name.casefold(), e.id))


def _by_year(entries: Iterable[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: (-(getattr(e, "year", None) or 0), e.name.casefold(), e.id))


def _label(entry: Entry) -> str:
    """An entry's name as the list shows it: a reference adds its authors and year."""
    name = markdown_text(entry.name)
    if isinstance(entry, Reference):
        surnames = [a.split()[-1] for a in entry.authors if a.split()]
        who = ""
        if len(surnames) == 1:
            who = surnames[0]
        elif len(surnames) == 2:
            who = f"{surnames[0]} & {surnames[1]}"
        elif surnames:
            who = f"{surnames[0]} et al."
        meta = ", ".join(x for x in (markdown_text(who), str(entry.year) if entry.year else "") if x)
        if meta:
            name = f"{name} ({meta})"
    return name


def _sentence(text: str) -> str:
    """A description as awesome-lint wants it: a capital first letter, a full stop at the end."""
    text = " ".join(text.split())
    if text and text[0].islower():
        text = text[0].upper() + text[1:]
    if text and text[-1] not in ".!?…":
        text += "."
    return markdown_text(text)


class _Links:
    """Hands out each address once: the first entry to ask links it, later ones do not."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def link(self, entry: Entry, label: str) -> str | None:
        url = markdown_url(entry.url)
        if url is None:
            return None
        key = url.split("://", 1)[-1].removeprefix("www.").rstrip("/").casefold()
        if key in self.seen:
            return None
        self.seen.add(key)
        return f"[{label}]({url})"


def _home_item(entry: Entry, links: _Links) -> str:
    """The one list item that links ``entry``."""
    label = _label(entry)
    linked = links.link(entry, label)
    if isinstance(entry, Tool) and entry.status.value in ("deprecated", "legacy"):
        label += f" ({entry.status.value})"
        if linked:
            linked += f" ({entry.status.value})"
    head = linked or label
    description = _sentence(entry.description)
    reason = entry.no_known_mitigation if isinstance(entry, Threat) else None
    if reason:
        description += " No known mitigation: " + _sentence(reason)
    return f"- {head} - {description}" if description else f"- {head}"


def _mention(entry: Entry, where: str) -> str:
    """A list item that names ``entry`` and the section that links it (``where``: a heading, escaped)."""
    return f"- {_label(entry)} (in {where})"


def _threat_map(technique: Technique, threat_names: dict[str, str]) -> list[str]:
    """Paragraphs on what a technique does against each threat it claims, strongest first, and its figures.

    Paragraphs, not list items: awesome-lint holds list items to the "link - description" form.
    """
    paragraphs: list[str] = []
    claims = sorted((m for m in technique.mitigates if m.strength.value != "none"), key=lambda m: m.strength.rank)
    if claims:
        parts = []
        for m in claims:
            condition = f", {one_line(m.condition)}" if m.condition else ""
            parts.append(f"{threat_names.get(m.threat, m.threat)} ({m.strength.value}{condition})")
        paragraphs.append("**Mitigates**: " + markdown_text("; ".join(parts)) + ".")
    if technique.tradeoffs:
        parts = [
            f"{one_line(f.metric)}: {one_line(f.value)} ({one_line(f.setting)}; source: {f.reference})"
            for f in technique.tradeoffs
        ]
        paragraphs.append("**Trade-offs**: " + markdown_text("; ".join(parts)) + ".")
    return paragraphs


class _Outline:
    """Numbered headings and the contents list that mirrors them."""

    def __init__(self) -> None:
        self.contents: list[str] = []
        self.body: list[str] = []
        self.number = 0

    def section(self, title: str) -> None:
        """A numbered ``##`` heading from plain ``title``, and its line in the contents."""
        self.number += 1
        self.sub = 0
        self._heading("##", "", f"{self.number}.", title)

    def subsection(self, title: str) -> None:
        self.sub += 1
        self._heading("###", "  ", f"{self.number}.{self.sub}", title)

    def _heading(self, marks: str, indent: str, number: str, title: str) -> None:
        shown = f"{number} {markdown_text(title)}"
        self.contents.append(f"{indent}- [{shown}](#{_anchor(f'{number} {one_line(title)}')})")
        self.body += [f"{marks} {shown}", ""]

    def paragraph(self, text: str) -> None:
        if text:
            self.body += [text, ""]

    def items(self, lines: list[str], label: str | None = None) -> None:
        if lines:
            if label:
                self.body += [f"**{label}**:", ""]
            self.body += [*lines, ""]


def awesome_markdown(dump: CatalogDump) -> list[str]:
    groups = dump.by_kind()
    phases = sorted(groups[Kind.PHASE], key=lambda p: (getattr(p, "order", 0), p.id))
    techniques = [t for t in groups[Kind.TECHNIQUE] if isinstance(t, Technique)]
    tools = [t for t in groups[Kind.TOOL] if isinstance(t, Tool)]
    tutorials = [t for t in groups[Kind.TUTORIAL] if isinstance(t, Tutorial)]
    threats = [t for t in groups[Kind.THREAT] if isinstance(t, Threat)]
    references = groups[Kind.REFERENCE]
    threat_names = {t.id: one_line(t.name) for t in threats}

    # Section numbers are known before any text is written, so that a mention can name its home.
    phase_ids = {p.id for p in phases}
    phase_groups: list[tuple[str, Entry | None, list[Technique]]] = [
        (p.name, p, [t for t in techniques if t.phase == p.id]) for p in phases
    ]
    orphans = [t for t in techniques if t.phase not in phase_ids]
    if orphans:  # techniques of a phase the catalogs do not define
        phase_groups.append(("Other Techniques", None, orphans))
    technique_heading: dict[str, str] = {}
    position: dict[str, int] = {}
    for number, (_, _, members) in enumerate(phase_groups, start=1):
        for sub, technique in enumerate(members, start=1):
            technique_heading[technique.id] = f"{number}.{sub} {markdown_text(technique.name)}"
            position[technique.id] = len(position)
    tools_number = len(phase_groups) + 1
    categories = sorted({_home_category(t) for t in tools}, key=_category_order)
    category_heading = {c: f"{tools_number}.{i} {markdown_text(_title(c))}" for i, c in enumerate(categories, start=1)}

    def home(reference: Entry) -> str | None:
        """The technique whose section links ``reference``: the first of its techniques in the list."""
        known = [t for t in reference.techniques if t in position]
        return min(known, key=position.__getitem__) if known else None

    links = _Links()
    out = _Outline()
    for title, phase, members in phase_groups:
        out.section(title)
        if phase is not None:
            out.paragraph(_sentence(phase.description))
        for technique in members:
            out.subsection(technique.name)
            out.paragraph(_sentence(technique.description))
            for paragraph in _threat_map(technique, threat_names):
                out.paragraph(paragraph)
            used = _by_name(t for t in tools if technique.id in t.techniques)
            out.items([_mention(t, category_heading[_home_category(t)]) for t in used], "Libraries & Tools")
            items = []
            for ref in _by_year(r for r in references if technique.id in r.techniques):
                where = home(ref)
                items.append(
                    _home_item(ref, links) if where == technique.id else _mention(ref, technique_heading[str(where)])
                )
            out.items(items, "References")

    unplaced = [r for r in references if home(r) is None]
    out.section("Libraries & Tools")
    for category in categories:
        out.subsection(_title(category))
        out.items([_home_item(t, links) for t in _by_name(t for t in tools if _home_category(t) == category)])
        also = _by_name(t for t in tools if category in t.categories and _home_category(t) != category)
        out.items([_mention(t, category_heading[_home_category(t)]) for t in also], "Also")

    if tutorials:
        out.section("Tutorials & Resources")
        for topic in sorted({t.topic or "general" for t in tutorials}, key=_category_order):
            out.subsection(_title(topic))
            out.items([_home_item(t, links) for t in _by_name(t for t in tutorials if (t.topic or "general") == topic)])

    if unplaced:
        out.section("Other References")
        out.items([_home_item(r, links) for r in _by_year(unplaced)])

    if threats:
        out.section("Privacy Threats (NIST AI 100-2e2025)")
        out.items([_home_item(t, links) for t in threats])

    return [
        f"# {TITLE} {BADGE}",
        "",
        TAGLINE,
        "",
        "<!-- Generated by `ppml export -o markdown`; edit the catalog YAML, not this file. -->",
        "",
        "## Contents",
        "",
        *out.contents,
        "",
        *out.body,
        "## Contributing",
        "",
        "This list is generated from a YAML catalog by ppml: "
        "draft an entry with `ppml add`, check it with `ppml validate`, preview it with `ppml show` "
        "and regenerate this file with `ppml export -o markdown`. "
        "See the [contribution guidelines](contributing.md).",
    ]
