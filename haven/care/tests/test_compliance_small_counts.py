"""Pupils of concern counted in the compliance overview: the school's own staff see their
figure; above the school (a county inspector, the ministry) a count of 1-9 pupils is hidden,
in the school's row, the zone subtotals and the total alike."""

from haven.care.tests.helpers import build_world, register
from haven.orgs.models import Role
from haven.orgs.tests.factories import member
from haven.prevention import compliance
from haven.prevention.tests.helpers import url

CONCERN = "concern_reviews"


def column(response, rows="table"):
    index = compliance.indicator_keys().index(CONCERN)
    if rows == "table":
        return {school.code: cells[index][0] for school, cells in response.context["table"]}
    if rows == "groups":
        return {below.code: cells[index] for below, cells in response.context["groups"]}
    return response.context["totals"][index]


def test_two_pupils_of_concern_do_not_travel_up_as_they_are(client, tree):
    world = build_world(tree)
    register(world)
    register(world, world.pupil_b)
    client.force_login(tree.users["principal"])
    own = client.get(url("prevention:overview", tree.school_a.pk))
    assert column(own)["SCH-A"].shown is None  # the school's own staff: as it is
    assert "2 of 2 (100%)" in own.content.decode()
    ministry = member(Role.ADMIN, tree.country, email="ministry@example.org")
    for viewer, level in ((tree.users["inspector"], tree.county), (ministry, tree.country)):
        client.force_login(viewer)
        page = client.get(url("prevention:overview", level.pk))
        assert column(page)["SCH-A"].hidden and column(page, "totals").hidden
        assert all(cell.hidden for cell in column(page, "groups").values())
        assert "2 of 2 (100%)" not in page.content.decode()
    # An inspector opening the school's own overview is still above the school.
    client.force_login(tree.users["inspector"])
    page = client.get(url("prevention:overview", tree.school_a.pk))
    assert column(page)["SCH-A"].hidden


def test_a_hidden_school_cannot_be_worked_out_from_the_zone_and_its_siblings(tree):
    from haven.care.tests.helpers import pupil
    from haven.orgs.models import OrgUnit
    from haven.orgs.tests.factories import unit

    world = build_world(tree)
    # Zone A: school A with 2 pupils of concern, a sibling school with 12: the zone shows 14,
    # so the sibling must be hidden too, or 14 - 12 gives school A's 2 back.
    sibling = unit(tree.zone_a, OrgUnit.Kind.SCHOOL, "SCH-S")
    sibling_class = unit(sibling, OrgUnit.Kind.CLASS, "7A")
    coordinator = member(Role.COORDINATOR, sibling, email="coord@s.example")
    member(Role.STAFF, sibling_class, email="teacher@s.example")  # the class teacher
    register(world)
    register(world, world.pupil_b)
    for n in range(12):
        register(world, pupil(sibling_class, f"S{n}", "Pupil", str(n)), actor=coordinator)
    schools = [tree.school_a, sibling, tree.school_b]
    found = compliance.overview(schools, 2026, unit=tree.county, protect=True)
    index = compliance.indicator_keys().index(CONCERN)
    rows = {school.code: cells[index] for school, cells in found.rows}
    zone = {below.code: cells[index] for below, cells in found.groups}["ZA"]
    assert rows["SCH-A"].hidden
    # Never the zone and the sibling both shown: their difference is school A's count.
    assert zone.hidden or rows["SCH-S"].hidden
