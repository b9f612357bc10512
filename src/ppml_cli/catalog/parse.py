"""Read catalog YAML files, merge them, and turn them into validated records.

Validation collects every problem it can find rather than stopping at the
first, and locates each one by file, line, entry and field, so that a
contributor fixes a broken catalog in one pass. The record types in
:mod:`ppml_cli.model` are the schema: a field's annotation says what YAML
value it takes, and a field without a default is required.
"""

from __future__ import annotations

import datetime
import re
import sys
import types
import typing
from collections.abc import Callable, Iterable, Sequence
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any

from ppml_cli.catalog import licenses
from ppml_cli.catalog.files import UnreadableCatalog, catalog_paths, read_catalog
from ppml_cli.errors import CatalogError, Problem, Severity
from ppml_cli.model import (
    RECORD_TYPES,
    Catalog,
    Entry,
    Kind,
    Mitigation,
    Phase,
    Record,
    Technique,
    Tool,
    Tradeoff,
    replace,
)

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

#: Fields the loader computes; a catalog file may not set them.
DERIVED_FIELDS = frozenset({"phases", "open_source", "citation_key"})


# --------------------------------------------------------------------------- YAML


@cache
def _safe_loader() -> type[Any]:
    """libyaml's safe loader when PyYAML was built with it, else the pure-Python one."""
    import yaml

    loader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return loader


#: What a document nested deeper than a loader can follow is, whichever loader read it.
TOO_DEEP = "nested too deeply (a catalog needs a few levels: kinds, entries, fields)"


def load_yaml(text: str, source: str, loader: type[Any] | None = None, *, locate: bool = False) -> Any:
    """``text`` read by ``loader`` (a safe loader; the catalog's own by default): the one way ppml loads YAML.

    The loader composes the document; :mod:`.yaml_values` builds its values
    (with ``locate``, mappings remember their lines, for error reports).

    Loading a catalog, ``validate``'s comparison of the two loaders and ``add``'s
    read-back all come here, so a document nested deeply enough to exhaust
    Python's stack is the same :class:`CatalogError` for each (libyaml itself
    stops at 1,000 levels with a YAML error), never a ``RecursionError``.
    Syntax errors pass through as ``yaml.YAMLError`` for the caller to word.
    """
    import yaml

    from ppml_cli.catalog.yaml_values import NeedsPyYAML, build, locating, unreadable

    kind: Any = loader or _safe_loader()
    reader = kind(text)
    try:
        node = reader.get_single_node()
        if node is None:
            return None
        try:
            return build(reader, node, locate=locate)
        except NeedsPyYAML:  # anchors, merges, sets: rare in a catalog, so read again when located
            return yaml.load(text, Loader=locating(kind)) if locate else reader.construct_document(node)  # noqa: S506
    except RecursionError:
        raise CatalogError([Problem(file=source, message=TOO_DEEP)]) from None
    except (ValueError, OverflowError) as error:  # what PyYAML's constructor raises bare (!!int x)
        raise unreadable(None, error) from None
    finally:
        reader.dispose()


def parse_yaml(text: str, source: str, *, locate: bool = True) -> Any:
    """Parse YAML safely; a syntax error becomes a located :class:`CatalogError`."""
    import yaml

    try:
        return load_yaml(text, source, locate=locate)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        message = f"YAML syntax: {exc.problem or exc}"
        if exc.context and exc.context_mark is not None:
            message += f" ({exc.context} at line {exc.context_mark.line + 1})"
        raise CatalogError([Problem(file=source, line=line, message=message)]) from None
    except yaml.YAMLError as exc:
        raise CatalogError([Problem(file=source, message=f"YAML: {exc}")]) from None


# ------------------------------------------------------------------ raw entries


