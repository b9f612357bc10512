"""The interview, in a real pseudo-terminal: questions one at a time, defaults, Ctrl-C."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import shlex
import signal
import subprocess
import sys
import termios
from collections.abc import Callable
from pathlib import Path

import pytest

from ppml_cli.recommend.rules import QUESTIONS

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")

#: Generous; a guard against a hung child, not a measure of speed.
PATIENCE = 120.0
#: The questions' options, in the order the interview asks them.
OPTIONS = [q.option for q in QUESTIONS]


def _control_terminal() -> None:
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Terminal:
    """``ppml recommend`` running with a pseudo-terminal as its stdin, stdout and stderr."""

    def __init__(
        self, tmp_path: Path, *args: str, stdout: Path | None = None, env: dict[str, str] | None = None
    ) -> None:
        """``stdout``: a file that takes standard output (``> plan.md``) while the pty keeps stdin and stderr."""
        self.master, slave = pty.openpty()
        environment = {k: v for k, v in os.environ.items() if k not in ("PPML_CATALOG", "PPML_ADVICE")}
        environment.update(
            NO_COLOR="1",
            TERM="dumb",  # Rich writes no escape codes (and wraps at 80 columns)
            PPML_CACHE_DIR=str(tmp_path / "cache"),
            PPML_DATA_DIR=str(tmp_path / "data"),
        )
        environment.update(env or {})
        self.out_file = stdout.open("wb") if stdout is not None else None
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ppml_cli", "recommend", *args],
            stdin=slave,
            stdout=self.out_file if self.out_file is not None else slave,
            stderr=slave,
            env=environment,
            close_fds=True,
            start_new_session=True,  # a session of its own, whose controlling terminal is the pty:
            preexec_fn=_control_terminal,  # so that Ctrl-C there sends SIGINT, as at a real terminal
        )
        os.close(slave)
        self.seen = ""

    def read_until(self, text: str) -> str:
        while text not in self.seen:
            self.read_more(text)
        return self.seen

    def read_more(self, waiting_for: str) -> None:
        ready, _, _ = select.select([self.master], [], [], PATIENCE)
        assert ready, f"waited for {waiting_for!r}; the terminal shows:\n{self.seen}"
        try:
            chunk = os.read(self.master, 4096).decode("utf-8", "replace")
        except OSError:  # the child closed the terminal
            chunk = ""
        assert chunk, f"the program ended before {waiting_for!r}; it showed:\n{self.seen}"
        self.seen += chunk.replace("\r\n", "\n")

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
        if self.out_file is not None:
            self.out_file.close()
        return code

    def answer_all(self, answers: dict[str, str]) -> None:
        """Answer each question the interview asks by its option (Enter for those not named), to the last."""
        prompt = re.compile(r"\[(--[a-z-]+)\] \[[^]\n]*\]: ")
        start = 0
        while True:
            found = prompt.search(self.seen, start)
            while found is None:
                self.read_more("a question")
                found = prompt.search(self.seen, start)
            start = found.end()
            self.send(answers.get(found.group(1), "") + "\n")
            if found.group(1) == OPTIONS[-1]:
                return


def test_it_asks_one_question_at_a_time_with_defaults(tmp_path: Path) -> None:
    terminal = Terminal(tmp_path)
    shown = terminal.read_until("What must stay private? [--protect] [training-data]: ")
    assert "inference-data" in shown and "the inputs sent to the model" in shown
    assert "Where does the data go" not in shown, "one question at a time"
    terminal.send("\n")  # the default
    shown = terminal.read_until("[--threat] [none]: ")
    assert "model-extraction" in shown and "Model Extraction" in shown, "the catalog's threats, by name"
    terminal.send("model stealing please\n")  # no threat by that name: asked again
    terminal.read_until("invalid value for --threat")
    terminal.read_until("[--threat] [none]: ")
    terminal.send("Model Extraction\n")  # a name, as --threat takes it
    terminal.read_until("[--deploy] [trusted-server]: ")
    terminal.send("devices\n")  # an alias of on-device
    shown = terminal.read_until("[--data] [tabular]: ")
    assert "[--partition]" not in shown, "how parties split the data is asked only where there are parties"
    terminal.send("\n")
    shown = terminal.read_until("[--framework] [any]: ")
    assert "pytorch" in shown and "tensorflow" in shown, "the catalog's own frameworks are offered"
    terminal.send("TensorFlow\n")
    for option in ("--sensitivity", "--regulation", "--unit", "--open-source"):
        terminal.read_until(f"[{option}] [")
        terminal.read_until("]: ")
        terminal.send("\n")
    out = terminal.rest()
    assert terminal.close() == 0, out
    words = " ".join(out.split())  # the title wraps at the terminal's 80 columns
    for answer in ("protect: training-data", "deploy: on-device", "data: tabular", "tensorflow", "sensitivity: high"):
        assert answer in words
    situation = words.split("Privacy plan", 1)[1].split("Threats in scope")[0]
    assert "unit of privacy" not in situation and "partition" not in situation, "Enter leaves them to the plan"
    in_scope = words.split("Threats in scope:", 1)[1].split("IN SHORT", 1)[0]
    assert "Model Extraction" in in_scope and "Membership Inference" in in_scope, "the threat answered joins the rest"
    assert "Federated Learning" in out and "TECHNIQUES, BEST FIRST" in out
    command = "ppml recommend --protect training-data --threat model-extraction --deploy on-device"
    assert command in words, "the equivalent command line is printed"


def test_an_invalid_answer_is_asked_again(tmp_path: Path) -> None:
    terminal = Terminal(tmp_path)
    terminal.read_until("[training-data]: ")
    terminal.send("everything\n")
    terminal.read_until("valid values: training-data, model, inference-data")
    shown = terminal.read_until("inference-data\nWhat must stay private? [--protect] [training-data]: ")
    assert shown.count("What must stay private?") == 2, "the same question again"
    assert "Where does the data go" not in shown
    terminal.send("model,inference-data\n")
    terminal.read_until("[--threat] [none]: ")
    terminal.interrupt()
    terminal.rest()
    assert terminal.close() == 130


def test_markdown_redirected_to_a_file_is_exactly_the_plan(tmp_path: Path) -> None:
    """``ppml recommend -o markdown > plan.md`` answered at the terminal: the file holds the plan and
    nothing else (no prompt text), and the same command line without questions writes the same file."""
    plan = tmp_path / "plan.md"
    terminal = Terminal(tmp_path, "-o", "markdown", stdout=plan)
    terminal.answer_all({"--deploy": "multi-party", "--data": "image", "--threat": "MIA"})
    shown = terminal.rest()
    assert terminal.close() == 0, shown
    written = plan.read_text(encoding="utf-8")
    assert written.startswith("# Privacy plan\n"), written[:200]
    assert "What must stay private" not in written and "[--deploy]" not in written
    assert "What must stay private" in shown, "the questions went to the terminal"
    command = next(line for line in shown.splitlines() if "The same plan without questions:" in line)
    args = shlex.split(command.split(":", 1)[1])[2:]
    assert args[args.index("--data") + 1] == "images" and args[args.index("--threat") + 1] == "membership-inference"
    env = {k: v for k, v in os.environ.items() if k not in ("PPML_CATALOG", "PPML_ADVICE")}
    env.update(NO_COLOR="1", PPML_CACHE_DIR=str(tmp_path / "cache"), PPML_DATA_DIR=str(tmp_path / "data"))
    again = subprocess.run(
        [sys.executable, "-m", "ppml_cli", "recommend", "-o", "markdown", *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        check=True,
    )
    assert again.stdout == written


def test_catalog_text_reaches_the_terminal_without_control_characters(tmp_path: Path) -> None:
    """A hostile catalog's escape sequences (window title, clear screen) never reach the pty, even with NO_COLOR."""
    catalog = tmp_path / "evil.yaml"
    catalog.write_text(
        "threats:\n"
        "  - id: evil-threat\n"
        '    name: "Evil \\e]0;owned\\a threat \\e[2J"\n'
        '    description: "x"\n'
        "    nist_id: NISTAML.999\n"
        "    scope: both\n"
        '    no_known_mitigation: "none"\n',
        encoding="utf-8",
    )
    advice = tmp_path / "advice.yaml"
    advice.write_text(
        "questions:\n"
        "  - id: deploy\n"
        '    prompt: "Where \\e]0;title\\a does it go \\e[2J?"\n'
        "    answers:\n"
        "      - value: moon\n"
        '        label: "on the \\e[31mmoon\\x9b"\n',
        encoding="utf-8",
    )
    terminal = Terminal(tmp_path, env={"PPML_CATALOG": str(catalog), "PPML_ADVICE": str(advice)})
    terminal.answer_all({"--deploy": "moon"})
    out = terminal.rest()
    assert terminal.close() == 0, out
    assert "Evil" in out and "moon" in out and "does it go" in out
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out and "\u009b" not in out


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
        ("ppml recommend --regulation g", {"gdpr"}),
        ("ppml recommend --unit u", {"user"}),
        ("ppml recommend --partition v", {"vertical"}),
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
    assert list(chosen.get("threats")) == ["property-inference", "model-extraction"]
    assert list(chosen.get("protect")) == ["training-data"]
    assert list(interview(index, advice, script("none")).get("threats")) == []


