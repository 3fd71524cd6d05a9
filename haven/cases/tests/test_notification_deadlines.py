"""Mandatory notifications: to whom, by when, with proof. A notification's deadline runs on the
procedure clock like a step's, and a notification with a condition is due only for the cases
that meet it (Romania: the county inspectorate for grave cases only)."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from haven.cases import selectors, services
from haven.cases.casefile import case_file_html
from haven.cases.models import Case, CaseEvent, CaseTimer
from haven.procedures import engine, loader
from haven.procedures.engine import ProcedureError

ISJ = "notify:isj"


def url(name, *args):
    with translation.override("en"):
        return reverse(name, args=args)


def use(tree, code):
    jurisdiction = tree.school_a.jurisdiction
    jurisdiction.procedure_code = code
    jurisdiction.save()


def record(tree, case, code, when=None):
    return services.case_notification_record(
        actor=tree.users["coordinator"],
        case=case,
        code=code,
        recipient="Secretariat",
        method="official",
        notified_at=when or timezone.now(),
        proof="Registration no. 123",
    )


def step(tree, case, code, who="coordinator"):
    return services.case_transition(actor=tree.users[who], case=case, code=code)


@pytest.fixture
def ro_case(tree):
    """A Romanian case up to its classification, the severity still open."""
    use(tree, "RO")
    case = services.case_open(actor=tree.users["coordinator"], school=tree.school_a, title="Hol")
    step(tree, case, "intervene")
    return case


def classify(tree, case, severity):
    services.case_update(
        actor=tree.users["coordinator"],
        case=case,
        changes={"case_type": "child_child", "severity": severity},
    )
    return step(tree, case, "classify")


# --- the engine, on the procedure alone ---


def test_engine_asks_for_a_conditional_notification_only_when_the_case_meets_it():
    procedure = loader.get("RO")
    investigate = procedure.transition("investigate")
    assert investigate is not None
    grave = {"severity": "grave", "case_type": "child_child"}
    light = {"severity": "light", "case_type": "child_child"}
    _fields, needed = engine.still_needed(procedure, investigate, set(), set(), grave)
    assert len(needed) == 1 and "ISJ" in needed[0]
    assert engine.still_needed(procedure, investigate, set(), set(), light) == ([], [])
    assert engine.still_needed(procedure, investigate, set(), {"isj"}, grave) == ([], [])
    codes = {
        n.code for n in engine.required_notifications(procedure, {**light, "pupils": "victim"})
    }
    assert "isj" not in codes and "parents_victim" in codes


# --- deadlines created and stopped by the engine ---


def test_grave_case_gets_the_inspectorate_deadline_on_classification(tree, ro_case):
    assert not ro_case.timers.filter(code=ISJ).exists()
    case = classify(tree, ro_case, "grave")
    timer = case.timers.get(code=ISJ)
    assert timer.due_at - timer.started_at == dt.timedelta(hours=24)
    assert timer.due_at - timer.remind_at == dt.timedelta(hours=4)
    assert timer.stopped_at is None
    # the commission step waits for the notification, with a clear message
    with pytest.raises(ProcedureError, match="record these notifications"):
        step(tree, case, "investigate")
    record(tree, case, "isj")
    timer.refresh_from_db()
    assert timer.stopped_at is not None  # met: proof of delivery recorded
    step(tree, case, "investigate")
    case.refresh_from_db()
    assert case.state == "investigation"


def test_light_case_has_no_inspectorate_deadline_and_is_not_held_back(tree, ro_case):
    case = classify(tree, ro_case, "light")
    assert not case.timers.filter(code=ISJ).exists()
    step(tree, case, "investigate")
    case.refresh_from_db()
    assert case.state == "investigation"


def test_case_that_turns_grave_later_gets_the_deadline_from_then(tree, ro_case):
    case = classify(tree, ro_case, "light")
    step(tree, case, "investigate")
    later = timezone.now() + dt.timedelta(hours=30)
    with time_machine.travel(later, tick=False):
        services.case_update(
            actor=tree.users["coordinator"], case=case, changes={"severity": "grave"}
        )
    timer = case.timers.get(code=ISJ)
    assert timer.started_at == later and timer.due_at == later + dt.timedelta(hours=24)


def test_deadline_that_no_longer_applies_is_dropped_and_said_so(tree, ro_case):
    case = classify(tree, ro_case, "grave")
    services.case_update(actor=tree.users["coordinator"], case=case, changes={"severity": "light"})
    assert not case.timers.filter(code=ISJ).exists()
    assert CaseEvent.objects.filter(case=case, kind="deadline_dropped", details__timer=ISJ).exists()
    # and comes back if the case is grave after all
    services.case_update(actor=tree.users["coordinator"], case=case, changes={"severity": "grave"})
    assert case.timers.filter(code=ISJ, stopped_at__isnull=True).exists()


def test_notification_made_before_it_fell_due_starts_no_deadline(tree, ro_case):
    record(tree, ro_case, "isj")
    case = classify(tree, ro_case, "grave")
    assert not case.timers.filter(code=ISJ).exists()
    step(tree, case, "investigate")


def test_chinese_police_duty_applies_to_serious_cases_only(tree):
    use(tree, "CN")
    coordinator = tree.users["coordinator"]
    minor = services.case_open(actor=coordinator, school=tree.school_a, title="a")
    serious = services.case_open(actor=coordinator, school=tree.school_a, title="b")
    # parents of both sides: due 24 hours after opening, for every case
    assert minor.timers.filter(code="notify:parents_both").exists()
    services.case_update(actor=coordinator, case=minor, changes={"severity": "minor"})
    services.case_update(actor=coordinator, case=serious, changes={"severity": "serious"})
    assert not minor.timers.filter(code__in=["notify:police", "notify:education_bureau"]).exists()
    assert set(
        serious.timers.filter(code__startswith="notify:").values_list("code", flat=True)
    ) == {"notify:parents_both", "notify:police", "notify:education_bureau"}


def test_a_case_keeps_the_procedure_version_it_started_under(tree, ro_case):
    # A case that started under version 1 still has version 1's extra grave state and step.
    Case.objects.filter(pk=ro_case.pk).update(procedure_version=1)
    ro_case.refresh_from_db()
    assert services.procedure_of(ro_case).transition("report_grave") is not None
    case = classify(tree, ro_case, "grave")
    step(tree, case, "report_grave")
    case.refresh_from_db()
    assert case.state == "grave_reported"
    assert case.timers.filter(code="isj_informed").exists()
    assert not case.timers.filter(code=ISJ).exists()


# --- the clock: reminded before, escalated when missed, exactly once ---


def test_missed_notification_is_reminded_and_escalated_exactly_once(tree, ro_case):
    for user in tree.users.values():
        user.language = "en"
        user.save()
    case = classify(tree, ro_case, "grave")
    record(tree, case, "parents_victim")  # the parents were told: only the ISJ is missing
    timer = case.timers.get(code=ISJ)
    mail.outbox.clear()

    with time_machine.travel(timer.remind_at + dt.timedelta(minutes=1)):
        assert services.clock_sweep() == {"reminded": 1, "escalated": 0}
        assert services.clock_sweep() == {"reminded": 0, "escalated": 0}
    assert [m.to for m in mail.outbox] == [[tree.users["coordinator"].email]]
    assert "Notify: County school inspectorate (ISJ)" in mail.outbox[0].subject

    with time_machine.travel(timer.due_at + dt.timedelta(minutes=1)):
        assert services.clock_sweep() == {"reminded": 0, "escalated": 1}
        assert services.clock_sweep() == {"reminded": 0, "escalated": 0}
        inspector = tree.users["inspector"]
        assert [t.code for t in selectors.overdue_timers(user=inspector)] == [ISJ]
    assert mail.outbox[-1].to == [tree.users["inspector"].email]
    assert "Notify: County school inspectorate (ISJ)" in mail.outbox[-1].subject
    case.refresh_from_db()
    assert case.escalated_at is not None  # the county inspector now sees the case
    assert CaseEvent.objects.filter(case=case, kind="escalated", details__timer=ISJ).count() == 1


def test_the_reminder_is_written_in_the_leads_language_else_the_schools(
    tree, ro_case, compiled_messages
):
    tree.users["coordinator"].language = ""  # none stored: the Romanian school's language
    tree.users["coordinator"].save()
    case = classify(tree, ro_case, "grave")
    record(tree, case, "parents_victim")
    timer = case.timers.get(code=ISJ)
    mail.outbox.clear()
    with time_machine.travel(timer.remind_at + dt.timedelta(minutes=1)):
        services.clock_sweep()
    [message] = mail.outbox
    assert message.subject.startswith("Reamintire:")
    assert "Inspectoratul Școlar Județean (ISJ)" in message.subject
    assert f"/ro/cases/{case.pk}/" in message.body


def test_notification_recorded_in_time_is_never_escalated(tree, ro_case):
    case = classify(tree, ro_case, "grave")
    record(tree, case, "parents_victim")
    record(tree, case, "isj")
    timer = case.timers.get(code=ISJ)
    assert services.clock_sweep(now=timer.due_at + dt.timedelta(hours=1))["escalated"] == 0
    case.refresh_from_db()
    assert case.escalated_at is None


# --- the case page and the API ---


def deadlines_box(page):
    return page.split('id="deadlines-heading"')[1].split("</section>")[0]


def deadline_item(page, code):
    return deadlines_box(page).split(f'data-code="{code}"')[1].split("</li>")[0]


def test_case_page_shows_the_notification_due_and_then_overdue(client, tree, ro_case):
    case = classify(tree, ro_case, "grave")
    timer = case.timers.get(code=ISJ)
    page_url = url("cases:case_detail", case.pk)

    response = client.get(page_url)
    assert response.status_code == 302 and "login" in response["Location"]  # anonymous
    for outsider in ("other_coordinator", "staff", "agency"):
        client.force_login(tree.users[outsider])
        assert client.get(page_url).status_code == 404, outsider

    client.force_login(tree.users["coordinator"])
    page = client.get(page_url).content.decode()
    isj = deadline_item(page, ISJ)
    assert "Notify: County school inspectorate (ISJ)" in isj
    assert 'data-notifications="isj"' in isj
    assert f'class="deadline" data-code="{ISJ}"' in deadlines_box(page)
    assert "Met when the notification to County school inspectorate (ISJ) is recorded" in isj

    with time_machine.travel(timer.due_at + dt.timedelta(minutes=1)):
        client.force_login(tree.users["coordinator"])  # sessions expire within a day
        page = client.get(page_url).content.decode()
    assert f'class="deadline overdue-label" data-code="{ISJ}"' in deadlines_box(page)
    assert "<strong>overdue</strong>" in deadline_item(page, ISJ)

    record(tree, case, "isj")
    isj = deadline_item(client.get(page_url).content.decode(), ISJ)
    assert "met" in isj and "Met when" not in isj  # recorded with proof: no longer due


@pytest.fixture
def ro_v2(monkeypatch):
    """Romania as of version 2, kept for its running cases: one step timer for the parents, met
    by either side's parents or DGASPC (version 3 gives each side its own deadline)."""
    monkeypatch.setitem(loader._CACHE, ("RO", None), loader.get("RO", 2))


