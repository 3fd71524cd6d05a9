"""Work the minute clock runs for apps above ``cases`` (which owns ``manage.py clock_tick``).

An app registers a job in its ``AppConfig.ready``; ``clock_tick`` runs every registered job
after its own sweeps. Jobs must be idempotent and cheap when there is nothing to do: the
clock runs every minute and may run twice at once.
"""

from __future__ import annotations

from collections.abc import Callable

Job = Callable[[], str | None]
_JOBS: dict[str, Job] = {}


def register(name: str, job: Job) -> None:
    """Adds (or replaces, on a reload) the job under ``name``; it returns a line for the log."""
    _JOBS[name] = job


def run_all() -> list[str]:
    """Runs every registered job in the order registered; returns their log lines."""
    return [line for job in list(_JOBS.values()) if (line := job())]
