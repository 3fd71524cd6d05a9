"""Pledges: each staff member signs once a year the exact text; paper signatures; who is late;
class and school commitments."""

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import formats, translation
from django.utils.translation import gettext

from haven.audit.models import AuditEvent
from haven.lib.errors import AccessDenied, InvalidInput
from haven.orgs.models import Jurisdiction, OrgUnit
from haven.orgs.tests.factories import unit
from haven.prevention import datafiles, services
from haven.prevention.models import ClassCommitment, Pledge, PledgeMethod, SchoolCommitment
from haven.prevention.tests.helpers import AUTUMN, YEAR, url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _autumn():
    with time_machine.travel(AUTUMN, tick=False):
        yield


def test_staff_member_signs_the_exact_text_with_a_time_stamp(tree):
    with translation.override("nl"):
        pledge = services.pledge_sign(actor=tree.users["staff"], school=tree.school_a)
    generic = datafiles.pledge_for("RO")
    assert pledge.year == YEAR and pledge.method == PledgeMethod.ONLINE
    assert (pledge.text_code, pledge.text_version, pledge.text_language) == ("generic", 1, "nl")
    assert pledge.text == generic.texts["nl"]
    assert pledge.signed_at == AUTUMN
    assert AuditEvent.objects.filter(action="prevention.pledge_signed").count() == 1


def test_a_jurisdiction_with_its_own_text_gets_it(tree):
    vietnam = Jurisdiction.objects.create(
        code="VN", names={"en": "Vietnam"}, languages=["vi"], time_zone="Asia/Ho_Chi_Minh"
    )
    country = unit(None, OrgUnit.Kind.COUNTRY, "VN", vietnam)
    school = unit(country, OrgUnit.Kind.SCHOOL, "DM-1")
    from haven.orgs.tests.factories import member

    teacher = member("staff", school, email="gv@dongmai.example")
    with translation.override("vi"):
        pledge = services.pledge_sign(actor=teacher, school=school)
    assert pledge.text_code == "VN"
    assert pledge.text.startswith("Kính gửi Hiệu trưởng")


def test_a_second_signature_in_the_same_year_is_refused_and_nothing_is_added(tree):
    services.pledge_sign(actor=tree.users["staff"], school=tree.school_a)
    with translation.override("vi"), pytest.raises(InvalidInput) as error:
        services.pledge_sign(actor=tree.users["staff"], school=tree.school_a)
    with translation.override("vi"):
        expected = gettext(
            "You have already signed the pledge for this school year (on %(date)s)."
        ) % {"date": formats.date_format(dt.date(2026, 10, 15), "SHORT_DATE_FORMAT")}
    assert str(error.value.message) == expected
    assert Pledge.objects.count() == 1


