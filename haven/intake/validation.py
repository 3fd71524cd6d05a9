"""The report form's rules as one plain function, for the public JSON API's hot path.

Building a Django form copies every field (about 1.4 ms a report, the largest single cost of
the API's intake when profiled). ``check_report`` runs the very same field objects the form
declares (``ReportForm.base_fields``: same types, limits, choices and translated messages)
without that copy; only the school's places, which the form sets per instance, are checked
here against the same list. A property test holds the two to the same answers.
"""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError

from haven.intake.forms import ReportForm
from haven.intake.places import is_place
from haven.orgs.models import OrgUnit

# The fields a report has, in the order the form shows them (the class comes from its code).
FIELDS = ("description", "when_text", "place", "harms", "affected", "reporter_role", "contact")


def check_report(
    data: Mapping[str, Any], *, school: OrgUnit
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """(cleaned data, errors per field) for a report to ``school``, as the form gives them."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    fields = ReportForm.base_fields
    for name in FIELDS:
        field = fields[name]
        value = data.get(name)
        try:
            if name == "place":
                value = field.to_python(value)
                if value and not is_place(school, value):
                    raise ValidationError(
                        field.error_messages["invalid_choice"],
                        code="invalid_choice",
                        params={"value": value},
                    )
            else:
                value = field.clean(value)
            if name == "description":
                value = ReportForm.description_rule(str(value))
        except ValidationError as exc:
            errors[name] = list(exc.messages)
        else:
            cleaned[name] = value
    return cleaned, errors
