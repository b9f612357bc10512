"""``add``: draft a catalog entry from what the web says about a tool or a paper.

A tool is drafted from its GitHub repository (the REST API, through the same
client as ``refresh``) and its package on the Python Package Index; a
reference from arXiv's API or Crossref. Facts the sources gave are filled in;
everything else, and everything that is a guess (the techniques, a status read
from activity, a description in the upstream's words), is named under
``unverified``, as the catalog's own rules ask. When a source cannot be
reached the draft holds what the others gave and says why.

The draft is returned as YAML text ready to paste, or appended to a user
catalog (:func:`append_entry`: under a lock, written atomically, read back
before it replaces the file) and then checked with the catalog's validation.
Nothing here prints; the command shows the notes.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import stat
import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ppml_cli import jsonsafe
from ppml_cli.catalog import licenses
from ppml_cli.errors import EXIT_NETWORK, EXIT_OK, EXIT_USAGE, CatalogError, InvalidValueError, Problem, Severity
from ppml_cli.index import Index
from ppml_cli.jsonsafe import replace_surrogates
from ppml_cli.model import Kind, Record, Technique, replace
from ppml_cli.store import locked, repodata, write_atomic
from ppml_cli.textsafe import one_line

KINDS = (Kind.TOOL, Kind.REFERENCE)
_PYPI_URL = re.compile(r"^https?://(?:www\.)?pypi\.org/project/([A-Za-z0-9._-]+)/?(?:[?#].*)?$")

#: Technique id -> the tool category it belongs to.
CATEGORY_OF = {
    "dp-training": "differential-privacy",
    "local-differential-privacy": "differential-privacy",
    "privacy-budget": "differential-privacy",
    "federated-learning": "federated-learning",
    "secure-multi-party-computation": "secure-computation",
    "private-inference": "secure-computation",
    "synthetic-data": "synthetic-data",
    "privacy-impact-evaluation": "privacy-evaluation",
    "privacy-metrics": "privacy-evaluation",
}
_STOPWORDS = frozenset("a an the on of for in to and towards toward via with from by is are".split())
MAX_TECHNIQUES = 3


class Draft(Record):
    """A drafted entry: its fields in catalog order, and what happened while fetching them."""

    kind: Kind
    entry: dict[str, Any]
    notes: tuple[str, ...]  # one line per source that failed or said something worth knowing
    unreachable: bool  # a source could not be reached (offline, timeout, rate limit)


class Added(Record):
    """The outcome of ``ppml add``: the YAML, where it went, and the validation of the result."""

    draft: Draft
    yaml: str
    written_to: Path | None
    problems: tuple[Problem, ...]

    @property
    def exit_code(self) -> int:
        if self.draft.unreachable:
            return EXIT_NETWORK
        if any(p.severity is Severity.ERROR for p in self.problems):
            return EXIT_USAGE
        return EXIT_OK


# ------------------------------------------------------------------ ids and inference


def ascii_words(text: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.findall(r"[a-z0-9]+", plain.lower())


def fresh_id(base: str, taken: set[str]) -> str:
    """``base`` (made kebab-case), or ``base-2``, ``base-3``... whichever no entry has."""
    stem = "-".join(ascii_words(base)) or "entry"
    candidate, n = stem, 1
    while candidate in taken:
        n += 1
        candidate = f"{stem}-{n}"
    return candidate


def reference_id(authors: Sequence[str], year: int | None, title: str) -> str:
    """Catalog style: first author's surname, year, first significant title word (``abadi2016deep``)."""
    surname = "".join(ascii_words(authors[0].split()[-1])) if authors and authors[0].split() else ""
    words = [w for w in ascii_words(title) if w not in _STOPWORDS]
    return f"{surname}{year or ''}{words[0] if words else ''}" or "reference"


