"""From a situation to a plan: pure functions over the catalog index and the advice rules.

Nothing here prints or knows about options parsing; the CLI hands in a
:class:`Situation` (values as typed), gets a :class:`~ppml_cli.recommend.plan.Plan`
back, and a renderer shows it. Every ordering is deterministic: ties fall back
to the catalog's order.

How a plan is ranked
--------------------
* Threats in scope: those named (``--threat``), those the protected assets
  imply (``--protect``), and those the data type adds; when nothing names a
  threat, the deployment's (or the rules' default) threats.
* Techniques: each scores 3/2/1 per threat in scope it mitigates
  strongly/partially/weakly (the catalog's curated strengths), plus 6 for each
  answer that recommends it (the deployment's architecture outranks any single
  mitigation); ties go to the technique recommended first, then to the broader
  one (its strengths summed over every threat), then to catalog order. A
  technique the situation did not ask for joins only if it protects some threat
  in scope better than every technique ranked above it, or, where nothing
  protects that threat strongly, as well but at another lifecycle phase. Techniques a deployment rules out are dropped
  (and listed), unless combined with one the rules allow. Enablers (privacy
  accounting) join the plan after the technique that needs them. Measurement
  techniques belong to the audit step, not here.
* Tools per technique: never a legacy or deprecated tool above a maintained
  one; then a tool already in the plan; then fit (framework, data type, the
  tool's own curated mitigation of the threats in scope, focus on the plan's
  techniques), then status, then open-source licence (when asked), then GitHub
  stars (when refreshed), then catalog order. A
  deprecated tool appears only when its successor is named; a tool that does
  not support the framework asked for is left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ppml_cli.errors import InvalidValueError
from ppml_cli.index import Index
from ppml_cli.model import Entry, Kind, Record, Reference, Technique, Threat, Tool
from ppml_cli.recommend.plan import (
    AuditRecipe,
    AuditStep,
    Epsilon,
    Plan,
    PlannedTechnique,
    PlannedTool,
    PrivacyUnit,
    RuledOut,
    Summary,
    TechniqueEffect,
    ThreatInScope,
)
from ppml_cli.recommend.rules import (
    FRAMEWORKS,
    QUESTION_IDS,
    QUESTIONS,
    SPECS,
    THREATS,
    Advice,
    Answer,
    Question,
    Recipe,
    RuleOut,
    Setting,
    Suggestion,
)

STRENGTH_POINTS = {"strong": 3, "partial": 2, "weak": 1}
RECOMMENDED_POINTS = 6
STATUS_RANK = {"active": 0, "low-activity": 1, "unknown": 2, "legacy": 3, "deprecated": 4}
UNMAINTAINED = frozenset({"legacy", "deprecated"})
ANY = "any"


class Situation(Record):
    """A practitioner's situation, as typed: values by question id (ids, names or aliases; any case).

    Its questions are those of :data:`~ppml_cli.recommend.rules.QUESTIONS`; build one with
    :meth:`of` (``Situation.of(deploy="on-device", protect=["training-data"])``).
    """

    answers: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @classmethod
    def of(cls, **values: str | Sequence[str] | bool | None) -> Situation:
        """A situation from values by question id: a string, several, a yes/no flag, or None."""
        unknown = sorted(set(values) - set(QUESTION_IDS))
        if unknown:
            raise TypeError(f"Situation has no question {', '.join(unknown)}; the questions: {', '.join(QUESTION_IDS)}")
        answers = []
        for question_id in QUESTION_IDS:
            value = values.get(question_id)
            if isinstance(value, bool):
                found: tuple[str, ...] = ("yes",) if value else ()
            elif isinstance(value, str):
                found = (value,)
            else:
                found = tuple(value or ())
            if found:
                answers.append((question_id, found))
        return cls(answers=tuple(answers))

    def get(self, question_id: str) -> tuple[str, ...]:
        """The values given for a question, as typed (empty when it was not answered)."""
        return next((values for qid, values in self.answers if qid == question_id), ())

    def is_empty(self) -> bool:
        """Nothing was said about the situation (so, at a terminal, it is worth asking)."""
        return not self.answers


class _Inputs(Record):
    """The situation resolved against the rules and the catalog: answer values by question id."""

    values: tuple[tuple[str, tuple[str, ...]], ...]

    def many(self, question_id: str) -> tuple[str, ...]:
        return next((values for qid, values in self.values if qid == question_id), ())

    def one(self, question_id: str) -> str | None:
        values = self.many(question_id)
        return values[0] if values else None

    @property
    def protect(self) -> tuple[str, ...]:
        return self.many("protect")

    @property
    def threats(self) -> tuple[str, ...]:
        return self.many("threats")

    @property
    def framework(self) -> str | None:
        return self.one("framework")

    @property
    def sensitivity(self) -> str | None:
        return self.one("sensitivity")

    @property
    def open_source(self) -> bool:
        return self.one("open_source") == "yes"

    def to_data(self) -> dict[str, Any]:
        """Each question's answer: a list where several are allowed, a flag as true/false, else a value or null."""
        out: dict[str, Any] = {}
        for spec in QUESTIONS:
            if spec.multiple:
                out[spec.id] = list(self.many(spec.id))
            elif spec.flag:
                out[spec.id] = self.one(spec.id) == "yes"
            else:
                out[spec.id] = self.one(spec.id)
        return out


