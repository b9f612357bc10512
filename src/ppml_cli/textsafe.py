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
