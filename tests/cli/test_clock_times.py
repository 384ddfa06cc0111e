"""Clock times as `log @15:23 ...` and `--at 15:23` read them, at moments a test cannot wait
for (just before midnight). The rule: a bare clock time means the most recent such time,
except that one up to 10 minutes ahead of now is refused as in the future, so a typo never
lands on yesterday silently. (These call the parser the CLI uses directly, with a chosen
"now"; they belong with the grammar's unit tests once tests/unit is free to edit.)"""

from __future__ import annotations

from datetime import datetime

import pytest

from cockpit.entry import parse_time
from tests.cli.helpers import BERLIN


@pytest.mark.parametrize(
    ("now", "typed"),
    [
        (datetime(2026, 3, 4, 15, 0, tzinfo=BERLIN), "15:05"),
        (datetime(2026, 3, 4, 23, 58, tzinfo=BERLIN), "00:03"),  # 5 min ahead, past midnight
        (datetime(2026, 3, 4, 23, 55, tzinfo=BERLIN), "00:04"),
    ],
)
def test_a_time_a_few_minutes_ahead_is_refused(now: datetime, typed: str) -> None:
    with pytest.raises(ValueError, match="future"):
        parse_time(typed, now, BERLIN)


@pytest.mark.parametrize(
    ("now", "typed", "expected"),
    [
        (datetime(2026, 3, 4, 15, 0, tzinfo=BERLIN), "14:30", datetime(2026, 3, 4, 14, 30)),
        (datetime(2026, 3, 4, 0, 10, tzinfo=BERLIN), "23:50", datetime(2026, 3, 3, 23, 50)),
        (datetime(2026, 3, 4, 23, 58, tzinfo=BERLIN), "00:30", datetime(2026, 3, 4, 0, 30)),
    ],
)
def test_a_past_time_is_the_most_recent_one(now: datetime, typed: str, expected: datetime) -> None:
    assert parse_time(typed, now, BERLIN) == expected.replace(tzinfo=BERLIN)
