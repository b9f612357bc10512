"""How a run ends: exit codes, flushed output and atexit handlers survive the fast exit, and a
failing standard stream is one message, never a traceback."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ppml_cli.errors import EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE

from .conftest import Run

PPML = str(Path(sys.executable).with_name("ppml"))


def python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["search", "opacus", "-n", "1", "-o", "json"], EXIT_OK),
        (["show", "no-such-entry"], EXIT_NOT_FOUND),
        (["list", "--no-such-option"], EXIT_USAGE),
        (["--version"], EXIT_OK),
    ],
)
def test_the_exit_code_and_the_whole_output_survive(argv: list[str], code: int) -> None:
    done = subprocess.run([PPML, *argv], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    if argv[0] == "search":
        assert done.stdout.rstrip().endswith("]") and '"id": "opacus"' in done.stdout


def test_atexit_handlers_still_run_and_see_the_output_flushed() -> None:
    done = python(
        "import atexit, sys\n"
        "atexit.register(lambda: sys.stderr.write('handler ran\\n'))\n"
        "sys.argv = ['ppml', 'search', 'opacus', '-n', '1', '-o', 'json']\n"
        "from ppml_cli.cli import main\n"
        "main()\n"
    )
    assert done.returncode == EXIT_OK
    assert done.stderr.endswith("handler ran\n")
    assert '"id": "opacus"' in done.stdout


def test_a_thread_still_running_is_waited_for_as_at_a_plain_exit() -> None:
    done = python(
        "import threading, time\n"
        "threading.Thread(target=lambda: (time.sleep(0.2), print('thread finished'))).start()\n"
        "from ppml_cli.cli import _exit\n"
        "_exit(3)\n"
    )
    assert done.returncode == 3
    assert done.stdout == "thread finished\n"


def test_a_message_instead_of_a_number_ends_as_python_ends_it() -> None:
    done = python("from ppml_cli.cli import _exit\n_exit('stopped: why')\n")
    assert done.returncode == 1
    assert done.stderr == "stopped: why\n"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("argv", [["search", "federated", "-o", "json"], ["list"], ["show", "opacus", "-o", "yaml"]])
def test_a_full_disk_on_stdout_is_one_message_not_a_traceback(argv: list[str]) -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run([PPML, *argv], stdout=full, stderr=subprocess.PIPE, text=True, timeout=60, check=False)
    assert done.returncode == EXIT_USAGE
    assert "Traceback" not in done.stderr and "─" not in done.stderr
    assert done.stderr.strip().splitlines()[0] == "Error: cannot write the output: No space left on device"


def test_a_run_freezes_what_the_cache_loaded_and_an_importing_program_keeps_its_collector(run: Run) -> None:
    before = gc.get_freeze_count()
    assert run("search", "opacus", "-o", "json").exit_code == EXIT_OK  # in-process, from the warm cache
    assert gc.get_freeze_count() == before
    done = python(
        "import atexit, gc, sys\n"
        "atexit.register(lambda: sys.stderr.write(str(gc.get_freeze_count())))\n"
        "sys.argv = ['ppml', 'search', 'opacus', '-o', 'json']\n"
        "from ppml_cli.cli import main\n"
        "main()\n"
    )
    assert done.returncode == EXIT_OK
    assert int(done.stderr.strip()) > 10_000  # the catalog's objects, out of the collector's walks
