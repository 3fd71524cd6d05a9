"""One statement, run the way the public report intake needs: bound and prepared on the server.

Django's PostgreSQL cursors splice values into the SQL text on the client, so the server parses
and plans every statement anew. For the few statements every public report runs (find the
school, store the report), that was a third of the database's work and a tenth of the app's.
Here values are bound by the server, and psycopg prepares a statement once it has run
``prepare_threshold`` times on a connection (settings.py sets it; 0 turns it off, as a pgbouncer
in transaction mode older than 1.21 needs). Other databases run the statement as Django would.
"""

from collections.abc import Sequence
from contextlib import nullcontext
from typing import Any

from django.db import connections, transaction


def fetch_one(sql: str, params: list[Any], using: str = "default") -> tuple[Any, ...] | None:
    """Run ``sql`` (``%s`` placeholders) and return its first row, or None."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row: tuple[Any, ...] | None = cursor.fetchone()
            return row
    with connection.wrap_database_errors:
        bound = _bound(_checked(connection), sql)
        bound.execute(sql, params)
        found: tuple[Any, ...] | None = bound.fetchone()
        return found


def fetch_last(
    statements: Sequence[tuple[str, list[Any]]], using: str = "default"
) -> tuple[Any, ...] | None:
    """Run ``statements`` in order as one transaction; the first row of the last (or None).

    On PostgreSQL in one round trip: in pipeline mode, statements sent before the pipeline's
    sync are one transaction (implicit, or a savepoint of the caller's), and an error in any of
    them leaves none stored. Elsewhere one after the other inside ``atomic``. The last
    statement must return rows (``RETURNING``); the earlier ones' rows are not read (the last
    one can tell from them whether they stored anything)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        with transaction.atomic(using=using):
            row = None
            for sql, params in statements:
                row = fetch_one(sql, params, using)
            return row
    outer = transaction.atomic(using=using) if connection.in_atomic_block else nullcontext()
    with outer, connection.wrap_database_errors:
        checked = _checked(connection)
        with checked.connection.pipeline():
            for sql, params in statements:
                bound = _bound(checked, sql)
                bound.execute(sql, params)
        last: tuple[Any, ...] | None = bound.fetchone()
        return last


def _checked(connection: Any) -> Any:
    """``connection`` after the checks ``connection.cursor()`` makes (opened, again if it was
    closed or failed its health check; used by its own thread; no broken transaction), without
    making the Django cursor that nothing here would use."""
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    connection.validate_no_broken_transaction()
    return connection


def _bound(connection: Any, sql: str) -> Any:
    """The connection's cursor for ``sql`` that binds on the server, made once per database
    connection and statement: a cursor made anew, or one running another statement, finds
    each value's dumper again (a tenth of storing a report). The cursors of a connection since
    replaced are dropped. ``sql``: one of a few texts, each built once (the cursor keeps its
    dumpers only for the very same string), so a few cursors at most."""
    import psycopg  # only installed where PostgreSQL is used

    raw = connection.connection
    cursors = connection.__dict__.get("haven_bound")
    if cursors is None or cursors["raw"] is not raw or len(cursors) > 32:
        cursors = connection.__dict__["haven_bound"] = {"raw": raw}
    bound = cursors.get(sql)
    if bound is None or bound.closed:
        bound = cursors[sql] = psycopg.Cursor(raw)
    return bound
