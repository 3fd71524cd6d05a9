"""Reads of reports, always for an acting user and through the access module."""

from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from haven.intake.models import PublicStatus, Report, Status
from haven.lib import prepared
from haven.lib.errors import NotFound
from haven.lib.i18n import pick
from haven.lib.ttlcache import cached
from haven.orgs import access
from haven.orgs.access import Perm
from haven.orgs.models import Jurisdiction, OrgUnit, path_depth
from haven.orgs.types import Viewer


@dataclass
class InboxFilter:
    status: str = ""
    harm: str = ""
    channel: str = ""
    class_unit: int | None = None
    urgent: bool | None = None
    school: int | None = None


def report_visible(*, user: Viewer) -> QuerySet[Report]:
    """Every report of the schools where the user reads reports (the school's own staff);
    above the school only the reports behind a case raised to the user's level (escalated or
    appealed: the cases app's rule, asked by name) and the reports raised to it by the urgent
    path or an overdue first response, never a county's list of reports."""
    condition = Q(school__in=access.units(user, Perm.REPORT_VIEW))
    for path in access.paths_with(user, Perm.REPORT_RAISED):
        # told at the level of the unit the role is held on, or higher: the levels between
        # were told or skipped (they had nobody)
        condition |= Q(school__path__startswith=path, raised_depth__lte=path_depth(path))
    raised = access.rule("cases.raised")(user)
    if raised is not None:
        condition |= Q(pk__in=Report.objects.filter(cases__in=raised).values("pk"))
    return Report.objects.filter(condition)


