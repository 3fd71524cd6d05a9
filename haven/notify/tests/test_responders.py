"""Who responds for a unit now: the on-call rota, else a school's coordinators and principal,
else the inspectors above, level by level."""

import datetime as dt
import zoneinfo

from haven.notify.recipients import responder_levels, responders
from haven.orgs import services
from haven.orgs.models import OnCall, OrgUnit, Role
from haven.orgs.tests.factories import member, unit

BUCHAREST = zoneinfo.ZoneInfo("Europe/Bucharest")
# A Wednesday.
NOON = dt.datetime(2026, 3, 4, 12, 0, tzinfo=BUCHAREST)
NIGHT = dt.datetime(2026, 3, 4, 23, 30, tzinfo=BUCHAREST)


def duty(unit_, user, days, start, end):
    return OnCall.objects.create(
        unit=unit_, user=user, weekdays=days, start_time=dt.time(*start), end_time=dt.time(*end)
    )


def users_of(found):
    return {user.email for user in found.users}


def test_without_a_rota_the_schools_coordinators_and_principal_then_the_inspectors(tree):
    levels = responder_levels(tree.school_a, now=NOON)
    assert [level.unit for level in levels] == [tree.school_a, tree.county]
    assert users_of(levels[0]) == {"coordinator@a.example", "principal@a.example"}
    assert users_of(levels[1]) == {"inspector@county.example"}
    assert responders(tree.school_a, level=2, now=NOON) is None


def test_the_rota_replaces_the_school_level_only_while_it_covers_now(tree):
    on_call = member(Role.STAFF, tree.school_a, email="oncall@a.example")
    duty(tree.school_a, on_call, [0, 1, 2, 3, 4], (8, 0), (18, 0))
    assert users_of(responders(tree.school_a, now=NOON)) == {"oncall@a.example"}
    # Out of its hours (and at the weekend) the coordinators and principal answer again.
    assert users_of(responders(tree.school_a, now=NIGHT)) == {
        "coordinator@a.example",
        "principal@a.example",
    }
    saturday = NOON + dt.timedelta(days=3)
    assert "oncall@a.example" not in users_of(responders(tree.school_a, now=saturday))


def test_a_night_duty_runs_past_midnight_and_belongs_to_the_day_it_starts(tree):
    night = member(Role.INSPECTOR, tree.county, email="night@county.example")
    duty(tree.county, night, [2], (22, 0), (6, 0))  # Wednesday night
    assert users_of(responders(tree.school_a, level=1, now=NIGHT)) == {"night@county.example"}
    thursday_early = NIGHT + dt.timedelta(hours=4)
    assert users_of(responders(tree.school_a, level=1, now=thursday_early)) == {
        "night@county.example"
    }
    # Thursday night is off the rota: the county's inspectors (the night one among them).
    thursday_night = NIGHT + dt.timedelta(days=1)
    assert users_of(responders(tree.school_a, level=1, now=thursday_night)) == {
        "inspector@county.example",
        "night@county.example",
    }


def test_hours_are_the_jurisdictions_local_time(tree):
    on_call = member(Role.STAFF, tree.school_a, email="oncall@a.example")
    duty(tree.school_a, on_call, [2], (8, 0), (9, 0))
    # 06:30 UTC is 08:30 in Bucharest in March.
    utc = dt.datetime(2026, 3, 4, 6, 30, tzinfo=dt.UTC)
    assert users_of(responders(tree.school_a, now=utc)) == {"oncall@a.example"}


def test_a_school_without_responders_starts_at_the_level_above(tree):
    empty = unit(tree.zone_b, OrgUnit.Kind.SCHOOL, "SCH-EMPTY")
    member(Role.STAFF, empty)  # staff do not answer reports
    levels = responder_levels(empty, now=NOON)
    assert [level.unit for level in levels] == [tree.county]


def test_inactive_people_and_departed_responders_are_skipped(tree):
    for name in ("coordinator", "principal"):
        user = tree.users[name]
        user.is_active = False
        user.save()
    assert responders(tree.school_a, now=NOON).unit == tree.county
    services.membership_revoke(actor=None, membership=tree.users["inspector"].memberships.get())
    assert responders(tree.school_a, now=NOON) is None


def test_two_queries_whatever_the_depth(tree, django_assert_num_queries):
    with django_assert_num_queries(2):
        responder_levels(tree.class_a, now=NOON)
