"""Message templates: filled from the incident's state, data the user can override, and
delivered by publishers without ever undoing the recorded update."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.clock import ManualClock
from cockpit.comms import (
    FIELDS,
    PUBLIC_FIELDS,
    SHIPPED_TEMPLATES,
    Template,
    TemplateError,
    draft_update,
    escalate_to,
    fill_values,
    load_template,
    load_templates,
    placeholders,
    render,
    template_names,
)
from cockpit.config import ConfigError, config_dir
from cockpit.entry import EntryError
from cockpit.incident import Incident
from cockpit.publish import (
    ClipboardPublisher,
    Delivery,
    FilePublisher,
    SentUpdate,
    exports_dir,
    publish_all,
)
from cockpit.service import Cockpit
from cockpit.store import Store
from tests.conftest import T0
from tests.unit.factory import Log

HOSTILE = [
    "[bold]loud[/] [red]x[/red]",
    "\x1b[31mred\x1b[0m \x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\",
    "\u202eevil RTL\u202c مرحبا",
    "emoji 🔥🧯 and \u200d joiner",
    "{impact} {{ }} {title.__class__}",
]


def scene(title: str = "Checkout returns 500s", impact: str | None = None) -> Log:
    """A SEV-1 eight minutes in: an IC, an impact that names people and a service, a
    hypothesis, two actions, a follow-up and a timer."""
    log = Log(T0, title=title)
    log.add("role.assigned", {"role": "ic", "handle": "alice"}, minutes=1)
    log.add("role.assigned", {"role": "comms", "handle": "carol"}, minutes=1)
    log.add("context.set", {"key": "services", "value": "payments-api"}, minutes=2)
    log.add(
        "impact.set",
        {"impact": impact or "EU checkouts failing for 30% (@bob on payments-api)"},
        minutes=2,
    )
    log.add("entry.hypothesis", {"text": "pool exhausted after deploy 2291"}, minutes=3)
    log.add("entry.action", {"text": "paged @dave on payments-api"}, minutes=4)
    log.add("entry.action", {"text": "rolled back deploy 2291"}, minutes=5)
    log.add("entry.todo", {"text": "alert on pool saturation"}, minutes=6)
    return log


NOW = T0 + timedelta(minutes=8)  # 15:08 in Berlin


def draft(inc: Incident, name: str, **kwargs: object) -> str:
    template, warnings = load_template(name)
    assert warnings == []
    return draft_update(inc, template, NOW, **kwargs).text  # type: ignore[arg-type]


# shipped templates -----------------------------------------------------------------------
def test_the_six_templates_ship_with_their_audiences() -> None:
    templates, warnings = load_templates()
    assert warnings == []
    assert set(SHIPPED_TEMPLATES) <= set(templates)
    audiences = {name: templates[name].audience for name in SHIPPED_TEMPLATES}
    assert audiences == {
        "ack": "internal",
        "internal": "internal",
        "executive": "executive",
        "status": "status",
        "escalation": "escalation",
        "resolution": "internal",
    }


def test_every_field_has_a_value_and_every_shipped_template_fills() -> None:
    inc = scene().fold()
    values = fill_values(inc, NOW)
    assert set(values) == set(FIELDS)
    for name in SHIPPED_TEMPLATES:
        text = draft(inc, name)
        assert text and "{" not in text, (name, text)


def test_ack_says_aware_investigating_and_when_the_next_update_comes() -> None:
    text = draft(scene().fold(), "ack")
    assert text.startswith("We are aware of Checkout returns 500s (SEV-1, INC-")
    assert "investigating" in text
    # SEV-1: internal updates every 15 min, so the ack promises 15:23 Berlin time.
    assert "Next update in 15 minutes (by 15:23 CET)." in text


def test_ack_promises_its_next_update() -> None:
    inc = scene().fold()
    template, _ = load_template("ack")
    made = draft_update(inc, template, NOW)
    assert made.audience == "internal"
    assert made.next_update_at == NOW + timedelta(minutes=15)
    chosen = draft_update(inc, template, NOW, next_update_at=NOW + timedelta(minutes=20))
    assert "Next update in 20 minutes (by 15:28 CET)" in chosen.text


def test_internal_has_status_impact_actions_and_next_update() -> None:
    text = draft(scene().fold(), "internal")
    lines = text.splitlines()
    assert lines[0].endswith("SEV-1: Checkout returns 500s")
    assert "Status: investigating, 8 min since it started" in lines
    assert "Impact: EU checkouts failing for 30% (@bob on payments-api)" in lines
    assert "- 15:05 rolled back deploy 2291" in lines
    assert "- pool exhausted after deploy 2291" in lines
    assert "- Incident commander: @alice" in lines
    assert lines[-1] == "Next update: 15:23 CET"


def test_times_follow_the_zone_asked_for() -> None:
    inc = scene().fold()
    template, _ = load_template("internal")
    text = draft_update(inc, template, NOW, UTC).text
    assert text.splitlines()[-1] == "Next update: 14:23 UTC"


def test_executive_has_business_and_customer_impact_eta_and_decision() -> None:
    text = draft(scene().fold(), "executive")
    assert "Business impact: SEV-1 (Critical): EU checkouts failing" in text
    assert "Customer impact: EU checkouts failing" in text
    assert "ETA to resolution: unknown" in text
    assert "Decision needed: none at this time" in text
    # Executives are owed an update every 30 min at SEV-1.
    assert "Next update: 15:38 CET" in text


def test_status_page_text_names_no_people_services_or_internal_title() -> None:
    log = scene(title="db-3 disk full on payments-api")
    inc = log.fold()
    text = draft(inc, "status")
    assert text.startswith("Investigating: We are investigating EU checkouts failing for 30%.")
    assert "We will post an update by" in text
    for secret in ("@", "alice", "bob", "carol", "dave", "payments-api", "db-3", "INC-"):
        assert secret not in text, (secret, text)


@pytest.mark.parametrize(
    ("status", "stage"),
    [
        ("identified", "Identified: "),
        ("monitoring", "Monitoring: "),
        ("mitigated", "Monitoring: "),
        ("resolved", "Resolved: "),
        ("closed", "Resolved: "),
    ],
)
def test_status_page_follows_the_public_stages(status: str, stage: str) -> None:
    log = scene()
    log.add("status.set", {"status": status}, minutes=7)
    text = draft(log.fold(), "status")
    assert text.startswith(stage)
    assert "@" not in text and "payments-api" not in text


def test_status_page_without_an_impact_still_reads_plainly() -> None:
    inc = Log(T0).fold()
    text = draft(inc, "status")
    assert "a problem affecting some of our services" in text


def test_escalation_pages_the_next_policy_step() -> None:
    log = scene()
    inc = log.fold()
    assert escalate_to(inc) == "engineering leadership"
    assert "to engineering leadership" in draft(inc, "escalation")
    log.add("escalation.made", {"to": "engineering leadership"}, minutes=7)
    assert escalate_to(log.fold()) == "executives"
    log.add("escalation.made", {"to": "executives"}, minutes=7)
    assert escalate_to(log.fold()) == "executives"  # the last step repeats


def test_escalation_without_steps_names_the_next_level() -> None:
    inc = Log(T0, severity="SEV-3").fold()
    assert escalate_to(inc) == "the next level of on-call"


def test_resolution_says_what_happened_how_long_what_was_done_and_what_follows() -> None:
    log = scene()
    log.add("summary.set", {"summary": "a bad deploy exhausted the pool"}, minutes=30)
    log.add("status.set", {"status": "resolved"}, minutes=45)
    inc = log.fold()
    template, _ = load_template("resolution")
    made = draft_update(inc, template, T0 + timedelta(minutes=50))
    text = made.text
    assert "What happened: a bad deploy exhausted the pool" in text
    assert "How long: 45 min, from 15:00 CET to 15:45 CET" in text
    assert "- 15:04 paged @dave on payments-api" in text
    assert "- alert on pool saturation" in text
    assert made.next_update_at is None  # a resolved incident promises nothing


# placeholders ------------------------------------------------------------------------------
def test_placeholders_and_literal_braces() -> None:
    assert placeholders("{title} {{not}} {ref}") == ["title", "ref"]
    assert render("{{{title}}}", {"title": "x"}) == "{x}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{sevrity}", "unknown placeholder {sevrity}; did you mean {severity}?"),
        ("{title.__class__}", "is not a placeholder"),
        ("{title!r}", "is not a placeholder"),
        ("{title:>40}", "is not a placeholder"),
        ("{0}", "is not a placeholder"),
        ("a { b", "a lone '{' on line 1"),
        ("a\nb }", "a lone '}' on line 2"),
    ],
)
def test_bad_placeholders_are_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        Template(label="x", audience="internal", body=text)
    assert message in str(info.value)
    with pytest.raises(TemplateError):
        render(text, dict.fromkeys(FIELDS, ""))


def test_values_go_in_literally_and_are_never_filled_again() -> None:
    log = scene(title="{impact} {{ }} {title.__class__}", impact="[bold]{ref}[/]")
    text = draft(log.fold(), "internal")
    assert "{impact} {{ }} {title.__class__}" in text
    assert "Impact: [bold]{ref}[/]" in text


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1).filter(lambda t: t.strip() and "\x00" not in t))
def test_any_text_passes_through_templates_literally(text: str) -> None:
    log = Log(T0, title=text)
    log.add("impact.set", {"impact": text}, minutes=1)
    log.add("entry.action", {"text": text}, minutes=2)
    log.add("entry.hypothesis", {"text": text}, minutes=2)
    inc = log.fold()
    internal = draft(inc, "internal")
    assert f"SEV-1: {text}\n" in internal
    assert f"\nImpact: {text}\n" in internal
    assert f"- 15:02 {text}\n" in internal
    assert f"- {text}\n" in internal


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_text_is_kept_as_typed(hostile: str) -> None:
    log = scene(title=hostile, impact=hostile)
    inc = log.fold()
    for name in ("ack", "internal", "executive", "escalation", "resolution"):
        assert hostile in draft(inc, name), name


# overrides -------------------------------------------------------------------------------
def user_template(name: str, text: str) -> Path:
    folder = config_dir() / "templates"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_user_template_replaces_the_shipped_one() -> None:
    user_template(
        "internal",
        'label = "Ours"\naudience = "internal"\nbody = "{severity} {title}: next {next_update}"\n',
    )
    template, warnings = load_template("internal")
    assert warnings == []
    assert template.label == "Ours"
    assert draft(scene().fold(), "internal") == "SEV-1 Checkout returns 500s: next 15:23 CET"


def test_a_user_can_add_a_template() -> None:
    user_template("slack", 'label = "Slack"\naudience = "internal"\nbody = "*{title}*"\n')
    assert "slack" in template_names()
    template, _ = load_template("slack")
    assert template.name == "slack"
    assert draft_update(scene().fold(), template, NOW).text == "*Checkout returns 500s*"


def test_a_broken_user_template_warns_with_file_and_line_and_the_shipped_one_works() -> None:
    path = user_template(
        "internal",
        'label = "Ours"\naudience = "internal"\n\nbody = """\nHi\n{sevrity}\n"""\n',
    )
    template, warnings = load_template("internal")
    assert template.label == "Internal update"  # the shipped one
    assert len(warnings) == 1
    assert warnings[0].startswith(f"{path}:4: body: unknown placeholder {{sevrity}}")
    assert "did you mean {severity}?" in warnings[0]
    assert "using the shipped templates/internal.toml" in warnings[0]


def test_a_misspelt_key_in_a_user_template_is_named_with_a_suggestion() -> None:
    path = user_template("ack", 'label = "x"\naudience = "internal"\nbodi = "x"\n')
    _, warnings = load_template("ack")
    assert warnings[0].startswith(f"{path}:3: bodi: unknown key; did you mean 'body'?")


def test_a_broken_user_only_template_is_an_error_with_file_and_line() -> None:
    path = user_template("slack", 'label = "x"\naudience = "internal"\nbody = "{nope}"\n')
    with pytest.raises(ConfigError) as info:
        load_template("slack")
    assert str(info.value).startswith(f"{path}:3: body: unknown placeholder {{nope}}")
    templates, warnings = load_templates()
    assert "slack" not in templates and "internal" in templates
    assert any(str(path) in w for w in warnings)


def test_a_status_template_may_not_name_people_or_systems() -> None:
    path = user_template(
        "status", 'label = "x"\naudience = "status"\nbody = "{title} by {ic}: {stage}"\n'
    )
    template, warnings = load_template("status")
    assert template.label == "Status page"
    assert warnings[0].startswith(f"{path}:3: body: {{title}} may name people")
    assert all(name in FIELDS for name in PUBLIC_FIELDS)


def test_an_unknown_template_name_suggests_one() -> None:
    with pytest.raises(ConfigError, match="did you mean 'internal'"):
        load_template("intrnal")


# publishers ------------------------------------------------------------------------------
def sent(text: str = "All good\nnext 15:30", audience: str = "internal") -> SentUpdate:
    return SentUpdate(
        ref="INC-ABC123",
        incident_id="01KJWJ" + "0" * 20,
        audience=audience,
        template="internal",
        text=text,
        sent_at=datetime(2026, 3, 4, 14, 15, 9, tzinfo=UTC),
        author="alice",
        event_id="01KJWJ" + "0" * 14 + "XYZ789",
    )


def test_file_publisher_writes_a_private_file_atomically(tmp_path: Path) -> None:
    publisher = FilePublisher(tmp_path / "exports")
    delivery = publisher.publish(sent())
    assert delivery == Delivery(
        "file", True, str(tmp_path / "exports/INC-ABC123/20260304T141509Z-internal.txt")
    )
    path = Path(delivery.where)
    assert path.read_text(encoding="utf-8") == "All good\nnext 15:30\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.parent.parent.stat().st_mode) == 0o700
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left


def test_file_publisher_is_idempotent_and_keeps_two_updates_in_one_second(tmp_path: Path) -> None:
    publisher = FilePublisher(tmp_path)
    first = publisher.publish(sent())
    again = publisher.publish(sent())
    assert again.ok and again.where == first.where and again.detail == "already written"
    other = publisher.publish(sent("Another update"))
    assert other.ok and other.where != first.where
    assert other.where.endswith("-internal-xyz789.txt")
    assert len(list(Path(first.where).parent.iterdir())) == 2


def test_file_publisher_tightens_a_folder_that_is_too_open(tmp_path: Path) -> None:
    root = tmp_path / "exports"
    (root / "INC-ABC123").mkdir(parents=True)
    os.chmod(root, 0o755)
    os.chmod(root / "INC-ABC123", 0o777)
    FilePublisher(root).publish(sent())
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    assert stat.S_IMODE((root / "INC-ABC123").stat().st_mode) == 0o700


def test_file_publisher_failure_is_a_message_not_an_exception(tmp_path: Path) -> None:
    blocker = tmp_path / "exports"
    blocker.write_text("a file where the folder should be")
    delivery = FilePublisher(blocker).publish(sent())
    assert not delivery.ok
    assert "cannot write" in delivery.detail
    assert delivery.message().startswith("file: not delivered to ")


def test_file_publisher_writes_hostile_text_as_typed(tmp_path: Path) -> None:
    text = "\n".join(HOSTILE)
    delivery = FilePublisher(tmp_path).publish(sent(text))
    assert Path(delivery.where).read_text(encoding="utf-8") == text + "\n"


def test_exports_go_to_the_user_data_folder_or_the_override(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert str(exports_dir()).startswith(os.environ["HOME"])  # conftest's temp home
    assert exports_dir().name == "exports"
    monkeypatch.setenv("COCKPIT_EXPORT_DIR", str(tmp_path / "elsewhere"))
    assert exports_dir() == tmp_path / "elsewhere"


def test_clipboard_publisher_calls_the_copy_it_was_given() -> None:
    copied: list[str] = []
    assert ClipboardPublisher(copied.append).publish(sent("hi")) == Delivery(
        "clipboard", True, "clipboard"
    )
    assert copied == ["hi"]

    def broken(text: str) -> None:
        raise RuntimeError("no terminal")

    failed = ClipboardPublisher(broken).publish(sent())
    assert not failed.ok and failed.detail == "RuntimeError: no terminal"


def test_one_failing_publisher_does_not_stop_the_others(tmp_path: Path) -> None:
    class Exploding:
        name = "exploding"

        def publish(self, update: SentUpdate) -> Delivery:
            raise OSError("boom")

    copied: list[str] = []
    deliveries = publish_all(
        sent(), [Exploding(), ClipboardPublisher(copied.append), FilePublisher(tmp_path)]
    )
    assert [d.ok for d in deliveries] == [False, True, True]
    assert deliveries[0].detail == "OSError: boom"
    assert copied == ["All good\nnext 15:30"]


# the service ------------------------------------------------------------------------------
def cockpit_at(tmp_path: Path) -> tuple[Cockpit, ManualClock]:
    clock = ManualClock(T0)
    store = Store(tmp_path / "svc.db", clock)
    return Cockpit(store, clock, author="alice", zone_name="Europe/Berlin"), clock


def test_send_update_records_the_event_and_resets_that_audience(tmp_path: Path) -> None:
    cockpit, clock = cockpit_at(tmp_path)
    incident_id = cockpit.declare("Checkout errors", "SEV-1").incident_id
    clock.advance(minutes=9)
    inc = cockpit.incident(incident_id)
    template, _ = load_template("internal")
    made = draft_update(inc, template, cockpit.now())
    event = cockpit.send_update(
        incident_id,
        text=made.text,
        audience=made.audience,
        template=made.template,
        next_update_at=made.next_update_at,
    )
    after = cockpit.incident(incident_id)
    assert after.updates[-1].id == event.id
    assert after.updates[-1].data["text"] == made.text
    assert after.updates[-1].data["template"] == "internal"
    assert after.next_update is not None
    assert after.next_update.due_at == T0 + timedelta(minutes=24)
    deliveries = cockpit.publish_update(event, [FilePublisher(tmp_path / "out")])
    assert deliveries[0].ok
    assert Path(deliveries[0].where).read_text(encoding="utf-8") == made.text + "\n"


def test_a_failed_publish_never_undoes_the_update(tmp_path: Path) -> None:
    cockpit, _ = cockpit_at(tmp_path)
    incident_id = cockpit.declare("Checkout errors", "SEV-1").incident_id
    event = cockpit.send_update(incident_id, text="Investigating", audience="executive")
    (tmp_path / "blocked").write_text("x")
    deliveries = cockpit.publish_update(event, [FilePublisher(tmp_path / "blocked")])
    assert not deliveries[0].ok
    assert [u.id for u in cockpit.incident(incident_id).updates] == [event.id]


def test_an_escalation_page_records_the_escalation(tmp_path: Path) -> None:
    cockpit, _ = cockpit_at(tmp_path)
    incident_id = cockpit.declare("Checkout errors", "SEV-1").incident_id
    cockpit.send_update(
        incident_id, text="page", audience="escalation", escalated_to="engineering leadership"
    )
    inc = cockpit.incident(incident_id)
    assert [r.data["to"] for r in inc.escalations] == ["engineering leadership"]
    assert escalate_to(inc) == "executives"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"text": "  "}, "an update needs some text"),
        ({"text": "x", "audience": "Big Bosses"}, "is not an audience name"),
        ({"text": "x", "next_update_at": T0 - timedelta(minutes=1)}, "after now"),
        ({"text": "bad \udcff byte"}, "not valid UTF-8"),
    ],
)
def test_send_update_refuses_bad_input_and_records_nothing(
    tmp_path: Path, kwargs: dict[str, object], message: str
) -> None:
    cockpit, _ = cockpit_at(tmp_path)
    incident_id = cockpit.declare("Checkout errors", "SEV-1").incident_id
    with pytest.raises(EntryError, match=message):
        cockpit.send_update(incident_id, **kwargs)  # type: ignore[arg-type]
    assert cockpit.incident(incident_id).updates == []
