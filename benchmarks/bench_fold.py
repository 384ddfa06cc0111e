"""Open and fold an incident of 10k and of 100k events (targets 0.1 s and 0.5 s).

The target is what `Cockpit.incident()` does: `Store.recs(incident_id)` (light rows, no
validated model per row) then `incident.fold(recs, runbook)`, once. Next to it, in the same
run and alternating with it, two baselines on the same file: a plain sqlite3 connection
running `SELECT * FROM events WHERE incident_id = ?` (fetchall), and the same followed by
`json.loads` over the `data` column: about the least any load can cost.

How the events are made: through the real write path, not by writing rows by hand. Each
event is built and validated by `Store.new_event` (so every payload is one the store
accepts) and stored by `Store.append` in batches of 5000 per transaction (so the rows, the
FTS index and the `incidents` projection are exactly what the cockpit writes). The mix is a
long, busy incident: mostly notes, actions, decisions and hypotheses (some with @mentions),
then updates sent, stars, amendments (some moving the entry's time), retractions,
hypothesis outcomes, severity and status changes, role handoffs, checklist ticks, timers,
promises, context and milestones, with targets always earlier entries. A fixed seed makes
every run fold the same events. Both incidents live in one file, as they would.

The figures are broken down (load: SQL rows, json.loads, datetimes and `Rec`s; fold:
de-duplicate and sort, apply each event, finish) so one can see where to optimise.

    .venv/bin/python benchmarks/bench_fold.py [--sizes 10000,100000] [--repeat N] [--profile]
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import resource
import sqlite3
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from _common import WORDS, header, median, profile, sandbox

from cockpit.clock import ManualClock, SystemClock
from cockpit.events import Event
from cockpit.incident import Incident, fold
from cockpit.records import Rec
from cockpit.runbook import Runbook, load_runbook
from cockpit.service import Cockpit, gc_paused
from cockpit.store import Store

TARGETS = {10_000: 0.1, 100_000: 0.5}
BATCH = 5000

# (kind, weight): a long, busy incident.
MIX: list[tuple[str, float]] = [
    ("entry.note", 44),
    ("entry.action", 12),
    ("entry.decision", 8),
    ("entry.hypothesis", 7),
    ("entry.todo", 2),
    ("update.sent", 4),
    ("entry.starred", 4),
    ("entry.unstarred", 0.5),
    ("entry.amended", 3),
    ("entry.retracted", 2),
    ("hypothesis.resolved", 1.5),
    ("severity.set", 1),
    ("status.set", 1.5),
    ("role.assigned", 2),
    ("role.released", 0.5),
    ("checklist.checked", 2),
    ("checklist.unchecked", 0.5),
    ("timer.set", 1),
    ("timer.cancelled", 0.5),
    ("update.promised", 1),
    ("update.snoozed", 0.5),
    ("context.set", 0.8),
    ("milestone.set", 0.2),
    ("title.set", 0.1),
    ("impact.set", 0.1),
]
HANDLES = ("alice", "bob", "carol", "dave", "erin", "frank")
ROLES = ("ic", "tl", "comms", "scribe")
LEVELS = ("SEV-1", "SEV-2", "SEV-3", "SEV-4")
STATUSES = ("investigating", "identified", "monitoring", "mitigated")
SERVICES = ("api", "checkout", "payments", "search", "-search")
MILESTONES = ("started", "detected", "acknowledged")


class Maker:
    """Builds one incident's events (validated by `Store.new_event`), deterministically."""

    def __init__(self, store: Store, runbook: Runbook, rng: random.Random) -> None:
        self.store = store
        self.rng = rng
        self.items = [item.id for item in runbook.items]
        kinds, weights = zip(*MIX, strict=True)
        self.kinds: tuple[str, ...] = kinds
        self.weights: tuple[float, ...] = weights

    def text(self) -> tuple[str, list[str]]:
        rng = self.rng
        words = [rng.choice(WORDS) for _ in range(rng.randint(3, 24))]
        mentions = []
        if rng.random() < 0.15:
            handle = rng.choice(HANDLES)
            words.insert(rng.randrange(len(words)), "@" + handle)
            mentions.append(handle)
        return " ".join(words), mentions

    def data(self, kind: str, when: datetime, entries: list[str], hyps: list[str]) -> Any:
        rng = self.rng
        if kind.startswith("entry.") and kind not in (
            "entry.starred",
            "entry.unstarred",
            "entry.amended",
            "entry.retracted",
        ):
            text, mentions = self.text()
            return {"text": text, "mentions": mentions}
        if kind in ("entry.starred", "entry.unstarred", "entry.retracted"):
            return {"target": rng.choice(entries)} if entries else None
        if kind == "entry.amended":
            if not entries:
                return None
            out: dict[str, Any] = {"target": rng.choice(entries), "text": self.text()[0]}
            if rng.random() < 0.3:
                out["occurred_at"] = when - timedelta(minutes=rng.randint(1, 30))
            return out
        if kind == "hypothesis.resolved":
            if not hyps:
                return None
            outcome = rng.choice(("confirmed", "ruled_out"))
            return {"target": rng.choice(hyps), "outcome": outcome}
        if kind == "update.sent":
            out = {
                "audience": rng.choice(("internal", "internal", "customers")),
                "template": "quick",
                "text": self.text()[0],
            }
            if rng.random() < 0.4:
                out["next_update_at"] = when + timedelta(minutes=rng.choice((15, 20, 30)))
            return out
        simple: dict[str, Callable[[], Any]] = {
            "severity.set": lambda: {"level": rng.choice(LEVELS)},
            "status.set": lambda: {"status": rng.choice(STATUSES)},
            "role.assigned": lambda: {"role": rng.choice(ROLES), "handle": rng.choice(HANDLES)},
            "role.released": lambda: {"role": rng.choice(ROLES)},
            "checklist.checked": lambda: {"item": rng.choice(self.items)},
            "checklist.unchecked": lambda: {"item": rng.choice(self.items)},
            "timer.set": lambda: {
                "timer": f"t{rng.randint(1, 40)}",
                "until": when + timedelta(minutes=rng.randint(2, 30)),
                "text": self.text()[0],
            },
            "timer.cancelled": lambda: {"timer": f"t{rng.randint(1, 40)}"},
            "update.promised": lambda: {"at": when + timedelta(minutes=rng.randint(5, 30))},
            "update.snoozed": lambda: {"until": when + timedelta(minutes=rng.randint(5, 15))},
            "context.set": lambda: {"key": "services", "value": rng.choice(SERVICES)},
            "milestone.set": lambda: {
                "milestone": rng.choice(MILESTONES),
                "at": when - timedelta(minutes=rng.randint(0, 60)),
            },
            "title.set": lambda: {"title": self.text()[0]},
            "impact.set": lambda: {"impact": self.text()[0]},
        }
        return simple[kind]()

    def fill(self, incident_id: str, start: datetime, count: int) -> None:
        """Append `count` events after the declaration, spread over two days."""
        rng, store = self.rng, self.store
        step = timedelta(days=2) / count
        entries: list[str] = []
        hyps: list[str] = []
        kinds = rng.choices(self.kinds, self.weights, k=count * 2)
        batch: list[Event] = []
        made = 0
        for kind in kinds:
            if made >= count:
                break
            when = start + step * (made + 1)
            data = self.data(kind, when, entries, hyps)
            if data is None:
                continue
            lag = timedelta(seconds=rng.choice((0, 0, 0, 1, 2, 45, 300)))
            event = store.new_event(
                incident_id,
                kind,
                data,
                author=rng.choice(HANDLES),
                occurred_at=when,
                recorded_at=when + lag,
            )
            if kind in ("entry.note", "entry.action", "entry.decision", "entry.hypothesis"):
                entries.append(event.id)
                if kind == "entry.hypothesis":
                    hyps.append(event.id)
            batch.append(event)
            made += 1
            if len(batch) == BATCH:
                store.append(batch)
                batch = []
        store.append(batch)


