"""Every shipped procedure file loads; a broken file names its error and line."""

from pathlib import Path

import pytest

from haven.lib.datafile import ALL_LANGUAGES, LANGUAGES, languages_for
from haven.procedures.loader import DATA, ProcedureFileError, load_all, load_file

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


def test_kazakhstans_procedure_must_give_kazakh_and_others_may(tmp_path):
    kz = (DATA / "KZ.yaml").read_text(encoding="utf-8")
    assert ', kk: "Кибербуллинг"}' in kz
    path = tmp_path / "KZ.yaml"
    path.write_text(kz.replace(', kk: "Кибербуллинг"}', "}"), encoding="utf-8")
    with pytest.raises(ProcedureFileError, match="lacks a translation for kk"):
        load_file(path)
    assert "kk" not in load_file(DATA / "GEN.yaml").names  # optional elsewhere
    kazakh = _broken(tmp_path, ", vi: Đánh giá}", ', vi: Đánh giá, kk: "Бағалау"}')
    assert "Бағалау" in [s.names.get("kk") for s in load_file(kazakh).states]
    stray = _broken(tmp_path, ", vi: Đánh giá}", ", vi: Đánh giá, de: Bewertung}")
    with pytest.raises(ProcedureFileError, match=r"\(and optionally kk\).*unexpected: de"):
        load_file(stray)


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
    (tmp_path / "versions" / "GEN.v2.yaml").write_text(GOOD, encoding="utf-8")
    newer = GOOD.replace("version: 2", "version: 3").replace(
        "deadline: {hours: 24}", "deadline: {hours: 12}"
    )
    (tmp_path / "GEN.yaml").write_text(newer, encoding="utf-8")
    monkeypatch.setattr(loader, "DATA", tmp_path)
    monkeypatch.setattr(loader, "VERSIONS", tmp_path / "versions")
    monkeypatch.setattr(loader, "_CACHE", {})
    assert loader.get("GEN").version == 3
    old = loader.get("GEN", 2)
    assert old.version == 2 and old.timers[0].deadline.amount == 24
    with pytest.raises(ProcedureFileError, match="no such procedure file"):
        loader.get("GEN", 7)


NOTICE = (
    "  - code: parents_victim\n"
    '    source: "CPWG Inter-Agency Guidelines for Case Management and Child Protection (2014):'
    ' involve the family where safe; Haven default"\n'
    "    within: {hours: 24}\n"
)


def _notice(tmp_path: Path, extra: str) -> Path:
    """GEN with lines added to its parents' notification."""
    return _broken(tmp_path, NOTICE, NOTICE + extra)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("    when: {severity: [apocalyptic]}\n", "'when': unknown severity ['apocalyptic']"),
        ("    when: {case_type: [space]}\n", "'when': unknown case_type ['space']"),
        (
            "    when: {colour: [red]}\n",
            "'when' may test case_type, pupils, severity (unexpected: colour)",
        ),
        ("    when: {severity: high}\n", "'when': severity must be a list of severities codes"),
        ("    when: {}\n", "'when' may test"),
        ("    when: {pupils: [bystander]}\n", "'when': unknown pupils ['bystander']"),
    ],
)
def test_bad_condition_names_its_line(tmp_path, extra, message):
    path = _notice(tmp_path, extra)
    with pytest.raises(ProcedureFileError) as error:
        load_file(path)
    assert message in str(error.value)
    lines = path.read_text().splitlines()
    assert error.value.line == next(i for i, line in enumerate(lines, 1) if "when:" in line)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("    within: {hours: 24}\n", "    within: {weeks: 1}\n", "'within' must be one of"),
        ("    within: {hours: 24}\n", "    within: {hours: -2}\n", "at least 0"),
        (
            "    within: {hours: 24}\n",
            "    within: {hours: 24}\n    starts: state:nowhere\n",
            "unknown event 'state:nowhere'",
        ),
        (
            "    within: {hours: 24}\n",
            "    within: {hours: 24}\n    starts: notification:parents_victim\n",
            "unknown event 'notification:parents_victim'",  # a notification cannot start itself
        ),
        (
            "    within: {hours: 24}\n",
            "    within: {hours: 24}\n    escalate_to: janitor\n",
            "unknown role 'janitor'",
        ),
        (
            "    within: {hours: 24}\n",
            "    remind_before: {hours: 4}\n",
            "remind_before need a deadline: add 'within'",
        ),
        ("  - code: parents_victim\n", "  - code: parents:victim\n", "without ':'"),
    ],
)
def test_bad_notification_deadline_names_its_line(tmp_path, old, new, message):
    path = _broken(tmp_path, NOTICE, NOTICE.replace(old, new))
    with pytest.raises(ProcedureFileError) as error:
        load_file(path)
    assert message in str(error.value)
    assert str(error.value).startswith("GEN.yaml, line ")
    lines = path.read_text().splitlines()
    assert error.value.line == next(i for i, line in enumerate(lines, 1) if "parents" in line)


