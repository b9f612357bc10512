"""The third attack's findings outside the network client (issue 23), each pinned by a test that failed before.

Grouped by finding: ``open`` and hyperlinks (2), untrusted JSON and YAML nesting (4),
``add --to`` and the file it writes (5), lone surrogates (6), the token check (7),
acting characters in every format (8), and the weak items (a replaced bundled entry,
impossible stored times).
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ppml_cli import drafting, textsafe
from ppml_cli.drafting import Draft, append_entry
from ppml_cli.errors import EXIT_NETWORK, EXIT_OK, EXIT_USAGE, InvalidValueError
from ppml_cli.model import Kind

from .conftest import Run
from .httpserver import Server, serving
from .test_refresh_hardening import GOOD_RECORD

TOOL = "    techniques: [dp-training]\n    description: A tool for a test of hostile text.\n"


def tool(entry_id: str, url: str, name: str | None = None) -> str:
    """One tool entry in catalog YAML (``url`` and ``name`` as YAML double-quoted scalars)."""
    return f'  - id: {entry_id}\n    name: "{name or entry_id}"\n    url: "{url}"\n' + TOOL


# ----------------------------------------------------------- 2: open and hyperlinks


HOSTILE_URLS = {
    "option": "--new-window=https://evil.example",
    "file": "file:///etc/passwd",
    "script": "javascript:alert(1)",
    "data": "data:text/html,<script>alert(1)</script>",
    "nohost": "https:///etc/passwd",
}


@pytest.fixture
def hostile_urls(write_catalog: Callable[..., Path]) -> Path:
    return write_catalog("tools:\n" + "".join(tool(key, url) for key, url in HOSTILE_URLS.items()))


def _recording(opened: list[str]) -> Callable[[str], bool]:
    """A stand-in for ``webbrowser.open`` that notes the URL and says a browser started."""

    def fake_open(url: str) -> bool:
        opened.append(url)
        return True

    return fake_open


class TestOpenHandsOnlyWebAddressesToTheBrowser:
    """Finding 2: a catalog's URL reached the browser's arguments whatever its scheme."""

    @pytest.mark.parametrize("entry_id", sorted(HOSTILE_URLS))
    def test_a_non_web_url_never_reaches_the_browser(
        self, run: Run, hostile_urls: Path, monkeypatch: pytest.MonkeyPatch, entry_id: str
    ) -> None:
        opened: list[str] = []
        monkeypatch.setattr("webbrowser.open", _recording(opened))
        result = run("--catalog", str(hostile_urls), "open", entry_id)
        assert result.exit_code == EXIT_USAGE
        assert opened == []
        assert "not a web page" in result.stderr and "http(s) and mailto" in result.stderr

    def test_print_refuses_it_too(self, run: Run, hostile_urls: Path) -> None:
        result = run("--catalog", str(hostile_urls), "open", "script", "--print")
        assert result.exit_code == EXIT_USAGE and result.stdout == ""

    def test_web_and_mail_addresses_are_opened_as_one_word(
        self, run: Run, write_catalog: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = write_catalog("tools:\n" + tool("spaced", "https://example.org/a b") + tool("mail", "mailto:a@b.org"))
        opened: list[str] = []
        monkeypatch.setattr("webbrowser.open", _recording(opened))
        assert run("--catalog", str(path), "open", "spaced").exit_code == 0
        assert run("--catalog", str(path), "open", "mail").exit_code == 0
        assert opened == ["https://example.org/a%20b", "mailto:a@b.org"]

    @pytest.mark.parametrize(
        ("url", "allowed"),
        [
            ("https://example.org/x", "https://example.org/x"),
            ("HTTP://example.org", "HTTP://example.org"),
            ("mailto:someone@example.org", "mailto:someone@example.org"),
            ("--new-window=https://evil.example", None),
            ("-https://evil.example", None),
            ("file:///etc/passwd", None),
            ("javascript:alert(1)", None),
            ("https:///etc/passwd", None),
            ("https://", None),
            ("mailto:", None),
            ("\x1b]8;;https://x\x07https://example.org", None),
        ],
    )
    def test_web_url(self, url: str, allowed: str | None) -> None:
        assert textsafe.web_url(url) == allowed

    def test_tables_link_only_web_addresses(
        self, run: Run, hostile_urls: Path, write_catalog: Callable[..., Path]
    ) -> None:
        env = {"FORCE_COLOR": "1", "COLUMNS": "200"}
        for entry_id, url in HOSTILE_URLS.items():
            out = run("--catalog", str(hostile_urls), "show", entry_id, env=env).stdout
            assert "\x1b]8;" not in out, entry_id  # no OSC 8 hyperlink for javascript:, file:, ...
            assert url.split(":")[0] in out  # the address is still shown, as text
        web = write_catalog("tools:\n" + tool("web", "https://example.org/web"))
        out = run("--catalog", str(web), "show", "web", env=env).stdout
        assert "\x1b]8;" in out and "https://example.org/web" in out  # the control: web links still link


# -------------------------------------------------------------------- 7: the token


class TestATokenIsOneLineOfPrintableCharacters:
    """Finding 7: the check's ``$`` matched before a trailing newline, so ``abc\\n`` passed."""

    @pytest.mark.parametrize("token", ["ghp_abc\n", "ghp_abc\n\n"])
    def test_a_token_with_a_line_break_at_either_end_is_refused(self, token: str) -> None:
        from ppml_cli.net.github import token_from_env

        with pytest.raises(InvalidValueError, match="malformed"):
            token_from_env({"GITHUB_TOKEN": token})

    def test_refresh_refuses_it_before_any_request(self, run: Run, tmp_path: Path) -> None:
        env = {"GITHUB_TOKEN": "ghp_abc\n", "PPML_GITHUB_API_URL": "http://127.0.0.1:9", "PPML_DATA_DIR": str(tmp_path)}
        result = run("refresh", env=env)
        assert result.exit_code == EXIT_USAGE
        assert "malformed" in result.stderr and "ghp_abc" not in result.stderr


