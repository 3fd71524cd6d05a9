import pytest

from haven.orgs.tests.factories import unit
from haven.surveys import services
from haven.surveys.aggregates import refresh_all
from haven.surveys.tests import helpers


@pytest.fixture
def surveyed(tree, monkeypatch):
    """School A: class 5A with 12 answers (3 bullied) and class 5B with 5 answers; one
    campaign. School B: class 6A with 11 answers."""
    # One refresh at the end instead of one per submitted survey (the task is tested apart).
    monkeypatch.setattr(services, "_enqueue_refresh", lambda campaign_id: None)
    class_b = unit(tree.school_a, "class", "5B")
    class_other = unit(tree.school_b, "class", "6A")
    helpers.pupils(tree.class_a, 14)
    helpers.pupils(class_b, 6)
    campaign = helpers.campaign(tree.users["coordinator"], tree.school_a)
    coordinator = tree.users["coordinator"]
    helpers.respond(
        campaign,
        tree.class_a,
        coordinator,
        [helpers.full_answers(victim=3, forms=2)] * 3 + [helpers.full_answers()] * 9,
    )
    helpers.respond(campaign, class_b, coordinator, [helpers.full_answers(victim=4)] * 5)
    other = helpers.campaign(tree.users["other_coordinator"], tree.school_b, title="B survey")
    helpers.respond(
        other,
        class_other,
        tree.users["other_coordinator"],
        [helpers.full_answers(victim=2)] * 2 + [helpers.full_answers()] * 9,
    )
    refresh_all()
    campaign.class_b = class_b
    return campaign
