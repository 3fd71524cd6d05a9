from typing import Any

from allauth.mfa.models import Authenticator
from django import template

register = template.Library()


@register.filter
def has_passkey(user: Any) -> bool:
    """Offer the passkey button only to someone who has added one."""
    if user is None or getattr(user, "pk", None) is None:
        return False
    return bool(Authenticator.objects.filter(user=user, type=Authenticator.Type.WEBAUTHN).exists())
