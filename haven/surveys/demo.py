"""A running survey campaign in the demo school, answered by synthetic pupils, so that a
fresh ``make run`` shows results, intervals and the roll-up. Safe to run again."""

import datetime as dt
import random

from django.utils import timezone

from haven.orgs.models import OrgUnit, Role, User
from haven.surveys import instruments, services
from haven.surveys.aggregates import campaign_refresh
from haven.surveys.models import Campaign
from haven.surveys.synthetic import respondent

DEMO_TITLE = "Demo: social safety"
PER_CLASS = 14  # above the smallest group shown (10), so class rows appear too


def answer(code_text: str, answers: dict[str, int]) -> None:
    """Answer page by page through the same services as the /s/ pages, then submit."""
    number = 0
    while True:
        code = services.code_open(code_text=code_text)
        page = services.pages(code.campaign)[number]
        posted = {
            item.code: str(answers[item.code])
            for item in page.items
            if item.code in answers and item.shown(code.draft | answers)
        }
        services.answers_save(code=code, number=number, posted=posted)
        numbers = [p.number for p in services.visible_pages(code.campaign, code.draft)]
        following = [n for n in numbers if n > number]
        if not following:
            services.response_submit(code=code)
            return
        number = following[0]


def survey_demo_load(school: OrgUnit) -> int:
    """The demo campaign of ``school`` (created once); returns the responses added."""
    if Campaign.objects.filter(school=school, title=DEMO_TITLE).exists():
        return 0
    coordinator = User.objects.filter(
        memberships__unit=school, memberships__role=Role.COORDINATOR
    ).first()
    if coordinator is None:
        return 0
    now = timezone.now()
    campaign = services.campaign_create(
        actor=coordinator,
        school=school,
        title=DEMO_TITLE,
        classes=None,
        opens_at=now - dt.timedelta(days=7),
        closes_at=now + dt.timedelta(days=21),
    )
    rng = random.Random(2026)  # noqa: S311 - synthetic demo answers, not a secret
    instrument = instruments.get(campaign.instrument_code)
    added = 0
    for entry in campaign.classes.select_related("class_unit"):
        texts = services.codes_generate(
            actor=coordinator, campaign=campaign, class_unit=entry.class_unit, count=PER_CLASS
        )
        for text in texts[: PER_CLASS - 2]:  # two codes per class stay unused, to try
            answer(text, respondent(rng, instrument))
            added += 1
    campaign_refresh(campaign, force=True)
    return added
