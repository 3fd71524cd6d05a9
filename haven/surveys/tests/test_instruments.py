"""The instrument files: the shipped one validates; broken files are refused with file:line."""

from pathlib import Path

import pytest

from haven.surveys import instruments
from haven.surveys.instruments import FORMS, InstrumentFileError, load_file, school_questions

SHIPPED = instruments.DATA / "haven-open-1.yaml"


def test_shipped_instrument_validates_with_all_parts():
    instrument = instruments.get("haven-open-1")
    assert instrument.version == 2  # 2 asks where and when (hotspots); 1 lives on in versions/
    assert instruments.get("haven-open-1", 1).version == 1
    assert instrument.licence == "CC BY 4.0"
    assert "CC BY 4.0" in SHIPPED.read_text(encoding="utf-8")
    assert {s.code for s in instrument.scales} == {"safety", "wellbeing"}
    assert len(instrument.scale_items("safety")) == 4
    assert 3 <= len(instrument.scale_items("wellbeing")) <= 5
    assert any(item.reverse for item in instrument.scale_items("wellbeing"))
    assert [i.form for i in instrument.measure_items("victim_form")] == list(FORMS)
    assert [i.form for i in instrument.measure_items("perp_form")] == list(FORMS)
    for measure in ("victim_global", "perp_global", "power_imbalance", "told_adult", "grade_band"):
        assert len(instrument.measure_items(measure)) == 1
    assert instrument.item("gender").required is False
    assert [o.value for o in instrument.item("victim_global").options] == [0, 1, 2, 3, 4]


def test_every_text_of_the_shipped_instrument_has_six_languages():
    instrument = instruments.get("haven-open-1")
    for item in instrument.items():
        assert set(item.texts) == set(instruments.LANGUAGES), item.code
        for option in item.options:
            assert set(option.labels) == set(instruments.LANGUAGES)
    for page in instrument.pages:
        assert set(page.titles) == set(instruments.LANGUAGES)


def test_power_imbalance_follow_up_shows_only_after_a_form_at_two_or_more():
    item = instruments.get().item("power_imbalance")
    assert item.shown({"victim_verbal": 0, "victim_online": 1}) is False
    assert item.shown({"victim_verbal": 0, "victim_online": 2}) is True
    assert item.shown({}) is False


def test_text_is_picked_in_the_active_language():
    from django.utils import translation

    item = instruments.get().item("safe_school")
    with translation.override("nl"):
        assert item.text == "Ik voel me veilig op school."
    with translation.override("zh-hans"):
        assert item.text == "我在学校感到安全。"
    with translation.override("kk"):
        assert item.text == "Мен мектепте өзімді қауіпсіз сезінемін."


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    text = SHIPPED.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "haven-open-1.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_missing_translation_is_refused_with_file_and_line(tmp_path):
    path = _broken(tmp_path, ', vi: "Tôi cảm thấy an toàn ở trường."', "")
    with pytest.raises(InstrumentFileError) as error:
        load_file(path)
    assert "lacks a translation for vi" in error.value.message
    assert error.value.line == _line_of(path, "code: safe_school")
    assert "haven-open-1.yaml, line" in str(error.value)


def test_unknown_scale_is_refused(tmp_path):
    path = _broken(tmp_path, "scale: wellbeing", "scale: happiness")
    with pytest.raises(InstrumentFileError, match="unknown scale 'happiness'") as error:
        load_file(path)
    assert error.value.line == _line_of(path, "code: wb_like")


def test_show_if_on_an_item_not_asked_before_is_refused(tmp_path):
    path = _broken(tmp_path, "any_of: [told_adult]", "any_of: [wb_like]")
    with pytest.raises(InstrumentFileError, match="not an item asked before"):
        load_file(path)


def test_show_if_with_a_value_the_item_cannot_take_is_refused(tmp_path):
    path = _broken(
        tmp_path, "any_of: [told_adult], at_least: 1", "any_of: [told_adult], at_least: 7"
    )
    with pytest.raises(InstrumentFileError, match="7 is not an answer"):
        load_file(path)


def test_unknown_option_set_and_measure_are_refused(tmp_path):
    with pytest.raises(InstrumentFileError, match="unknown option set"):
        load_file(_broken(tmp_path, "options: gender", "options: genders"))
    with pytest.raises(InstrumentFileError, match="unknown measure"):
        load_file(_broken(tmp_path, "measure: told_adult", "measure: told_someone"))


def test_form_item_without_a_known_form_is_refused(tmp_path):
    with pytest.raises(InstrumentFileError, match="needs a form"):
        load_file(_broken(tmp_path, "form: exclusion", "form: gossip"))


def test_invalid_yaml_names_the_line(tmp_path):
    path = tmp_path / "haven-open-1.yaml"
    path.write_text("code: haven-open-1\nversion: [1\n", encoding="utf-8")
    with pytest.raises(InstrumentFileError, match="not valid YAML") as error:
        load_file(path)
    assert error.value.line is not None


def test_unknown_instrument_or_version_is_an_error():
    with pytest.raises(InstrumentFileError):
        instruments.get("olweus")
    with pytest.raises(InstrumentFileError):
        instruments.get("haven-open-1", 99)


def test_answer_values_outside_the_options_are_not_valid():
    item = instruments.get().item("victim_global")
    assert item.valid(4)
    assert not item.valid(5)
    assert not item.valid("4")
    assert not item.valid(True)


def test_school_questions_are_checked():
    items = school_questions(
        [
            {
                "code": "school_lunch",
                "text": {"en": "Is lunch break calm?"},
                "options": [
                    {"value": 0, "label": {"en": "No"}},
                    {"value": 1, "label": {"en": "Yes"}},
                ],
            },
            {
                "code": "school_wish",
                "kind": "text",
                "required": False,
                "text": {"en": "What would you change?"},
            },
        ]
    )
    assert [i.closed for i in items] == [True, False]
    with pytest.raises(InstrumentFileError, match="starts with school_"):
        school_questions([{"code": "lunch", "kind": "text", "text": {"en": "x"}}])
    with pytest.raises(InstrumentFileError, match="scale or a measure"):
        school_questions(
            [{"code": "school_x", "kind": "text", "scale": "safety", "text": {"en": "x"}}]
        )
    with pytest.raises(InstrumentFileError, match="lacks a translation for en"):
        school_questions([{"code": "school_x", "kind": "text", "text": {"nl": "x"}}])
