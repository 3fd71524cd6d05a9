"""Insert model instances with statements built once per model instead of ``Model.save()``.

Only for the public report intake, the one write path that takes bursts from a whole country:
there, building the INSERT anew on each call costs more than the database does (profiled:
about a millisecond of Python per row). The statement is built once per model from the model's
own metadata, and values go through the same field preparation as ``save()`` (``pre_save`` and
``get_db_prep_save``), so defaults, ``auto_now_add``, JSON and time zones behave the same.
What it skips: signals and ``save()`` overrides; use it only for models that have neither
(Report, ReportEvent, AuditEvent: its guard in ``save()`` only refuses updates).
"""

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import psycopg
from django.db import NotSupportedError, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper

# A dependent row's column computed in SQL from its parent's new key, written ``{pk}``:
# (SQL expression, its parameters).
Derived = tuple[str, Sequence[Any]]


@cache
def _fields(model: type[models.Model]) -> tuple[models.Field, ...]:
    meta = model._meta
    return tuple(
        f
        for f in meta.concrete_fields
        if not isinstance(f, models.AutoField) and (f is not meta.pk or not f.auto_created)
    )


@cache
def _statement(model: type[models.Model], using: str) -> str:
    meta, qn = model._meta, connections[using].ops.quote_name
    columns = ", ".join(qn(f.column) for f in _fields(model))
    marks = ", ".join(["%s"] * len(_fields(model)))
    return (
        f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES ({marks}) "  # noqa: S608
        f"RETURNING {qn(meta.pk.column)}"
    )


def _values(instance: models.Model, connection: BaseDatabaseWrapper, skip: Any = ()) -> list:
    return [
        f.get_db_prep_save(f.pre_save(instance, True), connection)
        for f in _fields(type(instance))
        if f.name not in skip
    ]


def _stored(instance: Any, pk: Any, using: str) -> Any:
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = using
    return instance


def _execute(connection: BaseDatabaseWrapper, sql: str, params: list) -> tuple | None:
    """Run one of this module's statements and return its first row.

    On PostgreSQL the values are bound by the server rather than spliced into the text, so
    psycopg prepares each statement after a few runs on a connection (its ``prepare_threshold``,
    which a pgbouncer in transaction mode sets to None): the server then skips parsing and
    planning, a third of its work for a report. Django's own cursors bind on the client.
    """
    with connection.cursor() as cursor:  # Django's checks: connection open, transaction usable
        if connection.vendor != "postgresql":
            cursor.execute(sql, params)
            return cursor.fetchone()
        with connection.wrap_database_errors, psycopg.Cursor(cursor.connection) as bound:
            bound.execute(sql, params)
            return bound.fetchone()


def insert(instance: Any, using: str = "default") -> Any:
    """Store a new instance (its pk is set) and return it."""
    connection = connections[using]
    model: type[models.Model] = type(instance)
    row = _execute(connection, _statement(model, using), _values(instance, connection))
    return _stored(instance, row[0], using)  # type: ignore[index]


def family_supported(using: str = "default") -> bool:
    """Whether ``insert_family`` works here: it needs INSERTs inside WITH (PostgreSQL)."""
    return connections[using].vendor == "postgresql"


@cache
def _family_statement(
    parent: type[models.Model],
    dependents: tuple[tuple[type[models.Model], tuple[tuple[str, str], ...]], ...],
    condition: str,
    using: str,
) -> str:
    qn = connections[using].ops.quote_name
    pk = qn(parent._meta.pk.column)

    def columns(model: type[models.Model], derived: Sequence[str] = ()) -> list[str]:
        return [qn(f.column) for f in _fields(model) if f.name not in derived]

    parts = [
        f"parent AS (INSERT INTO {qn(parent._meta.db_table)} ({', '.join(columns(parent))})"
        f" SELECT {', '.join(['%s'] * len(columns(parent)))}"
        f"{f' WHERE {condition}' if condition else ''} RETURNING {pk})"
    ]
    for number, (model, derived) in enumerate(dependents):
        names = [name for name, _sql in derived]
        plain = columns(model, names)
        by_name = {f.name: f for f in _fields(model)}
        targets = plain + [qn(by_name[name].column) for name in names]
        sources = ["%s"] * len(plain) + [sql.format(pk=f"parent.{pk}") for _name, sql in derived]
        parts.append(
            f"dependent{number} AS (INSERT INTO {qn(model._meta.db_table)}"  # noqa: S608
            f" ({', '.join(targets)}) SELECT {', '.join(sources)} FROM parent)"
        )
    return f"WITH {', '.join(parts)} SELECT {pk} FROM parent"  # noqa: S608


def insert_family(
    parent: Any,
    dependents: Sequence[tuple[Any, Mapping[str, Derived]]],
    *,
    condition: Derived = ("", ()),
    using: str = "default",
) -> bool:
    """Store a new instance and rows that point to it in ONE statement (one round trip, one
    transaction of its own outside ``atomic``). PostgreSQL only: see ``family_supported``.

    Each dependent comes with the fields computed from the parent's new key, as SQL over
    ``{pk}`` with parameters (a foreign key to the parent is ``("{pk}", ())``). ``condition``
    (SQL, parameters) is checked in the same statement: when it is false nothing is stored and
    False is returned. Otherwise the parent's pk is set and True is returned.
    """
    connection = connections[using]
    if not family_supported(using):
        raise NotSupportedError(f"insert_family needs PostgreSQL, not {connection.vendor}")
    shape = tuple(
        (type(instance), tuple((name, sql) for name, (sql, _params) in derived.items()))
        for instance, derived in dependents
    )
    model: type[models.Model] = type(parent)
    sql = _family_statement(model, shape, condition[0], using)
    params = [*_values(parent, connection), *condition[1]]
    for instance, derived in dependents:
        params += _values(instance, connection, skip=derived)
        for _sql, extra in derived.values():
            params += extra
    row = _execute(connection, sql, params)
    if row is None:
        return False
    _stored(parent, row[0], using)
    return True
