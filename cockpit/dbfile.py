"""The database file before and around SQLite: what may be opened, and what went wrong.

Two jobs, kept apart from the store's queries:

- `inspect_path` looks at the path before SQLite does: a directory, a FIFO or a device is
  refused (opening a FIFO would wait forever), a missing file is created only when the
  caller may create, and it says whether the file and its folder can be written.
- `explain` turns every `sqlite3.Error` into one line a person can act on: a lock says who
  has the file open, a full disk says so even when SQLite calls it an I/O error, damage
  points at `cockpit doctor`.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NamedTuple, TypeVar
from urllib.parse import quote

from cockpit.migrations import APP_ID, READABLE_FROM, SCHEMA_VERSION

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 5_000
WRITE_PATIENCE_S = 60.0
LOCK_WAIT_ENV = "COCKPIT_LOCK_WAIT"
# An I/O error with less than this free beside the file is the disk being full: SQLite says
# "disk I/O error" when it cannot even grow the -shm or create the -wal file.
FULL_MARGIN_BYTES = 1 << 20

Access = Literal["write", "read"]
R = TypeVar("R")


class StoreError(Exception):
    """The database cannot be used (exit 2): one clear line for the user."""


@dataclass(frozen=True)
class PathState:
    created: bool  # made empty just now by this process
    empty: bool  # zero bytes long
    writable: bool  # the file and its folder can be written (for -wal and -shm)


def lock_patience() -> tuple[float, str | None]:
    """How long to wait for a lock another process holds: `COCKPIT_LOCK_WAIT` seconds, or
    60. Returns the seconds and a warning when the variable is not a number of seconds."""
    raw = os.environ.get(LOCK_WAIT_ENV, "").strip()
    if not raw:
        return WRITE_PATIENCE_S, None
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 86_400 or value != value:
        return WRITE_PATIENCE_S, (
            f"{LOCK_WAIT_ENV}={raw!r} is not a number of seconds (0 to 86400); "
            f"waiting up to {WRITE_PATIENCE_S:.0f} s for a lock"
        )
    return value, None


def _kind_of(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    return "not a regular file"


def inspect_path(path: Path, access: Access, create: bool) -> PathState:
    """Refuse, without opening it, a path we must not or cannot use; create it if allowed."""
    try:
        info = path.stat()
    except FileNotFoundError:
        info = None
    except NotADirectoryError:
        raise StoreError(f"{_blocker(path)}: is a file, not a folder") from None
    except OSError as exc:
        raise StoreError(f"{path}: cannot be read ({exc.strerror})") from None
    if info is None:
        if not create:
            raise StoreError(
                f"{path}: no such database file (a command that only reads creates none; "
                "check the path)"
            )
        return PathState(created=_create(path), empty=True, writable=True)
    if stat.S_ISDIR(info.st_mode):
        raise StoreError(f"{path}: is a directory, not a database file")
    if not stat.S_ISREG(info.st_mode):
        raise StoreError(f"{path}: is {_kind_of(info.st_mode)}, not a database file")
    try:
        with path.open("rb") as handle:
            header = handle.read(16)
    except OSError as exc:
        raise StoreError(f"{path}: cannot be read ({exc.strerror})") from None
    if header and header != SQLITE_HEADER:
        raise StoreError(f"{path}: not an SQLite database; refusing to use it")
    why_not = _why_not_writable(path)
    if access == "write" and why_not is not None:
        raise StoreError(why_not)
    return PathState(created=False, empty=not header, writable=why_not is None)


def _blocker(path: Path) -> Path:
    """The first part of `path` that is a file where a folder should be."""
    for parent in reversed(path.parents):
        if parent.is_file():
            return parent
    return path.parent


def _create(path: Path) -> bool:
    parent = path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    except (FileExistsError, NotADirectoryError):
        raise StoreError(f"{parent}: cannot create the folder (a file is in the way)") from None
    except OSError as exc:
        raise StoreError(f"{parent}: cannot create the folder ({exc.strerror})") from None
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return False  # another process made it a moment ago
    except OSError as exc:
        raise StoreError(f"{path}: cannot create the database ({exc.strerror})") from None
    os.close(fd)
    return True


def _why_not_writable(path: Path) -> str | None:
    """Why the database cannot be written here, or None if it can.

    Opening the file for writing (and closing it at once) changes nothing and gives the
    real reason: permissions, a read-only mount, an immutable file. The folder must be
    writable too, for the -wal and -shm files beside the database.
    """
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError as exc:
        return f"{path}: cannot be written ({_reason(exc)})"
    os.close(fd)
    folder = path.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        return (
            f"{folder}: cannot be written ({_folder_reason(folder)}); "
            "the database needs its folder writable for its journal"
        )
    return None


def _reason(exc: OSError) -> str:
    import errno

    if exc.errno == errno.EROFS:
        return "read-only file system"
    if exc.errno == errno.EPERM:
        return "operation not permitted: the file may be immutable"
    if exc.errno == errno.EACCES:
        return "permission denied"
    return exc.strerror or str(exc)


def _folder_reason(folder: Path) -> str:
    try:
        flags = os.statvfs(folder).f_flag
    except OSError:
        flags = 0
    if flags & os.ST_RDONLY:
        return "read-only file system"
    return "permission denied"


# opening ---------------------------------------------------------------------------------
class Header(NamedTuple):
    """What the file says about itself, read under a lock before anything is changed."""

    version: int
    app_id: int
    names: frozenset[str]


def retry(action: Callable[[], R], patience: float) -> R:
    """`action`, again and again while SQLite says busy, for up to `patience` seconds."""
    deadline = time.monotonic() + patience
    delay = 0.005
    while True:
        try:
            return action()
        except sqlite3.OperationalError as exc:
            if not is_busy(exc) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.2)


def connect(path: Path, mode: str, patience: float, immutable: bool = False) -> sqlite3.Connection:
    """A connection that never creates the file (mode=rw or mode=ro)."""
    uri = "file:" + quote(str(path.resolve())) + f"?mode={mode}"
    if immutable:
        uri += "&immutable=1"
    timeout_ms = int(min(BUSY_TIMEOUT_MS, patience * 1000))
    conn = sqlite3.connect(
        uri, uri=True, timeout=timeout_ms / 1000, isolation_level=None, check_same_thread=False
    )
    conn.execute(f"PRAGMA busy_timeout = {timeout_ms}")
    return conn


def read_header(conn: sqlite3.Connection, patience: float) -> Header:
    """The file's schema version, application id and object names, in one read
    transaction: under SQLite's locks, so a writer in another process (a checkpoint
    rewriting pages) is waited for rather than misread as damage."""

    def read() -> Header:
        conn.execute("BEGIN")
        try:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
            names = frozenset(r[0] for r in conn.execute("SELECT name FROM sqlite_master"))
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        return Header(version, app_id, names)

    return retry(read, patience)


def judge(path: Path, header: Header) -> None:
    """Refuse another program's database, or one from a newer cockpit."""
    if header.names and header.app_id != APP_ID:
        raise StoreError(f"{path}: an SQLite database of another program, not a cockpit database")
    if header.version > SCHEMA_VERSION:
        raise StoreError(
            f"{path}: written by a newer cockpit (schema {header.version}; this one "
            f"knows up to {SCHEMA_VERSION}); upgrade cockpit to open it"
        )


