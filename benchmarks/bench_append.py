"""Append latency: one event per transaction, WAL + synchronous=FULL (target p99 < 10 ms).

Measures the real `Store.append([event])` (BEGIN IMMEDIATE, INSERT with its FTS trigger,
the `incidents` projection, COMMIT with an fsync) next to a baseline in the same run and on
the same disk: a bare sqlite3 connection doing BEGIN IMMEDIATE, INSERT of a similar row (the
same columns and values, no indexes, no trigger, no projection), COMMIT, also in WAL with
synchronous=FULL. The two alternate, one sample each per round, so disk noise hits both.
Building and validating the event (`Store.new_event`) is timed apart: it is not in the
target, which is about the commit.

    .venv/bin/python benchmarks/bench_append.py [--count 2000] [--grow 10000] [--profile]

After the main run (a fresh incident), `--grow` fills the same incident up to each given
size (in big transactions, through `Store.append`) and measures `--grow-count` appends
there, to show how the latency grows with the size of the incident appended to.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path

from _common import header, median, ms, note_text, percentile, preload, profile, sandbox

from cockpit.clock import SystemClock
from cockpit.events import Event
from cockpit.records import dumps
from cockpit.service import Cockpit
from cockpit.store import Store
from cockpit.timefmt import format_ts, to_us

TARGET_P99 = 0.010

RAW_SCHEMA = (
    "CREATE TABLE raw_events (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, "
    "incident_id TEXT NOT NULL, kind TEXT NOT NULL, occurred_at TEXT NOT NULL, "
    "recorded_at TEXT NOT NULL, occurred_us INTEGER NOT NULL, recorded_us INTEGER NOT NULL, "
    "author TEXT NOT NULL, origin TEXT NOT NULL, data TEXT NOT NULL, text TEXT)"
)
RAW_INSERT = (
    "INSERT INTO raw_events (id, incident_id, kind, occurred_at, recorded_at, occurred_us, "
    "recorded_us, author, origin, data, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def raw_connection(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL").fetchone()
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute(RAW_SCHEMA)
    return conn


def summary_row(label: str, samples: list[float]) -> str:
    return (
        f"{label:<26}{ms(percentile(samples, 50))}{ms(percentile(samples, 90))}"
        f"{ms(percentile(samples, 99))}{ms(max(samples))}{ms(sum(samples) / len(samples))}"
    )


class TimedConnection:
    """Wraps the store's connection and adds up the time spent in each SQL statement."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self.spent: dict[str, list[float]] = defaultdict(list)

    def execute(self, sql: str, params: Sequence[object] = ()) -> sqlite3.Cursor:
        t0 = time.perf_counter()
        cursor = self._conn.execute(sql, params)
        rows = cursor.fetchall()  # SELECTs do their work while being stepped
        self.spent[" ".join(sql.split())[:90]].append(time.perf_counter() - t0)
        return _Replay(rows, cursor.rowcount)  # type: ignore[return-value]

    def __getattr__(self, name: str) -> object:
        return getattr(self._conn, name)


class _Replay:
    def __init__(self, rows: list[object], rowcount: int) -> None:
        self._rows, self.rowcount = rows, rowcount

    def fetchone(self) -> object:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[object]:
        return self._rows

    def __iter__(self) -> Iterator[object]:
        return iter(self._rows)


