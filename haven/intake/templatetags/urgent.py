"""The urgent path on public pages: a school's on-call hours (never who is on call)."""

from django import template
from django.utils.dates import WEEKDAYS_ABBR

from haven.orgs.models import OnCall, OrgUnit

register = template.Library()


@register.simple_tag
def on_call_hours(school: OrgUnit) -> list[dict[str, str]]:
    """The days and hours the school's rota covers, each once, in the order of the week."""
    seen: dict[tuple[tuple[int, ...], str, str], None] = {}
    for duty in OnCall.objects.filter(unit=school, user__is_active=True).order_by("start_time"):
        days = tuple(sorted(set(duty.weekdays)))
        seen[(days, f"{duty.start_time:%H:%M}", f"{duty.end_time:%H:%M}")] = None
    return [
        {"days": ", ".join(str(WEEKDAYS_ABBR[day]) for day in days), "start": start, "end": end}
        for days, start, end in sorted(seen)
    ]