def may_read_instead(exc: sqlite3.Error) -> bool:
    """Errors of opening for writing after which opening read-only may still work."""
    return _primary(exc) in (
        sqlite3.SQLITE_READONLY,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_FULL,
        sqlite3.SQLITE_PERM,
        sqlite3.SQLITE_AUTH,
    )


def open_writable(
    path: Path, state: PathState, patience: float
) -> tuple[sqlite3.Connection, list[str]]:
    """Read what the file is under a lock, and only then make it ours (WAL): another
    program's database is refused unchanged, and a file another process is writing is
    never misread. Returns the connection and any warning (an empty file taken over)."""
    conn = connect(path, "rw", patience)
    try:
        header = read_header(conn, patience)
        judge(path, header)
        warnings = [] if header.names else _taking_over(path, state)
        retry(lambda: conn.execute("PRAGMA journal_mode = WAL").fetchone(), patience)
        conn.execute("PRAGMA synchronous = FULL")
    except BaseException:
        conn.close()
        raise
    return conn, warnings


def _taking_over(path: Path, state: PathState) -> list[str]:
    if state.created:
        return []
    if state.empty:
        return [f"{path} was an empty file (0 bytes); it is now a cockpit database"]
    return [f"{path} was an empty SQLite database (no tables); it is now a cockpit database"]


