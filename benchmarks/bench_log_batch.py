"""`cockpit log REF -` of 2,000 mixed lines on a 50,000-event incident (target < 5 s).

A: the real console script (`cockpit`, next to `sys.executable`) reading 2,000 lines from
   standard input: notes, decisions, hypotheses, actions and follow-ups (some backdated
   with `@-Nm`) mixed with /commands that need the incident's state, several of them
   depending on earlier lines of the same batch (`? x` then `/confirm last`, a note then
   `/star last` or `/amend last ...`: only a fold that holds the batch's own lines finds
   them), and timer, severity, status, role, checklist, update, promise, snooze, context
   and mute commands.
B: the same call with 2,000 plain notes (the baseline: no line needs the incident folded).

The incident is built once through the real write path (`bench_fold.build`: each event
validated by `Store.new_event`, stored by `Store.append`) and copied afresh before every
run, so each run logs into the same 50,000 events. A and B alternate (A B A B ...), after
one warm-up of B; every run must exit 0 and log every line. Printed: each run's wall time,
min and median of A and B, the ratio and the target.

    .venv/bin/python benchmarks/bench_log_batch.py [--events 50000] [--lines 2000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

from _common import header, median, note_text, sandbox, sandbox_env
from bench_fold import build

from cockpit.clock import ManualClock, SystemClock
from cockpit.runbook import load_runbook
from cockpit.store import Store

TARGET_SECONDS = 5.0


def mixed_lines(count: int, items: list[str], rng: random.Random) -> list[str]:
    """`count` lines of the grammar, half of them /commands, from a fixed seed."""
    out: list[str] = []
    while len(out) < count:
        roll = rng.random()
        if roll < 0.30:
            out.append(note_text(rng))
        elif roll < 0.36:
            out.append(f"@-{rng.randint(1, 9)}m {note_text(rng)}")
        elif roll < 0.40:
            out.append(f"! {note_text(rng)}")
        elif roll < 0.44:
            out.append(f"> {note_text(rng)}")
        elif roll < 0.46:
            out.append(f"todo: {note_text(rng)}")
        elif roll < 0.52:
            out += [f"? {note_text(rng)}", rng.choice(("/confirm last", "/ruleout last"))]
        elif roll < 0.57:
            out += [note_text(rng), "/star last"]
        elif roll < 0.60:
            out += [note_text(rng), f"/amend last {note_text(rng)}"]
        elif roll < 0.63:
            out.append(f"/timer {rng.choice(('5m', '10m', '1h'))} {note_text(rng)}")
        elif roll < 0.68:
            out.append(f"/check {rng.choice(items)}")
        elif roll < 0.70:
            out.append(f"/uncheck {rng.choice(items)}")
        elif roll < 0.74:
            out.append(f"/sev {rng.choice(('1', '2', '3'))}")
        elif roll < 0.78:
            out.append(f"/status {rng.choice(('investigating', 'identified', 'monitoring'))}")
        elif roll < 0.82:
            out.append(f"/role {rng.choice(('ic', 'tl', 'comms'))} @{rng.choice('abcde')}x")
        elif roll < 0.86:
            out.append(f"/next {rng.choice(('15m', '20m', '30m'))}")
        elif roll < 0.88:
            out.append("/snooze 10m")
        elif roll < 0.91:
            out.append(f"/update {note_text(rng)}")
        elif roll < 0.94:
            out.append(f"/service {rng.choice(('api', 'checkout', 'payments'))}")
        elif roll < 0.96:
            out.append(rng.choice(("/mute", "/unmute")))
        else:
            out.append(f"/impact {note_text(rng)}")
    return out[:count]


def run_batch(script: Path, db: Path, ref: str, text: str, env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [str(script), "--db", str(db), "log", ref, "-", "--json"],
        input=text.encode(),
        env=env,
        capture_output=True,
        check=False,
    )
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"bench_log_batch: exit {proc.returncode}: {proc.stderr.decode()}")
    logged = json.loads(proc.stdout)
    wanted = len(text.splitlines())
    if len(logged) < wanted:
        raise SystemExit(f"bench_log_batch: {len(logged)} events for {wanted} lines")
    return wall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000, help="events in the incident")
    parser.add_argument("--lines", type=int, default=2_000, help="lines on standard input")
    parser.add_argument("--runs", type=int, default=3, help="counted runs of each (3)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args(argv)

    script = Path(sys.executable).parent / "cockpit"
    if not script.exists():
        raise SystemExit(f"bench_log_batch: no console script at {script}; install the project")

    with sandbox(keep=args.keep) as root:
        header("cockpit log REF - : a batch of lines on a big incident", root)
        env = sandbox_env(root)
        built = root / "built.db"
        runbook, _ = load_runbook()
        t0 = time.perf_counter()
        store = Store(built, ManualClock(SystemClock().now()))
        incident_id = build(store, runbook, [args.events])[args.events]
        from cockpit.incident import ref_for

        ref = ref_for(incident_id)
        store.close()
        print(f"   built an incident of {args.events} events in {time.perf_counter() - t0:.1f} s")

        rng = random.Random(20260304)
        items = [item.id for item in runbook.items]
        mixed = mixed_lines(args.lines, items, rng)
        plain = [note_text(rng) for _ in range(len(mixed))]
        commands = sum(line.startswith("/") for line in mixed)
        print(f"   A: {len(mixed)} mixed lines ({commands} /commands); B: {len(plain)} notes")
        texts = {"A mixed lines": "\n".join(mixed) + "\n", "B plain notes": "\n".join(plain) + "\n"}

        db = root / "run.db"
        walls: dict[str, list[float]] = {name: [] for name in texts}
        order = ["B plain notes"] + [name for _ in range(args.runs) for name in texts]
        for i, name in enumerate(order):
            for suffix in ("", "-wal", "-shm"):
                Path(str(db) + suffix).unlink(missing_ok=True)
            shutil.copyfile(built, db)
            wall = run_batch(script, db, ref, texts[name], env)
            if i == 0:
                print(f"   warm-up ({name}): {wall:.2f} s, not counted")
                continue
            walls[name].append(wall)
            print(f"   run {i}: {name:<14} {wall:7.2f} s")

        print(f"-- {args.runs} runs each, alternating")
        print(f"   {'':<16}{'min':>9}{'median':>9}")
        for name, values in walls.items():
            print(f"   {name:<16}{min(values):8.2f}s{median(values):8.2f}s")
        a, b = median(walls["A mixed lines"]), median(walls["B plain notes"])
        verdict = "within" if a < TARGET_SECONDS else "OVER"
        print(f"   ratio A/B of medians: {a / b:.2f}x")
        print(f"   A median {a:.2f} s vs target < {TARGET_SECONDS:.0f} s: {verdict} target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
