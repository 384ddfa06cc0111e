"""Through the real binary (issue 10, item 17): times and durations with digits other than
0-9, and an offset time before 1970 as an instant, are refused with one line saying why,
exit 1, nothing logged."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.helpers import Run, db_rows


def count(db: Path) -> int:
    return int(db_rows(db, "SELECT count(*) FROM events")[0][0])


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["log", "{ref}", "@١٥:٢٣ arabic-indic digits"], "digits 0-9"),
        (["log", "{ref}", "@１５:２３ fullwidth digits"], "digits 0-9"),
        (["log", "{ref}", "@-٥m five minutes ago"], "digits 0-9"),
        (["log", "{ref}", "a note", "--at", "۱۵:۲۳"], "digits 0-9"),
        (["log", "{ref}", "/next ١٥:٤٠"], "digits 0-9"),
        (["log", "{ref}", "/snooze １０m"], "digits 0-9"),
        (["log", "{ref}", "/timer ５m check lag"], "digits 0-9"),
        (["log", "{ref}", "/sev 1 @१५:२३"], "digits 0-9"),
        (["declare", "Backdated", "--at", "-٥m"], "digits 0-9"),
        (["update", "{ref}", "-t", "internal", "--next", "٣٠m"], "digits 0-9"),
        (["log", "{ref}", "@1970-01-01T00:30+01:00 before 1970 as an instant"], "before 1970"),
        (["declare", "Old", "--at", "1970-01-01T00:30+01:00"], "before 1970"),
    ],
)
def test_refused_with_one_line_and_nothing_logged(
    run: Run, db: Path, ref: str, args: list[str], says: str
) -> None:
    before = count(db)
    line = run(*[a.format(ref=ref) for a in args]).error_line(1)
    assert says in line, line
    assert count(db) == before


def test_the_same_times_in_ascii_digits_are_logged(run: Run, ref: str) -> None:
    run("log", ref, "@-5m five minutes ago").ok()
    run("log", ref, "/next 20m").ok()
    logged = run("log", ref, "@1969-12-31T23:30-01:00 just after 1970", "--json").ok().json()
    assert logged["occurred_at"] == "1970-01-01T00:30:00Z"
