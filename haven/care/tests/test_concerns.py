"""Pupils of concern: a restricted register with responsible adults, reviews and a log."""

import datetime as dt

import pytest

from haven.audit.models import AuditEvent
from haven.care import access as care_access
from haven.care import selectors, services
from haven.care.models import ConcernEntry, ConcernFollowUp
from haven.care.tests.helpers import build_world, pupil, register, url
from haven.cases import services as case_services
from haven.cases.models import CaseParty
from haven.lib.errors import AccessDenied, InvalidInput
from haven.orgs import access


@pytest.fixture
def world(tree):
    return build_world(tree)


def test_the_class_teacher_is_the_responsible_adult_by_default(world):
    entry = register(world)
    assert entry.responsible == world.class_teacher
    assert entry.reasons == ["truancy", "results_drop"]
    assert AuditEvent.objects.filter(action="concern.register", object_id=str(entry.pk)).exists()


def test_without_a_known_class_teacher_someone_must_be_chosen(world, tree):
    lonely = world.pupil_b.class_unit
    lonely.memberships.all().delete()
    with pytest.raises(InvalidInput, match="no class teacher"):
        register(world, target=world.pupil_b)
    assert not ConcernEntry.objects.exists()
    entry = register(world, target=world.pupil_b, responsible=world.mentor)
    assert entry.responsible == world.mentor


def test_a_mentor_is_a_user_or_a_described_person(world):
    entry = register(world, mentor_user=world.mentor)
    assert entry.mentor_label == str(world.mentor)
    other = register(
        world,
        target=world.pupil_b,
        mentor_kind="police",
        mentor_name="Serik Abenov",
        mentor_role="juvenile police inspector",
    )
    assert other.mentor_label == "Serik Abenov, juvenile police inspector"
    with pytest.raises(InvalidInput, match="not both"):
        services.concern_update(
            actor=world.users["coordinator"],
            entry=entry,
            reasons=["truancy"],
            responsible=world.class_teacher,
            mentor_user=world.mentor,
            mentor_name="Someone else",
            mentor_kind="community",
        )


def test_review_date_in_the_past_is_refused_and_nothing_is_stored(world):
    before = AuditEvent.objects.count()
    for day in (world.today - dt.timedelta(days=1), world.today):
        with pytest.raises(InvalidInput) as refused:
            register(world, review_on=day)
        assert str(refused.value.message) == "The review date must be in the future."
    assert not ConcernEntry.objects.exists()
    assert AuditEvent.objects.count() == before


def test_review_date_error_goes_through_gettext(world, monkeypatch):
    # The message is a gettext msgid: whatever catalogue is active translates it.
    monkeypatch.setattr(services, "_", lambda text: f"[ro] {text}")
    with pytest.raises(InvalidInput) as refused:
        register(world, review_on=world.today - dt.timedelta(days=3))
    assert str(refused.value.message) == "[ro] The review date must be in the future."


def test_empty_or_unknown_reasons_are_refused(world):
    with pytest.raises(InvalidInput, match="at least one reason"):
        register(world, reasons=[])
    with pytest.raises(InvalidInput, match="not on the list"):
        register(world, reasons=["astrology"])
    with pytest.raises(InvalidInput, match="other reason"):
        register(world, reasons=["other"])
    assert not ConcernEntry.objects.exists()


def test_the_responsible_adult_must_work_at_the_school(world):
    with pytest.raises(InvalidInput, match="work at the school"):
        register(world, responsible=world.users["other_coordinator"])
    with pytest.raises(InvalidInput, match="work at the school"):
        register(world, responsible=world.users["agency"])
    assert not ConcernEntry.objects.exists()


def test_a_pupil_is_on_the_register_once_while_open(world):
    entry = register(world)
    with pytest.raises(InvalidInput, match="already on the register"):
        register(world)
    services.concern_close(actor=world.users["principal"], entry=entry, reason="Doing well.")
    again = register(world)
    assert again.pk != entry.pk


def test_only_the_schools_carers_register(world):
    for name in ("staff", "inspector", "admin", "other_coordinator", "agency"):
        with pytest.raises(AccessDenied):
            register(world, actor=world.users[name])
    assert register(world, actor=world.users["psychologist"]).pk


