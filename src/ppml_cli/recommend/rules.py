"""The advice rules: questions, what each answer implies, and sourced privacy-budget guidance.

The rules are data (``data/advice.yaml``, shipped in the wheel; files named in
``PPML_ADVICE`` are merged over it), so that a curator changes the advice by
editing YAML. This module reads them into typed records and checks them
against the catalog for ``ppml validate``: every threat, technique, tool and
reference id must exist, every question's default must be one of its answers,
and no text may state a number unless a catalog reference backs it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from ppml_cli.errors import CatalogError, Problem, Severity
from ppml_cli.model import Entry, Kind, Record, replace

ENV_VAR = "PPML_ADVICE"
#: Every answer of the built-in ``framework`` question comes from the catalog's tools.
FRAMEWORKS = "frameworks"
#: Every answer of the built-in ``threats`` question is one of the catalog's threats.
THREATS = "threats"
#: Where a question's answers may come from besides its own list.
ANSWER_SOURCES = (FRAMEWORKS, THREATS)


class QuestionSpec(Record):
    """How a question is asked on the command line: declared once here, in :data:`QUESTIONS`.

    The option (``recommend --deploy``), its completion and help, the fields of a
    :class:`~ppml_cli.recommend.engine.Situation`, the inputs of a plan, the interview and
    the plan's situation line are all derived from this list; the rules file
    (``data/advice.yaml``) gives each question its prompt, default and answers.
    """

    id: str
    option: str
    help: str
    metavar: str | None = None
    #: Several answers allowed (a repeatable option, comma-separated at the prompt).
    multiple: bool = False
    #: A yes/no switch (``--open-source``) rather than an option with a value.
    flag: bool = False
    #: Where answers come from besides the rules' own (the catalog's frameworks or threats).
    answers_from: str | None = None
    #: How the plan's situation line names it.
    short: str = ""
    #: Without an answer, the plan derives it from the other answers (the unit of privacy) or
    #: it matters only in some situations (how parties split the data); the interview's Enter
    #: then leaves it unanswered rather than taking the rules' default.
    derived: bool = False
    #: The interview asks it only after one of these answers (question id -> values); an option
    #: may always give it.
    asked_after: tuple[tuple[str, tuple[str, ...]], ...] = ()


_SEVERAL_PARTIES = (("deploy", ("multi-party", "untrusted-server")),)
#: Every question of ``ppml recommend``, in the order the interview asks them. A new question
#: is one line here and its answers in the rules file; nothing else names it.
QUESTIONS: tuple[QuestionSpec, ...] = (
    QuestionSpec(id="protect", option="--protect", metavar="ASSET", multiple=True, short="protect",
                 help="What must stay private: training-data, model, inference-data (repeatable)."),
    QuestionSpec(id="threats", option="--threat", metavar="THREAT", multiple=True, answers_from=THREATS,
                 short="threats", help="A privacy attack to plan against: id, name or alias (repeatable)."),
    QuestionSpec(id="deploy", option="--deploy", metavar="WHERE", short="deploy",
                 help="trusted-server, untrusted-server, on-device, multi-party or public-release."),
    QuestionSpec(id="partition", option="--partition", metavar="HOW", short="partition", derived=True,
                 asked_after=_SEVERAL_PARTIES,
                 help="How parties split the data: horizontal (different people) or vertical (same people)."),
    QuestionSpec(id="parties", option="--parties", metavar="HOW-MANY", short="parties", derived=True,
                 asked_after=_SEVERAL_PARTIES,
                 help="few (a handful of organisations) or many (clients, devices)."),
    QuestionSpec(id="data", option="--data", metavar="TYPE", short="data",
                 help="tabular, images, text, time-series, graph or audio."),
    QuestionSpec(id="framework", option="--framework", metavar="NAME", answers_from=FRAMEWORKS, short="framework",
                 help="The catalog's framework values (pytorch, tensorflow, jax, ...)."),
    QuestionSpec(id="sensitivity", option="--sensitivity", metavar="LEVEL", short="sensitivity",
                 help="high, medium or low."),
    QuestionSpec(id="regulation", option="--regulation", metavar="LAW", multiple=True, short="regulation",
                 help="gdpr, hipaa or ccpa (repeatable)."),
    QuestionSpec(id="unit", option="--unit", metavar="UNIT", short="unit of privacy", derived=True,
                 help="The unit of privacy: record, device, user or organisation (default: from the situation)."),
    QuestionSpec(id="open_source", option="--open-source", flag=True, short="open source only",
                 help="Only tools under an open-source licence."),
)  # fmt: skip
#: The questions the engine gives meaning to; the rules supply their prompts and answers.
QUESTION_IDS = tuple(q.id for q in QUESTIONS)
SPECS = {q.id: q for q in QUESTIONS}
#: Text keys whose values are prose a person reads; a digit in them needs a source.
_PROSE_KEYS = frozenset(
    {"prompt", "label", "reason", "guidance", "not_covered", "help", "architecture", "recipe", "short"}
)
_DIGIT = re.compile(r"\d")


class Suggestion(Record):
    """A technique (or tool) an answer calls for, and why; ``when`` limits it to other answers."""

    id: str
    reason: str
    sources: tuple[str, ...] = ()
    #: question id -> answer values; the suggestion holds only when each of those questions
    #: was answered (or defaults) with one of the values.
    when: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: For a tool hint: the plan techniques it is a good fit for (empty: any it implements).
    for_techniques: tuple[str, ...] = ()


class RuleOut(Record):
    """A technique an answer rules out, unless it is combined with one of ``unless``;
    ``when`` limits the rule to other answers (as for a suggestion)."""

    technique: str
    reason: str
    unless: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    when: tuple[tuple[str, tuple[str, ...]], ...] = ()


class Answer(Record):
    """One valid answer to a question and what it implies for the plan."""

    value: str
    label: str
    #: Other words a person may type for this answer (at the prompt or as the option's value).
    aliases: tuple[str, ...] = ()
    threats: tuple[str, ...] = ()
    recommend: tuple[Suggestion, ...] = ()
    rule_out: tuple[RuleOut, ...] = ()
    tools: tuple[Suggestion, ...] = ()
    audit: tuple[Suggestion, ...] = ()
    references: tuple[str, ...] = ()
    not_covered: tuple[str, ...] = ()
    #: For an answer that decides the architecture (a deployment): one sentence saying it.
    architecture: str | None = None
    #: Tools that do not fit this answer (a tabular anonymiser for text), and why.
    unfit: tuple[Suggestion, ...] = ()
    #: The unit of privacy this answer implies (``id`` is a value of the ``unit`` question).
    unit: Suggestion | None = None


class Question(Record):
    """A question of the interview; ``option`` is the command-line option that answers it."""

    id: str
    option: str
    prompt: str
    answers: tuple[Answer, ...]
    default: str | None = None
    multiple: bool = False
    answers_from: str | None = None
    #: How the plan names this question in its situation line ("open source only").
    short: str = ""
    #: A yes/no switch: its answers are "yes" and "no".
    flag: bool = False

    def answer(self, value: str) -> Answer | None:
        return next((a for a in self.answers if a.value == value), None)


class Combination(Record):
    """A technique that works with others; ``add`` brings them into the plan."""

    technique: str
    with_: tuple[str, ...]
    reason: str
    add: bool = False
    sources: tuple[str, ...] = ()


class Guidance(Record):
    """Privacy-budget guidance for one sensitivity (``any`` when none was given)."""

    sensitivity: str
    guidance: str
    sources: tuple[str, ...] = ()
    #: The target in one line, for the plan's summary.
    short: str = ""


class AuditScope(Record):
    """Audit tools proposed only when the plan holds one of ``techniques``."""

    techniques: tuple[str, ...]
    tools: tuple[str, ...]
    reason: str = ""


class Recipe(Record):
    """An audit recipe: how to test the plan against the threat that matters in this situation.

    It applies when each ``when`` condition holds and, if ``techniques`` is given, the plan
    holds one of them; the first recipe that applies is the plan's.
    """

    recipe: str
    sources: tuple[str, ...] = ()
    when: tuple[tuple[str, tuple[str, ...]], ...] = ()
    techniques: tuple[str, ...] = ()


class Setting(Record):
    """The setting a reference's trade-off figures were measured in (answer values by question)."""

    reference: str
    when: tuple[tuple[str, tuple[str, ...]], ...]
    label: str = ""


