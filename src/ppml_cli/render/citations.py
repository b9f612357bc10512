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
