"""One conversation per reporter for the life of the case: the case team answers each
reporter after the case opens and after merges, every reporter message alerts whoever answers
and stays unread until they open it, and the closing message tells every reporter the outcome.
"""

import json
import re

import pytest
from django.urls import reverse
from django.utils import translation

from haven.cases import services
from haven.intake import services as intake_services
from haven.intake.models import Report
from haven.intake.tests.helpers import submit
from haven.lib.errors import AccessDenied, InvalidInput
from haven.notify.models import Message

pytestmark = pytest.mark.django_db


def url(name, *args):
    with translation.override("en"):
        return reverse(name, args=args)


def post(client, path, payload):
    return client.post(path, json.dumps(payload), content_type="application/json")


def followup(client, receipt, language="en"):
    """The follow-up page as the reporter sees it, in ``language``."""
    with translation.override(language):
        path = reverse("followup")
    return client.post(path, {"receipt": str(receipt)}, HTTP_ACCEPT_LANGUAGE=language)


def unread(report):
    return Report.objects.get(pk=report.pk).unread_since is not None


def wrote(report):
    """Who was told that the reporter of ``report`` wrote."""
    return {
        m.recipient.email
        for m in Message.objects.filter(
            kind="intake.reporter_wrote", dedupe_key__contains=f"report:{report.pk}:"
        )
    }


@pytest.fixture
def opened(tree):
    """A pupil's report with a case opened from it by the coordinator (its lead)."""
    report, receipt = submit(tree.school_a)
    case = services.case_open(
        actor=tree.users["coordinator"], school=tree.school_a, title="Corridor", reports=[report]
    )
    return report, receipt, case


def close(tree, case, **closing):
    coordinator = tree.users["coordinator"]
    services.case_update(
        actor=coordinator,
        case=case,
        changes={"case_type": "child_child", "severity": "low", "determination": "bullying"},
    )
    for step in ("assess", "plan", "implement", "review"):
        services.case_transition(actor=coordinator, case=case, code=step)
    return services.case_transition(actor=coordinator, case=case, code="close", **closing)


def test_the_school_answers_after_the_case_opens_and_the_reporter_reads_it(client, tree, opened):
    report, receipt, case = opened
    intake_services.report_staff_write(
        actor=tree.users["coordinator"], report=report, body="We are on it."
    )
    intake_services.report_reporter_write(report=report, body="Thank you, it went on today.")
    client.force_login(tree.users["coordinator"])
    answered = client.post(
        url("cases:case_act", case.pk),
        {"action": "reply", "report": report.pk, "body": "We will talk to the class tomorrow."},
    )
    assert answered.status_code == 302
    page = followup(client, receipt).content.decode()
    for text in ("We are on it.", "Thank you, it went on today.", "talk to the class tomorrow"):
        assert text in page


def test_a_reporter_message_alerts_the_case_lead_not_the_coordinators(tree):
    report, _ = submit(tree.school_a)
    services.case_open(
        actor=tree.users["principal"], school=tree.school_a, title="Yard", reports=[report]
    )
    intake_services.report_reporter_write(report=report, body="It happened again.")
    assert wrote(report) == {"principal@a.example"}
    message = Message.objects.get(kind="intake.reporter_wrote")
    # A link to the case, never what the reporter wrote.
    assert "/cases/" in message.body and "happened again" not in message.body + message.subject


def test_without_a_case_the_coordinators_are_alerted_each_time(tree):
    report, _ = submit(tree.school_a)
    intake_services.report_reporter_write(report=report, body="One more thing.")
    intake_services.report_reporter_write(report=report, body="And another.")
    assert wrote(report) == {"coordinator@a.example"}
    assert Message.objects.filter(kind="intake.reporter_wrote").count() == 2
    assert "One more thing" not in Message.objects.filter(kind="intake.reporter_wrote").first().body


def test_a_message_stays_unread_until_someone_who_answers_opens_it(client, tree, opened):
    report, _, case = opened
    assert not unread(report)
    intake_services.report_reporter_write(report=report, body="Are you there?")
    assert unread(report)
    client.force_login(tree.users["coordinator"])
    inbox = client.get(url("intake:inbox")).content.decode()
    assert "unread" in inbox
    # The inspector may not open a report the school has not raised; the message stays new.
    client.force_login(tree.users["inspector"])
    assert client.get(url("intake:report_detail", report.pk)).status_code == 404
    assert unread(report)
    client.force_login(tree.users["coordinator"])
    page = client.get(url("cases:case_detail", case.pk)).content.decode()
    assert "unread" in page and "Are you there?" in page  # shown as unread this once
    assert not unread(report)
    assert "unread" not in client.get(url("cases:case_detail", case.pk)).content.decode()
    # Writing again makes it unread again; answering reads it.
    intake_services.report_reporter_write(report=report, body="Hello?")
    assert unread(report)
    intake_services.report_staff_write(actor=tree.users["coordinator"], report=report, body="Yes.")
    assert not unread(report)