def infer_techniques(index: Index, texts: Sequence[str], topics: Sequence[str] = ()) -> list[str]:
    """Technique ids whose names or aliases the texts or topics mention, most mentioned first (at most 3)."""
    topic_words = {t.replace("-", " ").lower() for t in topics}
    scores: list[tuple[int, int, str]] = []
    for order, technique in enumerate(index.of_kind(Kind.TECHNIQUE)):
        assert isinstance(technique, Technique)
        labels = {technique.name, technique.id.replace("-", " "), *technique.aliases}
        hits = 0
        for label in labels:
            acronym = label.isupper() and len(label) <= 5
            pattern = re.compile(rf"(?<![\w-]){re.escape(label)}(?![\w-])", 0 if acronym else re.IGNORECASE)
            hits += sum(1 for text in texts if pattern.search(text))
            hits += 2 * (label.lower() in topic_words)
        if hits:
            scores.append((-hits, order, technique.id))
    return [technique_id for _, _, technique_id in sorted(scores)[:MAX_TECHNIQUES]]


def sentence(text: str | None, limit: int = 400) -> str | None:
    """The first sentence of ``text``, capitalised and ending with a full stop; None for no text."""
    if not text or not text.strip():
        return None
    text = " ".join(text.split())
    first = re.split(r"(?<=[.!?])\s+(?=[A-Z])", text, maxsplit=1)[0]
    if len(first) > limit:
        first = first[:limit].rsplit(" ", 1)[0].rstrip(",;:")
    first = first[0].upper() + first[1:]
    return first if first[-1] in ".!?)" else first + "."


def _plain(value: Any) -> Any:
    """Network text on one line without control characters (lists item by item)."""
    if isinstance(value, str):
        return replace_surrogates(one_line(value))  # a lone surrogate (from argv, say) is not text libyaml reads
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _ordered(entry: dict[str, Any], unverified: set[str]) -> dict[str, Any]:
    out = {k: _plain(v) for k, v in entry.items() if v not in (None, [], "")}
    if unverified:
        out["unverified"] = sorted(unverified)
    return out


def _url_key(url: str) -> str:
    return url.split("://", 1)[-1].removeprefix("www.").rstrip("/").lower()


def _package_key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def already_listed(
    index: Index, *, url: str | None = None, slug: str | None = None, package: str | None = None
) -> str | None:
    """The id of an entry with this address, GitHub repository or PyPI package, if any."""
    for entry in index.entries:
        for known in entry.all_urls:
            if (url and _url_key(known) == _url_key(url)) or (slug and repodata.repo_of(known) == slug):
                return entry.id
        listed = getattr(entry, "package", None)
        if package and isinstance(listed, str) and _package_key(listed) == _package_key(package):
            return entry.id
    return None


def _compact_license(text: str) -> str:
    text = re.sub(r"[^a-z0-9]", "", text.lower()).replace("license", "").replace("version", "")
    return re.sub(r"(\d)0", r"\1", text)  # "2.0" and "2" alike


#: Loose spellings (``Apache 2.0``, ``Apache License, Version 2.0``) -> SPDX ids the catalog knows.
_LICENSE_SPELLINGS = {
    _compact_license(spdx): spdx
    for spdx in sorted(licenses.OPEN_SOURCE | licenses.FREE_NOT_OSI | licenses.NOT_OPEN_SOURCE)
}


def spdx_license(text: str) -> str | None:
    """``text`` as an SPDX id of the catalog's vocabulary, read loosely; None when it is none of them."""
    if licenses.is_known(text):
        return text
    return _LICENSE_SPELLINGS.get(_compact_license(text))


# ------------------------------------------------------------------------ tools


