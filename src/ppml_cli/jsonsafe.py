"""Parse JSON that a server sent (a package index, Crossref, GitHub): bounded, and always valid text.

Two things in an answer that parses can still break ppml later: nesting deep
enough to exhaust Python's stack (a ``RecursionError`` far from the parse),
and lone surrogates (``"\\ud800"`` is valid JSON but not valid Unicode text:
it cannot be written as UTF-8, and libyaml refuses it in a catalog). So
:func:`loads` refuses the first with one clear error and replaces the second
with U+FFFD, as the stored repository data does.
"""

from __future__ import annotations

import json
import re
from typing import Any

#: The deepest nesting accepted; the answers ppml reads are a few levels deep.
MAX_DEPTH = 64

_SURROGATE = re.compile("[\ud800-\udfff]")


class UntrustedJSONError(ValueError):
    """JSON that ppml will not use: malformed, or nested deeper than :data:`MAX_DEPTH`."""


def loads(data: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON document in ``data``, lone surrogates replaced; :class:`UntrustedJSONError` when unusable."""
    try:
        document = json.loads(data)
    except RecursionError:
        raise UntrustedJSONError(f"JSON nested deeper than {max_depth} levels") from None
    except ValueError:  # JSONDecodeError, and UnicodeDecodeError for bytes that are not UTF-8
        raise UntrustedJSONError("malformed JSON") from None

    def checked(value: Any, depth: int) -> Any:
        if isinstance(value, str):
            return replace_surrogates(value)
        if isinstance(value, (dict, list)):
            if depth >= max_depth:
                raise UntrustedJSONError(f"JSON nested deeper than {max_depth} levels")
            if isinstance(value, list):
                return [checked(item, depth + 1) for item in value]
            return {replace_surrogates(key): checked(item, depth + 1) for key, item in value.items()}
        return value

    return checked(document, 0)


def replace_surrogates(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD (unchanged, and not copied, without one)."""
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text