# ------------------------------------------------------------------ inputs


def valid_answers(index: Index, advice: Advice, question_id: str) -> list[str]:
    """The values a question accepts: its answers, plus the catalog's frameworks or threats where it says so."""
    return list(answer_labels(index, advice, question_id))


def answer_labels(index: Index, advice: Advice, question_id: str) -> dict[str, str]:
    """Each value a question accepts, in order, with what it means ("" for a framework: its name says it)."""
    question = advice.question(question_id)
    if question is None:
        return {}
    labels = {a.value: a.label for a in question.answers}
    if question.answers_from == FRAMEWORKS:  # "agnostic" describes tools, not a team's framework
        for value in index.vocabulary("frameworks"):
            if value != "agnostic":
                labels.setdefault(value, "")
    elif question.answers_from == THREATS:
        for threat in index.of_kind(Kind.THREAT):
            labels.setdefault(threat.id, threat.name)
    return labels


def choose(index: Index, advice: Advice, question_id: str, value: str) -> str:
    """The answer a typed value means (its value, an alias, any case), or an error naming the valid ones.

    The options and the interview both go through here, so both accept the same words.
    """
    question = advice.question(question_id)
    spec = SPECS.get(question_id)
    option = spec.option if spec else f"--{question_id}"
    wanted = value.strip().casefold()
    if question is not None:  # an answer's own value first, then the aliases
        for answer in question.answers:
            if wanted == answer.value.casefold():
                return answer.value
        for answer in question.answers:
            if wanted in (a.casefold() for a in answer.aliases):
                return answer.value
    if spec is not None and spec.answers_from == FRAMEWORKS:
        (match,) = index.resolve_values(option, [value], "frameworks")
        return match
    if spec is not None and spec.answers_from == THREATS:
        (found,) = index.resolve_option(option, [value], Kind.THREAT)
        return found
    if spec is not None and spec.flag and wanted in ("true", "y", "yes"):
        return "yes"
    valid = valid_answers(index, advice, question_id)
    for candidate in valid:
        if candidate.casefold() == wanted:
            return candidate
    from ppml_cli.suggest import suggest

    guesses = suggest(wanted, valid, limit=1, cutoff=70)
    hint = f"did you mean {guesses[0]!r}? " if guesses else ""
    raise InvalidValueError(f"invalid value for {option}: {value!r}", hint=f"{hint}valid values: {', '.join(valid)}")


#: Answers that mean "nothing to add": they resolve to no value.
_NOTHING = {"framework": ANY, "threats": "none", "regulation": "none"}


def resolve(index: Index, advice: Advice, situation: Situation) -> _Inputs:
    """Validate every value; an unknown one raises naming the valid ones."""
    values: list[tuple[str, tuple[str, ...]]] = []
    for spec in QUESTIONS:
        given = situation.get(spec.id)
        chosen = [choose(index, advice, spec.id, v) for v in given]
        chosen = [c for c in chosen if c != _NOTHING.get(spec.id) and not (spec.flag and c == "no")]
        if spec.id == "threats":  # in the catalog's order, as before
            order = {t.id: n for n, t in enumerate(index.of_kind(Kind.THREAT))}
            chosen = sorted(chosen, key=lambda t: order.get(t, len(order)))
        if chosen:
            values.append((spec.id, tuple(dict.fromkeys(chosen))))
    return _Inputs(values=tuple(values))


# -------------------------------------------------------------------- plan


