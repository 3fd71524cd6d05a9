from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "haven.surveys"
    label = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        from haven.orgs import navigation
        from haven.orgs.demo import demo_loader_register
        from haven.surveys.access import Perm
        from haven.surveys.demo import survey_demo_load

        demo_loader_register("survey answers", survey_demo_load)
        navigation.register(
            navigation.Entry(
                _("Surveys"),
                "surveys:campaign_list",
                (Perm.SURVEY_MANAGE, Perm.SURVEY_RESULTS, Perm.SURVEY_ROLLUP),
                order=60,
            )
        )