def test_a_merged_reporter_keeps_their_own_conversation_with_the_case_team(client, tree, opened):
    report, receipt, case = opened
    second, second_receipt = submit(tree.school_a, description="I saw them push her.")
    intake_services.report_merge(actor=tree.users["coordinator"], report=second, into=report)
    intake_services.report_reporter_write(report=report, body="First pupil secret words.")
    intake_services.report_reporter_write(report=second, body="Second pupil secret words.")
    # The second reporter's message reaches the case lead, as the first one's does.
    assert wrote(second) == {"coordinator@a.example"}

    client.force_login(tree.users["coordinator"])
    page = client.get(url("cases:case_detail", case.pk)).content.decode()
    assert f'id="conversation-{second.pk}"' in page and f'id="conversation-{report.pk}"' in page
    client.post(
        url("cases:case_act", case.pk),
        {"action": "reply", "report": second.pk, "body": "Thank you for telling us."},
    )
    first_page = followup(client, receipt).content.decode()
    second_page = followup(client, second_receipt).content.decode()
    assert "Thank you for telling us." in second_page
    assert "Second pupil secret words." in second_page
    # Isolation: neither reporter reads the other's words or the school's answers to them.
    assert "Second pupil secret words." not in first_page
    assert "Thank you for telling us." not in first_page
    assert "First pupil secret words." not in second_page


def test_the_case_team_answers_only_its_own_reports(client, tree, opened):
    report, _, case = opened
    elsewhere, _ = submit(tree.school_a)
    client.force_login(tree.users["coordinator"])
    client.post(
        url("cases:case_act", case.pk),
        {"action": "reply", "report": elsewhere.pk, "body": "Wrong thread."},
    )
    assert not elsewhere.messages.exists()
    # Staff without a role in triage or the case may not answer, whatever the page.
    with pytest.raises(AccessDenied):
        intake_services.report_staff_write(actor=tree.users["staff"], report=report, body="Hi")


def test_a_lead_without_triage_rights_answers_their_case_reporter(tree, opened):
    """The case team is whoever may manage the case: a staff member made its lead, too."""
    report, _, case = opened
    services.case_member_add(
        actor=tree.users["coordinator"], case=case, user=tree.users["staff"], role="lead"
    )
    intake_services.report_staff_write(actor=tree.users["staff"], report=report, body="I'm here.")
    assert report.messages.filter(author=tree.users["staff"]).exists()


