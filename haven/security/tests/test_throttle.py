import datetime as dt

import time_machine

from haven.security.models import ThrottleWindow
from haven.security.services import throttle_count, throttle_hit, throttle_prune


def test_counts_per_key_and_window(db):
    with time_machine.travel(dt.datetime(2026, 11, 23, 9, 0, 5, tzinfo=dt.UTC), tick=False):
        assert throttle_hit(scope="s", key="a", window_seconds=60) == 1
        assert throttle_hit(scope="s", key="a", window_seconds=60) == 2
        assert throttle_count(scope="s", key="b", window_seconds=60) == 0
        assert throttle_count(scope="other", key="a", window_seconds=60) == 0
    with time_machine.travel(dt.datetime(2026, 11, 23, 9, 1, 5, tzinfo=dt.UTC), tick=False):
        assert throttle_count(scope="s", key="a", window_seconds=60) == 0


def test_keys_are_not_stored_in_clear(db):
    throttle_hit(scope="login", key="pupil@school.example", window_seconds=60)
    stored = ThrottleWindow.objects.get()
    assert "pupil" not in stored.key_hash and len(stored.key_hash) == 64


def test_prune_forgets_old_windows(db):
    with time_machine.travel(dt.datetime(2026, 11, 1, tzinfo=dt.UTC), tick=False):
        throttle_hit(scope="s", key="old", window_seconds=60)
    throttle_hit(scope="s", key="new", window_seconds=60)
    assert throttle_prune() == 1
    assert ThrottleWindow.objects.count() == 1
