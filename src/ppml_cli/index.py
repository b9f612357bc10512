"""The in-memory index: lookups by id, name or alias, filters and relations.

Built once per run from a :class:`~ppml_cli.model.Catalog`; everything the
commands ask of the catalog goes through it, so that "what is related to what"
is decided in one place and every renderer shows the same answer.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TypeVar

from ppml_cli.errors import InvalidValueError, NotFoundError
from ppml_cli.model import (
    Catalog,
    Entry,
    Kind,
    Mitigation,
    Phase,
    Reference,
    Status,
    Strength,
    Technique,
    Threat,
    Tool,
    Tutorial,
)

_NON_ALNUM = re.compile(r"[^0-9a-z]+")

#: A record type with curated mitigations (techniques and tools).
M = TypeVar("M", Technique, Tool)


def compact(text: str) -> str:
    """Case- and punctuation-blind key: 'DP-SGD', 'dp sgd' and 'dpsgd' are one."""
    return _NON_ALNUM.sub("", text.casefold())


def entry_labels(entry: Entry) -> tuple[str, ...]:
    """Everything an entry answers to: id, name, aliases, and a reference's citation key."""
    key = getattr(entry, "citation_key", None)
    return (entry.id, entry.name, *entry.aliases, *((key,) if key else ()))


def entry_sort_key(entry: Entry) -> tuple[int, str, str]:
    """The catalog's one deterministic order: kind, then name, then id."""
    return (entry.kind.order, entry.name.casefold(), entry.id)