class RawEntry(Record):
    """One YAML block, before conversion: where it came from and what it says."""

    kind: Kind
    data: dict[str, Any]
    file: str
    line: int | None
    replaces: str | None = None  # the file of the entry of the same id this one replaced (set by merge)

    @property
    def id(self) -> str:
        value = self.data.get("id")
        return value if isinstance(value, str) else f"<{self.kind.value} at line {self.line}>"

    def line_of(self, field: str) -> int | None:
        key_lines = getattr(self.data, "key_lines", {})
        return key_lines.get(field, self.line)


def read_file(
    path: Path, problems: list[Problem], *, locate: bool = True, content: bytes | None = None
) -> list[RawEntry]:
    """The entries of one catalog file (or of ``content``, its bytes already read); problems are appended."""
    source = str(path)
    try:
        text = (read_catalog(path) if content is None else content).decode("utf-8")
    except UnreadableCatalog as exc:
        problems.append(Problem(file=source, message=str(exc)))
        return []
    except UnicodeDecodeError as exc:
        problems.append(Problem(file=source, message=f"cannot read: not UTF-8 ({exc.reason} at byte {exc.start})"))
        return []
    try:
        document = parse_yaml(text, source, locate=locate)
    except CatalogError as exc:
        problems.extend(exc.problems)
        return []
    if document is None:
        return []
    if not isinstance(document, dict):
        problems.append(Problem(file=source, line=1, message="the top level must be a mapping of kinds"))
        return []
    known = {kind.plural: kind for kind in Kind}
    entries: list[RawEntry] = []
    for key, items in document.items():
        line = getattr(document, "key_lines", {}).get(key)
        if key not in known:
            valid = ", ".join(sorted(known))
            problems.append(Problem(file=source, line=line, field=str(key), message=f"unknown section; valid: {valid}"))
            continue
        if items is None:
            continue
        if not isinstance(items, list):
            problems.append(Problem(file=source, line=line, field=key, message="must be a list of entries"))
            continue
        for item in items:
            if not isinstance(item, dict):
                problems.append(Problem(file=source, line=line, field=key, message="each entry must be a mapping"))
                continue
            entries.append(RawEntry(kind=known[key], data=item, file=source, line=getattr(item, "line", None)))
    return entries


def merge(layers: Iterable[list[RawEntry]], problems: list[Problem]) -> list[RawEntry]:
    """Later layers replace entries of the same id; ids are unique within a layer.

    A replacement is intended (a user's catalog may correct a bundled entry)
    but never silent: each is a warning (``ppml validate`` shows it) and the
    catalog built remembers it (:attr:`~ppml_cli.model.Catalog.replaced`).
    """
    merged: dict[str, RawEntry] = {}
    for layer in layers:
        seen: dict[str, RawEntry] = {}
        for raw in layer:
            key = raw.id
            if key in seen:
                first = seen[key]
                problems.append(
                    Problem(
                        file=raw.file,
                        line=raw.line_of("id"),
                        entry=key,
                        field="id",
                        message=f"duplicate id (first defined at line {first.line})",
                    )
                )
                continue
            seen[key] = raw
            earlier = merged.pop(key, None)  # a replaced entry moves to its new position
            if earlier is not None:
                where = f"{earlier.file}, line {earlier.line}" if earlier.line else earlier.file
                message = f"replaces the {earlier.kind.value} of the same id in {where}"
                problems.append(
                    Problem(
                        file=raw.file,
                        line=raw.line_of("id"),
                        entry=key,
                        field="id",
                        message=message,
                        severity=Severity.WARNING,
                    )
                )
            merged[key] = replace(raw, replaces=earlier.file) if earlier is not None else raw
    return list(merged.values())


# ------------------------------------------------------------------- conversion


@cache
def _field_types(kind: Kind) -> dict[str, tuple[Any, bool]]:
    """Field name to (type, required) for one kind's record class."""
    record = RECORD_TYPES[kind]
    hints = typing.get_type_hints(record)
    out: dict[str, tuple[Any, bool]] = {}
    for name in record.__fields__:
        out[name] = (hints[name], name not in record.__defaults__)
    return out


def field_names(kind: Kind) -> list[str]:
    """The fields a record of ``kind`` has, in declaration order."""
    return list(_field_types(kind))