def test_api_lists_notification_deadlines_with_the_rules_of_the_pages(client, tree, ro_v2, ro_case):
    case = classify(tree, ro_case, "grave")
    path = f"/api/v1/cases/{case.pk}/deadlines"
    assert client.get(path).status_code == 401
    client.force_login(tree.users["other_coordinator"])
    assert client.get(path).status_code == 404
    client.force_login(tree.users["staff"])
    assert client.get(path).status_code == 404
    client.force_login(tree.users["coordinator"])
    rows = {row["code"]: row for row in client.get(path).json()}
    isj = rows[ISJ]
    assert isj["kind"] == "notification" and isj["notification"] == "isj"
    assert isj["name"] == "Notify: County school inspectorate (ISJ)"
    assert isj["stopped_at"] is None and isj["overdue"] is False
    assert rows["parents_informed"]["kind"] == "step"
    assert rows["parents_informed"]["notification"] is None
    timer = CaseTimer.objects.get(case=case, code=ISJ)
    with time_machine.travel(timer.due_at + dt.timedelta(minutes=1)):
        client.force_login(tree.users["coordinator"])  # sessions expire within a day
        assert {r["code"]: r for r in client.get(path).json()}[ISJ]["overdue"] is True


def test_inbox_names_the_missed_notification(client, tree, ro_case):
    case = classify(tree, ro_case, "grave")
    record(tree, case, "parents_victim")
    timer = case.timers.get(code=ISJ)
    with time_machine.travel(timer.due_at + dt.timedelta(minutes=1)):
        services.clock_sweep()
        for who in ("coordinator", "inspector"):
            client.force_login(tree.users[who])
            page = client.get(url("cases:case_list")).content.decode()
            assert "Notify: County school inspectorate (ISJ)" in page, who
        client.force_login(tree.users["other_coordinator"])
        assert (
            "County school inspectorate" not in client.get(url("cases:case_list")).content.decode()
        )


