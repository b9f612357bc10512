"""`ppml add` against fake GitHub, PyPI, arXiv and Crossref servers on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json
import socket
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from ppml_cli.catalog.loading import load_index
from ppml_cli.catalog.parse import ID_PATTERN
from ppml_cli.drafting import Draft, add_entry, append_entry, fresh_id, reference_id, sentence, spdx_license
from ppml_cli.errors import EXIT_NETWORK, EXIT_OK, EXIT_USAGE, InvalidValueError
from ppml_cli.model import Kind
from ppml_cli.net import arxiv, crossref, pypi
from ppml_cli.net.fetch import FetchError, get

from .conftest import Run
from .httpserver import Handler, Reply, Server

RECENT = (dt.date.today() - dt.timedelta(days=30)).isoformat()


def repo_json(name: str = "acme/dpkit", **extra: Any) -> bytes:
    data = {
        "name": name.split("/")[1],
        "full_name": name,
        "html_url": f"https://github.com/{name}",
        "description": "differentially private training for PyTorch models",
        "license": {"spdx_id": "MIT"},
        "language": "Python",
        "topics": ["differential-privacy", "pytorch"],
        "archived": False,
        "pushed_at": f"{RECENT}T10:00:00Z",
        **extra,
    }
    return json.dumps(data).encode()


def pypi_json(name: str = "dpkit", repo: str = "acme/dpkit", **info: Any) -> bytes:
    data = {
        "info": {
            "name": name,
            "summary": "DP-SGD for PyTorch.",
            "version": "1.2.0",
            "license_expression": "MIT",
            "classifiers": ["License :: OSI Approved :: MIT License"],
            "requires_dist": ["torch>=2.0", "numpy", "pytest ; extra == 'test'", "jax ; extra == 'dev'"],
            "project_urls": {"Source": f"https://github.com/{repo}"},
            **info,
        },
        "urls": [{"upload_time_iso_8601": "2026-10-02T12:00:00Z"}, {"upload_time_iso_8601": "2026-10-01T09:00:00Z"}],
    }
    return json.dumps(data).encode()


FEED = b"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
  <title>arXiv Query</title>
  <entry>
    <id>http://arxiv.org/abs/2401.01234v2</id>
    <published>2024-01-03T18:00:00Z</published>
    <title>Auditing Federated
      Learning with Membership Inference</title>
    <summary>We audit federated learning deployments. Our attack succeeds often.</summary>
    <author><name>Ada Lovelace</name></author>
    <author><name>Alan Turing</name></author>
    <arxiv:doi>10.1234/example.5678</arxiv:doi>
  </entry>
</feed>
"""
EMPTY_FEED = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>none</title></feed>"""

JSON = {"Content-Type": "application/json"}


def closed_port_url() -> str:
    """An address on this machine where nothing listens (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def tool_routes(server: Server) -> None:
    server.route("/repos/acme/dpkit", (200, JSON, repo_json()))
    server.route("/pypi/dpkit/json", (200, JSON, pypi_json()))


def parse(text: str) -> dict[str, Any]:
    data = yaml.safe_load(text)
    [(key, [entry])] = data.items()
    assert isinstance(entry, dict)
    return {"_key": key, **entry}


# ------------------------------------------------------------------------- tools


def test_a_tool_is_drafted_from_github_and_pypi_and_validates(run: Run, server: Server) -> None:
    tool_routes(server)
    result = run("add", "tool", "https://github.com/acme/dpkit")
    assert result.exit_code == EXIT_OK, result.stderr
    entry = parse(result.stdout)
    assert entry["_key"] == "tools"
    assert entry["id"] == "dpkit"
    assert entry["url"] == "https://github.com/acme/dpkit"
    assert entry["description"] == "Differentially private training for PyTorch models."
    assert entry["license"] == "MIT" and entry["language"] == "Python"
    assert entry["package"] == "dpkit" and entry["install"] == "pip install dpkit"
    assert entry["frameworks"] == ["pytorch"]  # jax only in the developers' extra
    assert entry["techniques"][0] == "dp-training"
    assert entry["categories"] == ["differential-privacy"]
    assert entry["status"] == "active"
    assert entry["last_activity"] == RECENT
    assert "PyPI release 1.2.0 on 2026-10-01" in entry["last_activity_source"]
    assert {"description", "techniques", "status"} <= set(entry["unverified"])
    assert not {"license", "package", "frameworks", "language"} & set(entry["unverified"])
    assert "error" not in result.stderr
    assert server.requests("/repos/acme/dpkit") == ["GET"]


def test_network_text_is_one_clean_line(run: Run, server: Server) -> None:
    hostile = "evil\x1b]0;pwned\x07 tool\nwith [red]markup[/red]"
    repo = {**json.loads(repo_json()), "description": hostile, "name": "dp\x1b[2Jkit"}
    server.route("/repos/acme/dpkit", (200, JSON, json.dumps(repo).encode()))
    server.route("/pypi/dpkit/json", (404, {}, b"no"))
    result = run("add", "tool", "https://github.com/acme/dpkit")
    assert "\x1b" not in result.stdout + result.stderr and "\x07" not in result.stdout + result.stderr
    entry = parse(result.stdout)
    assert entry["name"] == "dp[2Jkit"
    assert entry["description"] == "Evil]0;pwned tool with [red]markup[/red]."


def test_a_fresh_id_never_collides(run: Run, server: Server) -> None:
    server.route("/repos/other/opacus", (200, JSON, repo_json("other/opacus")))
    result = run("add", "tool", "https://github.com/other/opacus")
    assert parse(result.stdout)["id"] == "opacus-2"  # the catalog has an opacus already
    assert "PyPI" in result.stderr  # the PyPI project named opacus does not exist on this fake index


def test_a_pypi_project_that_does_not_link_back_is_not_used(run: Run, server: Server) -> None:
    server.route("/repos/acme/dpkit", (200, JSON, repo_json()))
    server.route("/pypi/dpkit/json", (200, JSON, pypi_json(repo="someone/else")))
    result = run("add", "tool", "https://github.com/acme/dpkit")
    entry = parse(result.stdout)
    assert "package" not in entry and "package" in entry["unverified"]
    assert "does not link to acme/dpkit" in result.stderr


def test_a_pypi_address_finds_its_repository(run: Run, server: Server) -> None:
    tool_routes(server)
    entry = parse(run("add", "tool", "https://pypi.org/project/dpkit/").stdout)
    assert entry["url"] == "https://github.com/acme/dpkit" and entry["package"] == "dpkit"


def test_an_address_already_in_the_catalog_is_refused(run: Run, server: Server) -> None:
    result = run("add", "tool", "https://github.com/meta-pytorch/opacus/")
    assert result.exit_code == EXIT_USAGE
    assert "already in the catalog as 'opacus'" in result.stderr
    assert server.log == []


@pytest.mark.parametrize(
    ("url", "known"),
    [
        ("https://github.com/pytorch/opacus", "opacus"),  # a former address, any case
        ("https://github.com/Meta-PyTorch/Opacus/tree/main/tutorials", "opacus"),  # the same repository
        ("https://pypi.org/project/Opacus/", "opacus"),  # the same package
    ],
)
def test_a_project_already_listed_is_refused_before_any_request(run: Run, server: Server, url: str, known: str) -> None:
    result = run("add", "tool", url)
    assert result.exit_code == EXIT_USAGE
    assert f"already in the catalog as {known!r}" in result.stderr
    assert server.log == []


def test_a_project_found_to_be_listed_after_fetching_is_refused(run: Run, server: Server) -> None:
    # a PyPI address whose project links to a repository the catalog has under another address
    server.route("/pypi/fresh-name/json", (200, JSON, pypi_json("fresh-name", repo="meta-pytorch/opacus")))
    server.route("/repos/meta-pytorch/opacus", (200, JSON, repo_json("meta-pytorch/opacus")))
    result = run("add", "tool", "https://pypi.org/project/fresh-name/")
    assert result.exit_code == EXIT_USAGE
    assert "already in the catalog as 'opacus'" in result.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MIT", "MIT"),
        ("Apache 2.0", "Apache-2.0"),
        ("Apache License, Version 2.0", "Apache-2.0"),
        ("apache-2", "Apache-2.0"),
        ("BSD 3-Clause", "BSD-3-Clause"),
        ("LicenseRef-Custom", "LicenseRef-Custom"),
        ("Proprietary", None),
        ("BSD", None),
    ],
)
def test_licences_are_read_loosely_but_only_as_known_ids(text: str, expected: str | None) -> None:
    assert spdx_license(text) == expected


