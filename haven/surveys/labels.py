"""Translated names of the measures results show (keys from ``scoring``)."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

MEASURES: dict[str, str | Promise] = {
    "victim": _("Bullied 2-3 times a month or more"),
    "bully": _("Bullied others 2-3 times a month or more"),
    "any_form_victim": _("Any form of being bullied, 2-3 times a month or more"),
    "any_form_bully": _("Any form of bullying others, 2-3 times a month or more"),
    "role.victim": _("Role: bullied only"),
    "role.bully": _("Role: bullies only"),
    "role.bully_victim": _("Role: bullied and bullies"),
    "role.not_involved": _("Role: not involved"),
    "power_imbalance": _("Found it hard to stop them"),
    "told_adult": _("Told an adult"),
    "it_stopped": _("It stopped after telling"),
    "safety": _("Sense of safety (0-3)"),
    "wellbeing": _("Wellbeing at school (0-3)"),
    "violations": _("Violations of safety (0-4)"),
}
FORMS: dict[str, str | Promise] = {
    "verbal": pgettext_lazy("bullying form", "verbal"),
    "exclusion": pgettext_lazy("bullying form", "exclusion"),
    "rumours": pgettext_lazy("bullying form", "lies and rumours"),
    "physical": pgettext_lazy("bullying form", "physical"),
    "belongings": pgettext_lazy("bullying form", "belongings taken or damaged"),
    "threats": pgettext_lazy("bullying form", "threats and coercion"),
    "identity": pgettext_lazy("bullying form", "because of who they are"),
    "sexual": pgettext_lazy("bullying form", "sexual"),
    "online": pgettext_lazy("bullying form", "online"),
}


def label(key: str) -> str:
    if key in MEASURES:
        return str(MEASURES[key])
    for prefix, text in (
        ("form_victim.", _("Bullied: %(form)s")),
        ("form_bully.", _("Bullied others: %(form)s")),
    ):
        if key.startswith(prefix):
            form = key[len(prefix) :]
            return str(text) % {"form": FORMS.get(form, form)}
    return key


def all_labels(keys: list[str]) -> dict[str, str]:
    return {key: label(key) for key in keys}
