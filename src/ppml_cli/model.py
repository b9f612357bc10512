"""Typed, immutable records: what the catalog holds.

Every record is a :class:`~ppml_cli.record.Record` (frozen, keyword-only; see
that module for why not dataclasses) so that the core, the renderers and the
tests share one vocabulary, and so that an entry cannot change under a
renderer's feet. Cross-references are ids (strings); the index resolves them.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, ClassVar

from ppml_cli.record import FrozenRecordError as FrozenRecordError
from ppml_cli.record import Record as Record
from ppml_cli.record import fields as fields
from ppml_cli.record import replace as replace


class Kind(str, Enum):
    """The kinds of catalog entry, in the order used to break ranking ties."""

    TECHNIQUE = "technique"
    TOOL = "tool"
    REFERENCE = "reference"
    TUTORIAL = "tutorial"
    THREAT = "threat"
    PHASE = "phase"

    @property
    def plural(self) -> str:
        """The catalog's top-level YAML key for this kind."""
        return self.value + "s"

    @property
    def order(self) -> int:
        return _KIND_ORDER[self]


_KIND_ORDER = {kind: position for position, kind in enumerate(Kind)}


class Status(str, Enum):
    """How alive a tool is, as far as its own repository and package tell."""

    ACTIVE = "active"
    LOW_ACTIVITY = "low-activity"
    LEGACY = "legacy"
    DEPRECATED = "deprecated"
    UNKNOWN = "unknown"

    @property
    def rank(self) -> int:
        """Maintenance order for listings: active first, then low-activity, unknown, legacy, deprecated."""
        return _STATUS_RANK[self]


_STATUS_RANK = {
    Status.ACTIVE: 0,
    Status.LOW_ACTIVITY: 1,
    Status.UNKNOWN: 2,
    Status.LEGACY: 3,
    Status.DEPRECATED: 4,
}


class Strength(str, Enum):
    """How well a technique or tool mitigates a threat, strongest first."""

    STRONG = "strong"
    PARTIAL = "partial"
    WEAK = "weak"
    NONE = "none"

    @property
    def rank(self) -> int:
        """0 for strong up to 3 for none: sorts the strongest first."""
        return _STRENGTH_RANK[self]


_STRENGTH_RANK = {strength: position for position, strength in enumerate(Strength)}


class Role(str, Enum):
    """What a technique does about threats: mitigate them, enable a mitigation, or measure them."""

    MITIGATION = "mitigation"
    ENABLER = "enabler"
    MEASUREMENT = "measurement"