@pytest.mark.parametrize(("kind", "url"), [("tutorial", "https://example.org/x"), ("tool", "not a url")])
def test_bad_arguments_are_usage_errors(run: Run, kind: str, url: str) -> None:
    result = run("add", kind, url)
    assert result.exit_code == EXIT_USAGE
    assert "Traceback" not in result.stderr and result.stdout == ""


# ------------------------------------------------------------- failing sources


def test_offline_gives_a_clear_message_and_the_draft_so_far(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("PPML_GITHUB_API_URL", "PPML_PYPI_URL"):
        monkeypatch.setenv(var, closed_port_url())
    result = run("add", "tool", "https://github.com/acme/dpkit", "--timeout", "5")
    assert result.exit_code == EXIT_NETWORK
    assert "GitHub: cannot reach the GitHub API" in result.stderr
    assert "PyPI: connection refused" in result.stderr
    entry = parse(result.stdout)
    assert entry["url"] == "https://github.com/acme/dpkit" and entry["name"] == "dpkit"
    assert {"description", "license", "package", "language", "last_activity"} <= set(entry["unverified"])


def test_github_rate_limited_keeps_the_pypi_facts(run: Run, server: Server) -> None:
    reset = str(int(time.time()) + 3600)
    limited: Reply = (403, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}, b'{"message": "API rate limit"}')
    server.route("/repos/acme/dpkit", limited)
    server.route("/pypi/dpkit/json", (200, JSON, pypi_json()))
    result = run("add", "tool", "https://github.com/acme/dpkit")
    assert result.exit_code == EXIT_NETWORK
    assert "GitHub: GitHub API rate limit reached" in result.stderr
    entry = parse(result.stdout)
    assert entry["license"] == "MIT" and entry["package"] == "dpkit" and entry["frameworks"] == ["pytorch"]
    assert entry["description"] == "DP-SGD for PyTorch."  # the package summary stands in
    assert entry["last_activity"] == "2026-10-01"


