"""Regenerate the awesome list (Markdown) from the catalog.

Maintainers edit the YAML and generate the list's README from it, so the
output is deterministic: the seed's structure, entries sorted, no timestamps,
the same bytes on every run.
"""

from __future__ import annotations

from ppml_cli.model import Entry, Kind, Reference, Technique, Tool, Tutorial
from ppml_cli.results import CatalogDump
from ppml_cli.textsafe import one_line

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
}


def _anchor(title: str) -> str:
    keep = "".join(c for c in title.lower() if c.isalnum() or c in " -")
    return keep.replace(" ", "-")


def _category_order(category: str) -> tuple[int, str]:
    order = list(CATEGORY_TITLES)
    return (order.index(category) if category in order else len(order), category)


def _title(category: str) -> str:
    return CATEGORY_TITLES.get(category, category.replace("-", " ").title())


def _item(entry: Entry) -> str:
    name = one_line(entry.name)
    text = f"[{name}]({entry.url})" if entry.url else name
    if isinstance(entry, Reference):
        authors = list(entry.authors)
        who = ""
        if len(authors) == 1:
            who = authors[0].split()[-1]
        elif len(authors) == 2:
            who = f"{authors[0].split()[-1]} & {authors[1].split()[-1]}"
        elif authors:
            who = f"{authors[0].split()[-1]} et al."
        meta = ", ".join(x for x in (who, str(entry.year) if entry.year else "") if x)
        if meta:
            text = f"[{name} ({meta})]({entry.url})" if entry.url else f"{name} ({meta})"
        return f"- {text} - {one_line(entry.description)}"
    if isinstance(entry, Tool) and entry.status.value in ("deprecated", "legacy"):
        text += f" ({entry.status.value})"
    return f"- {text}"


def _threat_map(technique: Technique, threat_names: dict[str, str]) -> list[str]:
    """What a technique does against each threat it claims, strongest first, and its sourced figures."""
    lines: list[str] = []
    claims = sorted((m for m in technique.mitigates if m.strength.value != "none"), key=lambda m: m.strength.rank)
    if claims:
        lines += ["**Mitigates**:", ""]
        for m in claims:
            condition = f" ({one_line(m.condition)})" if m.condition else ""
            lines.append(
                f"- {threat_names.get(m.threat, m.threat)}: {m.strength.value}{condition}. {one_line(m.reason)}"
            )
        lines.append("")
    if technique.tradeoffs:
        lines += ["**Trade-offs**:", ""]
        for f in technique.tradeoffs:
            lines.append(
                f"- {one_line(f.metric)}: {one_line(f.value)}. Setting: {one_line(f.setting)}. Source: {f.reference}"
            )
        lines.append("")
    return lines


def _by_name(entries: list[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: (e.name.casefold(), e.id))


def _references(entries: list[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: (-(getattr(e, "year", None) or 0), e.name.casefold(), e.id))


def awesome_markdown(dump: CatalogDump) -> list[str]:
    groups = dump.by_kind()
    phases = sorted(groups[Kind.PHASE], key=lambda p: (getattr(p, "order", 0), p.id))
    techniques = [t for t in groups[Kind.TECHNIQUE] if isinstance(t, Technique)]
    tools = [t for t in groups[Kind.TOOL] if isinstance(t, Tool)]
    tutorials = [t for t in groups[Kind.TUTORIAL] if isinstance(t, Tutorial)]
    references = groups[Kind.REFERENCE]
    threat_names = {t.id: one_line(t.name) for t in groups[Kind.THREAT]}

    sections: list[tuple[str, list[str]]] = []  # (heading, body lines)
    contents: list[str] = []
    number = 0
    for phase in phases:
        number += 1
        heading = f"{number}. {one_line(phase.name)}"
        contents.append(f"- [{heading}](#{_anchor(heading)})")
        body = [f"## {heading}", "", one_line(phase.description), ""]
        for sub, technique in enumerate((t for t in techniques if t.phase == phase.id), start=1):
            sub_heading = f"{number}.{sub} {one_line(technique.name)}"
            contents.append(f"  - [{sub_heading}](#{_anchor(sub_heading)})")
            body += [f"### {sub_heading}", "", one_line(technique.description), ""]
            body += _threat_map(technique, threat_names)
            used = _by_name([t for t in tools if technique.id in t.techniques])
            if used:
                body += ["**Libraries & Tools**:", ""] + [_item(t) for t in used] + [""]
            refs = _references([r for r in references if technique.id in r.techniques])
            if refs:
                body += ["**References**:", ""] + [_item(r) for r in refs] + [""]
        sections.append((heading, body))

    number += 1
    heading = f"{number}. Libraries & Tools"
    contents.append(f"- [{heading}](#{_anchor(heading)})")
    body = [f"## {heading}", ""]
    categories = sorted({c for t in tools for c in t.categories}, key=_category_order)
    for sub, category in enumerate(categories, start=1):
        sub_heading = f"{number}.{sub} {_title(category)}"
        contents.append(f"  - [{sub_heading}](#{_anchor(sub_heading)})")
        body += [f"### {sub_heading}", ""] + [
            _item(t) for t in _by_name([t for t in tools if category in t.categories])
        ]
        body.append("")
    sections.append((heading, body))

    number += 1
    heading = f"{number}. Tutorials & Resources"
    contents.append(f"- [{heading}](#{_anchor(heading)})")
    body = [f"## {heading}", ""]
    topics = sorted({t.topic or "general" for t in tutorials}, key=_category_order)
    for sub, topic in enumerate(topics, start=1):
        sub_heading = f"{number}.{sub} {_title(topic)}"
        contents.append(f"  - [{sub_heading}](#{_anchor(sub_heading)})")
        items = _by_name([t for t in tutorials if (t.topic or "general") == topic])
        body += [f"### {sub_heading}", ""] + [_item(t) for t in items] + [""]
    sections.append((heading, body))

    unfiled = list(groups[Kind.THREAT])
    if unfiled:
        number += 1
        heading = f"{number}. Privacy Threats (NIST AI 100-2e2025)"
        contents.append(f"- [{heading}](#{_anchor(heading)})")
        body = [f"## {heading}", ""]
        for threat in unfiled:
            line = f"- {_item(threat)[2:]} - {one_line(threat.description)}"
            reason = getattr(threat, "no_known_mitigation", None)
            if reason:
                line += f" No known mitigation: {one_line(reason)}"
            body.append(line)
        body.append("")
        sections.append((heading, body))

    lines = [
        "# Awesome ML Privacy Mitigation",
        "",
        "> Privacy-preserving machine learning techniques, tools and references, by ML lifecycle phase.",
        "",
        "<!-- Generated by `ppml export -o markdown`; edit the catalog YAML, not this file. -->",
        "",
        "## Contents",
        "",
        *contents,
        "",
    ]
    for _, body in sections:
        lines += body
    while lines and lines[-1] == "":
        lines.pop()
    return lines
