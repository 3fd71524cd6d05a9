"""A small world for the care-register tests, built on the shared ``tree`` fixture:
school A has class 5A (with a class teacher) and class 5B (none); school B has class 6A."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils import translation

from haven.care import services
from haven.orgs.models import OrgUnit, Pupil, Role
from haven.orgs.tests.factories import Tree, member, unit


@dataclass
class World:
    tree: Tree
    class_b: OrgUnit
    class_other: OrgUnit
    class_teacher: Any
    teacher_b: Any
    mentor: Any
    pupil: Pupil
    pupil_b: Pupil
    pupil_other: Pupil

    @property
    def users(self) -> dict[str, Any]:
        return self.tree.users

    @property
    def today(self) -> dt.date:
        return services.school_today(self.tree.school_a)


def pupil(class_unit: OrgUnit, number: str, given: str, family: str) -> Pupil:
    return Pupil.objects.create(
        class_unit=class_unit,
        school=class_unit.parent,
        external_id=number,
        given_name=given,
        family_name=family,
    )


def build_world(tree: Tree) -> World:
    class_b = unit(tree.school_a, OrgUnit.Kind.CLASS, "5B")
    class_other = unit(tree.school_b, OrgUnit.Kind.CLASS, "6A")
    return World(
        tree=tree,
        class_b=class_b,
        class_other=class_other,
        class_teacher=member(Role.STAFF, tree.class_a, email="teacher.5a@a.example"),
        teacher_b=member(Role.STAFF, class_b, email="teacher.5b@a.example"),
        mentor=member(Role.STAFF, tree.school_a, email="mentor@a.example"),
        pupil=pupil(tree.class_a, "A1", "Ana", "Popescu"),
        pupil_b=pupil(class_b, "B1", "Bogdan", "Ionescu"),
        pupil_other=pupil(class_other, "C1", "Chen", "Wei"),
    )


def register(world: World, target: Pupil | None = None, **overrides: Any) -> Any:
    """A pupil of concern registered by school A's coordinator (5A's pupil by default)."""
    data: dict[str, Any] = {
        "actor": world.users["coordinator"],
        "pupil": target or world.pupil,
        "reasons": ["truancy", "results_drop"],
        "review_on": world.today + dt.timedelta(days=30),
    }
    data.update(overrides)
    return services.concern_register(**data)


def url(name: str, *args: Any) -> str:
    with translation.override("en"):
        return reverse(name, args=args)
