"""The URLs a link check is given, as typed: lines of a file or standard input, ``--exclude`` and ``--accept``."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence


def parse_accept(values: Iterable[str]) -> frozenset[int]:
    """'403,429' or '200-299' (repeatable) -> the set of accepted statuses."""
    codes: set[int] = set()
    for value in values:
        for part in value.split(","):
            part = part.strip()
            if not part:
                continue
            low, _, high = part.partition("-")
            if not low.isdigit() or (high and not high.isdigit()):
                raise ValueError(f"not a status code or range: {part!r}")
            codes.update(range(int(low), int(high or low) + 1))
    return frozenset(codes)


def read_url_lines(lines: Iterable[str]) -> list[str]:
    """URLs from a file or standard input: one per line; blanks and # comments ignored."""
    out = []
    for line in lines:
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return list(dict.fromkeys(out))


def select(urls: Sequence[str], exclude: Sequence[str]) -> tuple[list[str], list[str]]:
    """(URLs to check, URLs excluded by any of the regular expressions)."""
    patterns = [re.compile(p) for p in exclude]
    kept: list[str] = []
    dropped: list[str] = []
    for url in urls:
        (dropped if any(p.search(url) for p in patterns) else kept).append(url)
    return kept, dropped
