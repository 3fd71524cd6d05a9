"""People are told through the notifier, in their language, with a link and never content:
referral sent (the agency), referral answered (the case lead), appeal lodged (the reviewer)."""

import pytest
from django.core import mail

from haven.cases import services
from haven.intake.tests.helpers import submit
from haven.notify.models import Message

SECRET = "Please assess the family situation of the pupil in 5A."


@pytest.fixture
def case(tree, django_capture_on_commit_callbacks):
    report, _receipt = submit(tree.school_a)
    with django_capture_on_commit_callbacks(execute=True):
        opened = services.case_open(
            actor=tree.users["coordinator"],
            school=tree.school_a,
            title="Corridor",
            reports=[report],
        )
    mail.outbox.clear()
    return opened


def sent(kind):
    return sorted((m.recipient.email, m.language) for m in Message.objects.filter(kind=kind))


def test_referral_sent_tells_the_agency_and_its_answer_tells_the_lead(
    tree, case, django_capture_on_commit_callbacks
):
    agency, lead = tree.users["agency"], tree.users["coordinator"]
    agency.language, lead.language = "nl", "vi"
    agency.save()
    lead.save()
    with django_capture_on_commit_callbacks(execute=True):
        referral = services.referral_send(
            actor=tree.users["coordinator"],
            case=case,
            kind="child_protection",
            agency=tree.county,
            message=SECRET,
        )
    assert sent("cases.referral_sent") == [("agency@county.example", "nl")]
    [message] = mail.outbox
    assert message.to == ["agency@county.example"]
    assert SECRET not in message.body and f"/nl/cases/referrals/{referral.pk}/" in message.body
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.referral_answer(actor=agency, referral=referral, status="accepted", answer="Ok")
        services.referral_answer(actor=agency, referral=referral, status="done", answer="Done")
    # The lead (who opened the case) is told of each answer, once each.
    assert sent("cases.referral_answered") == [("coordinator@a.example", "vi")] * 2
    assert [m.to for m in mail.outbox] == [["coordinator@a.example"]] * 2
    assert all("Ok" not in m.body and "Done" not in m.body for m in mail.outbox)


def test_an_appeal_tells_the_reviewer_the_procedure_names_once(
    tree, case, django_capture_on_commit_callbacks
):
    services.case_update(
        actor=tree.users["coordinator"], case=case, changes={"determination": "bullying"}
    )
    with django_capture_on_commit_callbacks(execute=True):
        appeal = services.appeal_file(
            actor=tree.users["coordinator"],
            case=case,
            filed_by="Parents of the accused pupil",
            grounds="It was a fight between friends.",
        )
    # The inspector above the school decides (in the jurisdiction's language, having set
    # none); the school's own people are not told.
    assert sent("cases.appeal_lodged") == [("inspector@county.example", "ro")]
    [message] = mail.outbox
    assert "fight between friends" not in message.body
    assert f"/cases/{case.pk}/" in message.body
    assert Message.objects.get(kind="cases.appeal_lodged").dedupe_key == f"appeal:{appeal.pk}"
