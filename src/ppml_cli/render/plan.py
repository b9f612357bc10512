"""A recommendation plan for people: a terminal view in sections, and Markdown for a design document.

Both views show the content of :meth:`Plan.to_data` and decide nothing: the
order, the reasons and the gaps come from the engine. Catalog text is data:
in the terminal it enters Rich as cleaned :class:`~rich.text.Text`, never as
markup; in Markdown it is escaped and only http(s) links are written.
"""

from __future__ import annotations

import re
from typing import IO, Any

from ppml_cli.recommend.plan import Plan
from ppml_cli.render import Format, writes
from ppml_cli.textsafe import clean, markdown_link, markdown_text

SECTIONS = ("Techniques", "Tools", "Privacy budget", "Audit", "Read next", "Not covered")


def situation_line(inputs: dict[str, Any]) -> str:
    from ppml_cli.recommend.rules import QUESTIONS

    parts = []
    for key, label in ((q.id, q.short or q.id) for q in QUESTIONS):
        value = inputs.get(key)
        if value in (None, [], False):
            continue
        shown = "yes" if value is True else ", ".join(value) if isinstance(value, list) else str(value)
        parts.append(f"{label}: {shown}")
    return " · ".join(parts) or "nothing specified (defaults)"


def strength_label(strength: str) -> str:
    """How a person reads a technique's strength; ``none`` means no threat in scope, not no use."""
    if strength == "none":
        return "the architecture: it protects with what it combines with"
    return strength


def _reference_label(plan: Plan, reference_id: str) -> str:
    for entry in plan.references:
        if entry.id == reference_id:
            year = getattr(entry, "year", None)
            return f"{entry.name} ({year})" if year else entry.name
    return reference_id


# ------------------------------------------------------------------ terminal


def summary_rows(data: dict[str, Any]) -> list[tuple[str, str]]:
    """The decision in a few labelled lines: architecture, first techniques and tools, budget, unit, audit."""
    summary = data.get("summary") or {}
    unit = data.get("privacy_unit")
    rows = [
        ("architecture", summary.get("architecture") or ""),
        ("techniques", " → ".join(summary.get("techniques") or ())),
        ("tools", ", ".join(summary.get("tools") or ())),
        ("budget", summary.get("budget") or ""),
        ("unit", f"{unit['value']}. {unit['why']}" if unit else ""),
        ("audit", summary.get("audit") or ""),
    ]
    return [(label, value) for label, value in rows if value]


def tradeoff_line(t: dict[str, Any]) -> str:
    line = f"{t.get('metric')}: {t.get('value')} ({t.get('setting')}) [{t.get('reference')}]"
    return line + (" (from another setting than yours)" if t.get("matches") is False else "")


