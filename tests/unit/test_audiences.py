"""Cadence per audience: internal, executive and status page updates, each on its own clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cockpit import schemas
from cockpit.clock import ManualClock
from cockpit.entry import EntryContext, EntryError, parse
from cockpit.incident import Incident
from cockpit.plain import build
from cockpit.policy import Level, Policy, load_policy
from tests.conftest import T0
from tests.unit.factory import Log

TZ = ZoneInfo("Europe/Berlin")
PRESETS = ["sev", "p3", "bank", "p0"]


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def mins(seconds: int | None) -> float:
    assert seconds is not None
    return seconds / 60


class Walk:
    """A log, a manual clock, and lines typed in the grammar at the clock's time."""

    def __init__(self, policy: str, severity: str) -> None:
        self.clock = ManualClock(T0)
        self.log = Log(T0, policy=policy, severity=severity)

    def to(self, minutes: float) -> None:
        self.clock.set(at(minutes))

    def type(self, line: str) -> None:
        inc = self.log.fold()
        context = EntryContext(self.clock.now(), TZ, inc, self.log.policy, self.log.runbook)
        for draft in parse(line, context):
            self.log.draft(draft)

    def send(self, audience: str) -> None:
        self.log.add("update.sent", {"audience": audience, "text": "x"}, at=self.clock.now())

    @property
    def inc(self) -> Incident:
        return self.log.fold()

    def due(self) -> dict[str, datetime]:
        return {p.audience: p.due_at for p in self.inc.update_plans}


def test_sev1_walk_the_issue_describes():
    w = Walk("sev", "SEV-1")
    # declared: internal first update at 10 min, executives at 30; no status page (not
    # customer-facing)
    assert w.due() == {"internal": at(10), "executive": at(30)}
    assert w.inc.next_update is not None and w.inc.next_update.due_at == at(10)
    assert w.inc.soonest_update().audience == "internal"
    # customer-facing from minute 2: the status page is owed its first update 15 min later
    w.to(2)
    w.type("/customer yes")
    assert w.due() == {"internal": at(10), "executive": at(30), "status": at(17)}
    # the first internal update at minute 9: due again 15 min later; nobody else moves
    w.to(9)
    w.type("/update Investigating checkout errors")
    assert w.due() == {"internal": at(24), "executive": at(30), "status": at(17)}
    assert w.inc.next_update.rule == "SEV-1: every 15 min"
    # the status page is the soonest now, and overdue at 17
    assert w.inc.soonest_update().audience == "status"
    assert [p.audience for p in w.inc.overdue_updates(at(17))] == ["status"]
    w.to(16)
    w.send("status")
    assert w.due()["status"] == at(46)
    # snooze the internal one at 24 (due), then promise it
    w.to(24)
    assert w.inc.update_state(w.clock.now()) == "overdue"
    w.type("/snooze 5m")
    assert w.due()["internal"] == at(29)
    assert w.inc.next_update.rule == "snoozed by @alice"
    w.to(26)
    w.type("/next 20m")
    assert w.due()["internal"] == at(46)
    # an executive promise and update on their own cadence
    w.type("/next exec 10m")
    assert w.due()["executive"] == at(36)
    assert w.due()["internal"] == at(46)
    w.to(35)
    w.send("executive")
    assert w.due() == {"internal": at(46), "executive": at(65), "status": at(46)}
    assert w.inc.update_plan("executive").last_update_at == at(35)
    # severity down to SEV-3: internal only, hourly; the promise made before still holds
    w.to(40)
    w.type("/sev 3")
    assert w.due() == {"internal": at(46)}
    w.to(45)
    w.send("internal")
    assert w.due() == {"internal": at(105)}
    # resolved: nothing more is due for anyone
    w.to(60)
    w.type("/resolve")
    assert w.inc.update_plans == []
    assert w.inc.next_update is None
    assert w.inc.soonest_update() is None
    assert w.inc.update_state(at(500)) == "none"


