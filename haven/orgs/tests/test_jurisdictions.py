"""The jurisdictions data file: help numbers named in every language, checked on load."""

import json

import pytest

from haven.lib.datafile import ALL_LANGUAGES
from haven.orgs.demo import DATA, JurisdictionFileError, jurisdictions_load, jurisdictions_read
from haven.orgs.models import Jurisdiction


def shipped() -> dict:
    return json.loads((DATA / "jurisdictions.json").read_text(encoding="utf-8"))


def write(tmp_path, data) -> object:
    path = tmp_path / "jurisdictions.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def test_every_help_number_is_named_in_all_seven_languages():
    found = jurisdictions_read()
    assert {j["code"] for j in found} == {"GEN", "RO", "KZ", "NL", "CN", "VN"}
    for jurisdiction in found:
        assert jurisdiction["phone_numbers"], jurisdiction["code"]
        for entry in jurisdiction["phone_numbers"]:
            assert set(entry["label"]) == set(ALL_LANGUAGES), (jurisdiction["code"], entry)
            assert all(text.strip() for text in entry["label"].values())


def test_help_numbers_carry_the_names_used_in_their_country():
    labels = {
        (j["code"], e["number"]): e["label"]
        for j in jurisdictions_read()
        for e in j["phone_numbers"]
    }
    assert labels[("RO", "116 111")]["ro"] == "Telefonul Copilului"
    assert labels[("CN", "12355")]["zh-hans"] == "青少年服务台"
    assert labels[("VN", "111")]["vi"] == "Tổng đài quốc gia bảo vệ trẻ em"
    assert labels[("NL", "0800 0432")]["nl"] == "De Kindertelefoon"
    assert "111" in {n for (code, n) in labels if code == "KZ"}
    assert "150" in {n for (code, n) in labels if code == "KZ"}
    # Other languages get a real name, not a copy of the local one.
    assert labels[("VN", "111")]["en"] == "National child protection hotline"
    assert labels[("NL", "0800 0432")]["ru"] != labels[("NL", "0800 0432")]["nl"]


def test_a_help_number_lacking_a_language_is_refused_naming_file_line_and_entry(db, tmp_path):
    data = shipped()
    ro = next(j for j in data["jurisdictions"] if j["code"] == "RO")
    helpline = next(e for e in ro["phone_numbers"] if e["number"] == "116 111")
    del helpline["label"]["nl"], helpline["label"]["vi"]
    with pytest.raises(JurisdictionFileError) as error:
        jurisdictions_load(write(tmp_path, data))
    message = str(error.value)
    assert message.startswith("jurisdictions.json, line ")
    assert "RO, number 116 111: label lacks a translation for nl, vi" in message
    assert not Jurisdiction.objects.exists()  # one mistake, nothing loaded


def test_a_help_number_without_any_name_is_refused(db, tmp_path):
    data = shipped()
    del data["jurisdictions"][-1]["phone_numbers"][0]["label"]
    with pytest.raises(JurisdictionFileError, match="missing 'label'"):
        jurisdictions_load(write(tmp_path, data))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"number": "call 112"}, "GEN, number call 112: 'number' must be digits"),
        ({"kind": "fire"}, "GEN, number 112: unknown kind 'fire'"),
        (
            {
                "label": {
                    "en": "a",
                    "ro": "b",
                    "ru": "c",
                    "nl": "d",
                    "zh-hans": "e",
                    "vi": "f",
                    "de": "g",
                }
            },
            "label must give exactly en, ro, ru, nl, zh-hans, vi",
        ),
    ],
)
def test_other_mistakes_in_a_help_number_are_refused(db, tmp_path, change, expected):
    data = shipped()
    data["jurisdictions"][0]["phone_numbers"][0].update(change)
    with pytest.raises(JurisdictionFileError) as error:
        jurisdictions_load(write(tmp_path, data))
    assert expected in str(error.value)


def test_a_jurisdiction_name_lacking_a_language_is_refused(db, tmp_path):
    data = shipped()
    del data["jurisdictions"][2]["names"]["ru"]
    with pytest.raises(JurisdictionFileError, match="KZ: names lacks a translation for ru"):
        jurisdictions_load(write(tmp_path, data))


def test_loading_stores_the_names_and_a_second_load_changes_nothing(db):
    assert jurisdictions_load() == 6
    vn = Jurisdiction.objects.get(code="VN")
    assert vn.phone_numbers[0] == {
        "kind": "child_helpline",
        "number": "111",
        "label": next(
            e["label"]
            for j in jurisdictions_read()
            if j["code"] == "VN"
            for e in j["phone_numbers"]
            if e["number"] == "111"
        ),
    }
    assert jurisdictions_load() == 0