def test_pypi_rate_limited_keeps_the_github_facts(run: Run, server: Server) -> None:
    server.route("/repos/acme/dpkit", (200, JSON, repo_json()))
    server.route("/pypi/dpkit/json", (429, {"Retry-After": "120"}, b"slow down"))
    result = run("add", "tool", "https://github.com/acme/dpkit")
    assert result.exit_code == EXIT_NETWORK
    assert "PyPI: rate limited (HTTP 429); retry in 120 s" in result.stderr
    entry = parse(result.stdout)
    assert entry["license"] == "MIT" and "package" in entry["unverified"]


def test_an_oversized_answer_is_cut_off(server: Server) -> None:
    server.route("/big", (200, {}, b"x" * 10_000))
    with pytest.raises(FetchError, match="larger than 1000 bytes"):
        get(server.url("/big"), max_body=1000)
    assert get(server.url("/big"), max_body=10_000).body == b"x" * 10_000


def test_a_slow_answer_hits_the_deadline(server: Server) -> None:
    def slow(handler: Handler) -> Reply:
        time.sleep(1.0)
        return (200, {}, b"late")

    server.route("/slow", slow)
    with pytest.raises(FetchError, match="timeout"):
        get(server.url("/slow"), deadline=0.2)


def test_the_github_client_is_capped_too(run: Run, server: Server) -> None:
    server.route("/repos/acme/dpkit", (200, JSON, repo_json(description="x" * 5_000_000)))
    server.route("/pypi/dpkit/json", (200, JSON, pypi_json()))
    result = run("add", "tool", "https://github.com/acme/dpkit")
    assert result.exit_code == EXIT_NETWORK
    assert "GitHub: answer larger than" in result.stderr
    assert parse(result.stdout)["package"] == "dpkit"


# -------------------------------------------------------------------- references