def build(store: Store, runbook: Runbook, sizes: list[int]) -> dict[int, str]:
    """One incident per size (its declaration plus size - 1 events); their ids by size."""
    clock = store.clock
    assert isinstance(clock, ManualClock)
    cockpit = Cockpit(store, clock, author="alice", zone_name="Europe/Berlin")
    maker = Maker(store, runbook, random.Random(20260304))
    out = {}
    for size in sizes:
        start = clock.now() - timedelta(days=3)
        declared = cockpit.declare(f"Benchmark incident of {size} events", "SEV-1", at=start)
        maker.fill(declared.incident_id, start, size - 1)
        out[size] = declared.incident_id
    return out


class Timer:
    """Named durations collected over repetitions."""

    def __init__(self) -> None:
        self.spent: dict[str, list[float]] = {}

    def add(self, name: str, seconds: float) -> None:
        self.spent.setdefault(name, []).append(seconds)

    def row(self, name: str, note: str = "") -> str:
        values = self.spent[name]
        return f"   {name:<44}{min(values) * 1000:10.1f}{median(values) * 1000:10.1f} ms  {note}"


def fold_stages(recs: list[Rec], runbook: Runbook, timer: Timer) -> Incident | None:
    """The fold in its three stages, timed apart (uses incident.py's private _Folder)."""
    try:
        from cockpit.incident import _Folder, sort_key
    except ImportError:
        return None
    perf = time.perf_counter
    t0 = perf()
    unique: dict[str, Rec] = {}
    for rec in recs:
        unique[rec.id] = rec
    ordered = sorted(unique.values(), key=sort_key)
    t1 = perf()
    folder = _Folder(recs[0].incident_id, runbook)
    apply = folder.apply
    for rec in ordered:
        apply(rec)
    t2 = perf()
    inc = folder.finish()
    t3 = perf()
    timer.add("fold: de-duplicate and sort", t1 - t0)
    timer.add("fold: apply each event", t2 - t1)
    timer.add("fold: finish (modifiers, timeline, texts)", t3 - t2)
    return inc


