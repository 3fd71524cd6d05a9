"""The printed case file holds only what its recipient may see, in their language."""

from django.urls import reverse
from django.utils import translation

from haven.audit.models import AuditEvent
from haven.cases import casefile, services


def _case(tree):
    case = services.case_open(
        actor=tree.users["coordinator"],
        school=tree.school_a,
        title="Yard",
        narrative="NARRATIVE-secret",
    )
    services.case_party_add(
        actor=tree.users["coordinator"], case=case, role="victim", description="PARTY-Ana"
    )
    psychologist = tree.users["psychologist"]
    services.case_member_add(
        actor=tree.users["coordinator"], case=case, user=psychologist, role="member"
    )
    services.case_note_add(actor=psychologist, case=case, body="NOTE-restricted", restricted=True)
    referral = services.referral_send(
        actor=tree.users["coordinator"],
        case=case,
        kind="child_protection",
        agency=tree.county,
        message="REFERRAL-message",
    )
    return case, referral


def test_agency_version_holds_the_referral_only(tree):
    case, referral = _case(tree)
    html = casefile.case_file_html(case=case, audience="agency", language="ro", referral=referral)
    assert "REFERRAL-message" in html
    assert "NARRATIVE-secret" not in html and "PARTY-Ana" not in html
    assert 'lang="ro"' in html
    assert "Confidențial: informații despre copii." in html  # in the recipient's language


def test_school_version_never_holds_restricted_notes(tree):
    case, _ = _case(tree)
    html = casefile.case_file_html(case=case, audience="school", language="zh-hans")
    assert "NARRATIVE-secret" in html and "PARTY-Ana" in html
    assert "NOTE-restricted" not in html


def test_who_may_print_which_version(client, tree):
    case, referral = _case(tree)
    with translation.override("en"):
        target = reverse("cases:case_file", args=[case.pk])
        referral_target = reverse("cases:referral_file", args=[referral.pk])
    client.force_login(tree.users["coordinator"])
    response = client.post(target, {"audience": "agency", "language": "ro"})
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="case.file").exists()
    for role in ("other_coordinator", "staff", "agency", "inspector"):
        client.force_login(tree.users[role])
        assert client.post(target, {"audience": "school", "language": "en"}).status_code == 404
    client.force_login(tree.users["agency"])
    assert client.get(referral_target).content.startswith(b"%PDF")
    client.force_login(tree.users["other_coordinator"])
    assert client.get(referral_target).status_code == 404
