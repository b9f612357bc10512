"""Make catalog text and addresses safe inside Markdown that browsers will render.

Catalog text is data: a name like ``<script>`` or ``[x](javascript:...)`` must
show as those characters, not become markup. :func:`markdown_text` escapes
every character that Markdown or inline HTML would interpret, and
:func:`safe_url` lets through only web and mail addresses.
"""

from __future__ import annotations

import re

from ppml_cli.textsafe import one_line

#: Characters that start or end Markdown or inline HTML anywhere in a line: ``<`` a tag or
#: autolink, ``|`` a table cell, ``~`` strike-through; and ``&`` where it would start an entity.
_INLINE = re.compile(r"([\\`*_\[\]<>|~]|&(?=#?[0-9A-Za-z]+;))")
#: What makes a paragraph's first characters a heading, list, quote or rule.
_LINE_START = re.compile(r"^(#|[-+=]|\d+(?=[.)]))")
#: GFM turns bare web addresses in text into links; breaking the ``://`` or ``www.`` keeps them text.
_AUTOLINK = re.compile(r"(?i)\b(https?|ftp)(:)(//)|\b(www)(\.)")

_SCHEMES = ("http://", "https://", "mailto:")
_URL_ESCAPES = {" ": "%20", "(": "%28", ")": "%29", "<": "%3C", ">": "%3E", '"': "%22", "`": "%60"}


def markdown_text(text: str | None, *, line_start: bool = False) -> str:
    """``text`` on one line, control characters dropped, Markdown and HTML escaped.

    With ``line_start``, the text begins a line (a paragraph), so a leading ``#``,
    ``-``, ``+``, ``=`` or ``1.`` is escaped too.
    """
    if not text:
        return ""
    out = _INLINE.sub(r"\\\1", one_line(text))
    out = _AUTOLINK.sub(lambda m: f"{m[1]}\\:{m[3]}" if m[1] else f"{m[4]}\\.", out)
    match = _LINE_START.match(out) if line_start else None
    if match:
        if match[1].isdigit():
            end = match.end()
            out = out[:end] + "\\" + out[end:]
        else:
            out = "\\" + out
    return out


def safe_url(url: str | None) -> str | None:
    """``url`` ready for ``[text](url)`` when it is an http(s) or mailto address, else None."""
    if not url:
        return None
    url = url.strip()
    if not url.lower().startswith(_SCHEMES) or any(ord(c) < 0x20 or c == "\x7f" for c in url):
        return None
    if url.lower() in ("http://", "https://", "mailto:"):
        return None
    return "".join(_URL_ESCAPES.get(c, c) for c in url)
