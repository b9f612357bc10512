"""How ppml's cost grows with the catalog: generated catalogs of 1k, 10k and 100k extra entries.

For each size, a catalog of tools and references (names, aliases, authors and
descriptions drawn from a fixed vocabulary, techniques from the bundled
catalog) is written and loaded with ``--catalog``. The first run parses,
validates and caches it; warm runs read the cache. Reported: median wall time
CPU time (user + system, which a busy machine does not inflate as it does wall
time) and peak memory (max RSS) of ``search`` and ``list``, and ratios to the
bundled catalog alone.

    python benchmarks/scale.py [--sizes 1000 10000 100000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = (
    "private federated secure differential noise gradient clipping encrypted synthetic tabular "
    "membership inference attack audit budget epsilon accountant aggregation model training data "
    "minimization homomorphic garbled circuit secret sharing teacher student ensemble generator "
    "discriminator leakage memorization canary utility fidelity benchmark library framework toolkit"
).split()
SURNAMES = "Smith Chen Garcia Müller Rossi Tanaka Kowalski Dubois Silva Novak Haddad Okafor".split()
TECHNIQUES = (
    "data-minimization synthetic-data local-differential-privacy secure-multi-party-computation dp-training "
    "federated-learning private-inference model-protection privacy-budget privacy-impact-evaluation "
    "privacy-metrics utility-metrics"
).split()


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def generate(size: int, path: Path, seed: int = 7) -> None:
    rng = random.Random(seed)
    lines = ["tools:"]
    half = size // 2
    for n in range(half):
        lines += [
            f"  - id: gen-tool-{n}",
            f"    name: {rng.choice(WORDS).capitalize()} {rng.choice(WORDS).capitalize()} {n}",
            f"    url: https://example.org/tools/{n}",
            f"    aliases: [gt{n}]",
            f"    description: {sentence(rng, 18)}",
            f"    techniques: [{', '.join(rng.sample(TECHNIQUES, 2))}]",
            "    license: MIT",
            "    status: active",
            "    frameworks: [pytorch]",
        ]
    lines.append("references:")
    for n in range(size - half):
        lines += [
            f"  - id: gen-ref-{n}",
            f"    name: {sentence(rng, 8)[:-1]} {n}",
            f"    url: https://example.org/papers/{n}",
            f"    authors: [{rng.choice(SURNAMES)}, {rng.choice(SURNAMES)}]",
            f"    year: {rng.randint(2000, 2025)}",
            f"    description: {sentence(rng, 16)}",
            f"    techniques: [{rng.choice(TECHNIQUES)}]",
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def run(argv: list[str], env: dict[str, str]) -> tuple[float, int, float]:
    """Wall seconds, peak RSS (KiB) and CPU seconds (user + system) of one run, via GNU time."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        start = time.perf_counter()
        subprocess.run(
            ["/usr/bin/time", "-f", "%M %U %S", "-o", report.name, *argv],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            check=True,
        )
        elapsed = time.perf_counter() - start
        rss, user, system = report.read().strip().splitlines()[-1].split()
        return elapsed, int(rss), float(user) + float(system)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    ppml = str(Path(sys.executable).with_name("ppml"))
    work = Path(tempfile.mkdtemp(prefix="ppml-scale-"))
    base_env = {k: v for k, v in os.environ.items() if k != "PPML_CATALOG"}
    commands = {
        "search": ["search", "private federated audit", "-o", "json"],
        "list": ["list", "--phase", "training", "-o", "json"],
    }

    # cache ppml's bytecode first, as installing it does (PYTHONDONTWRITEBYTECODE would make an
    # editable install compile ppml's modules on every run)
    compiling = {k: v for k, v in base_env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([ppml, "--version"], stdout=subprocess.DEVNULL, env=compiling, check=False)
    subprocess.run(
        [ppml, "search", "x", "-o", "json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**compiling, "PPML_CACHE_DIR": str(work / "warm-up")},
        check=False,
    )
    rows: list[tuple[str, str, float, float, int, float, float]] = []
    baseline: dict[str, float] = {}
    cpu_baseline: dict[str, float] = {}
    for size in [0, *args.sizes]:
        extra: list[str] = []
        if size:
            catalog = work / f"catalog-{size}.yaml"
            generate(size, catalog)
            extra = ["--catalog", str(catalog)]
        cache = work / f"cache-{size}"
        env = {**base_env, "PPML_CACHE_DIR": str(cache)}
        for name, command in commands.items():
            argv = [ppml, *extra, *command]
            # first run: an empty cache, so the catalog is parsed, validated and cached
            for old in cache.rglob("*.pickle") if cache.exists() else []:
                old.unlink()
            first, first_rss, first_cpu = run(argv, env)
            warm = [run(argv, env) for _ in range(args.rounds)]
            warm_time = statistics.median(t for t, _, _ in warm)
            warm_cpu = statistics.median(c for _, _, c in warm)
            warm_rss = max(m for _, m, _ in warm)
            if not size:
                baseline[name] = warm_time
                cpu_baseline[name] = warm_cpu
            label = f"{size:,}" if size else "bundled only"
            rows.append((label, name, first, warm_time, max(first_rss, warm_rss), first_cpu, warm_cpu))

    print(f"warm = median of {args.rounds} runs with the cache filled; ratio = warm / warm of the bundled catalog\n")
    header: tuple[str, ...] = ("extra entries", "command", "first run", "warm run", "ratio")
    header += ("first CPU", "warm CPU", "ratio", "peak RSS")
    print("| {:>13} | {:<7} | {:>9} | {:>8} | {:>5} | {:>9} | {:>8} | {:>5} | {:>9} |".format(*header))
    rule = [f"{'-' * 13}:", f" {'-' * 7} ", *(f"{'-' * n}:" for n in (10, 9, 6, 10, 9, 6, 10))]
    print("|" + "|".join(rule) + "|")
    for label, name, first, warm_time, rss, first_cpu, warm_cpu in rows:
        ratio = warm_time / baseline[name]
        cpu_ratio = warm_cpu / max(cpu_baseline[name], 0.01)
        print(
            f"| {label:>13} | {name:<7} | {first * 1000:7.0f}ms | {warm_time * 1000:6.0f}ms | {ratio:5.2f} "
            f"| {first_cpu * 1000:7.0f}ms | {warm_cpu * 1000:6.0f}ms | {cpu_ratio:5.2f} | {rss / 1024:6.0f}MiB |"
        )


if __name__ == "__main__":
    main()
