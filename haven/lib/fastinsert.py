"""Insert one model instance with a prepared statement instead of ``Model.save()``.

Only for the public report intake, the one write path that takes bursts from a whole country:
there, building the INSERT anew on each call costs more than the database does (profiled:
about a millisecond of Python per row). The statement is built once per model from the model's
own metadata, and values go through the same field preparation as ``save()`` (``pre_save`` and
``get_db_prep_save``), so defaults, ``auto_now_add``, JSON and time zones behave the same.
What it skips: signals and ``save()`` overrides; use it only for models that have neither
(Report, ReportEvent, AuditEvent: its guard in ``save()`` only refuses updates).
"""

from functools import cache
from typing import Any

from django.db import connections, models


@cache
def _statement(model: type[models.Model], using: str) -> tuple[str, tuple[models.Field, ...]]:
    meta = model._meta
    fields = tuple(f for f in meta.concrete_fields if f is not meta.pk or not f.auto_created)
    fields = tuple(f for f in fields if not isinstance(f, models.AutoField))
    qn = connections[using].ops.quote_name
    columns = ", ".join(qn(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = (
        f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES ({marks}) "  # noqa: S608
        f"RETURNING {qn(meta.pk.column)}"
    )
    return sql, fields


def insert(instance: Any, using: str = "default") -> Any:
    """Store a new instance (its pk is set) and return it."""
    connection = connections[using]
    model: type[models.Model] = type(instance)
    sql, fields = _statement(model, using)  # type: ignore[arg-type]
    values = [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        instance.pk = cursor.fetchone()[0]
    instance._state.adding = False
    instance._state.db = using
    return instance