class _Context:
    """What the ranking steps share: the index, the rules, the inputs and the chosen answers."""

    def __init__(self, index: Index, advice: Advice, inputs: _Inputs) -> None:
        self.index = index
        self.advice = advice
        self.inputs = inputs
        self.order = {e.id: n for n, e in enumerate(index.entries)}
        self.answers: list[tuple[Question, Answer]] = []
        for question in advice.questions:  # the answers given, in the rules' order of questions
            if question.answers_from is not None:
                continue  # frameworks and threats: their catalog values imply nothing here
            for value in sorted(self.stated(question.id), key=[a.value for a in question.answers].index):
                answer = question.answer(value)
                if answer is not None:
                    self.answers.append((question, answer))
        #: Tools that do not fit an answer given (a tabular anonymiser for text), with the reason.
        self.unfit: dict[str, str] = {}
        for _, answer in self.answers:
            for suggestion in answer.unfit:
                if self.holds(suggestion):
                    self.unfit.setdefault(suggestion.id, suggestion.reason)

    def entry(self, entry_id: str, kind: Kind) -> Entry | None:
        entry = self.index.by_id.get(entry_id)
        return entry if entry is not None and entry.kind is kind else None

    def holds(self, suggestion: Suggestion | RuleOut | Recipe | Setting) -> bool:
        """Whether a suggestion's ``when`` conditions hold for these inputs (defaults count)."""
        for question_id, values in suggestion.when:
            given = self.given(question_id)
            if not given.intersection(values):
                return False
        return True

    def stated(self, question_id: str) -> set[str]:
        """The values given for a question (no default)."""
        return set(self.inputs.many(question_id))

    def given(self, question_id: str) -> set[str]:
        chosen = self.stated(question_id)
        if not chosen:
            question = self.advice.question(question_id)
            if question is not None and question.default:
                chosen = {question.default}
        return chosen


def recommend(index: Index, advice: Advice, situation: Situation, repositories: dict[str, Any] | None = None) -> Plan:
    """The plan for ``situation``: techniques, tools, privacy budget, audit, reading, gaps."""
    inputs = resolve(index, advice, situation)
    ctx = _Context(index, advice, inputs)
    threats = _threats_in_scope(ctx)
    techniques, ruled_out = _techniques(ctx, [t.id for t in threats])
    repos = repositories or {}
    tools, tool_gaps = _tools(ctx, techniques, [t.id for t in threats], repos)
    epsilon = _epsilon(ctx, techniques)
    audit = _audit(ctx, [t.id for t in threats], repos, {t.entry.id for t in techniques})
    references = _references(ctx, techniques, tools, epsilon)
    not_covered = _not_covered(ctx, threats, techniques, audit) + tool_gaps
    unit = _privacy_unit(ctx)
    recipe = _audit_recipe(ctx, {t.entry.id for t in techniques})
    summary = _summary(ctx, techniques, tools, epsilon, recipe, unit)
    return Plan(
        inputs=inputs.to_data(),
        threats=tuple(threats),
        techniques=tuple(techniques),
        tools=tuple(tools),
        epsilon=epsilon,
        audit=tuple(audit),
        references=tuple(references),
        not_covered=tuple(dict.fromkeys(not_covered)),
        ruled_out=tuple(ruled_out),
        summary=summary,
        privacy_unit=unit,
        audit_recipe=recipe,
    )


def _threats_in_scope(ctx: _Context) -> list[ThreatInScope]:
    found: dict[str, str] = {}

    def add(ids: Iterable[str], why: str) -> None:
        for threat_id in ids:
            if ctx.entry(threat_id, Kind.THREAT) is not None:
                found.setdefault(threat_id, why)

    add(ctx.inputs.threats, "named with --threat")
    for question, answer in ctx.answers:
        if question.id == "protect":
            add(answer.threats, f"--protect {answer.value}: {answer.label}")
    if not ctx.inputs.threats and not ctx.inputs.protect:
        for question, answer in ctx.answers:
            if question.id == "deploy":
                add(answer.threats, f"--deploy {answer.value}: {answer.label}")
        if not found:
            add(ctx.advice.default_threats, "no threat named: the rules' default")
    if not ctx.inputs.threats or ctx.inputs.protect:
        for question, answer in ctx.answers:
            if question.id == "data":
                add(answer.threats, f"--data {answer.value}: {answer.label}")
    out = []
    for threat in ctx.index.of_kind(Kind.THREAT):
        if threat.id in found:
            out.append(ThreatInScope(id=threat.id, name=threat.name, why=found[threat.id]))
    return out


def _effects(technique: Technique, threats: Sequence[str]) -> list[TechniqueEffect]:
    out = []
    for mitigation in technique.mitigates:
        if mitigation.threat in threats:
            out.append(
                TechniqueEffect(
                    threat=mitigation.threat,
                    strength=mitigation.strength.value,
                    reason=mitigation.reason,
                    condition=mitigation.condition,
                )
            )
    return sorted(out, key=lambda e: threats.index(e.threat))


def _role(technique: Technique) -> str:
    return technique.role.value


