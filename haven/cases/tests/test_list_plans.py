"""The inspector's lists read escalated and appealed cases through an index, not every case
of their schools (bench/cases.py: 1,000,000 cases, a county of 50,000, 57 ms to ~22 ms).

SQLite plans without statistics, so its plan here is the plan at scale. PostgreSQL plans
from statistics that a test database cannot have: there, only no scan of cases is asserted.
"""

from django.db import connection

from haven.cases import selectors


def plan_of(queryset):
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            return " ".join(str(row[3]) for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return " ".join(row[0] for row in cursor.fetchall())


def assert_reads_escalated_cases_by_index(plan):
    if connection.vendor == "sqlite":
        assert "case_escalated_idx" in plan, plan
    else:
        assert "Seq Scan on cases_case" not in plan, plan


def test_inspector_overdue_list_starts_from_escalated_cases(tree):
    assert_reads_escalated_cases_by_index(
        plan_of(selectors.overdue_timers(user=tree.users["inspector"])[:100])
    )


def test_inspector_open_cases_start_from_escalated_cases(tree):
    assert_reads_escalated_cases_by_index(
        plan_of(selectors.case_list(user=tree.users["inspector"], open_only=True)[:50])
    )
