"""The answer of ``ppml recommend``: a plan, best first in every list.

Like every result, a plan knows nothing of terminals or formats; ``to_data``
is the one JSON-ready view (the documented contract), and the renderers show
that same content.
"""

from __future__ import annotations

from typing import Any

from ppml_cli.model import Entry, Record, plain

#: The plan's JSON shape: fields are only ever added; this changes when one changes incompatibly.
SCHEMA_VERSION = 1


class ThreatInScope(Record):
    id: str
    name: str
    why: str


class TechniqueEffect(Record):
    """How a technique bears on one threat in scope."""

    threat: str
    strength: str
    reason: str
    condition: str | None = None


class PlannedTechnique(Record):
    entry: Entry
    strength: str
    #: Why the situation calls for it; the JSON ``why`` adds one sentence per threat it mitigates.
    why: tuple[str, ...]
    mitigates: tuple[TechniqueEffect, ...]
    costs: str | None
    tradeoffs: tuple[dict[str, Any], ...]
    combine_with: tuple[str, ...]
    role: str = "mitigation"
    #: Whether an answer asked for it (rather than only its strength or another technique).
    asked: bool = False


class PlannedTool(Record):
    entry: Entry
    techniques: tuple[str, ...]
    why: tuple[str, ...]
    caveats: tuple[str, ...]
    successor: str | None = None
    stars: int | None = None


class AuditStep(Record):
    entry: Entry
    threats: tuple[str, ...]
    why: tuple[str, ...]


class RuledOut(Record):
    id: str
    name: str
    reason: str


class Epsilon(Record):
    guidance: str
    sources: tuple[str, ...]
    sensitivity: str
    #: The target in one line, for the plan's summary.
    short: str | None = None


class PrivacyUnit(Record):
    """Whose privacy a DP guarantee protects: one record, one user (all their records), a device, an organisation."""

    value: str
    why: str


class AuditRecipe(Record):
    """How to test the plan against the threat that matters in this situation."""

    recipe: str
    sources: tuple[str, ...] = ()


class Summary(Record):
    """The decision in a few lines, read before the detail."""

    architecture: str
    techniques: tuple[str, ...]
    tools: tuple[str, ...]
    budget: str | None
    audit: str | None
    unit: str | None


class Plan(Record):
    """A recommendation for one situation."""

    inputs: dict[str, Any]
    threats: tuple[ThreatInScope, ...]
    techniques: tuple[PlannedTechnique, ...]
    tools: tuple[PlannedTool, ...]
    epsilon: Epsilon | None
    audit: tuple[AuditStep, ...]
    references: tuple[Entry, ...]
    not_covered: tuple[str, ...]
    ruled_out: tuple[RuledOut, ...] = ()
    summary: Summary | None = None
    privacy_unit: PrivacyUnit | None = None
    audit_recipe: AuditRecipe | None = None

    @property
    def entries(self) -> tuple[Entry, ...]:
        return (
            tuple(t.entry for t in self.techniques)
            + tuple(t.entry for t in self.tools)
            + tuple(a.entry for a in self.audit)
            + self.references
        )

    def to_data(self) -> dict[str, Any]:
        names = {t.id: t.name for t in self.threats}
        return {
            "schema_version": SCHEMA_VERSION,
            "inputs": dict(self.inputs),
            "threats": [plain(t) for t in self.threats],
            "techniques": [
                {
                    "id": t.entry.id,
                    "name": t.entry.name,
                    "url": t.entry.url,
                    "role": t.role,
                    "strength": t.strength,
                    "why": " ".join((*t.why, *_effect_sentences(t, names))),
                    "mitigates": [plain(m) for m in t.mitigates],
                    "costs": t.costs,
                    "tradeoffs": [dict(x) for x in t.tradeoffs],
                    "combine_with": list(t.combine_with),
                }
                for t in self.techniques
            ],
            "tools": [
                {
                    "id": t.entry.id,
                    "name": t.entry.name,
                    "url": t.entry.url,
                    "install": _install(t.entry),
                    "status": getattr(getattr(t.entry, "status", None), "value", None),
                    "license": getattr(t.entry, "license", None),
                    "open_source": getattr(t.entry, "open_source", None),
                    "frameworks": list(getattr(t.entry, "frameworks", ())),
                    "techniques": list(t.techniques),
                    "why": " ".join(t.why),
                    "caveats": list(t.caveats),
                    "successor": t.successor,
                    "stars": t.stars,
                }
                for t in self.tools
            ],
            "epsilon": None
            if self.epsilon is None
            else {
                "guidance": self.epsilon.guidance,
                "sources": list(self.epsilon.sources),
                "sensitivity": self.epsilon.sensitivity,
                "short": self.epsilon.short,
            },
            "audit": [
                {
                    "id": a.entry.id,
                    "name": a.entry.name,
                    "url": a.entry.url,
                    "install": _install(a.entry),
                    "threats": list(a.threats),
                    "why": " ".join(a.why),
                }
                for a in self.audit
            ],
            "references": [r.id for r in self.references],
            "not_covered": list(self.not_covered),
            "ruled_out": [plain(r) for r in self.ruled_out],
            # added in the same schema version: fields are only ever added
            "summary": None if self.summary is None else plain(self.summary),
            "privacy_unit": None if self.privacy_unit is None else plain(self.privacy_unit),
            "audit_recipe": None if self.audit_recipe is None else plain(self.audit_recipe),
        }


def _install(entry: Entry) -> str | None:
    install = getattr(entry, "install", None)
    if install:
        return str(install)
    package = getattr(entry, "package", None)
    return f"pip install {package}" if package else None


def _effect_sentences(technique: PlannedTechnique, names: dict[str, str]) -> list[str]:
    return [
        f"{m.strength.capitalize()} against {names.get(m.threat, m.threat)}: {m.reason}"
        for m in technique.mitigates
        if m.strength != "none"
    ]