def test_condition_on_a_timer_is_validated_too(tmp_path):
    path = _broken(
        tmp_path,
        "  - code: plan_agreed\n",
        "  - code: plan_agreed\n    when: {severity: [urgent]}\n",
    )
    with pytest.raises(ProcedureFileError, match="unknown severity"):
        load_file(path)


def test_a_notification_with_within_becomes_a_deadline_on_the_clock(tmp_path):
    path = _notice(
        tmp_path,
        "    starts: state:assessment\n    remind_before: {hours: 2}\n"
        "    escalate_to: principal\n    when: {severity: [high], case_type: [child_child]}\n",
    )
    procedure = load_file(path)
    timer = next(t for t in procedure.timers if t.notification == "parents_victim")
    assert timer.code == "notify:parents_victim"
    assert timer.starts == "state:assessment"
    assert timer.stops == ("notification:parents_victim",)
    assert (timer.deadline.amount, timer.deadline.unit) == (24, "hours")
    assert timer.remind_before is not None and timer.remind_before.amount == 2
    assert timer.escalate_to == "principal"
    assert timer.when is not None
    assert timer.when.holds(severity="high", case_type="child_child")
    assert not timer.when.holds(severity="low", case_type="child_child")
    assert not timer.when.holds(severity="high", case_type="adult_child")
    assert not timer.when.holds(severity="", case_type="")  # not known yet: not due yet
    assert timer.name.startswith("Notify: ")


def test_every_kept_version_still_loads_with_its_own_content():
    from haven.procedures import loader

    old, new = loader.get("RO", 1), loader.get("RO")
    assert new.version >= 2
    # version 1 ran the grave cases' ISJ deadline through an extra state; version 2 through a
    # notification that applies to grave cases only
    assert "grave_reported" in {s.code for s in old.states}
    assert "grave_reported" not in {s.code for s in new.states}
    isj = new.notification("isj")
    assert isj is not None and isj.when is not None and isj.when.severity == {"grave"}


@pytest.mark.parametrize(
    ("anchor", "kind"),
    [
        ("code: assessment", "state"),
        ("code: first_contact", "timer"),
        ("code: parents_victim", "n"),
    ],
)
def test_an_item_without_its_source_is_refused_with_its_line(tmp_path, anchor, kind):
    lines = GOOD.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.strip() == f"- {anchor}")
    source = next(i for i in range(at, len(lines)) if lines[i].lstrip().startswith("source:"))
    path = tmp_path / "GEN.yaml"
    path.write_text("".join(lines[:source] + lines[source + 1 :]), encoding="utf-8")
    with pytest.raises(ProcedureFileError) as error:
        load_file(path)
    assert "missing 'source'" in str(error.value)
    assert str(error.value).startswith("GEN.yaml, line ")
    assert error.value.line == _line_of(path, anchor)


def test_a_blank_source_is_refused(tmp_path):
    path = tmp_path / "GEN.yaml"
    lines = GOOD.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.lstrip().startswith("source:") and i > 20)
    lines[at] = lines[at].split("source:")[0] + 'source: "  "\n'
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(ProcedureFileError, match="'source' must name the law"):
        load_file(path)


def test_every_deadline_and_notification_of_every_file_names_its_source():
    for code, procedure in load_all().items():
        items = [*procedure.states, *procedure.timers, *procedure.notifications]
        assert all(item.source for item in items), code
        assert procedure.appeal is None or procedure.appeal.source, code


def test_kept_versions_load_without_sources():
    from haven.procedures import loader

    assert loader.get("RO", 1).timers[0].source == ""


@pytest.mark.parametrize("path", sorted(DATA.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_procedure_offers_closing_messages_in_every_language(path):
    procedure = load_file(path)
    assert procedure.closing_messages
    for message in procedure.closing_messages:
        assert set(message.names) >= set(languages_for(procedure.code)), message.code
        assert set(message.names) <= set(ALL_LANGUAGES), message.code


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            '      vi: "Nhà trường đã chuyển việc này',
            '      xx: "Nhà trường đã chuyển việc này',
            "referred: text lacks a translation for vi",
        ),
        ("  - code: referred\n", "  - code: dealt_with\n", "closing_messages: code 'dealt_with'"),
    ],
)
def test_a_broken_closing_message_names_its_line(tmp_path, old, new, message):
    path = _broken(tmp_path, old, new)
    with pytest.raises(ProcedureFileError) as error:
        load_file(path)
    assert message in str(error.value)
    assert error.value.line is not None
