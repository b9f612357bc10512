"""Project metadata from the Python Package Index's JSON API (``/pypi/NAME/json``).

The host comes from PPML_PYPI_URL (default https://pypi.org), so tests and
mirrors can stand in for it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from ppml_cli.model import Record
from ppml_cli.net import fetch
from ppml_cli.net.fetch import FetchError

API_ENV = "PPML_PYPI_URL"
DEFAULT_API = "https://pypi.org"

#: requirement name -> the catalog's framework name.
FRAMEWORKS = {
    "torch": "pytorch",
    "pytorch-lightning": "pytorch",
    "lightning": "pytorch",
    "tensorflow": "tensorflow",
    "tensorflow-cpu": "tensorflow",
    "tensorflow-gpu": "tensorflow",
    "tf-keras": "tensorflow",
    "keras": "tensorflow",
    "jax": "jax",
    "jaxlib": "jax",
    "flax": "jax",
    "scikit-learn": "sklearn",
    "xgboost": "xgboost",
    "pyspark": "spark",
}
#: Extras that only a project's own developers install.
_DEV_EXTRAS = re.compile(r"extra\s*==\s*['\"](dev|devel|test|tests|testing|docs?|lint|typing|benchmarks?)['\"]")


class Project(Record):
    """What the index says about a project's latest release."""

    name: str
    summary: str | None
    version: str | None
    released: str | None  # YYYY-MM-DD of the latest release's first upload
    license: str | None  # the licence field or expression, as written
    classifiers: tuple[str, ...]
    requires: tuple[str, ...]
    urls: tuple[str, ...]  # home page and project URLs


def api_base(environ: Mapping[str, str] | None = None) -> str:
    return fetch.api_base(API_ENV, DEFAULT_API, environ)


def fetch_project(name: str, *, deadline: float = 20.0, max_body: int = 4 * 1024 * 1024) -> Project | None:
    """The project, or None when the index has no project of that name; FetchError when it cannot say."""
    url = f"{api_base()}/pypi/{quote(name, safe='')}/json"
    data = fetch.get_json(url, deadline=deadline, max_body=max_body)
    if data is None:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("info"), dict):
        raise FetchError(url, "unexpected JSON (no info object)")
    return parse_project(data)


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def parse_project(data: dict[str, Any]) -> Project:
    info = data["info"]
    files = data.get("urls")
    uploads = [
        f["upload_time_iso_8601"]
        for f in (files if isinstance(files, list) else [])
        if isinstance(f, dict) and isinstance(f.get("upload_time_iso_8601"), str)
    ]
    project_urls = info.get("project_urls")
    urls = [info.get("home_page"), *(project_urls.values() if isinstance(project_urls, dict) else [])]
    license_text = _text(info.get("license_expression")) or _text(info.get("license"))
    if license_text and len(license_text) > 80:  # a whole licence pasted into the field
        license_text = None
    return Project(
        name=_text(info.get("name")) or "",
        summary=_text(info.get("summary")),
        version=_text(info.get("version")),
        released=min(uploads)[:10] if uploads else None,
        license=license_text,
        classifiers=_strings(info.get("classifiers")),
        requires=_strings(info.get("requires_dist")),
        urls=tuple(u for u in urls if isinstance(u, str) and u),
    )


def requirement_name(requirement: str) -> str:
    """The distribution name of a requirement line, normalised (PEP 503)."""
    name = re.split(r"[\s;<>=!~\[(@]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def frameworks(requires: tuple[str, ...]) -> list[str]:
    """The ML frameworks a project requires, outside its developers' own extras; sorted."""
    found = {
        FRAMEWORKS[requirement_name(r)]
        for r in requires
        if requirement_name(r) in FRAMEWORKS and not _DEV_EXTRAS.search(r)
    }
    return sorted(found)


#: Trove licence classifiers that name exactly one SPDX licence.
CLASSIFIER_LICENSES = {
    "License :: OSI Approved :: MIT License": "MIT",
    "License :: OSI Approved :: Apache Software License": "Apache-2.0",
    "License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "License :: OSI Approved :: GNU Affero General Public License v3": "AGPL-3.0-only",
}
