"""Catalog paths that are not ordinary files, files too big or too deep, and files rewritten between runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from ppml_cli.catalog import files as catalog_files
from ppml_cli.catalog import loading

from .conftest import MINIMAL, Run

#: every test here starts from an empty cache directory, as a first run does
pytestmark = pytest.mark.usefixtures("cold_cache")

PPML = [os.environ.get("PPML_UNDER_TEST") or str(Path(sys.executable).with_name("ppml"))]


def ppml(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "400"}
    return subprocess.run([*PPML, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False)


def flat(text: str) -> str:
    return " ".join(text.split())


class TestNotAFile:
    """Item 7: only regular files are read, and only so much of them."""

    @pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
    def test_a_fifo_is_refused_not_waited_on(self, tmp_path: Path) -> None:
        fifo = tmp_path / "catalog.yaml"
        os.mkfifo(fifo)
        result = ppml("--catalog", str(fifo), "list", timeout=60)  # hung forever before
        assert result.returncode == 2
        assert f"{fifo}: error: cannot read: not a regular file" in flat(result.stderr)

    @pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
    def test_an_endless_device_is_refused_before_reading(self) -> None:
        result = ppml("--catalog", "/dev/zero", "list", timeout=60)  # read 3 GB, then MemoryError before
        assert result.returncode == 2
        assert "/dev/zero: error: cannot read: not a regular file" in flat(result.stderr)
        assert "Traceback" not in result.stderr

    def test_a_directory_is_refused(self, run: Run, tmp_path: Path) -> None:
        result = run("--catalog", str(tmp_path), "list")
        assert result.exit_code == 2
        assert f"{tmp_path}: error: cannot read: a directory" in flat(result.stderr)

    def test_validate_refuses_the_same_way(self, run: Run, tmp_path: Path) -> None:
        result = run("validate", str(tmp_path))
        assert result.exit_code == 2
        assert "cannot read: a directory" in flat(result.stdout + result.stderr)

    def test_a_file_over_the_cap_is_refused(
        self, run: Run, write_catalog: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = write_catalog(MINIMAL)
        monkeypatch.setattr(catalog_files, "MAX_CATALOG_BYTES", 100)
        result = run("--no-bundled", "--catalog", str(path), "list")
        assert result.exit_code == 2
        assert "cannot read: larger than 100 bytes" in flat(result.stderr)

    def test_the_read_stops_at_the_cap_even_if_the_size_lied(self, tmp_path: Path) -> None:
        """A file that grows while it is read (or a size the filesystem misreports) is still bounded."""
        path = tmp_path / "growing.yaml"
        path.write_bytes(b"x" * 50)
        with pytest.raises(catalog_files.UnreadableCatalog, match="larger than"):
            catalog_files.read_catalog(path, limit=10)
        assert catalog_files.read_catalog(path, limit=50) == b"x" * 50

    def test_a_missing_file_is_still_reported_as_such(self, run: Run, tmp_path: Path) -> None:
        result = run("--catalog", str(tmp_path / "nope.yaml"), "list")
        assert result.exit_code == 2
        assert "nope.yaml: error: file not found" in flat(result.stderr)

    def test_bytes_that_are_not_utf8_are_named(self, run: Run, tmp_path: Path) -> None:
        path = tmp_path / "latin1.yaml"
        path.write_bytes("tools:\n  - id: caf\xe9\n".encode("latin-1"))
        result = run("--catalog", str(path), "list")
        assert result.exit_code == 2
        assert "latin1.yaml: error: cannot read: not UTF-8" in flat(result.stderr)


class TestDeepNesting:
    """Item 7: nesting deep enough to exhaust the stack is an invalid catalog, not a RecursionError."""

    @pytest.mark.parametrize("depth", [250, 600, 990, 5000])
    @pytest.mark.parametrize("style", ["flow", "block"])
    def test_deep_nesting_exits_2_naming_the_file(self, tmp_path: Path, depth: int, style: str) -> None:
        path = tmp_path / "deep.yaml"
        if style == "flow":
            body = "[" * depth + "]" * depth
        else:
            body = "".join(f"{' ' * level}a:\n" for level in range(depth)) + " " * depth + "b: 1\n"
        path.write_text(f"tools:\n  - id: deep\n    description: {body}\n" if style == "flow" else body)
        result = ppml("--catalog", str(path), "list")
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr and "RecursionError" not in result.stderr
        assert str(path) in flat(result.stderr)


class TestOneRead:
    """Item 5: the index and the search index are keyed on the same read of the files."""

    def test_a_rewrite_with_the_same_size_and_mtime_is_seen(self, run: Run, write_catalog: Callable[..., Path]) -> None:
        path = write_catalog(MINIMAL)
        stamp = path.stat()
        first = run("--catalog", str(path), "search", "toy", "-o", "json")
        assert json.loads(first.stdout)[0]["name"] == "Toy Tool"
        path.write_text(path.read_text().replace("Toy Tool", "Yot Tool"))  # same size
        os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # same mtime: a stat key cannot tell
        assert path.stat().st_size == stamp.st_size
        shown = run("--catalog", str(path), "show", "toy", "-o", "json")
        assert json.loads(shown.stdout)["name"] == "Yot Tool"
        found = run("--catalog", str(path), "search", "yot", "-o", "json")
        assert [hit["id"] for hit in json.loads(found.stdout)] == ["toy"]

    def test_the_search_index_always_belongs_to_the_index_it_is_used_with(
        self, write_catalog: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Two runs interleaved with a rewrite: whatever each reads, its two caches agree."""
        small = MINIMAL
        big = MINIMAL + "".join(
            f"  - {{id: extra-{n}, name: Extra {n}, url: 'https://example.org/{n}', description: More.,"
            f" techniques: [dp-training]}}\n"
            for n in range(40)
        )
        path = write_catalog(small)
        real_read = catalog_files.read_catalog
        reads: list[bytes] = []

        def read_then_rewrite(target: Path, limit: int | None = None) -> bytes:
            data = real_read(target, limit)
            reads.append(data)
            if target == path:  # the user's editor saves right after this run read the file
                path.write_text(big if len(reads) % 2 else small)
            return data

        monkeypatch.setattr(loading, "read_catalog", read_then_rewrite)
        for _ in range(4):
            index = loading.load_index([path])
            search = loading.load_search_index(index)
            hits = search.search("extra tool toy", limit=100)
            assert all(hit.entry.id in index.by_id for hit in hits)
            assert len(search.entries) == len(index.entries)