def test_follow_ups_form_a_log_and_may_set_the_next_review(world):
    entry = register(world)
    services.concern_follow_up(
        actor=world.class_teacher,
        entry=entry,
        on=world.today,
        note="Talked with the parents.",
        next_review_on=world.today + dt.timedelta(days=60),
    )
    entry.refresh_from_db()
    assert entry.review_on == world.today + dt.timedelta(days=60)
    log = ConcernFollowUp.objects.get()
    assert (log.by, log.note) == (world.class_teacher, "Talked with the parents.")
    with pytest.raises(InvalidInput, match="must be in the future"):
        services.concern_follow_up(
            actor=world.class_teacher,
            entry=entry,
            on=world.today,
            note="Another talk.",
            next_review_on=world.today - dt.timedelta(days=1),
        )
    assert ConcernFollowUp.objects.count() == 1  # nothing half stored


def test_a_staff_member_not_assigned_cannot_follow_up(world):
    entry = register(world)
    with pytest.raises(AccessDenied):
        services.concern_follow_up(actor=world.teacher_b, entry=entry, on=world.today, note="x")


def test_closing_needs_a_reason_and_then_the_entry_is_read_only(world):
    entry = register(world)
    with pytest.raises(InvalidInput, match="why"):
        services.concern_close(actor=world.users["coordinator"], entry=entry, reason=" ")
    with pytest.raises(AccessDenied):
        services.concern_close(actor=world.class_teacher, entry=entry, reason="Fine")
    services.concern_close(actor=world.users["coordinator"], entry=entry, reason="Fine now.")
    with pytest.raises(InvalidInput, match="closed"):
        services.concern_follow_up(
            actor=world.class_teacher, entry=entry, on=world.today, note="late"
        )


def test_a_class_teacher_sees_only_the_pupils_of_concern_assigned_to_them(world):
    mine = register(world)
    not_mine = register(world, target=world.pupil_b)  # in 5B's teacher's care
    teacher = world.class_teacher
    assert list(selectors.concern_list(user=teacher)) == [mine]
    assert selectors.concern_get(user=teacher, pk=mine.pk) == mine
    assert not care_access.concerns_visible(teacher).filter(pk=not_mine.pk).exists()
    # the mentor (a user) sees the entry too; an ordinary staff member sees nothing
    services.concern_update(
        actor=world.users["coordinator"],
        entry=not_mine,
        reasons=not_mine.reasons,
        responsible=world.teacher_b,
        mentor_user=world.mentor,
        review_on=not_mine.review_on,
    )
    assert list(selectors.concern_list(user=world.mentor)) == [not_mine]
    assert list(selectors.concern_list(user=world.users["staff"])) == []


def test_a_teacher_who_leaves_the_school_no_longer_sees_the_entry(world):
    entry = register(world)
    world.class_teacher.memberships.all().delete()
    access.forget(world.class_teacher)
    assert not care_access.concerns_visible(world.class_teacher).filter(pk=entry.pk).exists()


def test_an_inspector_sees_counts_never_names(world, client):
    register(world, review_on=None)
    overdue = register(world, target=world.pupil_b)
    ConcernEntry.objects.filter(pk=overdue.pk).update(review_on=world.today - dt.timedelta(days=2))
    inspector = world.users["inspector"]
    assert list(selectors.concern_list(user=inspector)) == []
    counts = {c.school: c for c in selectors.concern_counts(user=inspector, on=world.today)}
    assert (counts[world.tree.school_a].open, counts[world.tree.school_a].review_overdue) == (2, 1)
    assert (counts[world.tree.school_b].open, counts[world.tree.school_b].review_overdue) == (0, 0)
    client.force_login(inspector)
    page = client.get(url("care:concern_list")).content.decode()
    assert "Popescu" not in page and "Ionescu" not in page
    assert 'id="concern-counts"' in page
    assert client.get(url("care:concern_detail", overdue.pk)).status_code == 404