def open_readonly(path: Path, state: PathState, wait: float, why: str) -> sqlite3.Connection:
    """A connection that cannot write, for a file this process cannot write (`why`).

    With no -wal or -shm beside the file, no connection has it open in WAL mode, and this
    user cannot write it: immutable=1 reads it as it is and leaves nothing behind (mode=ro
    would create a -shm and -wal with the file's read-only permissions, and a writer
    later given the file back would find them in its way). Otherwise mode=ro, with the
    lock files already there; where even that fails (no -shm can be made: a read-only
    folder or mount, a full disk), immutable=1 if no unfinished -wal holds changes.
    """
    if state.empty:
        raise StoreError(
            f"{path}: an empty file, not a cockpit database yet (and it cannot be written: {why})"
        )
    wal = path.with_name(path.name + "-wal")
    shm = path.with_name(path.name + "-shm")
    quiet = not wal.exists() and not shm.exists()
    conn = connect(path, "ro", wait, immutable=quiet)
    try:
        header = read_header(conn, wait)
    except sqlite3.Error as exc:
        conn.close()
        if quiet or not may_read_instead(exc):
            raise explain(exc, path, writing=False, waited=wait) from None
        if wal.exists() and wal.stat().st_size > 0:
            raise StoreError(
                f"{path}: cannot be read here: its write-ahead log ({wal.name}) holds changes "
                "and no lock file can be made beside it; copy the database and its -wal "
                "file to a writable folder and read it there"
            ) from None
        conn = connect(path, "ro", wait, immutable=True)
        try:
            header = read_header(conn, wait)
        except sqlite3.Error as exc:
            conn.close()
            raise explain(exc, path, writing=False, waited=wait) from None
    try:
        judge(path, header)
        if "events" not in header.names:
            raise StoreError(
                f"{path}: an empty SQLite database, not a cockpit database yet (and it "
                f"cannot be written: {why})"
            )
        if header.version < READABLE_FROM:
            raise StoreError(
                f"{path}: written by an older cockpit (schema {header.version}); open it once "
                "where it can be written, to upgrade it"
            )
    except BaseException:
        conn.close()
        raise
    return conn