def draft_tool(url: str, index: Index, taken: set[str], *, package: str | None = None, deadline: float = 20.0) -> Draft:
    from ppml_cli.net import pypi
    from ppml_cli.net.fetch import FetchError

    notes: list[str] = []
    unreachable = False
    slug = repodata.repo_of(url)
    pypi_match = _PYPI_URL.match(url)
    if slug is None and pypi_match is None:
        notes.append("not a GitHub repository or PyPI project address: only the URL is filled in")
    repo: dict[str, Any] | None = None
    if slug:
        repo, note, failed = _github_repo(slug, deadline)
        unreachable |= failed
        if note:
            notes.append(note)

    project: pypi.Project | None = None
    names = [package] if package else [pypi_match[1]] if pypi_match else [slug.split("/")[1]] if slug else []
    for name in names:
        try:
            project = pypi.fetch_project(name, deadline=deadline)
        except FetchError as error:
            notes.append(f"PyPI: {error.reason}; package, frameworks and release are not filled in")
            unreachable |= error.unreachable
            break
        if project is None:
            notes.append(
                f"PyPI: no project named {name!r}" + ("" if package else "; give --package NAME if it has one")
            )
        elif slug and not package and not any(repodata.repo_of(u) == slug for u in project.urls):
            notes.append(f"PyPI: the project {project.name!r} does not link to {slug}; not used (give --package)")
            project = None
    if project and slug is None:  # a PyPI address: find its repository
        slug = next((s for u in project.urls if (s := repodata.repo_of(u))), None)
        if slug:
            repo, note, failed = _github_repo(slug, deadline)
            unreachable |= failed
            if note:
                notes.append(note)

    unverified = {"description", "techniques", "categories", "status"}
    topics = [t for t in (repo or {}).get("topics") or [] if isinstance(t, str)]
    texts = [t for t in ((repo or {}).get("description"), project.summary if project else None) if t]
    techniques = infer_techniques(index, texts, topics)
    if not techniques:
        notes.append("no technique recognised in the description or topics: add the technique ids by hand")
    categories = sorted({CATEGORY_OF[t] for t in techniques if t in CATEGORY_OF})

    name = (repo or {}).get("name") or (project.name if project else None) or url.rstrip("/").rsplit("/", 1)[-1]
    license_id = _license(repo, project, notes)
    if license_id is None:
        unverified.add("license")
    language = (repo or {}).get("language")
    if not isinstance(language, str):
        language = "Python" if project else None
        unverified.add("language")
    frameworks = pypi.frameworks(project.requires) if project else []
    if not frameworks:
        unverified.add("frameworks")
    if project is None:
        unverified |= {"package", "install"}

    status, last, source = _activity(repo, project)
    if last is None:
        unverified |= {"last_activity", "last_activity_source"}
    entry = {
        "id": fresh_id(str(name), taken),
        "name": name,
        "url": (repo or {}).get("html_url") or url,
        "description": sentence((repo or {}).get("description") or (project.summary if project else None)),
        "techniques": techniques,
        "categories": categories,
        "license": license_id,
        "language": language,
        "package": project.name if project else None,
        "install": f"pip install {project.name}" if project else None,
        "frameworks": frameworks,
        "status": status,
        "last_activity": last,
        "last_activity_source": source,
    }
    return Draft(
        kind=Kind.TOOL, entry=_ordered(entry, unverified), notes=tuple(map(one_line, notes)), unreachable=unreachable
    )


def _github_repo(slug: str, deadline: float) -> tuple[dict[str, Any] | None, str | None, bool]:
    """(repository JSON, a note, whether the API was out of reach)."""
    import asyncio

    import httpx

    from ppml_cli.net.github import GitHubClient, RateLimited, Unreachable

    async def fetch() -> tuple[int, bytes]:
        # Each request of the client is bounded (deadline and body cap); the whole exchange is too.
        async with GitHubClient(timeout=deadline, retries=1, max_wait=5.0) as client:
            reply = await asyncio.wait_for(client.get(f"/repos/{slug}"), timeout=2 * deadline)
            return reply.status, reply.body

    try:
        status, body = asyncio.run(fetch())
    except RateLimited as error:
        return None, f"GitHub: {error}", True
    except Unreachable as error:
        return None, f"GitHub: {error}", True
    except asyncio.TimeoutError:
        return None, f"GitHub: no answer within {2 * deadline:g} s", True
    except (httpx.HTTPError, OSError) as error:  # after the API answered once (GitHubClient re-raises these)
        from ppml_cli.net.policy import classify

        return None, f"GitHub: {classify(error)}", True
    if status == 404:
        return None, f"GitHub: no repository {slug} (deleted, private or mistyped)", False
    if status != 200:
        return None, f"GitHub: HTTP {status} for {slug}", True
    try:
        data = jsonsafe.loads(body)  # bounded nesting, lone surrogates replaced
    except jsonsafe.UntrustedJSONError as error:
        return None, f"GitHub: {error}", True
    if not isinstance(data, dict):
        return None, "GitHub: unexpected JSON", True
    data = _repo_facts(data)
    if isinstance(data.get("full_name"), str) and data["full_name"].lower() != slug:
        return data, f"GitHub: {slug} moved to {data['full_name']}; the draft uses the new address", False
    return data, None, False