def test_above_the_school_a_small_count_of_pupils_is_hidden(world, client):
    # Two pupils of concern at school A: the count (and its overdue review) stays hidden for
    # the county; school B's zero is shown; ten or more are shown as they are.
    register(world)
    overdue = register(world, target=world.pupil_b)
    ConcernEntry.objects.filter(pk=overdue.pk).update(review_on=world.today - dt.timedelta(days=2))
    client.force_login(world.users["inspector"])
    counts = {c["school"]: c for c in client.get(url("care:concern_list")).context["counts"]}
    assert counts[world.tree.school_a]["open"] is None
    assert counts[world.tree.school_a]["overdue"] is None
    assert (counts[world.tree.school_b]["open"], counts[world.tree.school_b]["overdue"]) == (0, 0)
    for n in range(10):
        register(world, target=pupil(world.tree.class_a, f"X{n}", "Pupil", str(n)))
    counts = {c["school"]: c for c in client.get(url("care:concern_list")).context["counts"]}
    assert counts[world.tree.school_a]["open"] == 12
    assert counts[world.tree.school_a]["overdue"] is None  # 1 overdue: hidden on its own


def test_cases_of_the_pupil_are_linked_for_those_who_may_see_them(world):
    entry = register(world)
    case = case_services.case_open(
        actor=world.users["coordinator"], school=world.tree.school_a, title="Corridor"
    )
    CaseParty.objects.create(case=case, role="victim", pupil=world.pupil, description="A.P.")
    assert list(selectors.concern_cases(user=world.users["coordinator"], entry=entry)) == [case]
    # the class teacher sees the entry, but not a case they are not on
    assert list(selectors.concern_cases(user=world.class_teacher, entry=entry)) == []


def test_every_read_and_change_is_audited_without_the_pupils_name(world, client):
    entry = register(world)
    client.force_login(world.class_teacher)
    client.get(url("care:concern_detail", entry.pk))
    read = AuditEvent.objects.get(action="concern.view")
    assert read.actor == world.class_teacher and read.object_id == str(entry.pk)
    assert "Popescu" not in read.object_repr and "Ana" not in read.object_repr
    client.post(
        url("care:concern_detail", entry.pk),
        {"action": "follow_up", "on": world.today.isoformat(), "note": "Checked in."},
    )
    assert AuditEvent.objects.filter(action="concern.follow_up").count() == 1


def test_registering_through_the_page(world, client):
    client.force_login(world.users["coordinator"])
    page = client.get(url("care:concern_create"))
    assert page.status_code == 200 and "Popescu" in page.content.decode()
    response = client.post(
        url("care:concern_create"),
        {
            "pupil": world.pupil.pk,
            "reasons": ["left_behind", "family_difficulties"],
            "review_on": (world.today + dt.timedelta(days=14)).isoformat(),
        },
    )
    entry = ConcernEntry.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(
        f"/care/concerns/{entry.pk}/"
    )
    assert entry.responsible == world.class_teacher


def test_a_past_review_date_on_the_page_shows_the_message_and_stores_nothing(world, client):
    client.force_login(world.users["coordinator"])
    response = client.post(
        url("care:concern_create"),
        {
            "pupil": world.pupil.pk,
            "reasons": ["truancy"],
            "review_on": (world.today - dt.timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert "The review date must be in the future." in response.content.decode()
    assert not ConcernEntry.objects.exists()


def test_the_register_form_in_russian_lists_translated_reasons(world, client):
    client.force_login(world.users["coordinator"])
    page = client.get(url("care:concern_create").replace("/en/", "/ru/", 1)).content.decode()
    assert "Резкое снижение успеваемости" in page


def test_reading_the_list_is_audited_with_the_entries_shown(world, client):
    entry = register(world)
    client.force_login(world.users["psychologist"])
    client.get(url("care:concern_list"))
    shown = AuditEvent.objects.get(action="concern.list")
    assert shown.actor == world.users["psychologist"]
    assert shown.details == {"entries": [entry.pk]}


def test_a_class_teacher_filters_their_list_by_their_school(world, client):
    register(world)
    client.force_login(world.class_teacher)
    page = client.get(url("care:concern_list") + f"?school={world.tree.school_a.pk}")
    assert page.status_code == 200 and "Popescu" in page.content.decode()
    other = client.get(url("care:concern_list") + f"?school={world.tree.school_b.pk}")
    assert other.status_code == 404


def test_date_pickers_get_iso_values_in_every_language(world, client):
    entry = register(world)
    client.force_login(world.users["coordinator"])
    page = client.get(url("care:concern_detail", entry.pk).replace("/en/", "/ru/", 1))
    assert f'value="{world.today.isoformat()}"' in page.content.decode()
