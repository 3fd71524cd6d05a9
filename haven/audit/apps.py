from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "haven.audit"
    label = "audit"
    verbose_name = _("Audit")

    def ready(self) -> None:
        # Registers the SQLite function the append-only triggers consult.
        from haven.audit import maintenance  # noqa: F401
