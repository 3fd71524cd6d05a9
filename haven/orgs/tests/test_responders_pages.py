"""No school without responders: listed for its administrator and inspector, warned on the
school's page; the on-call rota kept by the unit's administrator."""

import pytest
from django.urls import reverse
from django.utils import translation

from haven.audit.models import AuditEvent
from haven.orgs import selectors
from haven.orgs.models import OnCall, OrgUnit, Role
from haven.orgs.tests.factories import member, unit


def url(name, *args):
    with translation.override("en"):
        return reverse(name, args=args)


@pytest.fixture
def empty(tree):
    school = unit(tree.zone_b, OrgUnit.Kind.SCHOOL, "SCH-EMPTY")
    member(Role.STAFF, school)
    return school


def test_schools_without_an_active_coordinator_or_principal_are_listed(tree, empty):
    for who in ("admin", "inspector"):
        assert list(selectors.schools_without_responders(user=tree.users[who])) == [empty]
    # A school whose only coordinator left is listed too.
    coordinator = tree.users["other_coordinator"]
    coordinator.is_active = False
    coordinator.save()
    found = selectors.schools_without_responders(user=tree.users["inspector"])
    assert set(found) == {empty, tree.school_b}
    # Nobody outside the county sees them.
    elsewhere = unit(tree.country, OrgUnit.Kind.COUNTY, "BV")
    outsider = member(Role.ADMIN, elsewhere)
    assert not selectors.schools_without_responders(user=outsider).exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [(None, 302), ("staff", 404), ("agency", 404), ("admin", 200), ("inspector", 200)],
)
def test_the_list_page_is_for_administrators_and_inspectors(client, tree, empty, who, status):
    if who:
        client.force_login(tree.users[who])
    response = client.get(url("schools_without_responders"))
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert url("orgunit_detail", empty.pk) in page
        assert url("orgunit_detail", tree.school_a.pk) not in page
        listing = client.get(url("orgunit_list")).content.decode()
        assert url("schools_without_responders") in listing


def test_the_school_page_warns_that_nobody_responds(client, tree, empty):
    client.force_login(tree.users["admin"])
    warning = "Nobody responds to reports at this school"
    assert warning in client.get(url("orgunit_detail", empty.pk)).content.decode()
    assert warning not in client.get(url("orgunit_detail", tree.school_a.pk)).content.decode()


def admin_url(name, *args):
    with translation.override("en"):
        return reverse(f"admin:{name}", args=args)


def test_the_units_administrator_keeps_its_on_call_rota(client, tree):
    client.force_login(tree.users["admin"])
    data = {
        "unit": tree.school_a.pk,
        "user": tree.users["coordinator"].pk,
        "weekdays": ["0", "1", "2", "3", "4"],
        "start_time": "16:00",
        "end_time": "22:00",
    }
    response = client.post(admin_url("orgs_oncall_add"), data)
    assert response.status_code == 302, response.content
    duty = OnCall.objects.get()
    assert duty.weekdays == [0, 1, 2, 3, 4]
    assert AuditEvent.objects.filter(action="on_call.add", actor=tree.users["admin"]).exists()
    # Someone who cannot open the school's reports cannot be on call for it.
    refused = client.post(admin_url("orgs_oncall_add"), {**data, "user": tree.users["staff"].pk})
    assert refused.status_code == 200
    assert b"cannot open the reports of this unit" in refused.content
    # Nor can a coordinator keep the rota, nor an administrator elsewhere.
    client.force_login(tree.users["coordinator"])
    assert client.post(admin_url("orgs_oncall_add"), data).status_code in (302, 403)
    assert OnCall.objects.count() == 1