@writes(Format.TABLE, Plan)
def write_plan_table(plan: Plan, out: IO[str]) -> None:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    from ppml_cli.render.human import console_for

    def text(value: object, style: str = "") -> Text:
        return Text(clean(str(value)) if value is not None else "", style=style)

    console = console_for(out)  # the one console every table uses: NO_COLOR, sane widths
    data = plan.to_data()
    parts: list[Any] = []  # printed at once: a reader that leaves early (| head) is one broken pipe

    class _Collect:
        @staticmethod
        def print(*renderables: Any) -> None:
            parts.append(renderables[0] if renderables else Text(""))

    collect = _Collect()

    def heading(number: int, title: str) -> None:
        collect.print()
        collect.print(text(title.upper(), "bold"))

    def fields(rows: list[tuple[str, object]]) -> None:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column(ratio=1)
        for label, value in rows:
            if value not in (None, "", []):
                grid.add_row(text(label), value if isinstance(value, Text) else text(value))
        collect.print(grid)

    title = text("Privacy plan", "bold")
    title.append_text(text(f"  ({situation_line(data['inputs'])})", "dim"))
    collect.print(title)
    if data["threats"]:
        collect.print(
            text("Threats in scope: ", "bold").append_text(text(", ".join(t["name"] for t in data["threats"])))
        )
    heading(0, "In short")
    fields([(label, value) for label, value in summary_rows(data)])

    heading(1, "Techniques, best first")
    if not data["techniques"]:
        collect.print(text("No technique in the catalog fits; see Not covered.", "dim"))
    for n, item in enumerate(data["techniques"], 1):
        head = text(f"{n}. {item['name']}", "bold magenta")
        head.append_text(text(f"  {item['id']} · {strength_label(item['strength'])}", "dim"))
        collect.print(head)
        situational = next(t for t in plan.techniques if t.entry.id == item["id"]).why
        against = "\n".join(
            f"{m['threat']}: {m['strength']}"
            + (f" ({m['condition']})" if m.get("condition") else "")
            + f": {m['reason']}"
            for m in item["mitigates"]
            if m["strength"] != "none"
        )
        tradeoffs = "\n".join(tradeoff_line(t) for t in item["tradeoffs"])
        fields(
            [
                ("why", " ".join(situational)),
                ("against", against),
                ("costs", item["costs"]),
                ("trade-offs", tradeoffs),
                ("combine with", ", ".join(item["combine_with"])),
            ]
        )

    heading(2, "Tools")
    if not data["tools"]:
        collect.print(text("No tool in the catalog fits; see Not covered.", "dim"))
    status_style = {"active": "green", "low-activity": "yellow", "legacy": "red", "deprecated": "bold red"}
    for item in data["tools"]:
        head = text(item["name"], "bold cyan")
        head.append_text(text(f"  {item['id']} · ", "dim"))
        head.append_text(text(item["status"] or "unknown", status_style.get(item["status"] or "", "")))
        head.append_text(text(f" · {item['license'] or 'licence unknown'}", "dim"))
        collect.print(head)
        fields(
            [
                ("install", item["install"]),
                ("for", ", ".join(item["techniques"])),
                ("why", item["why"]),
                ("caveats", "\n".join(item["caveats"])),
                ("url", item["url"]),
            ]
        )

    heading(3, "Privacy budget (epsilon)")
    epsilon = data["epsilon"]
    if epsilon is None:
        collect.print(text("No differential privacy in this plan, so no budget to set.", "dim"))
    else:
        fields(
            [
                ("guidance", epsilon["guidance"]),
                ("sources", "\n".join(f"{s}: {_reference_label(plan, s)}" for s in epsilon["sources"]) or "none"),
            ]
        )

    heading(4, "Audit")
    recipe = data.get("audit_recipe")
    if recipe:
        fields([("how", recipe["recipe"]), ("sources", ", ".join(recipe["sources"]))])
    if not data["audit"]:
        collect.print(text("No audit tool in the catalog measures the threats in scope.", "dim"))
    for item in data["audit"]:
        head = text(item["name"], "bold cyan")
        head.append_text(text(f"  {item['id']}", "dim"))
        collect.print(head)
        fields([("install", item["install"]), ("why", item["why"])])

    heading(5, "Read next")
    for entry in plan.references:
        line = text(f"• {entry.name}")
        year = getattr(entry, "year", None)
        line.append_text(text(f"  {entry.id}{f' ({year})' if year else ''}", "dim"))
        collect.print(line)
    if not plan.references:
        collect.print(text("Nothing specific.", "dim"))

    heading(6, "Not covered")
    for note in data["not_covered"]:
        collect.print(text(f"• {note}"))
    if not data["not_covered"]:
        collect.print(text("Nothing the catalog knows of.", "dim"))
    if data["ruled_out"]:
        collect.print()
        collect.print(text("Ruled out by the situation", "bold"))
        for item in data["ruled_out"]:
            collect.print(text(f"• {item['name']} ({item['id']}): {item['reason']}"))
    console.print(Group(*parts))


# ------------------------------------------------------------------ Markdown


def md(value: object) -> str:
    """Catalog text made inert in Markdown (the shared rules of :mod:`ppml_cli.textsafe`)."""
    return markdown_text(str(value)) if value is not None else ""


