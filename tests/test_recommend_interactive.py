"""The interview, in a real pseudo-terminal: questions one at a time, defaults, Ctrl-C."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import subprocess
import sys
import termios
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")

#: Generous; a guard against a hung child, not a measure of speed.
PATIENCE = 120.0


def _control_terminal() -> None:
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Terminal:
    """``ppml recommend`` running with a pseudo-terminal as its stdin, stdout and stderr."""

    def __init__(self, tmp_path: Path, *args: str) -> None:
        self.master, slave = pty.openpty()
        env = {k: v for k, v in os.environ.items() if k not in ("PPML_CATALOG", "PPML_ADVICE")}
        env.update(
            NO_COLOR="1",
            TERM="dumb",  # Rich writes no escape codes (and wraps at 80 columns)
            PPML_CACHE_DIR=str(tmp_path / "cache"),
            PPML_DATA_DIR=str(tmp_path / "data"),
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ppml_cli", "recommend", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            close_fds=True,
            start_new_session=True,  # a session of its own, whose controlling terminal is the pty:
            preexec_fn=_control_terminal,  # so that Ctrl-C there sends SIGINT, as at a real terminal
        )
        os.close(slave)
        self.seen = ""

    def read_until(self, text: str) -> str:
        while text not in self.seen:
            ready, _, _ = select.select([self.master], [], [], PATIENCE)
            assert ready, f"waited for {text!r}; the terminal shows:\n{self.seen}"
            try:
                chunk = os.read(self.master, 4096).decode("utf-8", "replace")
            except OSError:  # the child closed the terminal
                chunk = ""
            assert chunk, f"the program ended before {text!r}; it showed:\n{self.seen}"
            self.seen += chunk.replace("\r\n", "\n")
        return self.seen

    def send(self, text: str) -> None:
        os.write(self.master, text.encode())

    def interrupt(self) -> None:
        """Ctrl-C: the terminal turns it into SIGINT for the foreground process group.

        Should the character reach the program before the terminal made it the
        foreground group (seen once on a loaded machine), send the same signal the
        way the terminal driver would.
        """
        self.send("\x03")
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGINT)

    def rest(self) -> str:
        while True:
            ready, _, _ = select.select([self.master], [], [], PATIENCE)
            if not ready:
                break
            try:
                chunk = os.read(self.master, 4096).decode("utf-8", "replace")
            except OSError:
                break
            if not chunk:
                break
            self.seen += chunk.replace("\r\n", "\n")
        return self.seen

    def close(self) -> int:
        code = self.process.wait(timeout=PATIENCE)
        os.close(self.master)
        return code


def test_it_asks_one_question_at_a_time_with_defaults(tmp_path: Path) -> None:
    terminal = Terminal(tmp_path)
    shown = terminal.read_until("What must stay private? [--protect] [training-data]: ")
    assert "inference-data" in shown and "the inputs sent to the model" in shown
    assert "Where does the data go" not in shown, "one question at a time"
    terminal.send("\n")  # the default
    shown = terminal.read_until("[--threat] [none]: ")
    assert "model-extraction" in shown and "Model Extraction" in shown, "the catalog's threats, by name"
    terminal.send("model extraction\n")  # not an id: asked again
    terminal.read_until("not one of: none, ")
    terminal.send("Model-Extraction\n")
    terminal.read_until("[--deploy] [trusted-server]: ")
    terminal.send("on-device\n")
    terminal.read_until("[--data] [tabular]: ")
    terminal.send("\n")
    shown = terminal.read_until("[--framework] [any]: ")
    assert "pytorch" in shown and "tensorflow" in shown, "the catalog's own frameworks are offered"
    terminal.send("TensorFlow\n")
    terminal.read_until("[--sensitivity] [high]: ")
    terminal.send("\n")
    terminal.read_until("[--open-source] [no]: ")
    terminal.send("\n")
    out = terminal.rest()
    assert terminal.close() == 0, out
    words = " ".join(out.split())  # the title wraps at the terminal's 80 columns
    for answer in ("protect: training-data", "deploy: on-device", "data: tabular", "tensorflow", "sensitivity: high"):
        assert answer in words
    in_scope = words.split("Threats in scope:", 1)[1].split("TECHNIQUES", 1)[0]
    assert "Model Extraction" in in_scope and "Membership Inference" in in_scope, "the threat answered joins the rest"
    assert "Federated Learning" in out and "TECHNIQUES, BEST FIRST" in out


def test_an_invalid_answer_is_asked_again(tmp_path: Path) -> None:
    terminal = Terminal(tmp_path)
    terminal.read_until("[training-data]: ")
    terminal.send("everything\n")
    terminal.read_until("not one of: training-data, model, inference-data")
    shown = terminal.read_until("inference-data\nWhat must stay private? [--protect] [training-data]: ")
    assert shown.count("What must stay private?") == 2, "the same question again"
    assert "Where does the data go" not in shown
    terminal.send("model,inference-data\n")
    terminal.read_until("[--threat] [none]: ")
    terminal.interrupt()
    terminal.rest()
    assert terminal.close() == 130


def test_ctrl_c_leaves_with_130_and_no_traceback(tmp_path: Path) -> None:
    terminal = Terminal(tmp_path)
    terminal.read_until("[training-data]: ")
    terminal.interrupt()
    out = terminal.rest()
    assert terminal.close() == 130
    assert "Traceback" not in out
    assert "interrupted" in out


def test_no_input_at_a_terminal_never_asks(tmp_path: Path) -> None:
    terminal = Terminal(tmp_path, "--no-input")
    out = terminal.rest()
    assert terminal.close() == 0
    assert "What must stay private?" not in out
    assert "TECHNIQUES, BEST FIRST" in out


def test_options_at_a_terminal_never_ask(tmp_path: Path) -> None:
    terminal = Terminal(tmp_path, "--deploy", "public-release")
    out = terminal.rest()
    assert terminal.close() == 0
    assert "What must stay private?" not in out
    assert "Synthetic Data Generation" in out


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("ppml recommend --deploy on", {"on-device"}),
        ("ppml recommend --protect inf", {"inference-data"}),
        ("ppml recommend --sensitivity h", {"high"}),
        ("ppml recommend --framework ja", {"jax"}),
    ],
)
def test_shell_completion_offers_the_rules_answers(words: str, expected: set[str]) -> None:
    from .test_completion import complete

    assert expected <= set(complete(words))


def test_the_threats_question_adds_catalog_threats_and_none_adds_nothing() -> None:
    """In process, with scripted answers: the threats question takes ids (several), and its own "none"."""
    from ppml_cli.catalog.loading import load_index
    from ppml_cli.interview import interview
    from ppml_cli.recommend.rules import load_advice

    index = load_index()
    advice = load_advice()

    def script(threats: str) -> Callable[[str, str], str]:
        def ask(prompt: str, default: str) -> str:
            return threats if "[--threat]" in prompt else default

        return ask

    chosen = interview(index, advice, script("property-inference, model-extraction"))
    assert list(chosen.threats) == ["property-inference", "model-extraction"]
    assert list(chosen.protect) == ["training-data"]
    assert list(interview(index, advice, script("none")).threats) == []