def measure(
    store: Store,
    raw: sqlite3.Connection,
    incident_id: str,
    count: int,
    warmup: int,
    rng: random.Random,
) -> None:
    """`count` appends through the Store and as many raw commits, alternating."""
    built: list[float] = []
    target: list[float] = []
    baseline: list[float] = []
    perf = time.perf_counter
    for i in range(warmup + count):
        text = note_text(rng)
        t0 = perf()
        event = store.new_event(
            incident_id, "entry.note", {"text": text, "mentions": []}, author="bench"
        )
        t1 = perf()
        row = (
            event.id,
            event.incident_id,
            event.kind,
            format_ts(event.occurred_at),
            format_ts(event.recorded_at),
            to_us(event.occurred_at),
            to_us(event.recorded_at),
            event.author,
            event.origin,
            dumps({"text": text, "mentions": []}),
            text,
        )

        def run_target(event: Event = event) -> float:
            t0 = perf()
            store.append([event])
            return perf() - t0

        def run_baseline(row: tuple[object, ...] = row) -> float:
            t0 = perf()
            raw.execute("BEGIN IMMEDIATE")
            raw.execute(RAW_INSERT, row)
            raw.execute("COMMIT")
            return perf() - t0

        if i % 2 == 0:
            a, b = run_target(), run_baseline()
        else:
            b, a = run_baseline(), run_target()
        if i >= warmup:
            built.append(t1 - t0)
            target.append(a)
            baseline.append(b)

    size = store.count_events()
    print(
        f"-- {count} appends each (after {warmup} warm-up), alternating; "
        f"the incident holds {size - count - warmup} events at the start"
    )
    print(f"{'':<26}{'p50':>11}{'p90':>11}{'p99':>11}{'max':>11}{'mean':>11}")
    print(summary_row("Store.append (target)", target))
    print(summary_row("raw INSERT+COMMIT (base)", baseline))
    print(summary_row("Store.new_event (apart)", built))
    p50_ratio = percentile(target, 50) / percentile(baseline, 50)
    p99_ratio = percentile(target, 99) / percentile(baseline, 99)
    overhead = median([a - b for a, b in zip(target, baseline, strict=True)])
    print(
        f"ratio Store/raw: p50 {p50_ratio:.2f}x, p99 {p99_ratio:.2f}x; "
        f"median pairwise overhead {ms(overhead).strip()}"
    )
    p99 = percentile(target, 99)
    verdict = "within" if p99 < TARGET_P99 else "OVER"
    print(
        f"target Store.append p99 < {TARGET_P99 * 1000:.0f} ms: measured {ms(p99).strip()} "
        f"({verdict} target)"
    )


def profile_appends(store: Store, incident_id: str, rng: random.Random) -> None:
    def appends() -> None:
        for _ in range(200):
            store.append(
                [
                    store.new_event(
                        incident_id,
                        "entry.note",
                        {"text": note_text(rng), "mentions": []},
                        author="bench",
                    )
                ]
            )

    print("\ncProfile of 200 more Store.append calls (with new_event), by tottime:")
    print(profile(appends, top=15, sort="tottime"))
    timed = TimedConnection(store.conn)
    store.conn = timed  # type: ignore[assignment]
    try:
        appends()
    finally:
        store.conn = timed._conn
    print("time per SQL statement inside those appends (200 more), median and total:")
    rows = sorted(timed.spent.items(), key=lambda kv: -sum(kv[1]))
    for sql, spent in rows[:12]:
        print(f"{ms(median(spent))} {sum(spent):7.3f} s  x{len(spent):<4} {sql}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="appends measured (2000)")
    parser.add_argument("--warmup", type=int, default=50, help="appends not counted (50)")
    parser.add_argument(
        "--grow",
        default="10000",
        help="then fill the incident up to these sizes (comma-separated, e.g. 10000,100000; "
        "0 for none) and measure --grow-count appends at each (default 10000)",
    )
    parser.add_argument("--grow-count", type=int, default=300, help="appends per size (300)")
    parser.add_argument("--dir", help="make the temp dir under this folder (another disk)")
    parser.add_argument("--profile", action="store_true", help="cProfile and time the SQL")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.grow.split(",") if s.strip() and int(s) > 0]
    rng = random.Random(1234)

    with sandbox(args.dir, keep=args.keep) as root:
        header("append: one event per transaction, WAL + synchronous=FULL", root)
        clock = SystemClock()
        store = Store(root / "cockpit.db", clock)
        cockpit = Cockpit(store, clock, author="bench", zone_name="UTC")
        incident_id = cockpit.declare("append benchmark").incident_id
        raw = raw_connection(root / "raw.db")
        measure(store, raw, incident_id, args.count, args.warmup, rng)
        for size in sizes:
            missing = size - store.count_events()
            if missing > 0:
                t0 = time.perf_counter()
                preload(store, incident_id, missing, rng)
                took = time.perf_counter() - t0
                print(f"\n   (filled the incident with {missing} more events in {took:.1f} s)")
            measure(store, raw, incident_id, args.grow_count, 20, rng)
        if args.profile:
            profile_appends(store, incident_id, rng)
        raw.close()
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