class Index:
    """Lookups, filters and relations over one catalog.

    The name and reverse-reference tables are built on first use and never
    pickled: a ``list`` or ``search`` needs neither, and rebuilding them costs
    less than unpickling them for a large catalog.
    """

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        #: Which cache entry this index came from (set by the loader; None when uncached).
        self.cache_key: str | None = None
        self.by_id = {e.id: e for e in self.catalog.entries}
        self._names: tuple[dict[str, list[Entry]], dict[str, list[Entry]]] | None = None
        self._users: dict[str, list[Entry]] | None = None

    def __getstate__(self) -> dict[str, object]:
        return {"catalog": self.catalog}

    def __setstate__(self, state: dict[str, Catalog]) -> None:
        self.__init__(state["catalog"])  # type: ignore[misc]

    def _name_tables(self) -> tuple[dict[str, list[Entry]], dict[str, list[Entry]]]:
        """(casefolded label -> entries, compact label -> entries), in catalog sort order."""
        if self._names is None:
            by_name: dict[str, list[Entry]] = defaultdict(list)
            by_compact: dict[str, list[Entry]] = defaultdict(list)
            for entry in sorted(self.catalog.entries, key=entry_sort_key):
                for label in entry_labels(entry):
                    by_name[label.casefold()].append(entry)
                    by_compact[compact(label)].append(entry)
            self._names = (by_name, by_compact)
        return self._names

    def _user_table(self) -> dict[str, list[Entry]]:
        """Reverse references: target id -> entries that point at it."""
        if self._users is None:
            users: dict[str, list[Entry]] = defaultdict(list)
            for entry in self.catalog.entries:
                for target in _outgoing(entry):
                    users[target].append(entry)
            self._users = users
        return self._users

    @property
    def entries(self) -> tuple[Entry, ...]:
        return self.catalog.entries

    def of_kind(self, kind: Kind) -> list[Entry]:
        return [e for e in self.catalog.entries if e.kind is kind]

    # ------------------------------------------------------------- lookups

    def lookup(self, text: str, kinds: Iterable[Kind] = ()) -> Entry | None:
        """The entry whose id, name or alias is ``text``, ignoring case and punctuation."""
        wanted = frozenset(kinds)
        text = text.strip()
        if not text:
            return None
        exact = self.by_id.get(text)
        if exact is not None and (not wanted or exact.kind in wanted):
            return exact
        by_name, by_compact = self._name_tables()
        for table, key in ((by_name, text.casefold()), (by_compact, compact(text))):
            for entry in table.get(key, ()):
                if not wanted or entry.kind in wanted:
                    return entry
        return None

    def labels(self, kinds: Iterable[Kind] = ()) -> dict[str, Entry]:
        """Every id, name and alias (of the given kinds) mapped to its entry."""
        wanted = frozenset(kinds)
        out: dict[str, Entry] = {}
        for entry in sorted(self.catalog.entries, key=entry_sort_key):
            if wanted and entry.kind not in wanted:
                continue
            for label in entry_labels(entry):
                out.setdefault(label, entry)
        return out

    def suggest(self, text: str, kinds: Iterable[Kind] = (), limit: int = 3) -> list[str]:
        """Ids of the entries whose labels look most like ``text``, best first."""
        from ppml_cli.suggest import suggest

        labels = self.labels(kinds)
        out: list[str] = []
        for label in suggest(text, labels, limit=limit * 4):
            entry_id = labels[label].id
            if entry_id not in out:
                out.append(entry_id)
        return out[:limit]

    def get(self, text: str, kinds: Iterable[Kind] = ()) -> Entry:
        """Like :meth:`lookup`, but an unknown entry raises with suggestions."""
        entry = self.lookup(text, kinds)
        if entry is None:
            raise NotFoundError(text, self.suggest(text, kinds))
        return entry

    def vocabulary(self, attribute: str) -> list[str]:
        """Every value an attribute takes in this catalog, sorted case-insensitively."""
        found: set[str] = set()
        for entry in self.catalog.entries:
            found |= attribute_values(entry, attribute)
        return sorted(found, key=str.casefold)

    def resolve_values(self, option: str, values: Sequence[str], attribute: str) -> frozenset[str]:
        """Match user-typed values of a free-form attribute against the catalog's own, any case."""
        vocabulary = self.vocabulary(attribute)
        by_key = {compact(v): v for v in vocabulary}
        out: set[str] = set()
        for value in values:
            match = by_key.get(compact(value))
            if match is None:
                from ppml_cli.suggest import suggest

                guess = suggest(value, vocabulary, limit=1, cutoff=70)
                hint = f"did you mean {guess[0]!r}? " if guess else ""
                raise InvalidValueError(
                    f"invalid value for {option}: {value!r}", hint=f"{hint}valid values: {', '.join(vocabulary)}"
                )
            out.add(match)
        return frozenset(out)

    def resolve_option(self, option: str, values: Sequence[str], kind: Kind) -> frozenset[str]:
        """Turn user-typed option values (id, name or alias) into ids, or fail listing the valid ones."""
        ids: set[str] = set()
        for value in values:
            entry = self.lookup(value, [kind])
            if entry is None:
                valid = ", ".join(e.id for e in self.of_kind(kind))
                guesses = self.suggest(value, [kind])
                hint = f"did you mean {guesses[0]!r}? " if guesses else ""
                raise InvalidValueError(
                    f"invalid value for {option}: {value!r} is not a known {kind.value}",
                    hint=f"{hint}valid values: {valid}",
                )
            ids.add(entry.id)
        return frozenset(ids)

    # ----------------------------------------------------------- relations

    def users_of(self, entry_id: str, kind: Kind | None = None) -> list[Entry]:
        """Entries that reference ``entry_id``, optionally only of one kind."""
        users = self._user_table().get(entry_id, [])
        return [e for e in users if kind is None or e.kind is kind]

    def mitigated_by(self, threat_id: str) -> list[tuple[Technique, Mitigation]]:
        """Techniques that mitigate a threat (strength above none), strongest first, then by name."""
        out = self._mitigations(threat_id, Technique)
        return sorted(out, key=lambda t: (t[1].strength.rank, entry_sort_key(t[0])))

    def tools_mitigating(self, threat_id: str) -> list[tuple[Tool, Mitigation]]:
        """Tools whose own curated ``mitigates`` names a threat, by strength, then maintenance status, then name."""
        out = self._mitigations(threat_id, Tool)
        return sorted(out, key=lambda t: (t[1].strength.rank, *tool_order(t[0])))

    def _mitigations(self, threat_id: str, record: type[M]) -> list[tuple[M, Mitigation]]:
        """Entries of one record type whose ``mitigates`` names the threat with some strength, in catalog order."""
        return [
            (entry, m)
            for entry in self.of_kind(record.kind)
            if isinstance(entry, record)
            for m in entry.mitigates
            if m.threat == threat_id and m.strength is not Strength.NONE
        ]

    def threats_of(self, entry: Entry) -> set[str]:
        """Threats an entry helps against.

        A technique's are its own mitigations; a tool's are its own curated
        mitigations, never its techniques' (a feature-selection library does
        not inherit data minimisation's claims). References and tutorials
        have no threat relations of their own and take their techniques'.
        """
        if isinstance(entry, Threat):
            return {entry.id}
        if isinstance(entry, Tool):
            return {m.threat for m in entry.mitigates if m.strength is not Strength.NONE}
        techniques = [entry.id] if entry.kind is Kind.TECHNIQUE else list(entry.techniques)
        found: set[str] = set()
        for technique_id in techniques:
            technique = self.by_id.get(technique_id)
            if isinstance(technique, Technique):
                found.update(m.threat for m in technique.mitigates if m.strength is not Strength.NONE)
        return found

    def related(self, entry: Entry) -> dict[Kind, list[Entry]]:
        """What a detail page links to, grouped by kind, each group in catalog order."""
        groups: dict[Kind, list[Entry]] = defaultdict(list)

        def add(kind: Kind, items: Iterable[Entry | None]) -> None:
            for item in items:
                if item is not None and item.id != entry.id and item not in groups[kind]:
                    groups[kind].append(item)

        by_id = self.by_id.get
        add(Kind.PHASE, (by_id(p) for p in entry.phases))
        add(Kind.TECHNIQUE, (by_id(t) for t in entry.techniques))
        if isinstance(entry, Phase):
            techniques = [e for e in self.of_kind(Kind.TECHNIQUE) if entry.id in e.phases]
            add(Kind.TECHNIQUE, techniques)
            for kind in (Kind.TOOL, Kind.REFERENCE, Kind.TUTORIAL):
                add(kind, (e for e in self.of_kind(kind) if entry.id in e.phases))
        elif isinstance(entry, Technique):
            add(Kind.THREAT, (by_id(m.threat) for m in entry.mitigates if m.strength is not Strength.NONE))
            tools: list[Entry] = sorted(self.users_of(entry.id, Kind.TOOL), key=tool_order)
            add(Kind.TOOL, tools)
            for kind in (Kind.REFERENCE, Kind.TUTORIAL):
                add(kind, self.users_of(entry.id, kind))
            add(Kind.REFERENCE, (by_id(t.reference) for t in entry.tradeoffs))  # the sources of its figures
        elif isinstance(entry, Tool):
            add(Kind.THREAT, (by_id(t) for t in sorted(self.threats_of(entry) | set(entry.audits))))
            add(Kind.REFERENCE, self.users_of(entry.id, Kind.REFERENCE))
            add(Kind.TUTORIAL, self.users_of(entry.id, Kind.TUTORIAL))
            add(Kind.TOOL, [by_id(entry.superseded_by)] if entry.superseded_by else [])
            add(Kind.TOOL, self.users_of(entry.id, Kind.TOOL))
        elif isinstance(entry, (Reference, Tutorial)):
            add(Kind.TOOL, (by_id(t) for t in entry.tools))
        elif isinstance(entry, Threat):
            add(Kind.TECHNIQUE, (t for t, _ in self.mitigated_by(entry.id)))
            add(Kind.TOOL, (t for t, _ in self.tools_mitigating(entry.id)))
            add(Kind.TOOL, self.auditors_of(entry.id))
        return {kind: groups[kind] for kind in Kind if groups.get(kind)}

    def auditors_of(self, threat_id: str) -> list[Tool]:
        """Tools that measure a threat, by maintenance status, then name."""
        found = [e for e in self.users_of(threat_id, Kind.TOOL) if isinstance(e, Tool) and threat_id in e.audits]
        return sorted(found, key=lambda t: (t.status.rank, t.name.casefold(), t.id))


