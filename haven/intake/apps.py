from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "haven.intake"
    label = "intake"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from haven.intake import todo

        todo.register()  # the staff home's new reports
