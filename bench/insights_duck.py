"""The reference for the ministry dashboard: DuckDB computing the same figures by scanning the
raw rows, exported to Parquet.

Run by ``bench/insights.py`` as a child process (so DuckDB's memory is not counted in the
refresh's peak RSS, and Haven's process never imports it):

    python bench/insights_duck.py DIR START END NOW REPEAT

DIR holds the CSV exports (schools, reports, cases, timers); they are converted once to
Parquet (timed apart), then every run scans the Parquet files and computes, for the country
and each county, the report, case and deadline figures of START .. END (days, UTC: the bench
jurisdiction's time zone). Prints one JSON object: the median time of REPEAT runs, the
conversion time and the figures.
"""

import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path

import duckdb

TABLES = {
    "schools": {"school_id": "BIGINT", "county_id": "BIGINT"},
    "reports": {
        "school_id": "BIGINT",
        "created_at": "TIMESTAMP",
        "urgent": "BOOLEAN",
        "anonymous": "BOOLEAN",
        "channel": "VARCHAR",
        "harms": "VARCHAR",
        "place": "VARCHAR",
        "reporter_role": "VARCHAR",
        "first_responded_at": "TIMESTAMP",
    },
    "cases": {
        "school_id": "BIGINT",
        "opened_at": "TIMESTAMP",
        "closed_at": "TIMESTAMP",
        "case_type": "VARCHAR",
        "severity": "VARCHAR",
        "determination": "VARCHAR",
    },
    "timers": {"school_id": "BIGINT", "due_at": "TIMESTAMP", "stopped_at": "TIMESTAMP"},
}

# The same definitions as haven/insights/refresh.py (facts), in SQL over views of the
# Parquet files (each run scans them); $lo and $hi bound the range, $now is the refresh's now.
REPORTS = """
    WITH r AS (
        SELECT r.*, s.county_id FROM reports r JOIN schools s USING (school_id)
        WHERE created_at >= $lo AND created_at < $hi
    )
    SELECT county_id, code, breakdown, count(*) FROM (
        SELECT county_id, 'reports.total' code, '' breakdown FROM r
        UNION ALL SELECT county_id, 'reports.urgent', '' FROM r WHERE urgent
        UNION ALL SELECT county_id, 'reports.anonymous', '' FROM r WHERE anonymous
        UNION ALL SELECT county_id, 'reports.by_channel', channel FROM r
        UNION ALL SELECT county_id, 'reports.by_place', coalesce(nullif(place, ''), 'unknown')
            FROM r
        UNION ALL SELECT county_id, 'reports.by_reporter_role',
            coalesce(nullif(reporter_role, ''), 'unknown') FROM r
        UNION ALL SELECT county_id, 'reports.first_response',
            CASE WHEN first_responded_at IS NULL THEN 'none'
            WHEN epoch(first_responded_at - created_at) / 3600 <= 1 THEN '0-1h'
            WHEN epoch(first_responded_at - created_at) / 3600 <= 4 THEN '1-4h'
            WHEN epoch(first_responded_at - created_at) / 3600 <= 24 THEN '4-24h'
            WHEN epoch(first_responded_at - created_at) / 3600 <= 72 THEN '1-3d'
            ELSE 'over3d' END
            FROM r
        UNION ALL SELECT county_id, 'reports.by_harm',
            unnest(json_extract_string(harms, '$[*]')) FROM r
    ) GROUP BY GROUPING SETS ((county_id, code, breakdown), (code, breakdown))
"""
CASES = """
    WITH c AS (SELECT c.*, s.county_id FROM cases c JOIN schools s USING (school_id)),
    opened AS (SELECT * FROM c WHERE opened_at >= $lo AND opened_at < $hi),
    closed AS (SELECT * FROM c WHERE closed_at >= $lo AND closed_at < $hi)
    SELECT county_id, code, breakdown, count(*) FROM (
        SELECT county_id, 'cases.opened' code, '' breakdown FROM opened
        UNION ALL SELECT county_id, 'cases.by_type', coalesce(nullif(case_type, ''), 'unknown')
            FROM opened
        UNION ALL SELECT county_id, 'cases.by_severity',
            coalesce(nullif(severity, ''), 'unknown') FROM opened
        UNION ALL SELECT county_id, 'cases.closed', '' FROM closed
        UNION ALL SELECT county_id, 'cases.by_determination',
            coalesce(nullif(determination, ''), 'none') FROM closed
        UNION ALL SELECT county_id, 'cases.duration',
            CASE WHEN epoch(closed_at - opened_at) / 86400 <= 30.5 THEN '0-1m'
            WHEN epoch(closed_at - opened_at) / 86400 <= 91.5 THEN '1-3m'
            WHEN epoch(closed_at - opened_at) / 86400 <= 183 THEN '3-6m'
            ELSE 'over6m' END
            FROM closed
        UNION ALL SELECT county_id, 'cases.open_at_end', '' FROM c
            WHERE opened_at < $hi AND (closed_at IS NULL OR closed_at >= $hi)
    ) GROUP BY GROUPING SETS ((county_id, code, breakdown), (code, breakdown))
"""
DEADLINES = """
    SELECT county_id, code, '' breakdown, count(*) FROM (
        SELECT county_id, CASE WHEN stopped_at IS NOT NULL AND stopped_at <= due_at
            THEN 'deadlines.met' ELSE 'deadlines.missed' END code
        FROM timers t JOIN schools s USING (school_id)
        WHERE due_at >= $lo AND due_at < $hi AND (stopped_at IS NOT NULL OR due_at <= $now)
    ) GROUP BY GROUPING SETS ((county_id, code), (code))
"""


def main() -> None:
    d, lo, hi, now, repeat = Path(sys.argv[1]), *sys.argv[2:5], int(sys.argv[5])
    con = duckdb.connect()
    start = time.perf_counter()
    for name, columns in TABLES.items():
        types = ", ".join(f"'{c}': '{t}'" for c, t in columns.items())
        con.execute(
            f"COPY (SELECT * FROM read_csv('{d}/{name}.csv', header = true, "  # noqa: S608
            f"columns = {{{types}}})) TO '{d}/{name}.parquet' (FORMAT parquet)"
        )
    convert = time.perf_counter() - start
    for name in TABLES:
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM '{d}/{name}.parquet'")  # noqa: S608
    params = {"lo": dt.datetime.fromisoformat(lo), "hi": dt.datetime.fromisoformat(hi)}
    params["now"] = dt.datetime.fromisoformat(now)

    def run() -> dict[str, dict[str, dict[str, int]]]:
        out: dict[str, dict[str, dict[str, int]]] = {}
        for sql in (REPORTS, CASES, DEADLINES):
            wanted = {k: v for k, v in params.items() if f"${k}" in sql}
            for county, code, breakdown, n in con.execute(sql, wanted).fetchall():
                unit = "country" if county is None else str(county)
                out.setdefault(unit, {}).setdefault(code, {})[breakdown] = n
        return out

    figures = run()
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        runs.append(time.perf_counter() - start)
    print(
        json.dumps(
            {
                "ms": statistics.median(runs) * 1000,
                "convert_s": convert,
                "figures": figures,
            }
        )
    )


if __name__ == "__main__":
    main()
