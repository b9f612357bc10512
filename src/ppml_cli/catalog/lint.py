"""Editorial rules for catalog files, beyond what loading needs (``ppml validate``).

Loading rejects what would make the catalog unusable: bad YAML, wrong types,
missing fields, duplicate ids, dangling references. These rules catch what
makes it wrong or untidy, as awesome-lint does for awesome lists: duplicate or
insecure URLs, impossible years, unknown licence ids, malformed arXiv ids,
descriptions that are too short or unpunctuated, tools that implement nothing.
Each rule works on the raw YAML mappings, so it can point at the exact line.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ppml_cli.catalog import licenses
from ppml_cli.catalog.parse import DERIVED_FIELDS, TOO_DEEP, RawEntry, field_names, load_yaml
from ppml_cli.errors import CatalogError, Problem, Severity
from ppml_cli.model import Kind

ARXIV_ID = re.compile(r"^\d{4}\.\d{4,5}$")
MIN_YEAR = 1950
DESCRIPTION_MIN = 20
DESCRIPTION_MAX = 500

Rule = Callable[[RawEntry], Iterable[Problem]]


def _problem(raw: RawEntry, field: str, message: str, severity: Severity = Severity.ERROR) -> Problem:
    return Problem(
        file=raw.file, line=raw.line_of(field), entry=raw.id, field=field, message=message, severity=severity
    )


def _urls(raw: RawEntry) -> list[tuple[str, str]]:
    """(field, url) pairs of one entry."""
    out: list[tuple[str, str]] = []
    if isinstance(raw.data.get("url"), str):
        out.append(("url", raw.data["url"]))
    former = raw.data.get("former_urls")
    if isinstance(former, list):
        out += [("former_urls", u) for u in former if isinstance(u, str)]
    return out


def https_urls(raw: RawEntry) -> Iterable[Problem]:
    for field, url in _urls(raw):
        if field == "url" and not url.startswith("https://"):
            yield _problem(raw, field, f"use an https:// URL, not {url!r}")
        elif not re.match(r"^https?://[^\s/]+\.[^\s]+$", url):
            yield _problem(raw, field, f"not a valid URL: {url!r}")


def year_in_range(raw: RawEntry) -> Iterable[Problem]:
    year = raw.data.get("year")
    latest = datetime.date.today().year + 1
    if isinstance(year, int) and not isinstance(year, bool) and not MIN_YEAR <= year <= latest:
        yield _problem(raw, "year", f"year {year} is outside {MIN_YEAR}..{latest}")


def spdx_license(raw: RawEntry) -> Iterable[Problem]:
    value = raw.data.get("license")
    if isinstance(value, str) and not licenses.is_known(value):
        yield _problem(
            raw, "license", f"{value!r} is not a known SPDX id; use one, or LicenseRef-<name> for a custom licence"
        )


def arxiv_id(raw: RawEntry) -> Iterable[Problem]:
    value = raw.data.get("arxiv")
    if isinstance(value, str) and not ARXIV_ID.match(value):
        yield _problem(raw, "arxiv", f"{value!r} is not an arXiv id like 1607.00133 (quote it in YAML)")
    url = raw.data.get("url")
    if isinstance(value, str) and isinstance(url, str) and "arxiv.org/abs/" in url and value not in url:
        yield _problem(raw, "arxiv", f"arxiv id {value} does not match the url {url}")


def description_style(raw: RawEntry) -> Iterable[Problem]:
    text = raw.data.get("description")
    if not isinstance(text, str) or not text.strip():
        return
    text = text.strip()
    if len(text) < DESCRIPTION_MIN:
        yield _problem(raw, "description", f"too short ({len(text)} characters); say what it is", Severity.WARNING)
    if len(text) > DESCRIPTION_MAX:
        message = f"too long ({len(text)} characters); keep it to a few lines"
        yield _problem(raw, "description", message, Severity.WARNING)
    if not text[0].isupper() and not text[0].isdigit():
        yield _problem(raw, "description", "start with a capital letter", Severity.WARNING)
    if text[-1] not in ".!?)":
        yield _problem(raw, "description", "end with a full stop", Severity.WARNING)


def tool_has_technique(raw: RawEntry) -> Iterable[Problem]:
    if raw.kind is Kind.TOOL and not raw.data.get("techniques"):
        yield _problem(raw, "techniques", "a tool must implement at least one technique")


def superseded_by_other(raw: RawEntry) -> Iterable[Problem]:
    if raw.kind is Kind.TOOL and raw.data.get("superseded_by") == raw.data.get("id"):
        yield _problem(raw, "superseded_by", "a tool cannot supersede itself")
    status = raw.data.get("status")
    if raw.kind is Kind.TOOL and raw.data.get("superseded_by") and status not in ("deprecated", "legacy"):
        yield _problem(raw, "superseded_by", f"a superseded tool should be deprecated or legacy, not {status!r}")


def unverified_names_fields(raw: RawEntry) -> Iterable[Problem]:
    names = raw.data.get("unverified")
    if isinstance(names, list):
        valid = set(field_names(raw.kind)) - DERIVED_FIELDS
        for name in names:
            if name not in valid:
                yield _problem(raw, "unverified", f"{name!r} is not a field of a {raw.kind.value}")


def reference_authors(raw: RawEntry) -> Iterable[Problem]:
    if raw.kind is not Kind.REFERENCE:
        return
    unverified = raw.data.get("unverified") or []
    if not raw.data.get("authors") and "authors" not in unverified:
        yield _problem(raw, "authors", "give the authors, or list 'authors' under unverified", Severity.WARNING)
    if not raw.data.get("year") and raw.data.get("type") not in ("web",) and "year" not in unverified:
        yield _problem(raw, "year", "give the year, or list 'year' under unverified", Severity.WARNING)


def role_claims(raw: RawEntry) -> Iterable[Problem]:
    """An enabler or a measurement is not a mitigation: it may not claim a strength above none."""
    role = raw.data.get("role")
    if raw.kind is not Kind.TECHNIQUE or role not in ("enabler", "measurement"):
        return
    for item in raw.data.get("mitigates") or []:
        if isinstance(item, dict) and item.get("strength") not in (None, "none"):
            yield _problem(
                raw,
                "mitigates",
                f"a technique with role {role!r} cannot mitigate {item.get('threat')!r} itself; "
                "say 'none' and name the techniques it serves in the reason",
            )


RULES: tuple[Rule, ...] = (
    https_urls,
    year_in_range,
    spdx_license,
    arxiv_id,
    description_style,
    tool_has_technique,
    superseded_by_other,
    unverified_names_fields,
    reference_authors,
    role_claims,
)

#: Strengths that count as an answer to a threat.
EFFECTIVE = ("strong", "partial")


def threat_coverage(raws: Sequence[RawEntry]) -> Iterable[Problem]:
    """Every threat has a strong or partial mitigating technique, or says why none is known.

    A threat that claims no known mitigation while a technique calls itself
    strong against it contradicts the map.
    """
    best: dict[str, str] = {}
    for raw in raws:
        if raw.kind is not Kind.TECHNIQUE:
            continue
        for item in raw.data.get("mitigates") or []:
            if not isinstance(item, dict) or not isinstance(item.get("threat"), str):
                continue
            strength = item.get("strength")
            if strength == "strong" or (strength == "partial" and best.get(item["threat"]) != "strong"):
                best[item["threat"]] = strength
    for raw in raws:
        if raw.kind is not Kind.THREAT or not isinstance(raw.data.get("id"), str):
            continue
        reason = raw.data.get("no_known_mitigation")
        strength = best.get(raw.data["id"])
        if strength is None and not reason:
            yield _problem(
                raw,
                "id",
                "no technique mitigates this threat (strong or partial); add one, "
                "or explain why none is known in no_known_mitigation",
            )
        elif strength == "strong" and reason:
            yield _problem(raw, "no_known_mitigation", "a technique claims a strong mitigation of this threat")


def loader_agreement(text: str, source: str) -> list[Problem]:
    """What PyYAML's pure-Python SafeLoader and libyaml's CSafeLoader would read differently.

    ppml uses libyaml when it is installed and the pure loader otherwise, so a
    catalog must mean the same to both (an unquoted ``?`` inside a flow list,
    for one, is accepted by libyaml and rejected by the pure loader). The
    answer is kept per content (the pure loader takes most of a second on the
    bundled catalog, and ``ppml add`` validates it again on every draft).
    """
    return list(_loader_agreement(text, source))


@functools.lru_cache(maxsize=8)
def _loader_agreement(text: str, source: str) -> tuple[Problem, ...]:
    import yaml

    c_loader = getattr(yaml, "CSafeLoader", None)
    if c_loader is None:
        return ()  # the pure loader is the one loading uses, and loading says what it refuses
    pure, pure_refusal = _read_with(text, source, yaml.SafeLoader)
    fast, fast_refusal = _read_with(text, source, c_loader)
    if fast_refusal is not None:
        return ()  # loading reports libyaml's own error
    if pure_refusal is not None:
        return _pure_refusal(pure_refusal, source)
    if pure == fast:
        return ()
    return tuple(
        Problem(file=source, entry=entry, message="libyaml and PyYAML's pure-Python loader read this entry differently")
        for entry in _differing_entries(pure, fast)
    )


def _read_with(text: str, source: str, loader: type[Any]) -> tuple[Any, Exception | None]:
    """What ``loader`` reads, or why it refuses to."""
    import yaml

    try:
        return load_yaml(text, source, loader), None
    except (yaml.YAMLError, CatalogError) as exc:
        return None, exc


def _pure_refusal(exc: Exception, source: str) -> tuple[Problem, ...]:
    """Why only the pure-Python loader refuses a document libyaml reads."""
    import yaml

    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        message = f"PyYAML's pure-Python loader cannot read this ({exc.problem}); quote the value"
        return (Problem(file=source, line=line, message=message),)
    if isinstance(exc, CatalogError):  # deeper than the pure loader can follow on Python's stack
        return (Problem(file=source, message=f"PyYAML's pure-Python loader cannot read this file: {TOO_DEEP}"),)
    return (Problem(file=source, message=f"PyYAML's pure-Python loader cannot read this file: {exc}"),)


def _differing_entries(pure: Any, fast: Any) -> list[str | None]:
    if not isinstance(pure, dict) or not isinstance(fast, dict):
        return [None]
    out: list[str | None] = []
    for key in dict.fromkeys([*pure, *fast]):
        left, right = pure.get(key), fast.get(key)
        if left == right:
            continue
        if isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
            for a, b in zip(left, right, strict=True):
                if a != b:
                    out.append(str(a.get("id")) if isinstance(a, dict) else None)
        else:
            out.append(None)
    return out or [None]


def unique_urls(raws: Sequence[RawEntry]) -> Iterable[Problem]:
    first: dict[str, RawEntry] = {}
    for raw in raws:
        for field, url in _urls(raw):
            key = url.rstrip("/")
            if key in first and first[key].id != raw.id:
                yield _problem(raw, field, f"URL already used by {first[key].id!r}: {url}")
            else:
                first.setdefault(key, raw)


def lint(raws: Sequence[RawEntry]) -> list[Problem]:
    """Every editorial problem in the merged entries, in file order."""
    problems: list[Problem] = []
    for raw in raws:
        for rule in RULES:
            problems.extend(rule(raw))
    problems.extend(unique_urls(raws))
    problems.extend(threat_coverage(raws))
    return sorted(problems, key=_location)


def _location(problem: Problem) -> tuple[Any, ...]:
    return (problem.file, problem.line or 0, problem.entry or "", problem.field or "")