class Advice(Record):
    """Every rule, merged from the bundled file and any overrides."""

    questions: tuple[Question, ...]
    default_threats: tuple[str, ...] = ()
    combinations: tuple[Combination, ...] = ()
    dp_techniques: tuple[str, ...] = ()
    epsilon: tuple[Guidance, ...] = ()
    #: Named limits (how many tools per technique...); None: every limit at its default.
    limits: Mapping[str, int] | None = None
    files: tuple[str, ...] = ()
    #: Audit tools that fit only some plans (a data release, a language model).
    audit_scopes: tuple[AuditScope, ...] = ()
    #: How to audit, by situation; the first that applies is the plan's recipe.
    audit_recipes: tuple[Recipe, ...] = ()
    #: Where each reference's trade-off figures come from, to tell a matching setting from another.
    settings: tuple[Setting, ...] = ()

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def limit(self, name: str, default: int) -> int:
        return default if self.limits is None else int(self.limits.get(name, default))


# --------------------------------------------------------------------- files


def bundled_advice_path() -> Path:
    """The advice shipped in the wheel, or the checkout's ``data/`` when run from source."""
    here = Path(__file__).resolve().parent.parent
    packaged = here / "data" / "advice.yaml"
    if packaged.is_file():
        return packaged
    return here.parents[1] / "data" / "advice.yaml"


