"""One insights refresh in its own process, as the worker runs it (for bench/insights.py).

argv: the benchmark's "now" (ISO 8601) and "full" or "incremental". Prints the seconds the
refresh itself took; the parent reads this process's peak RSS from the kernel (``os.wait4``).
"""

import datetime as dt
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import bench.production  # noqa: E402, F401  (production settings: no debug cursor)

os.environ.setdefault("HAVEN_TASKS_BACKEND", "django_tasks.backends.dummy.DummyBackend")

import django  # noqa: E402

django.setup()

from haven.insights.refresh import refresh  # noqa: E402

now = dt.datetime.fromisoformat(sys.argv[1])
start = time.perf_counter()
refresh(full=sys.argv[2] == "full", now=now)
print(time.perf_counter() - start)