def best_strength(tool: Tool) -> Strength:
    """The strongest mitigation a tool claims (none when it claims none)."""
    return min((m.strength for m in tool.mitigates), key=lambda s: s.rank, default=Strength.NONE)


def tool_order(entry: Entry) -> tuple[int, int, str, str]:
    """How tools are listed under a technique or threat: strongest claim, then maintenance status, then name."""
    if not isinstance(entry, Tool):
        return (Strength.NONE.rank, Status.UNKNOWN.rank, entry.name.casefold(), entry.id)
    return (best_strength(entry).rank, entry.status.rank, entry.name.casefold(), entry.id)


def attribute_values(entry: Entry, attribute: str) -> set[str]:
    """An entry's values of a filterable attribute; languages such as 'C++, Python' split."""
    value = getattr(entry, attribute, None)
    if value is None:
        return set()
    if isinstance(value, tuple):
        return {str(v) for v in value}
    if attribute == "language":
        return {part.strip() for part in str(value).split(",") if part.strip()}
    return {getattr(value, "value", str(value))}


def _outgoing(entry: Entry) -> list[str]:
    targets = list(entry.techniques)
    if isinstance(entry, Tool):
        targets += list(entry.audits) + [m.threat for m in entry.mitigates]
        if entry.superseded_by:
            targets.append(entry.superseded_by)
    if isinstance(entry, (Reference, Tutorial)):
        targets += list(entry.tools)
    return list(dict.fromkeys(targets))
