"""The rules of a report, once, for every channel.

The web form, staff entry, the JSON API and any chat bot parse their input's shape (a form's
widgets, pydantic) and hand the values to ``report_clean``, which alone decides what a report
may hold: lengths, kinds, required answers, the school's places, the class, the channel, files,
and whether it is urgent (``urgency``).
It answers with a ``CleanReport`` or refuses with ``FieldErrors``: translated messages per field.

The field rules are plain Django form fields built once (``field_rules``): the forms display
fields built from the same specification (``display_field``), so the HTML limits (``maxlength``,
``required``) and the choices shown are these rules too. Running the field objects directly
rather than a form instance keeps the API's hot path cheap (a form copies every field).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from haven.intake.files import CleanFile, clean_upload
from haven.intake.models import (
    STAFF_CHANNELS,
    Affected,
    Channel,
    Harm,
    ReporterRole,
    TimeOfDay,
)
from haven.intake.places import is_place
from haven.intake.urgency import is_urgent
from haven.lib.errors import FieldErrors, HavenError
from haven.orgs.models import OrgUnit

# Channels that arrive by themselves (no staff member enters them).
PUBLIC_CHANNELS = (Channel.WEB, Channel.API, Channel.CHAT_BOT)

# The fields a report has, in the order the form shows them (the class comes from its code).
FIELDS = (
    "description",
    "when_text",
    "time_of_day",
    "place",
    "harms",
    "affected",
    "reporter_role",
    "contact",
)

DESCRIPTION_REQUIRED = gettext_lazy("Please tell us what happened.")

# Each field's rule: its type and limits (no labels or widgets: those are the forms').
SPEC: dict[str, tuple[type[forms.Field], dict[str, Any]]] = {
    "description": (
        forms.CharField,
        {
            "max_length": settings.HAVEN_REPORT_MAX_CHARS,
            "strip": True,
            "error_messages": {"required": DESCRIPTION_REQUIRED},
        },
    ),
    "when_text": (forms.CharField, {"max_length": 200, "required": False}),
    # Optional, one of six (before school ... online): what a hotspot grid counts by.
    "time_of_day": (forms.ChoiceField, {"choices": TimeOfDay.choices, "required": False}),
    # The school's own places are checked in report_clean; the form lists them per school.
    "place": (forms.ChoiceField, {"required": False}),
    "harms": (forms.MultipleChoiceField, {"choices": Harm.choices, "required": False}),
    "affected": (forms.ChoiceField, {"choices": Affected.choices}),
    "reporter_role": (forms.ChoiceField, {"choices": ReporterRole.choices}),
    "contact": (forms.CharField, {"max_length": 200, "required": False}),
}


def display_field(name: str, **display: Any) -> forms.Field:
    """A form field for showing ``name``: its rule plus a label, help text and widget."""
    cls, rule = SPEC[name]
    return cls(**rule, **display)


@cache
def field_rules() -> dict[str, forms.Field]:
    return {name: cls(**rule) for name, (cls, rule) in SPEC.items()}


@dataclass(frozen=True)
class CleanReport:
    """A report's content that passed the rules (what ``report_submit`` stores)."""

    description: str
    affected: str
    reporter_role: str
    channel: str
    when_text: str = ""
    time_of_day: str = ""
    place: str = ""
    harms: list[str] = field(default_factory=list)
    contact: str = ""
    class_unit: OrgUnit | None = None
    files: list[CleanFile] = field(default_factory=list)
    # Decided here, for every channel alike, from the kinds of harm and the words.
    urgent: bool = False


def _field(name: str, value: Any, school: OrgUnit) -> Any:
    rule = field_rules()[name]
    if name == "place":
        value = rule.to_python(value)
        if value and not is_place(school, value):
            raise ValidationError(
                rule.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return value
    value = rule.clean(value)
    if name == "description":
        value = str(value).strip()
        if not value:  # only spaces (the field strips, but "\x00" and the like may remain)
            raise ValidationError(DESCRIPTION_REQUIRED)
    return value


def files_clean(uploads: Sequence[UploadedFile]) -> tuple[list[CleanFile], list[str]]:
    """(files ready to store, translated refusals): how many per message, and each file."""
    limit = settings.HAVEN_ATTACHMENTS_PER_MESSAGE
    if len(uploads) > limit:
        return [], [_("At most %(count)s files at a time.") % {"count": limit}]
    cleaned, errors = [], []
    for upload in uploads:
        try:
            cleaned.append(clean_upload(upload))
        except HavenError as exc:
            errors.append(str(exc.message))
    return cleaned, errors


def report_clean(
    data: Mapping[str, Any],
    *,
    school: OrgUnit,
    channel: str,
    staff: bool = False,
    class_unit: OrgUnit | None = None,
    files: Sequence[UploadedFile] = (),
) -> CleanReport:
    """``data`` (the fields of ``FIELDS`` as sent) as a clean report to ``school``, or
    ``FieldErrors`` naming each refused field with translated messages. ``staff``: a staff
    member enters what reached them by ``channel``; otherwise it arrived by itself."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name in FIELDS:
        try:
            cleaned[name] = _field(name, data.get(name), school)
        except ValidationError as exc:
            errors[name] = list(exc.messages)
    if channel not in (STAFF_CHANNELS if staff else PUBLIC_CHANNELS):
        errors["channel"] = [_("Choose how the report reached you.")]
    if class_unit is not None and (
        class_unit.parent_id != school.pk or class_unit.kind != OrgUnit.Kind.CLASS
    ):
        errors["class_unit"] = [_("This class is not part of the school.")]
    if files and not errors:  # files cost the most: only for an otherwise valid report
        cleaned_files, file_errors = files_clean(files)
        if file_errors:
            errors["files"] = file_errors
    if errors:
        raise FieldErrors(errors)
    return CleanReport(
        **cleaned,
        channel=channel,
        class_unit=class_unit,
        files=cleaned_files if files else [],
        urgent=is_urgent(cleaned["harms"], cleaned["description"]),
    )
