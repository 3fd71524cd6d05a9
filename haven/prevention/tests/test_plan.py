"""The annual prevention plan: from a template or last year's, activities, evidence, access."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext
from PIL import Image

from haven.audit.models import AuditEvent
from haven.lib.errors import AccessDenied, InvalidInput
from haven.prevention import services
from haven.prevention.models import ActivityStatus, PlanActivity, PreventionPlan
from haven.prevention.tests.helpers import AUTUMN, YEAR, url

pytestmark = pytest.mark.django_db


def make_plan(tree, template="VN_APPENDIX", year=YEAR, who="principal", lang="en"):
    with translation.override(lang):
        return services.plan_create(
            actor=tree.users[who], unit=tree.school_a, year=year, template=template
        )


def png() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, "PNG")
    return SimpleUploadedFile("minutes of the meeting.png", out.getvalue(), "image/png")


def test_plan_from_template_is_written_in_the_schools_language(tree):
    # The school's jurisdiction speaks Vietnamese; its principal happens to browse in English.
    jurisdiction = tree.school_a.jurisdiction
    jurisdiction.languages = ["vi"]
    jurisdiction.save()
    plan = make_plan(tree, lang="en")
    activities = list(plan.activities.all())
    assert len(activities) == 15
    assert activities[0].lead == "Hiệu trưởng"
    assert "bạo lực học đường" in activities[0].what
    assert all(a.status == ActivityStatus.PLANNED for a in activities)
    # September of the starting year ... May of the next.
    assert min(a.starts_on for a in activities) == dt.date(2026, 9, 1)
    assert max(a.ends_on for a in activities) == dt.date(2027, 5, 31)
    assert AuditEvent.objects.filter(action="prevention.plan_created").count() == 1


def test_a_school_year_has_one_plan(tree):
    make_plan(tree)
    with pytest.raises(InvalidInput, match="already has a plan"):
        make_plan(tree, template="")
    assert PreventionPlan.objects.count() == 1


def test_copy_of_last_year_moves_dates_and_starts_over(tree):
    old = make_plan(tree, year=YEAR - 1)
    first = old.activities.first()
    first.status, first.evidence_note = ActivityStatus.DONE, "minutes"
    first.save()
    new = services.plan_create(
        actor=tree.users["coordinator"], unit=tree.school_a, year=YEAR, copy_previous=True
    )
    assert new.copied_from == old
    copied = new.activities.get(position=first.position)
    assert copied.starts_on == first.starts_on.replace(year=first.starts_on.year + 1)
    assert copied.status == ActivityStatus.PLANNED and copied.evidence_note == ""


def test_copy_without_last_years_plan_is_refused(tree):
    with pytest.raises(InvalidInput, match="no plan of the previous"):
        services.plan_create(
            actor=tree.users["principal"], unit=tree.school_a, year=YEAR, copy_previous=True
        )
    assert not PreventionPlan.objects.exists()


def test_staff_and_other_schools_cannot_create_a_plan(tree):
    for who in ("staff", "psychologist", "other_coordinator", "inspector", "admin"):
        with pytest.raises(AccessDenied):
            make_plan(tree, who=who)
    assert not PreventionPlan.objects.exists()


def test_inspector_keeps_the_county_plan_but_not_a_schools(tree):
    plan = services.plan_create(actor=tree.users["inspector"], unit=tree.county, year=YEAR)
    assert plan.unit == tree.county
    with pytest.raises(AccessDenied):
        services.plan_create(actor=tree.users["inspector"], unit=tree.school_a, year=YEAR)


def test_activity_ending_before_it_starts_is_refused_in_the_users_language(tree):
    plan = make_plan(tree, template="")
    with translation.override("vi"), pytest.raises(InvalidInput) as error:
        services.activity_add(
            actor=tree.users["principal"],
            plan=plan,
            goal="awareness",
            what="Họp phụ huynh",
            lead="Hiệu trưởng",
            starts_on=dt.date(2026, 10, 5),
            ends_on=dt.date(2026, 10, 1),
        )
    with translation.override("vi"):
        expected = gettext("The activity cannot end before it starts.")
    assert str(error.value.message) == expected
    assert not PlanActivity.objects.exists()


def test_the_database_also_refuses_an_activity_ending_before_it_starts(tree):
    plan = make_plan(tree, template="")
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanActivity.objects.create(
            plan=plan,
            goal="rules",
            what="x",
            lead="y",
            starts_on=dt.date(2026, 10, 5),
            ends_on=dt.date(2026, 10, 1),
        )


def test_done_needs_evidence(tree):
    activity = make_plan(tree).activities.first()
    with pytest.raises(InvalidInput, match="evidence"):
        services.activity_update(
            actor=tree.users["principal"], activity=activity, status=ActivityStatus.DONE
        )
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.PLANNED


def test_evidence_file_is_cleaned_stored_and_served_only_to_readers(client, tree):
    activity = make_plan(tree).activities.first()
    services.activity_update(
        actor=tree.users["principal"],
        activity=activity,
        status=ActivityStatus.DONE,
        evidence_file=png(),
    )
    activity.refresh_from_db()
    assert activity.evidence_type == "image/png"
    assert "minutes" not in activity.evidence_file.name  # a random name, never the upload's
    target = url("prevention:activity_evidence", activity.pk)
    client.force_login(tree.users["staff"])
    response = client.get(target)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert AuditEvent.objects.filter(action="prevention.evidence_viewed").count() == 1
    for who in ("other_coordinator", "agency", "nobody"):
        client.force_login(tree.users[who])
        assert client.get(target).status_code == 404


def test_a_file_that_is_not_a_picture_or_pdf_is_refused_and_nothing_changes(tree):
    activity = make_plan(tree).activities.first()
    bad = SimpleUploadedFile("x.exe", b"MZ\x90\x00" * 10, "application/octet-stream")
    with pytest.raises(InvalidInput):
        services.activity_update(
            actor=tree.users["principal"],
            activity=activity,
            status=ActivityStatus.DONE,
            evidence_note="done",
            evidence_file=bad,
        )
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.PLANNED and not activity.evidence_file


# Pages


@time_machine.travel(AUTUMN)
def test_plan_page_needs_login(client, tree):
    response = client.get(url("prevention:plan", tree.school_a.pk))
    assert response.status_code == 302 and "/login/" in response["Location"]


@time_machine.travel(AUTUMN)
@pytest.mark.parametrize("who", ["agency", "nobody", "other_coordinator"])
def test_plan_page_is_not_found_for_outsiders(client, tree, who):
    make_plan(tree)
    client.force_login(tree.users[who])
    assert client.get(url("prevention:plan", tree.school_a.pk)).status_code == 404
    activity = PlanActivity.objects.first()
    assert client.get(url("prevention:activity", activity.pk)).status_code == 404


@time_machine.travel(AUTUMN)
def test_staff_read_the_plan_but_cannot_change_it(client, tree):
    plan = make_plan(tree)
    client.force_login(tree.users["staff"])
    response = client.get(url("prevention:plan", tree.school_a.pk))
    assert response.status_code == 200
    assert f'data-activity="{plan.activities.first().pk}"' in response.content.decode()
    assert b"activity-form" not in response.content
    activity = plan.activities.first()
    post = client.post(url("prevention:activity", activity.pk), {"status": "done"})
    assert post.status_code == 404
    create = client.post(url("prevention:plan_create", tree.school_b.pk), {"source": "empty"})
    assert create.status_code == 404


@time_machine.travel(AUTUMN)
def test_principal_creates_the_plan_from_the_page(client, tree):
    client.force_login(tree.users["principal"])
    page = client.get(url("prevention:plan", tree.school_a.pk))
    assert b"template:VN_APPENDIX" in page.content
    response = client.post(
        url("prevention:plan_create", tree.school_a.pk), {"source": "template:VN_APPENDIX"}
    )
    assert response.status_code == 302
    assert PreventionPlan.objects.get().year == YEAR


@time_machine.travel(AUTUMN)
def test_bad_dates_from_the_page_show_a_translated_message_and_store_nothing(client, tree):
    make_plan(tree, template="")
    client.force_login(tree.users["principal"])
    response = client.post(
        url("prevention:activity_add", tree.school_a.pk, lang="vi"),
        {
            "year": YEAR,
            "goal": "rules",
            "what": "Nội quy",
            "lead": "BGH",
            "starts_on": "2026-11-10",
            "ends_on": "2026-11-01",
        },
        follow=True,
    )
    with translation.override("vi"):
        expected = gettext("The activity cannot end before it starts.")
    assert expected in response.content.decode()
    assert response.wsgi_request.LANGUAGE_CODE == "vi"
    assert not PlanActivity.objects.exists()


@time_machine.travel(AUTUMN)
def test_other_coordinator_cannot_post_to_a_plan(client, tree):
    activity = make_plan(tree).activities.first()
    client.force_login(tree.users["other_coordinator"])
    response = client.post(
        url("prevention:activity", activity.pk), {"status": "cancelled", "starts_on": "2026-09-01"}
    )
    assert response.status_code == 404
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.PLANNED


@time_machine.travel(AUTUMN)
def test_inspector_sees_every_plan_below_with_its_completion(client, tree):
    plan = make_plan(tree)
    first = plan.activities.first()
    services.activity_update(
        actor=tree.users["principal"], activity=first, status="done", evidence_note="ok"
    )
    client.force_login(tree.users["inspector"])
    response = client.get(url("prevention:plan", tree.county.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert tree.school_a.name in body and "1 / 15" in body


@time_machine.travel(AUTUMN)
def test_staff_find_their_pledge_from_the_plan_and_inspectors_do_not(client, tree):
    client.force_login(tree.users["staff"])
    page = client.get(url("prevention:plan", tree.school_a.pk))
    assert url("prevention:pledge_sign") in page.content.decode()
    client.force_login(tree.users["inspector"])
    page = client.get(url("prevention:plan", tree.school_a.pk))
    assert url("prevention:pledge_sign") not in page.content.decode()


@time_machine.travel(AUTUMN)
def test_a_refused_activity_comes_back_as_typed_beside_the_field(client, tree):
    make_plan(tree, template="")
    client.force_login(tree.users["principal"])
    response = client.post(
        url("prevention:activity_add", tree.school_a.pk),
        {
            "year": YEAR,
            "goal": "rules",
            "what": "Class rules written with the pupils of every class",
            "lead": "Form teachers",
            "participants": "All pupils",
            "starts_on": "2026-11-10",
            "ends_on": "2026-11-01",
        },
    )
    assert response.status_code == 200  # no redirect: nothing typed is lost
    page = response.content.decode()
    assert "Class rules written with the pupils of every class</textarea>" in page
    assert 'value="Form teachers"' in page and 'value="All pupils"' in page
    assert "Some answers are missing or need a change" in page
    until = page[page.index('id="id_ends_on"') :]
    assert until.index("The activity cannot end before it starts.") < until.index("</div>")
    assert "<details open><summary>Add an activity" in page
    assert 'aria-current="page">Plan<' in page  # still the plan's tab
    assert not PlanActivity.objects.exists()
    # a missing field is marked too, with the rest kept
    response = client.post(
        url("prevention:activity_add", tree.school_a.pk),
        {"year": YEAR, "goal": "rules", "what": "Kept text", "lead": "", "starts_on": "x"},
    )
    assert response.status_code == 200 and "Kept text</textarea>" in response.content.decode()
    assert not PlanActivity.objects.exists()
