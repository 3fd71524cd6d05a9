from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "haven.privacy"
    label = "privacy"
    verbose_name = _("Data protection")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from haven.lib import middleware  # noqa: F401  (the idle clock starts at sign-in)
        from haven.orgs import navigation
        from haven.privacy import access, db  # noqa: F401  (access: its grants; db: PRAGMAs)
        from haven.privacy.access import Perm

        navigation.register(
            navigation.Entry(_("Retention"), "privacy:retention", Perm.RETENTION_HOLD, order=85)
        )
        navigation.register(
            navigation.Entry(_("Audit log"), "privacy:audit", Perm.AUDIT_VIEW, order=86)
        )