def _repo_facts(data: dict[str, Any]) -> dict[str, Any]:
    """The fields the draft reads, each of the type it expects; anything else in the answer is dropped."""
    facts: dict[str, Any] = {
        key: data[key]
        for key in ("name", "full_name", "html_url", "description", "language", "pushed_at")
        if isinstance(data.get(key), str)
    }
    if not str(facts.get("html_url", "")).startswith("https://"):
        facts.pop("html_url", None)
    topics = data.get("topics")
    facts["topics"] = [t for t in topics if isinstance(t, str)] if isinstance(topics, list) else []
    facts["archived"] = data.get("archived") is True
    license_info = data.get("license")
    spdx = license_info.get("spdx_id") if isinstance(license_info, dict) else None
    facts["license"] = {"spdx_id": spdx} if isinstance(spdx, str) else None
    return facts


def _license(repo: dict[str, Any] | None, project: Any, notes: list[str]) -> str | None:
    from ppml_cli.net.pypi import CLASSIFIER_LICENSES

    info = (repo or {}).get("license")
    spdx = info.get("spdx_id") if isinstance(info, dict) else None
    candidates = [spdx] if isinstance(spdx, str) and spdx != "NOASSERTION" else []
    if project is not None:
        candidates += [project.license] if project.license else []
        candidates += [CLASSIFIER_LICENSES[c] for c in project.classifiers if c in CLASSIFIER_LICENSES]
    for candidate in candidates:
        spdx_id = spdx_license(str(candidate))
        if spdx_id:
            return spdx_id
    if candidates:
        notes.append(f"licence {candidates[0]!r} is not in the catalog's licence list: check it and add it by hand")
    return None


def _activity(repo: dict[str, Any] | None, project: Any) -> tuple[str, str | None, str | None]:
    """(status guessed from activity, last activity date, where that date comes from)."""
    today = dt.date.today().isoformat()
    pushed = (repo or {}).get("pushed_at")
    release = f"PyPI release {project.version} on {project.released}" if project and project.released else None
    if isinstance(pushed, str) and len(pushed) >= 10:
        last, source = pushed[:10], f"GitHub pushed_at, fetched by ppml add on {today}"
        if release:
            source += f"; {release}"
    elif project and project.released:
        last, source = project.released, f"{release}, fetched by ppml add on {today}"
    else:
        return "unknown", None, None
    if (repo or {}).get("archived"):
        return "legacy", last, source + "; repository archived"
    try:
        age = dt.date.today() - dt.date.fromisoformat(last)
    except ValueError:
        return "unknown", last, source
    return ("active" if age.days <= 365 else "low-activity"), last, source


# ------------------------------------------------------------------- references


