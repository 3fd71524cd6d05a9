"""Small helpers shared by the prevention tests."""

import datetime as dt

from django.urls import reverse
from django.utils import translation

from haven.orgs.tests.factories import member, unit

# A day in the first semester of the 2026-2027 school year (default calendar).
AUTUMN = dt.datetime(2026, 10, 15, 9, 0, tzinfo=dt.UTC)
YEAR = 2026


def url(name, *args, lang="en", year=None):
    with translation.override(lang):
        address = reverse(name, args=args)
    return f"{address}?year={year}" if year else address


def login_url():
    return url("login")


def second_class(tree, code="5B"):
    return unit(tree.school_a, "class", code)


def teacher_of(school, email):
    return member("staff", school, email=email)
