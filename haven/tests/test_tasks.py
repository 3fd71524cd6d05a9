"""haven.lib.tasks: a task that lost a database lock is tried again, against a real lock held
by a second connection on a SQLite file (whatever database the suite itself runs on)."""

import sqlite3
import threading
from typing import Any

import pytest
from django.db import OperationalError, connections
from django.db.backends.sqlite3.base import DatabaseWrapper

from haven.lib import tasks
from haven.lib.tasks import task

# The task below writes through this Django connection (set per test): module level, as the
# tasks framework wants its functions.
target: dict[str, Any] = {}


@task()
def add_row(value: int) -> int:
    target["attempts"] += 1
    with target["db"].cursor() as cursor:
        cursor.execute("INSERT INTO t (v) VALUES (%s)", [value])
    return value


@task
def broken() -> None:
    target["attempts"] += 1
    with target["db"].cursor() as cursor:
        cursor.execute("INSERT INTO no_such_table VALUES (1)")


@pytest.fixture
def locked(tmp_path, monkeypatch, django_db_blocker):
    """A SQLite file whose write lock a second connection holds (released by ``release``)."""
    path = tmp_path / "locks.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("CREATE TABLE t (v INTEGER)")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO t (v) VALUES (0)")
    # Haven's own options, with a busy timeout short enough for a test.
    own = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 0.05},
    }
    settings = connections.configure_settings({"default": own})["default"]
    db = DatabaseWrapper(settings, alias="locks")
    target.update(db=db, attempts=0)
    monkeypatch.setattr(tasks, "FIRST_PAUSE", 0.05)

    def release() -> None:
        holder.execute("COMMIT")

    # pytest-django guards every Django connection; this one is the test's own file.
    with django_db_blocker.unblock():
        yield release
    db.close()
    if holder.in_transaction:
        holder.execute("ROLLBACK")
    holder.close()


def rows(locked_path_db: Any) -> list[int]:
    with locked_path_db.cursor() as cursor:
        cursor.execute("SELECT v FROM t ORDER BY v")
        return [v for (v,) in cursor.fetchall()]


def test_a_task_that_lost_the_lock_is_tried_again_and_succeeds(locked):
    # The other writer lets go while the task is pausing between attempts.
    threading.Timer(0.15, locked).start()
    assert add_row.call(7) == 7
    assert target["attempts"] > 1
    assert rows(target["db"]) == [0, 7]


def test_a_lock_never_released_is_raised_after_the_last_attempt(locked):
    with pytest.raises(OperationalError, match="database is locked"):
        add_row.call(7)
    assert target["attempts"] == tasks.ATTEMPTS
    locked()
    assert rows(target["db"]) == [0]


def test_other_database_errors_are_not_tried_again(locked):
    locked()
    with pytest.raises(OperationalError, match="no such table"):
        broken.call()
    assert target["attempts"] == 1


@pytest.mark.django_db
def test_inside_a_callers_transaction_the_error_goes_to_the_caller(locked):
    # The test's own transaction is open on the default database: a retry there could not
    # undo the failed statement, so the first error is raised.
    with pytest.raises(OperationalError, match="database is locked"):
        add_row.call(7)
    assert target["attempts"] == 1


def test_the_task_keeps_its_name_for_the_worker():
    assert add_row.module_path == f"{__name__}.add_row"
    assert add_row.name == "add_row"


def test_postgresql_serialization_failures_and_deadlocks_count_as_lost_locks():
    class Cause(Exception):
        def __init__(self, sqlstate: str):
            self.sqlstate = sqlstate

    for sqlstate, expected in [("40001", True), ("40P01", True), ("23505", False)]:
        error = OperationalError("could not serialize access")
        error.__cause__ = Cause(sqlstate)
        assert tasks.lost_a_lock(error) is expected
    assert tasks.lost_a_lock(OperationalError("database is locked"))
    assert not tasks.lost_a_lock(ValueError("database is locked"))
