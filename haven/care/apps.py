from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "haven.care"
    verbose_name = _("Pupils of concern")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Care builds on prevention (its compliance overview) and cases, never the reverse.
        from haven.care import access, compliance, todo  # noqa: F401  (access: its grants)
        from haven.care.access import Perm
        from haven.orgs import navigation
        from haven.prevention.access import Perm as PreventionPerm
        from haven.prevention.compliance import register

        register(*compliance.INDICATORS)
        todo.register()  # the staff home's sections
        # Class teachers reach the pupils of concern assigned to them (staff sign pledges).
        navigation.register(
            navigation.Entry(
                _("Pupils of concern"),
                "care:concern_list",
                (
                    Perm.CONCERN_VIEW,
                    Perm.CARE_FIGURES,
                    Perm.CARE_MANAGE,
                    PreventionPerm.PLEDGE_SIGN,
                ),
                order=50,
            )
        )