def _techniques(ctx: _Context, threats: list[str]) -> tuple[list[PlannedTechnique], list[RuledOut]]:
    limit = ctx.advice.limit("techniques", 6)
    scores: dict[str, int] = {}
    reasons: dict[str, list[str]] = {}
    for entry in ctx.index.of_kind(Kind.TECHNIQUE):
        assert isinstance(entry, Technique)
        if _role(entry) == "measurement":
            continue
        points = sum(STRENGTH_POINTS.get(e.strength, 0) for e in _effects(entry, threats))
        if points:
            scores[entry.id] = points
            reasons[entry.id] = []
    first_recommended: dict[str, int] = {}
    # the answers that decide the architecture (a deployment) speak first: their techniques
    # lead the plan in the rules' order; then what other answers ask for; then strength alone
    tier: dict[str, int] = {}
    deciding = sorted(ctx.answers, key=lambda qa: 0 if qa[1].architecture else 1)
    for _, answer in deciding:
        for suggestion in answer.recommend:
            if ctx.entry(suggestion.id, Kind.TECHNIQUE) is not None and ctx.holds(suggestion):
                scores[suggestion.id] = scores.get(suggestion.id, 0) + RECOMMENDED_POINTS
                reasons.setdefault(suggestion.id, []).append(suggestion.reason)
                first_recommended.setdefault(suggestion.id, len(first_recommended))
                tier.setdefault(suggestion.id, 0 if answer.architecture else 1)

    def best(technique_id: str) -> int:
        technique = ctx.index.by_id[technique_id]
        assert isinstance(technique, Technique)
        return max((STRENGTH_POINTS.get(e.strength, 0) for e in _effects(technique, threats)), default=0)

    def breadth(technique_id: str) -> int:
        technique = ctx.index.by_id[technique_id]
        assert isinstance(technique, Technique)
        return sum(STRENGTH_POINTS.get(m.strength.value, 0) for m in technique.mitigates)

    def rank(t: str) -> tuple[int, ...]:
        if t in first_recommended:
            return (tier[t], first_recommended[t])
        return (2, -scores[t], -best(t), -breadth(t), ctx.order[t])

    ranked = sorted(scores, key=rank)
    chosen = list(ranked)
    # what the situation rules out goes first, unless combined with a technique it allows
    ruled_out: list[RuledOut] = []
    rules = [rule for _, answer in ctx.answers for rule in answer.rule_out if ctx.holds(rule)]

    def rule_out(rule: RuleOut) -> None:
        if rule.technique in chosen and not set(rule.unless).intersection(chosen):
            chosen.remove(rule.technique)
            entry = ctx.index.by_id[rule.technique]
            ruled_out.append(RuledOut(id=entry.id, name=entry.name, reason=rule.reason))

    for rule in rules:
        rule_out(rule)
    # beyond what the situation asks for, a technique joins only if it mitigates some threat in
    # scope better than every technique already kept (a second, weaker answer adds little)
    best_so_far: dict[str, int] = {}
    phases_so_far: dict[str, set[str]] = {}
    strong = STRENGTH_POINTS["strong"]
    kept: list[str] = []
    for technique_id in chosen:
        technique = ctx.index.by_id[technique_id]
        assert isinstance(technique, Technique)
        points_by_threat = [(e.threat, STRENGTH_POINTS.get(e.strength, 0)) for e in _effects(technique, threats)]
        improves = any(points > best_so_far.get(threat, 0) for threat, points in points_by_threat)
        # where nothing protects a threat strongly, a layer at another lifecycle phase adds depth
        layers = any(
            0 < points == best_so_far.get(threat, 0) < strong
            and technique.phase not in phases_so_far.get(threat, set())
            for threat, points in points_by_threat
        )
        if improves or layers or technique_id in first_recommended:
            kept.append(technique_id)
            for threat, points in points_by_threat:
                best_so_far[threat] = max(points, best_so_far.get(threat, 0))
                if points:
                    phases_so_far.setdefault(threat, set()).add(technique.phase)
    # what an answer asked for (the architecture, the law, the data) is never cut; the limit
    # trims only what joined for its strength alone
    chosen = kept[: max(limit, sum(1 for t in kept if t in first_recommended))]
    for rule in rules:  # the limit may have cut the partner that allowed a technique
        rule_out(rule)
        if rule.technique in chosen and rule.unless:
            partners = [ctx.index.by_id[t].name for t in rule.unless if t in chosen]
            reasons.setdefault(rule.technique, []).append(f"Only together with {', '.join(partners)}: {rule.reason}")
    # bring in what the chosen techniques need (enablers such as privacy accounting)
    for combination in ctx.advice.combinations:
        if combination.add and combination.technique in chosen:
            for other in combination.with_:
                if ctx.entry(other, Kind.TECHNIQUE) is None:
                    continue
                if other in chosen:
                    if chosen.index(other) < chosen.index(combination.technique):
                        reasons.setdefault(other, []).append(combination.reason)
                        continue  # already placed before the technique that needs it
                    chosen.remove(other)
                chosen.insert(chosen.index(combination.technique) + 1, other)
                reasons.setdefault(other, []).append(combination.reason)
    planned = []
    for technique_id in chosen:
        technique = ctx.index.by_id[technique_id]
        assert isinstance(technique, Technique)
        effects = _effects(technique, threats)
        role = _role(technique)
        strength = role if role != "mitigation" else _overall(effects)
        why = list(reasons.get(technique_id, []))
        combine = []
        for combination in ctx.advice.combinations:
            if combination.technique == technique_id:
                combine += [t for t in combination.with_ if ctx.entry(t, Kind.TECHNIQUE) is not None]
            elif technique_id in combination.with_ and combination.technique in chosen:
                combine.append(combination.technique)
        tradeoffs = tuple(_setting(ctx, _plain(x)) for x in technique.tradeoffs)
        planned.append(
            PlannedTechnique(
                entry=technique,
                strength=strength,
                why=tuple(dict.fromkeys(why)),
                mitigates=tuple(effects),
                costs=technique.costs,
                tradeoffs=tradeoffs,
                combine_with=tuple(dict.fromkeys(c for c in combine if c != technique_id)),
                role=role,
                asked=technique_id in first_recommended,
            )
        )
    return planned, ruled_out


