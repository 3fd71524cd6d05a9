from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PreventionConfig(AppConfig):
    name = "haven.prevention"
    verbose_name = _("Prevention")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from haven.orgs import navigation
        from haven.prevention import todo
        from haven.prevention.access import Perm

        todo.register()  # the staff home's pledges

        navigation.register(
            navigation.Entry(
                _("Prevention"),
                "prevention:home",
                (Perm.PREVENTION_VIEW, Perm.PLEDGE_SIGN),
                order=40,
            )
        )
