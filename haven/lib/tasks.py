"""``task``: ``django_tasks.task`` whose body is tried again when it lost a database lock.

Two people using the embedded SQLite database while the worker refreshes a survey is enough
for one writer to wait past the busy timeout ("database is locked"); on PostgreSQL the same
race ends in a serialization failure or a deadlock. Those errors say "try again", so the body
is tried again a few times, after a short growing pause, before the error is raised (and the
task recorded as failed). Every other error is raised at once.
"""

import logging
import random
import time
from collections.abc import Callable
from functools import wraps
from inspect import iscoroutinefunction
from typing import Any, ParamSpec, TypeVar, overload

import django_tasks
from django.db import OperationalError, connections
from django_tasks.base import Task

logger = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

ATTEMPTS = 4
FIRST_PAUSE = 0.1  # seconds; doubled at each attempt, with some jitter

# PostgreSQL's "try the transaction again" states: serialization failure, deadlock, lock
# not available (NOWAIT).
RETRY_SQLSTATES = {"40001", "40P01", "55P03"}
SQLITE_LOCKED = ("database is locked", "database table is locked", "database is busy")


def lost_a_lock(exc: BaseException) -> bool:
    """Whether ``exc`` says another writer held the lock, so the same work may succeed later."""
    if not isinstance(exc, OperationalError):
        return False
    if getattr(exc.__cause__, "sqlstate", None) in RETRY_SQLSTATES:
        return True
    return str(exc).lower().startswith(SQLITE_LOCKED)


def _in_transaction() -> bool:
    # Inside a caller's transaction a retry cannot help: the failed statement spoilt it (and
    # on SQLite it may hold the very lock). Its owner decides.
    return any(c.in_atomic_block for c in connections.all(initialized_only=True))


def retry_on_lock(func: Callable[P, T]) -> Callable[P, T]:
    @wraps(func)
    def body(*args: P.args, **kwargs: P.kwargs) -> T:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return func(*args, **kwargs)
            except OperationalError as exc:
                if attempt == ATTEMPTS or not lost_a_lock(exc) or _in_transaction():
                    raise
                pause = FIRST_PAUSE * 2 ** (attempt - 1) * random.uniform(0.5, 1.5)  # noqa: S311
                logger.warning(
                    "Task %s lost a database lock (%s); attempt %d of %d in %.2f s.",
                    func.__name__,
                    exc,
                    attempt + 1,
                    ATTEMPTS,
                    pause,
                )
                time.sleep(pause)
        raise AssertionError("unreachable")  # pragma: no cover

    return body


@overload
def task(function: Callable[P, T], **kwargs: Any) -> Task[P, T]: ...


@overload
def task(**kwargs: Any) -> Callable[[Callable[P, T]], Task[P, T]]: ...


def task(function: Callable[P, T] | None = None, **kwargs: Any) -> Any:
    """``django_tasks.task`` with the same arguments (bare or called); the function keeps its
    name and module, so the worker finds tasks already queued under it."""

    def wrapper(f: Callable[P, T]) -> Task[P, T]:
        # A coroutine body is passed on as it is: a sync wrapper would hide that it is one.
        is_async = iscoroutinefunction(f)
        body = f if is_async else retry_on_lock(f)
        task: Task[P, T] = django_tasks.task(**kwargs)(body)
        return task

    if function is not None:
        return wrapper(function)
    return wrapper
