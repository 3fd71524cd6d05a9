"""The move out of prevention keeps every row: a database with the old layout (care's models in
prevention's tables) is migrated forward and its rows are all found through haven.care."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from haven.care.models import CommitteeMeeting, ConcernEntry, ScreeningAnswer, ScreeningRound
from haven.care.tests.helpers import pupil
from haven.orgs.models import OrgUnit, Role
from haven.orgs.tests.factories import member

# The last state before the move: prevention as it was, care not there yet.
BEFORE = [("prevention", "0001_initial"), ("care", None)]


def _migrate(targets):
    """Migrates to ``targets``; returns the apps as they were there (care, if unapplied, left
    out of the state)."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    others = [n for n in executor.loader.graph.leaf_nodes() if n[0] not in dict(targets)]
    return executor.loader.project_state(others + [t for t in targets if t[1] is not None]).apps


def _latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _tables() -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


@pytest.mark.django_db(transaction=True)
def test_rows_of_the_old_layout_are_all_found_through_care(tree):
    school = tree.school_a
    child = pupil(tree.class_a, "M1", "Maria", "Pop")
    teacher = member(Role.STAFF, tree.class_a, email="teacher@a.example")
    coordinator = tree.users["coordinator"]
    try:
        old = _migrate(BEFORE)
        assert "prevention_concernentry" in _tables()
        assert "care_concernentry" not in _tables()
        OldEntry = old.get_model("prevention", "ConcernEntry")
        OldRound = old.get_model("prevention", "ScreeningRound")
        OldAnswer = old.get_model("prevention", "ScreeningAnswer")
        OldMeeting = old.get_model("prevention", "CommitteeMeeting")
        ContentType = old.get_model("contenttypes", "ContentType")
        entry = OldEntry.objects.create(
            school_id=school.pk,
            pupil_id=child.pk,
            reasons=["absences"],
            responsible_id=teacher.pk,
            review_on=dt.date(2026, 10, 1),
            opened_by_id=coordinator.pk,
            opened_at=timezone.now(),
        )
        round_ = OldRound.objects.create(
            school_id=school.pk,
            name="Autumn screening",
            starts_on=dt.date(2026, 9, 15),
            ends_on=dt.date(2026, 10, 15),
            created_by_id=coordinator.pk,
            created_at=timezone.now(),
        )
        answer = OldAnswer.objects.create(
            round_id=round_.pk, class_unit_id=tree.class_a.pk, responsible_id=teacher.pk
        )
        meeting = OldMeeting.objects.create(
            school_id=school.pk,
            body="council",
            held_on=dt.date(2026, 10, 2),
            recorded_by_id=coordinator.pk,
            recorded_at=timezone.now(),
        )
        OldMeeting.members.through.objects.create(
            committeemeeting_id=meeting.pk, user_id=teacher.pk
        )
        OldMeeting.concerns.through.objects.create(
            committeemeeting_id=meeting.pk, concernentry_id=entry.pk
        )
        ContentType.objects.get_or_create(app_label="prevention", model="concernentry")
        ContentType.objects.filter(app_label="care").delete()

        _migrate(_latest())

        assert {"care_concernentry", "care_committeemeeting_members"} <= _tables()
        assert not {t for t in _tables() if t.startswith("prevention_") and "concern" in t}
        found = ConcernEntry.objects.get(pk=entry.pk)
        assert (found.pupil, found.responsible, found.school) == (child, teacher, school)
        assert found.reasons == ["absences"] and found.status == ConcernEntry.Status.OPEN
        assert ScreeningRound.objects.get(pk=round_.pk).name == "Autumn screening"
        moved_answer = ScreeningAnswer.objects.get(pk=answer.pk)
        assert (moved_answer.round_id, moved_answer.class_unit) == (round_.pk, tree.class_a)
        moved_meeting = CommitteeMeeting.objects.get(pk=meeting.pk)
        assert list(moved_meeting.members.all()) == [teacher]
        assert list(moved_meeting.concerns.all()) == [found]
        from django.contrib.contenttypes.models import ContentType as CurrentContentType

        CurrentContentType.objects.clear_cache()
        assert CurrentContentType.objects.get_for_model(ConcernEntry).app_label == "care"
        assert not CurrentContentType.objects.filter(
            app_label="prevention", model="concernentry"
        ).exists()
        # New rows keep numbering after the moved ones (the id sequence came along).
        again = ScreeningRound.objects.create(
            school=school,
            name="Spring screening",
            starts_on=dt.date(2027, 3, 1),
            ends_on=dt.date(2027, 3, 20),
            created_by=coordinator,
        )
        assert again.pk > round_.pk
        assert OrgUnit.objects.filter(pk=school.pk).exists()
    finally:
        _migrate(_latest())