def test_dropped_deadline_that_was_already_escalated_is_kept_stopped(tree, ro_case):
    case = classify(tree, ro_case, "grave")
    timer = case.timers.get(code=ISJ)
    services.clock_sweep(now=timer.due_at + dt.timedelta(minutes=1))
    services.case_update(actor=tree.users["coordinator"], case=case, changes={"severity": "light"})
    timer.refresh_from_db()  # the escalation stays on record
    assert timer.escalated_at is not None and timer.stopped_at is not None


# --- one list of deadlines: step timers and notification deadlines together, soonest first,
# each saying which notification meets it; the same on the page, in the API and in print ---


PARENTS = "parents_informed"  # RO version 2 (ro_v2)
PARENTS_RECIPIENTS = (
    "Parents of the pupil harmed; Parents of the alleged aggressor; Child protection (DGASPC)"
)


def codes_in(html):
    return re.findall(r'data-code="([^"]+)"', html)


def test_parents_timer_shows_beside_the_notifications_soonest_first(client, tree, ro_v2, ro_case):
    case = classify(tree, ro_case, "grave")
    client.force_login(tree.users["coordinator"])
    page = client.get(url("cases:case_detail", case.pk)).content.decode()
    assert "Notifications due" not in page  # one box, not two
    box = deadlines_box(page)
    # running ones by due time (the parents' 24 h from opening, then the ISJ's 24 h from the
    # classification), then the one already met; each once
    assert codes_in(box) == [PARENTS, ISJ, "intervention_recorded"]
    parents = deadline_item(page, PARENTS)
    assert 'data-notifications="parents_victim parents_aggressor dgaspc"' in parents
    assert f"any of these is recorded with its proof of delivery: {PARENTS_RECIPIENTS}." in parents
    assert "Met when" not in deadline_item(page, "intervention_recorded")


