"""How well the site's in-page search (MiniSearch, through the site's own search.js) does on the relevance suite.

Builds the search data for the bundled catalog as ``ppml site`` does, runs the
vendored MiniSearch with ``search.js`` in Node (no browser: the same files the
page loads) over every query of ``tests/data/relevance.yaml``, and prints
success@1, success@3 and MRR per class beside ``ppml search``'s own.

    python benchmarks/site_search.py          # needs node and the [site] extra
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.relevance import DEPTH, NAMES, QUESTIONS, Outcome, Scores, evaluate, load_cases

from ppml_cli.session import Session
from ppml_cli.site.build import STATIC, _script_data, _search_documents, page_path

RUNNER = """
globalThis.window = globalThis;
globalThis.MiniSearch = require(process.argv[2]);
require(process.argv[3]);
require(process.argv[4]);
const queries = JSON.parse(require("fs").readFileSync(0, "utf8"));
const out = {};
for (const q of queries) { out[q] = window.ppmlSearch(q).slice(0, DEPTH); }
process.stdout.write(JSON.stringify(out));
""".replace("DEPTH", str(DEPTH))


def site_scores(session: Session) -> Scores:
    index = session.index
    pages = {e.id: page_path(e) for e in index.entries}
    cases = load_cases()
    with tempfile.TemporaryDirectory() as work:
        data = Path(work) / "search-data.js"
        data.write_text(_script_data("PPML_SEARCH", _search_documents(index, pages)), encoding="utf-8")
        runner = Path(work) / "run.js"
        runner.write_text(RUNNER, encoding="utf-8")
        done = subprocess.run(
            ["node", str(runner), str(STATIC / "vendor" / "minisearch" / "minisearch.js"), str(data),
             str(STATIC / "search.js")],
            input=json.dumps([c.query for c in cases]), capture_output=True, text=True, check=True,
        )  # fmt: skip
    found: dict[str, list[str]] = json.loads(done.stdout)
    outcomes = []
    for case in cases:
        top = tuple(found[case.query])
        rank = next((n for n, entry_id in enumerate(top, start=1) if entry_id in case.expect), None)
        outcomes.append(Outcome(case, rank, top))
    return Scores(tuple(outcomes))


def main() -> None:
    session = Session()
    both = {"ppml search": evaluate(session.search_index), "site (MiniSearch)": site_scores(session)}
    classes = {"names": NAMES, "questions": QUESTIONS, "all answerable": None}
    print(f"{'':20} {'class':15} {'success@1':>9} {'success@3':>9} {'MRR':>6}")
    for name, scores in both.items():
        for label, wanted in classes.items():
            part = scores.of(wanted)
            print(f"{name:20} {label:15} {part.success_at(1):9.3f} {part.success_at(3):9.3f} {part.mrr:6.3f}")
        print(f"{name:20} {'out of scope':15} answered {len(scores.out_of_scope_answered)} of the out-of-scope queries")
    site = both["site (MiniSearch)"]
    missed = [o for o in site.of(NAMES).outcomes if o.rank != 1]
    if missed:
        print("names the site does not rank first:", ", ".join(f"{o.case.query!r} -> {o.top[:1]}" for o in missed))


if __name__ == "__main__":
    main()
