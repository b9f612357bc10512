"""The record base every catalog entry and every answer is built on.

Records are frozen, keyword-only value objects: a start-up-cheap equivalent of
``@dataclass(frozen=True, kw_only=True)``. Why not dataclasses: ``dataclasses``
writes and compiles each class's methods when the class is created, about a
millisecond per class; ppml defines its records on every run, so that was a
tenth of a warm start. Here the methods are written once, generically, and each
subclass only records its field names and defaults. ``dataclass_transform``
tells type checkers the constructor's signature, so ``Tool(id=..., name=...)``
is checked like a dataclass call. Instances keep their values in ``__dict__``;
pickle stores only the fields that differ from their defaults (most of a
catalog entry's do not) and restores the rest from the class, so a cached
catalog is a third smaller and unpickles faster.

This module holds only the base, so that network clients, errors and results
can build records without importing what the catalog holds.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:

    def dataclass_transform(**_: object) -> Any:
        return lambda cls: cls


_MISSING = object()


class FrozenRecordError(AttributeError):
    """Raised on an attempt to change a record."""


@dataclass_transform(kw_only_default=True, frozen_default=True)
class Record:
    """Base of immutable records: keyword construction, value equality, a readable repr."""

    __fields__: ClassVar[tuple[str, ...]] = ()
    __defaults__: ClassVar[dict[str, Any]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        names: list[str] = []
        defaults: dict[str, Any] = {}
        for klass in reversed(cls.__mro__):
            for name, annotation in inspect.get_annotations(klass).items():
                if name.startswith("__") or "ClassVar" in str(annotation):
                    continue
                if name not in names:
                    names.append(name)
                if name in klass.__dict__:
                    default = klass.__dict__[name]
                    if isinstance(default, (list, dict, set)):  # shared by every instance, as dataclasses refuse
                        raise TypeError(f"{cls.__name__}.{name}: a mutable default; use a tuple, frozenset or None")
                    defaults[name] = default
                else:
                    defaults.pop(name, None)
        cls.__fields__ = tuple(names)
        cls.__defaults__ = defaults

    def __init__(self, **values: Any) -> None:
        state = self.__dict__
        for name in self.__fields__:
            if name in values:
                state[name] = values.pop(name)
            elif name in self.__defaults__:
                state[name] = self.__defaults__[name]
            else:
                raise TypeError(f"{type(self).__name__}() missing required argument {name!r}")
        if values:
            raise TypeError(f"{type(self).__name__}() got unexpected arguments: {', '.join(sorted(values))}")

    def __getstate__(self) -> dict[str, Any]:
        """The fields that differ from their defaults (identity first: ``()`` and ``None`` are singletons)."""
        defaults = self.__defaults__
        missing = _MISSING
        return {
            name: value
            for name, value in self.__dict__.items()
            if not (
                (default := defaults.get(name, missing)) is value or (type(default) is type(value) and default == value)
            )
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        values = self.__dict__
        values.update(self.__defaults__)
        values.update(state)

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenRecordError(f"cannot assign to field {name!r}: {type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise FrozenRecordError(f"cannot delete field {name!r}: {type(self).__name__} is immutable")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        values = self.__dict__  # in field order: an unpickled record's dict holds its defaults first
        return hash((type(self), *(values[name] for name in self.__fields__)))

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__fields__)
        return f"{type(self).__name__}({fields})"


def fields(record: Record | type[Record]) -> tuple[str, ...]:
    """Field names in declaration order (base classes first)."""
    return record.__fields__


R = TypeVar("R", bound=Record)


def replace(record: R, /, **changes: Any) -> R:
    """A copy of ``record`` with some fields changed, checked as the constructor checks them."""
    return type(record)(**{**record.__dict__, **changes})