class _Invalid(Exception):
    pass


Converter = Callable[[Any], Any]


def _to_str(value: Any) -> str:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, datetime.date):  # YAML reads 2025-04-26 as a date
        return value.isoformat()
    raise _Invalid(f"expected a non-empty string, got {_describe(value)}")


def _to_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid(f"expected an integer, got {_describe(value)}")
    return value


def _record_converter(record: type[Record]) -> Converter:
    """Check a YAML mapping against a nested record type (a mitigation, a trade-off) and build it."""
    label = _RECORD_LABELS.get(record, record.__name__.lower())
    hints = typing.get_type_hints(record)
    required = [name for name in record.__fields__ if name not in record.__defaults__]
    optional = [name for name in record.__fields__ if name in record.__defaults__]
    shape = ", ".join(required) + (f" (optional: {', '.join(optional)})" if optional else "")

    def to_record(value: Any) -> Record:
        if not isinstance(value, dict):
            raise _Invalid(f"expected a mapping with {shape}; got {_describe(value)}")
        unknown = set(value) - set(record.__fields__)
        if unknown:
            raise _Invalid(f"unknown key(s) {', '.join(sorted(map(str, unknown)))} in a {label}; valid: {shape}")
        values: dict[str, Any] = {}
        try:
            for name in record.__fields__:
                if name in value or name in required:
                    values[name] = converter(hints[name])(value.get(name))
        except _Invalid as exc:
            raise _Invalid(f"{label} {name}: {exc}") from None
        return record(**values)

    return to_record


_RECORD_LABELS: dict[type[Record], str] = {Mitigation: "mitigation", Tradeoff: "trade-off"}


