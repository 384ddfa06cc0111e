"""Run every benchmark, one after the other, each in its own process.

    .venv/bin/python benchmarks/run_all.py            # the defaults (about 6 minutes)
    .venv/bin/python benchmarks/run_all.py --quick    # smaller counts, a smoke run

Prints each benchmark's figures as it goes; never fails on a figure (exit status is
non-zero only when a benchmark itself could not run).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUICK = {
    "bench_append.py": ["--count", "300", "--grow", "0"],
    "bench_fold.py": ["--sizes", "10000", "--repeat", "3"],
    "bench_cli.py": ["--runs", "5", "--importtime-runs", "2"],
    "bench_tui.py": ["--items", "10000", "--keys", "40", "--idle", "5", "--paint-runs", "3"],
    "bench_log_batch.py": ["--events", "10000", "--lines", "500", "--runs", "1"],
}
FULL: dict[str, list[str]] = {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller counts (a smoke run)")
    args = parser.parse_args(argv)
    failed = []
    for name in (
        "bench_append.py",
        "bench_fold.py",
        "bench_cli.py",
        "bench_log_batch.py",
        "bench_tui.py",
    ):
        extra = QUICK[name] if args.quick else FULL.get(name, [])
        t0 = time.perf_counter()
        code = subprocess.call([sys.executable, str(HERE / name), *extra])
        print(f"(benchmarks/{name} took {time.perf_counter() - t0:.0f} s)\n", flush=True)
        if code != 0:
            failed.append(name)
    if failed:
        print(f"could not run: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
