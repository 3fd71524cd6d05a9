"""The embedded default holds concurrent writers: 8 threads of anonymous reports and
follow-ups against Haven on a SQLite file, served by two processes of four threads each with
the task worker beside them, as `make run` and a small production would run it.

The server is its own process on its own SQLite file, whatever database the suite runs on
(CI's is PostgreSQL): this is the embedded default's test, and it always runs.
"""

import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
THREADS = 8
SECONDS = 4.0


def environment(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("HAVEN_") and k not in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'haven.sqlite3'}",
        HAVEN_VAR_DIR=str(tmp_path),
        # The rate limits are not what is measured here.
        HAVEN_REPORTS_PER_SCHOOL="1000000",
        HAVEN_REPORTS_OVERALL="1000000",
        HAVEN_FOLLOWUP_FAILURES_OVERALL="1000000",
        HAVEN_LOG_LEVEL="WARNING",
    )
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, timeout=300
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def post(base: str, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(  # noqa: S310 (our own server on loopback)
        base + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Accept-Language": "en"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, {"body": error.read().decode(errors="replace")[:300]}


def wait_for(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server stopped"
        try:
            urllib.request.urlopen(base + "/en/", timeout=5).close()  # noqa: S310
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the server did not start")


REPORT = {
    "school": "SCH-A",
    "description": "Two boys from 7B push me in the corridor every break.",
    "when": "every break",
    "place": "corridor",
    "harms": ["physical"],
    "affected": "me",
    "reporter_role": "pupil",
}


def test_eight_threads_of_reports_and_follow_ups_on_sqlite_see_no_error(tmp_path):
    env = environment(tmp_path)
    manage(env, "migrate", "--no-input", "-v0")
    manage(
        env, "shell", "-v0", "-c", "from haven.orgs.tests.factories import build_tree\nbuild_tree()"
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "haven.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "2", "--threads", "4", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.05",
         "--no-startup-delay"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    receipts: list[str] = []
    errors: list[Any] = []
    counts = {"reports": 0, "reads": 0, "messages": 0, "refusals": 0}
    lock = threading.Lock()
    try:
        wait_for(base, server)

        def reporter(number: int) -> None:
            mine: list[str] = []
            end = time.monotonic() + SECONDS
            try:
                while time.monotonic() < end:
                    status, body = post(base, "/api/v1/reports", REPORT)
                    if status != 201:
                        errors.append(("report", status, body))
                        continue
                    mine.append(body["receipt"])
                    with lock:
                        receipts.append(body["receipt"])
                        counts["reports"] += 1
                    receipt = mine[len(mine) // 2]  # an older one too, not only the newest
                    status, body = post(base, "/api/v1/reports/follow-up", {"receipt": receipt})
                    if status != 200:
                        errors.append(("read", status, body))
                    status, body = post(
                        base,
                        "/api/v1/reports/follow-up/messages",
                        {"receipt": receipt, "body": f"More from thread {number}."},
                    )
                    if status != 201:
                        errors.append(("message", status, body))
                    # A wrong receipt is refused (and counted: one more writer).
                    status, body = post(base, "/api/v1/reports/follow-up", {"receipt": "nope"})
                    if status != 400:
                        errors.append(("wrong receipt", status, body))
                    with lock:
                        counts["reads"] += 1
                        counts["messages"] += 1
                        counts["refusals"] += 1
            except Exception as exc:
                errors.append(("exception", repr(exc)))

        threads = [threading.Thread(target=reporter, args=(n,)) for n in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert not errors, errors[:5]
        assert counts["reports"] >= THREADS, counts  # each thread got through at least once
        # Nothing acknowledged is lost: every receipt given out reads its report back.
        for receipt in receipts:
            status, body = post(base, "/api/v1/reports/follow-up", {"receipt": receipt})
            assert status == 200, (receipt, status, body)
        # Let the worker finish what the reports queued (the new-report e-mails).
        deadline = time.monotonic() + 60
        db = sqlite3.connect(tmp_path / "haven.sqlite3", timeout=20)
        try:
            while time.monotonic() < deadline:
                waiting = db.execute(
                    "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult"
                    " WHERE status IN ('READY', 'RUNNING')"
                ).fetchone()[0]
                if not waiting:
                    break
                time.sleep(0.2)
            stored = db.execute("SELECT COUNT(*) FROM intake_report").fetchone()[0]
            failed = db.execute(
                "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult WHERE status = 'FAILED'"
            ).fetchone()[0]
        finally:
            db.close()
        assert stored == len(receipts)
        assert failed == 0
    finally:
        for process in (server, worker):
            process.terminate()
        for process in (server, worker):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()
    output = (tmp_path / "server.log").read_text(errors="replace")
    assert "Traceback" not in output, output[-3000:]
    assert "locked" not in output, output[-3000:]
    print(f"\n{counts} in {SECONDS} s with {THREADS} threads")
