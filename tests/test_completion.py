"""Shell completion, driven the way shells drive it: through Typer's completion environment variables."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PPML = str(Path(sys.executable).with_name("ppml"))


def complete(words: str, *, shell: str = "bash", extra_env: dict[str, str] | None = None) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != "PPML_CATALOG"}
    env["_PPML_COMPLETE"] = f"complete_{shell}"
    if shell == "bash":
        env["COMP_WORDS"] = words
        env["COMP_CWORD"] = str(len(words.split()) - (0 if words.endswith(" ") else 1))
    else:
        env["_TYPER_COMPLETE_ARGS"] = words
    env.update(extra_env or {})
    result = subprocess.run([PPML], capture_output=True, text=True, env=env, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return [line for line in result.stdout.splitlines() if line]


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("ppml show opa", {"opacus", "opacus-tutorials"}),
        ("ppml compare fl", {"flower"}),  # tools only
        ("ppml cite shokri", {"shokri2017membership"}),  # references only
        ("ppml open nvfl", {"nvflare", "nvflare-examples"}),
        ("ppml list --phase tr", {"training"}),
        ("ppml list --technique fed", {"federated-learning"}),
        ("ppml search x --threat memb", {"membership-inference"}),
        ("ppml list --audits memb", {"membership-inference"}),
        ("ppml list --kind tu", {"tutorial"}),
        ("ppml list --framework py", {"pytorch"}),
        ("ppml list --status dep", {"deprecated"}),
        ("ppml cite --style a", {"apa"}),
        ("ppml com", {"compare"}),
    ],
)
def test_bash_completion(words: str, expected: set[str]) -> None:
    assert set(complete(words)) == expected


def test_completion_offers_names_as_help_in_zsh() -> None:
    lines = complete("ppml show flo", shell="zsh")
    assert any('"flower":"tool\\\\: Flower"' in line for line in lines), lines


def test_completion_uses_extra_catalogs(tmp_path: Path) -> None:
    extra = tmp_path / "extra.yaml"
    extra.write_text(
        "tools:\n  - id: zebra-tool\n    name: Zebra\n    description: A zebra.\n    techniques: [dp-training]\n"
    )
    assert complete(f"ppml --catalog {extra} show zeb") == ["zebra-tool"]


def test_a_broken_catalog_completes_nothing_and_prints_nothing(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("tools: [\n")
    assert complete(f"ppml --catalog {broken} show opa") == []


def test_show_completion_script_is_offered() -> None:
    result = subprocess.run([PPML, "--show-completion", "bash"], capture_output=True, text=True, check=False)
    assert result.returncode == 0
    assert "_PPML_COMPLETE" in result.stdout
