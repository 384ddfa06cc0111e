"""The `incidents` table: a projection of the log, one row per incident, kept current by
each append and rebuildable from `events` at any time (`cockpit doctor --repair`)."""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING, Any

from cockpit.timefmt import format_ts, from_us, to_us

if TYPE_CHECKING:
    from cockpit.events import Event

PROJECTED_KINDS = frozenset({"incident.declared", "title.set", "severity.set", "status.set"})
COLUMNS = (
    "id, ref, title, severity, status, exercise, declared_at, declared_us, updated_us, event_count"
)


def _latest(conn: sqlite3.Connection, incident_id: str, kind: str) -> Any:
    row = conn.execute(
        "SELECT data FROM events WHERE incident_id = ? AND kind = ? "
        "ORDER BY occurred_us DESC, id DESC LIMIT 1",
        (incident_id, kind),
    ).fetchone()
    return json.loads(row[0]) if row else None


def project_added(conn: sqlite3.Connection, incident_id: str, added: list[Event]) -> None:
    """Bring one incident's `incidents` row up to date after `added` were stored.

    Cheap in the common case (an entry): bump the count and the time. Only the kinds
    the row shows (declared, title, severity, status) cost a look at the log, and then
    only along an index.
    """
    exists = conn.execute("SELECT 1 FROM incidents WHERE id = ?", (incident_id,)).fetchone()
    if exists is None or any(e.kind in PROJECTED_KINDS for e in added):
        project(conn, incident_id)
        return
    conn.execute(
        "UPDATE incidents SET event_count = event_count + ?, "
        "updated_us = max(coalesce(updated_us, 0), ?) WHERE id = ?",
        (len(added), max(to_us(e.recorded_at) for e in added), incident_id),
    )


def projected(conn: sqlite3.Connection, incident_id: str) -> tuple[Any, ...]:
    """One incident's row of `incidents` as its events make it (in COLUMNS order)."""
    declared_row = conn.execute(
        "SELECT data, occurred_us FROM events WHERE incident_id = ? "
        "AND kind = 'incident.declared' ORDER BY occurred_us, id LIMIT 1",
        (incident_id,),
    ).fetchone()
    declared = json.loads(declared_row[0]) if declared_row else {}
    title = _latest(conn, incident_id, "title.set")
    severity = _latest(conn, incident_id, "severity.set")
    status = _latest(conn, incident_id, "status.set")
    count, updated = conn.execute(
        "SELECT count(*), max(recorded_us) FROM events WHERE incident_id = ?", (incident_id,)
    ).fetchone()
    from cockpit.incident import ref_for

    return (
        incident_id,
        ref_for(incident_id),
        (title or {}).get("title") or declared.get("title") or "(undeclared)",
        (severity or {}).get("level") or declared.get("severity") or "",
        (status or {}).get("status") or "investigating",
        1 if declared.get("exercise") else 0,
        format_ts(from_us(declared_row[1])) if declared_row else None,
        declared_row[1] if declared_row else None,
        updated,
        count,
    )


def project(conn: sqlite3.Connection, incident_id: str) -> None:
    """Recompute one incident's row in `incidents` from its events."""
    conn.execute(
        f"INSERT INTO incidents ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(id) DO UPDATE SET title = excluded.title, "
        "severity = excluded.severity, status = excluded.status, "
        "exercise = excluded.exercise, declared_at = excluded.declared_at, "
        "declared_us = excluded.declared_us, updated_us = excluded.updated_us, "
        "event_count = excluded.event_count",
        projected(conn, incident_id),
    )


def rebuild(conn: sqlite3.Connection) -> int:
    """Empty `incidents` and project every incident again (inside the caller's write)."""
    conn.execute("DELETE FROM incidents")
    ids = [r[0] for r in conn.execute("SELECT DISTINCT incident_id FROM events")]
    for incident_id in ids:
        project(conn, incident_id)
    return len(ids)


def stored(conn: sqlite3.Connection) -> dict[str, tuple[Any, ...]]:
    """The `incidents` table as stored, by id."""
    rows = conn.execute(f"SELECT {COLUMNS} FROM incidents").fetchall()
    return {row[0]: tuple(row) for row in rows}


def recomputed(conn: sqlite3.Connection) -> dict[str, tuple[Any, ...]]:
    """The `incidents` table as the events make it, by id (nothing is written)."""
    ids = [r[0] for r in conn.execute("SELECT DISTINCT incident_id FROM events")]
    return {incident_id: projected(conn, incident_id) for incident_id in ids}
