"""Cases along their procedure: opening from reports, steps, deadlines, referrals, notes."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from haven.audit.models import AuditEvent
from haven.cases import access as case_access
from haven.cases import selectors, services
from haven.cases.models import Case, CaseTimer, Referral
from haven.intake.models import Status
from haven.intake.tests.helpers import submit
from haven.lib.errors import AccessDenied, InvalidInput, NotFound
from haven.orgs.calendar import calendar_for
from haven.orgs.models import Role
from haven.orgs.tests.factories import member
from haven.procedures.engine import ProcedureError


def url(name, *args):
    with translation.override("en"):
        return reverse(name, args=args)


def tell_parents(tree, case):
    """Record GEN's mandatory notification, so that only the step deadlines run."""
    services.case_notification_record(
        actor=tree.users["coordinator"],
        case=case,
        code="parents_victim",
        recipient="Mother",
        method="phone",
        notified_at=timezone.now(),
        proof="Call noted in the register",
    )


@pytest.fixture
def case(tree):
    report, _receipt = submit(tree.school_a)
    opened = services.case_open(
        actor=tree.users["coordinator"], school=tree.school_a, title="Corridor", reports=[report]
    )
    mail.outbox.clear()  # the new-report e-mail; these tests look at the clock's
    return opened


def test_opening_from_a_report_links_it_and_starts_the_clock(tree, case):
    report = case.reports.get()
    assert report.status == Status.CASE_OPENED
    assert case.state == "registered" and case.procedure_code == "GEN"
    assert case.narrative == report.description
    timer = case.timers.get(code="first_contact")
    assert timer.due_at - case.opened_at == dt.timedelta(hours=24)
    assert case.team.get().user == tree.users["coordinator"]
    assert AuditEvent.objects.filter(action="case.open").exists()
    # the anonymous reporter learns only what the procedure allows: "being handled"
    assert report.public_status == "handling"


def test_only_case_managers_open_cases(tree):
    with pytest.raises(AccessDenied):
        services.case_open(actor=tree.users["staff"], school=tree.school_a, title="x")
    with pytest.raises(AccessDenied):
        services.case_open(actor=tree.users["other_coordinator"], school=tree.school_a, title="x")


def test_step_needs_what_the_procedure_requires(tree, case):
    coordinator = tree.users["coordinator"]
    with pytest.raises(ProcedureError, match="fill in: case type"):
        services.case_transition(actor=coordinator, case=case, code="assess")
    with pytest.raises(ProcedureError, match="not possible while the case is in"):
        services.case_transition(actor=coordinator, case=case, code="close")
    services.case_update(actor=coordinator, case=case, changes={"case_type": "child_child"})
    services.case_transition(actor=coordinator, case=case, code="assess")
    case.refresh_from_db()
    assert case.state == "assessment"
    # the first-contact deadline is met; the plan deadline starts, in school days
    assert case.timers.get(code="first_contact").stopped_at is not None
    plan = case.timers.get(code="plan_agreed")
    assert plan.due_at.astimezone(calendar_for(tree.school_a).zone).hour == 16


def test_codes_must_be_the_procedures_own(tree, case):
    with pytest.raises(InvalidInput):
        services.case_update(
            actor=tree.users["coordinator"], case=case, changes={"severity": "apocalyptic"}
        )


def test_role_must_be_allowed_by_the_procedure(tree, case):
    psychologist = tree.users["psychologist"]
    services.case_member_add(
        actor=tree.users["coordinator"], case=case, user=psychologist, role="member"
    )
    services.case_update(
        actor=tree.users["coordinator"], case=case, changes={"case_type": "child_child"}
    )
    with pytest.raises(ProcedureError, match="Your role does not allow"):
        services.case_transition(actor=psychologist, case=case, code="assess")


def test_closing_stops_every_deadline_and_tells_the_reporter(tree, case):
    coordinator = tree.users["coordinator"]
    services.case_update(
        actor=coordinator,
        case=case,
        changes={"case_type": "child_child", "severity": "low", "determination": "bullying"},
    )
    for step in ("assess", "plan", "implement", "review", "close"):
        services.case_transition(actor=coordinator, case=case, code=step)
    case.refresh_from_db()
    assert case.closed_at is not None
    assert not case.timers.filter(stopped_at__isnull=True).exists()
    assert case.reports.get().public_status == "closed"


