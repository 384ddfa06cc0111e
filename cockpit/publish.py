"""Publishers: where a sent update goes once its `update.sent` event has committed.

A publisher takes a `SentUpdate` and returns a `Delivery`. The event is the record that the
update went out; a publisher only copies it somewhere (a file, the clipboard, later a remote
service), so a publisher that fails is reported and never undoes the event.

The core never imports Textual: the clipboard publisher is handed the App's
`copy_to_clipboard` (OSC 52) as a plain callable by the screen that makes it.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from cockpit.events import Event


@dataclass(frozen=True)
class SentUpdate:
    """An update as recorded: what every publisher is given."""

    ref: str
    incident_id: str
    audience: str
    template: str
    text: str
    sent_at: datetime
    author: str
    event_id: str
    next_update_at: datetime | None = None

    @classmethod
    def from_event(cls, event: Event) -> SentUpdate:
        """From a committed `update.sent` event."""
        from cockpit.incident import ref_for

        if event.kind != "update.sent":
            raise ValueError(f"{event.kind} is not an update.sent event")
        data: Any = event.data
        return cls(
            ref=ref_for(event.incident_id),
            incident_id=event.incident_id,
            audience=data.audience,
            template=data.template,
            text=data.text,
            sent_at=event.occurred_at,
            author=event.author,
            event_id=event.id,
            next_update_at=data.next_update_at,
        )


@dataclass(frozen=True)
class Delivery:
    """What a publisher did: `where` names the place (a path, "clipboard"); `detail` says
    why it failed, or adds a note."""

    publisher: str
    ok: bool
    where: str
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "publisher": self.publisher,
            "ok": self.ok,
            "where": self.where,
            "detail": self.detail,
        }

    def message(self) -> str:
        """One line for a person: `copied to the clipboard`, `file: /path`, or
        `file: not delivered to /path: reason`."""
        if self.ok and self.where == self.publisher:  # the place is the publisher's name
            return f"copied to the {self.where}" if self.where == "clipboard" else self.where
        if self.ok:
            return f"{self.publisher}: {self.where}" + (f" ({self.detail})" if self.detail else "")
        return f"{self.publisher}: not delivered to {self.where}: {self.detail}"


@runtime_checkable
class Publisher(Protocol):
    """Delivers a sent update somewhere. `publish` should not raise; `publish_all` turns
    any exception into a failed Delivery anyway."""

    name: str

    def publish(self, update: SentUpdate) -> Delivery: ...


def publish_all(update: SentUpdate, publishers: Iterable[Publisher]) -> list[Delivery]:
    """Run each publisher in turn; a failure (even an exception) is a Delivery with
    ok=False and a readable detail, and the others still run. Blocking: a screen runs this
    in a thread worker (the clipboard publisher is cheap and may be run on its own)."""
    out: list[Delivery] = []
    for publisher in publishers:
        name = getattr(publisher, "name", type(publisher).__name__)
        try:
            out.append(publisher.publish(update))
        except Exception as exc:  # a publisher's bug must not lose the others' deliveries
            out.append(Delivery(name, False, "?", f"{type(exc).__name__}: {exc}"))
    return out


# the file publisher ----------------------------------------------------------------------
def exports_dir() -> Path:
    """`COCKPIT_EXPORT_DIR`, else `exports` in the user data folder."""
    override = os.environ.get("COCKPIT_EXPORT_DIR")
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("cockpit")) / "exports"


_SAFE = re.compile(r"[^A-Za-z0-9_-]+")


def _safe(part: str) -> str:
    return _SAFE.sub("-", part).strip("-") or "update"


class FilePublisher:
    """Writes the text to `ROOT/REF/<UTC time>-<audience>.txt`, readable by its owner only
    (folders 0700, file 0600), atomically: a reader never sees half a file. Publishing the
    same event again finds its file and writes nothing."""

    name = "file"

    def __init__(self, root: Path | None = None) -> None:
        self.root = root

    def path_for(self, update: SentUpdate, suffix: str = "") -> Path:
        root = self.root if self.root is not None else exports_dir()
        stamp = update.sent_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        return root / _safe(update.ref) / f"{stamp}-{_safe(update.audience)}{suffix}.txt"

    def publish(self, update: SentUpdate) -> Delivery:
        path = self.path_for(update)
        body = update.text if update.text.endswith("\n") else update.text + "\n"
        data = body.encode("utf-8")
        try:
            _private_dirs(path.parent)
            if path.exists() and path.read_bytes() != data:
                # Another update in the same second: keep both, told apart by event id.
                path = self.path_for(update, "-" + update.event_id[-6:].lower())
            if path.exists() and path.read_bytes() == data:
                return Delivery(self.name, True, str(path), "already written")
            _atomic_write(path, data)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            where = exc.filename or path
            return Delivery(self.name, False, str(path), f"cannot write {where}: {reason}")
        return Delivery(self.name, True, str(path))


def _private_dirs(folder: Path) -> None:
    """Make `folder` and its parent (the exports root) with mode 0700, and tighten them if
    they exist with wider permissions."""
    for part in (folder.parent, folder):
        part.mkdir(parents=True, exist_ok=True, mode=0o700)
        if part.stat().st_mode & 0o077:
            os.chmod(part, 0o700)


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# the clipboard publisher -------------------------------------------------------------------
class ClipboardPublisher:
    """Copies the text with a callable the screen provides (`App.copy_to_clipboard`, which
    uses OSC 52: the terminal, not the cockpit, decides whether it reaches the system
    clipboard, so the delivery says "requested")."""

    name = "clipboard"

    def __init__(self, copy: Callable[[str], None]) -> None:
        self.copy = copy

    def publish(self, update: SentUpdate) -> Delivery:
        try:
            self.copy(update.text)
        except Exception as exc:  # whatever the terminal layer raises, say it plainly
            return Delivery(self.name, False, "clipboard", f"{type(exc).__name__}: {exc}")
        return Delivery(self.name, True, "clipboard")


def default_publishers() -> list[Publisher]:
    """What every face uses without a screen: the file publisher."""
    return [FilePublisher()]
