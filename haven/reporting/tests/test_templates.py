import datetime as dt
from pathlib import Path

import pytest

from haven.orgs.calendar import calendar_for
from haven.reporting import datafiles
from haven.reporting.datafiles import TemplateFileError, load_file

GOOD = """\
jurisdiction: XX
reports:
  - code: xx_month
    names: {en: A, ro: A, ru: A, nl: A, zh-hans: A, vi: A, kk: А}
    period: month
    levels: [school]
    due: {days_after: 10}
    signers: {school: principal}
    sections:
      - kind: figures
        code: f
        titles: {en: A, ro: A, ru: A, nl: A, zh-hans: A, vi: A}
        figures: [reports.total]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "XX.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("code", datafiles.codes())
def test_each_template_file_loads(code):
    loaded = load_file(datafiles.DATA / f"{code}.yaml")
    assert loaded.templates
    for template in loaded.templates.values():
        assert set(datafiles.LANGUAGES) <= set(template.names)
        assert all(c in datafiles.indicators.REGISTRY for c in template.codes)


def test_the_real_templates_are_there():
    codes = {t.code for t in datafiles.all_templates()}
    assert {"ro_monthly", "ro_semester", "ro_year", "vn_semester", "vn_year"} <= codes
    assert {"nl_monitoring", "cn_semester", "kz_quarter", "gen_semester"} <= codes


def test_a_good_file_loads_with_kazakh_beside_the_six(tmp_path):
    template = load_file(write(tmp_path, GOOD)).templates["xx_month"]
    assert template.names["kk"] == "А"


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        ("figures: [reports.total]", 10, "unknown indicator reports.nonsense"),
        ("period: month", 3, "period must be one of"),
        ("vi: A, kk: А}", 3, "names lacks a translation for vi"),
        ("due: {days_after: 10}", 7, "due takes days_after or date"),
        ("signers: {school: principal}", 8, "signers must name a role"),
    ],
)
def test_a_broken_file_is_refused_with_file_and_line(tmp_path, change, line, message):
    broken = {
        "figures: [reports.total]": "figures: [reports.nonsense]",
        "period: month": "period: fortnight",
        "vi: A, kk: А}": "kk: А}",
        "due: {days_after: 10}": "due: {after: 10}",
        "signers: {school: principal}": "signers: {school: janitor}",
    }[change]
    with pytest.raises(TemplateFileError) as refused:
        load_file(write(tmp_path, GOOD.replace(change, broken, 1)))
    assert str(refused.value).startswith(f"XX.yaml, line {line}:")
    assert message in str(refused.value)


def test_bad_yaml_is_refused_with_its_line(tmp_path):
    with pytest.raises(TemplateFileError, match=r"XX.yaml, line \d+: not valid YAML"):
        load_file(write(tmp_path, GOOD + "  - code: [unclosed\n"))


def test_a_language_outside_havens_is_refused(tmp_path):
    with pytest.raises(TemplateFileError, match="unexpected: de"):
        load_file(write(tmp_path, GOOD.replace("kk: А}", "kk: А, de: A}", 1)))


def test_romanian_monthly_report_is_due_on_the_tenth():
    template = datafiles.template_get("ro_monthly")
    assert template.due.date(dt.date(2026, 10, 31)) == dt.date(2026, 11, 10)
    assert template.due.date(dt.date(2027, 1, 31)) == dt.date(2027, 2, 10)


def test_dutch_monitoring_is_due_on_1_july(tree):
    template = datafiles.template_get("nl_monitoring")
    cal = calendar_for(tree.school_a)
    _start, end, _key = template.period_of(cal, dt.date(2026, 3, 1))
    assert template.due.date(end) == dt.date(2026, 7, 1)
    assert end < dt.date(2026, 7, 1)


def test_romanian_semester_groups_the_calendars_modules(tree):
    template = datafiles.template_get("ro_semester")
    cal = calendar_for(tree.school_a)
    first = template.period_of(cal, dt.date(2025, 11, 15))
    second = template.period_of(cal, dt.date(2026, 5, 1))
    assert first[0] == dt.date(2025, 9, 1)
    assert first[1] + dt.timedelta(days=1) == second[0]
    assert second[1] == dt.date(2026, 8, 31)
    assert first[2] == "2025-2026/M1+M2+M3"


def test_the_dutch_report_is_made_once_its_cut_has_passed(tree):
    template = datafiles.template_get("nl_monitoring")
    cal = calendar_for(tree.school_a)
    assert template.last_ended(cal, dt.date(2026, 6, 1))[1] == dt.date(2026, 5, 31)
    assert template.last_ended(cal, dt.date(2026, 7, 20))[1] == dt.date(2026, 5, 31)
    assert template.last_ended(cal, dt.date(2026, 5, 31))[1] == dt.date(2025, 5, 31)