def _walk_level(policy: Policy) -> Level:
    """The policy's top level; every shipped one owes executives and the status page."""
    return policy.levels[0]


def _lower(policy: Policy, level: Level) -> Level:
    """The first level below `level` that owes fewer audiences (internal only, or none)."""
    rest = policy.levels[policy.levels.index(level) + 1 :]
    return next(lv for lv in rest if len(lv.update_audiences()) < len(level.update_audiences()))


@pytest.mark.parametrize("name", PRESETS)
def test_the_same_walk_for_every_shipped_policy(name: str):
    policy, _ = load_policy(name)
    level = _walk_level(policy)
    w = Walk(name, level.key)
    private = {a.key: a for a in level.update_audiences(customer_facing=False)}
    public = {a.key: a for a in level.update_audiences(customer_facing=True)}
    assert "internal" in private and "executive" in private
    assert "status" in public and "status" not in private
    assert w.due() == {k: at(mins(a.first_update)) for k, a in private.items()}
    # customer-facing at 1 min: the status page's clock starts then
    w.to(1)
    w.type("/customer yes")
    expected = {k: at(mins(a.first_update)) for k, a in private.items()}
    expected["status"] = at(1 + mins(public["status"].first_update))
    assert w.due() == expected
    # each audience's update resets only its own clock
    for minute, key in ((3, "internal"), (4, "executive"), (5, "status")):
        w.to(minute)
        w.send(key)
        expected[key] = at(minute + mins(public[key].cadence))
        assert w.due() == expected, key
    # a snooze and a promise aimed at one audience move only that one
    w.to(6)
    w.type("/snooze status 7m")
    expected["status"] = at(13)
    w.type("/next 9m")
    expected["internal"] = at(15)
    assert w.due() == expected
    assert w.inc.soonest_update().audience == "status"
    # overdue per audience, derived at now
    assert {p.audience for p in w.inc.overdue_updates(at(14))} == {"status"}
    assert w.inc.update_plan("status").state(at(12.5)) == "due_soon"
    # no longer customer-facing: the status page drops out
    w.to(7)
    w.type("/customer no")
    assert "status" not in w.due()
    # down a level: only what that level owes
    lower = _lower(policy, level)
    w.to(8)
    w.type(f"/sev {lower.key}")
    assert set(w.due()) == {a.key for a in lower.update_audiences(customer_facing=False)}
    w.to(9)
    w.type("/resolve")
    assert w.inc.update_plans == []
    assert w.inc.next_update is None


def test_customer_facing_again_owes_a_first_status_update_from_then():
    w = Walk("sev", "SEV-1")
    w.to(1)
    w.type("/customer yes")
    w.to(5)
    w.send("status")
    w.to(10)
    w.type("/customer no")
    w.to(50)
    w.type("/customer yes")
    assert w.due()["status"] == at(65)  # not 5 + 30: it was not customer-facing in between


def test_raising_severity_starts_an_audience_the_old_level_did_not_owe():
    w = Walk("sev", "SEV-3")
    assert set(w.due()) == {"internal"}
    w.to(20)
    w.type("/sev 1")
    due = w.due()
    assert due["internal"] == at(10)  # the internal rule: as if SEV-1 from the start
    assert due["executive"] == at(50)  # executives: 30 min from the change


def test_an_update_with_a_promise_sets_that_audience_only():
    w = Walk("sev", "SEV-1")
    w.log.add(
        "update.sent",
        {"audience": "executive", "next_update_at": "2026-03-04T14:50:00Z"},
        minutes=5,
    )
    assert w.due() == {"internal": at(10), "executive": at(50)}
    assert w.inc.update_plan("executive").plan.rule == "promised by @alice"


def test_old_promises_without_an_audience_are_internal():
    w = Walk("sev", "SEV-1")
    w.log.add("update.promised", {"at": "2026-03-04T14:40:00Z"}, minutes=2)
    assert w.due() == {"internal": at(40), "executive": at(30)}