def test_clock_reminds_and_escalates_exactly_once(tree, case, mailoutbox):
    tell_parents(tree, case)
    timer = case.timers.get(code="first_contact")
    CaseTimer.objects.filter(pk=timer.pk).update(remind_at=timezone.now() - dt.timedelta(minutes=1))
    later = timer.due_at + dt.timedelta(minutes=1)
    first = services.clock_sweep(now=later)
    again = services.clock_sweep(now=later + dt.timedelta(hours=1))
    assert first == {"reminded": 1, "escalated": 1}
    assert again == {"reminded": 0, "escalated": 0}
    case.refresh_from_db()
    assert case.escalated_at is not None
    inspector = tree.users["inspector"]
    assert [m.to for m in mailoutbox] == [[tree.users["coordinator"].email], [inspector.email]]
    # the inspector above now sees the case and its missed deadline
    assert selectors.case_get(user=inspector, pk=case.pk) == case
    with time_machine.travel(later):
        assert list(selectors.overdue_timers(user=inspector)) == [timer]


def test_met_deadlines_are_never_escalated(tree, case):
    tell_parents(tree, case)
    services.case_update(
        actor=tree.users["coordinator"], case=case, changes={"case_type": "child_child"}
    )
    services.case_transition(actor=tree.users["coordinator"], case=case, code="assess")
    result = services.clock_sweep(now=timezone.now() + dt.timedelta(hours=25))
    assert result["escalated"] == 0
    case.refresh_from_db()
    assert case.escalated_at is None


def test_inspector_does_not_see_cases_that_were_not_escalated(tree, case):
    with pytest.raises(NotFound):
        selectors.case_get(user=tree.users["inspector"], pk=case.pk)


def test_notifications_need_proof_and_are_recorded(tree, case):
    coordinator = tree.users["coordinator"]
    with pytest.raises(InvalidInput):
        services.case_notification_record(
            actor=coordinator,
            case=case,
            code="parents_victim",
            recipient="Mother",
            method="phone",
            notified_at=timezone.now(),
            proof=" ",
        )
    record = services.case_notification_record(
        actor=coordinator,
        case=case,
        code="parents_victim",
        recipient="Mother",
        method="phone",
        notified_at=timezone.now(),
        proof="Call at 10:05, noted in register",
    )
    assert record.recorded_by == coordinator


def test_referral_is_answered_by_the_agency_which_sees_only_the_referral(tree, case):
    referral = services.referral_send(
        actor=tree.users["coordinator"],
        case=case,
        kind="child_protection",
        agency=tree.county,
        message="Please assess the family situation.",
    )
    agency = tree.users["agency"]
    with pytest.raises(NotFound):
        selectors.case_get(user=agency, pk=case.pk)
    assert list(selectors.referral_list(user=agency)) == [referral]
    with pytest.raises(InvalidInput):
        services.referral_answer(actor=agency, referral=referral, status="rejected")
    services.referral_answer(actor=agency, referral=referral, status="accepted", answer="On it")
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED
    with pytest.raises(AccessDenied):
        services.referral_answer(actor=tree.users["coordinator"], referral=referral, status="done")


def test_restricted_notes_are_the_psychologists_and_the_principals(tree, case):

    psychologist = tree.users["psychologist"]
    services.case_member_add(
        actor=tree.users["coordinator"], case=case, user=psychologist, role="member"
    )
    services.case_note_add(actor=psychologist, case=case, body="Session notes", restricted=True)
    assert case_access.notes_visible(psychologist, case).count() == 1
    assert case_access.notes_visible(tree.users["principal"], case).count() == 1
    assert case_access.notes_visible(tree.users["coordinator"], case).count() == 0
    with pytest.raises(InvalidInput):
        services.case_note_add(
            actor=tree.users["coordinator"], case=case, body="x", restricted=True
        )


def test_team_members_only_from_the_school_or_above(tree, case):
    with pytest.raises(InvalidInput):
        services.case_member_add(
            actor=tree.users["coordinator"],
            case=case,
            user=tree.users["other_coordinator"],
            role="member",
        )


def test_concurrent_steps_move_the_case_once(tree, case):
    coordinator = tree.users["coordinator"]
    services.case_update(actor=coordinator, case=case, changes={"case_type": "child_child"})
    services.case_transition(actor=coordinator, case=case, code="assess")
    stale = Case.objects.get(pk=case.pk)
    stale.state = "registered"  # a second browser tab still showing the old state
    with pytest.raises(ProcedureError):
        services.case_transition(actor=coordinator, case=stale, code="assess")