def _setting(ctx: _Context, tradeoff: dict[str, Any]) -> dict[str, Any]:
    """A trade-off figure with ``matches``: False when its reference measured it in another setting
    (another data type or architecture than the one stated), True when the setting is the one
    stated, None when the rules do not say where it comes from or nothing was stated."""
    setting = next((s for s in ctx.advice.settings if s.reference == tradeoff.get("reference")), None)
    matches: bool | None = None
    if setting is not None:
        for question_id, values in setting.when:
            stated = ctx.stated(question_id)
            if stated:
                matches = bool(stated.intersection(values)) and matches is not False
    return {**tradeoff, "matches": matches}


def _plain(value: Any) -> dict[str, Any]:
    from ppml_cli.model import plain

    data = plain(value)
    return data if isinstance(data, dict) else {"value": data}


def _overall(effects: Sequence[TechniqueEffect]) -> str:
    for strength in ("strong", "partial", "weak"):
        if any(e.strength == strength for e in effects):
            return strength
    return "none"


# ------------------------------------------------------------------- tools


def _status(tool: Tool) -> str:
    return tool.status.value


def _framework_fit(tool: Tool, framework: str | None) -> int | None:
    """2 supports the framework, 1 framework-agnostic, 0 unknown or not asked; None does not fit."""
    if framework is None:
        return 0
    if framework in tool.frameworks:
        return 2
    if "agnostic" in tool.frameworks:
        return 1
    return 0 if not tool.frameworks else None


def _tool_hints(ctx: _Context, key: str) -> dict[str, Suggestion]:
    hints: dict[str, Suggestion] = {}
    for _, answer in ctx.answers:
        for suggestion in getattr(answer, key):
            if ctx.holds(suggestion):
                hints.setdefault(suggestion.id, suggestion)
    return hints


def _open_rank(tool: Tool, asked: bool) -> int:
    if not asked:
        return 0
    return {True: 0, None: 1, False: 2}[tool.open_source]


def _stars(repos: dict[str, Any], tool_id: str) -> int | None:
    stars = repos.get(tool_id, {}).get("stars")
    return stars if isinstance(stars, int) else None


def _tool_key(
    ctx: _Context,
    tool: Tool,
    fit: int,
    repos: dict[str, Any],
    extra: int = 0,
    plan: Sequence[str] = (),
    threats: Sequence[str] = (),
) -> tuple[Any, ...]:
    status = _status(tool)
    elsewhere = len([t for t in tool.techniques if t not in plan]) if plan else 0
    claims = sum(STRENGTH_POINTS.get(m.strength.value, 0) for m in tool.mitigates if m.threat in threats)
    return (
        status in UNMAINTAINED,
        -extra,
        -fit,
        -claims,  # the tool's own curated mitigation of the threats in scope
        elsewhere,  # a tool focused on the plan's techniques before one built for something else
        STATUS_RANK.get(status, 2),
        _open_rank(tool, ctx.inputs.open_source),
        -(_stars(repos, tool.id) or -1),
        ctx.order[tool.id],
    )


def _usable(ctx: _Context, tool: Tool) -> bool:
    if _status(tool) == "deprecated" and not (tool.superseded_by and tool.superseded_by in ctx.index.by_id):
        return False
    return not (ctx.inputs.open_source and tool.open_source is False)


