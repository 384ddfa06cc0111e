"""An unhandled exception stops the app (Textual's way), and the app keeps it for the
crash report instead of printing a traceback. The CLI side (exit 2, the report, one line)
is tested on the real program in tests/cli/test_tui_start.py."""

from __future__ import annotations

import pytest
from textual.app import App

from cockpit.app import CockpitApp
from cockpit.crash import crash_message, summary
from cockpit.service import Cockpit
from tests.conftest import T0


class Failing(CockpitApp):
    """A cockpit whose F1 raises, as a bug in a screen would (test only)."""

    def action_help(self) -> None:
        raise ValueError("bad [/] value\nmore")


def test_the_one_private_hook_textual_calls_with_an_unhandled_exception_is_overridden():
    # If a Textual release renames it, this says so (and the crash report would be missing).
    assert callable(getattr(App, "_handle_exception", None))
    assert "_handle_exception" in vars(CockpitApp)


async def test_a_crash_is_kept_for_the_report_and_no_traceback_is_printed(
    cockpit: Cockpit, capsys: pytest.CaptureFixture[str]
):
    incident_id = cockpit.declare("Checkout errors", "1").incident_id
    app = Failing(cockpit)
    with pytest.raises(ValueError, match="bad"):  # Pilot hands the error on, as it should
        async with app.run_test(size=(100, 30)) as pilot:
            app.open_incident(incident_id)
            await pilot.pause()
            await pilot.press(*"typed before the crash", "enter")
            await pilot.pause()
            await pilot.press("f1")
            await pilot.pause()
    assert isinstance(app.crash, ValueError)
    assert app.return_code == 1  # Textual stopped the app
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    assert "bad [/] value" not in captured.err  # Textual's own report went nowhere
    # what was logged before stays logged
    texts = [e.text for e in cockpit.incident(incident_id).entries]
    assert texts == ["typed before the crash"]


def test_the_report_and_the_line(tmp_path, cockpit: Cockpit):
    try:
        raise ValueError("bad [/] \x1b[2J value\nmore")
    except ValueError as exc:
        error = exc
    line = crash_message(error, T0, tmp_path / "data")
    [report] = (tmp_path / "data").iterdir()
    assert report.name == "crash-20260304T140000Z.txt"
    assert line == (
        "the cockpit stopped on an unexpected error (ValueError: bad [/] ␛[2J value …); "
        f"the details are in {report}"
    )
    text = report.read_text()
    assert text.startswith("The full-screen cockpit stopped on an unexpected error at 2026-03-04")
    assert "in test_the_report_and_the_line" in text
    assert text.endswith("ValueError: bad [/] \x1b[2J value\nmore\n")
    # a second crash in the same second keeps both
    crash_message(error, T0, tmp_path / "data")
    names = sorted(p.name for p in (tmp_path / "data").iterdir())
    assert names == ["crash-20260304T140000Z-1.txt", "crash-20260304T140000Z.txt"]


def test_a_long_message_is_cut_in_the_line():
    assert summary(ValueError("x" * 500)) == "ValueError: " + "x" * 160 + " …"
    assert summary(KeyError()) == "KeyError"
