from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "haven.insights"
    label = "insights"
    verbose_name = _("Insights")

    def ready(self) -> None:
        from haven.insights import access  # noqa: F401  (grants Perm.VIEW_FIGURES)

        # The dashboards in the menu of whoever reads figures (ministry, inspectors, school
        # leaders), and two school years of history for the demo's charts.
        from haven.insights.access import Perm
        from haven.insights.demo import history_demo_load
        from haven.orgs import navigation
        from haven.orgs.demo import demo_loader_register

        demo_loader_register("reports of demo history", history_demo_load)
        navigation.register(
            navigation.Entry(_("Dashboards"), "insights:landing", Perm.VIEW_FIGURES, order=5)
        )
