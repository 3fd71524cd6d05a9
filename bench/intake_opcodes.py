"""Python opcodes per request for bench/intake.py's three endpoints, in-process.

CPU time on a shared machine drifts by a third within a minute, so small changes to the
intake's code cannot be compared by timing them. The number of Python opcodes a request runs
varies by less than 1% between runs (caches kept a minute are now and then read again): this
counts them (``sys.settrace`` with opcode events) for the bare
view, the durable reference and the intake, through Django's WSGI handler, on PostgreSQL (a
throw-away server as bench/intake.py starts, unless DATABASE_URL names one). Work done in C
(psycopg's libpq calls, encryption, regular expressions) is not counted, nor the notifier's
wake-up (apart: at the bench's load it comes with about one report in fifty). Usage:

    .venv/bin/python bench/intake_opcodes.py
"""

import io
import json
import os
import secrets
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import intake  # noqa: E402

REQUESTS = 20  # counted per endpoint, after every school has been seen once


def count(run: Callable[[], None]) -> float:
    """Opcodes per call of ``run``, over REQUESTS calls."""
    seen = [0]

    def trace(frame: FrameType, event: str, arg: Any) -> Any:
        frame.f_trace_opcodes = True
        if event == "opcode":
            seen[0] += 1
        return trace

    sys.settrace(trace)
    try:
        for _ in range(REQUESTS):
            run()
    finally:
        sys.settrace(None)
    return seen[0] / REQUESTS


def measure(database_url: str, tmp: Path) -> None:
    env = intake.haven_env(database_url, tmp)
    os.environ.update(env)
    school_id, prefix = intake.setup(env)

    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler

    handler = WSGIHandler()
    story = (intake.ROOT / "bench" / "intake.lua").read_text()  # the same report text
    text = " ".join(part.split('"')[1] for part in story.split("story = ")[1].split("\n")[:3])
    sent = [0]

    def call(path: str, method: str, body: dict[str, Any] | None = None) -> None:
        raw = json.dumps(body).encode() if body is not None else b""
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "HTTP_HOST": "127.0.0.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(raw),
            "wsgi.errors": sys.stderr,
            "CONTENT_LENGTH": str(len(raw)),
            "CONTENT_TYPE": "application/json",
        }
        response = handler(environ, lambda *_args: lambda _data: None)
        response.close()  # as a WSGI server does: the request_finished signal
        if response.status_code >= 300:
            sys.exit(f"{path} answered {response.status_code}")

    def report(durable: bool) -> dict[str, Any]:
        sent[0] += 1
        return {
            "school": f"{prefix}{sent[0] % intake.BENCH_SCHOOLS}",
            **({"school_id": school_id} if durable else {}),
            "description": f"Bench report {sent[0]}. {text}",
            "affected": "me",
            "reporter_role": "pupil",
            "harms": ["verbal"],
            "place": "yard",
            "submission_token": secrets.token_hex(8),
        }

    endpoints = {
        "hello": lambda: call("/bench/hello/", "GET"),
        "durable": lambda: call("/bench/durable/", "POST", report(True)),
        "intake": lambda: call("/api/v1/reports", "POST", report(False)),
    }
    for _ in range(intake.BENCH_SCHOOLS + 100):  # each school once: the per-process caches
        endpoints["intake"]()
    for run in endpoints.values():
        run()
    # The notifier's wake-up runs at most twice a second per process, whichever report comes:
    # counted apart, or the count per report would depend on how long the counting took.
    from haven.intake import services

    services._notifier_queued_until = float("inf")
    for name, run in endpoints.items():
        print(f"{name:<8} {count(run):>9,.0f} opcodes per request")
    services._notifier_queued_until = 0.0
    wake = count(services._wake_notifier) * REQUESTS  # queues once, then returns at once
    print(f"notifier wake-up: {wake:,.0f} opcodes, at most twice a second per process")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="haven-opcodes.") as tmp:
        url = os.environ.get("DATABASE_URL", "")
        if url:
            measure(url, Path(tmp))
        else:
            with intake.postgres() as url:
                measure(url, Path(tmp))


if __name__ == "__main__":
    main()