def test_concurrent_cold_searches_during_rewrites_never_crash(tmp_path: Path) -> None:
    """The race from the issue, shortened: searches while another process keeps rewriting the catalog."""
    path = tmp_path / "mine.yaml"
    small = MINIMAL.lstrip("\n")
    big = small + "".join(
        f"  - {{id: extra-{n}, name: Extra {n}, url: 'https://example.org/{n}', description: More.,"
        f" techniques: [dp-training]}}\n"
        for n in range(60)
    )
    path.write_text(small)
    stop = threading.Event()

    def rewrite() -> None:
        flip = False
        while not stop.is_set():
            temp = path.with_suffix(".tmp")
            temp.write_text(big if flip else small)
            temp.replace(path)
            flip = not flip

    writer = threading.Thread(target=rewrite, daemon=True)
    writer.start()
    try:
        env = {**os.environ, "PPML_CACHE_DIR": str(tmp_path / "cache"), "COLUMNS": "400"}
        procs = [
            subprocess.Popen(
                [*PPML, "--no-bundled", "--catalog", str(path), "search", "extra", "toy", "-o", "json"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(8)
        ]
        outcomes = [(*proc.communicate(timeout=120), proc.returncode) for proc in procs]
    finally:
        stop.set()
        writer.join(timeout=10)
    for _, stderr, code in outcomes:
        assert code == 0, stderr
        assert "Traceback" not in stderr
