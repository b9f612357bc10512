"""Link-checker throughput: 400 URLs over 20 loopback hosts that answer in 100 ms each.

The ideal wall time is 400 x 0.1 s / concurrency (1.25 s at 32), plus start-up;
the script reports the median of a few runs, the ideal, and their ratio. The
hosts are 127.0.0.2 to 127.0.0.21 (all of 127/8 is loopback on Linux).

    python benchmarks/links.py [--concurrency 32] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.httpserver import serving

HOSTS = [f"127.0.0.{n}" for n in range(2, 22)]
PER_HOST = 20
DELAY = 0.1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    ppml = str(Path(sys.executable).with_name("ppml"))
    env = {k: v for k, v in os.environ.items() if k != "PPML_CATALOG"}

    with ExitStack() as stack:
        servers = [stack.enter_context(serving(host, delay=DELAY)) for host in HOSTS]
        urls = [server.route(f"/page{n}", (200, {}, b"ok")) for server in servers for n in range(PER_HOST)]
        stdin = "\n".join(urls) + "\n"
        command = [ppml, "links", "-", "--no-cache", "--concurrency", str(args.concurrency), "-o", "json"]

        startup = statistics.median(_timed([ppml, "--version"], "", env) for _ in range(5))
        walls = [_timed(command, stdin, env) for _ in range(args.rounds)]

    ideal = len(urls) * DELAY / args.concurrency
    wall = statistics.median(walls)
    print(f"{len(urls)} URLs on {len(HOSTS)} hosts, {DELAY * 1000:.0f} ms each, --concurrency {args.concurrency}\n")
    print("| measure | seconds |")
    print("| --- | ---: |")
    print(f"| ideal (URLs x delay / concurrency) | {ideal:.2f} |")
    print(f"| start-up (ppml --version) | {startup:.2f} |")
    print(f"| ppml links, median of {args.rounds} | {wall:.2f} |")
    print(f"| ratio to ideal + start-up | {wall / (ideal + startup):.2f} |")


def _timed(command: list[str], stdin: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, input=stdin, text=True, capture_output=True, env=env, check=False)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
