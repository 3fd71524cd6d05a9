"""The procedure files follow the law as checked point by point (issue 19,
/work/shared/domain/procedures-checked.md): each test here fails on the file before the fix."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from haven.cases import services
from haven.procedures import engine, loader
from haven.procedures.engine import ProcedureError


def use(tree, code):
    jurisdiction = tree.school_a.jurisdiction
    jurisdiction.procedure_code = code
    jurisdiction.save()


def record(tree, case, code):
    return services.case_notification_record(
        actor=tree.users["coordinator"],
        case=case,
        code=code,
        recipient="Secretariat",
        method="official",
        notified_at=timezone.now(),
        proof="Registration no. 123",
    )


def step(tree, case, code, who="coordinator"):
    return services.case_transition(actor=tree.users[who], case=case, code=code)


def party(tree, case, role, is_staff=False):
    services.case_party_add(
        actor=tree.users["coordinator"],
        case=case,
        role=role,
        description=f"the {role}",
        is_staff=is_staff,
    )


def ro_in_investigation(tree, case_type="child_child"):
    use(tree, "RO")
    coordinator = tree.users["coordinator"]
    case = services.case_open(actor=coordinator, school=tree.school_a, title="Hol")
    step(tree, case, "intervene")
    services.case_update(
        actor=coordinator,
        case=case,
        changes={"case_type": case_type, "severity": "light", "determination": "violence"},
    )
    step(tree, case, "classify")
    step(tree, case, "investigate")
    return case


# --- Romania: both sides' parents ---


def test_ro_case_cannot_leave_investigation_with_only_the_aggressors_parents_told(tree):
    case = ro_in_investigation(tree)
    party(tree, case, "victim")
    party(tree, case, "aggressor")
    record(tree, case, "parents_aggressor")
    for code in ("decide", "close_unfounded"):
        with pytest.raises(ProcedureError, match="Parents of the pupil harmed"):
            step(tree, case, code, who="principal")
    record(tree, case, "parents_victim")
    assert step(tree, case, "decide", who="principal").state == "decision"


def test_ro_each_sides_parents_have_their_own_deadline(tree):
    case = ro_in_investigation(tree)
    assert not case.timers.filter(code__startswith="notify:parents").exists()  # no pupils yet
    party(tree, case, "victim")
    party(tree, case, "aggressor")
    running = set(case.timers.filter(stopped_at__isnull=True).values_list("code", flat=True))
    assert {"notify:parents_victim", "notify:parents_aggressor"} <= running
    record(tree, case, "parents_aggressor")  # meets its own deadline, not the other side's
    running = set(case.timers.filter(stopped_at__isnull=True).values_list("code", flat=True))
    assert "notify:parents_victim" in running and "notify:parents_aggressor" not in running
    assert "notify:dgaspc" not in running  # DGASPC is a separate duty (outside school)


def test_ro_staff_aggressor_has_no_parents_to_tell(tree):
    case = ro_in_investigation(tree, case_type="staff_child")
    party(tree, case, "victim")
    party(tree, case, "aggressor", is_staff=True)
    with pytest.raises(ProcedureError) as refused:
        step(tree, case, "decide", who="principal")
    assert "alleged aggressor" not in str(refused.value)
    record(tree, case, "parents_victim")
    assert step(tree, case, "decide", who="principal").state == "decision"


def test_ro_parents_of_both_sides_are_required_by_every_way_out_of_investigation():
    procedure = loader.get("RO")
    both = {"parents_victim", "parents_aggressor"}
    for transition in procedure.transitions_from("investigation"):
        assert both <= set(transition.notifications), transition.code
    facts = {"severity": "light", "case_type": "child_child", "pupils": "aggressor victim"}
    assert {"parents_victim", "parents_aggressor"} <= {
        n.code for n in engine.required_notifications(procedure, facts)
    }


# --- Romania: the police for offences ---


@pytest.mark.parametrize("case_type", ["theft", "dangerous_objects", "substances"])
def test_ro_offence_waits_for_the_police_before_the_commission(tree, case_type):
    use(tree, "RO")
    coordinator = tree.users["coordinator"]
    case = services.case_open(actor=coordinator, school=tree.school_a, title="Hol")
    step(tree, case, "intervene")
    services.case_update(
        actor=coordinator, case=case, changes={"case_type": case_type, "severity": "light"}
    )
    step(tree, case, "classify")
    assert case.timers.filter(code="notify:police", stopped_at__isnull=True).exists()
    with pytest.raises(ProcedureError, match="Police"):
        step(tree, case, "investigate")
    record(tree, case, "police")
    assert step(tree, case, "investigate").state == "investigation"


def test_ro_violence_between_pupils_does_not_call_the_police_by_default():
    police = loader.get("RO").notification("police")
    assert police is not None and police.default and police.when is not None
    assert police.when.case_type == {"theft", "dangerous_objects", "substances"}


# --- Romania: grading and complaints ---


def test_ro_grades_only_violence_between_pupils(tree):
    use(tree, "RO")
    coordinator = tree.users["coordinator"]
    case = services.case_open(actor=coordinator, school=tree.school_a, title="Hol")
    step(tree, case, "intervene")
    services.case_update(
        actor=coordinator, case=case, changes={"case_type": "theft", "severity": "grave"}
    )
    case.refresh_from_db()
    assert case.severity == ""  # theft is not graded light/grave
    record(tree, case, "police")
    assert step(tree, case, "classify").state == "classified"  # no severity asked for
    procedure = loader.get("RO")
    assert procedure.is_graded("child_child") and not procedure.is_graded("staff_child")


def test_ro_classifying_violence_between_pupils_still_needs_the_grade(tree):
    use(tree, "RO")
    case = services.case_open(actor=tree.users["coordinator"], school=tree.school_a, title="Hol")
    step(tree, case, "intervene")
    services.case_update(
        actor=tree.users["coordinator"], case=case, changes={"case_type": "child_child"}
    )
    with pytest.raises(ProcedureError, match="severity"):
        step(tree, case, "classify")


def test_ro_complaint_gets_30_days_extendable_once_by_15(tree):
    from haven.lib.errors import InvalidInput

    case = ro_in_investigation(tree)
    appeal = services.appeal_file(
        actor=tree.users["coordinator"], case=case, filed_by="Parents", grounds="Unfair"
    )
    assert (appeal.due_at - appeal.filed_at).days == 30
    with pytest.raises(services.AccessDenied):
        services.appeal_extend(actor=tree.users["coordinator"], appeal=appeal)
    extended = services.appeal_extend(actor=tree.users["inspector"], appeal=appeal)
    assert (extended.due_at - appeal.filed_at).days == 45
    with pytest.raises(InvalidInput, match="already extended once"):
        services.appeal_extend(actor=tree.users["inspector"], appeal=appeal)
    rule = loader.get("RO").appeal
    assert rule is not None and not rule.default  # OG 27/2002 art. 8: the law's own numbers


def test_reviewer_extends_the_appeal_on_the_case_page(client, tree):
    from django.urls import reverse

    case = ro_in_investigation(tree)
    appeal = services.appeal_file(
        actor=tree.users["coordinator"], case=case, filed_by="Parents", grounds="Unfair"
    )
    before = appeal.due_at
    client.force_login(tree.users["inspector"])
    page = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "Extend the deadline once" in page
    client.post(
        reverse("cases:case_act", args=[case.pk]),
        {"action": "appeal_extend", "appeal": appeal.pk},
    )
    appeal.refresh_from_db()
    assert appeal.due_at > before
    # The one extension is used: the page no longer offers it.
    page = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "Extend the deadline once" not in page


# --- China: mandatory reports and the committee ---


@pytest.mark.parametrize("case_type", ["staff_harm", "sexual_abuse"])
def test_cn_harm_by_staff_and_sexual_abuse_are_reported_at_once(tree, case_type):
    use(tree, "CN")
    coordinator = tree.users["coordinator"]
    case = services.case_open(
        actor=coordinator, school=tree.school_a, title="x", case_type=case_type
    )
    timers = {t.code: t for t in case.timers.all()}
    for code in ("notify:police_at_once", "notify:bureau_at_once"):
        assert (timers[code].due_at - timers[code].started_at).total_seconds() == 3600
    with pytest.raises(ProcedureError, match="mandatory report"):
        step(tree, case, "investigate")
    # missed: escalated to the county education department
    services.clock_sweep(now=timers["notify:police_at_once"].due_at + dt.timedelta(minutes=1))
    assert case.timers.get(code="notify:police_at_once").escalated_at is not None
    record(tree, case, "police_at_once")
    record(tree, case, "bureau_at_once")
    assert step(tree, case, "investigate").state == "investigating"


def test_cn_bullying_does_not_need_the_mandatory_reports(tree):
    use(tree, "CN")
    case = services.case_open(
        actor=tree.users["coordinator"], school=tree.school_a, title="x", case_type="on_campus"
    )
    assert not case.timers.filter(code__endswith="_at_once").exists()
    assert step(tree, case, "investigate").state == "investigating"


def cn_before_the_committee(tree):
    use(tree, "CN")
    coordinator = tree.users["coordinator"]
    case = services.case_open(
        actor=coordinator, school=tree.school_a, title="x", case_type="on_campus"
    )
    step(tree, case, "investigate")
    services.case_update(
        actor=coordinator,
        case=case,
        changes={"narrative": "n", "determination": "bullying", "severity": "minor"},
    )
    party(tree, case, "victim")
    record(tree, case, "parents_both")
    step(tree, case, "submit")
    return case


def test_cn_the_committee_determines_with_its_members_present(tree):
    case = cn_before_the_committee(tree)
    with pytest.raises(ProcedureError, match="members present"):
        step(tree, case, "determine_bullying")
    services.case_transition(
        actor=tree.users["coordinator"],  # recording for the committee, not the principal alone
        case=case,
        code="determine_bullying",
        members_present="Principal Li, teacher Wang, parent rep. Zhao",
    )
    event = case.events.filter(kind="transition").last()
    assert event.details["members"] == "Principal Li, teacher Wang, parent rep. Zhao"


def test_cn_committee_members_are_asked_on_the_page_and_shown_in_the_timeline(client, tree):
    from django.urls import reverse

    case = cn_before_the_committee(tree)
    client.force_login(tree.users["coordinator"])
    detail = reverse("cases:case_detail", args=[case.pk])
    assert 'name="members_present"' in client.get(detail).content.decode()
    client.post(
        reverse("cases:case_act", args=[case.pk]),
        {"action": "step", "step": "determine_bullying", "members_present": "Li, Wang"},
    )
    case.refresh_from_db()
    assert case.state == "handling"
    page = client.get(detail).content.decode()
    assert "Members present: Li, Wang" in page
    assert 'name="members_present"' not in page  # no step waiting for it now


def test_cn_api_step_takes_the_members_present(client, tree):
    case = cn_before_the_committee(tree)
    client.force_login(tree.users["coordinator"])
    path = f"/api/v1/cases/{case.pk}/steps"
    refused = client.post(path, {"step": "determine_bullying"}, content_type="application/json")
    assert refused.status_code == 409 and "members present" in refused.content.decode()
    taken = client.post(
        path,
        {"step": "determine_bullying", "members_present": "Li, Wang"},
        content_type="application/json",
    )
    assert taken.status_code == 200
    case.refresh_from_db()
    assert case.state == "handling"


# --- Netherlands: the meldcode's questions and the complaints committee ---


def nl_at_the_meldcode_decision(tree):
    use(tree, "NL")
    coordinator = tree.users["coordinator"]
    case = services.case_open(
        actor=coordinator, school=tree.school_a, title="x", case_type="domestic_abuse"
    )
    step(tree, case, "start_meldcode")
    step(tree, case, "weigh")
    services.case_update(
        actor=coordinator,
        case=case,
        changes={"severity": "concern", "determination": "abuse_concern"},
    )
    return case


def test_nl_own_help_only_when_every_meldcode_question_allows_it(tree):
    case = nl_at_the_meldcode_decision(tree)
    three = ["not_unsafe", "effective_help", "help_accepted"]
    with pytest.raises(ProcedureError, match="The help makes the child safe in time"):
        services.case_transition(
            actor=tree.users["coordinator"], case=case, code="own_help", confirmed=three
        )
    services.case_transition(
        actor=tree.users["coordinator"],
        case=case,
        code="own_help",
        confirmed=[*three, "help_makes_safe"],
    )
    case.refresh_from_db()
    assert case.state == "aftercare"
    event = case.events.filter(kind="transition").last()
    assert event.details["confirmed"] == [*three, "help_makes_safe"]


def test_nl_meldcode_questions_are_checkboxes_on_the_page(client, tree):
    from django.urls import reverse

    case = nl_at_the_meldcode_decision(tree)
    client.force_login(tree.users["coordinator"])
    page = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert 'name="confirm" value="effective_help"' in page
    assert "The family accepts the help" in page
    act = reverse("cases:case_act", args=[case.pk])
    client.post(act, {"action": "step", "step": "own_help", "confirm": ["not_unsafe"]})
    case.refresh_from_db()
    assert case.state == "meldcode_weighing"  # refused: three questions not confirmed
    codes = ["not_unsafe", "effective_help", "help_accepted", "help_makes_safe"]
    client.post(act, {"action": "step", "step": "own_help", "confirm": codes})
    case.refresh_from_db()
    assert case.state == "aftercare"


def test_nl_complaint_is_judged_by_the_committee_before_the_board_decides(client, tree):
    from django.urls import reverse

    from haven.lib.errors import InvalidInput

    case = nl_at_the_meldcode_decision(tree)
    appeal = services.appeal_file(
        actor=tree.users["coordinator"], case=case, filed_by="Ouders", grounds="Oneens"
    )
    board = tree.users["principal"]
    with pytest.raises(InvalidInput, match="judgment of the complaints committee"):
        services.appeal_decide(actor=board, appeal=appeal, outcome="upheld", decision="Blijft")
    with pytest.raises(services.AccessDenied):
        services.appeal_judgment_record(
            actor=tree.users["staff"], appeal=appeal, judgment="Ongegrond"
        )
    client.force_login(board)
    detail = reverse("cases:case_detail", args=[case.pk])
    page = client.get(detail).content.decode()
    assert "appeal-judgment-form" in page and "appeal-decision" not in page
    client.post(
        reverse("cases:case_act", args=[case.pk]),
        {"action": "appeal_judgment", "appeal": appeal.pk, "judgment": "Klacht ongegrond"},
    )
    page = client.get(detail).content.decode()
    assert "the complaints committee: Klacht ongegrond" in page and "appeal-decision" in page
    decided = services.appeal_decide(
        actor=board, appeal=appeal, outcome="upheld", decision="Blijft"
    )
    assert decided.outcome == "upheld"


# --- Vietnam and Kazakhstan ---


def test_vn_perpetrators_family_is_the_schools_choice_without_a_deadline(tree):
    procedure = loader.get("VN")
    family = procedure.notification("family_perpetrator")
    assert family is not None and family.within is None
    assert "not required by the decree" in family.name
    assert not any("family_perpetrator" in t.notifications for t in procedure.transitions)
    use(tree, "VN")
    case = services.case_open(actor=tree.users["coordinator"], school=tree.school_a, title="x")
    assert not case.timers.filter(code="notify:family_perpetrator").exists()


def test_vn_beyond_capacity_names_the_relevant_agencies():
    procedure = loader.get("VN")
    assert procedure.notification("relevant_agencies") is not None
    assert "relevant agencies" in procedure.state("beyond_capacity").name


def test_kz_legal_basis_and_appeal_unit_agree():
    from haven.procedures.loader import DATA

    procedure = loader.get("KZ")
    assert "25.08.2024" in procedure.source and "ст. 5, подп. 113" in procedure.source
    assert procedure.appeal is not None and procedure.appeal.deadline.unit == "calendar_days"
    text = (DATA / "KZ.yaml").read_text(encoding="utf-8")
    comment = text[text.index("# A complaint goes") : text.index("appeal:")]
    assert "15 calendar days" in comment


# --- sources beside the deadlines ---


def test_case_page_shows_each_deadlines_source_on_hover_and_tap(client, tree):
    import html

    from django.urls import reverse

    case = ro_in_investigation(tree)
    party(tree, case, "victim")
    client.force_login(tree.users["coordinator"])
    page = html.unescape(client.get(reverse("cases:case_detail", args=[case.pk])).content.decode())
    item = page.split('data-code="notify:parents_victim"')[1].split("</li>")[0]
    source = loader.get("RO").notification("parents_victim").source
    assert f'title="Source: {source}"' in item  # on hover
    assert '<details class="source"><summary>Source</summary>' in item  # on tap
    assert "A Haven default, not confirmed in the official text" in item
    rows = client.get(f"/api/v1/cases/{case.pk}/deadlines").json()
    by_code = {row["code"]: row for row in rows}
    assert by_code["notify:parents_victim"]["source"] == source
    assert by_code["notify:parents_victim"]["default"] is True


def test_the_source_is_shown_in_the_users_language_interface(client, tree):
    from django.urls import reverse

    case = ro_in_investigation(tree)
    client.force_login(tree.users["coordinator"])
    with translation.override("ro"):
        path = reverse("cases:case_detail", args=[case.pk])
    page = client.get(path).content.decode()
    assert "<summary>Sursa</summary>" in page


def test_adding_a_party_with_an_old_copy_of_the_case_keeps_its_deadlines(tree):
    case = ro_in_investigation(tree)
    stale = type(case).objects.get(pk=case.pk)
    services.case_update(actor=tree.users["coordinator"], case=case, changes={"severity": "grave"})
    assert case.timers.filter(code="notify:isj").exists()
    party(tree, stale, "victim")  # stale still says "light"
    assert case.timers.filter(code="notify:isj", stopped_at__isnull=True).exists()
    assert not case.events.filter(kind="deadline_dropped").exists()


def test_ro_suspected_abuse_outside_school_tells_dgaspc_not_the_parents(tree):
    use(tree, "RO")
    coordinator = tree.users["coordinator"]
    case = services.case_open(
        actor=coordinator, school=tree.school_a, title="x", case_type="outside_school"
    )
    party(tree, case, "victim")
    running = set(case.timers.values_list("code", flat=True))
    assert "notify:dgaspc" in running and "notify:parents_victim" not in running
    step(tree, case, "intervene")
    step(tree, case, "classify")  # not graded: no severity asked for
    with pytest.raises(ProcedureError, match="DGASPC"):
        step(tree, case, "refer_outside")
    record(tree, case, "dgaspc")
    assert step(tree, case, "refer_outside").state == "monitoring"


def test_members_present_longer_than_kept_is_refused_in_words(tree):
    """The page's maxlength is no limit: the service refuses longer text, in Django's words,
    before anything is stored."""
    use(tree, "CN")
    case = services.case_open(
        actor=tree.users["coordinator"], school=tree.school_a, title="x", case_type="on_campus"
    )
    from haven.lib.errors import InvalidInput

    with pytest.raises(InvalidInput, match="500"):
        services.case_transition(
            actor=tree.users["coordinator"], case=case, code="x", members_present="M" * 501
        )
    before = (case.state, case.events.count())
    case.refresh_from_db()
    assert (case.state, case.events.count()) == before
