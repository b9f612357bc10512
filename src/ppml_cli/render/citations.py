"""Citation styles: BibTeX, APA and Markdown text for :class:`~ppml_cli.bibliography.Citation`."""

from __future__ import annotations

from collections.abc import Sequence

from ppml_cli.bibliography import Citation, surname
from ppml_cli.textsafe import markdown_link, markdown_text, one_line

# Characters with a meaning in (La)TeX, and their escaped forms.
_TEX = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
VERBATIM_FIELDS = frozenset({"url", "doi", "eprint"})


def tex_escape(text: str) -> str:
    return "".join(_TEX.get(c, c) for c in one_line(text))


def _bibtex_value(field: str, value: str) -> str:
    if field in VERBATIM_FIELDS:
        # url and doi are read verbatim by the url package and biber; only braces would break them
        return "{" + one_line(value).replace("{", "%7B").replace("}", "%7D") + "}"
    if field == "title":
        return "{{" + tex_escape(value) + "}}"  # double braces keep the title's capitals
    return "{" + tex_escape(value) + "}"


def bibtex(citation: Citation) -> str:
    width = max(len(name) for name, _ in citation.fields)
    lines = [f"@{citation.entry_type}{{{citation.key},"]
    lines += [f"  {name:<{width}} = {_bibtex_value(name, value)}," for name, value in citation.fields]
    lines.append("}")
    return "\n".join(lines)


def _apa_author(author: str) -> str:
    family = surname(author)
    given = author.strip()[: len(author.strip()) - len(family)].split() if not author.count(",") else []
    initials = " ".join(f"{part[0]}." for part in given if part[:1].isalpha())
    return f"{family}, {initials}" if initials else family


def apa(citation: Citation) -> str:
    reference = citation.entry
    authors = [_apa_author(a) for a in reference.authors]
    who = ", ".join(authors[:-1]) + ", & " + authors[-1] if len(authors) > 1 else "".join(authors)
    year = f"({reference.year})" if reference.year else "(n.d.)"
    parts = [f"{who} {year}.".strip(), f"{one_line(reference.name)}."]
    if reference.venue:
        parts.append(f"{one_line(reference.venue)}.")
    if reference.doi:
        parts.append(f"https://doi.org/{reference.doi}")
    elif reference.url:
        parts.append(reference.url)
    return " ".join(parts)


def markdown(citation: Citation) -> str:
    """A Markdown list item; text escaped, the link only to an http(s) or mailto URL."""
    reference = citation.entry
    link = markdown_link(reference.name, reference.url)
    authors = list(reference.authors)
    who = ", ".join(authors[:3]) + (" et al." if len(authors) > 3 else "")
    meta = ", ".join(x for x in (who, str(reference.year) if reference.year else "", reference.venue or "") if x)
    return f"- {link}" + (f" ({markdown_text(meta)})" if meta else "")


STYLES = {"bibtex": bibtex, "apa": apa, "markdown": markdown}


def format_citations(citations: Sequence[Citation], style: str) -> str:
    formatter = STYLES[style]
    separator = "\n\n" if style == "bibtex" else "\n"
    return separator.join(formatter(c) for c in citations) + ("\n" if citations else "")


def markdown_citations(citations: Sequence[Citation], style: str) -> str:
    """Citations in a Markdown document, in ``style``: a list, APA references as a list, or a BibTeX block."""
    if style == "markdown":
        return format_citations(citations, "markdown")
    if style == "apa":
        return "".join(f"- {markdown_text(apa(c))}\n" for c in citations)
    text = format_citations(citations, style)
    fence = "`" * max(3, _longest_backtick_run(text) + 1)  # a fence no line of the block can close
    return f"{fence}{style}\n{text}{fence}\n" if citations else ""


def _longest_backtick_run(text: str) -> int:
    longest = run = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    return longest


def style_for(style: str, fmt: str, *, chosen_by_user: bool) -> str:
    """The citation style a format writes: ``-o markdown`` is a Markdown list unless a style was asked for.

    ``-o bibtex`` writes BibTeX only, so another style asked for with it is a usage error.
    """
    if fmt == "markdown" and not chosen_by_user:
        return "markdown"
    if fmt == "bibtex" and chosen_by_user and style != "bibtex" and style in STYLES:
        from ppml_cli.errors import InvalidValueError

        raise InvalidValueError(
            f"--style {style} cannot be written as -o bibtex",
            hint=f"leave out -o bibtex to get {style}, or leave out --style",
        )
    return style
