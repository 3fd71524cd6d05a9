"""Storing a new report: one path, the same statements on SQLite and PostgreSQL.

A report is two rows, the report and its audit event (the timeline's "received" is the report
row itself), plus any files. The public channel takes bursts from a whole country, so the two
rows are written by INSERT statements built once per model from the model's own fields rather
than by ``Model.save()`` (building the ORM's INSERT anew on each call cost more than the
database did: about a millisecond of Python per row):

- the report: ``INSERT ... SELECT <values> WHERE <per-school limit not reached> RETURNING id``,
  so the anonymous channel's limit is checked in the statement that stores;
- the audit event: ``INSERT ... SELECT <values> FROM intake_report WHERE receipt_lookup = ...``;
  its columns made from the report's new key (``object_id``, ``object_repr``) are the text
  Python's own ``str()`` gives, with the key put in by SQL (``_key_text``): nothing of
  ``Report.__str__`` is written again here.

Both run as one transaction (``prepared.fetch_last``: on PostgreSQL in one round trip); the
audit row returns the report's new key, so only its result is read. ``new`` builds the report
itself as Django builds the rows it reads (by position), the same instance as by keyword.
Values go through the fields' own preparation (``pre_save``, ``get_db_prep_save``, skipped
only where it would return the value unchanged), so defaults, JSON and time zones behave as in
``save()``; signals and ``save()`` overrides are skipped (Report and AuditEvent have none but
the audit's refusal of updates). A test compares every field with rows the ORM stores.
"""

import contextlib
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from itertools import compress, count
from operator import attrgetter, contains, not_
from typing import Any

from django.db import connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.fields import AutoFieldMixin

from haven.audit.models import AuditEvent
from haven.intake.files import CleanFile
from haven.intake.models import Report, ReportAttachment
from haven.lib import prepared

# Anonymous reports of one school since a moment, counted up to a limit (the count's cost does
# not grow with the traffic).
RECENT_SQL = (
    "SELECT COUNT(*) FROM (SELECT 1 FROM intake_report WHERE entered_by_id IS NULL"
    " AND created_at >= %s{school} LIMIT %s) AS recent"
)

# A key no real row has: str() of an instance given this key shows where the key goes.
_MARKER = 987_654_321_987_654_321


@cache
def _fields(model: type[models.Model]) -> tuple[models.Field[Any, Any], ...]:
    meta = model._meta
    return tuple(
        f
        for f in meta.concrete_fields
        if not isinstance(f, models.AutoField) and (f is not meta.pk or not f.auto_created)
    )


# Fields whose stored value is the Python value itself when it has exactly one of these types
# (their preparation only converts other types): a third of the preparation time skipped.
_AS_IS: dict[type[models.Field[Any, Any]], tuple[type, ...]] = {
    models.CharField: (str,),
    models.TextField: (str,),
    models.BooleanField: (bool,),
    models.IntegerField: (int,),
    models.BigIntegerField: (int,),
    models.PositiveSmallIntegerField: (int,),
}
# pre_save methods that only read the attribute (dates' set it only for auto_now, refused).
_READS_ONLY = {models.Field.pre_save, models.DateField.pre_save, models.DateTimeField.pre_save}


def _subclasses(cls: type) -> list[type]:
    return [cls, *(sub for direct in cls.__subclasses__() for sub in _subclasses(direct))]


@cache
def _plan(
    model: type[models.Model], skip: tuple[str, ...] = ()
) -> tuple[tuple[models.Field[Any, Any], str, frozenset[type]], ...]:
    """Each field but ``skip`` with its attribute and the value types it stores as they are."""
    for f in _fields(model):
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            raise TypeError(f"{f} sets its value when saved: use the ORM")
        if isinstance(f, models.FileField):
            raise TypeError(f"{f} stores a file when saved: use the ORM")
    # Text fields store any str as it is, choices too (a status is a TextChoices member). An
    # enum defined after this plan is made is only prepared, to the same value.
    text = (str, *_subclasses(models.TextChoices))
    plan = []
    for f in _fields(model):
        if f.name in skip:
            continue
        as_is: tuple[type, ...] = ()
        if type(f).pre_save in _READS_ONLY:
            if isinstance(f, models.ForeignKey) and isinstance(f.target_field, AutoFieldMixin):
                as_is = (int, type(None))
            else:
                as_is = _AS_IS.get(type(f), ())
                as_is = text if as_is == (str,) else as_is
            if f.null:  # None is NULL whatever the field (five empty dates in a new report)
                as_is += (type(None),)
        plan.append((f, f.attname, frozenset(as_is)))
    return tuple(plan)


