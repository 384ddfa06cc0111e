"""`cockpit log` wall time next to importing its two big dependencies (target <= 1.3x).

A: the real console script (`cockpit`, next to `sys.executable`) logging one note on a temp
   database: `cockpit --db TMP/cockpit.db log REF "some note"`.
B: `python -c "from pydantic import BaseModel; import sqlite_utils"`: the floor any
   pydantic + sqlite-utils CLI pays.
C: `python -c pass`, for context only: the interpreter's own start.

They run in turn, A B C A B C ..., after two warm-up rounds (which also fill the bytecode
cache: children get PYTHONPYCACHEPREFIX under the temp dir, so they run from cached
bytecode like an installed cockpit, and nothing is written next to the sources). Each run
is timed from outside (wall) and by the kernel (user + sys CPU of the child). Printed: min
and median of each, the ratio of the medians A/B (the target) and the median of the
pairwise ratios. Then `python -X importtime` of one `cockpit log`: the 15 imports with the
largest cumulative time, the time by top-level package next to B's, and the modules B does
not import, so one can see what is slow to import. `--profile` adds a cProfile of one
`cockpit log` run (in a child, by cumulative time); `--size N` first fills the incident with
N notes, to show how `cockpit log` grows with the incident it logs to.

    .venv/bin/python benchmarks/bench_cli.py [--runs 15] [--profile]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from _common import header, median, sandbox, sandbox_env

BASELINE_CODE = "from pydantic import BaseModel; import sqlite_utils"
TARGET_RATIO = 1.3


def run_timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, child CPU seconds (user + sys) and stderr of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise SystemExit(
            f"bench_cli: {' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr.strip()}"
        )
    return wall, cpu, proc.stderr


def parse_importtime(stderr: str) -> dict[str, tuple[int, int]]:
    """{module: (self us, cumulative us)} from the lines of -X importtime."""
    out: dict[str, tuple[int, int]] = {}
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "[us]" in line:
            continue
        fields = line.removeprefix("import time:").split("|")
        if len(fields) != 3:
            continue
        name = fields[2].strip()
        self_us, cum_us = int(fields[0]), int(fields[1])
        if name in out:  # the same name twice (a failed import tried again): add up
            self_us, cum_us = out[name][0] + self_us, max(out[name][1], cum_us)
        out[name] = (self_us, cum_us)
    return out


def importtime(cmd: list[str], env: dict[str, str], runs: int) -> dict[str, tuple[int, int]]:
    """-X importtime over several runs, each module's best (smallest) figures: less noise."""
    best: dict[str, tuple[int, int]] = {}
    for _ in range(runs):
        for name, (self_us, cum_us) in parse_importtime(run_timed(cmd, env)[2]).items():
            old = best.get(name)
            best[name] = (
                (self_us, cum_us)
                if old is None
                else (
                    min(old[0], self_us),
                    min(old[1], cum_us),
                )
            )
    return best


