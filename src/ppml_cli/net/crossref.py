"""Work metadata for a DOI from Crossref's REST API (``/works/DOI``).

The host comes from PPML_CROSSREF_API_URL (default https://api.crossref.org).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, unquote

from ppml_cli.net import fetch
from ppml_cli.net.fetch import FetchError
from ppml_cli.net.publication import Publication

API_ENV = "PPML_CROSSREF_API_URL"
DEFAULT_API = "https://api.crossref.org"
DOI = re.compile(r"(10\.\d{4,9}/\S+)")


#: Crossref's work types that the catalog names otherwise; every other type is a paper.
TYPES = {"book": "book", "monograph": "book", "report": "report"}


def api_base(environ: Mapping[str, str] | None = None) -> str:
    return fetch.api_base(API_ENV, DEFAULT_API, environ)


def doi_of(text: str) -> str | None:
    """The DOI in a doi.org URL, a ``doi:`` string or a bare DOI; None otherwise."""
    text = unquote(text.strip())
    text = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)", "", text, flags=re.IGNORECASE)
    match = DOI.fullmatch(text.rstrip("/."))
    return match[1] if match else None


def fetch_work(doi: str, *, deadline: float = 20.0, max_body: int = 2 * 1024 * 1024) -> Publication | None:
    """The work, or None when Crossref knows no such DOI; FetchError when it cannot say."""
    url = f"{api_base()}/works/{quote(doi, safe='/')}"
    data = fetch.get_json(url, headers={"Accept": "application/json"}, deadline=deadline, max_body=max_body)
    if data is None:
        return None
    message = data.get("message") if isinstance(data, dict) else None
    if not isinstance(message, dict):
        raise FetchError(url, "unexpected JSON (no message object)")
    return parse_work(message, doi)


def _first(value: Any) -> str | None:
    if isinstance(value, list) and value and isinstance(value[0], str):
        return " ".join(value[0].split()) or None
    return None


def parse_work(message: dict[str, Any], doi: str) -> Publication | None:
    title = _first(message.get("title"))
    if not title:
        return None
    authors = []
    people = message.get("author")
    for person in people if isinstance(people, list) else []:
        if isinstance(person, dict):
            name = " ".join(str(person.get(k, "")).strip() for k in ("given", "family")).strip()
            if name:
                authors.append(name)
    year = None
    issued = message.get("issued")
    parts = issued.get("date-parts") if isinstance(issued, dict) else None
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0] and isinstance(parts[0][0], int):
        year = parts[0][0]
    raw_abstract = message.get("abstract")  # JATS XML: keep the words, drop the tags
    abstract = (
        " ".join(re.sub(r"<[^>]*>", " ", raw_abstract).split()) or None if isinstance(raw_abstract, str) else None
    )
    kind = message.get("type")
    return Publication(
        source="Crossref",
        url=f"https://doi.org/{doi}",
        title=title,
        authors=tuple(authors),
        year=year,
        venue=_first(message.get("container-title")),
        type=TYPES.get(kind, "paper") if isinstance(kind, str) else "paper",
        abstract=abstract,
        doi=doi,
    )
