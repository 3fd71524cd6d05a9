"""Staff forms: opening a campaign and making codes."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from haven.orgs.models import OrgUnit


class CampaignForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, initial=_("Social safety survey"))
    opens_at = forms.DateTimeField(
        label=_("Opens"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    closes_at = forms.DateTimeField(
        label=_("Closes"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    all_classes = forms.BooleanField(label=_("All classes of the school"), required=False)
    classes = forms.ModelMultipleChoiceField(
        label=_("Classes"),
        queryset=OrgUnit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, school: OrgUnit, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["classes"].queryset = OrgUnit.objects.filter(  # type: ignore[attr-defined]
            parent=school, kind=OrgUnit.Kind.CLASS
        ).order_by("code")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("The survey must close after it opens."))
        if not data.get("all_classes") and not data.get("classes"):
            self.add_error("classes", _("Choose at least one class."))
        return data


class CodesForm(forms.Form):
    count = forms.IntegerField(
        label=_("Number of codes"),
        min_value=1,
        max_value=200,
        required=False,
        help_text=_("Leave empty for one code per pupil on the class roster."),
    )
