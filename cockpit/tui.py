"""Starting the full-screen cockpit from `cockpit` with no command.

It needs a terminal: without one (input from a file or /dev/null, output to a pipe or a
file) Textual would write escape codes into the file and wait forever for keys, so the
CLI refuses at once, before it opens the database. When the screen stops on an unexpected
error, the CLI exits with status 2 and one line naming the crash report
(`cockpit.crash`) instead of a traceback.

Textual is imported only when the screen starts.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from cockpit.crash import crash_message

if TYPE_CHECKING:
    from cockpit.app import CockpitApp
    from cockpit.service import Cockpit


def missing_terminal(
    streams: tuple[TextIO | None, TextIO | None, TextIO | None] | None = None,
) -> str | None:
    """Why the screen cannot start here, or None when it can: the keys come from standard
    input, Textual draws on standard error, and standard output must not be a pipe or a
    file either (the screen would share the terminal with whatever reads it)."""
    stdin, stdout, stderr = streams if streams is not None else (sys.stdin, sys.stdout, sys.stderr)
    for name, stream in (("input", stdin), ("output", stdout), ("error", stderr)):
        if stream is None or not _isatty(stream):
            return (
                f"the full-screen cockpit needs a terminal (standard {name} is not one); "
                "use a command (cockpit --help)"
            )
    return None


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (OSError, ValueError):  # closed or detached
        return False


def run(
    cockpit: Cockpit,
    make: Callable[[Cockpit], CockpitApp] | None = None,
) -> tuple[int, str | None]:
    """Run the screen until it quits: the exit status, and after a crash the one line to
    print (the crash report is saved by then). A quit that left entries unconfirmed (a
    second quit while saving) has already said so and exits 2. `make` builds the app
    (`make_app`)."""
    if make is None:
        from cockpit.app import make_app

        make = make_app
    app = make(cockpit)
    try:
        app.run()
    except Exception as exc:  # raised around Textual's own handling (starting the driver)
        return 2, crash_message(exc, cockpit.now())
    if app.crash is not None:
        return 2, crash_message(app.crash, cockpit.now())
    return (2 if app.return_code else 0), None
