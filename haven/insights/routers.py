"""Reads of the count tables go to the read replica when ``DATABASE_REPLICA_URL`` sets one;
everything else, and every write, stays on the primary."""

from typing import Any

from django.db import connections

REPLICA = "replica"
READ_MODELS = {("insights", "cell")}


class ReplicaRouter:
    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        meta = model._meta
        if (meta.app_label, meta.model_name) in READ_MODELS and REPLICA in connections.settings:
            return REPLICA
        return None

    def db_for_write(self, model: type[Any], **hints: Any) -> str | None:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # the replica is a copy of the primary: same rows

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db != REPLICA  # the replica gets its schema from the primary