def report_inbox(*, user: Viewer, filters: InboxFilter) -> QuerySet[Report]:
    """New reports first, urgent before others, then newest first."""
    reports = report_visible(user=user).select_related("school", "class_unit")
    if filters.status:
        reports = reports.filter(status=filters.status)
    if filters.channel:
        reports = reports.filter(channel=filters.channel)
    if filters.harm:
        # The JSON list's text holds each code in quotes; this works on SQLite and PostgreSQL.
        reports = reports.filter(harms__icontains=f'"{filters.harm}"')
    if filters.class_unit:
        reports = reports.filter(class_unit_id=filters.class_unit)
    if filters.urgent is not None:
        reports = reports.filter(urgent=filters.urgent)
    if filters.school:
        reports = reports.filter(school_id=filters.school)
    new_first = Case(
        When(status=Status.NEW, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return reports.order_by(new_first, "-urgent", "-created_at")


def report_get(*, user: Viewer, pk: int) -> Report:
    report = (
        report_visible(user=user)
        .select_related("school__jurisdiction", "class_unit", "merged_into", "entered_by")
        .filter(pk=pk)
        .first()
    )
    if report is None:
        raise NotFound()
    return report


def report_ids_with_merged(ids: set[int]) -> set[int]:
    """``ids`` and every report merged into them, along the chain (a case's conversations:
    the caller already may see the reports ``ids``)."""
    ids, frontier = set(ids), set(ids)
    while frontier:
        frontier = set(
            Report.objects.filter(merged_into__in=frontier, status=Status.MERGED)
            .exclude(pk__in=ids)
            .values_list("pk", flat=True)
        )
        ids |= frontier
    return ids


def report_outcome(*, report: Report) -> dict[str, str] | None:
    """What the reporter reads of the case's outcome, in the language being spoken, once the
    case is closed (``report`` was found by its receipt: the reporter's own)."""
    if report.public_status != PublicStatus.CLOSED or not report.outcome:
        return None
    names = report.outcome.get("names") or {}
    return {"text": pick(names) if names else "", "note": report.outcome.get("note", "")}


def report_timeline(*, report: Report) -> list[Any]:
    """Events and messages of one report, oldest first (the caller already may see it).

    The first entry, "report received", is not stored: the report row holds all it says.
    """
    events = [report.submitted_event(), *report.events.select_related("actor")]
    messages = list(report.messages.select_related("author"))
    return sorted(events + messages, key=lambda item: (item.created_at, item.pk))


def schools_for_entry(*, user: Viewer) -> QuerySet[OrgUnit]:
    return access.units(user, Perm.REPORT_CREATE).filter(kind=OrgUnit.Kind.SCHOOL).order_by("name")


def schools_for_triage(*, user: Viewer) -> QuerySet[OrgUnit]:
    return access.units(user, Perm.REPORT_VIEW).filter(kind=OrgUnit.Kind.SCHOOL).order_by("name")


def merge_candidates(*, user: Viewer, report: Report) -> QuerySet[Report]:
    return (
        report_visible(user=user)
        .filter(school=report.school)
        .exclude(pk=report.pk)
        .exclude(status=Status.MERGED)
        .order_by("-created_at")[:50]
    )


def poster_school_get(*, user: Viewer, pk: int) -> OrgUnit:
    """A school the user may make posters for; any other is not found (not forbidden)."""
    school = (
        access.units(user, Perm.POSTER_MAKE)
        .filter(kind=OrgUnit.Kind.SCHOOL, pk=pk)
        .select_related("jurisdiction")
        .first()
    )
    if school is None:
        raise NotFound()
    return school


def poster_class_get(*, user: Viewer, school: OrgUnit, pk: int) -> OrgUnit:
    """A class of ``school`` the user may make posters for."""
    class_unit = (
        access.units(user, Perm.POSTER_MAKE)
        .subtree_of(school)
        .filter(kind=OrgUnit.Kind.CLASS, pk=pk)
        .first()
    )
    if class_unit is None:
        raise NotFound()
    return class_unit


def poster_coverage(*, user: Viewer, school: OrgUnit) -> tuple[int, int]:
    """(classes with a poster produced, all classes) of a school the user may see."""
    if not access.can(user, Perm.UNIT_VIEW, school):
        raise NotFound()
    classes = OrgUnit.objects.subtree_of(school).filter(kind=OrgUnit.Kind.CLASS)
    return classes.filter(poster_prints__isnull=False).distinct().count(), classes.count()


# What the public routes read of a school; the rest (its creation time) loads if asked for.
# (In the model's order, as Model.from_db needs.)
_SCHOOL_FIELDS = tuple(f.attname for f in OrgUnit._meta.concrete_fields if f.name != "created_at")


_CODE = _SCHOOL_FIELDS.index("code")
# How long a process trusts what it read of the schools (a new code is found at once anyway).
DIRECTORY_SECONDS = 60


@cache
def _school_sql(one: bool) -> str:
    meta, qn = OrgUnit._meta, connection.ops.quote_name
    sql = f"SELECT {', '.join(qn(name) for name in _SCHOOL_FIELDS)} FROM {qn(meta.db_table)}"  # noqa: S608
    sql += f" WHERE {qn('kind')} = %s"
    return sql + f" AND UPPER({qn('code')}) = %s" if one else sql  # the unique index's expression


def _school_directory() -> dict[str, tuple[Any, ...]]:
    """Every school's row by its code in capitals, read at most once a minute per process.

    A country's reports spread over thousands of schools, so a process asked for one school
    at a time would mostly not have seen it in the last minute: under load the extra query
    for each cost a fifth of the intake's throughput. All schools in one read cost about what
    a few hundred single reads do, and the rows (no model instances) stay small.
    """

    def load() -> dict[str, tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(_school_sql(False), [OrgUnit.Kind.SCHOOL.value])
            return {row[_CODE].upper(): tuple(row) for row in cursor.fetchall()}

    return cached(("schools",), DIRECTORY_SECONDS, load)


def school_by_code(code: str) -> OrgUnit | None:
    """The school behind a public report address, in any case, or None.

    From the directory above; a code missing there (a school added in the last minute, or a
    wrong code) is looked up alone, with one prepared statement.
    """
    key = code.upper()
    row = _school_directory().get(key)
    if row is None:
        row = prepared.fetch_one(_school_sql(True), [OrgUnit.Kind.SCHOOL.value, key])
        if row is None:
            return None
    school = OrgUnit.from_db("default", _SCHOOL_FIELDS, row)
    school.jurisdiction = jurisdiction_by_id(school.jurisdiction_id)
    return school


def jurisdiction_by_id(pk: int) -> Jurisdiction:
    """A jurisdiction (a few per installation), cached: every public report asks."""
    return cached(("jurisdiction", pk), 60, lambda: Jurisdiction.objects.get(pk=pk))


def class_by_code(school: OrgUnit, code: str) -> OrgUnit | None:
    return school.children.filter(kind=OrgUnit.Kind.CLASS, code__iexact=code).first()
