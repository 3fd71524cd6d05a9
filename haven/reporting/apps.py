from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "haven.reporting"
    label = "reporting"
    verbose_name = _("Periodic reports")

    def ready(self) -> None:
        from haven.lib import ticks
        from haven.orgs import navigation, todo
        from haven.orgs.demo import demo_loader_register
        from haven.reporting import access  # noqa: F401  (grants the reporting permissions)
        from haven.reporting.access import Perm
        from haven.reporting.clock import reporting_tick
        from haven.reporting.demo import reporting_demo_load
        from haven.reporting.todo import reporting_todo

        ticks.register("reporting", reporting_tick)
        todo.register(reporting_todo)
        demo_loader_register("periodic reports", reporting_demo_load)
        navigation.register(
            navigation.Entry(_("Periodic reports"), "reporting:list", Perm.VIEW, order=60)
        )
