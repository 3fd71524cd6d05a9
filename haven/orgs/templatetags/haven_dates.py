"""``{% load haven_dates %}``, then ``{{ day|long_date }}`` or ``{{ when|long_date:"F Y" }}``.

The logic lives in ``haven.lib.dates`` so that any app can use it; the library is registered
here because template libraries belong to an installed app.
"""

from typing import Any

from django import template

from haven.lib.dates import long_date as _long_date

register = template.Library()


@register.filter(expects_localtime=True)
def long_date(value: Any, format_name: str = "DATE_FORMAT") -> str:
    """A date in words as the active language writes it inside a sentence."""
    try:
        return _long_date(value, format_name)
    except (AttributeError, TypeError, ValueError):
        return ""
