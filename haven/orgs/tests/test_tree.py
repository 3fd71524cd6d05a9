import pytest
from django.db import connection

from haven.audit.models import AuditEvent
from haven.lib.errors import AccessDenied, InvalidInput
from haven.orgs import services
from haven.orgs.models import PATH_SEGMENT, OrgUnit, collapse_paths, path_upper_bound
from haven.orgs.tests.factories import unit


def test_path_is_parent_path_plus_own_id(tree):
    assert tree.school_a.path == tree.zone_a.path + str(tree.school_a.pk).zfill(PATH_SEGMENT)
    assert tree.school_a.depth == 3
    assert tree.class_a.is_within(tree.county)
    assert not tree.school_b.is_within(tree.zone_a)


def test_subtree_contains_exactly_the_descendants(tree):
    got = set(OrgUnit.objects.subtree_of(tree.zone_a).values_list("code", flat=True))
    assert got == {"ZA", "SCH-A", "5A"}
    both = OrgUnit.objects.subtree_of(tree.zone_a, tree.school_b)
    assert set(both.values_list("code", flat=True)) == {"ZA", "SCH-A", "5A", "SCH-B"}


def test_subtree_does_not_leak_into_sibling_with_longer_id(tree):
    # A sibling whose id shares the digits of another must not fall in its range.
    siblings = [unit(tree.zone_b, OrgUnit.Kind.SCHOOL, f"S{i}") for i in range(12)]
    for sibling in siblings:
        inside = set(OrgUnit.objects.subtree_of(sibling).values_list("pk", flat=True))
        assert inside == {sibling.pk}


def test_ancestors_root_first(tree):
    assert list(tree.class_a.ancestors()) == [tree.country, tree.county, tree.zone_a, tree.school_a]


def test_collapse_paths_keeps_outermost():
    assert collapse_paths(["0000000001", "00000000010000000002", "0000000003"]) == [
        "0000000001",
        "0000000003",
    ]
    assert path_upper_bound("00000000010000000009") == "00000000010000000010"


def test_subtree_query_uses_the_path_index(tree):
    sql, params = OrgUnit.objects.subtree_of(tree.zone_a).query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = " ".join(str(row) for row in cursor.fetchall())
            assert "USING INDEX" in plan and "path" in plan.lower()
        else:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
            plan = " ".join(row[0] for row in cursor.fetchall())
            assert "Index" in plan and "path" in plan


def test_create_writes_audit_event_in_same_transaction(tree):
    admin = tree.users["admin"]
    school = services.orgunit_create(
        actor=admin, parent=tree.zone_b, kind="school", code="NEW", name="New school"
    )
    event = AuditEvent.objects.get(action="orgunit.create", object_id=str(school.pk))
    assert event.actor == admin
    assert event.org_unit == school
    assert school.jurisdiction == tree.zone_b.jurisdiction


def test_admin_cannot_create_outside_own_subtree(tree):
    with pytest.raises(AccessDenied):
        services.orgunit_create(
            actor=tree.users["admin"], parent=tree.country, kind="county", code="X", name="X"
        )
    with pytest.raises(AccessDenied):
        services.orgunit_create(
            actor=tree.users["coordinator"],
            parent=tree.school_a,
            kind="class",
            code="6B",
            name="6B",
        )


def test_duplicate_code_is_refused_and_nothing_is_lost(tree):
    count = OrgUnit.objects.count()
    with pytest.raises(InvalidInput):
        services.orgunit_create(
            actor=None, parent=tree.school_a, kind="class", code="5A", name="Again"
        )
    with pytest.raises(InvalidInput):
        # School codes are unique everywhere: they appear in public report links.
        services.orgunit_create(
            actor=None, parent=tree.zone_b, kind="school", code="SCH-A", name="Clash"
        )
    assert OrgUnit.objects.count() == count
    assert not AuditEvent.objects.filter(object_repr="Clash").exists()


def test_update_records_before_and_after(tree):
    services.orgunit_update(
        actor=tree.users["admin"], unit=tree.school_b, code="SCH-B", name="Renamed", kind="school"
    )
    event = AuditEvent.objects.get(action="orgunit.update")
    assert event.details["before"]["name"] == "Unit SCH-B"
    assert event.details["after"]["name"] == "Renamed"