class Entry(Record):
    """Fields every kind has; the output contract relies on them."""

    kind: ClassVar[Kind]

    id: str
    name: str
    description: str
    url: str | None = None
    former_urls: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    search_phrases: tuple[str, ...] = ()  # curated wordings a user may search by (see ppml_cli.search)
    phases: tuple[str, ...] = ()
    techniques: tuple[str, ...] = ()
    #: Fields whose value nobody has verified against a primary source.
    unverified: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping: ``id``, ``kind`` and ``name`` first, lists as lists."""
        out: dict[str, Any] = {"id": self.id, "kind": self.kind.value}
        for name in self.__fields__:
            if name != "id":
                out[name] = plain(getattr(self, name))
        return out

    @property
    def all_urls(self) -> tuple[str, ...]:
        return ((self.url,) if self.url else ()) + self.former_urls


def plain(value: Any) -> Any:
    """A field value as JSON-ready data: tuples become lists, enums their values, records dicts."""
    if isinstance(value, tuple):
        return [plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Record):
        return {name: plain(getattr(value, name)) for name in value.__fields__}
    return value


class Phase(Entry):
    """A stage of the ML lifecycle (seed sections 1 to 6)."""

    kind: ClassVar[Kind] = Kind.PHASE
    order: int = 0


class Mitigation(Record):
    """A technique's or tool's effect on one threat, with the reason in one line.

    ``condition`` says when the strength holds (e.g. "epsilon <= 1"), where it
    depends on a setting.
    """

    threat: str
    strength: Strength
    reason: str
    condition: str | None = None


class Tradeoff(Record):
    """A figure a practitioner weighs, with the setting it was measured in and its source.

    ``reference`` is the id of a reference in the catalog; a figure without
    one does not load.
    """

    metric: str
    value: str
    setting: str
    reference: str


class Aspect(str, Enum):
    """What a capability compares across the tools of one technique; declared once, in compare's row order.

    DP training: accountants to model support to clipping and noise. Federated
    learning: topologies to simulation. Homomorphic encryption: schemes to
    security parameters. ``languages`` serves both of the last two.
    """

    ACCOUNTANTS = "accountants"
    MODEL_SUPPORT = "model support"
    FRAMEWORK_VERSIONS = "framework versions"
    DISTRIBUTED = "distributed training"
    PER_SAMPLE_GRADIENTS = "per-sample gradients"
    CLIPPING_AND_NOISE = "clipping and noise"
    TOPOLOGIES = "topologies"
    SECURE_AGGREGATION = "secure aggregation"
    DIFFERENTIAL_PRIVACY = "differential privacy"
    ML_FRAMEWORKS = "ml frameworks"
    SIMULATION = "simulation"
    SCHEMES = "schemes"
    BOOTSTRAPPING = "bootstrapping"
    ML_INTEGRATION = "ml integration"
    OPERATIONS = "encrypted operations"
    SECURITY_PARAMETERS = "security parameters"
    LANGUAGES = "languages"


class Capability(Record):
    """One sourced fact of what a tool can do, for comparing the tools of a technique.

    ``source`` says where the fact was read (a file of a named release, its
    METADATA, a docs page or README, a maintainer's answer in an issue), as
    ``license_source`` does; ``reference`` is the id of a catalog reference that
    states it; ``checked`` says how and when it was confirmed by installing or
    running. A capability without a source does not load.
    """

    aspect: Aspect
    value: str
    source: str
    reference: str | None = None
    checked: str | None = None

    def summary(self) -> str:
        """The value with where it comes from, as one line of plain text."""
        where = [f"source: {self.source}"]
        if self.reference:
            where.append(f"reference: {self.reference}")
        if self.checked:
            where.append(f"checked: {self.checked}")
        return f"{self.value} ({'; '.join(where)})"


class Technique(Entry):
    """A privacy-preserving technique; ``phases`` holds exactly its one phase."""

    kind: ClassVar[Kind] = Kind.TECHNIQUE
    phase: str
    role: Role = Role.MITIGATION
    when_to_use: str | None = None
    costs: str | None = None
    mitigates: tuple[Mitigation, ...] = ()
    tradeoffs: tuple[Tradeoff, ...] = ()


class Threat(Entry):
    """A privacy attack class of the NIST adversarial ML taxonomy."""

    kind: ClassVar[Kind] = Kind.THREAT
    nist_id: str | None = None
    scope: str | None = None
    #: Why no technique mitigates this threat well, where that is the honest answer.
    no_known_mitigation: str | None = None


class Tool(Entry):
    """A library, framework or code base that implements techniques."""

    kind: ClassVar[Kind] = Kind.TOOL
    license: str | None = None
    open_source: bool | None = None
    language: str | None = None
    package: str | None = None
    install: str | None = None
    frameworks: tuple[str, ...] = ()
    status: Status = Status.UNKNOWN
    superseded_by: str | None = None
    last_activity: str | None = None
    last_activity_source: str | None = None
    categories: tuple[str, ...] = ()
    #: Threats this tool itself helps against (curated, never inherited from its techniques).
    mitigates: tuple[Mitigation, ...] = ()
    #: Threats this tool measures.
    audits: tuple[str, ...] = ()
    license_source: str | None = None
    pros: tuple[str, ...] = ()
    cons: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    corrections: tuple[str, ...] = ()
    #: Sourced facts compared across the tools of a technique (see :class:`Aspect`).
    capabilities: tuple[Capability, ...] = ()


class Reference(Entry):
    """A paper, book, article or report; ``name`` is its title."""

    kind: ClassVar[Kind] = Kind.REFERENCE
    type: str = "paper"
    authors: tuple[str, ...] = ()
    year: int | None = None
    venue: str | None = None
    arxiv: str | None = None
    doi: str | None = None
    tools: tuple[str, ...] = ()
    corrections: tuple[str, ...] = ()
    #: BibTeX key, unique in the catalog (computed; see :mod:`ppml_cli.bibliography`).
    citation_key: str | None = None


class Tutorial(Entry):
    """Examples or a course, usually attached to one tool."""

    kind: ClassVar[Kind] = Kind.TUTORIAL
    tools: tuple[str, ...] = ()
    topic: str | None = None


RECORD_TYPES: dict[Kind, type[Entry]] = {
    Kind.PHASE: Phase,
    Kind.TECHNIQUE: Technique,
    Kind.THREAT: Threat,
    Kind.TOOL: Tool,
    Kind.REFERENCE: Reference,
    Kind.TUTORIAL: Tutorial,
}


class Catalog(Record):
    """A validated, merged catalog: entries in file order, ids unique."""

    entries: tuple[Entry, ...]
    sources: tuple[str, ...] = ()
    #: (id, file of the entry replaced, file of the entry that replaced it), for each id a later file took over
    replaced: tuple[tuple[str, str, str], ...] = ()
