"""The parsed-catalog cache: used when files are unchanged, rebuilt when anything is off."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

import ppml_cli.catalog.parse
from ppml_cli import store
from ppml_cli.catalog.files import bundled_catalog_path
from ppml_cli.store import cache

from .conftest import MINIMAL, Run, modules_imported

#: every test here starts from an empty cache directory, as a first run does
pytestmark = pytest.mark.usefixtures("cold_cache")


def cache_files() -> list[Path]:
    return sorted((store.cache_dir() / cache.SUBDIR).glob("*.pickle"))


def forbid_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("the catalog was parsed although the cache is warm")

    monkeypatch.setattr(ppml_cli.catalog.parse, "load_catalog", fail)


def test_second_run_reads_the_cache_not_the_yaml(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    first = run("search", "opacus", "-o", "json").stdout
    assert {p.name.split(".")[1] for p in cache_files()} == {"index", "search", "entries"}
    forbid_parsing(monkeypatch)
    assert run("search", "opacus", "-o", "json").stdout == first
    assert json.loads(run("show", "flower", "-o", "json").stdout)["package"] == "flwr"


def test_a_changed_catalog_file_is_reloaded(run: Run, write_catalog: Callable[..., Path]) -> None:
    path = write_catalog(MINIMAL)
    assert json.loads(run("--catalog", str(path), "show", "toy", "-o", "json").stdout)["name"] == "Toy Tool"
    path.write_text(path.read_text().replace("Toy Tool", "Renamed Tool"))
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    assert json.loads(run("--catalog", str(path), "show", "toy", "-o", "json").stdout)["name"] == "Renamed Tool"


@pytest.mark.parametrize("damage", [b"", b"garbage", b"\x80\x05K\x01."])
def test_a_corrupt_cache_file_is_ignored_and_rebuilt(run: Run, damage: bytes) -> None:
    expected = run("show", "opacus", "-o", "json").stdout
    for path in cache_files():
        path.write_bytes(damage)
    result = run("show", "opacus", "-o", "json")
    assert result.exit_code == 0
    assert result.stdout == expected
    assert all(p.stat().st_size > 1000 for p in cache_files())  # rewritten


def test_a_cache_from_another_version_is_ignored(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    run("show", "opacus")
    monkeypatch.setattr(cache, "__version__", "0.0.0-other")
    path = bundled_catalog_path()
    key = cache.fingerprint([path], [path.read_bytes()])
    assert cache.load(key, "index") is None


def test_an_invalid_catalog_is_never_cached(run: Run, write_catalog: Callable[..., Path]) -> None:
    path = write_catalog("tools:\n  - id: broken\n")
    assert run("--catalog", str(path), "list").exit_code == 2
    assert cache_files() == []


def test_an_unwritable_cache_dir_is_not_an_error(run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("PPML_CACHE_DIR", str(blocker / "cache"))
    result = run("show", "opacus", "-o", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["id"] == "opacus"


@pytest.mark.parametrize("argv", [["show", "opacus"], ["search", "opacus"], ["search", "dp", "--kind", "tool"]])
def test_the_cache_can_be_switched_off(run: Run, monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> None:
    # a search once wrote each entry alone (and the cache's key) although told not to cache
    monkeypatch.setenv("PPML_NO_CACHE", "1")
    result = run(*argv)
    assert result.exit_code == 0 and result.stderr == ""
    assert not store.cache_dir().exists()


def test_files_are_written_atomically_and_pruned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "KEEP", 3)
    for n in range(6):
        cache.store_value(f"key{n}", "index", {"n": n})
    files = cache_files()
    assert len(files) == 3
    assert not [p for p in (store.cache_dir() / cache.SUBDIR).iterdir() if p.name.startswith(".ppml-tmp-")]
    assert cache.load("key5", "index") == {"n": 5}


def test_the_key_changes_when_the_pickled_code_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    paths = [bundled_catalog_path()]
    contents = [paths[0].read_bytes()]
    before = cache.fingerprint(paths, contents)
    monkeypatch.setattr(cache, "_code_stamps", lambda: ["model.py\0999\0999"])
    assert cache.fingerprint(paths, contents) != before


def test_a_warm_json_search_imports_no_yaml_network_or_rich(tmp_path: Path) -> None:
    """What only some commands need stays unimported on the hot path."""
    warm = modules_imported(["search", "federated", "-o", "json"], tmp_path / "cache", warm=True)
    assert warm.returncode == 0, warm.stderr
    loaded = warm.modules
    assert "ppml_cli.search" in loaded  # the probe saw the run
    assert not {"yaml", "httpx", "rich", "rapidfuzz", "ppml_cli.catalog.parse", "ppml_cli.net"} & loaded


def test_no_home_directory_means_no_cache_not_a_crash(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv("PPML_CACHE_DIR")
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    result = run("show", "opacus", "-o", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["id"] == "opacus"


def test_recurring_catalog_values_are_one_object_so_the_cache_stores_them_once() -> None:
    # pickle shares by identity: YAML's one string per occurrence made a large catalog's cache
    # store (and every warm run rebuild) "dp-training" once per entry that names it
    from ppml_cli.catalog.parse import load_catalog
    from ppml_cli.model import Technique, Tool

    entries = load_catalog(paths=[bundled_catalog_path()]).entries
    own_ids = {e.id: e.id for e in entries if isinstance(e, Technique)}
    linked = [t for e in entries if not isinstance(e, Technique) for t in e.techniques]
    assert linked and all(t is own_ids[t] for t in linked)
    by_value: dict[tuple[str, ...], tuple[str, ...]] = {}
    tools = [e for e in entries if isinstance(e, Tool) and e.frameworks]
    assert len({e.frameworks for e in tools}) < len(tools)
    assert all(by_value.setdefault(e.frameworks, e.frameworks) is e.frameworks for e in tools)


def entries_file() -> Path:
    (path,) = [p for p in cache_files() if p.name.endswith(".entries.pickle")]
    return path


def loaded_parts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The cache parts unpickled whole from here on (each entry read alone is not one)."""
    parts: list[str] = []
    load = cache.load

    def recording(key: str, part: str) -> object | None:
        parts.append(part)
        return load(key, part)

    monkeypatch.setattr(cache, "load", recording)
    return parts


