"""The intake's CPU per report, in-process: for comparing checkouts side by side.

`bench/intake.py` judges the intake against the minimal durable write over HTTP; on 2 cores the
intake is CPU-bound while the reference waits on fsync, so every bit of CPU added to a report
shows in that ratio. This measures that CPU alone: 1,000 reports through POST /api/v1/reports
with Django's test client (production settings, a throw-away SQLite file), as process time,
min and median of 5 rounds of 200. Usage, for a checkout of any commit that has the API:

    .venv/bin/python bench/intake_cpu.py /path/to/checkout
"""

import json
import os
import secrets
import statistics
import sys
import tempfile
import time

root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
sys.path.insert(0, root)
os.chdir(root)
tmp = tempfile.mkdtemp()
os.environ.update(
    {
        "DATABASE_URL": f"sqlite:///{tmp}/intake-cpu.sqlite3",
        "DJANGO_SETTINGS_MODULE": "haven.settings",
        "HAVEN_DEBUG": "false",
        "HAVEN_SECRET_KEY": secrets.token_urlsafe(50),
        "HAVEN_BASE_URL": "https://127.0.0.1",
        "HAVEN_MASTER_KEY_FILE": f"{tmp}/master.key",
        "HAVEN_MASTER_KEY_GENERATE": "true",
        "HAVEN_REPORTS_OVERALL": str(10**9),
        "HAVEN_REPORTS_PER_SCHOOL": str(10**9),
        "HAVEN_VAR_DIR": tmp,
        "HAVEN_LOG_LEVEL": "ERROR",
    }
)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from haven.orgs.tests.factories import build_tree  # noqa: E402

settings.ALLOWED_HOSTS = ["*"]
settings.SECURE_SSL_REDIRECT = False
call_command("migrate", verbosity=0)
school = build_tree().school_a.code
client = Client(secure=True)


def post(number: int) -> None:
    body = {
        "school": school,
        "description": f"Bench report {number}.",
        "affected": "me",
        "reporter_role": "pupil",
        "harms": ["verbal"],
        "place": "yard",
        "submission_token": f"cpu-{number}",
    }
    answer = client.post("/api/v1/reports", json.dumps(body), content_type="application/json")
    assert answer.status_code in (200, 201), (answer.status_code, answer.content[:300])


for number in range(50):  # warm-up: imports, caches, the school's data key
    post(number)
rounds = []
for round_number in range(5):
    start = time.process_time()
    for number in range(200):
        post(1000 + round_number * 200 + number)
    rounds.append((time.process_time() - start) / 200 * 1000)
print(f"{root}: CPU per report {min(rounds):.2f} ms min, {statistics.median(rounds):.2f} median")
