from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "haven.insights"
    label = "insights"
    verbose_name = _("Insights")

    def ready(self) -> None:
        from haven.insights import access  # noqa: F401  (grants Perm.VIEW_FIGURES)
