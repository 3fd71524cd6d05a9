"""The pupil's survey: enter a one-time code, answer page by page, pause, resume, submit.

No login, no session, no cookie but CSRF's and the language. The code travels only in POST
bodies (never in an address), each request finds the code again by its keyed hash, and
nothing about the client (address, browser) is read or stored. The language is the one chosen
with the buttons on the page (carried along in the form), else the public pages' rule
(``haven.lib.i18n.public_language``: the browser's, or the school's when Haven lacks it).
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from haven.lib.errors import HavenError
from haven.lib.i18n import language_chosen, public_language_activate
from haven.orgs.models import OrgUnit
from haven.surveys import services
from haven.surveys.models import AnswerCode

LANGUAGES = dict(settings.LANGUAGES)


def _chosen(request: HttpRequest) -> str:
    """The language chosen on the page (a button), else the one the form carried along."""
    for key in ("switch_lang", "lang"):
        chosen = request.POST.get(key, "")
        if chosen in LANGUAGES:
            return chosen
    return ""


def _school_languages(code: AnswerCode) -> Callable[[], list[str]]:
    """The languages of the code's school, read only if the language rule needs them."""

    def read() -> list[str]:
        found = OrgUnit.objects.filter(pk=code.campaign.school_id)
        return list(found.values_list("jurisdiction__languages", flat=True).first() or [])

    return read


def _new_follow_ups(code: Any, number: int) -> bool:
    """Did the answers just saved open a follow-up question on this same page (asked only
    if ...)? Then the pupil sees this page again instead of finding out at the end."""
    page = services.pages(code.campaign)[number]
    return any(
        item.show_if is not None and item.shown(code.draft) and item.code not in code.draft
        for item in page.items
    )


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _posted_answers(request: HttpRequest) -> dict[str, str]:
    return {
        key[2:]: str(value)
        for key, value in request.POST.items()
        if key.startswith("q_") and len(key) < 80
    }


def _context(code_text: str, code: AnswerCode, number: int, lang: str) -> dict[str, Any]:
    campaign = code.campaign
    visible = services.visible_pages(campaign, code.draft)
    numbers = [p.number for p in visible]
    # The page asked for, or the nearest visible one after it (hidden pages are skipped).
    current = next((p for p in visible if p.number >= number), visible[-1])
    position = numbers.index(current.number)
    # "Page x of y" counts only the pages every pupil sees: counting the follow-up pages
    # made the total jump (6 to 7) when an answer opened one. A follow-up page says it is
    # extra ("more questions after page x of y") and the bar stays where it was, so neither
    # the total nor the bar ever goes backwards.
    counted = services.counted_pages(campaign)
    done_before = sum(1 for n in counted if n < current.number)
    extra = current.number not in counted
    return {
        "code_text": code_text,
        "campaign": campaign,
        "page": current,
        "questions": [
            {
                "item": item,
                "value": code.draft.get(item.code),
                "options": [
                    (o.value, o.label, code.draft.get(item.code) == o.value) for o in item.options
                ],
            }
            for item in current.items
        ],
        "position": done_before if extra else done_before + 1,
        "total": len(counted),
        "extra": extra,
        "first": position == 0,
        "last": position + 1 == len(numbers),
        "lang": lang,
        "survey_languages": settings.LANGUAGES,
        "instrument": campaign.instrument,
    }


def _help(code: AnswerCode) -> dict[str, Any]:
    """What the thank-you page offers a pupil who is worried: their class's report form and
    the help numbers of the school's country (two reads, once per survey)."""
    class_unit = OrgUnit.objects.select_related("parent__jurisdiction").get(pk=code.class_unit_id)
    school = class_unit.parent
    if school is None or class_unit.kind != OrgUnit.Kind.CLASS:  # a code filed on the school
        school = OrgUnit.objects.select_related("jurisdiction").get(pk=code.campaign.school_id)
        return {
            "report_url": reverse("report_form", args=[school.code]),
            "jurisdiction": school.jurisdiction,
        }
    url = reverse("report_form_class", args=[school.code, class_unit.code])
    return {"report_url": url, "jurisdiction": school.jurisdiction}


@never_cache
@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest) -> HttpResponse:
    # Until the code names its school, a choice made here or the browser's language; then
    # the public pages' one rule (the school's language for a browser Haven cannot speak).
    chosen = language_chosen(request, _chosen(request)) or ""
    if chosen:
        translation.activate(chosen)
    lang = translation.get_language() or settings.LANGUAGE_CODE
    base = {"lang": lang, "lang_chosen": chosen, "survey_languages": settings.LANGUAGES}
    if request.method == "GET":
        return render(request, "surveys/public_code.html", base)
    if "code" not in request.POST:  # the language buttons of the code page
        return render(request, "surveys/public_code.html", base)
    code_text = request.POST.get("code", "")[:64]
    try:
        code = services.code_open(code_text=code_text)
    except HavenError as exc:
        context: dict[str, Any] = {**base, "error": exc.message, "code_text": code_text}
        return render(request, "surveys/public_code.html", context, status=exc.status)
    lang = public_language_activate(request, _school_languages(code), chosen)
    base.update(lang=lang, lang_chosen=lang)

    action = "goto" if "goto" in request.POST else request.POST.get("action", "")
    if action == "start" or "page" not in request.POST:
        return render(
            request, "surveys/public_page.html", _context(code_text, code, code.page, lang)
        )
    number = _int(request.POST.get("page"), 0)
    try:
        services.answers_save(code=code, number=number, posted=_posted_answers(request))
    except HavenError as exc:
        context = _context(code_text, code, number, lang)
        context["error"] = exc.message
        return render(request, "surveys/public_page.html", context, status=exc.status)

    if action == "pause":
        return render(request, "surveys/public_paused.html", {**base, "code_text": code_text})
    if action == "submit":
        try:
            services.response_submit(code=code)
        except services.AnswersMissing as exc:
            context = _context(code_text, code, number, lang)
            context["error"], context["missing"] = exc.message, exc.missing
            return render(request, "surveys/public_page.html", context, status=exc.status)
        except HavenError as exc:
            context = {**base, "error": exc.message}
            return render(request, "surveys/public_code.html", context, status=exc.status)
        return render(request, "surveys/public_done.html", {**base, **_help(code)})
    # Where to go is decided on the answers just saved: a follow-up page may have appeared.
    numbers = [p.number for p in services.visible_pages(code.campaign, code.draft)]
    target = number
    if action == "next" and not _new_follow_ups(code, number):
        target = next((n for n in numbers if n > number), number)
    elif action == "back":
        target = next((n for n in reversed(numbers) if n < number), number)
    elif action == "goto":
        target = _int(request.POST.get("goto"), number)
    return render(request, "surveys/public_page.html", _context(code_text, code, target, lang))
