"""Apps above orgs make themselves known through orgs' registration points (orgs never imports
them): navigation entries, access rules asked by name, pupil timeline providers, demo data."""

import datetime as dt

import pytest

from haven.lib.errors import AccessDenied
from haven.orgs import access, demo, navigation, pupils


def test_navigation_keeps_its_order_with_every_app_registered_once():
    assert [e.url_name for e in navigation.ENTRIES] == [
        "home",
        "insights:landing",
        "intake:inbox",
        "intake:report_enter",
        "cases:case_list",
        "prevention:home",
        "care:concern_list",
        "surveys:campaign_list",
        "reporting:list",
        "orgunit_list",
        "privacy:retention",
        "privacy:audit",
        "admin:index",
        "account",
    ]
    navigation.register(navigation.Entry("Again", "cases:case_list", None, order=1))
    assert [e.url_name for e in navigation.ENTRIES].count("cases:case_list") == 1


def test_a_rule_nobody_registered_refuses():
    with pytest.raises(AccessDenied):
        access.rule("nobody.registered")


def test_cases_register_the_rules_the_report_page_asks():
    from haven.cases import access as case_access

    assert access.rule("cases.visible") is case_access.cases_visible
    assert access.rule("cases.may_open") is case_access.may_open_case


def test_the_pupil_timeline_merges_every_provider_oldest_first(monkeypatch):
    day = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    monkeypatch.setattr(pupils, "TIMELINE_PROVIDERS", [])

    def later(*, user, pupil):
        return [{"at": day + dt.timedelta(days=2), "what": "later"}]

    def earlier(*, user, pupil):
        return [{"at": day, "what": "earlier"}]

    pupils.timeline_register(later)
    pupils.timeline_register(earlier)
    pupils.timeline_register(later)
    entries = pupils.pupil_timeline(user=None, pupil=None)  # type: ignore[arg-type]
    assert [e["what"] for e in entries] == ["earlier", "later"]


def test_surveys_register_their_demo_data_once():
    from haven.surveys.demo import survey_demo_load

    demo.demo_loader_register("survey answers", survey_demo_load)
    assert [name for name, loader in demo.DEMO_LOADERS if loader is survey_demo_load] == [
        "survey answers"
    ]


def test_care_adds_its_indicators_after_prevention_once():
    from haven.care.compliance import INDICATORS as CARE
    from haven.prevention import compliance

    compliance.register(*CARE)
    keys = compliance.indicator_keys()
    assert keys[-2:] == ["screening", "concern_reviews"]
    assert len(keys) == len(set(keys))


def test_each_app_grants_its_own_permissions_when_loaded():
    """The grants moved into each app's access module; once Django is set up the roles hold
    what they held when orgs listed them all (least privilege for agencies and inspectors)."""
    assert access.ROLE_PERMS["agency"] == {"referral.answer"}
    assert access.ROLE_PERMS["inspector"] == {
        "unit.view",
        "report.raised",  # the urgent or overdue reports told to their level, no others
        "case.escalated",
        "prevention.view",
        "prevention.review",
        "prevention.own_unit",
        "care.figures",
        "survey.rollup",
        "insights.view",
        "audit.view",  # who read what, when, below them (privacy app)
        # periodic reports: read those below, fill the own unit's, decide on those below
        "reporting.view",
        "reporting.fill",
        "reporting.decide",
    }
    assert "concern.view" not in access.ROLE_PERMS["staff"]
