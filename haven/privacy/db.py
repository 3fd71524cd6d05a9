"""SQLite overwrites deleted content with zeros (``secure_delete``) on every connection, so
erased text does not linger in free pages of the database file."""

from typing import Any

from django.db.backends.signals import connection_created
from django.dispatch import receiver


@receiver(connection_created)
def _secure_delete(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA secure_delete = ON")