def test_an_arxiv_paper_is_drafted_and_validates(run: Run, server: Server) -> None:
    server.route("/api/query", (200, {"Content-Type": "application/atom+xml"}, FEED))
    result = run("add", "reference", "https://arxiv.org/abs/2401.01234v2")
    assert result.exit_code == EXIT_OK, result.stderr
    entry = parse(result.stdout)
    assert entry["_key"] == "references"
    assert entry["id"] == "lovelace2024auditing"
    assert entry["name"] == "Auditing Federated Learning with Membership Inference"
    assert entry["authors"] == ["Ada Lovelace", "Alan Turing"] and entry["year"] == 2024
    assert entry["arxiv"] == "2401.01234" and entry["url"] == "https://arxiv.org/abs/2401.01234"
    assert entry["doi"] == "10.1234/example.5678"
    assert entry["description"] == "We audit federated learning deployments."
    assert "federated-learning" in entry["techniques"]
    assert set(entry["unverified"]) == {"description", "techniques"}
    assert server.log[0][1] == "/api/query?id_list=2401.01234"


def test_an_unknown_arxiv_id_is_said_so(run: Run, server: Server) -> None:
    server.route("/api/query", (200, {}, EMPTY_FEED))
    result = run("add", "reference", "https://arxiv.org/abs/2401.99999")
    assert "arXiv: no paper 2401.99999" in result.stderr
    assert result.exit_code == EXIT_USAGE  # no description: the draft does not validate


def test_a_feed_with_a_doctype_is_refused(run: Run, server: Server) -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE f [<!ENTITY a "aaaa">]><feed xmlns="http://www.w3.org/2005/Atom"/>'
    server.route("/api/query", (200, {}, bomb))
    result = run("add", "reference", "https://arxiv.org/abs/2401.01234")
    assert "declares a document type" in result.stderr
    assert parse(result.stdout)["url"] == "https://arxiv.org/abs/2401.01234"


