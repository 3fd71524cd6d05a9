from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "haven.surveys"
    label = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        from haven.orgs import navigation
        from haven.orgs.access import Perm

        entry = navigation.Entry(
            _("Surveys"),
            "surveys:campaign_list",
            (Perm.SURVEY_MANAGE, Perm.SURVEY_RESULTS, Perm.SURVEY_ROLLUP),
        )
        if entry not in navigation.ENTRIES:
            # Before "Organisation", "Administration" and "Account".
            navigation.ENTRIES.insert(len(navigation.ENTRIES) - 3, entry)