# Pages: anonymous, wrong role, right role, other school.


def test_case_pages_follow_need_to_know(client, tree, case):
    target = url("cases:case_detail", case.pk)
    assert client.get(target).status_code == 302
    for role in ("staff", "psychologist", "inspector", "agency", "other_coordinator", "admin"):
        client.force_login(tree.users[role])
        assert client.get(target).status_code == 404, role
    for role in ("coordinator", "principal"):
        client.force_login(tree.users[role])
        page = client.get(target)
        assert page.status_code == 200 and case.narrative in page.content.decode()
    teacher = member(Role.STAFF, tree.school_a, email="teacher@a.example")
    services.case_member_add(
        actor=tree.users["coordinator"], case=case, user=teacher, role="informed"
    )
    client.force_login(teacher)
    assert client.get(target).status_code == 200


def test_open_a_case_from_the_report_page(client, tree):
    report, _ = submit(tree.school_a)
    client.force_login(tree.users["coordinator"])
    page = client.get(url("intake:report_detail", report.pk)).content.decode()
    assert url("cases:case_open_from_report", report.pk) in page
    response = client.post(url("cases:case_open_from_report", report.pk), {"title": "Yard"})
    case = Case.objects.get()
    assert response["Location"] == url("cases:case_detail", case.pk)
    client.force_login(tree.users["other_coordinator"])
    assert (
        client.post(url("cases:case_open_from_report", report.pk), {"title": "x"}).status_code
        == 404
    )


def test_step_refusal_is_a_translated_message_on_the_page(client, tree, case):
    client.force_login(tree.users["coordinator"])
    # the page says beforehand what the step still needs
    page = client.get(url("cases:case_detail", case.pk)).content.decode()
    assert "Still needed: case type" in page
    response = client.post(
        url("cases:case_act", case.pk), {"action": "step", "step": "assess"}, follow=True
    )
    assert "fill in: case type" in response.content.decode()
    case.refresh_from_db()
    assert case.state == "registered"


def test_clock_tick_command_is_idempotent(tree, case, capsys):
    from django.core.management import call_command

    tell_parents(tree, case)
    with time_machine.travel(timezone.now() + dt.timedelta(days=2)):
        call_command("clock_tick")
        call_command("clock_tick")
    # The cases sweep's own lines (jobs of the apps above log theirs too).
    out = [line for line in capsys.readouterr().out.splitlines() if line.startswith("reminded")]
    assert out == ["reminded 1, escalated 1", "reminded 0, escalated 0"]
    assert len(mail.outbox) == 2


def _determined(tree, case):
    services.case_update(
        actor=tree.users["coordinator"], case=case, changes={"determination": "bullying"}
    )
    return case


def test_appeal_is_decided_by_the_reviewer_above(tree, case):
    _determined(tree, case)
    appeal = services.appeal_file(
        actor=tree.users["coordinator"],
        case=case,
        filed_by="Parents of the accused pupil",
        grounds="It was a fight between friends.",
    )
    inspector = tree.users["inspector"]
    # the appeal makes the case visible to the reviewer above
    assert selectors.case_get(user=inspector, pk=case.pk) == case
    with pytest.raises(AccessDenied):
        services.appeal_decide(
            actor=tree.users["principal"], appeal=appeal, outcome="upheld", decision="x"
        )
    with pytest.raises(InvalidInput):
        services.appeal_decide(actor=inspector, appeal=appeal, outcome="changed", decision="x")
    services.appeal_decide(
        actor=inspector,
        appeal=appeal,
        outcome="changed",
        decision="Equals, no power imbalance.",
        determination="conflict",
    )
    case.refresh_from_db()
    assert case.determination == "conflict"
    with pytest.raises(InvalidInput):
        services.appeal_decide(actor=inspector, appeal=appeal, outcome="upheld", decision="again")


def test_no_appeal_without_a_determination(tree, case):
    with pytest.raises(InvalidInput):
        services.appeal_file(actor=tree.users["coordinator"], case=case, filed_by="x", grounds="y")


def test_escalation_goes_to_the_role_the_procedure_names(tree, case, mailoutbox):
    # GEN escalates to the inspector; a timer escalating to the principal must not open the
    # case to inspectors.
    timer = case.timers.get(code="first_contact")
    from unittest import mock

    with mock.patch.object(services, "escalation_role", return_value=Role.PRINCIPAL):
        services.clock_sweep(now=timer.due_at + dt.timedelta(minutes=1))
    case.refresh_from_db()
    assert case.escalated_at is None


