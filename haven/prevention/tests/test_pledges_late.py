"""Late pledges: after the deadline (30 September by default) the pledge page says the deadline
has passed and that signing now is recorded as late; signatures after the deadline, online or
on paper, still count as signed but are marked late in the list. Lateness is derived from the
stored time of signing and the deadline of the pledge's school year."""

import datetime as dt

import pytest
import time_machine
from django.utils import translation

from haven.orgs.models import Jurisdiction, OrgUnit
from haven.orgs.tests.factories import member, unit
from haven.prevention import compliance, selectors, services
from haven.prevention.tests.helpers import YEAR, url

pytestmark = pytest.mark.django_db

BEFORE = dt.datetime(2026, 9, 10, 9, 0, tzinfo=dt.UTC)
DEADLINE_EVENING = dt.datetime(2026, 9, 30, 20, 0, tzinfo=dt.UTC)  # 23:00 in Bucharest
AFTER = dt.datetime(2026, 10, 15, 9, 0, tzinfo=dt.UTC)


def sign_at(moment, user, school):
    with time_machine.travel(moment, tick=False):
        return services.pledge_sign(actor=user, school=school)


def test_before_the_deadline_the_page_asks_to_sign_by_it(client, tree):
    client.force_login(tree.users["staff"])
    with time_machine.travel(BEFORE, tick=False):
        page = client.get(url("prevention:pledge_sign")).content.decode()
    assert "Please sign by Sept. 30, 2026." in page
    assert "has passed" not in page


def test_after_the_deadline_the_page_says_it_has_passed_and_signing_is_late(client, tree):
    client.force_login(tree.users["staff"])
    with time_machine.travel(AFTER, tick=False):
        page = client.get(url("prevention:pledge_sign")).content.decode()
    assert "Please sign by" not in page
    assert "The deadline for signing, Sept. 30, 2026, has passed." in page
    assert "recorded as late" in page
    assert 'id="pledge-form"' in page  # signing is still possible


def test_after_the_deadline_the_date_is_written_in_the_readers_language(client, tree):
    client.force_login(tree.users["staff"])
    with time_machine.travel(AFTER, tick=False):
        page = client.get(url("prevention:pledge_sign", lang="ro")).content.decode()
    assert "30 septembrie 2026" in page and "Septembrie" not in page


def test_the_last_evening_of_the_deadline_where_the_school_is_is_still_on_time(client, tree):
    pledge = sign_at(DEADLINE_EVENING, tree.users["staff"], tree.school_a)
    assert not selectors.pledge_signed_late(pledge, tree.school_a)
    with time_machine.travel(DEADLINE_EVENING, tick=False):
        assert not selectors.pledge_deadline_passed(tree.school_a, YEAR)


def test_signing_after_the_deadline_is_recorded_and_shown_as_late(client, tree):
    pledge = sign_at(AFTER, tree.users["staff"], tree.school_a)
    assert selectors.pledge_signed_late(pledge, tree.school_a)
    client.force_login(tree.users["staff"])
    with time_machine.travel(AFTER, tick=False):
        page = client.get(url("prevention:pledge_sign")).content.decode()
    assert 'id="pledge-late"' in page
    assert "Signed late: the deadline was Sept. 30, 2026." in page


def test_the_list_marks_late_signatures_and_the_figure_counts_them_as_signed(client, tree):
    school = tree.school_a
    sign_at(BEFORE, tree.users["staff"], school)  # on time
    sign_at(AFTER, tree.users["psychologist"], school)  # late, online
    with time_machine.travel(AFTER, tick=False):
        # on paper: one dated after the deadline, one dated before it but recorded later
        services.pledge_record_paper(
            actor=tree.users["coordinator"],
            school=school,
            user=tree.users["principal"],
            signed_on=dt.date(2026, 10, 2),
        )
        services.pledge_record_paper(
            actor=tree.users["coordinator"],
            school=school,
            user=tree.users["coordinator"],
            signed_on=dt.date(2026, 9, 30),
        )
        client.force_login(tree.users["inspector"])
        response = client.get(url("prevention:pledges", school.pk))
    rows = {r.member: r for r in response.context["rows"]}
    late = {m for m, r in rows.items() if r.signed_late}
    assert late == {tree.users["psychologist"], tree.users["principal"]}
    assert response.context["late"] == []  # everyone signed: nobody is missing
    assert response.context["signed"] == 4 and response.context["signed_late"] == 2
    page = response.content.decode()
    assert page.count('<span class="badge overdue-label">late</span>') == 2
    assert "2 of them signed after the deadline." in page
    figures = compliance.pledges_signed([school], YEAR)
    assert figures[school.pk][0] == 4  # late signatures count as signed


def test_a_paper_date_stays_that_day_where_the_school_is(tree):
    """A school far east of UTC: the paper's date, the deadline day, is not turned into the
    next day (and so late) by the server's time zone."""
    islands = Jurisdiction.objects.create(
        code="KI", names={"en": "Line Islands"}, languages=["en"], time_zone="Pacific/Kiritimati"
    )
    country = unit(None, OrgUnit.Kind.COUNTRY, "KI", islands)
    school = unit(country, OrgUnit.Kind.SCHOOL, "KI-1")
    coordinator = member("coordinator", school, email="coord@ki.example")
    teacher = member("staff", school, email="teacher@ki.example")
    with time_machine.travel(AFTER, tick=False):
        pledge = services.pledge_record_paper(
            actor=coordinator, school=school, user=teacher, signed_on=dt.date(2026, 9, 30)
        )
    assert not selectors.pledge_signed_late(pledge, school)


def test_late_pledges_in_the_list_are_marked_in_romanian_too(client, tree):
    sign_at(AFTER, tree.users["staff"], tree.school_a)
    client.force_login(tree.users["principal"])
    with time_machine.travel(AFTER, tick=False), translation.override("ro"):
        page = client.get(url("prevention:pledges", tree.school_a.pk, lang="ro")).content.decode()
    assert "30 septembrie 2026" in page and "Septembrie" not in page
    assert 'class="badge overdue-label"' in page
