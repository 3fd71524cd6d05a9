from django import forms
from django.utils.translation import gettext_lazy as _

from haven.security.models import ApiToken
from haven.security.services import TOKEN_DAYS_DEFAULT, TOKEN_DAYS_MAX


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What the token is for, to tell it apart.")
    )
    scope = forms.ChoiceField(
        label=_("Access"), choices=ApiToken.Scope.choices, initial=ApiToken.Scope.READ
    )
    days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=TOKEN_DAYS_MAX,
        initial=TOKEN_DAYS_DEFAULT,
    )