def test_updates_to_an_audience_the_level_does_not_owe_are_kept_but_plan_nothing():
    w = Walk("sev", "SEV-3")
    w.send("executive")
    assert set(w.due()) == {"internal"}
    assert w.inc.last_update_for("executive") == T0


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/next ceo 20m", "not an audience"),
        ("/snooze exec soon", "duration"),
        ("/next exec 20m extra", "unexpected"),
    ],
)
def test_audience_words_are_checked(line: str, message: str):
    w = Walk("sev", "SEV-1")
    with pytest.raises(EntryError, match=message):
        w.type(line)


def test_next_and_snooze_name_the_audience_in_the_timeline():
    w = Walk("sev", "SEV-1")
    w.to(3)
    w.type("/next executive 20m")
    w.type("/snooze status 5m")
    w.type("/next 10m")
    texts = [i.text for i in w.inc.timeline][-3:]
    assert texts[0].startswith("Next executive update promised by 15:23")
    assert texts[1].startswith("Status update reminder snoozed until 15:08")
    assert texts[2].startswith("Next update promised by 15:13")


def test_show_json_lists_every_audience_and_keeps_the_internal_keys():
    w = Walk("sev", "SEV-1")
    w.to(1)
    w.type("/customer yes")
    w.to(3)
    w.send("executive")
    data = w.inc.to_json(at(20))
    assert data["next_update_due_at"] == "2026-03-04T14:10:00Z"
    assert data["update_overdue"] is True
    assert data["updates"] == [
        {
            "audience": "internal",
            "last_update_at": None,
            "next_update_due_at": "2026-03-04T14:10:00Z",
            "overdue": True,
        },
        {
            "audience": "executive",
            "last_update_at": "2026-03-04T14:03:00Z",
            "next_update_due_at": "2026-03-04T14:33:00Z",
            "overdue": False,
        },
        {
            "audience": "status",
            "last_update_at": None,
            "next_update_due_at": "2026-03-04T14:16:00Z",
            "overdue": True,
        },
    ]


def test_policy_audience_validation():
    from pydantic import ValidationError

    base = {"key": "X", "label": "x", "first_update": 60, "cadence": 60}
    aud = {"key": "exec", "label": "Execs", "first_update": 60, "cadence": 60}
    checked = schemas.Level.model_validate({**base, "audiences": [aud]})
    assert build(Level, checked.model_dump()).audience("exec") is not None
    with pytest.raises(ValidationError, match="internal audience"):
        schemas.Level.model_validate({**base, "audiences": [{**aud, "key": "internal"}]})
    with pytest.raises(ValidationError, match="unique"):
        schemas.Level.model_validate({**base, "audiences": [aud, aud]})
    with pytest.raises(ValidationError, match="duration"):
        schemas.Level.model_validate({**base, "audiences": [{**aud, "cadence": "soon"}]})


def test_a_declaration_without_audiences_still_folds():
    """Incidents declared before audiences existed carry levels without them."""
    log = Log(T0)
    data = log.recs[0].data
    for level in data["policy"]["levels"]:
        level.pop("audiences", None)
        level.pop("mitigate_within", None)
    inc = log.fold()
    assert [p.audience for p in inc.update_plans] == ["internal"]


def test_each_sent_update_remembers_when_it_was_due():
    log = Log(T0)  # SEV-1: internal first update within 10 min, then every 15
    first = log.add("update.sent", {"audience": "internal", "text": "a"}, minutes=12)
    second = log.add("update.sent", {"audience": "internal", "text": "b"}, minutes=20)
    inc = log.fold()
    assert inc.update_due[first.id] == T0 + timedelta(minutes=10)  # 2 min late
    assert inc.update_due[second.id] == T0 + timedelta(minutes=27)  # on time
