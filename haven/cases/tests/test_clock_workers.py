"""Reminders and escalations happen exactly once, however many workers sweep at once."""

import datetime as dt
import threading

import pytest
from django.core import mail
from django.db import connection, connections

from haven.cases import services
from haven.cases.models import CaseEvent, CaseTimer
from haven.orgs.tests.factories import build_tree

WORKERS = 6


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_remind_and_escalate_each_timer_once():
    tree = build_tree()
    cases = [
        services.case_open(actor=tree.users["coordinator"], school=tree.school_a, title=f"c{i}")
        for i in range(5)
    ]
    CaseTimer.objects.update(remind_at=cases[0].opened_at)
    # each GEN case runs two deadlines: its first step's and the parents' notification's
    timers = CaseTimer.objects.count()
    assert timers == 10
    later = max(t.due_at for t in CaseTimer.objects.all()) + dt.timedelta(minutes=1)
    mail.outbox.clear()
    results: list[dict[str, int]] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            results.append(services.clock_sweep(now=later))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    if connection.vendor == "postgresql":
        # Real parallel workers, each with its own connection and transactions.
        threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    else:
        # SQLite allows one writer at a time: the workers run one after the other.
        for _ in range(WORKERS):
            worker()
    assert not errors, errors
    assert sum(r["reminded"] for r in results) == timers
    assert sum(r["escalated"] for r in results) == timers
    assert CaseEvent.objects.filter(kind="escalated").count() == timers
    assert len(mail.outbox) == 2 * timers  # one reminder and one escalation each
