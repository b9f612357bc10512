"""Make untrusted text (catalog files, network answers) inert in every output.

Catalog and network text is data. Terminal escape sequences in it could move
the cursor, retitle the window or hide output, and bidirectional overrides
(U+202E and its kin, the "Trojan Source" characters) make text read in a
different order than it is stored. One rule, :data:`CONTROLS` and
:data:`BIDI`, names the characters that act instead of showing; every
format applies it:

* terminals, CSV and Markdown remove them (:func:`clean`, :func:`inert`), as
  these formats have no way to write such a character as an escape;
* JSON and YAML keep the data and write them as ``\\uXXXX`` escapes
  (:func:`escape_acting`), so the value loads back unchanged but the bytes
  on a terminal never act.
"""

from __future__ import annotations

import re

#: The one rule, part one: C0 controls except tab, line feed and carriage return; DEL; and the
#: C1 controls (0x80-0x9f, which include CSI, U+009B).
CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
#: Part two: the bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069).
#: Kept out of the regular expressions: a class reaching past U+00FF costs ``re`` a millisecond or
#: two to compile, on every run; a few substring searches cost nothing on text without them.
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_CONTROL = re.compile(f"[{CONTROLS}]")
#: What JSON and YAML leave raw (their encoders escape C0 themselves), besides BIDI.
_RAW_CONTROL = re.compile("[\x7f-\x9f]")


def _without_bidi(text: str, replacement: str | None = "") -> str:
    if text.isascii():  # constant time: the common case
        return text
    for char in BIDI:
        if char in text:
            text = text.replace(char, f"\\u{ord(char):04x}" if replacement is None else replacement)
    return text


def clean(text: str) -> str:
    """``text`` without acting characters (:data:`CONTROLS`, :data:`BIDI`); \\r\\n and \\r become \\n."""
    return _without_bidi(_CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")))


def one_line(text: str) -> str:
    return " ".join(clean(text).split())


def inert(text: str) -> str:
    """``text`` without acting characters, line breaks and tabs kept as they are (CSV)."""
    return _without_bidi(_CONTROL.sub("", text))


def has_acting(text: str) -> bool:
    """Whether ``text`` holds an acting character (the YAML writer double-quotes such strings)."""
    return _CONTROL.search(text) is not None or (not text.isascii() and any(char in text for char in BIDI))


def escape_acting(serialized: str) -> str:
    """JSON or YAML text with every raw acting character written as a ``\\uXXXX`` escape.

    Only for text whose acting characters can stand only inside quoted
    strings (JSON; YAML whose strings holding one are double-quoted), where
    ``\\uXXXX`` is an escape both formats read back as the same character.
    """
    if serialized.isascii() and "\x7f" not in serialized:  # DEL is the one acting ASCII character JSON leaves raw
        return serialized
    if _RAW_CONTROL.search(serialized) is not None:
        serialized = _RAW_CONTROL.sub(lambda match: f"\\u{ord(match[0]):04x}", serialized)
    return _without_bidi(serialized, None)


# ------------------------------------------------------- output other programs open
#
# The escaping helpers for every format a browser or a spreadsheet opens. Each
# writer of Markdown or CSV uses these, so one rule holds everywhere.

#: Cells a spreadsheet would read as a formula (OWASP's list for CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: str) -> str:
    """A CSV cell that no spreadsheet runs: one starting like a formula gets a leading single quote."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


#: Characters with a meaning anywhere in Markdown text: links and images (brackets), emphasis,
#: code, tables, headings' closing marks, escapes. Angle brackets and ampersands become entities.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]#|~])")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
#: What starts a block at the beginning of a line: a list item, a setext underline, a numbered item.
_BLOCK_START = re.compile(r"^([-+=]|\d+(?=[.)]))")


def markdown_text(text: str | None) -> str:
    """Catalog text made inert in Markdown: one line, Markdown escaped, HTML as entities.

    Safe inside a paragraph, a list item, a heading or a table cell: no
    link, image, raw HTML, emphasis or block structure can come out of it.
    """
    if not text:
        return ""
    line = " ".join(clean(text).split())
    line = "".join(_HTML.get(char, char) for char in line)
    line = _MARKDOWN_SPECIAL.sub(r"\\\1", line)
    return _BLOCK_START.sub(lambda m: m.group(1) + "\\" if m.group(1).isdigit() else "\\" + m.group(1), line, 1)


#: The only link targets written into Markdown: web pages and mail addresses.
LINK_SCHEMES = frozenset({"http", "https", "mailto"})


#: The only link targets written or opened: web pages and mail addresses.
_WEB_SCHEMES = ("http", "https")


def web_url(url: str | None) -> str | None:
    """``url`` fit to be a link or a browser's argument, or None when it is not a web or mail address.

    Only ``http`` and ``https`` URLs with a host and ``mailto`` addresses pass
    (never ``javascript:``, ``file:``, ``data:``, nor text such as
    ``--new-window=...`` that a browser would read as an option). Spaces,
    parentheses, angle brackets, quotes and backslashes are percent-encoded, so
    the result is one word that cannot close a Markdown link early either.
    """
    if not url:
        return None
    url = one_line(url)
    scheme, sep, rest = url.partition(":")
    scheme = scheme.lower()
    if not sep or scheme not in LINK_SCHEMES:
        return None
    if scheme in _WEB_SCHEMES:
        host = rest[2:].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
        if not rest.startswith("//") or not host or " " in host:
            return None
    elif not rest or rest[0] == " ":  # mailto: needs an address
        return None
    from urllib.parse import quote

    return quote(url, safe="/:?#[]@!$&*+,;=%~-._")


def markdown_url(url: str | None) -> str | None:
    """``url`` fit for a Markdown link target (see :func:`web_url`), or None when it may not be one."""
    return web_url(url)


def markdown_link(label: str | None, url: str | None) -> str:
    """``[label](url)`` with both made safe; the label alone when the URL is not allowed."""
    text = markdown_text(label)
    target = markdown_url(url)
    return f"[{text}]({target})" if target else text
