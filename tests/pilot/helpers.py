"""What the pilot tests share: a cockpit on a temp database with a manual clock."""

from __future__ import annotations

import json
import os
from pathlib import Path

from textual.app import App

from cockpit.clock import ManualClock
from cockpit.config import shipped_text
from cockpit.service import Cockpit
from cockpit.store import Store
from tests.conftest import T0


def make(tmp_path: Path, author: str = "alice") -> Cockpit:
    """A cockpit as `author`, its clock stopped at T0, its zone Europe/Berlin."""
    clock = ManualClock(T0)
    return Cockpit(
        Store(tmp_path / "inc.db", clock), clock, author=author, zone_name="Europe/Berlin"
    )


# Every code point `cockpit.text.visible` replaces: none may reach the terminal as it is.
BIDI_AND_SEPARATORS = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
RAW_CONTROLS = frozenset((*range(0x20), *range(0x7F, 0xA0), *BIDI_AND_SEPARATORS, 0x2028, 0x2029))


def screen_lines(app: App[object]) -> list[str]:
    """What the top screen shows, one string a row, as the terminal would get it (every
    segment Textual renders for the screen, its toasts and any modal included)."""
    strips = app.screen._compositor.render_strips()
    return ["".join(segment.text for segment in strip) for strip in strips]


def raw_controls(lines: list[str]) -> list[str]:
    """The control characters among `lines` (there should be none), as `U+XXXX`."""
    return sorted({f"U+{ord(ch):04X}" for line in lines for ch in line if ord(ch) in RAW_CONTROLS})


def toml_string(text: str) -> str:
    """`text` as a TOML basic string (controls escaped, everything else as it is)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def user_config(name: str, text: str) -> Path:
    """Write `name` into the user's config folder (the root conftest's COCKPIT_CONFIG_DIR)."""
    path = Path(os.environ["COCKPIT_CONFIG_DIR"]) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def user_policy(
    name: str, *, level_label: str = "", role_label: str = "", audience_label: str = ""
) -> Path:
    """The shipped `sev` policy as the user's own, named `name` inside the file, with every
    level's, role's and audience's label replaced when asked."""
    text = shipped_text("sev.toml").replace('name = "sev"', f"name = {toml_string(name)}", 1)
    if level_label:
        for label in ("Critical", "Major", "Minor", "Low"):
            text = text.replace(f'label = "{label}"', f"label = {toml_string(level_label)}")
    if role_label:
        for label in ("Incident commander", "Tech lead", "Communications lead", "Scribe"):
            text = text.replace(f'label = "{label}"', f"label = {toml_string(role_label)}")
    if audience_label:
        for label in ("Executives", "Status page"):
            text = text.replace(f'label = "{label}"', f"label = {toml_string(audience_label)}")
    return user_config("sev.toml", text)


async def settle(pilot) -> None:
    """Wait until every worker is done (commits run off the event loop, and a commit may
    start another worker: the composer's file writer), then for the screen to catch up."""
    for _ in range(100):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if not len(pilot.app.workers):
            return
    raise AssertionError("workers still running after 100 rounds")


def refuse_inserts(cockpit: Cockpit, kind: str, message: str) -> None:
    """Make the database itself refuse events of `kind` (a real SQLite error on commit,
    whichever connection writes)."""
    cockpit.store.conn.execute(
        f"CREATE TRIGGER test_refuse BEFORE INSERT ON events WHEN NEW.kind = '{kind}' "
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
    )
