from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "haven.orgs"
    label = "orgs"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from haven.orgs import signin

        signin.connect_signals()
