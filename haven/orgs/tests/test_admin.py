from django.urls import reverse
from django.utils import translation

from haven.audit.models import AuditEvent
from haven.orgs.models import Membership, OrgUnit


def admin_url(name, *args):
    with translation.override("en"):
        return reverse(f"admin:{name}", args=args)


def test_admin_site_is_closed_to_anonymous_and_non_admins(client, tree):
    assert client.get(admin_url("index")).status_code == 302
    for role in ("coordinator", "principal", "inspector", "agency"):
        client.force_login(tree.users[role])
        response = client.get(admin_url("index"))
        assert response.status_code == 302, role


def test_admin_adds_a_school_under_a_district_through_the_service(client, tree):
    client.force_login(tree.users["admin"])
    response = client.post(
        admin_url("orgs_orgunit_add"),
        {"parent": tree.zone_b.pk, "kind": "school", "code": "SCH-NEW", "name": "New school"},
    )
    assert response.status_code == 302, response.content
    school = OrgUnit.objects.get(code="SCH-NEW")
    assert school.parent == tree.zone_b and school.jurisdiction == tree.zone_b.jurisdiction
    assert school.path.startswith(tree.zone_b.path)
    event = AuditEvent.objects.get(action="orgunit.create", object_id=str(school.pk))
    assert event.actor == tree.users["admin"]


def test_admin_duplicate_code_shows_an_error_and_keeps_input(client, tree):
    client.force_login(tree.users["admin"])
    response = client.post(
        admin_url("orgs_orgunit_add"),
        {"parent": tree.school_a.pk, "kind": "class", "code": "5A", "name": "Duplicate"},
    )
    assert response.status_code == 200
    assert b"already uses this code" in response.content
    assert b'value="Duplicate"' in response.content


def test_admin_cannot_add_outside_own_subtree(client, tree):
    client.force_login(tree.users["admin"])
    response = client.post(
        admin_url("orgs_orgunit_add"),
        {"parent": tree.country.pk, "kind": "county", "code": "XX", "name": "Elsewhere"},
    )
    assert response.status_code == 200  # the parent is not among the choices
    assert not OrgUnit.objects.filter(code="XX").exists()


def test_admin_lists_only_units_of_own_subtree(client, tree):
    client.force_login(tree.users["admin"])
    page = client.get(admin_url("orgs_orgunit_changelist")).content.decode()
    assert "Unit SCH-B" in page
    assert admin_url("orgs_orgunit_change", tree.country.pk) not in page
    assert client.get(admin_url("orgs_orgunit_change", tree.country.pk)).status_code == 302


def test_admin_invites_a_user_with_a_role(
    client, tree, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(tree.users["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            admin_url("orgs_user_add"),
            {
                "email": "New.Teacher@a.example",
                "full_name": "New Teacher",
                "language": "ro",
                "unit": tree.school_a.pk,
                "role": "staff",
            },
        )
    assert response.status_code == 302, response.content
    membership = Membership.objects.get(user__email="new.teacher@a.example")
    assert membership.unit == tree.school_a and membership.role == "staff"
    assert len(mailoutbox) == 1


def test_audit_log_is_read_only_in_admin(client, tree):
    client.force_login(tree.users["admin"])
    event = AuditEvent.objects.filter(org_unit=tree.school_a).first()
    assert client.get(admin_url("audit_auditevent_changelist")).status_code == 200
    assert client.get(admin_url("audit_auditevent_change", event.pk)).status_code == 200
    assert client.get(admin_url("audit_auditevent_add")).status_code == 403
    assert client.post(admin_url("audit_auditevent_delete", event.pk)).status_code == 403


def test_country_administrator_keeps_the_school_calendar(client, tree):
    from haven.orgs.models import Holiday, Role
    from haven.orgs.tests.factories import member

    jurisdiction = tree.country.jurisdiction
    change = admin_url("orgs_jurisdiction_change", jurisdiction.pk)
    client.force_login(tree.users["admin"])  # administrator of a county: not the calendar
    assert b'name="_save"' not in client.get(change).content  # view only
    assert client.post(change, {}).status_code == 403
    national = member(Role.ADMIN, tree.country, email="national@ro.example")
    client.force_login(national)
    page = client.get(change)
    assert page.status_code == 200
    data = {
        "first_response_hours": "12",
        "acknowledge_minutes": "20",
        "deadline_overrides": '{"plan_agreed": {"school_days": 3}}',
        "weekend_days": "[5, 6]",
        "school_day_start": "08:00",
        "school_day_end": "15:00",
        "phone_numbers": '[{"kind": "emergency", "number": "112"}]',
        "holidays-TOTAL_FORMS": "1",
        "holidays-INITIAL_FORMS": "0",
        "holidays-0-date": "2026-12-01",
        "holidays-0-name": "Ziua Națională",
    }
    response = client.post(change, data)
    assert response.status_code == 302, response.content
    jurisdiction.refresh_from_db()
    assert jurisdiction.first_response_hours == 12 and jurisdiction.acknowledge_minutes == 20
    assert Holiday.objects.get(jurisdiction=jurisdiction).name == "Ziua Națională"
    assert jurisdiction.code == "RO"  # the code stays the operators' to change
    assert AuditEvent.objects.filter(action="jurisdiction.update", actor=national).exists()