def test_a_warm_search_reads_only_the_entries_it_looks_at(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    # unpickling every entry was a sixth of a warm search at 8,680 extra entries
    cold = run("search", "differentially private training library", "-o", "json").stdout
    parts = loaded_parts(monkeypatch)
    read: list[int] = []
    get = cache.Blobs.get

    def counting(self: cache.Blobs, number: int) -> bytes:
        read.append(number)
        return get(self, number)

    monkeypatch.setattr(cache.Blobs, "get", counting)
    assert run("search", "differentially private training library", "-o", "json").stdout == cold
    assert parts == ["search"]
    shown = {hit["id"] for hit in json.loads(cold)}
    assert len(shown) == 20 and 20 <= len(set(read)) < 150  # of about 600 entries


@pytest.mark.parametrize("options", [["--phase", "training"], ["--kind", "tool"]])
def test_a_filtered_search_reads_the_whole_index(run: Run, monkeypatch: pytest.MonkeyPatch, options: list[str]) -> None:
    run("search", "federated", "-o", "json")
    parts = loaded_parts(monkeypatch)
    warm = run("search", "federated", *options, "-o", "json").stdout
    assert parts[0] == "index"
    monkeypatch.setenv("PPML_NO_CACHE", "1")
    assert run("search", "federated", *options, "-o", "json").stdout == warm


def test_a_damaged_entry_is_never_unpickled_and_the_whole_index_answers(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = run("search", "opacus", "-o", "json").stdout
    path = entries_file()
    data = bytearray(path.read_bytes())
    count = int.from_bytes(data[40:48], "little")
    base = 48 + 24 * count  # the header: the count, each value's end (8 bytes) and tag (16)
    ends = [0, *memoryview(bytes(data[48 : 48 + 8 * count])).cast("Q")]
    for start in ends[:-1]:  # a pickle that would run code, in place of every entry
        data[base + start] ^= 0xFF
    path.write_bytes(bytes(data))
    unpickled: list[bytes] = []
    with monkeypatch.context() as patched:  # undoes only these two, not the fixtures' cache directory
        patched.setattr("ppml_cli.catalog.loading._unpickle", lambda blob: unpickled.append(blob))
        parts = loaded_parts(patched)
        assert run("search", "opacus", "-o", "json").stdout == expected
    assert unpickled == []
    assert parts == ["search", "index"]  # the entries from the whole index instead
    assert not path.exists()  # removed: the next search writes it again
    assert run("search", "opacus", "-o", "json").stdout == expected
    assert entries_file().exists()


@pytest.mark.parametrize("where", ["magic", "header", "count", "truncated"])
def test_a_damaged_entries_file_is_removed_unread(run: Run, where: str) -> None:
    expected = run("search", "federated learning", "-o", "json").stdout
    path = entries_file()
    data = bytearray(path.read_bytes())
    if where == "magic":
        data[0] ^= 1
    elif where == "header":
        data[60] ^= 1  # an entry's end: values cannot be moved or swapped without the key
    elif where == "count":
        data[40:48] = (2**62).to_bytes(8, "little")
    else:
        del data[-10:]
    path.write_bytes(bytes(data))
    assert run("search", "federated learning", "-o", "json").stdout == expected
    assert entries_file().read_bytes() != bytes(data)  # removed, and written again by that search


QUERIES = [
    "opacus",
    "how do I protect my model against membership inference",
    "evaluate the privacy of my model",
    "which epsilon should I choose",
    "dp implementation",
    "federated learning tutorial",
    "opacsu",
    "H¹E",
    "k-anon",
]


def test_warm_searches_answer_as_uncached_ones(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    run("search", "federated", "-o", "json")
    warm = [run("search", query, "-o", "json", "--explain").stdout for query in QUERIES]
    monkeypatch.setenv("PPML_NO_CACHE", "1")
    assert warm == [run("search", query, "-o", "json", "--explain").stdout for query in QUERIES]
