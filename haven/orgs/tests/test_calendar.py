"""The school calendar of each jurisdiction (haven.orgs.calendar): real calendars, where a
date falls, periods between two dates, overrides, regions, and refused data files."""

import datetime as dt
import itertools
import shutil
from pathlib import Path

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from haven.lib import clock
from haven.lib.datafile import ALL_LANGUAGES, LANGUAGES, languages_for
from haven.lib.errors import InvalidInput
from haven.orgs import calendar, services
from haven.orgs.calendar import CalendarFileError, calendar_for, load_file, period, school_year
from haven.orgs.models import Holiday, OrgUnit
from haven.orgs.tests.factories import JurisdictionFactory, unit

D = dt.date
CODES = calendar.codes()


def term(code: str, day: dt.date) -> str:
    return period(code, day, "semester").key


def test_every_shipped_calendar_loads_with_names_in_six_languages():
    assert set(CODES) >= {"GEN", "RO", "KZ", "NL", "CN", "VN"}
    for code in CODES:
        data = calendar.load_file(calendar.DATA / f"{code}.yaml")
        for names in data.names.values():
            assert set(LANGUAGES) <= set(names) <= set(ALL_LANGUAGES)
            assert set(names) >= set(languages_for(code))
    assert calendar.load_file(calendar.DATA / "KZ.yaml").names["q1"]["kk"] == "Бірінші тоқсан"