def advice_paths(environ: Mapping[str, str] | None = None) -> list[Path]:
    """The bundled advice file, then those named in ``PPML_ADVICE`` (later ones win)."""
    value = (os.environ if environ is None else environ).get(ENV_VAR, "")
    return [bundled_advice_path(), *(Path(p) for p in value.split(os.pathsep) if p.strip())]


def load_advice(paths: Sequence[Path] | None = None) -> Advice:
    """The merged rules; a file that cannot be read or does not fit the schema raises.

    Parsed rules are cached beside the catalog, keyed by the files' size and
    modification time, so a warm run does not parse (or import) YAML for them.
    """
    from ppml_cli.catalog.files import UnreadableCatalog, read_catalog
    from ppml_cli.store import cache

    files = list(paths if paths is not None else advice_paths())
    try:  # read once: the cache key and the parse see the same bytes (as for the catalog)
        contents: list[bytes] | None = [read_catalog(path) for path in files]
    except UnreadableCatalog:
        contents = None  # the reader reports every file's problem
    key = cache.fingerprint(files, contents) if contents is not None else None

    def build() -> Advice:
        problems: list[Problem] = []
        advice = read_advice(files, problems, contents=contents)
        if any(p.severity is Severity.ERROR for p in problems):
            raise AdviceError(problems)
        return advice

    return cache.cached(key, "advice", build, Advice)


