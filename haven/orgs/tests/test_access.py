"""No user ever reaches a unit outside the subtrees of their memberships."""

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from haven.orgs import access
from haven.orgs.access import ROLE_PERMS, Perm
from haven.orgs.models import Membership, OrgUnit, Role
from haven.orgs.tests.factories import JurisdictionFactory, UserFactory, unit

# A tree is a list of parent indexes: node i hangs under parents[i] (< i), or is a root (None).
trees = st.integers(min_value=1, max_value=25).flatmap(
    lambda n: st.tuples(
        *[st.none() if i == 0 else st.one_of(st.none(), st.integers(0, i - 1)) for i in range(n)]
    )
)
grants = st.lists(
    st.tuples(st.integers(0, 3), st.integers(0, 24), st.sampled_from(list(Role.values))),
    max_size=8,
)


def reference_reach(parents, grants_of_user, perm):
    """Ancestor walk in Python: the slow, obvious definition of reach."""
    granted = {node for node, role in grants_of_user if perm in ROLE_PERMS[role]}
    reached = set()
    for node in range(len(parents)):
        walk = node
        while walk is not None:
            if walk in granted:
                reached.add(node)
                break
            walk = parents[walk]
    return reached


class AccessProperties(TestCase):
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        parents=trees,
        granted=grants,
        perm=st.sampled_from([Perm.UNIT_VIEW, Perm.UNIT_MANAGE, Perm.MEMBER_VIEW, Perm.AUDIT_VIEW]),
    )
    def test_reach_is_exactly_the_granted_subtrees(self, parents, granted, perm):
        with transaction.atomic():
            jurisdiction = JurisdictionFactory(code="GEN")
            nodes: list[OrgUnit] = []
            for i, parent in enumerate(parents):
                nodes.append(
                    unit(None if parent is None else nodes[parent], "zone", f"N{i}", jurisdiction)
                )
            users = [UserFactory(email=f"u{i}@t.example") for i in range(4)]
            by_user: dict[int, list[tuple[int, str]]] = {i: [] for i in range(4)}
            for user_index, node_index, role in granted:
                node_index %= len(nodes)
                Membership.objects.get_or_create(
                    user=users[user_index], unit=nodes[node_index], role=role
                )
                by_user[user_index].append((node_index, role))

            for index, user in enumerate(users):
                expected = reference_reach(parents, by_user[index], perm)
                got = {nodes.index(u) for u in access.units(user, perm)}
                assert got == expected
                for node_index, node in enumerate(nodes):
                    assert access.can(user, perm, node) == (node_index in expected)
            transaction.set_rollback(True)
