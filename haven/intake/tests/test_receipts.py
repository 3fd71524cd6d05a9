"""Receipts are unique, parse however they are copied, and their secret is never stored."""

from collections import Counter

from django.apps import apps
from django.db import connection, transaction
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from haven.intake import receipts
from haven.intake.tests.helpers import submit
from haven.orgs.tests.factories import build_tree


@settings(max_examples=200)
@given(st.integers(min_value=2, max_value=200))
def test_generated_receipts_are_unique_and_long_enough(count):
    batch = [receipts.generate() for _ in range(count)]
    assert len({str(r) for r in batch}) == count
    assert len({r.secret for r in batch}) == count
    for receipt in batch:
        # 20 characters of a 32-letter alphabet: 100 bits of secret.
        assert len(receipt.secret) * 5 >= 80


@given(st.sampled_from(["upper", "lower", "spaces", "no-dashes"]))
def test_receipts_parse_however_they_are_copied(style):
    receipt = receipts.generate()
    text = str(receipt)
    copied = {
        "upper": text,
        "lower": text.lower(),
        "spaces": text.replace("-", " "),
        "no-dashes": text.replace("-", ""),
    }[style]
    assert receipts.parse(copied) == receipt


def test_every_character_of_the_alphabet_is_used_in_every_position():
    batch = [str(receipts.generate()).replace("-", "") for _ in range(3000)]
    for position in range(receipts.LENGTH):
        assert {text[position] for text in batch} == set(receipts.ALPHABET), position
    # Equally likely: 84,000 characters, about 2,625 of each letter (a spread of about 50).
    counts = Counter("".join(batch))
    assert set(counts) == set(receipts.ALPHABET)
    expected = 3000 * receipts.LENGTH / len(receipts.ALPHABET)
    assert all(abs(n - expected) < 0.1 * expected for n in counts.values()), counts


def test_mistyped_letters_are_read_as_the_digits_they_look_like():
    receipt = receipts.Receipt(lookup="0000AAAA", secret="1111" + "B" * 16)
    assert receipts.parse("OOOOAAAAIlIl" + "b" * 16) == receipt


def test_malformed_receipts_are_refused():
    for text in ("", "ABCD", "U" * 28, "A" * 29, "!!!!"):
        assert receipts.parse(text) is None


def _all_stored_text() -> str:
    parts = []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            table = model._meta.db_table
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            parts.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(parts)


class StoredReceipts(TestCase):
    @settings(max_examples=10, deadline=None)
    @given(st.integers(min_value=1, max_value=3))
    def test_no_stored_column_holds_a_receipt_secret(self, count):
        with transaction.atomic():
            tree = build_tree()
            issued = [submit(tree.school_a)[1] for _ in range(count)]
            stored = _all_stored_text().upper()
            for receipt in issued:
                assert receipt.secret not in stored
                assert str(receipt) not in stored
                assert receipt.lookup in stored  # the lookup id is not secret
            transaction.set_rollback(True)
