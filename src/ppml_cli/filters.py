"""Filters: the values a user typed, checked against the catalog, and the test an entry must pass.

``search`` and ``list`` share them. The options themselves are declared once in
:data:`ppml_cli.options.FILTERS`; each fills one field of :class:`FilterRequest`,
:func:`resolve_filters` turns the request into ids (or refuses a value the
catalog does not know, with a suggestion), and :func:`passes` is what the
resolved values mean. A new filter touches ``options.py`` and this module.
"""

from __future__ import annotations

from collections.abc import Sequence

from ppml_cli.errors import InvalidValueError
from ppml_cli.index import Index, attribute_values
from ppml_cli.model import Entry, Kind, Record, Tool


class FilterRequest(Record):
    """Filter values as the user typed them (ids, names or aliases, any case)."""

    kinds: Sequence[str] = ()
    phases: Sequence[str] = ()
    techniques: Sequence[str] = ()
    threats: Sequence[str] = ()
    audits: Sequence[str] = ()
    frameworks: Sequence[str] = ()
    licenses: Sequence[str] = ()
    statuses: Sequence[str] = ()
    languages: Sequence[str] = ()
    open_source: bool | None = None
    year_from: int | None = None
    year_to: int | None = None

    def is_empty(self) -> bool:
        """Whether no filter was asked for: then nothing needs checking against the catalog."""
        return all(not value if isinstance(value, Sequence) else value is None for value in self.__dict__.values())


class Filters(Record):
    """Resolved filter values (ids); empty means "any"."""

    kinds: frozenset[Kind] = frozenset()
    phases: frozenset[str] = frozenset()
    techniques: frozenset[str] = frozenset()
    threats: frozenset[str] = frozenset()
    #: Threats a tool must measure (``--audits``); only tools pass.
    audits: frozenset[str] = frozenset()
    #: Tool attributes (attribute name -> accepted values); an entry without the attribute fails.
    attributes: tuple[tuple[str, frozenset[str]], ...] = ()
    open_source: bool | None = None
    year_from: int | None = None
    year_to: int | None = None

    def is_empty(self) -> bool:
        return self == Filters()


#: Free-form tool attributes that filter like --phase: (option, request field, record attribute).
ATTRIBUTE_OPTIONS = (
    ("--framework", "frameworks", "frameworks"),
    ("--license", "licenses", "license"),
    ("--status", "statuses", "status"),
    ("--language", "languages", "language"),
)


def resolve_filters(index: Index, request: FilterRequest) -> Filters:
    """Validate every filter value against the catalog; unknown values raise."""
    kinds = set()
    for value in request.kinds:
        wanted = value.strip().casefold()
        match = [k for k in Kind if wanted in (k.value, k.plural)]
        if not match:
            valid = ", ".join(k.value for k in Kind)
            raise InvalidValueError(f"invalid value for --kind: {value!r}", hint=f"valid values: {valid}")
        kinds.add(match[0])
    if request.year_from is not None and request.year_to is not None and request.year_from > request.year_to:
        raise InvalidValueError(
            f"--year-from {request.year_from} is after --year-to {request.year_to}", hint="swap the two years"
        )
    attributes = tuple(
        (attribute, index.resolve_values(option, values, attribute))
        for option, name, attribute in ATTRIBUTE_OPTIONS
        if (values := getattr(request, name))
    )
    return Filters(
        kinds=frozenset(kinds),
        phases=index.resolve_option("--phase", request.phases, Kind.PHASE),
        techniques=index.resolve_option("--technique", request.techniques, Kind.TECHNIQUE),
        threats=index.resolve_option("--threat", request.threats, Kind.THREAT),
        audits=index.resolve_option("--audits", request.audits, Kind.THREAT),
        attributes=attributes,
        open_source=request.open_source,
        year_from=request.year_from,
        year_to=request.year_to,
    )


def passes(index: Index, entry: Entry, filters: Filters) -> bool:
    """Whether an entry passes every filter (a filter left empty passes everything)."""
    if filters.kinds and entry.kind not in filters.kinds:
        return False
    if filters.phases and not filters.phases.intersection(entry.phases):
        return False
    if filters.techniques:
        own = {entry.id} if entry.kind is Kind.TECHNIQUE else set(entry.techniques)
        if not filters.techniques.intersection(own):
            return False
    if filters.threats and not filters.threats & index.threats_of(entry):
        return False
    if filters.audits and not (isinstance(entry, Tool) and filters.audits.intersection(entry.audits)):
        return False
    for attribute, accepted in filters.attributes:
        if not accepted.intersection(attribute_values(entry, attribute)):
            return False
    if filters.open_source is not None and getattr(entry, "open_source", None) is not filters.open_source:
        return False
    if filters.year_from is not None or filters.year_to is not None:
        year = getattr(entry, "year", None)
        if year is None:
            return False
        if filters.year_from is not None and year < filters.year_from:
            return False
        if filters.year_to is not None and year > filters.year_to:
            return False
    return True


def apply(index: Index, filters: Filters) -> list[Entry]:
    """The catalog's entries that pass, in catalog order."""
    return [entry for entry in index.entries if passes(index, entry, filters)]
