from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

from haven.lib.i18n import pick

register = template.Library()

PHONE_KINDS = {
    "emergency": _("Emergency"),
    "police": _("Police"),
    "ambulance": _("Ambulance"),
    "child_helpline": _("Child helpline"),
    "child_protection": _("Child protection"),
    "hotline": _("Hotline"),
}


@register.simple_tag
def phone_label(entry: dict[str, Any]) -> str:
    """The number's own name in the current language, else the translated kind."""
    return pick(entry.get("label")) or str(PHONE_KINDS.get(entry.get("kind", ""), ""))