def test_arxiv_offline(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PPML_ARXIV_API_URL", closed_port_url())
    result = run("add", "reference", "2401.01234")
    assert result.exit_code == EXIT_NETWORK
    assert "arXiv: connection refused" in result.stderr
    entry = parse(result.stdout)
    assert entry["arxiv"] == "2401.01234" and {"authors", "year"} <= set(entry["unverified"])


def test_a_doi_is_drafted_from_crossref(run: Run, server: Server) -> None:
    work = {
        "message": {
            "title": ["Private   Synthetic Data at Scale"],
            "author": [{"given": "Grace", "family": "Hopper"}],
            "issued": {"date-parts": [[2023, 5]]},
            "container-title": ["Journal of Privacy"],
            "type": "journal-article",
            "abstract": "<jats:p>We generate synthetic data with differential privacy. It works.</jats:p>",
        }
    }
    server.route("/works/10.5555/xyz.1", (200, JSON, json.dumps(work).encode()))
    result = run("add", "reference", "https://doi.org/10.5555/xyz.1")
    assert result.exit_code == EXIT_OK, result.stderr
    entry = parse(result.stdout)
    assert entry["id"] == "hopper2023private" and entry["url"] == "https://doi.org/10.5555/xyz.1"
    assert entry["name"] == "Private Synthetic Data at Scale" and entry["venue"] == "Journal of Privacy"
    assert entry["description"] == "We generate synthetic data with differential privacy."
    assert "synthetic-data" in entry["techniques"]


# ------------------------------------------------------------------------ --to


EXISTING = """\
# my catalog: a comment that must survive
tools:
  - id: mine
    name: Mine
    url: https://example.org/mine
    description: A tool of mine for the tests.
    techniques: [dp-training]

references:
  - id: paper2020x
    name: A Paper
    url: https://example.org/paper
    authors: [A. Person]
    year: 2020
    description: A paper for the tests.
"""


def test_to_appends_under_the_right_key_and_keeps_the_rest(run: Run, server: Server, tmp_path: Path) -> None:
    tool_routes(server)
    target = tmp_path / "mine.yaml"
    target.write_text(EXISTING, encoding="utf-8")
    result = run("add", "tool", "https://github.com/acme/dpkit", "--to", str(target))
    assert result.exit_code == EXIT_OK, result.stderr
    assert result.stdout == ""
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# my catalog: a comment that must survive\n")
    data = yaml.safe_load(text)
    assert [t["id"] for t in data["tools"]] == ["mine", "dpkit"]
    assert [r["id"] for r in data["references"]] == ["paper2020x"]
    assert f"added dpkit to {target}" in result.stderr
    assert run("validate", str(target)).exit_code == EXIT_OK
    assert list(tmp_path.glob(".mine.yaml.*.tmp")) == []  # no temporary file left behind


def test_to_creates_a_new_file_and_ids_in_it_are_taken(run: Run, server: Server, tmp_path: Path) -> None:
    tool_routes(server)
    server.route("/repos/fork/dpkit", (200, JSON, repo_json("fork/dpkit")))
    target = tmp_path / "new.yaml"
    assert run("add", "tool", "https://github.com/acme/dpkit", "--to", str(target)).exit_code == EXIT_OK
    run("add", "tool", "https://github.com/fork/dpkit", "--to", str(target))
    ids = [t["id"] for t in yaml.safe_load(target.read_text(encoding="utf-8"))["tools"]]
    assert ids == ["dpkit", "dpkit-2"]


def test_to_refuses_a_file_that_is_not_a_catalog(run: Run, server: Server, tmp_path: Path) -> None:
    tool_routes(server)
    target = tmp_path / "list.yaml"
    target.write_text("- just\n- a list\n", encoding="utf-8")
    result = run("add", "tool", "https://github.com/acme/dpkit", "--to", str(target))
    assert result.exit_code == EXIT_USAGE and "is not a catalog file" in result.stderr
    assert target.read_text(encoding="utf-8") == "- just\n- a list\n"


@pytest.mark.parametrize(
    "existing",
    ["", "tools: []\n", "references:\n  - {id: r, name: R, description: A reference here.}\n", "tools:\n"],
    ids=["empty", "flow-empty", "other-key", "null-list"],
)
def test_append_entry_handles_each_layout(tmp_path: Path, existing: str) -> None:
    target = tmp_path / "c.yaml"
    target.write_text(existing, encoding="utf-8")
    draft = Draft(
        kind=Kind.TOOL, entry={"id": "new", "name": "New", "description": "A new tool."}, notes=(), unreachable=False
    )
    append_entry(target, draft)
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert data["tools"][-1] == draft.entry
    old = yaml.safe_load(existing) or {}
    assert {k: v for k, v in data.items() if k != "tools"} == {k: v for k, v in old.items() if k != "tools"}


def test_concurrent_appends_lose_nothing(tmp_path: Path) -> None:
    import threading

    target = tmp_path / "shared.yaml"
    target.write_text(EXISTING, encoding="utf-8")
    drafts = [
        Draft(
            kind=Kind.TOOL,
            entry={"id": f"t{i}", "name": f"T{i}", "description": "A tool."},
            notes=(),
            unreachable=False,
        )
        for i in range(8)
    ]
    threads = [threading.Thread(target=append_entry, args=(target, draft)) for draft in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [t["id"] for t in yaml.safe_load(target.read_text(encoding="utf-8"))["tools"]]
    assert ids[0] == "mine" and sorted(ids[1:]) == sorted(d.entry["id"] for d in drafts)


def test_a_failed_write_leaves_the_file_as_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "c.yaml"
    target.write_text(EXISTING, encoding="utf-8")

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.fsync", disk_full)
    with pytest.raises(InvalidValueError, match=r"cannot write .*c\.yaml: No space left on device"):
        append_entry(
            target,
            Draft(
                kind=Kind.TOOL, entry={"id": "x", "name": "X", "description": "A tool."}, notes=(), unreachable=False
            ),
        )
    assert target.read_text(encoding="utf-8") == EXISTING
    assert [p.name for p in tmp_path.iterdir() if p.name != ".c.yaml.lock"] == ["c.yaml"]


def test_to_an_unwritable_place_is_one_clear_error(run: Run, server: Server, tmp_path: Path) -> None:
    tool_routes(server)
    result = run("add", "tool", "https://github.com/acme/dpkit", "--to", str(tmp_path))  # a directory
    assert result.exit_code == EXIT_USAGE
    assert "cannot read" in result.stderr and "a directory (--to takes a catalog YAML file)" in result.stderr
    assert "Traceback" not in result.stderr


def test_core_add_entry_returns_the_draft_and_its_problems(server: Server) -> None:
    tool_routes(server)
    added = add_entry("tool", "https://github.com/acme/dpkit", load_index([], bundled=True))
    assert added.exit_code == EXIT_OK and added.problems == ()
    assert added.draft.entry["id"] == "dpkit" and added.yaml.startswith("# Drafted by `ppml add`")
    with pytest.raises(InvalidValueError):
        add_entry("threat", "https://example.org", load_index([], bundled=True))


# ------------------------------------------------------------- parsing helpers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://arxiv.org/abs/1607.00133", "1607.00133"),
        ("https://arxiv.org/abs/1607.00133v3", "1607.00133"),
        ("https://arxiv.org/pdf/2401.01234v1.pdf", "2401.01234"),
        ("http://export.arxiv.org/abs/hep-th/9901001", "hep-th/9901001"),
        ("2401.01234", "2401.01234"),
        ("https://example.org/abs/1607.00133", None),
        ("https://arxiv.org/list/cs.LG", None),
    ],
)
def test_arxiv_ids(text: str, expected: str | None) -> None:
    assert arxiv.arxiv_id(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://doi.org/10.1145/2976749.2978318", "10.1145/2976749.2978318"),
        ("doi:10.1145/2976749.2978318", "10.1145/2976749.2978318"),
        ("https://dx.doi.org/10.6028%2FNIST.AI.100-2e2025", "10.6028/NIST.AI.100-2e2025"),
        ("https://example.org/10.1145", None),
    ],
)
def test_dois(text: str, expected: str | None) -> None:
    assert crossref.doi_of(text) == expected


