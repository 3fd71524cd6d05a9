"""Every shipped procedure file loads; a broken file names its error and line."""

from pathlib import Path

import pytest

from haven.procedures.loader import DATA, LANGUAGES, ProcedureFileError, load_all, load_file

GOOD = (DATA / "GEN.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize("path", sorted(DATA.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_procedure_loads_and_hangs_together(path):
    procedure = load_file(path)
    codes = {s.code for s in procedure.states}
    # every state can be reached from the initial one, and every open state can move on
    reached, frontier = {procedure.initial_state.code}, [procedure.initial_state.code]
    while frontier:
        for transition in procedure.transitions_from(frontier.pop()):
            if transition.target not in reached:
                reached.add(transition.target)
                frontier.append(transition.target)
    assert reached == codes, f"unreachable: {codes - reached}"
    for state in procedure.states:
        assert state.final or procedure.transitions_from(state.code), state.code
    for state in procedure.states:
        assert set(state.names) >= set(LANGUAGES)


def test_all_procedures_load_together():
    assert "GEN" in load_all()


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    assert old in GOOD
    path = tmp_path / "GEN.yaml"
    path.write_text(GOOD.replace(old, new, 1), encoding="utf-8")
    return path


def _line_of(path: Path, text: str) -> int:
    lines = path.read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.strip() == f"- {text}")


@pytest.mark.parametrize(
    ("old", "new", "message", "anchor"),
    [
        ("    to: assessment\n", "    to: nowhere\n", "unknown state 'nowhere'", "code: assess"),
        (
            "    roles: [coordinator, principal]\n    requires: [case_type]",
            "    roles: [coordinator, janitor]\n    requires: [case_type]",
            "unknown role",
            "code: assess",
        ),
        (
            "    deadline: {hours: 24}",
            "    deadline: {weeks: 2}",
            "'deadline' must be one of",
            "code: first_contact",
        ),
        (
            "    requires: [case_type]",
            "    requires: [shoe_size]",
            "cannot require",
            "code: assess",
        ),
    ],
)
def test_broken_file_names_the_error_and_line(tmp_path, old, new, message, anchor):
    path = _broken(tmp_path, old, new)
    with pytest.raises(ProcedureFileError) as error:
        load_file(path)
    assert message in str(error.value)
    assert str(error.value).startswith("GEN.yaml, line ")
    assert error.value.line == _line_of(path, anchor)


def test_missing_translation_is_named(tmp_path):
    path = _broken(tmp_path, ", vi: Đánh giá}", "}")
    with pytest.raises(ProcedureFileError, match="lacks a translation for vi"):
        load_file(path)


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "GEN.yaml"
    path.write_text("code: GEN\nversion: 1\nname: {en: [unclosed\n", encoding="utf-8")
    with pytest.raises(ProcedureFileError) as error:
        load_file(path)
    assert "not valid YAML" in str(error.value) and error.value.line is not None


def test_unquoted_comma_in_a_name_is_caught(tmp_path):
    path = _broken(tmp_path, "vi: Bắt đầu đánh giá}", "vi: Bắt đầu, đánh giá}")
    with pytest.raises(ProcedureFileError, match="quote names that contain a comma"):
        load_file(path)


def test_a_case_keeps_the_version_it_started_under(tmp_path, monkeypatch):
    from haven.procedures import loader

    (tmp_path / "versions").mkdir()
    (tmp_path / "versions" / "GEN.v1.yaml").write_text(GOOD, encoding="utf-8")
    newer = GOOD.replace("version: 1", "version: 2").replace(
        "deadline: {hours: 24}", "deadline: {hours: 12}"
    )
    (tmp_path / "GEN.yaml").write_text(newer, encoding="utf-8")
    monkeypatch.setattr(loader, "DATA", tmp_path)
    monkeypatch.setattr(loader, "VERSIONS", tmp_path / "versions")
    monkeypatch.setattr(loader, "_CACHE", {})
    assert loader.get("GEN").version == 2
    old = loader.get("GEN", 1)
    assert old.version == 1 and old.timers[0].deadline.amount == 24
    with pytest.raises(ProcedureFileError, match="no such procedure file"):
        loader.get("GEN", 7)
