"""The staff home's section from prevention (``haven.orgs.todo``): this school year's
pledge, for each school where the user is on the staff and has not signed it yet."""

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from haven.orgs import todo
from haven.orgs.models import User
from haven.prevention import selectors
from haven.prevention.models import Pledge


def pledges_to_sign(user: User, now: dt.datetime) -> list[todo.Section]:
    schools = list(selectors.schools_for_pledge(user=user)[: todo.LIMIT * 4])
    if not schools:
        return []
    signed = set(
        Pledge.objects.filter(user=user, school__in=schools).values_list("school_id", "year")
    )
    items = []
    for school in schools:
        year = selectors.school_year_now(school)
        if (school.pk, year) in signed:
            continue
        deadline = selectors.calendar_of(school).pledge_deadline_in(year)
        items.append(
            todo.Item(
                title=school.name,
                url=f"{reverse('prevention:pledge_sign')}?school={school.pk}",
                due=deadline,
                overdue=selectors.today_at(school) > deadline,
            )
        )
    return todo.items_section("pledges", _("Pledge to sign"), items, order=90)


def register() -> None:
    todo.register(pledges_to_sign)