@cache
def _columns(
    model: type[models.Model], skip: tuple[str, ...] = ()
) -> tuple[tuple[models.Field[Any, Any], ...], tuple[frozenset[type], ...]]:
    """``_plan``'s fields, and apart the types each stores as they are."""
    plan = _plan(model, skip)
    return tuple(f for f, _a, _t in plan), tuple(as_is for _f, _a, as_is in plan)


@cache
def _read(
    model: type[models.Model], skip: tuple[str, ...] = ()
) -> Callable[[models.Model], tuple[Any, ...]]:
    """Reads every planned attribute of an instance in one call (in C), as a tuple."""
    plan = _plan(model, skip)
    read = attrgetter(*(attname for _f, attname, _t in plan))
    return read if len(plan) > 1 else lambda instance: (read(instance),)


@cache
def _attnames(model: type[models.Model]) -> frozenset[str]:
    """The attributes ``values`` takes: ``_fields``'."""
    return frozenset(f.attname for f in _fields(model))


@cache
def _defaults(
    model: type[models.Model], skip: tuple[str, ...] | None
) -> tuple[tuple[str, ...], tuple[Any, ...], tuple[tuple[int, models.Field[Any, Any]], ...]]:
    """For ``_plan``'s fields (``skip`` None: every concrete field, the constructor's): their
    attribute names; each one's default where it is one value (Django returns that very object
    every time, or None, or ""); and by position the fields whose default is made anew each
    time (``default=dict``, ``timezone.now``, a database default)."""
    fields = tuple(model._meta.concrete_fields) if skip is None else _columns(model, skip)[0]
    made = tuple(
        (i, f)
        for i, f in enumerate(fields)
        if (f.has_default() and callable(f.default)) or f.db_default is not models.NOT_PROVIDED
    )
    anew = {i for i, _f in made}
    fixed = tuple(None if i in anew else f.get_default() for i, f in enumerate(fields))
    return tuple(f.attname for f in fields), fixed, made


def _given(
    model: type[models.Model], skip: tuple[str, ...] | None, values: Mapping[str, Any]
) -> list[Any]:
    """Each of ``_defaults``' fields' value in ``values`` by attribute name, or its default;
    picked in C (a loop over a report's 34 fields was a tenth of its Python work)."""
    attnames, fixed, made = _defaults(model, skip)
    row = list(map(values.get, attnames, fixed))
    for i, f in made:
        if attnames[i] not in values:
            row[i] = f.get_default()
    return row


def new(model: type[models.Model], **values: Any) -> Any:
    """``model(**values)`` for values by attribute name (``school_id``, not ``school``): the
    same instance, defaults included, built the way Django builds the rows it reads
    (``from_db``: every field's value in order; the keyword path costs 55 Python steps a
    field)."""
    unknown = values.keys() - _attnames(model) - {model._meta.pk.attname}
    if unknown:
        raise TypeError(f"{model.__name__} has no field {', '.join(sorted(unknown))}")
    return model(*_given(model, None, values))


def _prepared(
    f: models.Field[Any, Any], instance: models.Model, connection: BaseDatabaseWrapper
) -> Any:
    return f.get_db_prep_save(f.pre_save(instance, True), connection)


def values(
    model: type[models.Model],
    source: models.Model | Mapping[str, Any],
    connection: BaseDatabaseWrapper,
    skip: tuple[str, ...] = (),
) -> list[Any]:
    """The stored values of a new row, in ``_fields`` order without ``skip``: from an instance,
    or from values by attribute name (``org_unit_id``; missing fields take their default)."""
    fields, as_is = _columns(model, skip)
    if isinstance(source, Mapping):
        unknown = source.keys() - _attnames(model)
        if unknown:
            raise TypeError(f"{model.__name__} has no field {', '.join(sorted(unknown))}")
        raw = _given(model, skip, source)
    else:
        raw = list(_read(model, skip)(source))  # a report's 34 fields, read at once
    # Most values are stored as they are: which ones is decided in C; the others are prepared.
    for i in compress(count(), map(not_, map(contains, as_is, map(type, raw)))):
        if isinstance(source, Mapping):
            raw[i] = fields[i].get_db_prep_save(raw[i], connection)
        else:
            raw[i] = _prepared(fields[i], source, connection)
    return raw