class AdviceError(CatalogError):
    """The advice rules cannot be read or do not fit the schema (exit 2, like a broken catalog)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems)
        count = sum(1 for p in problems if p.severity is Severity.ERROR)
        self.message = f"invalid advice rules: {count} error{'s' if count != 1 else ''}"
        self.hint = f"fix the lines above; `ppml validate` checks the rules ({ENV_VAR} names extra files)"


# ------------------------------------------------------------------- parsing


class _Reader:
    """Reads one raw YAML document into records, appending located problems."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems

    def problem(self, node: Any, entry: str | None, field: str | None, message: str) -> None:
        line = getattr(node, "key_lines", {}).get(field) if field else None
        self.problems.append(
            Problem(
                file=self.source, line=line or getattr(node, "line", None), entry=entry, field=field, message=message
            )
        )

    def text(self, node: Mapping[str, Any], key: str, entry: str | None, *, required: bool = True) -> str:
        value = node.get(key)
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())
        if value is not None or required:
            self.problem(node, entry, key, "expected a non-empty string")
        return ""

    def ids(self, node: Mapping[str, Any], key: str, entry: str | None) -> tuple[str, ...]:
        value = node.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(node, entry, key, "expected a list of ids")
            return ()
        return tuple(value)

    def mappings(self, node: Mapping[str, Any], key: str, entry: str | None) -> list[Mapping[str, Any]]:
        value = node.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.problem(node, entry, key, "expected a list of mappings")
            return []
        return value

    def suggestions(self, node: Mapping[str, Any], key: str, id_key: str, entry: str) -> tuple[Suggestion, ...]:
        return tuple(
            Suggestion(
                id=self.text(item, id_key, entry),
                reason=self.text(item, "reason", entry),
                sources=self.ids(item, "sources", entry),
                when=self.when(item, entry),
                for_techniques=self.ids(item, "for", entry),
            )
            for item in self.mappings(node, key, entry)
        )

    def when(self, node: Mapping[str, Any], entry: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
        value = node.get("when")
        if value is None:
            return ()
        if not isinstance(value, dict):
            self.problem(node, entry, "when", "expected a mapping of question id to answer values")
            return ()
        out = []
        for question, answers in value.items():
            values = [answers] if isinstance(answers, str) else answers
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                self.problem(node, entry, "when", f"{question}: expected answer values")
                continue
            out.append((str(question), tuple(values)))
        return tuple(out)

    def answer(self, node: Mapping[str, Any], question: str) -> Answer:
        value = node.get("value")
        value = str(value).lower() if isinstance(value, (str, bool)) else ""
        if not value:
            self.problem(node, question, "value", "every answer needs a value")
        entry = f"{question}={value}"
        not_covered = node.get("not_covered") or []
        if not isinstance(not_covered, list) or not all(isinstance(v, str) for v in not_covered):
            self.problem(node, entry, "not_covered", "expected a list of strings")
            not_covered = []
        rule_out = tuple(
            RuleOut(
                technique=self.text(item, "technique", entry),
                reason=self.text(item, "reason", entry),
                unless=self.ids(item, "unless", entry),
                sources=self.ids(item, "sources", entry),
                when=self.when(item, entry),
            )
            for item in self.mappings(node, "rule_out", entry)
        )
        unit = None
        if isinstance(node.get("unit"), dict):
            (unit,) = self.suggestions({"unit": [node["unit"]]}, "unit", "value", entry)
        elif node.get("unit") is not None:
            self.problem(node, entry, "unit", "expected a mapping {value, reason}")
        return Answer(
            value=value,
            label=self.text(node, "label", entry),
            aliases=self.ids(node, "aliases", entry),
            threats=self.ids(node, "threats", entry),
            recommend=self.suggestions(node, "recommend", "technique", entry),
            rule_out=rule_out,
            tools=self.suggestions(node, "tools", "tool", entry),
            audit=self.suggestions(node, "audit", "tool", entry),
            references=self.ids(node, "references", entry),
            not_covered=tuple(" ".join(s.split()) for s in not_covered),
            architecture=self.text(node, "architecture", entry, required=False) or None,
            unfit=self.suggestions(node, "unfit", "tool", entry),
            unit=unit,
        )

    def question(self, node: Mapping[str, Any]) -> Question | None:
        question_id = node.get("id")
        if not isinstance(question_id, str) or not question_id:
            self.problem(node, None, "id", "every question needs an id")
            return None
        answers = tuple(self.answer(a, question_id) for a in self.mappings(node, "answers", question_id))
        values = [a.value for a in answers]
        for value in sorted({v for v in values if values.count(v) > 1}):
            self.problem(node, question_id, "answers", f"the answer {value!r} is given twice")
        for key in ("option", "multiple", "answers_from", "short", "metavar"):
            if key in node:
                self.problem(node, question_id, key, "declared once, in ppml_cli.recommend.rules.QUESTIONS")
        spec = SPECS.get(question_id)
        answers_from = spec.answers_from if spec else None
        if not answers and answers_from is None and spec is not None:
            self.problem(node, question_id, "answers", "a question needs answers (or answers_from)")
        default = node.get("default")
        return Question(
            id=question_id,
            option=spec.option if spec else "--" + question_id.replace("_", "-"),
            prompt=self.text(node, "prompt", question_id, required=False),
            answers=answers,
            default=str(default).lower() if isinstance(default, (str, bool)) else None,
            multiple=spec.multiple if spec else False,
            answers_from=answers_from,
            short=spec.short if spec else question_id,
            flag=spec.flag if spec else False,
        )


_TOP_LEVEL = frozenset(
    {
        "version",
        "questions",
        "default_threats",
        "combinations",
        "epsilon",
        "limits",
        "audit_scopes",
        "audit_recipes",
        "settings",
    }
)


def read_advice(paths: Sequence[Path], problems: list[Problem], *, contents: Sequence[bytes] | None = None) -> Advice:
    """Read and merge advice files: questions by id, answers by value, guidance by sensitivity."""
    questions: dict[str, Question] = {}
    combinations: dict[tuple[str, tuple[str, ...]], Combination] = {}
    guidance: dict[str, Guidance] = {}
    default_threats: tuple[str, ...] = ()
    dp_techniques: tuple[str, ...] = ()
    limits: dict[str, int] = {}
    scopes: dict[tuple[str, ...], AuditScope] = {}
    recipes: list[Recipe] = []
    settings: dict[str, Setting] = {}
    for path, document in _documents(paths, problems, contents):
        reader = _Reader(str(path), problems)
        for key in document:
            if key not in _TOP_LEVEL:
                reader.problem(document, None, str(key), f"unknown section; valid: {', '.join(sorted(_TOP_LEVEL))}")
        for node in reader.mappings(document, "questions", None):
            question = reader.question(node)
            if question is None:
                continue
            old = questions.get(question.id)
            if old is not None:  # an override replaces answers of the same value and adds new ones
                merged = {a.value: a for a in old.answers}
                merged.update({a.value: a for a in question.answers})
                question = replace(
                    question,
                    answers=tuple(merged.values()),
                    prompt=question.prompt or old.prompt,
                    default=question.default or old.default,
                    answers_from=question.answers_from or old.answers_from,
                )
            questions[question.id] = question
        if "default_threats" in document:
            default_threats = reader.ids(document, "default_threats", None)
        for node in reader.mappings(document, "combinations", None):
            combination = Combination(
                technique=reader.text(node, "technique", "combinations"),
                with_=reader.ids(node, "with", "combinations"),
                reason=reader.text(node, "reason", "combinations"),
                add=bool(node.get("add", False)),
                sources=reader.ids(node, "sources", "combinations"),
            )
            combinations[(combination.technique, combination.with_)] = combination
        epsilon = document.get("epsilon")
        if isinstance(epsilon, dict):
            if "techniques" in epsilon:
                dp_techniques = reader.ids(epsilon, "techniques", "epsilon")
            for node in reader.mappings(epsilon, "guidance", "epsilon"):
                item = Guidance(
                    sensitivity=reader.text(node, "sensitivity", "epsilon"),
                    guidance=reader.text(node, "guidance", "epsilon"),
                    sources=reader.ids(node, "sources", "epsilon"),
                    short=reader.text(node, "short", "epsilon", required=False),
                )
                guidance[item.sensitivity] = item
        elif epsilon is not None:
            reader.problem(document, None, "epsilon", "expected a mapping with techniques and guidance")
        for node in reader.mappings(document, "audit_scopes", None):
            scope = AuditScope(
                techniques=reader.ids(node, "techniques", "audit_scopes"),
                tools=reader.ids(node, "tools", "audit_scopes"),
                reason=reader.text(node, "reason", "audit_scopes", required=False),
            )
            scopes[scope.techniques] = scope
        if "audit_recipes" in document:  # a later file's recipes replace the earlier ones
            recipes = [
                Recipe(
                    recipe=reader.text(node, "recipe", "audit_recipes"),
                    sources=reader.ids(node, "sources", "audit_recipes"),
                    when=reader.when(node, "audit_recipes"),
                    techniques=reader.ids(node, "techniques", "audit_recipes"),
                )
                for node in reader.mappings(document, "audit_recipes", None)
            ]
        for node in reader.mappings(document, "settings", None):
            setting = Setting(
                reference=reader.text(node, "reference", "settings"),
                when=reader.when(node, "settings"),
                label=reader.text(node, "label", "settings", required=False),
            )
            settings[setting.reference] = setting
        raw_limits = document.get("limits")
        if isinstance(raw_limits, dict):
            for name, value in raw_limits.items():
                if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                    limits[str(name)] = value
                else:
                    reader.problem(raw_limits, "limits", str(name), "expected a positive integer")
    order = {q: n for n, q in enumerate(QUESTION_IDS)}  # the command line's order, whatever the files'
    return Advice(
        questions=tuple(sorted(questions.values(), key=lambda q: order.get(q.id, len(order)))),
        default_threats=default_threats,
        combinations=tuple(combinations.values()),
        dp_techniques=dp_techniques,
        epsilon=tuple(guidance.values()),
        limits=limits,
        files=tuple(str(p) for p in paths),
        audit_scopes=tuple(scopes.values()),
        audit_recipes=tuple(recipes),
        settings=tuple(settings.values()),
    )


def _documents(
    paths: Sequence[Path], problems: list[Problem], contents: Sequence[bytes] | None = None
) -> Iterator[tuple[Path, dict[str, Any]]]:
    from ppml_cli.catalog.files import UnreadableCatalog, read_catalog
    from ppml_cli.catalog.parse import parse_yaml

    for position, path in enumerate(paths):
        try:
            data = contents[position] if contents is not None else read_catalog(path)
            text = data.decode("utf-8")
        except (UnreadableCatalog, UnicodeDecodeError) as exc:
            problems.append(Problem(file=str(path), message=f"cannot read advice file: {exc}"))
            continue
        try:
            document = parse_yaml(text, str(path))
        except CatalogError as exc:
            problems.extend(exc.problems)
            continue
        if document is None:
            continue
        if not isinstance(document, dict):
            problems.append(Problem(file=str(path), line=1, message="the top level must be a mapping"))
            continue
        yield path, document


# -------------------------------------------------------------------- checks


def check_advice(advice: Advice, entries: Iterable[Entry], paths: Sequence[Path]) -> list[Problem]:
    """Problems of the rules against a catalog: unknown ids, bad defaults, unsourced numbers."""
    kinds: dict[str, Kind] = {e.id: e.kind for e in entries}
    frameworks = {f for e in entries for f in getattr(e, "frameworks", ())}
    where = advice.files[0] if advice.files else "advice"
    problems: list[Problem] = []

    def report(entry: str | None, field: str, message: str, severity: Severity = Severity.ERROR) -> None:
        problems.append(Problem(file=where, entry=entry, field=field, message=message, severity=severity))

    def expect(entry: str, field: str, ids: Iterable[str], kind: Kind) -> None:
        for target in ids:
            if kinds.get(target) is not kind:
                report(entry, field, f"unknown {kind.value} id {target!r}")

    asked = {q.id for q in advice.questions}
    for spec in QUESTIONS:
        if spec.id not in asked:
            report(spec.id, "id", "a question of the command line has no prompt or answers in the rules")
    for question in advice.questions:
        if question.id not in QUESTION_IDS:
            report(question.id, "id", f"the engine asks only: {', '.join(QUESTION_IDS)}")
        if not question.prompt:
            report(question.id, "prompt", "every question needs a prompt")
        values = [a.value for a in question.answers]
        if question.answers_from == FRAMEWORKS:
            values += sorted(frameworks)
        elif question.answers_from == THREATS:
            values += sorted(i for i, kind in kinds.items() if kind is Kind.THREAT)
        if question.default is not None and question.default not in values:
            report(question.id, "default", f"{question.default!r} is not one of its answers: {', '.join(values)}")
        for answer in question.answers:
            entry = f"{question.id}={answer.value}"
            expect(entry, "threats", answer.threats, Kind.THREAT)
            expect(entry, "recommend", [s.id for s in answer.recommend], Kind.TECHNIQUE)
            expect(entry, "rule_out", [r.technique for r in answer.rule_out], Kind.TECHNIQUE)
            expect(entry, "rule_out", [t for r in answer.rule_out for t in r.unless], Kind.TECHNIQUE)
            expect(entry, "tools", [s.id for s in answer.tools], Kind.TOOL)
            expect(entry, "for", [t for s in answer.tools for t in s.for_techniques], Kind.TECHNIQUE)
            expect(entry, "audit", [s.id for s in answer.audit], Kind.TOOL)
            expect(entry, "references", answer.references, Kind.REFERENCE)
            expect(entry, "unfit", [s.id for s in answer.unfit], Kind.TOOL)
            sources = [
                s for group in (answer.recommend, answer.tools, answer.audit) for item in group for s in item.sources
            ]
            expect(entry, "sources", sources + [s for r in answer.rule_out for s in r.sources], Kind.REFERENCE)
    questions = {q.id: q for q in advice.questions}
    for question in advice.questions:
        for answer in question.answers:
            conditional: tuple[Suggestion | RuleOut, ...] = (
                *answer.recommend,
                *answer.tools,
                *answer.audit,
                *answer.unfit,
                *answer.rule_out,
                *((answer.unit,) if answer.unit is not None else ()),
            )
            for suggestion in conditional:
                for question_id, wanted in suggestion.when:
                    _check_when(questions, f"{question.id}={answer.value}", question_id, wanted, report, frameworks)
    expect("default_threats", "default_threats", advice.default_threats, Kind.THREAT)
    unit_question = questions.get("unit")
    units = {a.value for a in unit_question.answers} if unit_question else set()
    for question in advice.questions:
        for answer in question.answers:
            if answer.unit is not None and answer.unit.id not in units:
                report(f"{question.id}={answer.value}", "unit", f"{answer.unit.id!r} is not an answer of unit")
    for recipe in advice.audit_recipes:
        expect("audit_recipes", "sources", recipe.sources, Kind.REFERENCE)
        expect("audit_recipes", "techniques", recipe.techniques, Kind.TECHNIQUE)
        for question_id, wanted in recipe.when:
            _check_when(questions, "audit_recipes", question_id, wanted, report, frameworks)
    for setting in advice.settings:
        expect("settings", "reference", [setting.reference], Kind.REFERENCE)
        for question_id, wanted in setting.when:
            _check_when(questions, "settings", question_id, wanted, report, frameworks)
    for scope in advice.audit_scopes:
        expect("audit_scopes", "tools", scope.tools, Kind.TOOL)
        expect("audit_scopes", "techniques", scope.techniques, Kind.TECHNIQUE)
    for combination in advice.combinations:
        expect("combinations", "technique", [combination.technique, *combination.with_], Kind.TECHNIQUE)
        expect("combinations", "sources", combination.sources, Kind.REFERENCE)
    expect("epsilon", "techniques", advice.dp_techniques, Kind.TECHNIQUE)
    sensitivity = advice.question("sensitivity")
    valid = {a.value for a in sensitivity.answers} | {"any"} if sensitivity else {"any"}
    for item in advice.epsilon:
        if item.sensitivity not in valid:
            report("epsilon", "sensitivity", f"{item.sensitivity!r} is not a sensitivity: {', '.join(sorted(valid))}")
        expect(f"epsilon {item.sensitivity}", "sources", item.sources, Kind.REFERENCE)
    if advice.dp_techniques and "any" not in {g.sensitivity for g in advice.epsilon}:
        report("epsilon", "guidance", "give guidance for sensitivity 'any' (used when none is given)")
    problems += _unsourced_numbers(paths)
    return problems


def _check_when(
    questions: Mapping[str, Question],
    entry: str,
    question_id: str,
    wanted: Sequence[str],
    report: Any,
    frameworks: set[str],
) -> None:
    """A ``when`` condition must name a question and values it accepts (a framework's, from the catalog)."""
    other = questions.get(question_id)
    if other is None:
        report(entry, "when", f"unknown question {question_id!r}")
        return
    known = {a.value for a in other.answers} | (frameworks if other.answers_from == FRAMEWORKS else set())
    for value in wanted:
        if value not in known:
            report(entry, "when", f"{value!r} is not an answer of {question_id}")


def _unsourced_numbers(paths: Sequence[Path]) -> list[Problem]:
    """Prose that states a number must sit in a block whose ``sources`` name references."""
    problems: list[Problem] = []
    for path, document in _documents(paths, problems):
        _walk(document, str(path), sourced=False, key=None, problems=problems, parent=document)
    return problems


def _walk(node: Any, source: str, *, sourced: bool, key: str | None, problems: list[Problem], parent: Any) -> None:
    if isinstance(node, dict):
        here = sourced or bool(node.get("sources"))
        for child_key, child in node.items():
            _walk(child, source, sourced=here, key=str(child_key), problems=problems, parent=node)
    elif isinstance(node, list):
        for child in node:
            _walk(child, source, sourced=sourced, key=key, problems=problems, parent=parent)
    elif isinstance(node, str) and key in _PROSE_KEYS and _DIGIT.search(node) and not sourced:
        line = getattr(parent, "key_lines", {}).get(key) or getattr(parent, "line", None)
        snippet = " ".join(node.split())[:60]
        message = f"states a number without sources (reference ids): {snippet!r}"
        problems.append(Problem(file=source, line=line, field=key, message=message))