def draft_reference(url: str, index: Index, taken: set[str], *, deadline: float = 20.0) -> Draft:
    from ppml_cli.net import arxiv, crossref
    from ppml_cli.net.fetch import FetchError
    from ppml_cli.net.publication import Publication

    notes: list[str] = []
    unreachable = False
    identifier = arxiv.arxiv_id(url)
    doi = None if identifier else crossref.doi_of(url)
    found: Publication | None = None
    canonical = url
    #: the one service that can say more about this address: its name, the work's canonical address,
    #: the question to ask it, and what an empty answer means
    service: tuple[str, str, Callable[[], Publication | None], str] | None = None
    if identifier:
        ask_arxiv = functools.partial(arxiv.fetch_paper, identifier, deadline=deadline)
        service = ("arXiv", f"https://arxiv.org/abs/{identifier}", ask_arxiv, f"no paper {identifier}")
    elif doi:
        ask_crossref = functools.partial(crossref.fetch_work, doi, deadline=deadline)
        service = ("Crossref", f"https://doi.org/{doi}", ask_crossref, f"no work with DOI {doi}")
    if service is None:
        notes.append("not an arXiv or DOI address: only the URL is filled in")
    else:
        source, canonical, ask, missing = service
        try:
            found = ask()
            if found is None:
                notes.append(f"{source}: {missing}")
        except FetchError as error:
            notes.append(f"{source}: {error.reason}; the draft has only what the address says")
            unreachable = error.unreachable
    if found is None:  # what the address alone says
        found = Publication(source="", url=canonical, title="", doi=doi, arxiv_id=identifier)
    title, authors, year, venue, abstract = found.title or None, found.authors, found.year, found.venue, found.abstract
    doi = found.doi or doi

    unverified = {"description", "techniques"}
    for field, value in (("name", title), ("authors", authors), ("year", year), ("venue", venue)):
        if not value:
            unverified.add(field)
    techniques = infer_techniques(index, [t for t in (title, abstract) if t])
    if not techniques:
        notes.append("no technique recognised in the title or abstract: add the technique ids by hand")
    base = reference_id(authors, year, title or "") if title else (identifier or doi or "reference")
    entry = {
        "id": fresh_id(base, taken),
        "name": title or canonical,
        "type": found.type,
        "url": found.url,
        "authors": list(authors),
        "year": year,
        "venue": venue,
        "arxiv": identifier,
        "doi": doi,
        "description": sentence(abstract),
        "techniques": techniques,
    }
    return Draft(
        kind=Kind.REFERENCE,
        entry=_ordered(entry, unverified),
        notes=tuple(map(one_line, notes)),
        unreachable=unreachable,
    )


# ------------------------------------------------------------------ YAML and files


def to_yaml(draft: Draft, *, header: bool = True) -> str:
    """The draft as a catalog YAML document (``tools:`` or ``references:`` and one entry)."""
    import yaml

    class Dumper(yaml.SafeDumper):
        def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
            super().increase_indent(flow, False)  # "  - id:" as the catalog writes it

    body = yaml.dump(
        {draft.kind.plural: [draft.entry]},
        Dumper=Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=None,
    )
    if not header:
        return body
    lines = [
        "# Drafted by `ppml add`. Check every field under `unverified` (not fetched, or a guess),",
        "# write the description in your own words, then take the checked fields off that list.",
    ]
    return "\n".join(lines) + "\n" + body


def _entry_block(draft: Draft) -> str:
    """The draft's list item alone (``  - id: ...``), to insert under an existing key."""
    return to_yaml(draft, header=False).split("\n", 1)[1]


