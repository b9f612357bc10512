"""Make untrusted text (catalog files, network answers) inert before display.

Catalog and network text is data. Terminal escape sequences in it could move
the cursor, retitle the window or hide output, so every control character
except newline and tab is dropped before any renderer sees the text.
"""

from __future__ import annotations

import re

# C0 controls except \t and \n, DEL, and C1 controls (0x80-0x9f, which include CSI).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """``text`` without control characters; \\r\\n and \\r become \\n."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def one_line(text: str) -> str:
    return " ".join(clean(text).split())


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


def markdown_url(url: str | None) -> str | None:
    """``url`` fit for a Markdown link target, or None when its scheme is not http(s) or mailto.

    Spaces, parentheses, angle brackets, quotes and backslashes are
    percent-encoded, so the target cannot close the link early.
    """
    if not url:
        return None
    url = one_line(url)
    scheme, sep, _ = url.partition(":")
    if not sep or scheme.lower() not in LINK_SCHEMES:
        return None
    from urllib.parse import quote

    return quote(url, safe="/:?#[]@!$&*+,;=%~-._")


def markdown_link(label: str | None, url: str | None) -> str:
    """``[label](url)`` with both made safe; the label alone when the URL is not allowed."""
    text = markdown_text(label)
    target = markdown_url(url)
    return f"[{text}]({target})" if target else text
