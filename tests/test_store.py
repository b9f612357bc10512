"""What ppml keeps on disk: trusted only in the user's own private directories, written safely.

Most tests run the installed ``ppml`` in a subprocess, as an attacker's victim would.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ppml_cli import store
from ppml_cli.store import cache

#: every test here starts from an empty cache directory, as a first run does
pytestmark = pytest.mark.usefixtures("cold_cache")

#: The installed console script; PPML_UNDER_TEST points at another one (an older release, to see a test fail).
PPML = [os.environ.get("PPML_UNDER_TEST") or str(Path(sys.executable).with_name("ppml"))]


def ppml(*args: str, cache_dir: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PPML_CACHE_DIR": str(cache_dir), "COLUMNS": "400"}
    env.pop("PPML_NO_CACHE", None)
    return subprocess.run([*PPML, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False)


def flat(text: str) -> str:
    return " ".join(text.split())


class Planted:
    """A pickle that, when loaded, creates a directory: proof that loading ran code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.mkdir, (str(self.marker),))


def plant(cache_dir: Path, marker: Path) -> int:
    """Replace every cache file under ``cache_dir`` with code; how many were replaced."""
    files = list(cache_dir.rglob("*.pickle"))
    for path in files:
        path.write_bytes(pickle.dumps(Planted(marker)) + pickle.dumps(Planted(marker)))
    return len(files)


def ppml_files(cache_dir: Path) -> list[Path]:
    return [p for p in cache_dir.rglob("*") if p.is_file()]