def test_the_plan_at_a_terminal_honours_no_color_and_a_sane_width(tmp_path: Path) -> None:
    """The plan renders through the console every table uses: NO_COLOR on a colour terminal means
    no escape code at all (no bold, no dim), and COLUMNS=5 is refused as nonsense (80 columns)."""
    terminal = Terminal(tmp_path, "--no-input", "--deploy", "on-device", env={"TERM": "xterm-256color", "COLUMNS": "5"})
    out = terminal.rest()
    assert terminal.close() == 0, out
    assert "\x1b" not in out
    lines = out.splitlines()
    assert any(len(line) > 40 for line in lines), "not wrapped at 5 columns"
    assert max(len(line) for line in lines) <= 80


def test_a_reader_that_leaves_early_is_not_an_error(tmp_path: Path) -> None:
    """``ppml recommend | head -c1``: the pipe closes after one byte; ppml exits 0, silently."""
    env = {k: v for k, v in os.environ.items() if k not in ("PPML_CATALOG", "PPML_ADVICE")}
    env.update(PPML_CACHE_DIR=str(tmp_path / "cache"), PPML_DATA_DIR=str(tmp_path / "data"))
    process = subprocess.Popen(
        [sys.executable, "-m", "ppml_cli", "recommend", "--deploy", "multi-party"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.read(1) == b"P"
    process.stdout.close()
    assert process.wait(timeout=PATIENCE) == 0
    assert process.stderr.read() == b""
    process.stderr.close()
