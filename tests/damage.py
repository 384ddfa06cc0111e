"""Real damage to a copy of a real database: bytes overwritten in one page, found the way
a person would find it (PRAGMA page_size, sqlite_master's rootpage, the b-tree's own
child pointers). Used by the doctor's tests and the TUI's start-up check."""

from __future__ import annotations

import sqlite3
import struct
from pathlib import Path

INTERIOR_TABLE = 0x05


def settle(path: Path) -> None:
    """Everything into the database file itself: no -wal left beside it."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    assert not path.with_name(path.name + "-wal").exists()


def page_size(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("PRAGMA page_size").fetchone()[0])
    finally:
        conn.close()


def root_page(path: Path, name: str) -> int:
    conn = sqlite3.connect(path)
    try:
        row = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (name,)).fetchone()
    finally:
        conn.close()
    assert row is not None and row[0] > 1, name
    return int(row[0])


def child_pages(path: Path, page: int) -> list[int]:
    """The pages an interior table page points to (its cells' left children, then the
    right-most pointer): the b-tree format of https://sqlite.org/fileformat2.html."""
    size = page_size(path)
    data = path.read_bytes()[(page - 1) * size : page * size]
    assert data[0] == INTERIOR_TABLE, f"page {page} is not an interior table page"
    cells = struct.unpack(">H", data[3:5])[0]
    rightmost = struct.unpack(">I", data[8:12])[0]
    pointers = struct.unpack(f">{cells}H", data[12 : 12 + 2 * cells])
    return [struct.unpack(">I", data[p : p + 4])[0] for p in pointers] + [rightmost]


def damage(path: Path, page: int) -> None:
    """Overwrite the start of one page (its header) with garbage."""
    size = page_size(path)
    with path.open("r+b") as handle:
        handle.seek((page - 1) * size)
        handle.write(b"\xff" * 64)
