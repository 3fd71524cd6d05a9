"""The prevention data files: every text in six languages, errors with file and line."""

import datetime as dt

import pytest

from haven.lib.datafile import ALL_LANGUAGES, LANGUAGES
from haven.prevention import datafiles


def test_shipped_files_validate_with_every_language():
    templates = datafiles.load_templates()
    assert "VN_APPENDIX" in templates
    activities = templates["VN_APPENDIX"].activities
    assert len(activities) >= 10
    assert {a.goal for a in activities} >= {"awareness", "environment", "staff", "information"}
    for activity in activities:
        assert set(LANGUAGES) <= set(activity.what) <= set(ALL_LANGUAGES)
    pledges = datafiles.load_pledges()
    assert set(pledges) >= {"generic", "VN"}
    rules = datafiles.load_rules()
    assert rules["CN"].min_parent_meetings_per_semester == 2


def test_a_missing_translation_is_refused_with_file_and_line(tmp_path):
    broken = tmp_path / "plan_templates.yaml"
    broken.write_text(
        "people:\n"
        "  p: {en: P, ro: P, ru: P, nl: P, zh-hans: P, vi: P}\n"
        "templates:\n"
        "  - code: X\n"
        "    name: {en: X, ro: X, ru: X, nl: X, zh-hans: X, vi: X}\n"
        "    activities:\n"
        "      - goal: awareness\n"
        "        lead: [p]\n"
        "        participants: []\n"
        "        months: [9, 9]\n"
        "        what: {en: Talk, ro: Discuție}\n",
        encoding="utf-8",
    )
    with pytest.raises(datafiles.DataFileError) as error:
        datafiles.load_templates(broken)
    assert "plan_templates.yaml, line 7" in str(error.value)
    assert "ru" in str(error.value)


def test_an_unknown_goal_or_person_is_refused(tmp_path):
    broken = tmp_path / "t.yaml"
    broken.write_text(
        "people: {}\n"
        "templates:\n"
        "  - code: X\n"
        "    name: {en: X, ro: X, ru: X, nl: X, zh-hans: X, vi: X}\n"
        "    activities:\n"
        "      - goal: fun\n"
        "        lead: [nobody]\n"
        "        participants: []\n"
        "        months: [9, 9]\n"
        "        what: {en: a, ro: a, ru: a, nl: a, zh-hans: a, vi: a}\n",
        encoding="utf-8",
    )
    with pytest.raises(datafiles.DataFileError, match="unknown goal 'fun'"):
        datafiles.load_templates(broken)


def test_rules_file_refuses_a_bad_date(tmp_path):
    broken = tmp_path / "rules.yaml"
    broken.write_text('defaults:\n  pledge_deadline: "09-31"\n', encoding="utf-8")
    with pytest.raises(datafiles.DataFileError, match="month-day"):
        datafiles.load_rules(broken)


def test_pledge_text_falls_back_to_the_generic_one():
    assert datafiles.pledge_for("VN").code == "VN"
    assert datafiles.pledge_for("RO").code == "generic"


def test_school_year_and_semesters_follow_the_jurisdiction():
    # Prevention reads the jurisdiction's school calendar (haven.orgs.calendar).
    romania = datafiles.calendar_for("RO")
    assert romania.year_of(dt.date(2026, 8, 31)) == 2025
    assert romania.year_of(dt.date(2026, 9, 1)) == 2026
    assert romania.year_bounds(2026) == (dt.date(2026, 9, 1), dt.date(2027, 8, 31))
    # Romania's terms are learning modules: 1 March 2026 is in module 4 (16 Feb - 14 Apr).
    assert romania.semester_of(dt.date(2026, 3, 1)) == (dt.date(2026, 2, 16), dt.date(2026, 4, 14))
    generic = datafiles.calendar_for("GEN")
    assert generic.semester_of(dt.date(2027, 3, 1)) == (dt.date(2027, 2, 1), dt.date(2027, 8, 31))
    dutch = datafiles.calendar_for("NL")
    assert dutch.year_of(dt.date(2026, 8, 2)) == 2026
    assert romania.pledge_deadline_in(2026) == dt.date(2026, 9, 30)
