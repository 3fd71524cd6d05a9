"""The pupil's survey answered page by page through the real views (/s/, test client).

    .venv/bin/python bench/survey_pages.py                 # this tree against HEAD~ (side by side)
    .venv/bin/python bench/survey_pages.py --baseline REV  # this tree against any git revision
    .venv/bin/python bench/survey_pages.py --profile       # cProfile of this tree, top functions

Side by side, in one run: the baseline revision is exported (``git archive``) to a temporary
folder and both trees are measured by this same script, alternately (``--rounds``, 5), each
run in its own process on its own fresh SQLite database, with the same answers; the median
run of each tree is reported. Per tree: surveys per CPU-second of the process (one survey =
start, one POST per page, submit; CPU time, because a shared machine makes wall time tell
its load more than the code), surveys per wall-clock second, milliseconds per page request
and database queries per survey. HAVEN_BENCH_PAGES_SURVEYS sets the number of surveys (150).
The profile (``--profile``) honours HAVEN_BENCH_PROFILE_SORT (cumulative) and
HAVEN_BENCH_PROFILE_FILTER (e.g. "haven").
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parents[1]
SURVEYS = int(os.environ.get("HAVEN_BENCH_PAGES_SURVEYS", "150"))


def _setup_django(root: Path) -> None:
    sys.path.insert(0, str(root))
    workdir = tempfile.mkdtemp(prefix="bench-survey-pages-")
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haven.settings")
    os.environ.setdefault("HAVEN_TASKS_BACKEND", "django_tasks.backends.dummy.DummyBackend")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _prepare(count: int) -> tuple[list[str], Any]:
    import datetime as dt

    from django.conf import settings
    from django.utils import timezone

    from haven.orgs.tests.factories import build_tree
    from haven.surveys import services

    settings.HAVEN_SURVEY_CODE_FAILURES = 10**9
    tree = build_tree()
    coordinator = tree.users["coordinator"]
    now = timezone.now()
    campaign = services.campaign_create(
        actor=coordinator,
        school=tree.school_a,
        title="Bench",
        classes=None,
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=1),
        school_questions=[
            {"code": "school_1", "text": {"en": "Is the lunch break calm?"}, "kind": "text"}
        ],
    )
    texts: list[str] = []
    while len(texts) < count:
        texts += services.codes_generate(
            actor=coordinator,
            campaign=campaign,
            class_unit=tree.class_a,
            count=min(200, count - len(texts)),
        )
    return texts, campaign


RADIO = re.compile(r'type="radio" name="q_(\w+)" value="(\d+)"')
TEXT = re.compile(r'<textarea name="q_(\w+)"')
PAGE = re.compile(r'name="page" value="(\d+)"')


FORM = "application/x-www-form-urlencoded"


def _post(client: Any, data: dict[str, str]) -> Any:
    """As a browser sends a form (urlencoded; the test client would send multipart)."""
    return client.post("/s/", urlencode(data), content_type=FORM)


def _answer_one(client: Any, text: str, rng: Any) -> int:
    """One survey, as a browser posts it: each answer is read off the page shown (radio
    buttons and text boxes), "Next" until the page offers "Send my answers". Returns the
    number of requests."""
    base = {"code": text, "lang": "en"}
    page = _post(client, {**base, "action": "start"})
    requests = 1
    for _ in range(30):
        assert page.status_code == 200, page.status_code
        html = page.content.decode()
        choices: dict[str, list[str]] = {}
        for code, value in RADIO.findall(html):
            choices.setdefault(code, []).append(value)
        posted = {f"q_{code}": rng.choice(values) for code, values in choices.items()}
        posted.update({f"q_{code}": "calm" for code in TEXT.findall(html)})
        action = "submit" if 'value="submit"' in html else "next"
        number = PAGE.search(html).group(1)  # type: ignore[union-attr]
        page = _post(client, {**base, "page": number, "action": action, **posted})
        requests += 1
        if action == "submit":
            assert "Thank you" in page.content.decode(), page.status_code
            return requests
    raise AssertionError("the survey never offered to send the answers")


def measure(count: int, profile: bool) -> dict[str, Any]:
    import random

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    texts, _campaign = _prepare(count + 10)
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client(secure=True)
    rng = random.Random(7)
    for text in texts[:5]:  # warm up: templates, instrument file, translations
        _answer_one(client, text, rng)
    rng = random.Random(11)
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
    requests = 0
    start, cpu_start = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    for text in texts[5:-5]:
        requests += _answer_one(client, text, rng)
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    # Queries counted apart, on five more surveys (capturing them slows the timed run).
    with CaptureQueriesContext(connection) as queries:
        for text in texts[-5:]:
            _answer_one(client, text, rng)
    view_queries = len(queries.captured_queries) / 5 * count
    if profiler:
        import pstats

        order = os.environ.get("HAVEN_BENCH_PROFILE_SORT", "cumulative")
        only = os.environ.get("HAVEN_BENCH_PROFILE_FILTER", "")
        pstats.Stats(profiler, stream=sys.stderr).sort_stats(order).print_stats(only, 45)
    return {
        "surveys": count,
        "requests": requests,
        "seconds": seconds,
        "surveys_per_s": count / seconds,
        "surveys_per_cpu_s": count / cpu,
        "ms_per_request": seconds / requests * 1000,
        "queries_per_survey": view_queries / count,
    }


def _run_tree(root: Path, count: int) -> dict[str, Any]:
    env = {**os.environ, "HAVEN_BENCH_PAGES_ROOT": str(root)}
    out = subprocess.run(
        [sys.executable, str(HERE / "bench" / "survey_pages.py"), "--measure", str(count)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        cwd=root,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline", default="HEAD~")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--measure", type=int)
    args = parser.parse_args()
    if args.measure is not None or args.profile:
        root = Path(os.environ.get("HAVEN_BENCH_PAGES_ROOT", HERE))
        _setup_django(root)
        result = measure(args.measure or SURVEYS, args.profile)
        print(json.dumps(result))
        return
    with tempfile.TemporaryDirectory(prefix="bench-survey-baseline-") as folder:
        archive = subprocess.run(
            ["git", "archive", args.baseline], cwd=HERE, check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
        locale = HERE / "locale"
        # Compiled messages are not in git: the baseline uses this tree's.
        subprocess.run(["cp", "-r", str(locale), folder], check=True)
        trees = [(f"baseline {args.baseline}", Path(folder)), ("this tree", HERE)]
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name, _root in trees}
        # Alternated, so that load from anything else on the machine falls on both alike.
        for _round in range(args.rounds):
            for name, root in trees:
                runs[name].append(_run_tree(root, SURVEYS))
    print(
        f"{SURVEYS} surveys answered page by page through /s/ (test client, SQLite), "
        f"median of {args.rounds} alternated runs"
    )
    print(
        f"{'':<22}{'surveys/CPU-s':>14}{'surveys/s':>11}{'ms/request':>12}{'queries/survey':>16}"
        "  runs (surveys/CPU-s)"
    )
    rows = []
    for name, results in runs.items():
        # CPU time of the process: the machine may be shared, wall time then tells the load.
        median = sorted(results, key=lambda r: r["surveys_per_cpu_s"])[len(results) // 2]
        rows.append((name, median))
        every = ", ".join(f"{r['surveys_per_cpu_s']:.1f}" for r in results)
        print(
            f"{name:<22}{median['surveys_per_cpu_s']:>14.1f}{median['surveys_per_s']:>11.1f}"
            f"{median['ms_per_request']:>12.2f}{median['queries_per_survey']:>16.1f}  {every}"
        )
    before, after = rows[0][1], rows[1][1]
    print(f"speed-up (CPU): x{after['surveys_per_cpu_s'] / before['surveys_per_cpu_s']:.2f}")


if __name__ == "__main__":
    main()