def _tools(
    ctx: _Context, techniques: list[PlannedTechnique], threats: list[str], repos: dict[str, Any]
) -> tuple[list[PlannedTool], list[str]]:
    per_technique = ctx.advice.limit("tools_per_technique", 3)
    hints = _tool_hints(ctx, "tools")
    framework = ctx.inputs.framework
    plan_ids = [t.entry.id for t in techniques]
    chosen: dict[str, PlannedTool] = {}
    gaps: list[str] = []
    all_tools = [t for t in ctx.index.of_kind(Kind.TOOL) if isinstance(t, Tool)]
    roles = {t.entry.id: t.role for t in techniques}
    for planned in techniques:
        technique_id = planned.entry.id
        implementing = [t for t in all_tools if technique_id in t.techniques]
        candidates = []
        for tool in implementing:
            fit = _framework_fit(tool, framework)
            if fit is None or not _usable(ctx, tool) or tool.id in ctx.unfit:
                continue
            if not _claims(tool, technique_id, hints, roles):
                continue
            hint = hints.get(tool.id)
            fit += 1 if hint and (not hint.for_techniques or technique_id in hint.for_techniques) else 0
            already = 1 if tool.id in chosen else 0
            key = _tool_key(ctx, tool, fit, repos, extra=already, plan=plan_ids, threats=threats)
            candidates.append((key, tool, fit))
        candidates.sort(key=lambda c: c[0])
        if any(_status(tool) not in UNMAINTAINED for _, tool, _ in candidates):
            candidates = [c for c in candidates if _status(c[1]) not in UNMAINTAINED]
        provided = any(tool.id in chosen for _, tool, _ in candidates)
        if planned.role == "enabler" and provided:
            for _, tool, _ in candidates:  # a tool already in the plan provides it: no more tools needed
                if tool.id in chosen:
                    chosen[tool.id] = _planned_tool(ctx, tool, plan_ids, hints, repos, threats, roles)
            continue
        blocked = [t for t in implementing if t.id not in ctx.unfit and _claims(t, technique_id, hints, roles)]
        if not candidates and blocked:
            reasons = []
            if framework:
                reasons.append(f"for {framework}")
            if ctx.inputs.open_source:
                reasons.append("under an open-source licence")
            gaps.append(
                f"No tool in the catalog implements {planned.entry.name} {' and '.join(reasons)}".rstrip() + "."
            )
        added = 0  # a tool already shown under an earlier technique does not take a slot here
        for _, tool, _ in candidates:
            if added >= per_technique:
                break
            if tool.id in chosen:
                continue
            chosen[tool.id] = _planned_tool(ctx, tool, plan_ids, hints, repos, threats, roles)
            added += 1
    return list(chosen.values()), gaps


def _claims(tool: Tool, technique_id: str, hints: dict[str, Suggestion], roles: dict[str, str]) -> bool:
    """Whether a tool stands under a technique: the one it is built for (its first), one the
    rules name it for in this situation, or an enabler it provides for another technique of
    the plan (a DP-SGD library's accountant). An FL framework with a DP option is not a DP library."""
    if technique_id not in tool.techniques:
        return False
    hint = hints.get(tool.id)
    hinted = hint is not None and (not hint.for_techniques or technique_id in hint.for_techniques)
    if hinted or tool.techniques[0] == technique_id:
        return True
    return (
        roles.get(technique_id) == "enabler"
        and _claims(tool, tool.techniques[0], hints, roles)
        and (tool.techniques[0] in roles)
    )


def _planned_tool(
    ctx: _Context,
    tool: Tool,
    plan_ids: list[str],
    hints: dict[str, Suggestion],
    repos: dict[str, Any],
    threats: list[str],
    roles: dict[str, str],
) -> PlannedTool:
    serves = tuple(t for t in plan_ids if _claims(tool, t, hints, roles))
    names = [ctx.index.by_id[t].name for t in serves]
    why = [f"Implements {' and '.join(names)}."]
    framework = ctx.inputs.framework
    if framework and framework in tool.frameworks:
        why.append(f"Supports {framework}.")
    elif framework and "agnostic" in tool.frameworks:
        why.append(f"Framework-agnostic, so usable with {framework}.")
    hint = hints.get(tool.id)
    if hint and (not hint.for_techniques or set(hint.for_techniques).intersection(serves)):
        why.append(hint.reason)
    for mitigation in tool.mitigates:
        if mitigation.threat in threats and mitigation.strength.value in STRENGTH_POINTS:
            threat = ctx.index.by_id[mitigation.threat].name
            why.append(f"{mitigation.strength.value.capitalize()} against {threat}: {mitigation.reason}")
    status = _status(tool)
    successor = None
    if status == "active":
        why.append("Actively maintained.")
    elif status == "low-activity":
        when = f" (last activity {tool.last_activity})" if tool.last_activity else ""
        why.append(f"Low maintenance activity{when}.")
    elif status == "legacy":
        why.append("Legacy: kept for reference, not maintained.")
    elif status == "deprecated" and tool.superseded_by:
        successor = tool.superseded_by
        why.append(f"Deprecated: use {ctx.index.by_id[successor].name} ({successor}) instead.")
    if tool.superseded_by and successor is None:
        successor = tool.superseded_by
        why.append(f"Superseded by {ctx.index.by_id[successor].name} ({successor}).")
    stars = _stars(repos, tool.id)
    if stars is not None:
        why.append(f"{stars} GitHub stars (refreshed).")
    caveats = []
    if tool.license is None:
        caveats.append("Licence unknown: check it before use.")
    elif tool.open_source is False:
        caveats.append(f"Not open source ({tool.license}): read the licence terms before production use.")
    elif tool.license.startswith("LicenseRef-"):
        caveats.append(f"Custom licence ({tool.license}): read its terms.")
    caveats += list(tool.cons)
    return PlannedTool(
        entry=tool, techniques=serves, why=tuple(why), caveats=tuple(caveats), successor=successor, stars=stars
    )