class TestPlantedCode:
    """Item 1: a cache file is unpickled only when ppml's own key signed it."""

    def test_a_planted_pickle_in_the_cache_is_never_run(self, tmp_path: Path) -> None:
        folder = tmp_path / "cache"
        marker = tmp_path / "pwned"
        expected = ppml("show", "opacus", "-o", "json", cache_dir=folder)
        assert expected.returncode == 0, expected.stderr
        assert plant(folder, marker) >= 1
        result = ppml("show", "opacus", "-o", "json", cache_dir=folder)
        assert not marker.exists()
        assert result.returncode == 0
        assert json.loads(result.stdout) == json.loads(expected.stdout)

    def test_a_planted_file_with_a_forged_header_is_not_run(self, tmp_path: Path) -> None:
        """Knowing the file layout is not enough: the tag needs the user's key."""
        folder = tmp_path / "cache"
        marker = tmp_path / "pwned"
        ppml("show", "opacus", cache_dir=folder)
        for path in folder.rglob("*.pickle"):
            path.write_bytes(cache.MAGIC + b"\0" * cache.TAG_BYTES + pickle.dumps(Planted(marker)))
        result = ppml("show", "opacus", "-o", "json", cache_dir=folder)
        assert result.returncode == 0
        assert not marker.exists()

    @pytest.mark.parametrize("mode", [0o777, 0o775, 0o757], ids=oct)
    def test_a_cache_dir_others_can_write_is_not_used(self, tmp_path: Path, mode: int) -> None:
        folder = tmp_path / "shared"
        folder.mkdir()
        marker = tmp_path / "pwned"
        ppml("show", "opacus", cache_dir=folder)  # a trusted run leaves files behind
        assert plant(folder, marker) >= 1
        folder.chmod(mode)
        result = ppml("show", "opacus", "-o", "json", cache_dir=folder)
        assert result.returncode == 0
        assert json.loads(result.stdout)["id"] == "opacus"
        assert not marker.exists()
        message = flat(result.stderr)
        assert "cache not used" in message and "writable by other users" in message
        assert message.count("cache not used") == 1  # said once per run

    def test_a_search_in_an_untrusted_dir_writes_nothing_there(self, tmp_path: Path) -> None:
        folder = tmp_path / "shared"
        folder.mkdir()
        folder.chmod(0o777)
        result = ppml("search", "federated", "-o", "json", cache_dir=folder)
        assert result.returncode == 0 and json.loads(result.stdout)
        assert list(folder.iterdir()) == []

    @pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to chown")
    def test_a_cache_dir_owned_by_another_user_is_not_used(self, tmp_path: Path) -> None:
        folder = tmp_path / "theirs"
        marker = tmp_path / "pwned"
        ppml("show", "opacus", cache_dir=folder)
        plant(folder, marker)
        for path in [folder, *folder.rglob("*")]:
            os.chown(path, 65534, 65534)
        result = ppml("show", "opacus", "-o", "json", cache_dir=folder)
        assert result.returncode == 0
        assert not marker.exists()
        assert "belongs to another user" in flat(result.stderr)

    def test_directories_are_private_and_files_owner_only(self, tmp_path: Path) -> None:
        folder = tmp_path / "fresh" / "cache"
        old_umask = os.umask(0o002)  # a permissive umask must not leak into the cache
        try:
            assert ppml("search", "federated", cache_dir=folder).returncode == 0
        finally:
            os.umask(old_umask)
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert stat.S_IMODE((folder / cache.SUBDIR).stat().st_mode) == 0o700
        files = ppml_files(folder)
        assert {p.name for p in files} >= {cache.KEY_FILE}
        assert len(files) >= 3  # the key, the index, the search index
        assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files)

    def test_a_key_others_could_read_is_replaced(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("PPML_CACHE_DIR", str(tmp_path / "cache"))
        cache.store_value("k", "index", {"n": 1})
        key_file = tmp_path / "cache" / cache.SUBDIR / cache.KEY_FILE
        old_key = key_file.read_bytes()
        key_file.chmod(0o644)
        assert cache.load("k", "index") is None  # not trusted any more
        cache.store_value("k", "index", {"n": 2})
        assert key_file.read_bytes() != old_key
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert cache.load("k", "index") == {"n": 2}

    def test_a_tag_binds_the_file_to_its_key(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        """A valid file copied under another key's name is not accepted."""
        monkeypatch.setenv("PPML_CACHE_DIR", str(tmp_path / "cache"))
        cache.store_value("one", "index", {"n": 1})
        cache.store_value("two", "index", {"n": 2})
        folder = tmp_path / "cache" / cache.SUBDIR
        cache._file(folder, "two", "index").write_bytes(cache._file(folder, "one", "index").read_bytes())
        assert cache.load("two", "index") is None
        assert cache.load("one", "index") == {"n": 1}


class TestPruning:
    """Item 2: pruning deletes only files ppml wrote, in its own subdirectory."""

    def test_other_programs_files_survive(self, tmp_path: Path) -> None:
        folder = tmp_path / "shared-cache"
        folder.mkdir(mode=0o700)
        theirs = []
        for n in range(30):
            path = folder / f"{n:016x}.index.pickle"
            path.write_bytes(b"someone else's data")
            os.utime(path, (1_000_000 + n, 1_000_000 + n))  # older than anything ppml writes
            theirs.append(path)
        (folder / "notes.txt").write_text("mine")
        assert ppml("search", "federated", "-o", "json", cache_dir=folder).returncode == 0
        assert all(path.exists() for path in theirs)
        assert (folder / "notes.txt").read_text() == "mine"

    def test_pruning_keeps_the_newest_of_its_own(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        monkeypatch.setenv("PPML_CACHE_DIR", str(tmp_path / "cache"))
        monkeypatch.setattr(cache, "KEEP", 2)
        folder = tmp_path / "cache" / cache.SUBDIR
        folder.mkdir(parents=True, mode=0o700)
        stray = folder / "readme.pickle"  # not ppml's name pattern
        stray.write_bytes(b"x")
        for n in range(5):
            cache.store_value(f"key{n}", "index", n)
            path = cache._file(folder, f"key{n}", "index")
            os.utime(path, (2_000_000 + n, 2_000_000 + n))
        kept = sorted(p.name for p in folder.iterdir() if cache.NAME.match(p.name))
        assert kept == sorted(cache._file(folder, f"key{n}", "index").name for n in (3, 4))
        assert stray.exists()

    @pytest.mark.parametrize("part", sorted(cache.PARTS))
    def test_every_declared_part_is_pruned(self, part: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        """The recommend rules' cache ("advice") too: a part outside the name pattern would pile up forever."""
        monkeypatch.setenv("PPML_CACHE_DIR", str(tmp_path / "cache"))
        monkeypatch.setattr(cache, "KEEP", 1)
        folder = tmp_path / "cache" / cache.SUBDIR
        for n in range(3):
            cache.store_value(f"key{n}", part, n)
            os.utime(cache._file(folder, f"key{n}", part), (2_000_000 + n, 2_000_000 + n))
        cache.store_value("key3", part, 3)
        assert sorted(p.name for p in folder.iterdir() if p.name.endswith(".pickle")) == [
            cache._file(folder, "key3", part).name
        ]

    def test_an_undeclared_part_is_refused(self, tmp_path: Path) -> None:
        with pytest.raises(ValueError, match="undeclared cache part"):
            cache._file(tmp_path, "key", "elsewhere")


KILL_MID_WRITE = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from ppml_cli import store

    def die(fd):  # the data is in the temporary file; the rename has not happened
        os.kill(os.getpid(), signal.SIGKILL)

    os.fsync = die
    store.write_atomic(Path(sys.argv[1]), b"new")
    """
)


class TestAtomicWrites:
    """Item 3 (second half): kill -9 mid-write leaves no stray temporary file for long."""

    def test_a_writer_killed_mid_write_leaves_the_old_file_and_its_temp_is_cleaned(self, tmp_path: Path) -> None:
        target = tmp_path / "data" / "github.json"
        store.write_atomic(target, b"old")
        killed = subprocess.run([sys.executable, "-c", KILL_MID_WRITE, str(target)], timeout=60, check=False)
        assert killed.returncode == -signal.SIGKILL
        assert target.read_bytes() == b"old"
        leftovers = [p for p in target.parent.iterdir() if p.name.startswith(store.TEMP_PREFIX)]
        assert len(leftovers) == 1  # what kill -9 leaves
        store.write_atomic(target, b"newer")  # the next run
        assert target.read_bytes() == b"newer"
        assert [p.name for p in target.parent.iterdir()] == ["github.json"]

    def test_a_live_writers_temp_is_left_alone(self, tmp_path: Path) -> None:
        folder = tmp_path / "d"
        folder.mkdir()
        live = folder / f"{store.TEMP_PREFIX}{os.getppid()}-abc"
        live.write_bytes(b"in progress")
        foreign = folder / ".tmp-somebody-else"
        foreign.write_bytes(b"not ours")
        store.write_atomic(folder / "f.json", b"{}")
        assert live.exists() and foreign.exists()

    def test_written_files_are_owner_only(self, tmp_path: Path) -> None:
        target = tmp_path / "new" / "f.json"
        store.write_json(target, {"a": 1})
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
        assert store.read_json(target) == {"a": 1}

    def test_a_lone_surrogate_is_a_value_error_not_a_crash_midway(self, tmp_path: Path) -> None:
        target = tmp_path / "f.json"
        store.write_json(target, {"a": 1})
        with pytest.raises(ValueError, match="UTF-8"):
            store.write_json(target, {"a": "\ud800"})
        assert store.read_json(target) == {"a": 1}

    def test_an_exclusive_write_keeps_what_is_there(self, tmp_path: Path) -> None:
        target = tmp_path / "key"
        store.write_atomic(target, b"first", replace=False)
        with pytest.raises(FileExistsError):
            store.write_atomic(target, b"second", replace=False)
        assert target.read_bytes() == b"first"
        assert [p.name for p in tmp_path.iterdir()] == ["key"]

    def test_a_second_run_making_its_key_keeps_the_first_runs_key(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Two first runs at once: the one that makes the key second adopts the first one's."""
        monkeypatch.setenv("PPML_CACHE_DIR", str(tmp_path / "cache"))
        folder = tmp_path / "cache" / cache.SUBDIR
        folder.mkdir(parents=True, mode=0o700)
        first = cache._secret(folder, create=True)
        real_read = cache._read_secret
        calls = iter([None])  # the second run looked before the first had written

        def late_look(path: Path) -> bytes | None:
            return next(calls, real_read(path)) if path.name == cache.KEY_FILE else real_read(path)

        monkeypatch.setattr(cache, "_read_secret", late_look)
        monkeypatch.setattr(os.path, "lexists", lambda path: False)
        assert cache._secret(folder, create=True) == first
