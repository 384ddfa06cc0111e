"""When the full-screen cockpit stops on an unexpected error: the full traceback goes to a
crash report in the user data folder, and the person gets one line saying what happened
and where the report is. Nothing here touches the event log: what was committed before
the error stays committed.

The report is the traceback as Python formats it, with what the cockpit and its libraries
were; the file is readable by its owner only (0600, in a folder made 0700) and written
whole or not at all.
"""

from __future__ import annotations

import contextlib
import os
import platform
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path

from cockpit import __version__
from cockpit.text import visible

SUMMARY_LIMIT = 160  # characters of the error's own message in the one line


def reports_dir() -> Path:
    """The user data folder (`platformdirs.user_data_dir("cockpit")`)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("cockpit"))


def summary(error: BaseException) -> str:
    """`ValueError: the first line of its message`, cut to a readable length."""
    lines = str(error).strip().splitlines()
    first = lines[0] if lines else ""
    if len(first) > SUMMARY_LIMIT or len(lines) > 1:
        first = first[:SUMMARY_LIMIT].rstrip() + " …"
    name = type(error).__name__
    return f"{name}: {first}" if first else name


def report_text(error: BaseException, when: datetime) -> str:
    """The crash report: what ran, when, and the full traceback."""
    versions = [f"incident-cockpit {__version__}", f"Python {platform.python_version()}"]
    for name in ("textual", "rich"):
        module = sys.modules.get(name)
        version = getattr(module, "__version__", None) if module is not None else None
        if version:
            versions.append(f"{name} {version}")
    return (
        f"The full-screen cockpit stopped on an unexpected error at "
        f"{when.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC.\n"
        f"{', '.join(versions)}; {platform.platform()}\n"
        "Entries shown as logged were committed before it stopped.\n\n"
        + "".join(traceback.format_exception(error))
    )


def save_report(error: BaseException, when: datetime, folder: Path | None = None) -> Path:
    """Write the report to `crash-<UTC time>.txt` in `folder` (the data folder) and return
    its path. Raises OSError when it cannot be written."""
    folder = folder if folder is not None else reports_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if folder.stat().st_mode & 0o077:
        os.chmod(folder, 0o700)
    stamp = when.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    data = report_text(error, when).encode("utf-8", "backslashreplace")
    for attempt in range(100):
        name = f"crash-{stamp}.txt" if not attempt else f"crash-{stamp}-{attempt}.txt"
        path = folder / name
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue  # another crash in the same second: keep both
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
        except BaseException:
            with contextlib.suppress(OSError):
                path.unlink()
            raise
        return path
    raise FileExistsError(f"{folder}: too many crash reports this second")


def crash_message(error: BaseException, when: datetime, folder: Path | None = None) -> str:
    """Save the report; the one line that says what stopped the cockpit and where the
    details are (or why they could not be saved). The error's words are shown with their
    control characters visible."""
    what = f"the cockpit stopped on an unexpected error ({visible(summary(error))})"
    try:
        path = save_report(error, when, folder)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        where = exc.filename or folder or reports_dir()
        return f"{what}; its details could not be saved ({where}: {reason})"
    return f"{what}; the details are in {path}"
