"""`cockpit doctor`: is the file whole, and do the derived tables agree with the log?

Four checks, each a finding with what is wrong and what to do:

- pages: `PRAGMA quick_check` (then `integrity_check`, which also compares each index with
  its table). Damaged pages are named by the table they belong to, and whether every
  event still reads whole is said: damage is never repaired in place; `salvage` copies
  every readable event into a new file instead.
- projection: the `incidents` table against the events (recomputed and compared).
- search index: FTS5's own 'integrity-check' of `events_fts` against the entries.
- append-only guard: the triggers that refuse edits, present and unchanged.

The projection, the search index, the indexes and the guard are derived from the log or
the schema: `repair` rebuilds them. `quick_check` is the TUI's look at start-up.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from cockpit import projection
from cockpit.clock import Clock
from cockpit.dbfile import StoreError, connect
from cockpit.migrations import GUARDS
from cockpit.store import Store

State = Literal["ok", "problem", "unchecked"]

EVENT_COLUMNS = (
    "seq, id, incident_id, kind, occurred_at, recorded_at, occurred_us, recorded_us, "
    "author, origin, data, text"
)
# Which part of the file a table holds, in words.
PARTS = {
    "events": "the event log",
    "incidents": "the incidents projection",
    "settings": "the settings",
    "migrations": "the schema history",
}


@dataclass(frozen=True)
class Finding:
    check: str
    state: State
    detail: str
    fix: str = ""
    repair: str = ""  # what `repair` does about it, when it can

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "state": self.state,
            "detail": self.detail,
            "fix": self.fix,
            "repairable": bool(self.repair),
        }


@dataclass(frozen=True)
class Report:
    path: Path
    findings: list[Finding]
    events: int | None = None
    incidents: int | None = None
    repaired: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return all(f.state != "problem" for f in self.findings)

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.state == "problem"]

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "healthy": self.healthy,
            "events": self.events,
            "incidents": self.incidents,
            "checks": [f.to_json() for f in self.findings],
            "repaired": self.repaired,
        }

    def lines(self) -> list[str]:
        size = ""
        if self.events is not None and self.incidents is not None:
            size = f" ({_count(self.events, 'event')}, {_count(self.incidents, 'incident')})"
        if self.healthy:
            head = f"{self.path}: healthy{size}"
        else:
            count = len(self.problems)
            head = f"{self.path}: {count} problem{'s' if count > 1 else ''} found{size}"
        out = [f"repaired: {what}" for what in self.repaired]
        out.append(head)
        for finding in self.findings:
            out.append(f"  {finding.check}: {finding.state}: {finding.detail}")
            if finding.fix:
                out.append(f"    what to do: {finding.fix}")
        return out


def _count(number: int, word: str) -> str:
    return f"{number} {word}" if number == 1 else f"{number} {word}s"


# examining ------------------------------------------------------------------------------
def _rows(conn: sqlite3.Connection, sql: str) -> list[str]:
    """A check pragma's lines; an error part-way (SQLite reports, then trips over the
    damage) is the last line."""
    lines: list[str] = []
    try:
        for (text,) in conn.execute(sql):
            lines.extend(str(text).splitlines())
    except sqlite3.DatabaseError as exc:
        lines.append(str(exc))
    return lines


def _summary(lines: list[str], most: int = 3) -> str:
    shown = [line for line in lines if not line.startswith("*** ")][:most]
    more = len(lines) - len(shown) - sum(line.startswith("*** ") for line in lines)
    return "; ".join(shown) + (f" (and {more} more)" if more > 0 else "")


def salvage_advice(path: Path) -> str:
    return (
        f"copy what is readable into a new file: `cockpit --db {path} doctor --salvage "
        "NEW.db`, check it with `cockpit --db NEW.db doctor` and use it instead (or restore "
        "a backup); `cockpit events REF --jsonl` exports one incident's readable events"
    )


def _part(table: str) -> str:
    if table.startswith("events_fts"):
        return "the search index"
    return PARTS.get(table, f"the {table} table")


def _events_read_whole(conn: sqlite3.Connection) -> int | None:
    """How many events there are, if every one of them reads whole (without an index)."""
    try:
        row = conn.execute(
            "SELECT count(*), sum(length(id) + length(incident_id) + length(kind) + "
            "length(occurred_at) + length(recorded_at) + length(author) + length(origin) + "
            "length(data) + coalesce(length(text), 0)) FROM events NOT INDEXED"
        ).fetchone()
    except sqlite3.DatabaseError:
        return None
    return int(row[0])


def check_pages(store: Store) -> Finding:
    conn = store.conn
    quick = _rows(conn, "PRAGMA quick_check")
    if quick == ["ok"]:
        full = _rows(conn, "PRAGMA integrity_check")
        if full == ["ok"]:
            return Finding("pages", "ok", "every page reads, and every index agrees with its table")
        return Finding(
            "pages",
            "problem",
            f"an index disagrees with its table: {_summary(full)}",
            "`cockpit doctor --repair` rebuilds the indexes (REINDEX)",
            repair="the indexes rebuilt",
        )
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND rootpage > 0 ORDER BY rootpage"
        )
    ]
    damaged = [t for t in tables if _rows(conn, f'PRAGMA quick_check("{t}")') != ["ok"]]
    parts = sorted({_part(t) for t in damaged}) or ["a part of the file no table owns"]
    detail = f"damaged pages in {', '.join(parts)}: {_summary(quick)}"
    if "events" in damaged:
        whole = _events_read_whole(conn)
        if whole is None:
            detail += "; some events cannot be read"
        else:
            detail += f"; all {whole} events still read whole (the damage is in its indexes)"
    elif damaged:
        detail += "; every event still reads whole"
    return Finding("pages", "problem", detail, salvage_advice(store.path))


def check_projection(store: Store) -> Finding:
    stored = store.stored_projection()
    wanted = store.recomputed_projection()
    names = [c.strip() for c in projection.COLUMNS.split(",")]
    wrong: list[str] = []
    for incident_id in sorted(set(stored) | set(wanted)):
        have, want = stored.get(incident_id), wanted.get(incident_id)
        ref = (want or have or ("", "?"))[1]
        if have is None:
            wrong.append(f"{ref} missing")
        elif want is None:
            wrong.append(f"{ref} has no events")
        elif have != want:
            fields = [n for n, a, b in zip(names, have, want, strict=True) if a != b]
            wrong.append(f"{ref} ({', '.join(fields)})")
    if not wrong:
        agree = "agrees with its events" if len(wanted) == 1 else "agree with their events"
        return Finding("projection", "ok", f"{_count(len(wanted), 'incident')} {agree}")
    shown = "; ".join(wrong[:5]) + (f"; and {len(wrong) - 5} more" if len(wrong) > 5 else "")
    return Finding(
        "projection",
        "problem",
        f"{len(wrong)} of {len(set(stored) | set(wanted))} incidents differ from their "
        f"events: {shown}",
        "`cockpit doctor --repair` rebuilds the incidents table from the events",
        repair="the incidents table rebuilt from the events",
    )


def check_search_index(store: Store) -> Finding:
    if store.readonly:
        return Finding(
            "search index",
            "unchecked",
            "not checked: SQLite checks the index only through a connection that may write",
        )
    try:
        with store.transaction() as conn:
            conn.execute("INSERT INTO events_fts (events_fts, rank) VALUES ('integrity-check', 1)")
    except StoreError as exc:
        if "damaged" not in str(exc):
            raise
        return Finding(
            "search index",
            "problem",
            "out of step with the entries (an entry's words are missing or stale)",
            "`cockpit doctor --repair` rebuilds it from the entries",
            repair="the search index rebuilt from the entries",
        )
    return Finding("search index", "ok", "agrees with the entries")


def check_guard(store: Store) -> Finding:
    version = int(store.conn.execute("PRAGMA user_version").fetchone()[0])
    expected = dict(GUARDS) if version >= 2 else {k: GUARDS[k] for k in list(GUARDS)[:2]}
    found = dict(
        store.conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
    )
    missing = [name for name in expected if name not in found]
    changed = [name for name in expected if name in found and found[name] != expected[name]]
    if not missing and not changed:
        return Finding("append-only guard", "ok", "events cannot be edited, deleted or replaced")
    said = [f"{name} missing" for name in missing] + [f"{name} changed" for name in changed]
    return Finding(
        "append-only guard",
        "problem",
        f"the triggers that keep the log append-only were altered: {', '.join(said)}",
        "`cockpit doctor --repair` restores them",
        repair="the append-only guard restored",
    )


def _guarded(check: str, run: Any, store: Store) -> Finding:
    try:
        finding: Finding = run(store)
    except (StoreError, sqlite3.Error) as exc:
        cause = "damaged pages are in the way" if "damaged" in str(exc) else str(exc)
        return Finding(check, "problem", f"could not be checked: {cause}")
    return finding


def examine(store: Store) -> Report:
    """Every check; nothing is changed."""
    pages = _guarded("pages", check_pages, store)
    findings = [
        pages,
        _guarded("projection", check_projection, store),
        _guarded("search index", check_search_index, store),
        _guarded("append-only guard", check_guard, store),
    ]
    if pages.state == "problem" and not pages.repair:
        # Nothing is rebuilt inside a damaged file: the salvaged copy gets all of it anew.
        findings = [pages] + [
            replace(f, fix="the salvaged copy (see pages) is made whole", repair="")
            if f.state == "problem"
            else f
            for f in findings[1:]
        ]
    events = _events_read_whole(store.conn)
    try:
        incidents: int | None = int(
            store.conn.execute("SELECT count(*) FROM incidents").fetchone()[0]
        )
    except sqlite3.Error:
        incidents = None
    return Report(store.path, findings, events, incidents)


# repairing ------------------------------------------------------------------------------
def repair(store: Store) -> Report:
    """Rebuild what is derived and found wrong, in one transaction; then examine again.
    Damaged pages are left alone: writing into a damaged file can lose more."""
    before = examine(store)
    pages = next(f for f in before.findings if f.check == "pages")
    if pages.state == "problem" and not pages.repair:
        return before
    todo = [f for f in before.problems if f.repair]
    if not todo:
        return before
    with store.transaction() as conn:
        for finding in todo:
            if finding.check == "pages":
                conn.execute("REINDEX")
            elif finding.check == "projection":
                projection.rebuild(conn)
            elif finding.check == "search index":
                conn.execute("INSERT INTO events_fts (events_fts) VALUES ('rebuild')")
            elif finding.check == "append-only guard":
                for name, sql in GUARDS.items():
                    conn.execute(f"DROP TRIGGER IF EXISTS {name}")
                    conn.execute(sql)
    after = examine(store)
    return Report(
        after.path, after.findings, after.events, after.incidents, [f.repair for f in todo]
    )


# the TUI's look at start-up -----------------------------------------------------------------
def quick_check(path: Path) -> str | None:
    """`PRAGMA quick_check` through a connection of its own (a thread may run it while the
    screen reads): None when every page reads, else what is wrong, in a few words."""
    try:
        conn = connect(path, "ro", 5.0)
    except sqlite3.Error as exc:
        return str(exc)
    try:
        lines = _rows(conn, "PRAGMA quick_check")
    finally:
        conn.close()
    return None if lines == ["ok"] else _summary(lines, most=1)


# salvaging ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Salvage:
    target: Path
    copied: int
    lost: list[tuple[int, int]]  # ranges of seq that could not be read
    incidents: int

    def lines(self) -> list[str]:
        copied = f"{_count(self.copied, 'event')} of {_count(self.incidents, 'incident')}"
        out = [f"copied {copied} into {self.target}"]
        if self.lost == [(1, 0)]:
            out.append("the event log could not be read at all: restore a backup")
            return out
        if self.lost:
            ranges = ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in self.lost[:10])
            count = sum(b - a + 1 for a, b in self.lost)
            out.append(f"could not read {_count(count, 'stored event')} (seq {ranges})")
        out.append(
            f"check it with `cockpit --db {self.target} doctor`, then use it in place of the "
            "damaged file (while no cockpit has either open)"
        )
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "target": str(self.target),
            "copied": self.copied,
            "incidents": self.incidents,
            "lost": [list(r) for r in self.lost],
        }


def _readable(conn: sqlite3.Connection) -> Iterator[tuple[Any, ...] | tuple[int, int]]:
    """Every event row that reads, in seq order; a lost range as a (first, last) pair."""
    try:
        top = conn.execute("SELECT max(seq) FROM events").fetchone()[0] or 0
    except sqlite3.DatabaseError:
        yield (1, 0)  # not even where the log ends can be read
        return
    select = f"SELECT {EVENT_COLUMNS} FROM events"
    last = 0
    while last < top:
        try:
            batch = conn.execute(
                f"{select} WHERE seq > ? ORDER BY seq LIMIT 500", (last,)
            ).fetchall()
        except sqlite3.DatabaseError:
            batch = None
        if batch:
            yield from batch
            last = batch[-1][0]
            continue
        if batch == []:
            return
        # A damaged page on the way: step over it one position at a time.
        found = None
        for seq in range(last + 1, top + 1):
            try:
                found = conn.execute(f"{select} WHERE seq = ?", (seq,)).fetchone()
            except sqlite3.DatabaseError:
                continue
            if found is not None:
                break
        if found is None:
            yield (last + 1, top)
            return
        if found[0] > last + 1:
            yield (last + 1, found[0] - 1)
        yield found
        last = found[0]


def salvage(store: Store, target: Path, clock: Clock) -> Salvage:
    """Copy every event that reads into a new cockpit database at `target` (which must not
    exist), with the settings that read; the projection and search index are made anew."""
    target = target.expanduser()
    if target.exists():
        raise StoreError(f"{target}: already exists; salvage writes a new file only")
    conn = store.conn
    copied = 0
    lost: list[tuple[int, int]] = []
    with Store(target, clock) as fresh, fresh.transaction() as out:
        try:
            settings = conn.execute("SELECT key, value FROM settings").fetchall()
        except sqlite3.DatabaseError:
            settings = []
        for key, value in settings:
            out.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
        marks = ", ".join("?" * len(EVENT_COLUMNS.split(",")))
        for row in _readable(conn):
            if len(row) == 2:
                lost.append((int(row[0]), int(row[1])))
                continue
            try:
                out.execute(f"INSERT INTO events ({EVENT_COLUMNS}) VALUES ({marks})", row)
            except sqlite3.IntegrityError:
                lost.append((int(row[0]), int(row[0])))
                continue
            copied += 1
        incidents = projection.rebuild(out)
    return Salvage(target, copied, lost, incidents)
