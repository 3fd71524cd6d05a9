"""Insert model instances with statements built once per model instead of ``Model.save()``.

Only for the public report intake, the one write path that takes bursts from a whole country:
there, building the INSERT anew on each call costs more than the database does (profiled:
about a millisecond of Python per row). The statement is built once per model from the model's
own metadata, and values go through the same field preparation as ``save()`` (``pre_save`` and
``get_db_prep_save``, skipped only where it would return the value unchanged), so defaults,
``auto_now_add``, JSON and time zones behave the same.
What it skips: signals and ``save()`` overrides; use it only for models that have neither
(Report, ReportEvent, AuditEvent: its guard in ``save()`` only refuses updates).

A dependent row may also be given as a ``Row`` (its values by attribute name, no instance):
building a model instance costs more than preparing its values.
"""

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any, NamedTuple

from django.db import NotSupportedError, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.fields import AutoFieldMixin

from haven.lib import prepared

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


# Fields whose stored value is the Python value itself when it has exactly one of these types
# (their preparation only converts other types): a third of the preparation time skipped.
_AS_IS: dict[type[models.Field], tuple[type, ...]] = {
    models.CharField: (str,),
    models.TextField: (str,),
    models.BooleanField: (bool,),
    models.IntegerField: (int,),
    models.BigIntegerField: (int,),
    models.PositiveSmallIntegerField: (int,),
}


@cache
def _plan(model: type[models.Model]) -> tuple[tuple[models.Field, str, tuple[type, ...]], ...]:
    """Each field with its attribute and the value types it stores as they are."""
    plan = []
    for f in _fields(model):
        as_is: tuple[type, ...] = ()
        if type(f).pre_save is models.Field.pre_save:  # pre_save only reads the attribute
            if isinstance(f, models.ForeignKey) and isinstance(f.target_field, AutoFieldMixin):
                as_is = (int, type(None))
            else:
                as_is = _AS_IS.get(type(f), ())
        plan.append((f, f.attname, as_is))
    return tuple(plan)


class Row(NamedTuple):
    """A new row without a model instance: values by attribute name (a foreign key by its
    key, ``org_unit_id``); fields left out take their default. Not for fields whose saving
    does more than read the value (``auto_now``, files)."""

    model: type[models.Model]
    values: Mapping[str, Any]


@cache
def _attnames(model: type[models.Model]) -> frozenset[str]:
    for f in _fields(model):
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            raise TypeError(f"{f} sets its value when saved: insert an instance")
        if isinstance(f, models.FileField):
            raise TypeError(f"{f} stores a file when saved: insert an instance")
    return frozenset(f.attname for f in _fields(model))


def _row_values(row: Row, connection: BaseDatabaseWrapper, skip: Any) -> list:
    unknown = row.values.keys() - _attnames(row.model)
    if unknown:
        raise TypeError(f"{row.model.__name__} has no field {', '.join(sorted(unknown))}")
    values = []
    for f, attname, as_is in _plan(row.model):
        if f.name in skip:
            continue
        value = row.values[attname] if attname in row.values else f.get_default()
        if type(value) not in as_is:
            value = f.get_db_prep_save(value, connection)
        values.append(value)
    return values


def _values(instance: Any, connection: BaseDatabaseWrapper, skip: Any = ()) -> list:
    if isinstance(instance, Row):
        return _row_values(instance, connection, skip)
    model: type[models.Model] = type(instance)
    values = []
    for f, attname, as_is in _plan(model):
        if f.name in skip:
            continue
        value = getattr(instance, attname)
        if type(value) not in as_is:
            value = f.get_db_prep_save(f.pre_save(instance, True), connection)
        values.append(value)
    return values


def _stored(instance: Any, pk: Any, using: str) -> Any:
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = using
    return instance


def insert(instance: Any, using: str = "default") -> Any:
    """Store a new instance (its pk is set) and return it."""
    connection = connections[using]
    model: type[models.Model] = type(instance)
    row = prepared.fetch_one(_statement(model, using), _values(instance, connection), using)
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


def _model(item: Any) -> type[models.Model]:
    return item.model if isinstance(item, Row) else type(item)


def insert_family(
    parent: Any,
    dependents: Sequence[tuple[Any, Mapping[str, Derived]]],
    *,
    condition: Derived = ("", ()),
    using: str = "default",
) -> bool:
    """Store a new instance and rows that point to it in ONE statement (one round trip, one
    transaction of its own outside ``atomic``). PostgreSQL only: see ``family_supported``.

    Each dependent (an instance or a ``Row``) comes with the fields computed from the parent's
    new key, as SQL over ``{pk}`` with parameters (a foreign key to the parent is
    ``("{pk}", ())``). ``condition`` (SQL, parameters) is checked in the same statement: when
    it is false nothing is stored and False is returned. Otherwise the parent's pk is set and
    True is returned.
    """
    connection = connections[using]
    if not family_supported(using):
        raise NotSupportedError(f"insert_family needs PostgreSQL, not {connection.vendor}")
    shape = tuple(
        (_model(item), tuple((name, sql) for name, (sql, _params) in derived.items()))
        for item, derived in dependents
    )
    model: type[models.Model] = type(parent)
    sql = _family_statement(model, shape, condition[0], using)
    params = [*_values(parent, connection), *condition[1]]
    for instance, derived in dependents:
        params += _values(instance, connection, skip=derived)
        for _sql, extra in derived.values():
            params += extra
    row = prepared.fetch_one(sql, params, using)
    if row is None:
        return False
    _stored(parent, row[0], using)
    return True
