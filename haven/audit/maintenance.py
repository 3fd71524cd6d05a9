"""The one, explicit way past the audit log's append-only triggers.

The triggers refuse UPDATE, DELETE (and on PostgreSQL TRUNCATE) unless this connection has
switched maintenance on. Nothing in the application does; it exists for retention pruning by
an operator and for emptying test databases between tests. On SQLite the triggers call a
function that Haven registers on each of its connections, so a connection made outside
Haven (the sqlite3 shell, say) has no such function and cannot change the log either.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections
from django.db.backends.signals import connection_created
from django.dispatch import receiver

SQLITE_FUNCTION = "haven_audit_maintenance"
POSTGRESQL_SETTING = "haven.audit_maintenance"


@receiver(connection_created)
def _register_sqlite_function(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            SQLITE_FUNCTION, 0, lambda: int(getattr(connection, "_haven_audit_maintenance", False))
        )


def set_maintenance(on: bool, using: str = "default") -> None:
    connection = connections[using]
    if connection.vendor == "sqlite":
        connection._haven_audit_maintenance = on  # type: ignore[attr-defined]
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config(%s, %s, false)", [POSTGRESQL_SETTING, "on" if on else "off"]
            )


@contextmanager
def audit_maintenance(using: str = "default") -> Iterator[None]:
    set_maintenance(True, using)
    try:
        yield
    finally:
        set_maintenance(False, using)