def _insert(text: str, key: str, block: str) -> str:
    """``text`` with ``block`` appended to the top-level list ``key`` (added at the end if absent)."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    start = next((i for i, line in enumerate(lines) if re.match(rf"^{re.escape(key)}:\s*(#.*)?$", line)), None)
    if start is None:
        empty = next((i for i, line in enumerate(lines) if re.match(rf"^{re.escape(key)}:\s*\[\s*\]\s*$", line)), None)
        if empty is not None:  # "tools: []"
            lines[empty] = f"{key}:\n"
            return "".join(lines[: empty + 1]) + block + "".join(lines[empty + 1 :])
        gap = "\n" if lines and lines[-1].strip() else ""
        return "".join(lines) + gap + f"{key}:\n" + block
    end = next((i for i in range(start + 1, len(lines)) if re.match(r"^[^\s#-]", lines[i])), len(lines))
    while end > start + 1 and not lines[end - 1].strip():  # keep the blank lines before the next key after us
        end -= 1
    return "".join(lines[:end]) + "\n" + block + "".join(lines[end:])


def append_entry(path: Path, draft: Draft) -> None:
    """Add the draft to the catalog file ``path`` (created if missing), atomically and under a lock.

    The new text is parsed back, by the loader catalogs are loaded with, before
    it replaces the file: the other entries must read exactly as before and the
    new one as drafted, else nothing is written. A file that cannot be written
    is reported as such, and left as it was; so is one that replacing would
    change in another way (:func:`check_target`).
    """
    try:
        _append(path, draft)
    except OSError as error:
        reason = error.strerror or str(error)
        raise InvalidValueError(f"cannot write {path}: {reason}", hint="print the draft without --to") from None


def check_target(path: Path) -> os.stat_result | None:
    """The status of the file ``--to`` names (None when it does not exist yet), if ppml may replace it.

    ``add`` writes a new file and renames it over the old one (so a crash
    never leaves half a catalog), which is only the same file again when the
    target is a regular file of the user's own, with one name, that the user
    may write. So a symbolic link (which would become a standalone copy), a
    file with other hard links (which would keep the old text), another
    user's file (which would become the user's, in a directory both may write
    to) and a read-only file are refused, as are FIFOs, devices and directories.
    """
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise InvalidValueError(f"cannot read {path}: {error.strerror or error}", hint=_PASTE) from None
    if stat.S_ISLNK(info.st_mode):
        raise InvalidValueError(
            f"{path} is a symbolic link: ppml add would replace the link with a copy of the file",
            hint=f"give the file it points to (--to {os.path.realpath(path)})",
        )
    if not stat.S_ISREG(info.st_mode):
        what = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise InvalidValueError(f"cannot read {path}: {what} (--to takes a catalog YAML file)", hint=_PASTE)
    if info.st_nlink > 1:
        raise InvalidValueError(
            f"{path} has {info.st_nlink} hard links: ppml add writes a new file; the other names would keep the old",
            hint=_PASTE,
        )
    geteuid = getattr(os, "geteuid", None)
    if geteuid is not None and info.st_uid != geteuid():
        raise InvalidValueError(
            f"{path} belongs to another user (uid {info.st_uid}): ppml add would make the new file yours",
            hint="ask its owner to add the entry; " + _PASTE,
        )
    if not os.access(path, os.W_OK):
        raise InvalidValueError(f"cannot write {path}: it is read-only", hint=_PASTE)
    return info


_PASTE = "print the draft without --to and paste it"


def _read_target(path: Path) -> tuple[str, os.stat_result | None]:
    """The text of the file ``--to`` names ('' when it does not exist yet) and its status.

    Read by the catalog files' bounded reader, without following a link.
    """
    from ppml_cli.catalog.files import UnreadableCatalog, read_catalog

    info = check_target(path)
    if info is None:
        return "", None
    try:
        return read_catalog(path, follow_symlinks=False).decode("utf-8"), info
    except UnreadableCatalog as error:
        raise InvalidValueError(f"{path}: {error}", hint=_PASTE) from None
    except UnicodeDecodeError as error:
        raise InvalidValueError(f"cannot read {path}: not UTF-8 ({error.reason})", hint=_PASTE) from None


def _load(text: str, path: Path) -> Any:
    """``text`` read as the catalog loader reads it (libyaml where installed); None for a YAML error."""
    import yaml

    from ppml_cli.catalog.parse import load_yaml

    try:
        return load_yaml(text, str(path))
    except (yaml.YAMLError, CatalogError):
        return None


def _append(path: Path, draft: Draft) -> None:
    key = draft.kind.plural
    with locked(path, private=False):
        old_text, info = _read_target(path)
        old = _load(old_text, path) if old_text.strip() else {}
        if old is None and old_text.strip():
            raise InvalidValueError(f"{path} is not valid YAML", hint="fix it (ppml validate) or choose another file")
        if old is None:
            old = {}
        if not isinstance(old, dict) or not isinstance(old.get(key) or [], list):
            raise InvalidValueError(f"{path} is not a catalog file", hint="its top level must map kinds to lists")
        new_text = _insert(old_text, key, _entry_block(draft)) if old_text.strip() else to_yaml(draft)
        new = _load(new_text, path)
        expected = {**old, key: [*(old.get(key) or []), draft.entry]}
        if new != expected:
            raise InvalidValueError(f"cannot add to {path} without rewriting its layout", hint=_PASTE)
        mode = stat.S_IMODE(info.st_mode) if info else 0o644  # a catalog keeps its mode and group
        group = info.st_gid if info else None
        write_atomic(path, new_text.encode("utf-8"), private=False, mode=mode, group=group)


def _ids_in(path: Path | None) -> set[str]:
    """The ids in the file ``--to`` names; refused before anything is fetched when it may not be replaced."""
    if path is None:
        return set()
    text, _ = _read_target(path)
    data = _load(text, path) if text.strip() else None
    if not isinstance(data, dict):
        return set()
    return {
        item["id"]
        for items in data.values()
        if isinstance(items, list)
        for item in items
        if isinstance(item, dict) and isinstance(item.get("id"), str)
    }


def add_entry(
    kind: str,
    url: str,
    index: Index,
    *,
    extra: Sequence[Path] = (),
    bundled: bool = True,
    to: Path | None = None,
    package: str | None = None,
    deadline: float = 20.0,
) -> Added:
    """Draft the entry, write it to ``to`` if given, and validate the result over the other catalogs."""
    chosen = next((k for k in KINDS if kind.lower() in (k.value, k.plural)), None)
    if chosen is None:
        raise InvalidValueError(f"cannot draft a {kind!r}", hint="ppml add drafts a tool or a reference")
    url = url.strip()
    if not re.match(r"^https?://", url) and not (chosen is Kind.REFERENCE and url):
        raise InvalidValueError(f"not a web address: {url!r}", hint="give the https:// address of the project")
    pypi_match = _PYPI_URL.match(url) if chosen is Kind.TOOL else None
    known = already_listed(index, url=url, slug=repodata.repo_of(url), package=pypi_match[1] if pypi_match else None)
    if known:
        raise InvalidValueError(f"{url} is already in the catalog as {known!r}", hint=f"see ppml show {known}")
    taken = {e.id for e in index.entries} | _ids_in(to)
    if chosen is Kind.TOOL:
        draft = draft_tool(url, index, taken, package=package, deadline=deadline)
    else:
        draft = draft_reference(url, index, taken, deadline=deadline)
    found = draft.entry
    known = already_listed(index, url=found["url"], slug=repodata.repo_of(found["url"]), package=found.get("package"))
    if known:
        message = f"{found['url']} is already in the catalog as {known!r} (see ppml show {known})"
        raise InvalidValueError(message, hint="edit that entry instead of adding another")
    text = to_yaml(draft)
    if to is not None:
        append_entry(to, draft)
        problems = _validate([*extra, to] if to not in extra else list(extra), bundled, to, draft)
        return Added(draft=draft, yaml=text, written_to=to, problems=problems)
    with tempfile.TemporaryDirectory(prefix="ppml-add-") as folder:
        path = Path(folder) / "draft.yaml"
        path.write_text(text, encoding="utf-8")
        problems = _validate([*extra, path], bundled, path, draft)
    shown = tuple(replace(p, file="draft") if p.file == str(path) else p for p in problems)
    return Added(draft=draft, yaml=text, written_to=None, problems=shown)


def _validate(paths: Sequence[Path], bundled: bool, target: Path, draft: Draft) -> tuple[Problem, ...]:
    from ppml_cli.queries import validate_catalog

    report = validate_catalog(paths, bundled=bundled, measurements=False)
    return tuple(p for p in report.problems if p.file == str(target) or p.entry == draft.entry["id"])
