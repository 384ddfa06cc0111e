"""`cockpit`: the scriptable face of the cockpit (the TUI starts with no subcommand).

Subcommands that do not need the screen never import Textual. Errors are one line on
stderr starting `cockpit: error:`; exit 1 for bad input and unknown or ambiguous REFs,
exit 2 for environment problems (database, config, permissions).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
from collections.abc import Sequence
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from cockpit import __version__

if TYPE_CHECKING:
    from cockpit.incident import Incident, TimelineItem
    from cockpit.service import Cockpit


class CliError(Exception):
    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


class Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one line and exit 1 (not a usage dump and exit 2)."""

    def error(self, message: str) -> NoReturn:
        raise CliError(f"{message} (see `{self.prog} --help`)")


def short_id(event_id: str) -> str:
    from cockpit.records import short_id as short

    return short(event_id)


def _global_options(parser: argparse.ArgumentParser, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument(
        "--db",
        metavar="PATH",
        default=default,
        help="database file (default: $COCKPIT_DB or the user data folder)",
    )
    parser.add_argument(
        "--as",
        dest="author",
        metavar="HANDLE",
        default=default,
        help="who is logging (default: $COCKPIT_USER or your login)",
    )


def build_parser() -> Parser:
    parser = Parser(
        prog="cockpit",
        description="Run and rehearse production incidents from the terminal. "
        "With no command, the full-screen cockpit starts.",
    )
    parser.add_argument("--version", action="version", version=f"cockpit {__version__}")
    _global_options(parser, suppress=False)
    common = Parser(add_help=False)
    _global_options(common, suppress=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    p = sub.add_parser("declare", parents=[common], help="declare an incident; prints its ref")
    p.add_argument("title", nargs="+", help="what is wrong, in a few words")
    p.add_argument(
        "--severity",
        "-s",
        metavar="LEVEL",
        help="e.g. SEV-1 or 1 (default: the policy's default level)",
    )
    p.add_argument("--at", metavar="TIME", help="backdate the declaration (15:23, -5m, ...)")
    p.add_argument("--exercise", action="store_true", help="a drill, not a real incident")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("log", parents=[common], help="log one line of the quick-entry grammar")
    p.add_argument("ref", metavar="REF")
    p.add_argument(
        "text", nargs="+", metavar="TEXT", help="the line, or - to read lines from standard input"
    )
    p.add_argument("--at", metavar="TIME", help="backdate the entry (15:23, -5m, ...)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("list", parents=[common], help="open incidents")
    p.add_argument("--all", action="store_true", help="closed ones too")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("show", parents=[common], help="one incident's state")
    p.add_argument("ref", metavar="REF")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("timeline", parents=[common], help="an incident's timeline")
    p.add_argument("ref", metavar="REF")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true")
    fmt.add_argument("--jsonl", action="store_true")
    p.add_argument("--utc", action="store_true", help="times in UTC")
    p.add_argument("--all", action="store_true", help="include retracted entries")

    p = sub.add_parser("events", parents=[common], help="an incident's raw events")
    p.add_argument("ref", metavar="REF")
    p.add_argument("--jsonl", action="store_true", help="one JSON event a line (the default)")

    p = sub.add_parser("search", parents=[common], help="find entries by words")
    p.add_argument("words", nargs="+")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("export", parents=[common], help="an incident as md, json, jsonl or csv")
    p.add_argument("ref", metavar="REF")
    p.add_argument("--format", "-f", choices=["md", "json", "jsonl", "csv"], default="md")
    p.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")

    p = sub.add_parser("policy", parents=[common], help="severity policies: list, show, use")
    p.add_argument("action", nargs="?", choices=["list", "show", "use"], default="list")
    p.add_argument("name", nargs="?")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser(
        "update", parents=[common], help="record a stakeholder update, from a template or text"
    )
    p.add_argument("ref", metavar="REF")
    p.add_argument(
        "--template",
        "-t",
        metavar="NAME",
        required=True,
        help="ack, internal, executive, status, escalation, resolution (or one of yours)",
    )
    p.add_argument("--audience", "-a", metavar="A", help="default: the template's audience")
    p.add_argument(
        "--text", metavar="TEXT", help="send this instead of the filled template (- reads stdin)"
    )
    p.add_argument("--next", metavar="WHEN", help="promise the next update (30m, 15:40)")
    p.add_argument(
        "--dry-run", action="store_true", help="print the text; record and write nothing"
    )
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("brief", parents=[common], help="a handoff brief of an incident's state")
    p.add_argument("ref", metavar="REF")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser(
        "doctor", parents=[common], help="check the database file; rebuild what is derived"
    )
    what = p.add_mutually_exclusive_group()
    what.add_argument(
        "--repair",
        action="store_true",
        help="rebuild what is found wrong of the projection, search index, indexes and guard",
    )
    what.add_argument(
        "--salvage", metavar="NEW", help="copy every readable event into a new database file"
    )
    p.add_argument("--json", action="store_true")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        _check_utf8(args_list)
        args = _parse(args_list)
        _check_clock_and_zone()
        if args.command is None:
            return _run_tui(args)
        return int(COMMANDS[args.command](args))
    except CliError as exc:
        return _fail(str(exc), exc.code)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        _quiet_stdout()
        return 0
    except Exception as exc:  # every known failure becomes one line
        return _handle(exc)


def _check_utf8(argv: list[str]) -> None:
    """Bytes that are not UTF-8 reach us as surrogates; they cannot be stored or shown."""
    for number, arg in enumerate(argv, start=1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            raise CliError(f"argument {number} ({shown!r}) is not valid UTF-8 text") from None


def _parse(argv: list[str]) -> argparse.Namespace:
    """argparse, with every option's value checked first (cockpit.argv): `--at -5m` works,
    and `--at --`, `--at` at the end or `--at --json` are usage errors naming `--at`."""
    from cockpit.argv import check_option_values, check_parsed

    parser = build_parser()
    # An empty --db is the database path's own check to explain.
    args = parser.parse_args(check_option_values(parser, argv, empty_ok={"--db"}))
    check_parsed(parser, args)
    return args


def _check_clock_and_zone() -> None:
    """Before any command: a clock the cockpit cannot record times from stops it (exit 2)
    before anything is opened or written, and a TZ that names no zone is said once."""
    from cockpit.clock import system_now, zone_warning
    from cockpit.text import visible

    system_now()
    warning = zone_warning()
    if warning:
        print(f"cockpit: warning: {visible(warning)}", file=sys.stderr)


def _handle(exc: Exception) -> int:
    from cockpit.clock import ClockError
    from cockpit.config import ConfigError
    from cockpit.entry import EntryError
    from cockpit.service import LineError
    from cockpit.store import RefError, StoreError

    if isinstance(exc, StoreError | ConfigError | ClockError):
        return _fail(str(exc), 2)
    if isinstance(exc, RefError | EntryError | LineError):
        return _fail(str(exc), 1)
    if isinstance(exc, PermissionError):
        return _fail(f"permission denied: {exc.filename or exc}", 2)
    if isinstance(exc, OSError):
        return _fail(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "), 2)
    if os.environ.get("COCKPIT_DEBUG") == "1":
        raise exc
    return _fail(f"unexpected {type(exc).__name__}: {exc} (set COCKPIT_DEBUG=1 for details)", 2)


def _fail(message: str, code: int) -> int:
    from cockpit.text import visible

    print(f"cockpit: error: {visible(message)}", file=sys.stderr)
    return code


def _quiet_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass


# plumbing --------------------------------------------------------------------------------
# Commands that only read open the database for reading: an archived (read-only) file
# stays readable, and a path given with --db or COCKPIT_DB that does not exist is an
# error rather than a new, empty database.
READING = frozenset({"list", "show", "timeline", "events", "search", "export", "brief"})


def _reads_only(args: argparse.Namespace) -> bool:
    command = getattr(args, "command", None)
    if command == "policy":  # reads a setting; creates the file as it always did
        return bool(args.action in ("list", "show"))
    if command == "doctor":  # --salvage only reads this file (and makes a new one)
        return not args.repair
    return command in READING


def _cockpit(args: argparse.Namespace) -> Cockpit:
    from cockpit.clock import SystemClock
    from cockpit.service import Cockpit, default_author
    from cockpit.store import Store, default_path
    from cockpit.text import visible

    given = getattr(args, "db", None)
    if given == "":
        raise CliError("--db needs a path (it was given an empty one)")
    path = Path(given).expanduser() if given else default_path()
    clock = SystemClock()
    if _reads_only(args):
        explicit = bool(given) or bool(os.environ.get("COCKPIT_DB"))
        create = args.command == "policy" or not explicit
        store = Store(path, clock, access="read", create=create)
    else:
        store = Store(path, clock)
    for warning in store.warnings:  # about the file itself: said even if the command fails
        print(f"cockpit: warning: {visible(warning)}", file=sys.stderr)
    author = getattr(args, "author", None) or default_author()
    return Cockpit(store, clock, author=author)


def _warn(cockpit: Cockpit) -> None:
    from cockpit.text import visible

    for warning in cockpit.warnings:
        print(f"cockpit: warning: {visible(warning)}", file=sys.stderr)
    cockpit.warnings.clear()


def _print_json(value: Any) -> None:
    from cockpit.jsonout import dumps

    sys.stdout.write(dumps(value, indent=2) + "\n")


def _print_jsonl(values: Any) -> None:
    from cockpit.jsonout import dumps

    write = sys.stdout.write
    for value in values:
        write(dumps(value) + "\n")


def _stamp(dt: datetime, tz: tzinfo, now: datetime) -> str:
    local = dt.astimezone(tz)
    if local.date() == now.astimezone(tz).date():
        return local.strftime("%H:%M:%S")
    return local.strftime("%Y-%m-%d %H:%M:%S")


# commands --------------------------------------------------------------------------------
def cmd_declare(args: argparse.Namespace) -> int:
    from cockpit.entry import EntryError

    cockpit = _cockpit(args)
    at = _at(cockpit, args.at)
    if args.severity is not None and cockpit.policy.find_level(args.severity) is None:
        policy = cockpit.policy
        keys = ", ".join(level.key for level in policy.levels)
        raise CliError(
            f"--severity: {args.severity!r} is not a level of the {policy.name} policy ({keys})"
        )
    try:
        event = cockpit.declare(" ".join(args.title), args.severity, at=at, exercise=args.exercise)
    except EntryError as exc:  # about the title, not a column of a grammar line
        raise CliError(exc.message) from None
    _warn(cockpit)
    from cockpit.incident import ref_for

    if args.json:
        _print_json({"id": event.incident_id, "ref": ref_for(event.incident_id)})
    else:
        print(ref_for(event.incident_id))
    return 0


def _at(cockpit: Cockpit, text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return cockpit.parse_time(text)
    except ValueError as exc:
        raise CliError(f"--at: {exc}") from None


def cmd_log(args: argparse.Namespace) -> int:
    from cockpit.entry import EntryError
    from cockpit.service import LineError

    cockpit = _cockpit(args)
    incident_id = cockpit.store.resolve(args.ref)
    batch = args.text == ["-"]
    if batch:
        if args.at is not None:
            raise CliError("--at cannot be used with -; give each line its own @time")
        lines = _stdin_lines()
        if not lines:
            raise CliError("no lines on standard input; nothing was logged")
        try:
            events = cockpit.log_many(incident_id, lines)
        except LineError as exc:
            raise CliError(f"{exc}; nothing was logged") from None
    else:
        line = " ".join(args.text)
        if args.at is None:
            events = cockpit.log(incident_id, line)
        else:
            if not line.strip():
                raise CliError("nothing to log: give a note, or a /command, after --at")
            if _has_inline_time(line):
                raise CliError("give the time once: --at or an inline @time, not both")
            _at(cockpit, args.at)  # reports a bad --at as such
            prefix = f"@{args.at.removeprefix('@')} "
            try:
                events = cockpit.log(incident_id, prefix + line)
            except EntryError as exc:  # name the column of the line as the user typed it
                raise EntryError(exc.message, max(1, exc.column - len(prefix))) from None
    _warn(cockpit)
    if args.json:
        payload = [e.to_json() for e in events]
        # one line: the event; lines from stdin: always a list, however many there were
        _print_json(payload[0] if len(payload) == 1 and not batch else payload)
        return 0
    now = cockpit.now()
    from cockpit.entry import KIND_WORDS
    from cockpit.timefmt import format_duration

    for event in events:
        word = KIND_WORDS.get(event.kind, event.kind)
        when = _stamp(event.occurred_at, cockpit.tz, now)
        late = event.recorded_at - event.occurred_at
        note = f" (backdated {format_duration(late)})" if late.total_seconds() >= 60 else ""
        print(f"logged {word} {event.id} at {when}{note}{_consequence(cockpit, event, now)}")
    return 0


def _consequence(cockpit: Cockpit, event: Any, now: datetime) -> str:
    """What a logged line changed that the user should see at once: which entry a
    correction hit, and when a promise or snooze makes the next update due."""
    from cockpit.text import visible

    data = event.data.model_dump(mode="json")
    target = data.get("target")
    if target:
        text = cockpit.store.entry_text(target) or ""
        if len(text) > 60:
            text = text[:59] + "…"
        return f": {short_id(target)} {visible(text)!r}" if text else f": {short_id(target)}"
    for key in ("at", "until"):
        if event.kind in ("update.promised", "update.snoozed") and data.get(key):
            from cockpit.timefmt import parse_ts

            due = _stamp(parse_ts(data[key]), cockpit.tz, now)
            return f"; next update due {due}"
    return ""


def _stdin_lines() -> list[tuple[int, str]]:
    """Standard input's non-blank lines with their numbers; each must be UTF-8."""
    lines = []
    for number, raw in enumerate(sys.stdin.buffer, start=1):
        try:
            line = raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            raise CliError(f"line {number}: not valid UTF-8 text; nothing was logged") from None
        if line.strip():
            lines.append((number, line))
    return lines


def _has_inline_time(line: str) -> bool:
    """Does the line carry its own @time (first, or last after a command that takes one)?"""
    from cockpit.entry import COMMANDS, looks_like_time

    words = line.split()
    if not words:
        return False
    if looks_like_time(words[0]):
        return True
    command = COMMANDS.get(words[0][1:].lower()) if words[0].startswith("/") else None
    return (
        command is not None
        and command.trailing_time
        and len(words) > 1
        and looks_like_time(words[-1])
    )


def _summary(incident: Incident, now: datetime) -> dict[str, Any]:
    plan = incident.next_update
    from cockpit.timefmt import format_ts

    return {
        "id": incident.id,
        "ref": incident.ref,
        "title": incident.title,
        "severity": incident.severity,
        "status": incident.status,
        "exercise": incident.exercise,
        "declared_at": format_ts(incident.declared_at) if incident.declared_at else None,
        "ic": incident.roles["ic"].handle if "ic" in incident.roles else None,
        "next_update_due_at": format_ts(plan.due_at) if plan else None,
        "update_overdue": incident.update_state(now) == "overdue",
        "entry_count": incident.entry_count,
    }


def cmd_list(args: argparse.Namespace) -> int:
    cockpit = _cockpit(args)
    now = cockpit.now()
    rows = cockpit.store.incidents(include_closed=args.all)
    incidents = [cockpit.incident(row.id) for row in rows]
    _warn(cockpit)
    if args.json:
        _print_json([_summary(i, now) for i in incidents])
        return 0
    if not incidents:
        print('No open incidents. Declare one: cockpit declare "what is wrong"')
        return 0
    from cockpit.text import visible
    from cockpit.timefmt import format_clock, format_duration

    table = [["REF", "SEV", "STATUS", "ELAPSED", "NEXT UPDATE", "TITLE"]]
    for inc in incidents:
        plan = inc.next_update
        if plan is None:
            due = "-"
        else:
            state = inc.update_state(now)
            delta = plan.due_at - now
            due = (
                f"overdue {format_clock(-delta)}"
                if state == "overdue"
                else f"in {format_clock(delta)}" + (" !" if state == "due_soon" else "")
            )
        badge = " [EXERCISE]" if inc.exercise else ""
        table.append(
            [
                inc.ref,
                visible(inc.severity),
                inc.status,
                format_duration(inc.elapsed(now)),
                due,
                visible(inc.title) + badge,
            ]
        )
    widths = [max(len(row[col]) for row in table) for col in range(len(table[0]) - 1)]
    for row in table:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[-1]]))
    return 0


def _load(args: argparse.Namespace) -> tuple[Cockpit, Incident]:
    cockpit = _cockpit(args)
    incident = cockpit.incident(cockpit.store.resolve(args.ref))
    return cockpit, incident


def cmd_show(args: argparse.Namespace) -> int:
    cockpit, inc = _load(args)
    now = cockpit.now()
    data = inc.to_json(now, cockpit.runbook_for(inc))
    _warn(cockpit)
    if args.json:
        _print_json(data)
        return 0
    print(render_show(inc, data, cockpit, now))
    return 0


def render_show(inc: Incident, data: dict[str, Any], cockpit: Cockpit, now: datetime) -> str:
    from cockpit.text import visible
    from cockpit.timefmt import format_clock, format_duration

    tz = cockpit.tz
    lines = [f"{inc.ref}  {inc.severity}  {inc.status}  {visible(inc.title)}"]
    if inc.exercise:
        lines[0] += "  [EXERCISE]"
    if inc.declared_at:
        lines.append(
            f"declared {_stamp(inc.declared_at, tz, now)} by {visible(inc.declared_by)}, "
            f"elapsed {format_duration(inc.elapsed(now))}"
        )
    plan = inc.next_update
    if plan is None:
        lines.append("next update: none required")
    else:
        state = inc.update_state(now)
        delta = plan.due_at - now
        when = _stamp(plan.due_at, tz, now)
        if state == "overdue":
            lines.append(
                f"next update: OVERDUE by {format_clock(-delta)} (due {when}; {plan.rule})"
            )
        else:
            soon = " (due soon)" if state == "due_soon" else ""
            lines.append(f"next update: in {format_clock(delta)} at {when}{soon} ({plan.rule})")
    lines.extend(_audience_lines(inc, tz, now))
    lines.extend(_target_lines(inc, tz, now))
    if inc.impact:
        lines.append(f"impact: {visible(inc.impact)}")
    for key, value in inc.context.items():
        if isinstance(value, bool):
            shown = "yes" if value else "no"
        elif isinstance(value, list):
            shown = ", ".join(value)
        else:
            shown = value
        lines.append(f"{key}: {visible(str(shown))}")
    lines.append("roles:")
    roles = inc.policy.roles if inc.policy else []
    for role in roles:
        held = inc.roles.get(role.key)
        who = (
            f"@{visible(held.handle)} for {format_duration(now - held.start)}"
            if held
            else "(unfilled)"
        )
        lines.append(f"  {visible(role.label):<28} {who}")
    lines.append("first thirty minutes:")
    for item in data["checklist"]:
        mark = "x" if item["done_at"] else ("!" if item["overdue"] else " ")
        lines.append(f"  [{mark}] {item['phase']:<6} {item['id']:<18} {item['title']}")
    open_h = [h for h in inc.hypotheses() if h.state == "open"]
    if open_h:
        lines.append("open hypotheses:")
        for h in open_h:
            lines.append(f"  {short_id(h.id)}  {visible(h.text)}")
    timers = inc.active_timers()
    if timers:
        lines.append("timers:")
        for timer in timers:
            left = "at zero" if timer.expired(now) else f"in {format_clock(timer.remaining(now))}"
            when = _stamp(timer.until, tz, now)
            lines.append(f"  {timer.id}  {left} ({when})  {visible(timer.text)}")
    for warning in inc.warnings:
        lines.append(f"warning: {visible(warning)}")
    lines.append(f"{inc.entry_count} entries")
    return "\n".join(lines)


def _audience_lines(inc: Incident, tz: tzinfo, now: datetime) -> list[str]:
    """The audiences other than internal (which the `next update` line shows)."""
    from cockpit.text import visible
    from cockpit.timefmt import format_clock

    lines = []
    for audience in inc.update_plans:
        if audience.audience == "internal":
            continue
        plan = audience.plan
        delta = plan.due_at - now
        when = _stamp(plan.due_at, tz, now)
        state = plan.state(now)
        name = visible(audience.label.lower())
        if state == "overdue":
            due = f"OVERDUE by {format_clock(-delta)} (due {when}; {plan.rule})"
        else:
            soon = " (due soon)" if state == "due_soon" else ""
            due = f"in {format_clock(delta)} at {when}{soon} ({plan.rule})"
        lines.append(f"{name} update: {visible(due)}")
    return lines


def _target_lines(inc: Incident, tz: tzinfo, now: datetime) -> list[str]:
    """Response and resolution targets and escalation steps, with what to do if breached."""
    from cockpit.text import visible
    from cockpit.timefmt import format_clock

    if not inc.targets:
        return []
    lines = ["targets:"]
    for target in inc.targets:
        state = target.state(now)
        when = _stamp(target.due_at, tz, now)
        if state in ("met", "met_late"):
            assert target.met_at is not None
            late = " (late)" if state == "met_late" else ""
            shown = f"met {_stamp(target.met_at, tz, now)}{late}"
        elif state == "pending":
            shown = f"in {format_clock(target.due_at - now)} at {when}"
        elif state == "breached":
            shown = f"BREACHED {format_clock(now - target.due_at)} ago: {target.action}"
        else:
            shown = f"missed (due {when})"
        lines.append(f"  {visible(target.label)}: {visible(shown)}")
    return lines


KIND_MARKS = {
    "entry.note": "note",
    "entry.decision": "decision",
    "entry.hypothesis": "hypothesis",
    "entry.action": "action",
    "entry.todo": "todo",
}


TIMELINE_KEYS = (
    "id",
    "kind",
    "occurred_at",
    "recorded_at",
    "author",
    "text",
    "starred",
    "amended",
)


def timeline_item(item: TimelineItem, with_retracted: bool) -> dict[str, Any]:
    """A timeline item as `timeline --json` promises it: the contract's keys, no others
    (with `--all`, also `retracted` on every item, so a script can tell them apart)."""
    full = item.to_json()
    out = {key: full[key] for key in TIMELINE_KEYS}
    if with_retracted:
        out["retracted"] = item.retracted
    return out


def cmd_timeline(args: argparse.Namespace) -> int:
    cockpit, inc = _load(args)
    items = inc.visible_timeline(include_retracted=args.all)
    _warn(cockpit)
    if args.json:
        _print_json([timeline_item(i, args.all) for i in items])
        return 0
    if args.jsonl:
        _print_jsonl(timeline_item(i, args.all) for i in items)
        return 0
    from datetime import UTC

    from cockpit.text import visible

    tz: tzinfo = UTC if args.utc else cockpit.tz
    for item in items:
        local = item.occurred_at.astimezone(tz)
        stamp = local.strftime("%Y-%m-%d %H:%M:%S") + ("Z" if args.utc else "")
        kind = KIND_MARKS.get(item.kind, item.kind.split(".")[0])
        if item.state and item.state != "open":
            kind += f"({item.state.replace('_', ' ')})"
        flags = ("*" if item.starred else " ") + ("~" if item.amended else " ")
        if item.retracted:
            flags = "x "
        print(
            f"{stamp}  {short_id(item.id)} {flags} {kind:<12} {visible(item.rec.author):<10} "
            f"{visible(item.text)}"
        )
    return 0


def cmd_events(args: argparse.Namespace) -> int:
    cockpit = _cockpit(args)
    incident_id = cockpit.store.resolve(args.ref)
    _print_jsonl(cockpit.store.raw_events(incident_id))
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    cockpit = _cockpit(args)
    results = cockpit.store.search(" ".join(args.words))
    if args.json:
        _print_json(results)
        return 0
    if not results:
        print("No entries match.")
        return 0
    from cockpit.text import visible
    from cockpit.timefmt import parse_ts

    now = cockpit.now()
    for r in results:
        when = _stamp(parse_ts(r["occurred_at"]), cockpit.tz, now)
        print(f"{r['ref']}  {short_id(r['id'])}  {when}  {visible(r['text'] or '')}")
    return 0


CSV_RISKY = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(CSV_RISKY):
        return "'" + text
    return text


def cmd_export(args: argparse.Namespace) -> int:
    cockpit, inc = _load(args)
    now = cockpit.now()
    from cockpit.jsonout import dumps

    if args.format == "json":
        body = (
            dumps(
                {
                    **inc.to_json(now, cockpit.runbook_for(inc)),
                    "timeline": [i.to_json() for i in inc.visible_timeline(include_retracted=True)],
                },
                indent=2,
            )
            + "\n"
        )
    elif args.format == "jsonl":
        body = "".join(dumps(e) + "\n" for e in cockpit.store.raw_events(inc.id))
    elif args.format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        columns = TIMELINE_KEYS
        writer.writerow(columns)
        for item in inc.visible_timeline():
            row = item.to_json()
            writer.writerow([csv_cell(row[c]) for c in columns])
        body = buffer.getvalue()
    else:
        body = export_markdown(inc, cockpit, now)
    _warn(cockpit)
    if args.output:
        path = Path(args.output)
        try:
            path.write_text(body, encoding="utf-8")
        except OSError as exc:
            raise CliError(f"{path}: cannot write ({exc.strerror})", 2) from None
        print(f"wrote {path}", file=sys.stderr)
    else:
        if args.format == "csv" and sys.stdout.isatty():
            from cockpit.text import visible

            # A file gets the text as typed; a terminal must not run what is in it.
            body = "".join(visible(line) + "\n" for line in body.splitlines())
        sys.stdout.write(body)
    return 0


def _md(text: str) -> str:
    """User text in a Markdown table cell or line: visible controls, no markup of its own."""
    from cockpit.text import visible

    out = visible(text)
    for ch in "\\`*_[]<>|#":
        out = out.replace(ch, "\\" + ch)
    return out


def export_markdown(inc: Incident, cockpit: Cockpit, now: datetime) -> str:
    from cockpit.timefmt import format_duration

    tz = inc.tz
    lines = [f"# {inc.ref}: {_md(inc.title)}", ""]
    if inc.exercise:
        lines += ["> Exercise: not a real incident.", ""]
    lines += [
        f"- Severity: {inc.severity}",
        f"- Status: {inc.status}" + (f" ({_md(inc.status_reason)})" if inc.status_reason else ""),
        f"- Duration: {format_duration(inc.elapsed(now))}",
        f"- Times: {inc.zone}",
    ]
    if inc.impact:
        lines.append(f"- Impact: {_md(inc.impact)}")
    if inc.summary:
        lines.append(f"- Summary: {_md(inc.summary)}")
    lines += ["", "## Milestones", "", "| Milestone | Time |", "| --- | --- |"]
    for name, at in inc.milestones.items():
        shown = at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if at else "-"
        lines.append(f"| {name} | {shown} |")
    lines += ["", "## Roles", "", "| Role | Who | From | To |", "| --- | --- | --- | --- |"]
    for t in inc.role_history:
        end = t.end.astimezone(tz).strftime("%H:%M") if t.end else "-"
        lines.append(
            f"| {_md(inc.role_label(t.role))} | @{_md(t.handle)} | "
            f"{t.start.astimezone(tz).strftime('%H:%M')} | {end} |"
        )
    lines += ["", "## Timeline", "", "| Time | Kind | Who | What |", "| --- | --- | --- | --- |"]
    for item in inc.visible_timeline():
        star = " ★" if item.starred else ""
        kind = KIND_MARKS.get(item.kind, item.kind)
        lines.append(
            f"| {item.occurred_at.astimezone(tz).strftime('%Y-%m-%d %H:%M:%S')} | {kind}{star} "
            f"| {_md(item.rec.author)} | {_md(item.text)} |"
        )
    todos = [i for i in inc.entries if i.kind == "entry.todo"]
    if todos:
        lines += ["", "## Follow-ups", ""]
        lines += [f"- [ ] {_md(t.text)}" for t in todos]
    return "\n".join(lines) + "\n"


def cmd_policy(args: argparse.Namespace) -> int:
    from cockpit.plain import as_json
    from cockpit.policy import load_policy, policy_names

    cockpit = _cockpit(args)
    if args.name is not None:
        _known_policy(args.name, policy_names())
    if args.action == "use":
        if not args.name:
            raise CliError("policy use needs a NAME (see `cockpit policy list`)")
        policy = cockpit.use_policy(args.name)
        _warn(cockpit)
        print(f"new incidents in {cockpit.store.path} now use the {policy.name} policy")
        return 0
    if args.action == "show":
        policy, warnings = load_policy(args.name or cockpit.policy_name)
        cockpit.warnings.extend(warnings)
        _warn(cockpit)
        if args.json:
            _print_json(as_json(policy))
            return 0
        from cockpit.text import visible

        lines = [f"{policy.name}: {policy.label}"]
        for level in policy.levels:
            lines.append(f"  {level.key:<7} {level.label:<10} {level.rule_text()}")
            if level.meaning:
                lines.append(f"          {level.meaning}")
            if level.response:
                lines.append(f"          respond: {level.response}")
            for step in level.escalation:
                lines.append(f"          after {step.after // 60} min: escalate to {step.to}")
        lines.append("roles: " + ", ".join(f"{r.key} ({r.label})" for r in policy.roles))
        print("\n".join(visible(line) for line in lines))  # config text is shown literally
        return 0
    current = cockpit.policy_name
    names = policy_names()
    if args.json:
        _print_json({"current": current, "policies": names})
        return 0
    for name in names:
        print(("* " if name == current else "  ") + name)
    return 0


def _known_policy(name: str, names: list[str]) -> None:
    """A policy name the user typed that names no policy is bad input (exit 1)."""
    if name in names:
        return
    import difflib

    hint = difflib.get_close_matches(name, names, n=1)
    extra = f"; did you mean {hint[0]!r}?" if hint else ""
    raise CliError(f"no policy is named {name!r} (known: {', '.join(names)}){extra}")


# stakeholder updates and the handoff brief ------------------------------------------------
def cmd_update(args: argparse.Namespace) -> int:
    from cockpit.comms import draft_update, escalation_for, load_template, template_names
    from cockpit.entry import EntryError, parse_future

    cockpit, inc = _load(args)
    names = template_names()
    if args.template not in names:
        import difflib

        hint = difflib.get_close_matches(args.template, names, n=1)
        extra = f"; did you mean {hint[0]!r}?" if hint else ""
        raise CliError(
            f"--template: no template is named {args.template!r} (known: {', '.join(names)}){extra}"
        )
    template, warnings = load_template(args.template)
    cockpit.warnings.extend(warnings)
    audience = _audience(inc, args.audience, template.audience)
    now = cockpit.now()
    promise = None
    if args.next is not None:
        try:
            promise = parse_future(args.next, now, cockpit.tz)
        except ValueError as exc:
            raise CliError(f"--next: {exc}") from None
    text: str | None = None
    if args.text == "-":
        text = _stdin_text()
    elif args.text is not None:
        text = args.text
    if text is not None and not text.strip():
        raise CliError("--text: the update is empty; nothing was recorded")
    # The message names times in the incident's own zone: its readers are not the viewer.
    draft = draft_update(inc, template, now, audience=audience, next_update_at=promise)
    if text is None:
        text = draft.text
    elif promise is None:
        from dataclasses import replace

        draft = replace(draft, text=text, next_update_at=None)  # the text promises nothing
    if args.dry_run:
        _warn(cockpit)
        if args.json:
            _print_json(_draft_json(draft, text))
        else:
            _print_text(text)
        return 0
    escalated = escalation_for(inc, audience)
    try:
        event = cockpit.send_update(
            inc.id,
            text=text,
            audience=audience,
            template=template.name,
            next_update_at=draft.next_update_at,
            escalated_to=escalated,
        )
    except EntryError as exc:
        raise CliError(f"{exc.message}; nothing was recorded") from None
    deliveries = cockpit.publish_update(event)
    _warn(cockpit)
    for delivery in deliveries:
        if not delivery.ok:
            print(
                f"cockpit: warning: the update is recorded, but {_visible(delivery.message())}",
                file=sys.stderr,
            )
    if args.json:
        _print_json({"event": event.to_json(), "deliveries": [d.to_json() for d in deliveries]})
        return 0
    when = _stamp(event.occurred_at, cockpit.tz, now)
    line = f"recorded update to {audience} ({template.name}) {event.id} at {when}"
    if draft.next_update_at is not None:
        line += f"; next update promised by {_stamp(draft.next_update_at, cockpit.tz, now)}"
    if escalated:
        line += f"; escalated to {_visible(escalated)}"
    print(line)
    _print_text(text, prefix="  | ")
    for delivery in deliveries:
        if delivery.ok:
            print(
                f"wrote {_visible(delivery.where)}"
                if delivery.publisher == "file"
                else _visible(delivery.message())
            )
    return 0


def _audience(inc: Incident, given: str | None, default: str) -> str:
    """The audience to record: the template's, or a known one the user named (a prefix
    will do: `exec`)."""
    if given is None:
        return default
    from cockpit.comms import AUDIENCES

    known = list(AUDIENCES)
    finder = getattr(inc.policy, "find_audience", None)
    found = finder(given) if finder is not None else None
    if found is not None:
        return str(found)
    extra = getattr(inc.policy, "audience_labels", None)
    if extra is not None:
        known += [k for k in extra() if k not in known]
    known += [str(u.data.get("audience")) for u in inc.updates if u.data.get("audience")]
    known = list(dict.fromkeys(known))
    wanted = given.strip().lower()
    if wanted in known:
        return wanted
    matches = [k for k in known if k.startswith(wanted)] if wanted else []
    if len(matches) == 1:
        return matches[0]
    import difflib

    hint = difflib.get_close_matches(wanted, known, n=1)
    tail = f"; did you mean {hint[0]!r}?" if hint else ""
    raise CliError(f"--audience: {given!r} is not an audience (known: {', '.join(known)}){tail}")


def _stdin_text() -> str:
    """All of standard input as one text (it may have several lines), UTF-8."""
    raw = sys.stdin.buffer.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise CliError("standard input is not valid UTF-8 text; nothing was recorded") from None
    return text.rstrip("\r\n")


def _visible(text: str) -> str:
    from cockpit.text import visible

    return visible(text)


def _print_text(text: str, prefix: str = "") -> None:
    """User text on the terminal, one line at a time, control characters made visible."""
    for line in text.split("\n"):
        print(prefix + _visible(line))


def _draft_json(draft: Any, text: str) -> dict[str, Any]:
    from cockpit.timefmt import format_ts

    return {
        "template": draft.template,
        "audience": draft.audience,
        "text": text,
        "next_update_at": format_ts(draft.next_update_at) if draft.next_update_at else None,
    }


def cmd_brief(args: argparse.Namespace) -> int:
    from cockpit.brief import handoff_brief

    cockpit, inc = _load(args)
    brief = handoff_brief(inc, cockpit.runbook_for(inc), cockpit.now(), cockpit.tz)
    _warn(cockpit)
    if args.json:
        _print_json(brief.to_json())
    else:
        _print_text(brief.text())
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from cockpit import doctor
    from cockpit.text import visible

    if args.salvage == "":
        raise CliError("--salvage needs a path for the new file (it was given an empty one)")
    cockpit = _cockpit(args)
    store = cockpit.store
    if args.salvage is not None:
        saved = doctor.salvage(store, Path(args.salvage), cockpit.clock)
        if args.json:
            _print_json(saved.to_json())
        else:
            print("\n".join(visible(line) for line in saved.lines()))
        if not saved.lost:
            return 0
        sys.stdout.flush()
        return _fail(f"{store.path}: not every event could be read; the copy holds the rest", 2)
    report = doctor.repair(store) if args.repair else doctor.examine(store)
    if args.json:
        _print_json(report.to_json())
    else:
        print("\n".join(visible(line) for line in report.lines()))
    if report.healthy:
        return 0
    names = ", ".join(f.check for f in report.problems)
    sys.stdout.flush()
    return _fail(f"{store.path}: problems found ({names}); the report says what to do", 2)


def _run_tui(args: argparse.Namespace) -> int:
    from cockpit import tui

    missing = tui.missing_terminal()  # before the database is opened
    if missing is not None:
        return _fail(missing, 2)
    code, crashed = tui.run(_cockpit(args))
    return code if crashed is None else _fail(crashed, code)


COMMANDS = {
    "declare": cmd_declare,
    "log": cmd_log,
    "list": cmd_list,
    "show": cmd_show,
    "timeline": cmd_timeline,
    "events": cmd_events,
    "search": cmd_search,
    "export": cmd_export,
    "policy": cmd_policy,
    "update": cmd_update,
    "brief": cmd_brief,
    "doctor": cmd_doctor,
}