@pytest.mark.parametrize(
    ("requires", "expected"),
    [
        (("torch (>=1.8)", "numpy"), ["pytorch"]),
        (("tensorflow-cpu>=2; platform_system!='Darwin'", "scikit_learn"), ["sklearn", "tensorflow"]),
        (("jax[cuda] ; extra == 'gpu'", "pytest ; extra == 'test'"), ["jax"]),
        (('flax ; extra == "docs"',), []),
    ],
)
def test_frameworks_from_requirements(requires: tuple[str, ...], expected: list[str]) -> None:
    assert pypi.frameworks(requires) == expected


@settings(deadline=None)
@given(st.text(max_size=40), st.sets(st.text(alphabet="abc-", max_size=6), max_size=5))
def test_fresh_ids_are_valid_and_unused(base: str, taken: set[str]) -> None:
    new = fresh_id(base, taken)
    assert ID_PATTERN.match(new) and new not in taken


@settings(deadline=None)
@given(st.lists(st.text(max_size=20), max_size=3), st.none() | st.integers(1950, 2030), st.text(max_size=60))
def test_reference_ids_are_valid(authors: list[str], year: int | None, title: str) -> None:
    assert ID_PATTERN.match(fresh_id(reference_id(authors, year, title), set()))


@settings(deadline=None)
@given(st.text(min_size=1).filter(str.strip))
def test_a_drafted_description_is_one_punctuated_sentence(text: str) -> None:
    out = sentence(text)
    assert out is not None and "\n" not in out
    assert out[-1] in ".!?)"


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)
_repo_keys = st.sampled_from(
    ["name", "full_name", "html_url", "description", "language", "pushed_at", "topics", "archived", "license"]
)
_info_keys = st.sampled_from(
    [
        "name",
        "summary",
        "version",
        "license",
        "license_expression",
        "classifiers",
        "requires_dist",
        "project_urls",
        "home_page",
    ]
)


def test_any_json_from_the_services_gives_a_draft_not_a_traceback(shared_server: Server) -> None:
    from typer.testing import CliRunner

    from ppml_cli.cli import app

    srv = shared_server  # one server for every example
    env = {"PPML_GITHUB_API_URL": srv.base, "PPML_PYPI_URL": srv.base, "GITHUB_TOKEN": "", "PPML_CATALOG": ""}

    @settings(max_examples=25, deadline=None)
    @given(
        repo=st.dictionaries(_repo_keys, _json, max_size=9),
        info=st.dictionaries(_info_keys, _json, max_size=9),
        urls=_json,
    )
    def check(repo: dict[str, Any], info: dict[str, Any], urls: Any) -> None:
        srv.route("/repos/acme/dpkit", (200, JSON, json.dumps(repo).encode()))
        srv.route("/pypi/dpkit/json", (200, JSON, json.dumps({"info": info, "urls": urls}).encode()))
        result = CliRunner().invoke(app, ["add", "tool", "https://github.com/acme/dpkit"], env=env)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert result.exit_code in (EXIT_OK, EXIT_USAGE, EXIT_NETWORK)
        if result.exit_code != EXIT_USAGE or result.stdout:
            assert parse(result.stdout)["url"].startswith("https://")

    check()


