from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _

from haven.intake.models import Harm, Report
from haven.intake.places import place_label as _place_label

register = template.Library()


@register.filter
def harm_labels(codes: list[str]) -> str:
    labels = dict(Harm.choices)
    return "; ".join(str(labels.get(code, code)) for code in codes)


@register.simple_tag
def place_label(report: Report) -> str:
    return _place_label(report.school, report.place) if report.place else "—"


@register.simple_tag
def response_clock(report: Report) -> Any:
    """How long the report has waited against its first-response deadline."""
    now = timezone.now()
    if report.first_responded_at:
        return _("answered after %(time)s") % {
            "time": timesince(report.created_at, report.first_responded_at)
        }
    if report.first_response_due < now:
        return format_html(
            '<strong class="overdue-label">{}</strong>',
            _("overdue by %(time)s") % {"time": timesince(report.first_response_due, now)},
        )
    return _("waiting %(waited)s, due in %(left)s") % {
        "waited": timesince(report.created_at, now),
        "left": timeuntil(report.first_response_due, now),
    }
