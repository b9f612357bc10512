"""Paper metadata from arXiv's API (``/api/query?id_list=ID``, an Atom feed).

The host comes from PPML_ARXIV_API_URL (default https://export.arxiv.org).
The feed is parsed with the standard library's ElementTree, which never
fetches external entities; a document type declaration (which an Atom feed
never has, and which entity expansion attacks need) is refused outright, and
the body is capped in size before parsing.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from urllib.parse import quote

from ppml_cli.net import fetch
from ppml_cli.net.fetch import FetchError, get
from ppml_cli.net.publication import Publication

API_ENV = "PPML_ARXIV_API_URL"
DEFAULT_API = "https://export.arxiv.org"
ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"

#: New-style ids (2007 on), with an optional version; old-style ids such as hep-th/9901001.
ID = re.compile(r"(?P<id>\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?")


def api_base(environ: Mapping[str, str] | None = None) -> str:
    return fetch.api_base(API_ENV, DEFAULT_API, environ)


def arxiv_id(text: str) -> str | None:
    """The id (without version) in an arXiv URL (abs, pdf, html) or a bare id; None otherwise."""
    text = text.strip()
    match = re.match(r"^(?:https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/)?(.+?)(?:\.pdf)?/?$", text)
    if not match:
        return None
    bare = ID.fullmatch(match[1])
    return bare["id"] if bare else None


def fetch_paper(identifier: str, *, deadline: float = 20.0, max_body: int = 2 * 1024 * 1024) -> Publication | None:
    """The paper, or None when arXiv knows no such id; FetchError when it cannot say."""
    reply = get(f"{api_base()}/api/query?id_list={quote(identifier, safe='/.')}", deadline=deadline, max_body=max_body)
    if reply.status != 200:
        raise FetchError(reply.url, f"HTTP {reply.status}")
    return parse_feed(reply.body, identifier)


def _text(element: ET.Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    return " ".join(element.text.split()) or None


#: Byte-order marks, longest first (UTF-32's little-endian mark begins with UTF-16's).
_BOMS = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
)
#: How ``<?`` or ``<`` begins a document without a mark (XML 1.0, appendix F).
_SNIFFED = (
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<\x00?", "utf-16-be"),
    (b"<\x00?\x00", "utf-16-le"),
)
_DECLARATION = re.compile(r"\A<\?xml[^>]*\?>")
_DECLARED_ENCODING = re.compile(rb"\A<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z][A-Za-z0-9._-]*)[\"']")


def decoded(body: bytes) -> str:
    """The feed as text, decoded as an XML parser would: by its byte-order mark, its first bytes, or its
    declared encoding (UTF-8 when none); :class:`FetchError` when that fails.

    The checks for a document type are made on this text and the parser reads
    this same text, so no encoding (UTF-16, say) can hide a declaration from
    the check that the parser would then obey.
    """
    encoding = next((name for mark, name in _BOMS if body.startswith(mark)), None)
    if encoding is not None:
        body = body[len(next(mark for mark, name in _BOMS if name == encoding)) :]
    else:
        sniffed = next((name for start, name in _SNIFFED if body.startswith(start)), None)
        declared = _DECLARED_ENCODING.match(body)
        encoding = sniffed or (declared[1].decode("ascii") if declared else "utf-8")
    try:
        return body.decode(encoding)
    except (LookupError, UnicodeError) as error:  # UnicodeError: the "undefined" codec refuses everything
        raise FetchError("arXiv", f"malformed XML (cannot decode as {encoding}: {error})") from None


def parse_feed(body: bytes, identifier: str) -> Publication | None:
    """The feed's entry for ``identifier``; None when the feed has none (or only arXiv's error entry)."""
    text = decoded(body)
    lowered = text.lower()
    if "<!doctype" in lowered or "<!entity" in lowered:
        raise FetchError("arXiv", "refused: the answer declares a document type (never part of an Atom feed)")
    try:
        # the text already decoded: its declaration (with its encoding) goes, so the parser reads what was checked
        root = ET.fromstring(_DECLARATION.sub("", text, count=1))  # noqa: S314 - no DTD (checked above), size capped
    except (ET.ParseError, LookupError, ValueError) as error:
        raise FetchError("arXiv", f"malformed XML ({error})") from None
    for entry in root.iter(f"{ATOM}entry"):
        link = _text(entry.find(f"{ATOM}id")) or ""
        title = _text(entry.find(f"{ATOM}title"))
        if not title or title == "Error" or "/api/errors" in link:
            continue
        found = arxiv_id(link) or identifier
        published = _text(entry.find(f"{ATOM}published")) or ""
        authors = tuple(
            name for a in entry.findall(f"{ATOM}author") if (name := _text(a.find(f"{ATOM}name"))) is not None
        )
        return Publication(
            source="arXiv",
            url=f"https://arxiv.org/abs/{found}",
            title=title,
            authors=authors,
            year=int(published[:4]) if published[:4].isdigit() else None,
            venue=_text(entry.find(f"{ARXIV}journal_ref")) or "arXiv",  # a preprint's venue is arXiv itself
            abstract=_text(entry.find(f"{ATOM}summary")),
            doi=_text(entry.find(f"{ARXIV}doi")),
            arxiv_id=found,
        )
    return None
