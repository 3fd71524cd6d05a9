"""Benchmarks, run with `make bench`. Figures are ratios measured side by side in one run.

subtree: the materialised-path range query that every access check and roll-up uses,
against walking the tree level by level with one query per level (the obvious alternative).
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import bench.production  # noqa: E402, F401  (production settings: no debug cursor)

if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from bench.national import build  # noqa: E402
from haven.orgs.models import OrgUnit  # noqa: E402


def timed(fn, repeat: int = 7) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def by_path(unit: OrgUnit) -> int:
    return len(list(OrgUnit.objects.subtree_of(unit).values_list("pk", flat=True)))


def by_levels(unit: OrgUnit) -> int:
    found, frontier = [unit.pk], [unit.pk]
    while frontier:
        frontier = list(OrgUnit.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        found.extend(frontier)
    return len(found)


def main() -> None:
    call_command("migrate", verbosity=0)
    # 50 counties x 20 zones x 50 schools = 50,000 schools, 3 classes each.
    country = build(counties=50, zones=20, schools=50, classes=3)
    county = OrgUnit.objects.filter(parent=country).order_by("path").first()
    zone = OrgUnit.objects.filter(parent=county).order_by("path").first()
    total = OrgUnit.objects.count()
    print(f"database: {django.db.connection.vendor}; {total:,} units")
    print(f"{'subtree of':<10} {'units':>9} {'path (ms)':>10} {'levels (ms)':>12} {'ratio':>7}")
    for label, unit in (("zone", zone), ("county", county), ("country", country)):
        assert by_path(unit) == by_levels(unit)
        fast, slow = timed(lambda u=unit: by_path(u)), timed(lambda u=unit: by_levels(u))
        print(
            f"{label:<10} {by_path(unit):>9,} {fast * 1000:>10.1f} {slow * 1000:>12.1f}"
            f" {slow / fast:>6.1f}x"
        )


if __name__ == "__main__":
    main()