def test_both_reporters_read_the_closing_message_in_their_language(client, tree, opened):
    report, receipt, case = opened
    second, second_receipt = submit(tree.school_a)
    intake_services.report_merge(actor=tree.users["coordinator"], report=second, into=report)
    services.measure_add(
        actor=tree.users["coordinator"],
        case=case,
        what="Talk with the boys of 7B",
        responsible=tree.users["coordinator"],
        due_on=case.opened_at.date(),
    )
    close(tree, case, closing_message="dealt_with", closing_note="Thank you for your courage.")
    english = followup(client, receipt).content.decode()
    assert "took measures" in english and "Thank you for your courage." in english
    romanian = followup(client, second_receipt, "ro").content.decode()
    assert "a luat măsuri" in romanian and "Thank you for your courage." in romanian
    for page in (english, romanian):
        # Never the measures, nor whom they concern (as a word: a CSRF token may hold "7B").
        assert not re.search(r"\b7B\b", page)
    # Other front ends and bots read the same outcome.
    told = client.post(
        "/api/v1/reports/follow-up",
        json.dumps({"receipt": str(second_receipt)}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="ro",
    ).json()
    assert told["status"] == "closed" and "a luat măsuri" in told["outcome"]["text"]
    assert told["outcome"]["note"] == "Thank you for your courage."
    event = case.events.get(kind="transition", details__after="closed")
    assert event.details["closing"] == "dealt_with"


def test_a_closing_message_outside_the_procedure_is_refused(tree, opened):
    _, _, case = opened
    with pytest.raises(InvalidInput):
        close(tree, case, closing_message="made_up")
    assert Report.objects.get().outcome == {}
    assert case.__class__.objects.get().closed_at is None  # nothing was closed


def test_no_outcome_is_shown_before_the_case_closes(client, tree, opened):
    _report, receipt, case = opened
    # A closing message given to a step that does not close the case is not told.
    services.case_update(
        actor=tree.users["coordinator"], case=case, changes={"case_type": "child_child"}
    )
    services.case_transition(
        actor=tree.users["coordinator"], case=case, code="assess", closing_message="dealt_with"
    )
    assert 'id="outcome"' not in followup(client, receipt).content.decode()


def test_the_closing_page_offers_the_procedures_messages(client, tree, opened):
    _, _, case = opened
    client.force_login(tree.users["coordinator"])
    close_step = case.pk
    services.case_update(
        actor=tree.users["coordinator"],
        case=case,
        changes={"case_type": "child_child", "severity": "low", "determination": "bullying"},
    )
    assert (
        'name="closing_message"'
        not in client.get(url("cases:case_detail", close_step)).content.decode()
    )
    for step in ("assess", "plan", "implement", "review"):
        services.case_transition(actor=tree.users["coordinator"], case=case, code=step)
    page = client.get(url("cases:case_detail", case.pk)).content.decode()
    assert page.count('name="closing_message"') == 3


# The API: the same services and rules (anonymous, wrong role, other school, right role).


def test_api_opens_a_case_from_a_report(client, tree):
    report, _ = submit(tree.school_a)
    path = f"/api/v1/cases/from-report/{report.pk}"
    assert post(client, path, {"title": "Yard"}).status_code == 401
    for role, status in (("staff", 404), ("other_coordinator", 404), ("inspector", 404)):
        client.force_login(tree.users[role])
        refused = post(client, path, {"title": "Yard"})
        assert refused.status_code == status, role
        assert refused["Content-Type"] == "application/problem+json"
    client.force_login(tree.users["coordinator"])
    assert post(client, path, {"title": ""}).status_code == 422
    opened = post(client, path, {"title": "Yard", "case_type": "child_child"})
    assert opened.status_code == 201, opened.content
    assert opened.json()["case_type"] == "child_child"
    assert Report.objects.get(pk=report.pk).status == "case_opened"


def test_api_lists_and_sends_the_case_teams_messages(client, tree, opened):
    report, _receipt, case = opened
    second, _ = submit(tree.school_a)
    intake_services.report_merge(actor=tree.users["coordinator"], report=second, into=report)
    intake_services.report_reporter_write(report=second, body="Me too.")
    path = f"/api/v1/cases/{case.pk}/messages"
    assert client.get(path).status_code == 401
    assert post(client, path, {"report": report.pk, "body": "Hi"}).status_code == 401
    for role in ("staff", "other_coordinator", "inspector", "agency"):
        client.force_login(tree.users[role])
        assert client.get(path).status_code == 404, role
        assert post(client, path, {"report": report.pk, "body": "Hi"}).status_code == 404, role
    client.force_login(tree.users["coordinator"])
    listed = client.get(path).json()
    assert [(c["report_id"], c["merged_into"], c["unread"]) for c in listed] == [
        (report.pk, None, False),
        (second.pk, report.pk, True),
    ]
    assert listed[1]["messages"][0]["body"] == "Me too."
    assert not unread(second)  # read through the API as on the page
    sent = post(client, path, {"report": second.pk, "body": "Thank you."})
    assert sent.status_code == 201 and sent.json()["sender"] == "staff"
    assert post(client, path, {"report": report.pk, "body": " "}).status_code == 422
    stranger, _ = submit(tree.school_a)
    assert post(client, path, {"report": stranger.pk, "body": "Hi"}).status_code == 404
    # The report's own endpoint no longer refuses once a case is open.
    own = post(client, f"/api/v1/reports/{report.pk}/messages", {"body": "Still here."})
    assert own.status_code == 201, own.content


def test_staff_entry_links_to_the_report_only_for_who_may_open_it(client, tree):
    from haven.intake.tests.helpers import VALID

    for role, token in (("staff", "t-1"), ("coordinator", "t-2")):
        client.force_login(tree.users[role])
        page = client.post(
            url("intake:report_enter"),
            {**VALID, "channel": "hotline", "school": tree.school_a.pk, "submission_token": token},
        )
        report = Report.objects.get(submission_key__isnull=False, entered_by=tree.users[role])
        link = url("intake:report_detail", report.pk)
        shown = link in page.content.decode()
        assert shown == (role == "coordinator"), role
        if shown:
            assert client.get(link).status_code == 200
