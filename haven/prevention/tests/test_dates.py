"""Long dates in words: Romanian writes month names in lowercase inside a sentence, though
Django's Romanian catalogue capitalises them ("30 Septembrie 2026")."""

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import formats, translation

from haven.lib.dates import long_date

DAY = dt.date(2026, 9, 30)


def test_django_alone_capitalises_romanian_months():
    """The problem this fixes: if Django changes, this test says the helper may go."""
    with translation.override("ro"):
        assert formats.date_format(DAY, "DATE_FORMAT") == "30 Septembrie 2026"


@pytest.mark.parametrize(
    ("format_name", "expected"),
    [
        ("DATE_FORMAT", "30 septembrie 2026"),
        ("MONTH_DAY_FORMAT", "30 septembrie"),
        ("YEAR_MONTH_FORMAT", "septembrie 2026"),
        ("SHORT_DATE_FORMAT", "30.09.2026"),
    ],
)
def test_romanian_month_names_are_lowercase(format_name, expected):
    with translation.override("ro"):
        assert long_date(DAY, format_name) == expected


def test_romanian_datetimes_are_shown_in_the_current_time_zone_with_lowercase_months():
    moment = dt.datetime(2026, 1, 31, 22, 30, tzinfo=dt.UTC)  # already 1 February in Bucharest
    with translation.override("ro"), _zone("Europe/Bucharest"):
        assert long_date(moment, "DATETIME_FORMAT") == "1 februarie 2026, 00:30"


def test_escaped_letters_in_a_format_are_kept():
    with translation.override("ro"):
        assert long_date(DAY, r"\F\i\n \d\e F: j") == "Fin de septembrie: 30"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Sept. 30, 2026"),
        ("nl", "30 september 2026"),
        ("ru", "30 сентября 2026 г."),
        ("vi", "Ngày 30 tháng 9 năm 2026"),
        ("zh-hans", "2026年9月30日"),
    ],
)
def test_other_languages_keep_djangos_own_long_dates(language, expected):
    with translation.override(language):
        assert long_date(DAY) == expected == formats.date_format(DAY, "DATE_FORMAT")


def test_the_template_filter_writes_the_same():
    template = Template('{% load haven_dates %}{{ day|long_date }} · {{ day|long_date:"F Y" }}')
    with translation.override("ro"):
        assert template.render(Context({"day": DAY})) == "30 septembrie 2026 · septembrie 2026"
    assert Template("{% load haven_dates %}[{{ nothing|long_date }}]").render(Context()) == "[]"


def _zone(name):
    from django.utils import timezone

    return timezone.override(name)