def test_measures_per_party_with_responsible_and_due_date(client, tree, case):
    coordinator, teacher = tree.users["coordinator"], tree.users["staff"]
    party = services.case_party_add(actor=coordinator, case=case, role="victim", description="A")
    with pytest.raises(InvalidInput):
        services.measure_add(
            actor=coordinator,
            case=case,
            what="Talk",
            responsible=tree.users["other_coordinator"],
            due_on=dt.date(2026, 12, 1),
            party=party,
        )
    measure = services.measure_add(
        actor=coordinator,
        case=case,
        what="Daily check-in with the class teacher",
        responsible=teacher,
        due_on=dt.date(2026, 12, 1),
        party=party,
    )
    with pytest.raises(AccessDenied):
        services.measure_done(actor=tree.users["psychologist"], measure=measure)
    services.measure_done(actor=teacher, measure=measure)  # the person responsible
    measure.refresh_from_db()
    assert measure.done_at is not None
    client.force_login(coordinator)
    page = client.get(url("cases:case_detail", case.pk)).content.decode()
    assert "Daily check-in with the class teacher" in page


def test_case_list_shows_each_user_only_their_own(client, tree, case):
    for role, sees in (("coordinator", True), ("staff", False), ("agency", False)):
        client.force_login(tree.users[role])
        response = client.get(url("cases:case_list"))
        assert response.status_code == 200
        assert (url("cases:case_detail", case.pk) in response.content.decode()) == sees, role


def test_case_files_are_cleaned_and_served_only_to_need_to_know(client, tree, case):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from haven.intake.tests.helpers import jpeg_with_gps

    photo = SimpleUploadedFile("IMG_1234.jpg", jpeg_with_gps())
    client.force_login(tree.users["coordinator"])
    client.post(
        url("cases:case_act", case.pk),
        {"action": "file", "description": "Photo of the bruise", "file": photo},
    )
    attachment = case.attachments.get()
    with attachment.file.open("rb") as handle:
        assert b"SecretPhone" not in handle.read()
    target = url("cases:case_attachment", case.pk, attachment.pk)
    assert client.get(target).status_code == 200
    for role in ("other_coordinator", "staff", "inspector", "agency"):
        client.force_login(tree.users[role])
        assert client.get(target).status_code == 404, role
    client.force_login(tree.users["coordinator"])
    bad = SimpleUploadedFile("x.jpg", b"not an image")
    response = client.post(
        url("cases:case_act", case.pk),
        {"action": "file", "description": "x", "file": bad},
        follow=True,
    )
    assert "Only photos, screenshots" in response.content.decode()
    assert case.attachments.count() == 1
    # The file field offers what the intake's cleaning accepts, voice messages included.
    from haven.intake.forms import FILE_TYPES

    assert f'accept="{FILE_TYPES}"' in response.content.decode() and ".ogg" in FILE_TYPES


def test_a_class_teacher_kept_informed_sees_the_step_and_own_measures_only(client, tree, case):
    teacher = member(Role.STAFF, tree.school_a, email="class.teacher@a.example")
    coordinator = tree.users["coordinator"]
    services.case_member_add(actor=coordinator, case=case, user=teacher, role="informed")
    services.case_note_add(actor=coordinator, case=case, body="NOTE-team")
    measure = services.measure_add(
        actor=coordinator,
        case=case,
        what="Seat the pupils apart",
        responsible=teacher,
        due_on=dt.date(2026, 12, 1),
    )
    client.force_login(teacher)
    page = client.get(url("cases:case_detail", case.pk)).content.decode()
    assert "Seat the pupils apart" in page
    assert case.narrative not in page and "NOTE-team" not in page
    client.post(url("cases:case_act", case.pk), {"action": "measure_done", "measure": measure.pk})
    measure.refresh_from_db()
    assert measure.done_at is not None
    with pytest.raises(AccessDenied):
        services.case_note_add(actor=teacher, case=case, body="x")


def test_a_title_longer_than_the_register_keeps_is_refused_not_a_server_error(tree):
    with pytest.raises(InvalidInput, match="at most 200 characters"):
        services.case_open(actor=tree.users["coordinator"], school=tree.school_a, title="x" * 201)
    assert (
        services.case_open(
            actor=tree.users["coordinator"], school=tree.school_a, title="x" * 200
        ).title
        == "x" * 200
    )