@cache
def insert_sql(
    model: type[models.Model],
    derived: tuple[tuple[str, str], ...] = (),
    source: str = "",
    condition: str = "",
    using: str = "default",
    returning: str = "",
) -> str:
    """``INSERT INTO <table> (<every field>) SELECT %s, ... RETURNING <pk>``, from the model's
    fields. ``derived``: (field name, SQL) for fields computed in SQL, after the others;
    ``source``: a FROM clause they read; ``condition``: a WHERE clause."""
    qn = connections[using].ops.quote_name
    names = {name for name, _sql in derived}
    by_name = {f.name: f for f in _fields(model)}
    plain = [f for f in _fields(model) if f.name not in names]
    columns = [qn(f.column) for f in plain] + [qn(by_name[name].column) for name, _ in derived]
    sources = ["%s"] * len(plain) + [sql for _name, sql in derived]
    sql = f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(columns)})"
    sql += f" SELECT {', '.join(sources)}"
    sql += f" FROM {source}" if source else ""
    sql += f" WHERE {condition}" if condition else ""
    return sql + f" RETURNING {qn(returning or model._meta.pk.column)}"


def _key_text(instance: models.Model, text: Any, key_sql: str) -> tuple[str, list[str]]:
    """SQL (and its parameters) for ``text(instance)`` once the instance has the key that
    ``key_sql`` reads: Python makes the text with a marker key, SQL puts the real one in."""
    saved = instance.pk
    instance.pk = _MARKER
    try:
        parts = str(text(instance)).split(str(_MARKER))
    finally:
        instance.pk = saved
    return f" || CAST({key_sql} AS text) || ".join(["%s"] * len(parts)), parts


def report_store(
    report: Report,
    audit: dict[str, Any],
    *,
    files: Sequence[CleanFile] = (),
    limit_since: dt.datetime | None = None,
    limit: int = 0,
    using: str = "default",
) -> bool:
    """Store a new report with its audit event (``audit_values`` of the report, its id and
    name left empty) and files, in one transaction. With ``limit_since``, only if the school
    has had fewer than ``limit`` anonymous reports since then; False when it had (nothing is
    stored). On success the report has its pk."""
    connection = connections[using]
    qn = connection.ops.quote_name
    condition, condition_params = "", []
    if limit_since is not None:
        condition = f"({RECENT_SQL.format(school=' AND school_id = %s')}) < %s"
        condition_params = [limit_since, report.school_id, limit, limit]
    report_sql = insert_sql(Report, condition=condition, using=using)
    report_params = [*values(Report, report, connection), *condition_params]

    key = f"{qn(Report._meta.db_table)}.{qn(Report._meta.pk.column)}"
    repr_max = AuditEvent._meta.get_field("object_repr").max_length
    id_sql = f"CAST({key} AS text)"
    repr_sql, repr_params = _key_text(report, str, key)
    audit_sql = insert_sql(
        AuditEvent,
        derived=(("object_id", id_sql), ("object_repr", f"SUBSTR({repr_sql}, 1, {repr_max})")),
        source=f"{qn(Report._meta.db_table)}",
        condition=f"{qn('receipt_lookup')} = %s",
        using=using,
        # The report's key: the audit row exists only if the report was stored.
        returning=AuditEvent._meta.get_field("object_id").column,
    )
    audit_params = [
        *values(AuditEvent, audit, connection, skip=("object_id", "object_repr")),
        *repr_params,
        report.receipt_lookup,
    ]
    # Files are stored by the ORM (the storage writes them) once the report has its key.
    with transaction.atomic(using=using) if files else contextlib.nullcontext():
        stored = prepared.fetch_last(
            [(report_sql, report_params), (audit_sql, audit_params)], using
        )
        if stored is None:
            return False
        report.pk = int(stored[0])
        report._state.adding, report._state.db = False, using
        for item in files:
            ReportAttachment.objects.using(using).create(
                report=report,
                file=item.content,
                content_type=item.content_type,
                size=item.size,
                sha256=item.sha256,
                from_reporter=report.entered_by_id is None,
            )
    return True
