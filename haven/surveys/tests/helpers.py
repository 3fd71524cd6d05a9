"""Building campaigns and answered surveys for tests, through the services."""

import datetime as dt
from typing import Any

from django.utils import timezone

from haven.orgs.models import OrgUnit, Pupil
from haven.surveys import instruments, services
from haven.surveys.models import AnswerCode, Campaign


def pupils(class_unit: OrgUnit, count: int) -> None:
    school = class_unit.parent
    start = Pupil.objects.count()
    Pupil.objects.bulk_create(
        Pupil(
            class_unit=class_unit,
            school=school,
            external_id=f"P{start + i}",
            given_name="Pupil",
            family_name=str(start + i),
        )
        for i in range(count)
    )


def campaign(
    actor: Any, school: OrgUnit, classes: list[OrgUnit] | None = None, **kwargs: Any
) -> Campaign:
    now = timezone.now()
    options = {
        "title": "Autumn survey",
        "opens_at": now - dt.timedelta(days=1),
        "closes_at": now + dt.timedelta(days=14),
        **kwargs,
    }
    return services.campaign_create(actor=actor, school=school, classes=classes, **options)


def full_answers(
    victim: int = 0, bully: int = 0, forms: int = 0, safety: int = 3
) -> dict[str, Any]:
    """Every question answered; ``forms`` is the answer to every victim form."""
    answers: dict[str, Any] = {"grade_band": 1, "gender": 0}
    instrument = instruments.get()
    for item in instrument.items():
        if item.scale == "safety":
            answers[item.code] = safety
        elif item.scale == "wellbeing":
            answers[item.code] = 1 if item.reverse else 2
        elif item.measure == "victim_form":
            answers[item.code] = forms
        elif item.measure == "perp_form":
            answers[item.code] = 0
    answers["victim_global"] = victim
    answers["perp_global"] = bully
    if forms >= 2:
        answers["power_imbalance"] = 1
    if forms >= 1 or victim >= 1:
        answers["told_adult"] = 0
    return answers


def answer(code: AnswerCode, answers: dict[str, Any]) -> None:
    """Save ``answers`` page by page as the pupil's form would post them."""
    for number, page in enumerate(services.pages(code.campaign)):
        posted = {i.code: str(answers[i.code]) for i in page.items if i.code in answers}
        if posted:
            services.answers_save(code=code, number=number, posted=posted)


def respond(campaign: Campaign, class_unit: OrgUnit, actor: Any, answer_sets: list[dict]) -> None:
    """Make one code per answer set and submit each."""
    made = services.codes_generate(
        actor=actor, campaign=campaign, class_unit=class_unit, count=len(answer_sets)
    )
    for text, answers in zip(made, answer_sets, strict=True):
        code = services.code_open(code_text=text)
        answer(code, answers)
        services.response_submit(code=code)


def member_of(school: OrgUnit, role: str = "coordinator") -> Any:
    from haven.orgs.tests.factories import member

    return member(role, school)