# what went wrong ------------------------------------------------------------------------
def _primary(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else int(code) & 0xFF


def is_busy(exc: sqlite3.Error) -> bool:
    primary = _primary(exc)
    if primary is not None:
        return primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def disk_full(folder: Path) -> bool:
    """Is the file system holding `folder` out of space (or of files)?"""
    try:
        info = os.statvfs(folder)
    except OSError:
        return False
    if info.f_bavail * info.f_frsize < FULL_MARGIN_BYTES:
        return True
    return info.f_files > 0 and info.f_favail == 0


def holders(path: Path) -> list[tuple[int, str]] | None:
    """Other processes that have the file open (pid, command name), as far as this user can
    see them in /proc; None where there is no /proc to look in."""
    if not os.path.isdir("/proc/self/fd"):
        return None  # no procfs here (not Linux, or hidden)
    try:
        target = path.resolve()
        wanted = target.stat()
        pids = [entry for entry in os.listdir("/proc") if entry.isdigit()]
    except OSError:
        return None
    me = os.getpid()
    found: list[tuple[int, str]] = []
    for pid in pids:
        if int(pid) == me:
            continue
        fd_dir = f"/proc/{pid}/fd"
        try:
            fds = os.listdir(fd_dir)
        except OSError:
            continue
        for fd in fds:
            try:
                link = os.readlink(f"{fd_dir}/{fd}")
                if os.path.basename(link) != target.name:
                    continue
                info = os.stat(f"{fd_dir}/{fd}")
            except OSError:
                continue
            if (info.st_dev, info.st_ino) == (wanted.st_dev, wanted.st_ino):
                found.append((int(pid), _command(pid)))
                break
    return found


def _command(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/comm", encoding="utf-8", errors="replace") as handle:
            return handle.read().strip() or "?"
    except OSError:
        return "?"


def _who(path: Path) -> str:
    found = holders(path)
    if found is None:
        return "which one cannot be told here"
    if not found:
        return (
            "no process on this machine that you can see has it open: another user's, or "
            "another machine's over a network file system"
        )
    shown = ", ".join(f"{name} (pid {pid})" for pid, name in found[:5])
    more = f" and {len(found) - 5} more" if len(found) > 5 else ""
    verb = "has" if len(found) == 1 else "have"
    return f"{shown}{more} {verb} it open"


def explain(exc: sqlite3.Error, path: Path, *, writing: bool, waited: float) -> StoreError:
    """One line for any SQLite error, saying what it means for the user's data."""
    primary = _primary(exc)
    name = getattr(exc, "sqlite_errorname", None) or type(exc).__name__
    text = str(exc)
    nothing = "; nothing was logged" if writing else ""
    if is_busy(exc):
        outcome = "nothing was logged" if writing else "could not read it"
        return StoreError(
            f"{path}: another process holds the database locked ({_who(path)}); waited "
            f"{waited:g} s and {outcome}; try again once it lets go"
        )
    if primary == sqlite3.SQLITE_FULL or (
        primary in (sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN) and disk_full(path.parent)
    ):
        if writing:
            return StoreError(
                f"{path}: the disk is full; nothing was logged, and every entry logged "
                "before is safe"
            )
        return StoreError(f"{path}: the disk is full; every entry logged before is safe")
    if primary == sqlite3.SQLITE_READONLY:
        return StoreError(f"{path}: cannot be written (it is read-only: {text}){nothing}")
    if primary == sqlite3.SQLITE_NOTADB:
        return StoreError(f"{path}: the file is damaged or not a cockpit database ({text})")
    if primary == sqlite3.SQLITE_CORRUPT:
        return StoreError(
            f"{path}: the database is damaged ({text}){nothing}; "
            "`cockpit doctor` says what can be saved"
        )
    if primary == sqlite3.SQLITE_IOERR:
        return StoreError(
            f"{path}: the disk reported an I/O error ({name}){nothing}; check the disk"
        )
    if primary == sqlite3.SQLITE_CANTOPEN:
        return StoreError(
            f"{path}: cannot open the database or its journal beside it ({text}); "
            "check the folder's permissions"
        )
    if primary in (sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH):
        return StoreError(f"{path}: the system refused access ({name}){nothing}")
    if primary == sqlite3.SQLITE_NOMEM:
        return StoreError(f"{path}: out of memory ({text}){nothing}")
    if primary == sqlite3.SQLITE_TOOBIG:
        return StoreError(f"{path}: too big for the database ({text}){nothing}")
    if primary == sqlite3.SQLITE_NOLFS:
        return StoreError(f"{path}: the file is too large for this system{nothing}")
    if primary == sqlite3.SQLITE_PROTOCOL:
        return StoreError(
            f"{path}: the file's locks misbehave ({text}; a network file system?){nothing}"
        )
    if primary == sqlite3.SQLITE_CONSTRAINT:
        return StoreError(f"{path}: the database refused the change ({text}){nothing}")
    if primary in (sqlite3.SQLITE_INTERRUPT, sqlite3.SQLITE_ABORT):
        return StoreError(f"{path}: the database operation was interrupted{nothing}")
    if primary == sqlite3.SQLITE_ERROR and text.startswith("no such "):
        return StoreError(f"{path}: not a complete cockpit database ({text}){nothing}")
    return StoreError(f"{path}: database error ({name}: {text}){nothing}")
