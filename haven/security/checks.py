"""Start-up checks: content at rest can be sealed and opened with the configured master keys."""

import sys
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register
from django.db import DatabaseError

from haven.lib import crypto


def _testing() -> bool:
    return "pytest" in sys.modules or (len(sys.argv) > 1 and sys.argv[1] == "test")


@register()
def master_key_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not crypto.key_files():
        if settings.DEBUG or _testing():
            return []
        return [
            Error(
                "No master key: content at rest cannot be encrypted.",
                hint="Set HAVEN_MASTER_KEY_FILE to the key file kept beside the database "
                "backups; make one with 'manage.py keys_rotate --new-master-key-file PATH' "
                "(README, Data protection).",
                id="haven.E010",
            )
        ]
    try:
        loaded = {k.id: k for k in crypto.master_keys()}
    except crypto.CryptoError as exc:
        return [Error(str(exc), id="haven.E011")]
    return _stored_keys_open(loaded)


def _stored_keys_open(loaded: dict[str, crypto.MasterKey]) -> list[CheckMessage]:
    """One stored data key per master key must open: a wrong key file fails here, loudly."""
    from haven.security.models import DataKey

    try:
        masters = set(DataKey.objects.values_list("master_id", flat=True).distinct())
        if masters and not masters & loaded.keys():
            return [
                Error(
                    f"The data keys are wrapped under master key(s) {', '.join(sorted(masters))}"
                    f" but HAVEN_MASTER_KEY_FILE holds {', '.join(loaded)}.",
                    hint="Configure the master key file this database was made with.",
                    id="haven.E012",
                )
            ]
        for master_id in masters & loaded.keys():
            row = DataKey.objects.filter(master_id=master_id).first()
            if row is not None:
                crypto.unwrap(loaded[master_id], row.key_id, row.unit_id, row.wrapped)
    except DatabaseError:
        return []  # not migrated yet: nothing stored to open
    except crypto.CryptoError as exc:
        return [Error(str(exc), id="haven.E012")]
    return []
