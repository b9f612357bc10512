"""Citation data for references: stable BibTeX keys, entry types and fields.

Keys look like ``shokri2017membership``: the first author's surname, the year
and the first significant word of the title, folded to ASCII. They are
computed over the whole catalog in id order, so a key never depends on which
references a command happens to cite, and a clash gets a letter (``a``, ``b``).
The entry type follows the reference: a book is ``@book``, a report
``@techreport``, a web page ``@misc``, a journal or magazine ``@article``, a
preprint ``@misc`` with its arXiv id, and anything else presented at a venue
``@inproceedings``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from ppml_cli.model import Entry, Record, Reference

TITLE_STOPWORDS = frozenset(
    "a an and are as at by for from how in is it of on or the to towards via what when where which with".split()
)
JOURNAL_WORDS = ("journal", "transactions", "surveys", "communications", "proceedings on", "letters", "magazine")


class Citation(Record):
    """One reference, ready to be formatted in any citation style."""

    entry: Reference
    key: str
    entry_type: str  # article, inproceedings, misc, book, techreport
    fields: tuple[tuple[str, str], ...]  # BibTeX field name and raw (unescaped) value, in output order


def ascii_fold(text: str) -> str:
    """'Rényi Müller' -> 'Renyi Muller': accents dropped, other letters kept."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def surname(author: str) -> str:
    """The family name of 'First Last', 'Last, First' or a particle name like 'van der Schaar'."""
    author = author.strip()
    if "," in author:
        return author.split(",", 1)[0].strip()
    parts = author.split()
    if not parts:
        return ""
    # keep lower-case particles with the surname: "Mihaela van der Schaar" -> "van der Schaar"
    start = len(parts) - 1
    while start > 0 and parts[start - 1][:1].islower():
        start -= 1
    return " ".join(parts[start:])


def base_key(authors: Sequence[str], year: int | None, title: str) -> str:
    author = re.sub(r"[^a-z]", "", ascii_fold(surname(authors[0])).lower()) if authors else ""
    words = [re.sub(r"[^a-z0-9]", "", ascii_fold(w).lower()) for w in title.split()]
    word = next((w for w in words if w and w not in TITLE_STOPWORDS), "")
    return (author or "anon") + (str(year) if year else "") + word


def assign_keys(references: Iterable[tuple[str, Sequence[str], int | None, str]]) -> dict[str, str]:
    """(id, authors, year, title) of every reference -> {id: unique key}, decided in id order."""
    by_base: dict[str, list[str]] = {}
    for entry_id, authors, year, title in sorted(references, key=lambda r: r[0]):
        by_base.setdefault(base_key(authors, year, title), []).append(entry_id)
    keys: dict[str, str] = {}
    for base, ids in by_base.items():
        if len(ids) == 1:
            keys[ids[0]] = base
        else:
            for position, entry_id in enumerate(ids):
                keys[entry_id] = base + "abcdefghijklmnopqrstuvwxyz"[position % 26] * (position // 26 + 1)
    return keys


def entry_type(reference: Reference) -> str:
    venue = (reference.venue or "").lower()
    if reference.type == "book":
        return "book"
    if reference.type == "report":
        return "techreport"
    if reference.type == "web":
        return "misc"
    if reference.type == "article" or any(word in venue for word in JOURNAL_WORDS):
        return "article"
    if not venue or venue.startswith("arxiv"):
        return "misc"
    return "inproceedings"


def citation_fields(reference: Reference, kind: str) -> list[tuple[str, str]]:
    fields: list[tuple[str, str]] = [("title", reference.name)]
    if reference.authors:
        fields.append(("author", " and ".join(reference.authors)))
    if reference.year:
        fields.append(("year", str(reference.year)))
    venue = reference.venue
    if venue:
        field = {"article": "journal", "inproceedings": "booktitle", "techreport": "institution"}.get(kind)
        if field:
            fields.append((field, venue))
        elif kind == "book":
            fields.append(("publisher", venue))
        elif kind == "misc" and not venue.lower().startswith("arxiv"):
            fields.append(("howpublished", venue))
    if reference.doi:
        fields.append(("doi", reference.doi))
    if reference.arxiv:
        fields += [("eprint", reference.arxiv), ("archiveprefix", "arXiv")]
    if reference.url:
        fields.append(("url", reference.url))
    return fields


def citations(entries: Iterable[Entry]) -> list[Citation]:
    """Citations for the references among ``entries`` (other kinds have nothing to cite)."""
    out = []
    for reference in entries:
        if isinstance(reference, Reference):
            kind = entry_type(reference)
            key = reference.citation_key or base_key(reference.authors, reference.year, reference.name)
            out.append(
                Citation(entry=reference, key=key, entry_type=kind, fields=tuple(citation_fields(reference, kind)))
            )
    return out