@settings(deadline=None)
@given(
    message=st.dictionaries(
        st.sampled_from(["title", "author", "issued", "container-title", "type", "abstract"]), _json
    )
)
def test_any_crossref_message_parses_or_is_none(message: dict[str, Any]) -> None:
    work = crossref.parse_work(message, "10.1/x")
    assert work is None or (isinstance(work.title, str) and all(isinstance(a, str) for a in work.authors))


@settings(deadline=None)
@given(info=st.dictionaries(_info_keys, _json), urls=_json)
def test_any_pypi_answer_parses_to_typed_facts(info: dict[str, Any], urls: Any) -> None:
    project = pypi.parse_project({"info": info, "urls": urls})
    assert all(isinstance(u, str) for u in project.urls) and all(isinstance(r, str) for r in project.requires)
    assert isinstance(pypi.frameworks(project.requires), list)


@settings(deadline=None)
@given(
    body=st.binary(max_size=200)
    | st.builds(
        lambda enc, inner: f'<?xml version="1.0" encoding="{enc}"?>{inner}'.encode(),
        st.text(max_size=10),
        st.text(max_size=40),
    )
)
def test_any_arxiv_answer_is_a_paper_none_or_a_fetch_error(body: bytes) -> None:
    try:
        paper = arxiv.parse_feed(body, "2401.01234")
    except FetchError:
        return
    assert paper is None or isinstance(paper.title, str)


@pytest.mark.parametrize("encoding", ["UNDEFINED", "rot13", "base64", "no-such-codec"])
def test_a_feed_declaring_a_codec_that_is_no_text_encoding_is_a_fetch_error(encoding: str) -> None:
    # found by the property above: the "undefined" codec raises a bare UnicodeError, which escaped
    with pytest.raises(FetchError, match="cannot decode"):
        arxiv.parse_feed(f'<?xml encoding="{encoding}"?><feed/>'.encode(), "2401.01234")


@pytest.mark.parametrize(
    ("crossref_type", "catalog_type"),
    [("monograph", "book"), ("book", "book"), ("report", "report"), ("journal-article", "paper"), (None, "paper")],
)
def test_crossref_types_become_the_catalogs_reference_types(crossref_type: str | None, catalog_type: str) -> None:
    message: dict[str, Any] = {"title": ["A Work"], "type": crossref_type, "container-title": ["A Journal"]}
    work = crossref.parse_work(message, "10.1/x")
    assert work is not None
    assert (work.source, work.url, work.type, work.venue) == (
        "Crossref",
        "https://doi.org/10.1/x",
        catalog_type,
        "A Journal",
    )


def test_an_arxiv_preprint_without_a_journal_reference_has_arxiv_as_its_venue() -> None:
    feed = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/abs/2401.01234v2</id>'
        b"<title>A  Preprint</title><published>2024-01-03T00:00:00Z</published>"
        b"<author><name>Ada Lovelace</name></author></entry></feed>"
    )
    paper = arxiv.parse_feed(feed, "2401.01234")
    assert paper is not None
    assert (paper.source, paper.url, paper.title, paper.venue, paper.year) == (
        "arXiv",
        "https://arxiv.org/abs/2401.01234",
        "A Preprint",
        "arXiv",
        2024,
    )
    assert paper.authors == ("Ada Lovelace",) and paper.arxiv_id == "2401.01234" and paper.type == "paper"


def test_an_appended_catalog_keeps_its_mode_and_a_new_one_is_readable_by_all(tmp_path: Path) -> None:
    """The file belongs to the user's project, not to ppml's private store: no 0600 here."""
    draft = Draft(kind=Kind.TOOL, entry={"id": "x", "name": "X", "description": "A tool."}, notes=(), unreachable=False)
    kept = tmp_path / "kept.yaml"
    kept.write_text(EXISTING, encoding="utf-8")
    kept.chmod(0o640)
    append_entry(kept, draft)
    assert kept.stat().st_mode & 0o777 == 0o640
    new = tmp_path / "new.yaml"
    append_entry(new, draft)
    assert new.stat().st_mode & 0o777 == 0o644
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".ppml-tmp-")]