# ------------------------------------------------------- budget and audit


def _epsilon(ctx: _Context, techniques: list[PlannedTechnique]) -> Epsilon | None:
    if not {t.entry.id for t in techniques}.intersection(ctx.advice.dp_techniques):
        return None
    by_sensitivity = {g.sensitivity: g for g in ctx.advice.epsilon}
    wanted = ctx.inputs.sensitivity or ANY
    guidance = by_sensitivity.get(wanted) or by_sensitivity.get(ANY)
    if guidance is None:
        return None
    sources = tuple(s for s in guidance.sources if ctx.entry(s, Kind.REFERENCE) is not None)
    return Epsilon(
        guidance=guidance.guidance, sources=sources, sensitivity=guidance.sensitivity, short=guidance.short or None
    )


def _audit(ctx: _Context, threats: list[str], repos: dict[str, Any], plan: set[str]) -> list[AuditStep]:
    """Audit tools: those the situation names first, then those the catalog says audit a threat
    in scope; tools scoped to a kind of plan (a data release, a language model) only there."""
    scoped: dict[str, set[str]] = {}
    for scope in ctx.advice.audit_scopes:
        for tool_id in scope.tools:
            scoped.setdefault(tool_id, set()).update(scope.techniques)
    limit = ctx.advice.limit("audit", 3)
    preferred = _tool_hints(ctx, "audit")
    steps: list[AuditStep] = []
    for tool_id, suggestion in preferred.items():
        reason = suggestion.reason
        tool = ctx.entry(tool_id, Kind.TOOL)
        if isinstance(tool, Tool) and _usable(ctx, tool):
            audited = tuple(t for t in threats if t in tool.audits)
            steps.append(AuditStep(entry=tool, threats=audited, why=(reason, *_audit_why(ctx, tool, audited))))
    candidates = []
    for tool in ctx.index.of_kind(Kind.TOOL):
        if not isinstance(tool, Tool) or tool.id in preferred or not _usable(ctx, tool):
            continue
        if tool.id in scoped and not scoped[tool.id].intersection(plan):
            continue
        audited = tuple(t for t in threats if t in tool.audits)
        fit = _framework_fit(tool, ctx.inputs.framework)
        if not audited or fit is None:
            continue
        candidates.append((_tool_key(ctx, tool, fit, repos, extra=len(audited)), tool, audited))
    candidates.sort(key=lambda c: c[0])
    for _, tool, audited in candidates:
        steps.append(AuditStep(entry=tool, threats=audited, why=tuple(_audit_why(ctx, tool, audited))))
    return steps[:limit]


def _audit_why(ctx: _Context, tool: Tool, audited: Sequence[str]) -> list[str]:
    why = []
    if audited:
        names = [ctx.index.by_id[t].name for t in audited]
        why.append(f"Audits {', '.join(names)}, in scope for this plan.")
    framework = ctx.inputs.framework
    if framework and framework in tool.frameworks:
        why.append(f"Supports {framework}.")
    status = _status(tool)
    if status != "active":
        why.append(f"Status: {status}.")
    return why


def _privacy_unit(ctx: _Context) -> PrivacyUnit | None:
    """The unit named with ``--unit``; else the strictest any answer implies (the unit question
    lists its answers from the least to the most protective); else the question's default."""
    question = ctx.advice.question("unit")
    if question is None:
        return None
    order = [a.value for a in question.answers]
    stated = ctx.stated("unit")
    if stated:
        value = sorted(stated, key=order.index)[-1]
        answer = question.answer(value)
        return PrivacyUnit(value=value, why=f"Named with {question.option}: {answer.label if answer else value}.")
    implied = [
        (a.unit, q, a) for q, a in ctx.answers if a.unit is not None and a.unit.id in order and ctx.holds(a.unit)
    ]
    if implied:
        unit, q, a = max(implied, key=lambda item: order.index(item[0].id))
        reason = unit.reason.rstrip(".")
        return PrivacyUnit(value=unit.id, why=f"{reason[:1].upper()}{reason[1:]} (from {q.option} {a.value}).")
    if question.default in order:
        answer = question.answer(question.default or "")
        label = answer.label if answer else question.default
        why = f"The default: {label}; name another with {question.option}."
        return PrivacyUnit(value=str(question.default), why=why)
    return None