def test_the_database_keeps_one_pledge_per_person_school_and_year(tree):
    first = services.pledge_sign(actor=tree.users["staff"], school=tree.school_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Pledge.objects.create(
            school=first.school,
            user=first.user,
            year=first.year,
            text_code="generic",
            text_version=1,
            text_language="en",
            text="x",
            method=PledgeMethod.PAPER,
        )


def test_next_school_year_needs_a_new_signature(tree):
    services.pledge_sign(actor=tree.users["staff"], school=tree.school_a)
    with time_machine.travel(dt.datetime(2027, 9, 2, 9, tzinfo=dt.UTC)):
        again = services.pledge_sign(actor=tree.users["staff"], school=tree.school_a)
    assert again.year == YEAR + 1


def test_a_changed_text_must_be_read_again(tree):
    with pytest.raises(InvalidInput, match="changed"):
        services.pledge_sign(actor=tree.users["staff"], school=tree.school_a, text_version=99)
    assert not Pledge.objects.exists()


def test_people_without_a_staff_role_cannot_sign(tree):
    for who in ("inspector", "agency", "admin", "other_coordinator", "nobody"):
        with pytest.raises(AccessDenied):
            services.pledge_sign(actor=tree.users[who], school=tree.school_a)
    assert not Pledge.objects.exists()


def test_coordinator_records_a_paper_pledge_for_a_member_of_staff_only(tree):
    pledge = services.pledge_record_paper(
        actor=tree.users["coordinator"],
        school=tree.school_a,
        user=tree.users["psychologist"],
        signed_on=dt.date(2026, 9, 20),
    )
    assert pledge.method == PledgeMethod.PAPER and pledge.recorded_by == tree.users["coordinator"]
    with pytest.raises(InvalidInput, match="already signed"):
        services.pledge_record_paper(
            actor=tree.users["coordinator"],
            school=tree.school_a,
            user=tree.users["psychologist"],
            signed_on=dt.date(2026, 9, 21),
        )
    with pytest.raises(InvalidInput, match="staff"):
        services.pledge_record_paper(
            actor=tree.users["coordinator"],
            school=tree.school_a,
            user=tree.users["other_coordinator"],
            signed_on=dt.date(2026, 9, 20),
        )
    with pytest.raises(AccessDenied):
        services.pledge_record_paper(
            actor=tree.users["staff"],
            school=tree.school_a,
            user=tree.users["staff"],
            signed_on=dt.date(2026, 9, 20),
        )
    assert Pledge.objects.count() == 1


def test_commitments_once_a_year(tree):
    services.class_commitment_record(
        actor=tree.users["principal"], class_unit=tree.class_a, signed_on=dt.date(2026, 9, 15)
    )
    with pytest.raises(InvalidInput, match="already recorded"):
        services.class_commitment_record(
            actor=tree.users["principal"], class_unit=tree.class_a, signed_on=dt.date(2026, 9, 16)
        )
    services.school_commitment_record(
        actor=tree.users["principal"], school=tree.school_a, submitted_on=dt.date(2026, 9, 30)
    )
    with pytest.raises(InvalidInput, match="future"):
        services.school_commitment_record(
            actor=tree.users["principal"], school=tree.school_a, submitted_on=dt.date(2027, 9, 30)
        )
    assert ClassCommitment.objects.count() == 1 and SchoolCommitment.objects.count() == 1


# Pages


def test_sign_page_needs_login(client, tree):
    response = client.get(url("prevention:pledge_sign"))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("who", ["inspector", "agency", "admin", "nobody"])
def test_sign_page_is_not_found_without_a_school_staff_role(client, tree, who):
    client.force_login(tree.users[who])
    assert client.get(url("prevention:pledge_sign")).status_code == 404
    assert client.post(url("prevention:pledge_sign")).status_code == 404


def test_teacher_signs_on_the_page_and_a_second_post_is_refused(client, tree):
    client.force_login(tree.users["staff"])
    page = client.get(url("prevention:pledge_sign"))
    assert datafiles.pledge_for("RO").texts["en"] in page.content.decode().replace("&#x27;", "'")
    data = {"school": tree.school_a.pk, "version": 1}
    assert client.post(url("prevention:pledge_sign"), data).status_code == 302
    again = client.post(url("prevention:pledge_sign"), data)
    assert again.status_code == 422
    assert b"already signed" in again.content
    assert Pledge.objects.count() == 1


def test_another_schools_coordinator_signs_for_their_own_school_only(client, tree):
    client.force_login(tree.users["other_coordinator"])
    client.post(url("prevention:pledge_sign"), {"school": tree.school_a.pk, "version": 1})
    assert list(Pledge.objects.values_list("school_id", flat=True)) == [tree.school_b.pk]


def test_pledge_list_needs_login(client, tree):
    response = client.get(url("prevention:pledges", tree.school_a.pk))
    assert response.status_code == 302


@pytest.mark.parametrize("who", ["staff", "psychologist", "agency", "nobody", "other_coordinator"])
def test_pledge_list_is_not_found_for_wrong_roles_and_other_schools(client, tree, who):
    client.force_login(tree.users[who])
    assert client.get(url("prevention:pledges", tree.school_a.pk)).status_code == 404
    response = client.post(
        url("prevention:pledges", tree.school_a.pk),
        {"action": "school", "school-submitted_on": "2026-09-30"},
    )
    assert response.status_code == 404
    assert not SchoolCommitment.objects.exists()


def test_pledge_list_shows_who_has_not_signed_after_the_deadline(client, tree):
    services.pledge_sign(actor=tree.users["staff"], school=tree.school_a)
    client.force_login(tree.users["inspector"])
    response = client.get(url("prevention:pledges", tree.school_a.pk))
    assert response.status_code == 200
    late = response.context["late"]
    assert {r.member for r in late} == {
        tree.users["coordinator"],
        tree.users["psychologist"],
        tree.users["principal"],
    }
    assert response.context["signed"] == 1


def test_nobody_is_late_before_the_deadline(client, tree):
    client.force_login(tree.users["principal"])
    with time_machine.travel(dt.datetime(2026, 9, 10, 9, tzinfo=dt.UTC)):
        response = client.get(url("prevention:pledges", tree.school_a.pk))
    assert response.context["late"] == []


def test_principal_records_a_class_commitment_on_the_page(client, tree):
    client.force_login(tree.users["principal"])
    response = client.post(
        url("prevention:pledges", tree.school_a.pk),
        {"action": "class", "class-class_unit": tree.class_a.pk, "class-signed_on": "2026-09-20"},
    )
    assert response.status_code == 302
    assert ClassCommitment.objects.get().class_unit == tree.class_a
