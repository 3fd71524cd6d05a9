"""Apps above cases add work to the minute clock by registration."""

from django.core.management import call_command

from haven.lib import ticks


def test_clock_tick_runs_registered_jobs(db, capsys):
    seen: list[int] = []

    def job() -> str:
        seen.append(1)
        return "job ran"

    ticks.register("test-job", job)
    try:
        call_command("clock_tick")
    finally:
        ticks._JOBS.pop("test-job")
    assert seen == [1]
    assert "job ran" in capsys.readouterr().out
