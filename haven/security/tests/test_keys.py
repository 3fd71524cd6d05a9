"""Data keys: made once per unit, cached safely, rotated without losing anything."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from haven.lib import crypto
from haven.security import keys
from haven.security.models import DataKey

pytestmark = pytest.mark.django_db


def test_a_unit_gets_one_key_and_reuses_it_without_queries(django_assert_num_queries):
    first, aead = keys.key_for_unit(7001)
    with django_assert_num_queries(0):
        again, _ = keys.key_for_unit(7001)
    assert again == first
    sealed = crypto.seal_text(aead, first, "t.c", "hello")
    keys.forget()
    assert crypto.open_text(keys.key_by_id(first), sealed, "t.c") == "hello"
    assert DataKey.objects.filter(unit_id=7001).count() == 1
    assert keys.key_for_unit(7002)[0] != first  # each unit its own key


def test_a_key_rolled_back_with_its_transaction_never_seals_again():
    with pytest.raises(RuntimeError), transaction.atomic():
        ghost, _ = keys.key_for_unit(7003)
        raise RuntimeError
    assert not DataKey.objects.filter(key_id=ghost).exists()
    fresh, _ = keys.key_for_unit(7003)
    assert fresh != ghost and DataKey.objects.filter(key_id=fresh).exists()


def test_the_wrapped_key_is_useless_without_the_master_key(tmp_path, settings):
    key_id, aead = keys.key_for_unit(7004)
    sealed = crypto.seal_text(aead, key_id, "t.c", "secret")
    other = tmp_path / "other.key"
    crypto.write_master_key_file(other)
    settings.HAVEN_MASTER_KEY_FILE = str(other)
    keys.forget()
    with pytest.raises(crypto.CryptoError, match="HAVEN_MASTER_KEY_FILE"):
        keys.key_by_id(key_id)
    assert "secret" not in sealed


def test_an_old_master_key_is_not_dropped_while_a_key_has_no_other_wrap(tmp_path):
    keys.key_for_unit(7005)
    old = crypto.master_keys()[0].id
    with pytest.raises(CommandError, match="only under"):
        call_command("keys_rotate", drop_master=old)
    call_command("keys_rotate", new_master_key_file=tmp_path / "new.key")
    call_command("keys_rotate", new_master_key_file=tmp_path / "new.key")  # again: nothing new
    assert DataKey.objects.count() == 2
    call_command("keys_rotate", drop_master=old)
    assert not DataKey.objects.filter(master_id=old).exists()


def test_one_action_at_a_time():
    with pytest.raises(CommandError, match="one of"):
        call_command("keys_rotate")


@pytest.mark.django_db(transaction=True)
def test_the_keys_in_use_are_read_at_once_and_a_replaced_one_taken_up(
    django_assert_num_queries, monkeypatch
):
    made = {unit: keys.key_for_unit(unit)[0] for unit in (7101, 7102, 7103)}
    keys.forget()
    with django_assert_num_queries(1):  # one list for all units, not a query per unit
        assert {unit: keys.key_for_unit(unit)[0] for unit in made} == made
    # Another process replaces a key: this one seals with the old until the list is read anew.
    DataKey.objects.filter(unit_id=7102).update(retired="2026-12-03T12:00:00Z")
    master, newer = crypto.master_keys()[0], crypto.new_id("k")
    wrapped = crypto.wrap(master, newer, 7102, crypto.new_key())
    DataKey.objects.create(key_id=newer, unit_id=7102, master_id=master.id, wrapped=wrapped)
    assert keys.key_for_unit(7102)[0] == made[7102]
    later = keys.time.monotonic() + keys.SEAL_SECONDS + 1
    monkeypatch.setattr(keys.time, "monotonic", lambda: later)
    with django_assert_num_queries(1):
        assert keys.key_for_unit(7102)[0] == newer
        assert keys.key_for_unit(7101)[0] == made[7101]
    with CaptureQueriesContext(connection) as done:  # a unit with no key: looked up, made
        keys.key_for_unit(7104)
    reads = [q["sql"] for q in done.captured_queries if q["sql"].startswith("SELECT")]
    assert len(reads) == 1 and "7104" in reads[0]