# ------------------------------------------------------ 8: acting characters, every format

#: ESC and BEL (a window title), CSI as one C1 character, DEL, and a right-to-left override.
ACTING_NAME = "Evil \\e]0;pwned\\a \\x9b2J \\x7f \\u202egnp.exe"
ACTING_CHARS = ("\x1b", "\x07", "\x9b", "\x7f", "\u202e")


@pytest.fixture
def acting(write_catalog: Callable[..., Path]) -> Path:
    return write_catalog("tools:\n" + tool("acting", "https://example.org/acting", ACTING_NAME))


def _strings(data: object) -> list[str]:
    """Every string in a JSON document."""
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for value in data.values() for s in _strings(value)]
    if isinstance(data, list):
        return [s for item in data for s in _strings(item)]
    return []


def _expected_name() -> str:
    return "Evil \x1b]0;pwned\x07 \x9b2J \x7f \u202egnp.exe"


class TestActingCharactersInEveryFormat:
    """Finding 8: CSV kept ESC/BEL, JSON left U+009B raw, U+202E passed everywhere."""

    @pytest.mark.parametrize("fmt", ["json", "jsonl", "yaml"])
    def test_data_formats_escape_them_and_load_back_the_same(self, run: Run, acting: Path, fmt: str) -> None:
        out = run("--catalog", str(acting), "show", "acting", "-o", fmt).stdout
        for char in ACTING_CHARS:
            assert char not in out, (fmt, char)
        data = yaml.safe_load(out) if fmt == "yaml" else json.loads(out.splitlines()[0] if fmt == "jsonl" else out)
        assert data["name"] == _expected_name()

    @pytest.mark.parametrize("command", [["list", "--kind", "tool"], ["show", "acting"], ["export"]], ids=str)
    def test_lists_in_json_escape_them_too(self, run: Run, acting: Path, command: list[str]) -> None:
        out = run("--catalog", str(acting), *command, "-o", "json").stdout
        assert not any(char in out for char in ACTING_CHARS)
        assert "\\u009b2J" in out and "\\u202egnp.exe" in out
        assert _expected_name() in _strings(json.loads(out))

    @pytest.mark.parametrize("fmt", ["csv", "markdown", "table"])
    def test_text_formats_remove_them(self, run: Run, acting: Path, fmt: str) -> None:
        out = run("--catalog", str(acting), "show", "acting", "-o", fmt, env={"COLUMNS": "200"}).stdout
        for char in ACTING_CHARS:
            assert char not in out, (fmt, char)
        assert "gnp.exe" in out

    def test_csv_from_a_sites_location_header(self, run: Run, tmp_path: Path) -> None:
        with serving() as srv:
            hostile = "/b\x1b]0;pwned\x07\x1b[2J\u202e"
            srv.route("/a", (301, {"Location": srv.url("/b") + "\x1b]0;pwned\x07\x1b[2J"}, b""))
            srv.route(hostile, (200, {}, b""))
            urls = tmp_path / "urls.txt"
            urls.write_text(srv.url("/a") + "\n")
            out = run("links", str(urls), "-o", "csv").stdout
        assert "\x1b" not in out and "\x07" not in out
        (row,) = csv.DictReader(io.StringIO(out))
        assert row["final_url"].endswith("/b]0;pwned[2J")

    def test_the_rule_is_one(self) -> None:
        text = "a\x1b[31mb\x07c\x9bd\x7fe\u202ef\u2066g\u2069h\u202ai\tj\nk"
        assert textsafe.clean(text) == "a[31mbcdefghi\tj\nk"
        assert textsafe.inert(text + "\r") == textsafe.clean(text) + "\r"  # CSV keeps a carriage return
        assert textsafe.escape_acting(json.dumps(text, ensure_ascii=False)) == json.dumps(text)  # as ASCII JSON