def by_package(rows: dict[str, tuple[int, int]]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for name, (self_us, _) in rows.items():
        top = name.split(".")[0]
        totals[top] = totals.get(top, 0) + self_us
    return totals


def fill(db: Path, incident_id: str, count: int) -> None:
    """Put `count` notes in the incident (in-process, through Store.append)."""
    import random

    from _common import preload

    from cockpit.clock import SystemClock
    from cockpit.store import Store

    t0 = time.perf_counter()
    with Store(db, SystemClock()) as store:
        preload(store, incident_id, count, random.Random(7))
    print(f"   filled the incident with {count} notes first ({time.perf_counter() - t0:.1f} s)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="counted runs of each (15)")
    parser.add_argument("--warmup", type=int, default=2, help="rounds not counted (2)")
    parser.add_argument("--importtime-runs", type=int, default=5, help="-X importtime runs (5)")
    parser.add_argument("--profile", action="store_true", help="cProfile one cockpit log")
    parser.add_argument(
        "--size",
        type=int,
        default=0,
        help="first fill the incident with this many notes (default 0: a fresh incident)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args(argv)

    bindir = Path(sys.executable).parent
    script = bindir / "cockpit"
    if not script.exists():
        raise SystemExit(f"bench_cli: no console script at {script}; install the project first")

    with sandbox(keep=args.keep) as root:
        header("cockpit log: wall time of the console script", root)
        env = sandbox_env(root)
        db = str(root / "cockpit.db")
        declare = [str(script), "--db", db, "declare", "CLI benchmark", "--json"]
        proc = subprocess.run(declare, env=env, capture_output=True, text=True, check=True)
        declared = json.loads(proc.stdout)
        ref = declared["ref"]
        if args.size:
            fill(Path(db), declared["id"], args.size)
        commands = {
            "A cockpit log": [str(script), "--db", db, "log", ref, "some note"],
            "B pydantic+sqlite_utils": [sys.executable, "-c", BASELINE_CODE],
            "C python -c pass": [sys.executable, "-c", "pass"],
        }
        print(f"   A = {' '.join(commands['A cockpit log'][1:])}  (script {script})")
        print(f"   B = python -c {BASELINE_CODE!r}")
        print("   C = python -c pass  (context)")
        wall: dict[str, list[float]] = {name: [] for name in commands}
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        for i in range(args.warmup + args.runs):
            for name, cmd in commands.items():
                w, c, _ = run_timed(cmd, env)
                if i >= args.warmup:
                    wall[name].append(w)
                    cpu[name].append(c)

        print(f"-- {args.runs} runs each after {args.warmup} warm-up rounds, A B C A B C ...")
        print(f"   {'':<26}{'wall min':>10}{'median':>10}{'max':>10}{'cpu median':>12}")
        for name in commands:
            print(
                f"   {name:<26}{min(wall[name]) * 1000:8.0f}ms{median(wall[name]) * 1000:8.0f}ms"
                f"{max(wall[name]) * 1000:8.0f}ms{median(cpu[name]) * 1000:10.0f}ms"
            )
        a, b, c = (wall[n] for n in commands)
        ratio = median(a) / median(b)
        pairwise = median([x / y for x, y in zip(a, b, strict=True)])
        cpu_ratio = median(cpu["A cockpit log"]) / median(cpu["B pydantic+sqlite_utils"])
        above = (median(a) - median(c)) / max(median(b) - median(c), 1e-9)
        print(
            f"   ratio A/B of medians (the target, <= {TARGET_RATIO}x): {ratio:.2f}x "
            f"({'within' if ratio <= TARGET_RATIO else 'OVER'} target)"
        )
        print(f"   median of pairwise A/B ratios: {pairwise:.2f}x; CPU ratio: {cpu_ratio:.2f}x")
        print(f"   above the interpreter's start (A-C)/(B-C): {above:.2f}x")
        budget = TARGET_RATIO * median(b)
        print(
            f"   A would need <= {budget * 1000:.0f} ms wall; it is "
            f"{(median(a) - budget) * 1000:+.0f} ms from that"
        )

        n = args.importtime_runs
        print(f"\n-- python -X importtime, `cockpit log` (best of {n} runs per module)")
        a_cmd = [sys.executable, "-X", "importtime", *commands["A cockpit log"]]
        b_cmd = [sys.executable, "-X", "importtime", "-c", BASELINE_CODE]
        a_rows = importtime(a_cmd, env, n)
        b_rows = importtime(b_cmd, env, n)
        a_total = sum(r[0] for r in a_rows.values())
        b_total = sum(r[0] for r in b_rows.values())
        print(
            f"   all imports (sum of self): A {a_total / 1000:.0f} ms ({len(a_rows)} modules), "
            f"B {b_total / 1000:.0f} ms ({len(b_rows)} modules)"
        )
        print("   top 15 by cumulative time (A):")
        print(f"   {'cumulative':>10} {'self':>8}  module")
        for name, (self_us, cum_us) in sorted(a_rows.items(), key=lambda r: -r[1][1])[:15]:
            print(f"   {cum_us / 1000:8.1f}ms {self_us / 1000:6.1f}ms  {name}")
        a_pkg, b_pkg = by_package(a_rows), by_package(b_rows)
        print("   self time by top-level package, A vs B (top 12 of A):")
        for pkg, us in sorted(a_pkg.items(), key=lambda kv: -kv[1])[:12]:
            print(f"   {pkg:<24}{us / 1000:7.1f}ms {b_pkg.get(pkg, 0) / 1000:7.1f}ms")
        extra = {k: v for k, v in a_rows.items() if k not in b_rows}
        extra_total = sum(v[0] for v in extra.values())
        print(
            f"   imported by A but not by B: {len(extra)} modules, {extra_total / 1000:.1f} ms "
            "self time; the largest (self):"
        )
        for name, (self_us, _) in sorted(extra.items(), key=lambda r: -r[1][0])[:12]:
            print(f"   {self_us / 1000:8.1f}ms  {name}")

        if args.profile:
            out = root / "log.prof"
            cmd = [
                sys.executable,
                "-m",
                "cProfile",
                "-o",
                str(out),
                str(script),
                *commands["A cockpit log"][1:],
            ]
            run_timed(cmd, env)
            import pstats

            print("\n-- cProfile of one `cockpit log` (in a child), by cumulative time:")
            stats = pstats.Stats(str(out), stream=sys.stdout)
            stats.strip_dirs().sort_stats("cumulative").print_stats(35)
    return 0


if __name__ == "__main__":
    sys.exit(main())
