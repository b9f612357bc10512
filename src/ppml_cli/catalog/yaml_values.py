"""Python values from a YAML node tree: PyYAML's safe construction, without its machinery where a catalog needs none.

PyYAML builds every value through generic steps (a memo per node, a generator
per collection so that recursive ones can be filled later, a resolver call per
key), which took 0.9 s of the 2.1 s that loading a catalog of 8,680 extra
entries took, the largest part of a first search. A catalog is mappings, lists
and strings, so those are built here directly, about ten times faster; any
other node goes to PyYAML's own constructor (:class:`NeedsPyYAML` asks the
caller to hand it the whole document), so the values are the ones it would
give:

- scalars other than strings (numbers, booleans, nulls, dates, binary, custom
  tags), one by one;
- a whole document where a collection is met twice (an alias: PyYAML shares
  one object, and a recursive one refers to itself), where a mapping merges
  others (``<<``) or uses ``=``, has a key that is not a scalar, or where a
  collection carries another tag (sets, ordered maps, custom tags).

With ``locate``, each mapping also remembers where it and each of its keys
started, for error reports that name a line.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
#: Key tags whose mapping PyYAML rewrites before building it (merging, the value key).
_REWRITTEN_KEYS = frozenset({"tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"})


class LocatedDict(dict[str, Any]):
    """A mapping that remembers where it and each of its keys started (1-based lines)."""

    line: int | None = None
    key_lines: dict[str, int]


class NeedsPyYAML(Exception):
    """The document holds something only PyYAML's constructor builds as it should."""


def build(loader: Any, node: Node, *, locate: bool = False) -> Any:
    """The value of ``node`` (composed by ``loader``, a PyYAML safe loader), as ``loader`` would build it.

    Raises :class:`NeedsPyYAML` for what only PyYAML builds as it should (see
    above), and a located ``ConstructorError`` for a scalar its tag cannot hold
    (``!!int x``), where PyYAML raises a bare ``ValueError``.
    """
    return _Builder(loader, locate).value(node)


@cache
def locating(loader: Any) -> type[Any]:
    """``loader`` whose mappings remember their lines: for documents :func:`build` hands to PyYAML."""

    class Locating(loader):  # type: ignore[misc]
        def construct_mapping(self, node: Any, deep: bool = False) -> LocatedDict:
            located = LocatedDict(super().construct_mapping(node, deep=deep))
            located.line = node.start_mark.line + 1
            located.key_lines = {}
            for key_node, _ in node.value:
                if isinstance(key_node.value, str):
                    located.key_lines[key_node.value] = key_node.start_mark.line + 1
            return located

    Locating.add_constructor(_MAP, lambda loader, node: loader.construct_mapping(node, deep=True))
    return Locating


def unreadable(node: Node | None, error: Exception) -> ConstructorError:
    """A YAML error, located when ``node`` is known, for a scalar its tag cannot hold: PyYAML raises a bare one."""
    if node is None:
        return ConstructorError(None, None, f"a tagged value: {error}")
    tag = node.tag.replace("tag:yaml.org,2002:", "!!")
    return ConstructorError(None, None, f"{tag} cannot hold {node.value!r} ({error})", node.start_mark)


class _Builder:
    def __init__(self, loader: Any, locate: bool) -> None:
        self.construct_object = loader.construct_object
        self.locate = locate
        self.seen: set[int] = set()

    def scalar(self, node: Node) -> Any:
        try:
            return self.construct_object(node, deep=True)
        except (ValueError, OverflowError) as error:  # !!int x, !!timestamp 2024-13-45
            raise unreadable(node, error) from None

    def value(self, node: Node) -> Any:
        kind = node.__class__
        if kind is ScalarNode:
            return node.value if node.tag == _STR else self.scalar(node)
        if id(node) in self.seen:
            raise NeedsPyYAML
        self.seen.add(id(node))
        if kind is SequenceNode and node.tag == _SEQ:
            value = self.value
            return [value(item) for item in node.value]
        if kind is MappingNode and node.tag == _MAP:
            return self.mapping(node)
        raise NeedsPyYAML

    def mapping(self, node: Node) -> dict[Any, Any]:
        out: dict[Any, Any] = LocatedDict() if self.locate else {}
        key_lines: dict[str, int] = {}
        value = self.value
        for key_node, value_node in node.value:
            if key_node.__class__ is not ScalarNode or key_node.tag in _REWRITTEN_KEYS:
                raise NeedsPyYAML
            key = key_node.value if key_node.tag == _STR else self.scalar(key_node)
            out[key] = value(value_node)
            if self.locate:
                key_lines[key_node.value] = key_node.start_mark.line + 1
        if isinstance(out, LocatedDict):
            out.line = node.start_mark.line + 1
            out.key_lines = key_lines
        return out
