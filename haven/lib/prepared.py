"""One statement, run the way the public report intake needs: bound and prepared on the server.

Django's PostgreSQL cursors splice values into the SQL text on the client, so the server parses
and plans every statement anew. For the few statements every public report runs (find the
school, store the report), that was a third of the database's work and a tenth of the app's.
Here values are bound by the server, and psycopg prepares a statement once it has run
``prepare_threshold`` times on a connection (settings.py sets it; 0 turns it off, as a pgbouncer
in transaction mode older than 1.21 needs). Other databases run the statement as Django would.
"""

from typing import Any

from django.db import connections


def fetch_one(sql: str, params: list[Any], using: str = "default") -> tuple[Any, ...] | None:
    """Run ``sql`` (``%s`` placeholders) and return its first row, or None."""
    connection = connections[using]
    with connection.cursor() as cursor:  # Django's checks: connection open, transaction usable
        if connection.vendor != "postgresql":
            cursor.execute(sql, params)
            return cursor.fetchone()
        import psycopg  # only installed where PostgreSQL is used

        with connection.wrap_database_errors, psycopg.Cursor(cursor.connection) as bound:
            bound.execute(sql, params)
            return bound.fetchone()