def test_notifying_the_parents_meets_their_timer_on_the_page(client, tree, ro_v2, ro_case):
    case = classify(tree, ro_case, "grave")
    record(tree, case, "parents_aggressor")
    client.force_login(tree.users["coordinator"])
    page = client.get(url("cases:case_detail", case.pk)).content.decode()
    assert codes_in(deadlines_box(page)) == [ISJ, "intervention_recorded", PARENTS]
    parents = deadline_item(page, PARENTS)
    assert " · met" in parents and "Met when" not in parents


def test_api_lists_the_deadlines_as_the_page_does(client, tree, ro_v2, ro_case):
    case = classify(tree, ro_case, "grave")
    client.force_login(tree.users["coordinator"])
    rows = client.get(f"/api/v1/cases/{case.pk}/deadlines").json()
    page = client.get(url("cases:case_detail", case.pk)).content.decode()
    assert [row["code"] for row in rows] == codes_in(deadlines_box(page))
    by_code = {row["code"]: row for row in rows}
    assert by_code[PARENTS]["kind"] == "step"
    assert by_code[PARENTS]["notifications"] == ["parents_victim", "parents_aggressor", "dgaspc"]
    assert by_code[ISJ]["notifications"] == ["isj"]
    assert by_code["intervention_recorded"]["notifications"] == []


def test_printed_file_lists_the_deadlines_as_the_page_does(tree, ro_v2, ro_case):
    case = classify(tree, ro_case, "grave")
    html = case_file_html(case=case, audience="school", language="en")
    deadlines = html.split('<ul class="deadlines">')[1].split("</ul>")[0]
    names = [
        row["name"]
        for row in selectors.case_deadlines(case=case, procedure=services.procedure_of(case))
    ]
    assert names == [
        "Parents informed",
        "Notify: County school inspectorate (ISJ)",
        "Immediate intervention recorded",
    ]
    positions = [deadlines.index(name) for name in names]
    assert positions == sorted(positions)
    assert PARENTS_RECIPIENTS in deadlines
    with time_machine.travel(case.timers.get(code=PARENTS).due_at + dt.timedelta(minutes=1)):
        late = case_file_html(case=case, audience="school", language="en")
    assert "Parents informed: " in late and " · overdue" in late