def md_code(value: object) -> str:
    """A code span (an install command): nothing inside is escaped except the table's pipe,
    and the fence is longer than any run of backticks in the text."""
    text = " ".join(clean(str(value)).split()).replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_name(name: object, url: object) -> str:
    return markdown_link(str(name), url if isinstance(url, str) else None)


@writes(Format.MARKDOWN, Plan)
def write_plan_markdown(plan: Plan, out: IO[str]) -> None:
    data = plan.to_data()
    lines = ["# Privacy plan", "", f"Situation: {md(situation_line(data['inputs']))}", ""]
    lines += ["In short:", ""]
    lines += [f"- **{label}**: {md(value)}" for label, value in summary_rows(data)]
    lines.append("")
    if data["threats"]:
        lines += ["Threats in scope:", ""]
        lines += [f"- {md(t['name'])} (`{t['id']}`): {md(t['why'])}" for t in data["threats"]]
        lines.append("")
    lines += ["## 1. Techniques", ""]
    for n, item in enumerate(data["techniques"], 1):
        strength = md(strength_label(item["strength"]))
        lines.append(f"{n}. **{md_name(item['name'], item['url'])}** (`{item['id']}`, {strength}): {md(item['why'])}")
        for m in item["mitigates"]:
            if m["strength"] == "none":
                continue
            condition = f" ({md(m['condition'])})" if m.get("condition") else ""
            lines.append(f"   - against `{m['threat']}`: {md(m['strength'])}{condition}")
        if item["costs"]:
            lines.append(f"   - costs: {md(item['costs'])}")
        for t in item["tradeoffs"]:
            other = " (from another setting than yours)" if t.get("matches") is False else ""
            lines.append(
                f"   - trade-off: {md(t.get('metric'))}: {md(t.get('value'))} ({md(t.get('setting'))}), "
                f"source `{md(t.get('reference'))}`{other}"
            )
        if item["combine_with"]:
            lines.append(f"   - combine with: {', '.join(f'`{c}`' for c in item['combine_with'])}")
    if not data["techniques"]:
        lines.append("No technique in the catalog fits; see Not covered.")
    lines += [
        "",
        "## 2. Tools",
        "",
        "| Tool | Status | Licence | Install | For | Why | Caveats |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for item in data["tools"]:
        install = md_code(item["install"]) if item["install"] else ""
        cells = [
            md_name(item["name"], item["url"]),
            md(item["status"]),
            md(item["license"] or "unknown"),
            install,
            ", ".join(f"`{t}`" for t in item["techniques"]),
            md(item["why"]),
            md(" ".join(item["caveats"])),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "## 3. Privacy budget", ""]
    epsilon = data["epsilon"]
    if epsilon is None:
        lines.append("No differential privacy in this plan, so no budget to set.")
    else:
        lines.append(md(epsilon["guidance"]))
        lines.append("")
        lines.append("Sources: " + (", ".join(f"`{s}`" for s in epsilon["sources"]) or "none"))
    lines += ["", "## 4. Audit", ""]
    recipe = data.get("audit_recipe")
    if recipe:
        sources = ", ".join(f"`{md(s)}`" for s in recipe["sources"])
        lines += [f"How: {md(recipe['recipe'])}" + (f" Sources: {sources}." if sources else ""), ""]
    lines += [f"- {md_name(a['name'], a['url'])} (`{a['id']}`): {md(a['why'])}" for a in data["audit"]]
    if not data["audit"]:
        lines.append("No audit tool in the catalog measures the threats in scope.")
    lines += ["", "## 5. Read next", ""]
    for entry in plan.references:
        year = getattr(entry, "year", None)
        lines.append(f"- {md_name(entry.name, entry.url)}{f' ({year})' if year else ''} (`{entry.id}`)")
    lines += ["", "## 6. Not covered", ""]
    lines += [f"- {md(note)}" for note in data["not_covered"]] or ["Nothing the catalog knows of."]
    if data["ruled_out"]:
        lines += ["", "Ruled out by the situation:", ""]
        lines += [f"- {md(r['name'])} (`{r['id']}`): {md(r['reason'])}" for r in data["ruled_out"]]
    out.write("\n".join(lines) + "\n")