@cache
def converter(annotation: Any) -> Converter:
    """A function that checks and converts one YAML value to ``annotation``; built once per type."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        (inner_type,) = [a for a in args if a is not type(None)]
        inner = converter(inner_type)
        return lambda value: None if value is None else inner(value)
    if origin is tuple:
        item = converter(args[0])

        def to_tuple(value: Any) -> tuple[Any, ...]:
            if not isinstance(value, list):
                raise _Invalid(f"expected a list, got {_describe(value)}")
            return tuple(map(item, value))

        return to_tuple
    if annotation is str:
        return _to_str
    if annotation is int:
        return _to_int
    if isinstance(annotation, type) and issubclass(annotation, Record):
        return _record_converter(annotation)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        members = {m.value: m for m in annotation}
        valid = ", ".join(members)

        def to_member(value: Any) -> Any:
            member = members.get(value) if isinstance(value, str) else None
            if member is None:
                raise _Invalid(f"{value!r} is not one of: {valid}")
            return member

        return to_member
    raise TypeError(f"unsupported field type {annotation!r}")  # a schema bug, not a catalog error


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, str):
        return "an empty string" if not value.strip() else f"a string ({value[:40]!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _convert_entry(raw: RawEntry, problems: list[Problem]) -> dict[str, Any]:
    """The fields of ``raw`` that convert; problems with the others are appended."""
    fields = _field_types(raw.kind)
    values: dict[str, Any] = {}

    def report(field: str, message: str) -> None:
        problems.append(Problem(file=raw.file, line=raw.line_of(field), entry=raw.id, field=field, message=message))

    for key, value in raw.data.items():
        if key in DERIVED_FIELDS or key not in fields:
            if key in DERIVED_FIELDS:
                report(str(key), "is computed by ppml; remove it")
                continue
            from ppml_cli.suggest import suggest

            guess = suggest(str(key), sorted(set(fields) - DERIVED_FIELDS), limit=1, cutoff=70)
            hint = f"; did you mean {guess[0]!r}?" if guess else ""
            report(str(key), f"unknown field for a {raw.kind.value}{hint}")
            continue
        annotation, _ = fields[key]
        try:
            values[key] = converter(annotation)(value)
        except _Invalid as exc:
            report(key, str(exc))
    for name, (_, required) in fields.items():
        if required and name not in raw.data and name not in DERIVED_FIELDS:
            report(name, "missing required field")
    entry_id = values.get("id")
    if isinstance(entry_id, str) and not ID_PATTERN.match(entry_id):
        report("id", "ids are lower-case kebab-case, like 'federated-learning'")
    return values


def _cross_check(values: dict[str, dict[str, Any]], raws: dict[str, RawEntry], problems: list[Problem]) -> None:
    # An entry that failed conversion still exists: pointing at it is not a second error.
    ids_by_kind: dict[Kind, set[str]] = {kind: set() for kind in Kind}
    for entry_id, raw in raws.items():
        ids_by_kind[raw.kind].add(entry_id)

    def check(entry_id: str, field: str, targets: Iterable[str], kind: Kind) -> None:
        raw = raws[entry_id]
        for target in targets:
            if target not in ids_by_kind[kind]:
                from ppml_cli.suggest import suggest

                guess = suggest(target, sorted(ids_by_kind[kind]), limit=1, cutoff=60)
                hint = f"; did you mean {guess[0]!r}?" if guess else ""
                message = f"unknown {kind.value} id {target!r}{hint}"
                problems.append(
                    Problem(file=raw.file, line=raw.line_of(field), entry=entry_id, field=field, message=message)
                )

    for entry_id, vals in values.items():
        raw = raws[entry_id]
        check(entry_id, "techniques", vals.get("techniques", ()), Kind.TECHNIQUE)
        if raw.kind is Kind.TECHNIQUE:
            check(entry_id, "phase", [vals["phase"]] if "phase" in vals else [], Kind.PHASE)
            check(entry_id, "mitigates", [m.threat for m in vals.get("mitigates", ())], Kind.THREAT)
            check(entry_id, "tradeoffs", [t.reference for t in vals.get("tradeoffs", ())], Kind.REFERENCE)
        if raw.kind is Kind.TOOL:
            check(entry_id, "mitigates", [m.threat for m in vals.get("mitigates", ())], Kind.THREAT)
            if vals.get("superseded_by"):
                check(entry_id, "superseded_by", [vals["superseded_by"]], Kind.TOOL)
            check(entry_id, "audits", vals.get("audits", ()), Kind.THREAT)
            capabilities = vals.get("capabilities", ())
            check(entry_id, "capabilities", [c.reference for c in capabilities if c.reference], Kind.REFERENCE)
            seen = [c.aspect.value for c in capabilities]
            for aspect in sorted({a for a in seen if seen.count(a) > 1}):
                message = f"capability {aspect!r} is given more than once; say it in one value"
                problems.append(
                    Problem(
                        file=raw.file,
                        line=raw.line_of("capabilities"),
                        entry=entry_id,
                        field="capabilities",
                        message=message,
                    )
                )
        if raw.kind in (Kind.TUTORIAL, Kind.REFERENCE):
            check(entry_id, "tools", vals.get("tools", ()), Kind.TOOL)


def _build(values: dict[str, dict[str, Any]], raws: dict[str, RawEntry]) -> list[Entry]:
    phase_order = {
        entry_id: vals.get("order", 0) for entry_id, vals in values.items() if raws[entry_id].kind is Kind.PHASE
    }
    technique_phase = {
        entry_id: vals["phase"] for entry_id, vals in values.items() if raws[entry_id].kind is Kind.TECHNIQUE
    }
    from ppml_cli.bibliography import assign_keys

    citation_keys = assign_keys(
        (entry_id, vals.get("authors", ()), vals.get("year"), vals.get("name", ""))
        for entry_id, vals in values.items()
        if raws[entry_id].kind is Kind.REFERENCE
    )
    entries: list[Entry] = []
    tuples: dict[tuple[str, ...], tuple[str, ...]] = {}
    for entry_id, vals in values.items():
        kind = raws[entry_id].kind
        record = RECORD_TYPES[kind]
        if record is Phase:
            vals["phases"] = (entry_id,)
        elif record is Technique:
            vals["phases"] = (vals["phase"],)
        else:
            found = {technique_phase[t] for t in vals.get("techniques", ()) if t in technique_phase}
            vals["phases"] = tuple(sorted(found, key=lambda p: (phase_order.get(p, 0), p)))
        if record is Tool:
            vals["open_source"] = licenses.is_open_source(vals.get("license"))
        if entry_id in citation_keys:
            vals["citation_key"] = citation_keys[entry_id]
        entries.append(record(**_shared(vals, tuples)))
    return entries


#: Strings up to this long are made one object per value (ids, licences, languages, venues).
SHARED_CHARS = 64


def _shared(vals: dict[str, Any], tuples: dict[tuple[str, ...], tuple[str, ...]]) -> dict[str, Any]:
    """The same values, with each short string and each list of strings one object however often it recurs.

    YAML makes a new string for every occurrence, so ``dp-training`` in a
    thousand entries' techniques is a thousand strings, and pickle, which shares
    by identity, stores and rebuilds each. Shared, the cached catalog of a large
    user catalog is a tenth smaller and loads a fifth faster; memory drops too.
    """
    out: dict[str, Any] = {}
    for name, value in vals.items():
        if type(value) is str and len(value) <= SHARED_CHARS:
            value = sys.intern(value)
        elif type(value) is tuple and value and all(type(item) is str for item in value):
            value = tuple(sys.intern(item) if len(item) <= SHARED_CHARS else item for item in value)
            value = tuples.setdefault(value, value)
        out[name] = value
    return out


def build_catalog(raw_entries: Sequence[RawEntry], problems: list[Problem], sources: Sequence[str] = ()) -> Catalog:
    """Convert merged raw entries; raise :class:`CatalogError` if any error was found."""
    values: dict[str, dict[str, Any]] = {}
    raws: dict[str, RawEntry] = {}
    for raw in raw_entries:
        raws[raw.id] = raw
        values[raw.id] = _convert_entry(raw, problems)
    _cross_check(values, raws, problems)
    if any(p.severity is Severity.ERROR for p in problems):
        raise CatalogError(problems)
    replaced = tuple((raw.id, raw.replaces, raw.file) for raw in raw_entries if raw.replaces)
    return Catalog(entries=tuple(_build(values, raws)), sources=tuple(sources), replaced=replaced)


def read_merged(
    paths: Sequence[Path],
    problems: list[Problem],
    *,
    locate: bool = True,
    contents: Sequence[bytes | None] | None = None,
) -> list[RawEntry]:
    """Every file's entries (parsed from ``contents`` when given), merged in order; problems are appended."""
    texts: Sequence[bytes | None] = contents if contents is not None else [None] * len(paths)
    return merge(
        [read_file(path, problems, locate=locate, content=text) for path, text in zip(paths, texts, strict=True)],
        problems,
    )


def load_catalog(
    extra: Sequence[Path] = (),
    *,
    bundled: bool = True,
    contents: Sequence[bytes] | None = None,
    paths: Sequence[Path] | None = None,
) -> Catalog:
    """The bundled catalog (unless ``bundled`` is false) with ``extra`` files merged over it.

    ``contents`` are the files' bytes when the caller has read them already
    (the cache key is a hash of them). Files are first parsed without
    recording line numbers, which is a quarter faster; only a catalog with
    problems is parsed again, located, so that every problem names its line.
    ``paths``, when given, are the files already resolved (``extra`` and
    ``bundled`` are then unused).
    """
    if paths is None:
        paths = catalog_paths(extra, bundled=bundled)
    sources = [str(p) for p in paths]
    if contents is None:
        try:
            contents = [read_catalog(path) for path in paths]
        except UnreadableCatalog:
            contents = None  # read_file reports each unreadable file
    try:
        problems: list[Problem] = []
        return build_catalog(read_merged(paths, problems, locate=False, contents=contents), problems, sources)
    except CatalogError:
        problems = []
        return build_catalog(read_merged(paths, problems, locate=True, contents=contents), problems, sources)
