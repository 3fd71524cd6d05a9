"""The list of reasons is data with its own translations, refused with file and line when
it is wrong."""

import pytest
from django.utils import translation

from haven.care.reasons import ReasonFileError, load_reasons, reason_name, reasons

GOOD = """reasons:
  - code: truancy
    name: {en: Truancy, ro: Absenteism, ru: Прогулы, nl: Spijbelen, zh-hans: 旷课, vi: Trốn học}
"""


def write(tmp_path, text):
    path = tmp_path / "concern_reasons.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_list_loads_with_every_language():
    loaded = reasons()
    codes = [r.code for r in loaded]
    assert {"repeated_cases", "truancy", "results_drop", "family_difficulties"} <= set(codes)
    assert {"left_behind", "other"} <= set(codes)
    for reason in loaded:
        assert set(reason.names) == {"en", "ro", "ru", "nl", "zh-hans", "vi", "kk"}


def test_reason_names_follow_the_active_language():
    with translation.override("zh-hans"):
        assert reason_name("left_behind") == "留守儿童"
    with translation.override("vi"):
        assert reason_name("truancy") == "Trốn học hoặc nghỉ học không lý do"
    assert reason_name("retired_code") == "retired_code"


def test_a_good_file_loads(tmp_path):
    assert [r.code for r in load_reasons(write(tmp_path, GOOD))] == ["truancy"]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (GOOD.replace("ro: Absenteism, ", ""), 3, "lacks a translation for ro"),
        (GOOD + GOOD.split("\n", 1)[1], 4, "used twice"),
        (GOOD.replace("code: truancy", "code: Truancy!"), 2, "'code' must be"),
        (GOOD.replace("vi: Trốn học}", "vi: Trốn học, de: Schwänzen}"), 3, "unexpected: de"),
        ("reasons: []\n", 1, "at least one reason"),
        ("reasons:\n  - code: x\n    name: [oops\n", 4, "not valid YAML"),
    ],
)
def test_mistakes_are_refused_with_file_and_line(tmp_path, text, line, message):
    with pytest.raises(ReasonFileError) as refused:
        load_reasons(write(tmp_path, text))
    assert message in str(refused.value)
    assert refused.value.line == line
    assert str(refused.value).startswith(f"concern_reasons.yaml, line {line}:")
