"""Shared helpers for the benchmarks: a temp sandbox, percentiles, a header line.

Every benchmark works in a fresh `tempfile` directory and points the cockpit at it
(`COCKPIT_DB`, `COCKPIT_CONFIG_DIR`), with `TZ=UTC`, so the user's own data and config
folders are never read or written. Not a test module: pytest never collects it.
"""

from __future__ import annotations

import cProfile
import io
import math
import os
import platform
import pstats
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cockpit.store import Store


def sandbox_env(root: Path) -> dict[str, str]:
    """The environment for the cockpit (in-process or a child): everything under `root`."""
    env = dict(os.environ)
    env.update(
        {
            "COCKPIT_DB": str(root / "cockpit.db"),
            "COCKPIT_CONFIG_DIR": str(root / "config"),
            "COCKPIT_USER": "bench",
            "TZ": "UTC",
        }
    )
    # Children use cached bytecode, as an installed cockpit does, but keep it under `root`
    # (PYTHONPYCACHEPREFIX) so nothing is written next to the sources.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(root / "pycache")
    env.pop("COCKPIT_DEBUG", None)
    return env


@contextmanager
def sandbox(parent: str | None = None, keep: bool = False) -> Iterator[Path]:
    """A temp directory, and this process's environment pointed at it while it lasts."""
    root = Path(tempfile.mkdtemp(prefix="cockpit-bench-", dir=parent))
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(sandbox_env(root))
    if hasattr(time, "tzset"):
        time.tzset()
    try:
        yield root
    finally:
        os.environ.clear()
        os.environ.update(saved)
        if hasattr(time, "tzset"):
            time.tzset()
        if keep:
            print(f"(kept {root})")
        else:
            import shutil

            shutil.rmtree(root, ignore_errors=True)


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (p99 of 2000 samples is the 1980th smallest)."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.3f} ms"


def header(title: str, where: Path | None = None) -> None:
    """What ran, on what: enough to tell two printed runs apart."""
    print(f"== {title}")
    print(
        f"   python {platform.python_version()} ({sys.executable}), "
        f"sqlite {sqlite3.sqlite_version}, {platform.system()} {platform.release()}, "
        f"{os.cpu_count()} cpu"
    )
    if hasattr(os, "getloadavg"):
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"   load average {load} (other work on the machine skews every figure)")
    if where is not None:
        print(f"   temp dir {where} (filesystem: {filesystem_of(where)})")


def filesystem_of(path: Path) -> str:
    """The mount (device and type) a path lives on, from /proc/mounts when there is one."""
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return "unknown"
    best = ("", "unknown", "")
    resolved = str(path.resolve())
    for line in mounts:
        parts = line.split()
        if len(parts) < 3:
            continue
        device, mount, fstype = parts[0], parts[1], parts[2]
        inside = resolved == mount or resolved.startswith(mount.rstrip("/") + "/")
        if inside and len(mount) >= len(best[0]):
            best = (mount, device, fstype)
    return f"{best[1]} on {best[0]} ({best[2]})"


def profile(fn: Callable[[], Any], top: int = 20, sort: str = "cumulative") -> str:
    """Run `fn` under cProfile and return the top rows as text."""
    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.strip_dirs().sort_stats(sort).print_stats(top)
    return out.getvalue()


WORDS = (
    "checkout",
    "errors",
    "rising",
    "after",
    "deploy",
    "rollback",
    "canary",
    "db",
    "replica",
    "lag",
    "p99",
    "latency",
    "cache",
    "miss",
    "storm",
    "pager",
    "fired",
    "customer",
    "tickets",
    "502",
    "upstream",
    "timeout",
    "config",
    "flag",
    "region",
    "eu-west",
    "failover",
    "queue",
    "depth",
    "retries",
    "saturated",
    "connection",
    "pool",
    "exhausted",
    "dns",
    "ttl",
    "cdn",
    "purge",
)


def note_text(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 18)))


def preload(store: Store, incident_id: str, count: int, rng: random.Random) -> None:
    """Fill the incident with `count` notes, 5000 to a transaction, before measuring."""
    start = store.clock.now() - timedelta(seconds=count)
    batch = []
    for i in range(count):
        when = start + timedelta(seconds=i)
        batch.append(
            store.new_event(
                incident_id,
                "entry.note",
                {"text": note_text(rng), "mentions": []},
                author="bench",
                occurred_at=when,
                recorded_at=when,
            )
        )
        if len(batch) == 5000:
            store.append(batch)
            batch = []
    store.append(batch)
