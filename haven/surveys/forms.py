"""Staff forms: opening a campaign and making codes."""

from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from haven.lib.forms import ModelMultipleChoiceField
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
    classes = ModelMultipleChoiceField(
        label=_("Classes"),
        queryset=OrgUnit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    own_questions = forms.CharField(
        label=_("Your school's own questions (optional)"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One question per line, shown after the survey. For a multiple-choice question "
            'add the choices after a |, e.g. "Is the lunch break calm? | yes | no". Answers '
            "to open questions are read only by the school and never published."
        ),
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
        lines = [line.strip() for line in (data.get("own_questions") or "").splitlines()]
        if any(len([c for c in line.split("|")[1:] if c.strip()]) == 1 for line in lines):
            self.add_error(
                "own_questions", _("A multiple-choice question needs two choices or more.")
            )
        data["school_questions"] = own_questions([line for line in lines if line])
        return data


def own_questions(lines: list[str]) -> list[dict[str, Any]]:
    """Lines typed by the school as questions in the instrument format, in the active
    language (the pupil's page falls back to it in any other language)."""
    language = get_language() or "en"
    questions: list[dict[str, Any]] = []
    for number, line in enumerate(lines[:10], start=1):
        text, *choices = [part.strip() for part in line.split("|")]
        question: dict[str, Any] = {
            "code": f"school_{number}",
            "text": {language: text},
            "required": False,
        }
        choices = [choice for choice in choices if choice]
        if choices:
            question["options"] = [
                {"value": value, "label": {language: choice}}
                for value, choice in enumerate(choices)
            ]
        else:
            question["kind"] = "text"
        questions.append(question)
    return questions


class CodesForm(forms.Form):
    count = forms.IntegerField(
        label=_("Number of codes"),
        min_value=1,
        max_value=200,
        required=False,
        help_text=_("Leave empty for one code per pupil on the class roster."),
    )
