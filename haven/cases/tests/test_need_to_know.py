"""Property: nobody outside a case's need-to-know can read it, by selector or by page."""

from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from haven.cases import access as case_access
from haven.cases import casefile, services
from haven.cases.models import CaseMember
from haven.orgs.models import Role
from haven.orgs.tests.factories import build_tree, member

ROLES = [
    Role.STAFF,
    Role.COORDINATOR,
    Role.PSYCHOLOGIST,
    Role.PRINCIPAL,
    Role.INSPECTOR,
    Role.AGENCY,
    Role.ADMIN,
]
# Each person: a role, where it is held (school A, school B, the county), and their place on
# the case team: none, a full member, or only kept informed (a class teacher, say).
people = st.lists(
    st.tuples(
        st.sampled_from(ROLES),
        st.sampled_from(["a", "b", "county"]),
        st.sampled_from([None, "member", "informed"]),
    ),
    min_size=1,
    max_size=6,
)


def may_open(role, where, team, escalated):
    """May reach the case at all (its page answers)."""
    return may_read(role, where, team, escalated) or (
        team == "informed" and where in ("a", "county") and role != Role.AGENCY
    )


def may_read(role, where, team, escalated):
    """May read its narrative, parties and notes."""
    if role in (Role.COORDINATOR, Role.PRINCIPAL) and where in ("a", "county"):
        return True
    if role == Role.INSPECTOR and where in ("a", "county") and escalated:
        return True
    # the team is chosen among people of the school or above (not agencies)
    return team == "member" and where in ("a", "county") and role != Role.AGENCY


class NeedToKnow(TestCase):
    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(people=people, escalated=st.booleans())
    def test_only_need_to_know_reads_a_case(self, people, escalated):
        with transaction.atomic():
            tree = build_tree()
            case = services.case_open(
                actor=tree.users["coordinator"],
                school=tree.school_a,
                title="Secret",
                narrative="NARRATIVE-7f3",
            )
            if escalated:
                type(case).objects.filter(pk=case.pk).update(escalated_at=case.opened_at)
            units = {"a": tree.school_a, "b": tree.school_b, "county": tree.county}
            client = Client()
            for index, (role, where, team) in enumerate(people):
                user = member(role, units[where], email=f"p{index}@t.example")
                if team and where in ("a", "county") and role != Role.AGENCY:
                    CaseMember.objects.create(case=case, user=user, role=team)
                opens = may_open(role, where, team, escalated)
                reads = may_read(role, where, team, escalated)
                visible = case_access.cases_visible(user).filter(pk=case.pk).exists()
                assert visible == opens, (role, where, team, escalated)
                client.force_login(user)
                with translation.override("en"):
                    page = client.get(reverse("cases:case_detail", args=[case.pk]))
                assert (page.status_code == 200) == opens
                assert ("NARRATIVE-7f3" in page.content.decode()) == reads
                # the API follows the same rules
                api = client.get(f"/api/v1/cases/{case.pk}")
                assert (api.status_code == 200) == opens
                assert ("NARRATIVE-7f3" in api.content.decode()) == reads
                # and so does the printed case file
                assert bool(casefile.allowed_audiences(user, case)) <= reads
            transaction.set_rollback(True)