_ACTING = [chr(c) for c in [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)]] + list(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
_TEXT = st.text(alphabet=st.sampled_from(_ACTING) | st.characters(exclude_categories=["Cs"]), max_size=30)


@given(_TEXT)
@example("\x7f")  # DEL: ASCII, and acting
@example("a\u202eb\x9b")
@settings(max_examples=300, deadline=None)
def test_no_format_lets_an_acting_character_through(text: str) -> None:
    from ppml_cli.render.machine import write_yaml

    for shown in (textsafe.clean(text), textsafe.one_line(text), textsafe.inert(text), textsafe.markdown_text(text)):
        assert not any(char in shown for char in _ACTING), repr(shown)
    data = {"name": text, "items": [text]}
    as_json = textsafe.escape_acting(json.dumps(data, ensure_ascii=False))
    assert not any(char in as_json for char in _ACTING) and json.loads(as_json) == data

    class Answer:
        def to_data(self) -> object:
            return data

    out = io.StringIO()
    write_yaml(Answer(), out)  # type: ignore[arg-type]
    assert not any(char in out.getvalue() for char in _ACTING)
    assert yaml.safe_load(out.getvalue()) == data


# --------------------------------------------------- 4: nesting in untrusted JSON and YAML

JSON_TYPE = {"Content-Type": "application/json"}


def nested(depth: int, inner: str = "1") -> bytes:
    return ("[" * depth + inner + "]" * depth).encode()


REPO = {
    "name": "dpkit",
    "full_name": "acme/dpkit",
    "html_url": "https://github.com/acme/dpkit",
    "description": "Differentially private training.",
    "topics": ["differential-privacy"],
}


class TestNestingIsBoundedWithOneClearError:
    """Finding 4: deeply nested JSON from a service, or YAML given to validate, ended in a RecursionError."""

    @pytest.mark.parametrize("depth", [100, 100_000])
    def test_github_answer(self, run: Run, server: Server, depth: int) -> None:
        server.route("/repos/acme/dpkit", (200, JSON_TYPE, b'{"name": ' + nested(depth) + b"}"))
        server.route("/pypi/dpkit/json", (404, {}, b""))
        result = run("add", "tool", "https://github.com/acme/dpkit")
        assert result.exit_code == EXIT_NETWORK
        assert "GitHub: JSON nested deeper than 64 levels" in result.stderr and "Traceback" not in result.stderr

    @pytest.mark.parametrize("depth", [100, 100_000])
    def test_package_index_answer(self, run: Run, server: Server, depth: int) -> None:
        server.route("/repos/acme/dpkit", (200, JSON_TYPE, json.dumps(REPO).encode()))
        server.route("/pypi/dpkit/json", (200, JSON_TYPE, b'{"info": {"name": ' + nested(depth) + b"}}"))
        result = run("add", "tool", "https://github.com/acme/dpkit")
        assert "PyPI: JSON nested deeper than 64 levels" in result.stderr and "Traceback" not in result.stderr
        assert yaml.safe_load(result.stdout)["tools"][0]["url"] == "https://github.com/acme/dpkit"

    def test_crossref_answer(self, run: Run, server: Server) -> None:
        server.route("/works/10.5555/deep", (200, JSON_TYPE, b'{"message": ' + nested(100_000) + b"}"))
        result = run("add", "reference", "https://doi.org/10.5555/deep")
        assert "Crossref: JSON nested deeper than 64 levels" in result.stderr and "Traceback" not in result.stderr

    def test_jsonsafe_bounds_depth_and_replaces_surrogates(self) -> None:
        from ppml_cli import jsonsafe

        assert jsonsafe.loads(nested(63)) == json.loads(nested(63))
        for depth in (65, 100_000):
            with pytest.raises(ValueError, match="nested deeper than 64 levels"):
                jsonsafe.loads(nested(depth))
        assert jsonsafe.loads(b'{"a\\udc80": ["x\\ud800y"]}') == {"a\ufffd": ["x\ufffdy"]}
        with pytest.raises(ValueError, match="malformed JSON"):
            jsonsafe.loads(b"\xff{")

    @pytest.mark.parametrize("command", [["validate", "{path}"], ["--catalog", "{path}", "list"]], ids=str)
    def test_validate_and_loading_answer_deep_yaml_alike(
        self, run: Run, write_catalog: Callable[..., Path], command: list[str]
    ) -> None:
        path = write_catalog("tools: " + "[" * 600 + "]" * 600 + "\n")
        result = run(*[part.format(path=path) for part in command])
        assert result.exit_code == EXIT_USAGE
        assert "nested too deeply" in result.stdout + result.stderr

    def test_validate_refuses_a_fifo_without_waiting(self, tmp_path: Path) -> None:
        fifo = tmp_path / "catalog.yaml"
        os.mkfifo(fifo)
        done = subprocess.run(
            [sys.executable, "-m", "ppml_cli", "validate", str(fifo)], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == EXIT_USAGE
        assert "not a regular file" in done.stdout


# ------------------------------------------------------ 5: add --to and the file it replaces

DRAFT = Draft(
    kind=Kind.TOOL, entry={"id": "new", "name": "New", "description": "A new tool."}, notes=(), unreachable=False
)
CATALOG = "tools:\n  - id: mine\n    name: Mine\n    description: A tool of mine.\n"

posix_only = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX links, FIFOs and owners")


@posix_only
class TestAddToReplacesOnlyWhatItMay:
    """Finding 5: the rename cut links, changed owners, followed a planted lock link, hung on a FIFO."""

    def test_a_symlinked_target_is_refused_and_left_a_link(self, tmp_path: Path) -> None:
        real = tmp_path / "real.yaml"
        real.write_text(CATALOG)
        link = tmp_path / "link.yaml"
        link.symlink_to(real)
        with pytest.raises(InvalidValueError, match="is a symbolic link"):
            append_entry(link, DRAFT)
        assert link.is_symlink() and real.read_text() == CATALOG

    def test_a_hard_linked_target_is_refused(self, tmp_path: Path) -> None:
        first = tmp_path / "first.yaml"
        first.write_text(CATALOG)
        second = tmp_path / "second.yaml"
        os.link(first, second)
        with pytest.raises(InvalidValueError, match="has 2 hard links"):
            append_entry(first, DRAFT)
        assert os.stat(first).st_ino == os.stat(second).st_ino and first.read_text() == CATALOG

    def test_another_users_file_is_refused_not_taken_over(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        target = tmp_path / "theirs.yaml"
        target.write_text(CATALOG)
        owner = target.stat().st_uid
        monkeypatch.setattr(os, "geteuid", lambda: owner + 1)  # as if another account ran ppml
        inode = target.stat().st_ino
        with pytest.raises(InvalidValueError, match="belongs to another user"):
            append_entry(target, DRAFT)
        assert target.stat().st_ino == inode and target.read_text() == CATALOG

    @pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root may write a read-only file")
    def test_a_read_only_file_is_refused(self, tmp_path: Path) -> None:
        target = tmp_path / "ro.yaml"
        target.write_text(CATALOG)
        target.chmod(0o444)
        with pytest.raises(InvalidValueError, match="read-only"):
            append_entry(target, DRAFT)

    def test_a_planted_lock_symlink_is_not_followed(self, tmp_path: Path) -> None:
        target = tmp_path / "c.yaml"
        target.write_text(CATALOG)
        victim = tmp_path / "victim"
        (tmp_path / ".c.yaml.lock").symlink_to(victim)
        with pytest.raises(InvalidValueError, match=r"lock file .*is a symbolic link"):
            append_entry(target, DRAFT)
        assert not victim.exists() and target.read_text() == CATALOG

    def test_a_lock_that_is_not_a_regular_file_is_refused(self, tmp_path: Path) -> None:
        target = tmp_path / "c.yaml"
        target.write_text(CATALOG)
        os.mkfifo(tmp_path / ".c.yaml.lock")
        with pytest.raises(InvalidValueError, match=r"lock file .*not a regular file"):
            append_entry(target, DRAFT)
        assert target.read_text() == CATALOG

    @pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
    def test_a_device_is_refused(self, device: str) -> None:
        if not Path(device).exists():
            pytest.skip(f"no {device}")
        with pytest.raises(InvalidValueError, match="not a regular file"):
            drafting.check_target(Path(device))

    def test_a_fifo_is_refused_before_anything_is_fetched(self, tmp_path: Path) -> None:
        fifo = tmp_path / "mine.yaml"
        os.mkfifo(fifo)
        env = {**os.environ, "PPML_GITHUB_API_URL": "http://127.0.0.1:9", "PPML_PYPI_URL": "http://127.0.0.1:9"}
        done = subprocess.run(
            [sys.executable, "-m", "ppml_cli", "add", "tool", "https://github.com/acme/dpkit", "--to", str(fifo)],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
        assert done.returncode == EXIT_USAGE
        assert "not a regular file" in done.stderr

    def test_a_plain_file_of_ones_own_keeps_its_mode_and_is_appended(self, tmp_path: Path) -> None:
        target = tmp_path / "c.yaml"
        target.write_text(CATALOG)
        target.chmod(0o640)
        append_entry(target, DRAFT)
        assert yaml.safe_load(target.read_text())["tools"][-1] == DRAFT.entry
        assert target.stat().st_mode & 0o777 == 0o640


# ---------------------------------------------------------------- 6: lone surrogates


class TestALoneSurrogateNeverReachesACatalog:
    """Finding 6: a surrogate from Crossref was written, passed the pure read-back, and broke the catalog."""

    def test_add_to_writes_a_catalog_libyaml_reads(self, run: Run, server: Server, tmp_path: Path) -> None:
        work = (
            b'{"message": {"title": ["Private \\ud800 Synthetic Data"], "author": [{"given": "Grace", '
            b'"family": "Hopper\\udfff"}], "issued": {"date-parts": [[2023]]}, "type": "journal-article",'
            b' "abstract": "We make synthetic data with differential privacy."}}'
        )
        server.route("/works/10.5555/sur", (200, JSON_TYPE, work))
        target = tmp_path / "mine.yaml"
        result = run("add", "reference", "https://doi.org/10.5555/sur", "--to", str(target))
        assert result.exit_code == EXIT_OK, result.stderr
        text = target.read_text(encoding="utf-8")
        loaded = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        assert loaded["references"][0]["name"] == "Private \ufffd Synthetic Data"
        listed = run("--catalog", str(target), "list", "--kind", "reference", "-o", "json")
        assert listed.exit_code == EXIT_OK, listed.stderr

    def test_a_surrogate_in_the_address_is_replaced_too(self, tmp_path: Path) -> None:
        draft = Draft(
            kind=Kind.TOOL, entry=drafting._ordered({"id": "s", "name": "S\udc80"}, set()), notes=(), unreachable=False
        )
        assert draft.entry["name"] == "S\ufffd"


# ------------------------------------------------------------------- the weak items

OVERRIDE = (
    "tools:\n  - id: opacus\n    name: My Opacus\n    url: https://example.org/my-opacus\n"
    "    description: My own version of a bundled tool.\n    techniques: [dp-training]\n"
)


class TestAReplacedBundledEntryIsSaidSo:
    """Weak item: a user catalog replaced a bundled entry of the same id without a word."""

    @pytest.mark.parametrize(
        "command",
        [["show", "opacus"], ["search", "my opacus"], ["search", "my opacus", "--kind", "tool"]],
        ids=["show", "search", "filtered search"],  # a warm search reads only its hits, not the index
    )
    def test_every_run_says_so_once_on_stderr(
        self, run: Run, write_catalog: Callable[..., Path], command: list[str]
    ) -> None:
        path = write_catalog(OVERRIDE)
        for _ in range(2):  # the second run is served from the cache
            result = run("--catalog", str(path), *command, "-o", "json")
            assert result.exit_code == EXIT_OK
            answer = json.loads(result.stdout)
            assert (answer if command[0] == "show" else answer[0])["name"] == "My Opacus"
            said = " ".join(result.stderr.split())  # the note wraps at the terminal's width
            assert said.count("replaces 1 entry of the bundled catalog with the same id: opacus") == 1

    def test_no_word_without_a_replacement(self, run: Run) -> None:
        assert "replaces" not in run("show", "opacus").stderr

    def test_validate_warns(self, run: Run, write_catalog: Callable[..., Path]) -> None:
        path = write_catalog(OVERRIDE)
        result = run("validate", str(path), "-o", "json")
        assert result.exit_code == EXIT_OK
        (warning,) = [p for p in json.loads(result.stdout)["problems"] if "replaces" in p["message"]]
        assert warning["severity"] == "warning" and warning["entry"] == "opacus" and warning["file"] == str(path)
        assert "catalog.yaml" in warning["message"]


class TestStoredTimesAreRealTimes:
    """Weak item: ``9999-99-99T99:99:99Z`` had the shape of a time and passed the schema."""

    @pytest.mark.parametrize("when", ["9999-99-99T99:99:99Z", "2023-02-29T10:00:00Z", "2024-01-01T24:00:00+00:00"])
    @pytest.mark.parametrize("field", ["pushed_at", "fetched_at"])
    def test_an_impossible_time_is_refused(self, field: str, when: str) -> None:
        from ppml_cli.store import repodata

        checked = repodata.checked_record({**GOOD_RECORD, field: when})
        assert isinstance(checked, str) and checked.startswith(f"{field}: not a real date and time")

    def test_a_stored_record_with_one_is_not_read(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        from ppml_cli.store import repodata

        folder = tmp_path / "data"
        folder.mkdir(mode=0o700)
        monkeypatch.setenv("PPML_DATA_DIR", str(folder))
        bad = {**GOOD_RECORD, "full_name": "org/beta", "pushed_at": "9999-99-99T99:99:99Z"}
        repos = {"org/alpha": GOOD_RECORD, "org/beta": bad}
        (folder / "github.json").write_text(json.dumps({"schema_version": 1, "repos": repos}))
        assert set(repodata.load()) == {"org/alpha"}


class TestCompletionShowsCatalogTextInert:
    """Finding 8 again, in shell completion: the shell prints each candidate's help, a catalog name."""

    def test_zsh_help_has_no_acting_character(self, tmp_path: Path) -> None:
        catalog = tmp_path / "comp.yaml"
        catalog.write_text(
            'tools:\n  - id: zz-evil\n    name: "Evil \\e]0;pwned\\a \\u202eexe \\x9b2J"\n'
            "    url: https://example.org/e\n    description: A tool for a completion test.\n"
            "    techniques: [dp-training]\n",
            encoding="utf-8",
        )
        env = {k: v for k, v in os.environ.items() if k != "PPML_CATALOG"}
        env |= {"_PPML_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": f"ppml --catalog {catalog} show zz"}
        done = subprocess.run(
            [str(Path(sys.executable).with_name("ppml"))],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert "zz-evil" in done.stdout and "pwned" in done.stdout
        assert not any(char in done.stdout for char in ACTING_CHARS)