def _audit_recipe(ctx: _Context, plan: set[str]) -> AuditRecipe | None:
    for recipe in ctx.advice.audit_recipes:
        if recipe.techniques and not plan.intersection(recipe.techniques):
            continue
        if ctx.holds(recipe):
            sources = tuple(s for s in recipe.sources if ctx.entry(s, Kind.REFERENCE) is not None)
            return AuditRecipe(recipe=recipe.recipe, sources=sources)
    return None


def _summary(
    ctx: _Context,
    techniques: list[PlannedTechnique],
    tools: list[PlannedTool],
    epsilon: Epsilon | None,
    recipe: AuditRecipe | None,
    unit: PrivacyUnit | None,
) -> Summary:
    architecture = " ".join(a.architecture for _, a in ctx.answers if a.architecture)
    if not architecture:
        deploy = ctx.advice.question("deploy")
        option = deploy.option if deploy else "--deploy"
        architecture = f"Not decided by a deployment (name one with {option}); the techniques follow the threats."
    firsts: list[str] = []
    for planned in techniques[:3]:  # the first tool of each of the leading techniques
        tool = next((t for t in tools if planned.entry.id in t.techniques and t.entry.name not in firsts), None)
        if tool is not None:
            firsts.append(tool.entry.name)
    return Summary(
        architecture=architecture,
        techniques=tuple(t.entry.name for t in techniques[:3]),
        tools=tuple(firsts),
        budget=epsilon.short if epsilon is not None else None,
        audit=recipe.recipe if recipe is not None else None,
        unit=unit.value if unit is not None else None,
    )


# ------------------------------------------------------ reading and gaps


def _references(
    ctx: _Context, techniques: list[PlannedTechnique], tools: list[PlannedTool], epsilon: Epsilon | None
) -> list[Reference]:
    limit = ctx.advice.limit("references", 6)
    wanted: list[str] = []
    for _, answer in ctx.answers:  # what the situation calls for first, then the budget's sources
        wanted += answer.references
    wanted += list(epsilon.sources if epsilon else ())
    for planned in techniques:
        wanted += [str(t.get("reference")) for t in planned.tradeoffs if t.get("reference")]
    rank = {t.entry.id: n for n, t in enumerate(techniques)}
    tool_ids = {t.entry.id for t in tools}
    related = []
    for entry in ctx.index.of_kind(Kind.REFERENCE):
        assert isinstance(entry, Reference)
        shared = [rank[t] for t in entry.techniques if t in rank]
        if shared:
            overlap = len(tool_ids.intersection(entry.tools))
            related.append(((min(shared), -overlap, -(entry.year or 0), ctx.order[entry.id]), entry.id))
    wanted += [entry_id for _, entry_id in sorted(related)]
    out: list[Reference] = []
    for entry_id in dict.fromkeys(wanted):
        found = ctx.entry(entry_id, Kind.REFERENCE)
        if isinstance(found, Reference):
            out.append(found)
        if len(out) >= limit:
            break
    return out


def _not_covered(
    ctx: _Context,
    threats: list[ThreatInScope],
    techniques: list[PlannedTechnique],
    audit: list[AuditStep],
) -> list[str]:
    notes: list[str] = []
    for threat in threats:
        entry = ctx.index.by_id[threat.id]
        strengths = {e.strength: t.entry.name for t in techniques for e in t.mitigates if e.threat == threat.id}
        if "strong" in strengths:
            continue
        reason = entry.no_known_mitigation if isinstance(entry, Threat) else None
        partial = [
            t.entry.name
            for t in techniques
            for e in t.mitigates
            if e.threat == threat.id and e.strength in ("partial", "weak")
        ]
        if partial:
            note = f"{entry.name}: only partly mitigated here (by {', '.join(partial)})"
        else:
            note = f"{entry.name}: no technique in the catalog mitigates it in this situation"
        notes.append(note + (f". {reason}" if reason else "."))
    audited = {t for step in audit for t in step.threats}
    for threat in threats:
        if threat.id not in audited and not any(
            isinstance(t, Tool) and threat.id in t.audits for t in ctx.index.of_kind(Kind.TOOL)
        ):
            notes.append(f"{threat.name}: no tool in the catalog audits it.")
    for _, answer in ctx.answers:
        notes += answer.not_covered
    return notes
