"""The staff home's sections from care (``haven.orgs.todo``): pupils of concern whose review
is due and classes the user answers for in a running screening round."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.care import access as care_access
from haven.care import selectors
from haven.care.models import ConcernEntry, ScreeningAnswer
from haven.orgs import todo
from haven.orgs.models import User


def concerns_to_review(user: User, now: dt.datetime) -> list[todo.Section]:
    """Open entries the user may read (the school's register for its coordinators, principal
    and psychologist; their own for a responsible adult) with a review within a week."""
    today = timezone.localdate(now)
    rows = (
        selectors.concern_list(user=user)
        .filter(review_on__lte=today + todo.SOON)
        .order_by("review_on", "pk")
    )

    def item(entry: ConcernEntry) -> todo.Item:
        due = entry.review_on
        return todo.Item(
            title=str(entry.pupil),
            url=reverse("care:concern_detail", args=[entry.pk]),
            due=due,
            overdue=due is not None and due < today,
            detail=entry.pupil.class_unit.name if entry.pupil.class_unit else "",
        )

    return todo.section(
        "concerns",
        _("Pupils of concern to review"),
        rows,
        item,
        order=70,
        more_url=reverse("care:concern_list"),
    )


def screening_due(user: User, now: dt.datetime) -> list[todo.Section]:
    """Classes the user answers for in a screening round that has started, not yet answered."""
    today = timezone.localdate(now)
    rows = (
        ScreeningAnswer.objects.filter(
            responsible=user, answered_at__isnull=True, round__starts_on__lte=today
        )
        .filter(care_access.screening_condition(user, "round__"))
        .select_related("round", "class_unit")
        .order_by("round__ends_on", "pk")
    )

    def item(answer: ScreeningAnswer) -> todo.Item:
        return todo.Item(
            title=answer.class_unit.name,
            url=reverse("care:round_detail", args=[answer.round_id]),
            due=answer.round.ends_on,
            overdue=answer.round.ends_on < today,
            detail=answer.round.name,
        )

    return todo.section("screening", _("Classes to screen"), rows, item, order=80)


def register() -> None:
    todo.register(concerns_to_review)
    todo.register(screening_due)
