"""Re-run `ppml evaluate --quick` for one tool of each family and check it reproduces the shipped quick
results (``pytest -m evaluations``; needs the package index, several minutes; CI's last step).

Seeded programs must give the very numbers shipped; the others must fall within the shipped full
run's range (family-wise 95%, see ``records.compare_runs``). Installs come from the package index
only: the tools chosen here need no PyTorch (smartnoise-synth leaves out opacus, which only its GANs
use, and with it PyTorch, whose Linux wheel on the index is the CUDA build).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ppml_cli.evaluate import records
from ppml_cli.evaluate.families import FAMILIES

pytestmark = pytest.mark.evaluations

#: One tool per family, each run once (diffprivlib's programs cover three families).
CI_TOOLS = ("diffprivlib", "tenseal", "dp-accounting", "smartnoise-sdk")


def test_the_ci_tools_cover_every_family() -> None:
    shipped = {(e.family, e.tool) for e in records.load() if e.quick and e.status == "ok"}
    assert {f.id for f in FAMILIES} == {family for family, tool in shipped if tool in CI_TOOLS}


@pytest.mark.parametrize("tool", CI_TOOLS)
def test_a_quick_rerun_reproduces_the_shipped_results(tool: str, tmp_path: Path) -> None:
    ppml = Path(sys.executable).parent / "ppml"
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    done = subprocess.run(
        [str(ppml), "evaluate", tool, "--quick", "--check", "-o", "json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads(done.stdout)
    assert results and all(r["status"] == "ok" for r in results), results
    print(f"\n{tool}: reproduced {len(results)} result(s): {sorted(r['family'] for r in results)}")
