"""Campaigns, one-time codes, saving, resuming and submitting answers."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from haven.audit.models import AuditEvent
from haven.lib.errors import AccessDenied, InvalidInput
from haven.surveys import codes, services
from haven.surveys.models import AnswerCode, ClassAggregate, Response, UnitAggregate
from haven.surveys.tests import helpers


@pytest.fixture
def running(tree):
    helpers.pupils(tree.class_a, 12)
    return helpers.campaign(tree.users["coordinator"], tree.school_a)


def test_campaign_counts_the_roster_and_is_audited(tree, running):
    entry = running.classes.get()
    assert entry.class_unit == tree.class_a
    assert entry.eligible == 12
    assert running.period.count("-") == 1
    assert AuditEvent.objects.filter(action="survey.campaign_create").exists()


def test_campaign_ending_before_it_starts_is_refused(tree):
    now = timezone.now()
    with pytest.raises(InvalidInput, match="close after it opens"):
        helpers.campaign(
            tree.users["principal"], tree.school_a, opens_at=now, closes_at=now - dt.timedelta(1)
        )


def test_campaign_without_classes_is_refused(tree):
    with pytest.raises(InvalidInput, match="at least one class"):
        helpers.campaign(tree.users["other_coordinator"], tree.school_b)
    with pytest.raises(InvalidInput, match="not part of this school"):
        helpers.campaign(tree.users["principal"], tree.school_a, classes=[tree.school_b])


def test_only_the_schools_coordinator_or_principal_opens_campaigns(tree):
    for name in ("staff", "psychologist", "inspector", "other_coordinator", "nobody"):
        with pytest.raises(AccessDenied):
            helpers.campaign(tree.users[name], tree.school_a)


def test_codes_default_to_the_roster_and_only_their_hash_is_stored(tree, running):
    made = services.codes_generate(
        actor=tree.users["coordinator"], campaign=running, class_unit=tree.class_a
    )
    assert len(made) == 12 == len(set(made))
    stored = list(AnswerCode.objects.values_list("code_hash", flat=True))
    assert sorted(stored) == sorted(codes.code_hash(c) for c in made)
    for code in made:
        assert code.replace("-", "") not in " ".join(stored)


def test_codes_for_a_class_without_roster_need_a_number(tree):
    campaign = helpers.campaign(tree.users["coordinator"], tree.school_a)
    with pytest.raises(InvalidInput, match="no pupils on its roster"):
        services.codes_generate(
            actor=tree.users["coordinator"], campaign=campaign, class_unit=tree.class_a
        )
    made = services.codes_generate(
        actor=tree.users["coordinator"], campaign=campaign, class_unit=tree.class_a, count=7
    )
    assert len(made) == 7
    assert campaign.classes.get().eligible == 7


def test_code_is_single_use(tree, running):
    [text] = services.codes_generate(
        actor=tree.users["coordinator"], campaign=running, class_unit=tree.class_a, count=1
    )
    code = services.code_open(code_text=text.lower().replace("-", " "))
    helpers.answer(code, helpers.full_answers())
    services.response_submit(code=code)
    with pytest.raises(services.CodeUsed):
        services.code_open(code_text=text)
    with pytest.raises(services.CodeUsed):
        services.response_submit(code=code)
    assert Response.objects.count() == 1


def test_unknown_code_is_refused_and_failures_are_throttled(tree, running, settings):
    settings.HAVEN_SURVEY_CODE_FAILURES = 3
    for _ in range(3):
        with pytest.raises(services.CodeInvalid):
            services.code_open(code_text="ABCD-EFGH-JKMN")
    with pytest.raises(services.TooManyAttempts):
        services.code_open(code_text="ABCD-EFGH-JKMN")


def test_resume_keeps_saved_answers(tree, running):
    [text] = services.codes_generate(
        actor=tree.users["coordinator"], campaign=running, class_unit=tree.class_a, count=1
    )
    code = services.code_open(code_text=text)
    services.answers_save(code=code, number=1, posted={"safe_school": "2", "safe_class": "1"})
    again = services.code_open(code_text=text)
    assert again.state == AnswerCode.State.STARTED
    assert again.draft == {"safe_school": 2, "safe_class": 1}
    assert again.page == 1


def test_half_answered_survey_is_not_submitted_and_keeps_answers(tree, running):
    [text] = services.codes_generate(
        actor=tree.users["coordinator"], campaign=running, class_unit=tree.class_a, count=1
    )
    code = services.code_open(code_text=text)
    services.answers_save(code=code, number=1, posted={"safe_school": "2"})
    with pytest.raises(services.AnswersMissing) as missing:
        services.response_submit(code=code)
    codes_missing = {item.code for _page, item in missing.value.missing}
    assert "safe_class" in codes_missing and "grade_band" in codes_missing
    assert "gender" not in codes_missing  # optional
    assert "power_imbalance" not in codes_missing  # not shown: no form at 2 or more
    assert Response.objects.count() == 0
    assert services.code_open(code_text=text).draft == {"safe_school": 2}


def test_tampered_value_is_refused_and_nothing_is_stored(tree, running):
    [text] = services.codes_generate(
        actor=tree.users["coordinator"], campaign=running, class_unit=tree.class_a, count=1
    )
    code = services.code_open(code_text=text)
    for posted in (
        {"safe_school": "2", "safe_class": "9"},
        {"safe_school": "two"},
        {"victim_global": "1"},  # not on this page
        {"injected": "1"},
    ):
        with pytest.raises(InvalidInput, match="not one of the choices"):
            services.answers_save(code=code, number=1, posted=posted)
    assert AnswerCode.objects.get().draft == {}
    assert AnswerCode.objects.get().state == AnswerCode.State.UNUSED


def test_submitted_response_is_not_linked_to_its_code(tree, running):
    [text] = services.codes_generate(
        actor=tree.users["coordinator"], campaign=running, class_unit=tree.class_a, count=1
    )
    code = services.code_open(code_text=text)
    helpers.answer(code, helpers.full_answers(victim=3, forms=2))
    response = services.response_submit(code=code)
    fields = {f.name for f in Response._meta.get_fields()}
    assert not fields & {"code", "answer_code", "created_at", "submitted_at", "code_hash"}
    stored = AnswerCode.objects.get()
    assert stored.state == AnswerCode.State.SUBMITTED and stored.draft == {}
    assert response.answers["victim_global"] == 3
    assert response.measures["flags"]["victim"] is True
    assert response.measures["flags"]["power_imbalance"] is True


def test_answers_hidden_by_show_if_are_dropped_on_submit(tree, running):
    [text] = services.codes_generate(
        actor=tree.users["coordinator"], campaign=running, class_unit=tree.class_a, count=1
    )
    code = services.code_open(code_text=text)
    answers = helpers.full_answers(forms=3)
    helpers.answer(code, answers)
    # The pupil goes back and changes every form to "not at all": the follow-up is not asked.
    services.answers_save(
        code=code, number=3, posted={i.code: "0" for i in services.pages(running)[3].items}
    )
    response = services.response_submit(code=code)
    assert "power_imbalance" not in response.answers


def test_window_is_enforced(tree, running):
    [text] = services.codes_generate(
        actor=tree.users["coordinator"], campaign=running, class_unit=tree.class_a, count=1
    )
    with time_machine.travel(running.closes_at + dt.timedelta(minutes=1)):
        with pytest.raises(services.SurveyClosed):
            services.code_open(code_text=text)
    with time_machine.travel(running.opens_at - dt.timedelta(minutes=1)):
        with pytest.raises(services.SurveyNotYetOpen):
            services.code_open(code_text=text)
    code = services.code_open(code_text=text)
    helpers.answer(code, helpers.full_answers())
    with time_machine.travel(running.closes_at + dt.timedelta(minutes=1)):
        with pytest.raises(services.SurveyClosed):
            services.response_submit(code=code)
    assert Response.objects.count() == 0


def test_closing_a_campaign_stops_answers(tree, running):
    [text] = services.codes_generate(
        actor=tree.users["coordinator"], campaign=running, class_unit=tree.class_a, count=1
    )
    services.campaign_close(actor=tree.users["principal"], campaign=running)
    with pytest.raises(services.SurveyClosed):
        services.code_open(code_text=text)
    with pytest.raises(AccessDenied):
        services.campaign_close(actor=tree.users["other_coordinator"], campaign=running)


def test_submit_refreshes_class_school_and_every_ancestor(tree, running):
    helpers.respond(
        running,
        tree.class_a,
        tree.users["coordinator"],
        [helpers.full_answers(victim=3)] * 3 + [helpers.full_answers()] * 9,
    )
    row = ClassAggregate.objects.get()
    assert row.respondents == 12 and row.through == Response.objects.latest("pk").pk
    assert row.data["props"]["victim"] == [3, 12, 0]
    units = set(UnitAggregate.objects.values_list("unit__code", flat=True))
    assert units == {"SCH-A", "ZA", "CJ", "RO"}
    country = UnitAggregate.objects.get(unit=tree.country)
    assert country.respondents == 12 and country.schools == 1
    assert country.data == UnitAggregate.objects.get(unit=tree.school_a).data


def test_refresh_is_idempotent(tree, running):
    from haven.surveys.aggregates import campaign_refresh, refresh_all

    helpers.respond(running, tree.class_a, tree.users["coordinator"], [helpers.full_answers()] * 2)
    before = list(UnitAggregate.objects.order_by("pk").values("unit", "data", "respondents"))
    assert campaign_refresh(running) is False  # watermark: nothing new
    assert refresh_all(force=True) == 1
    after = list(UnitAggregate.objects.order_by("pk").values("unit", "data", "respondents"))
    assert before == after


def test_refresh_command_catches_up_with_responses_the_task_missed(tree, running, monkeypatch):
    from io import StringIO

    from django.core.management import call_command

    monkeypatch.setattr(services, "_enqueue_refresh", lambda campaign_id: None)
    helpers.respond(running, tree.class_a, tree.users["coordinator"], [helpers.full_answers()] * 2)
    assert not ClassAggregate.objects.exists()
    out = StringIO()
    call_command("survey_refresh", stdout=out)
    assert "1 campaign(s) refreshed" in out.getvalue()
    assert UnitAggregate.objects.get(unit=tree.country).respondents == 2
    call_command("survey_refresh", stdout=out)
    assert "0 campaign(s) refreshed" in out.getvalue()