def test_kazakhstans_calendar_must_give_kazakh(tmp_path):
    text = (calendar.DATA / "KZ.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "KZ.yaml"
    broken.write_text(text.replace(', kk: "Бірінші тоқсан"', ""), encoding="utf-8")
    with pytest.raises(calendar.CalendarFileError, match="q1 lacks a translation for kk"):
        calendar.load_file(broken)


def test_a_jurisdiction_without_a_file_gets_the_generic_calendar():
    assert calendar.calendar_data("XX").code == "GEN"
    assert school_year("XX", D(2026, 9, 1)).label == "2026-2027"


# Real calendars: a date in each term and holiday


def test_romania_five_learning_modules_of_2025_2026():
    ro = calendar_for("RO")
    assert [p.key for p in ro.periods("module", D(2025, 9, 8), D(2026, 6, 19))] == [
        f"2025-2026/M{n}" for n in range(1, 6)
    ]
    assert term("RO", D(2025, 10, 1)) == "2025-2026/M1"
    assert term("RO", D(2025, 11, 20)) == "2025-2026/M2"
    assert term("RO", D(2026, 1, 20)) == "2025-2026/M3"
    assert term("RO", D(2026, 3, 10)) == "2025-2026/M4"
    assert term("RO", D(2026, 5, 20)) == "2025-2026/M5"
    m1 = period("RO", D(2025, 10, 1), "module")
    assert (m1.teaching_start, m1.teaching_end) == (D(2025, 9, 8), D(2025, 10, 24))
    assert m1.kind == "module"
    assert ro.is_school_day(D(2025, 10, 24))  # last day of module 1, a Friday
    assert not ro.is_school_day(D(2025, 10, 27))  # autumn holiday
    assert not ro.is_school_day(D(2025, 12, 1))  # National Day
    assert not ro.is_school_day(D(2026, 1, 7))  # end of the winter holiday
    assert ro.is_school_day(D(2026, 1, 8))
    assert not ro.is_school_day(D(2026, 4, 13))  # Easter holiday
    assert ro.is_school_day(D(2026, 6, 19))
    assert not ro.is_school_day(D(2026, 6, 22))  # summer
    assert not ro.is_school_day(D(2026, 9, 2))  # summer runs to 6 September 2026


def test_romania_mobile_holiday_week_follows_the_county_region():
    default = calendar_for("RO")  # Bucharest's week, 16-22 February
    assert default.region == "feb-16"
    assert default.is_school_day(D(2026, 2, 10))
    assert not default.is_school_day(D(2026, 2, 17))
    early = calendar.SchoolCalendar(data=default.file, region_source=lambda: "feb-9")
    assert not early.is_school_day(D(2026, 2, 10))
    assert early.is_school_day(D(2026, 2, 17))
    names = [h.names["ro"] for h in early.holidays_between(D(2026, 2, 1), D(2026, 2, 28))]
    assert names == ["Vacanța mobilă (de schi)"]


def test_kazakhstan_four_quarters_and_holidays_of_2025_2026():
    kz = calendar_for("KZ")
    assert [
        term("KZ", d) for d in (D(2025, 9, 2), D(2025, 12, 1), D(2026, 2, 2), D(2026, 4, 1))
    ] == [
        "2025-2026/Q1",
        "2025-2026/Q2",
        "2025-2026/Q3",
        "2025-2026/Q4",
    ]
    assert period("KZ", D(2025, 12, 1), "quarter").names["ru"] == "II четверть"
    assert not kz.is_school_day(D(2025, 10, 28))  # autumn holiday
    assert not kz.is_school_day(D(2025, 12, 16))  # Independence Day
    assert not kz.is_school_day(D(2026, 1, 5))  # winter holiday
    assert kz.is_school_day(D(2026, 1, 8))
    assert not kz.is_school_day(D(2026, 3, 23))  # spring holiday (Nauryz)
    assert kz.is_school_day(D(2026, 5, 25))  # last day of the year's classes
    assert not kz.is_school_day(D(2026, 5, 26))


def test_netherlands_school_year_from_1_august_with_regional_holidays():
    assert school_year("NL", D(2026, 7, 31)).label == "2025-2026"
    assert school_year("NL", D(2026, 8, 1)).label == "2026-2027"
    nl = calendar.calendar_data("NL")

    def region(name: str) -> calendar.SchoolCalendar:
        return calendar.SchoolCalendar(data=nl, region_source=lambda: name)

    north, middle, south = region("north"), region("middle"), region("south")
    assert calendar_for("NL").region == "middle"
    # Autumn 2025: south a week earlier.
    assert not south.is_school_day(D(2025, 10, 14)) and north.is_school_day(D(2025, 10, 14))
    assert not north.is_school_day(D(2025, 10, 21)) and south.is_school_day(D(2025, 10, 21))
    # Christmas for everyone; spring 2026: north a week later.
    assert not any(r.is_school_day(D(2025, 12, 29)) for r in (north, middle, south))
    assert not north.is_school_day(D(2026, 2, 24)) and middle.is_school_day(D(2026, 2, 24))
    # Summer 2026: north from 4 July, south 11 July, middle 18 July (to 30 August, past the
    # start of the next school year).
    day = D(2026, 7, 7)
    assert [r.is_school_day(day) for r in (north, middle, south)] == [False, True, True]
    assert not middle.is_school_day(D(2026, 8, 28))
    assert north.is_school_day(D(2026, 8, 17))
    # 2026-2027: carnival in the south, 6-14 February 2027.
    assert not south.is_school_day(D(2027, 2, 9)) and north.is_school_day(D(2027, 2, 9))


def test_china_two_semesters_holidays_and_make_up_days():
    cn = calendar_for("CN")
    assert term("CN", D(2025, 9, 1)) == "2025-2026/S1"
    assert term("CN", D(2026, 3, 2)) == "2025-2026/S2"
    assert period("CN", D(2026, 3, 2), "semester").names["zh-hans"] == "下学期（春季学期）"
    assert not cn.is_school_day(D(2025, 10, 3))  # National Day
    assert cn.is_school_day(D(2025, 9, 28))  # a Sunday worked in exchange
    assert not cn.is_school_day(D(2026, 2, 10))  # winter holiday
    assert not cn.is_school_day(D(2026, 5, 4))  # Labour Day


def test_vietnam_two_semesters_and_tet():
    vn = calendar_for("VN")
    assert term("VN", D(2025, 9, 5)) == "2025-2026/S1"
    assert term("VN", D(2026, 1, 17)) == "2025-2026/S1"
    assert term("VN", D(2026, 1, 19)) == "2025-2026/S2"
    assert period("VN", D(2026, 1, 19), "semester").names["vi"] == "Học kỳ II"
    assert not vn.is_school_day(D(2026, 2, 16))  # Tết
    assert not vn.is_school_day(D(2026, 4, 30))
    assert vn.is_school_day(D(2026, 5, 22))
    assert not vn.is_school_day(D(2026, 6, 15))  # summer


def test_undated_years_follow_the_rule():
    ro = calendar_for("RO")
    m1 = ro.period(D(2030, 10, 1), "module")
    assert m1.key == "2030-2031/M1"
    assert (m1.teaching_start, m1.teaching_end) == (D(2030, 9, 8), D(2030, 10, 24))
    assert not ro.is_school_day(D(2030, 12, 23))  # Monday inside the rule's winter holiday
    assert ro.is_school_day(D(2030, 12, 19))
    assert calendar_for("GEN").holidays_between(D(2030, 1, 1), D(2031, 1, 1)) == []


# Where a date falls: boundaries, new year, summer


def test_boundary_days_of_the_school_year_and_terms():
    assert school_year("RO", D(2026, 8, 31)).label == "2025-2026"
    first = school_year("RO", D(2026, 9, 1))
    assert (first.year, first.label, first.key) == (2026, "2026-2027", "2026-2027")
    assert (first.start, first.end) == (D(2026, 9, 1), D(2027, 8, 31))
    # A holiday between two modules belongs to the module before it.
    assert term("RO", D(2025, 11, 2)) == "2025-2026/M1"
    assert term("RO", D(2025, 11, 3)) == "2025-2026/M2"
    # Days before the first module starts (1-7 September) are in module 1.
    assert term("RO", D(2025, 9, 1)) == "2025-2026/M1"


def test_around_new_year_the_month_changes_but_not_the_year_or_semester():
    before, after = D(2025, 12, 31), D(2026, 1, 1)
    assert period("GEN", before, "month").key == "2025-12"
    assert period("GEN", after, "month").key == "2026-01"
    assert period("GEN", after, "month").end == D(2026, 1, 31)
    for kind in ("semester", "school_year"):
        assert period("GEN", before, kind) == period("GEN", after, kind)
    assert period("GEN", after, "day").key == "2026-01-01"


def test_a_summer_date_belongs_to_the_last_term_of_the_year_that_ends():
    july = period("GEN", D(2026, 7, 15), "semester")
    assert july.key == "2025-2026/S2"
    assert july.end == D(2026, 8, 31)
    assert july.teaching_end == D(2026, 6, 30)
    assert period("NL", D(2026, 7, 31), "semester").key == "2025-2026/S2"
    assert period("NL", D(2026, 8, 1), "semester").key == "2026-2027/S1"


def test_the_date_of_a_month_day_inside_a_school_year():
    year = calendar.school_year_of("RO", 2026)
    assert year.on(9, 30) == D(2026, 9, 30)
    assert year.on(2, 29) == D(2027, 2, 28)
    assert year.month(2) == (D(2027, 2, 1), D(2027, 2, 28))


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown period kind"):
        period("GEN", D(2026, 1, 1), "fortnight")


@settings(max_examples=150, deadline=None)
@given(
    code=st.sampled_from(CODES),
    kind=st.sampled_from(["day", "month", "semester", "school_year"]),
    start=st.dates(min_value=D(2020, 1, 1), max_value=D(2032, 12, 31)),
    length=st.integers(min_value=0, max_value=900),
)
def test_periods_cover_the_range_without_gaps_or_overlaps(code, kind, start, length):
    end = start + dt.timedelta(days=length)
    found = calendar.periods(code, kind, start, end)
    assert found[0].start <= start <= found[0].end
    assert found[-1].start <= end <= found[-1].end
    for before, after in itertools.pairwise(found):
        assert after.start == before.end + dt.timedelta(days=1)
    assert len({p.key for p in found}) == len(found)
    for p in found:
        assert p.start <= p.end
        assert period(code, p.start, kind) == p == period(code, p.end, kind)


# The administrator's overrides, regions, the procedure clock


@pytest.mark.django_db
def test_overrides_of_the_jurisdiction_are_layered_over_the_file():
    ro = JurisdictionFactory(weekend_days=[4, 5, 6])  # no school on Fridays either
    school = unit(unit(None, OrgUnit.Kind.COUNTRY, "RO", ro), OrgUnit.Kind.SCHOOL, "S1")
    Holiday.objects.create(jurisdiction=ro, date=D(2025, 10, 1), name="Ziua școlii")
    school_cal = calendar_for(school)
    assert not school_cal.is_school_day(D(2025, 10, 1))  # the administrator's day
    assert not school_cal.is_school_day(D(2025, 10, 3))  # a Friday
    assert school_cal.is_school_day(D(2025, 10, 2))
    assert not school_cal.is_school_day(D(2025, 10, 28))  # the file's autumn holiday stays
    names = [h.name for h in school_cal.holidays_between(D(2025, 10, 1), D(2025, 10, 1))]
    assert names == ["Ziua școlii"]


@pytest.mark.django_db
def test_a_school_inherits_the_holiday_region_of_the_unit_above():
    nl = JurisdictionFactory(code="NL", time_zone="Europe/Amsterdam")
    country = unit(None, OrgUnit.Kind.COUNTRY, "NL", nl)
    province = services.orgunit_create(
        actor=None,
        parent=country,
        kind=OrgUnit.Kind.PROVINCE,
        code="GR",
        name="Groningen",
        calendar_region="north",
    )
    school = unit(province, OrgUnit.Kind.SCHOOL, "NL-1")
    assert calendar_for(school).region == "north"
    assert not calendar.is_school_day(school, D(2026, 7, 6))
    assert calendar.is_school_day(unit(country, OrgUnit.Kind.SCHOOL, "NL-2"), D(2026, 7, 6))
    south = services.orgunit_update(
        actor=None,
        unit=school,
        code="NL-1",
        name="Unit NL-1",
        kind="school",
        calendar_region="south",
    )
    assert calendar_for(south).region == "south"


@pytest.mark.django_db
def test_a_region_the_calendar_does_not_have_is_refused(tree):
    with pytest.raises(InvalidInput):
        services.orgunit_update(
            actor=None,
            unit=tree.school_a,
            code=tree.school_a.code,
            name=tree.school_a.name,
            kind="school",
            calendar_region="atlantis",
        )


def test_the_procedure_clock_skips_the_files_holidays():
    ro = calendar_for("RO")
    friday = dt.datetime(2025, 10, 24, 10, 0, tzinfo=ro.zone)
    # Module 1 ends on Friday 24 October; the autumn holiday runs to Sunday 2 November.
    assert clock.add(friday, 1, "school_days", ro) == dt.datetime(
        2025, 11, 3, 16, 0, tzinfo=ro.zone
    )


@pytest.mark.django_db
def test_a_survey_counts_for_the_school_year_of_its_schools_calendar():
    from haven.surveys.models import school_year as survey_year

    moment = dt.datetime(2026, 8, 10, 9, 0, tzinfo=dt.UTC)
    nl = unit(None, OrgUnit.Kind.SCHOOL, "NLS", JurisdictionFactory(code="NL"))
    ro = unit(None, OrgUnit.Kind.SCHOOL, "ROS", JurisdictionFactory(code="RO"))
    assert survey_year(moment, nl) == "2026-2027"
    assert survey_year(moment, ro) == "2025-2026"


# Refused data files name the file and the line


def broken(tmp_path: Path, old: str, new: str, code: str = "RO") -> Path:
    path = tmp_path / f"{code}.yaml"
    shutil.copy(calendar.DATA / f"{code}.yaml", path)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if needle in line)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('start: "09-08", end: "10-24"', 'start: "09-31", end: "10-24"', "month-day"),
        ("vi: Mô-đun học tập 2}", "}", "lacks a translation for vi"),
        ("regions: [feb-9]}", "regions: [feb-99]}", "unknown region"),
        ("M5: [2026-04-15, 2026-06-19]", "M5: [2026-04-15, 2026-09-19]", "inside the school year"),
        ('{key: M2, name: m2, start: "11-03"', '{key: M2, name: m9, start: "11-03"', "name 'm9'"),
        ("weekend_days: [5, 6]", "weekend_days: [5, 7]", "weekend_days"),
    ],
)
def test_a_broken_calendar_file_is_refused_with_file_and_line(tmp_path, old, new, message):
    path = broken(tmp_path, old, new)
    with pytest.raises(CalendarFileError, match=message) as refused:
        load_file(path)
    assert refused.value.path == str(path)
    assert refused.value.line is not None
    assert str(refused.value).startswith(f"RO.yaml, line {refused.value.line}: ")


def test_a_refusal_points_at_the_line_of_the_broken_entry(tmp_path):
    path = broken(tmp_path, 'start: "01-08", end: "02-06"', 'start: "02-10", end: "02-06"')
    with pytest.raises(CalendarFileError, match="ends before it starts") as refused:
        load_file(path)
    assert refused.value.line == line_of(path, "{key: M3")


def test_a_file_whose_code_is_not_its_name_is_refused(tmp_path):
    path = tmp_path / "XX.yaml"
    shutil.copy(calendar.DATA / "GEN.yaml", path)
    with pytest.raises(CalendarFileError, match="does not match the file name"):
        load_file(path)


def test_a_date_outside_the_years_haven_keeps_is_refused_in_words():
    """A typing slip such as 0001-03-01 would need school year 0: refused, translated."""
    with translation.override("ro"), pytest.raises(InvalidInput) as refused:
        calendar.school_year("RO", dt.date(1, 3, 1))
    assert str(refused.value.message) == "Dați o dată între 1900 și 2199."
    assert calendar.school_year("RO", dt.date(1900, 9, 15)).year == 1900
