from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "haven.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        # Cases make themselves known to the layers below (which never import cases).
        from haven.cases import access, selectors, todo
        from haven.cases.access import Perm
        from haven.orgs import navigation, pupils

        access.register()
        todo.register()  # the staff home's sections
        pupils.timeline_register(selectors.pupil_chronology)
        navigation.register(
            navigation.Entry(
                _("Cases"),
                "cases:case_list",
                (Perm.CASE_MANAGE, Perm.CASE_ESCALATED, Perm.REFERRAL_ANSWER, Perm.REPORT_CREATE),
                order=30,
            )
        )
