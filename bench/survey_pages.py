"""The pupil's survey answered page by page through the real views (/s/, test client).

    .venv/bin/python bench/survey_pages.py                 # this tree against HEAD~, side by side
    .venv/bin/python bench/survey_pages.py --baseline REV  # this tree against any git revision
    .venv/bin/python bench/survey_pages.py --profile       # cProfile of this tree, top functions

Side by side, in one run: the baseline revision is exported (``git archive``) to a temporary
folder; one process per tree (each on its own fresh SQLite database, with the same answers)
answers surveys in batches (``--batch``, 10), the two processes taking turns, so load from
anything else on a shared machine falls on both alike. Per tree: surveys per CPU-second of
its process (one survey = start, one POST per page, submit), surveys per wall-clock second,
milliseconds per page request and database queries per survey; then the speed-up overall
and the median over neighbouring pairs of batches. HAVEN_BENCH_PAGES_SURVEYS sets the number
of surveys per tree (150). ``--profile`` honours HAVEN_BENCH_PROFILE_SORT (cumulative) and
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


class Pupils:
    """A campaign's codes and a test client, answering surveys on demand."""

    def __init__(self, count: int):
        import random

        from django.conf import settings
        from django.test import Client

        self.texts, _campaign = _prepare(count + 10)
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        self.client = Client(secure=True)
        self.rng = random.Random(7)
        self.answer(5)  # warm up: templates, instrument file, translations
        self.rng = random.Random(11)

    def answer(self, count: int) -> int:
        requests = 0
        for _ in range(count):
            requests += _answer_one(self.client, self.texts.pop(), self.rng)
        return requests

    def timed(self, count: int) -> dict[str, Any]:
        start, cpu_start = time.perf_counter(), time.process_time()
        requests = self.answer(count)
        return {
            "surveys": count,
            "requests": requests,
            "seconds": time.perf_counter() - start,
            "cpu": time.process_time() - cpu_start,
        }

    def queries(self, count: int = 5) -> float:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            self.answer(count)
        return len(captured.captured_queries) / count


def profile(count: int) -> None:
    import cProfile
    import pstats

    pupils = Pupils(count)
    profiler = cProfile.Profile()
    profiler.enable()
    pupils.answer(count)
    profiler.disable()
    order = os.environ.get("HAVEN_BENCH_PROFILE_SORT", "cumulative")
    only = os.environ.get("HAVEN_BENCH_PROFILE_FILTER", "")
    pstats.Stats(profiler).sort_stats(order).print_stats(only, 45)


def serve(count: int) -> None:
    """Child process: answer batches of surveys when told ("run N", "queries", "quit")."""
    pupils = Pupils(count)
    print("ready", flush=True)
    for line in sys.stdin:
        command = line.split()
        if command[0] == "run":
            print(json.dumps(pupils.timed(int(command[1]))), flush=True)
        elif command[0] == "queries":
            print(json.dumps({"queries_per_survey": pupils.queries()}), flush=True)
        else:
            return


class Tree:
    def __init__(self, name: str, root: Path, count: int):
        self.name = name
        env = {**os.environ, "HAVEN_BENCH_PAGES_ROOT": str(root)}
        script = str(HERE / "bench" / "survey_pages.py")
        self.process = subprocess.Popen(
            [sys.executable, script, "--serve", str(count)],
            env=env,
            cwd=root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.batches: list[dict[str, Any]] = []

    def ask(self, command: str) -> dict[str, Any]:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def wait_ready(self) -> None:
        assert self.process.stdout
        line = self.process.stdout.readline()
        assert line.strip() == "ready", line

    def close(self) -> None:
        assert self.process.stdin
        self.process.stdin.write("quit\n")
        self.process.stdin.flush()
        self.process.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline", default="HEAD~")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--serve", type=int)
    args = parser.parse_args()
    if args.serve is not None or args.profile:
        _setup_django(Path(os.environ.get("HAVEN_BENCH_PAGES_ROOT", HERE)))
        if args.profile:
            profile(SURVEYS)
        else:
            serve(args.serve)
        return
    with tempfile.TemporaryDirectory(prefix="bench-survey-baseline-") as folder:
        archive = subprocess.run(
            ["git", "archive", args.baseline], cwd=HERE, check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
        # Compiled messages are not in git: the baseline uses this tree's.
        subprocess.run(["cp", "-r", str(HERE / "locale"), folder], check=True)
        trees = [
            Tree(f"baseline {args.baseline}", Path(folder), SURVEYS),
            Tree("this tree", HERE, SURVEYS),
        ]
        for tree in trees:
            tree.wait_ready()
        # Batches alternate between the two processes, so that load from anything else on
        # the machine falls on both alike.
        for _ in range(SURVEYS // args.batch):
            for tree in trees:
                tree.batches.append(tree.ask(f"run {args.batch}"))
        queries = [tree.ask("queries")["queries_per_survey"] for tree in trees]
        for tree in trees:
            tree.close()
    print(
        f"{SURVEYS} surveys per tree answered page by page through /s/ (test client, SQLite), "
        f"in alternated batches of {args.batch}"
    )
    print(f"{'':<22}{'surveys/CPU-s':>14}{'surveys/s':>11}{'ms/request':>12}{'queries/survey':>16}")
    totals = []
    for tree, per_survey in zip(trees, queries, strict=True):
        surveys = sum(b["surveys"] for b in tree.batches)
        cpu = sum(b["cpu"] for b in tree.batches)
        wall = sum(b["seconds"] for b in tree.batches)
        requests = sum(b["requests"] for b in tree.batches)
        totals.append(surveys / cpu)
        print(
            f"{tree.name:<22}{surveys / cpu:>14.1f}{surveys / wall:>11.1f}"
            f"{wall / requests * 1000:>12.2f}{per_survey:>16.1f}"
        )
    # Per pair of neighbouring batches: robust to the load changing during the run.
    ratios = sorted(
        a["cpu"] / b["cpu"] for a, b in zip(trees[0].batches, trees[1].batches, strict=True)
    )
    print(
        f"speed-up (CPU): x{totals[1] / totals[0]:.2f} overall, "
        f"x{ratios[len(ratios) // 2]:.2f} median of {len(ratios)} neighbouring batch pairs"
    )


if __name__ == "__main__":
    main()