def measure(path: Any, incident_id: str, size: int, repeat: int, runbook: Runbook) -> None:
    perf = time.perf_counter
    clock = ManualClock(SystemClock().now())
    plain = sqlite3.connect(path)
    timer = Timer()
    recs_sql = (
        "SELECT id, kind, occurred_us, recorded_us, author, origin, data FROM events "
        "WHERE incident_id = ? ORDER BY occurred_us, id"
    )
    shape: dict[str, int] = {}
    for i in range(repeat + 1):  # the first round warms the caches and is not counted
        counted = i > 0

        def baseline(counted: bool = counted) -> None:
            t0 = perf()
            rows = plain.execute(
                "SELECT * FROM events WHERE incident_id = ?", (incident_id,)
            ).fetchall()
            t1 = perf()
            loads = json.loads
            for row in rows:
                loads(row[10])
            t2 = perf()
            if counted:
                timer.add("base: SELECT * fetchall", t1 - t0)
                timer.add("base: json.loads(data)", t2 - t1)
                timer.add("base: SELECT * + json.loads", t2 - t0)

        def target(counted: bool = counted) -> None:
            t0 = perf()
            store = Store(path, clock)
            t1 = perf()
            with gc_paused():  # as Cockpit.incident() does
                recs = store.recs(incident_id)
                t2 = perf()
                incident = fold(recs, runbook, ordered=True)
                t3 = perf()
            if counted:
                timer.add("open: Store(path)", t1 - t0)
                timer.add("target: Store.recs (load)", t2 - t1)
                timer.add("target: fold", t3 - t2)
                timer.add("target: recs + fold", t3 - t1)
            shape["entries"], shape["items"] = incident.entry_count, len(incident.timeline)
            del incident
            # the load again, piece by piece, on the same connection; then the fold by stages
            gc.collect()
            t0 = perf()
            rows = store.conn.execute(recs_sql, (incident_id,)).fetchall()
            t1 = perf()
            loads = json.loads
            for row in rows:
                loads(row[6])
            t2 = perf()
            del rows
            if counted:
                timer.add("load: SQL rows (recs' own query)", t1 - t0)
                timer.add("load: json.loads(data)", t2 - t1)
                gc.collect()
                fold_stages(recs, runbook, timer)
            store.close()

        rounds: list[Callable[[], None]] = [baseline, target]
        if i % 2:
            rounds.reverse()
        for run in rounds:
            gc.collect()
            run()

    goal = TARGETS.get(size)
    print(
        f"-- incident of {size} events ({shape['entries']} visible entries, "
        f"{shape['items']} timeline items); {repeat} rounds, alternating"
    )
    print(f"   {'':<44}{'min':>10}{'median':>10}")
    print(timer.row("base: SELECT * fetchall"))
    print(timer.row("base: json.loads(data)"))
    print(timer.row("base: SELECT * + json.loads", "<- baseline"))
    total = timer.spent["target: recs + fold"]
    note = f"<- target {goal:.1f} s" if goal else "<- target"
    print(timer.row("target: recs + fold", note + " (what Cockpit.incident() does)"))
    print(timer.row("target: Store.recs (load)"))
    print(timer.row("target: fold"))
    print(timer.row("open: Store(path)", "(apart: once per process)"))
    print("   breakdown of the load:")
    load = median(timer.spent["target: Store.recs (load)"])
    sql = median(timer.spent["load: SQL rows (recs' own query)"])
    decode = median(timer.spent["load: json.loads(data)"])
    print(timer.row("load: SQL rows (recs' own query)", f"{sql / load:4.0%}"))
    print(timer.row("load: json.loads(data)", f"{decode / load:4.0%}"))
    rest = load - sql - decode
    print(
        f"   {'load: the rest (from_us x2, Rec(...))':<44}{'':>10}{rest * 1000:10.1f} ms  "
        f"{rest / load:4.0%}"
    )
    if "fold: apply each event" in timer.spent:
        print("   breakdown of the fold:")
        whole = median(timer.spent["target: fold"])
        for name in (
            "fold: de-duplicate and sort",
            "fold: apply each event",
            "fold: finish (modifiers, timeline, texts)",
        ):
            print(timer.row(name, f"{median(timer.spent[name]) / whole:4.0%}"))
    base = median(timer.spent["base: SELECT * + json.loads"])
    print(
        f"   ratio target / baseline (medians): {median(total) / base:.2f}x; "
        f"target {median(total):.3f} s"
        + (
            f" vs {goal:.1f} s: {'within' if median(total) <= goal else 'OVER'} target"
            if goal
            else ""
        )
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"   peak RSS of this process so far: {peak:.0f} MiB")
    plain.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="events per incident")
    parser.add_argument("--repeat", type=int, help="rounds per size (default: 7 for 10k, 3 above)")
    parser.add_argument("--dir", help="make the temp dir under this folder")
    parser.add_argument("--profile", action="store_true", help="cProfile recs + fold per size")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())

    with sandbox(args.dir, keep=args.keep) as root:
        header("open and fold: Store.recs + incident.fold", root)
        runbook, _ = load_runbook()
        path = root / "cockpit.db"
        clock = ManualClock(SystemClock().now())
        store = Store(path, clock)
        t0 = time.perf_counter()
        ids = build(store, runbook, sizes)
        took = time.perf_counter() - t0
        print(
            f"   made {sum(sizes)} events (Store.new_event + Store.append, {BATCH} a "
            f"transaction) in {took:.1f} s; not measured"
        )
        store.close()
        t0 = time.perf_counter()
        load_runbook()
        took = (time.perf_counter() - t0) * 1000
        print(f"   load_runbook() (once per process, apart): {took:.1f} ms")
        for size in sizes:
            repeat = args.repeat or (7 if size <= 20_000 else 3)
            measure(path, ids[size], size, repeat, runbook)
        if args.profile:
            for size in sizes:
                store = Store(path, clock)

                def once(store: Store = store, incident_id: str = ids[size]) -> None:
                    fold(store.recs(incident_id), runbook)

                print(f"\ncProfile of Store.recs + fold, {size} events, by tottime:")
                print(profile(once, top=25, sort="tottime"))
                store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
