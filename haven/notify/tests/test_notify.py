"""One way out: who is told, in which language, on which channel, and exactly once."""

import datetime as dt
import threading
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from haven.notify import channels, delivery
from haven.notify.models import Message, UserChannel
from haven.notify.recipients import recipients
from haven.notify.services import message_send, messages_deliver, outbox_sweep
from haven.orgs.models import Jurisdiction, OrgUnit, Role
from haven.orgs.tests.factories import JurisdictionFactory, UserFactory, member, unit

# "Log in" is translated in every catalogue: it shows which language a message was written in.
TEMPLATES = {
    "test/hello_subject.txt": '{% load i18n %}{% translate "Log in" %}\n at {{ unit.name }}',
    "test/hello.txt": "{{ user.full_name }}: {{ link }} (due {{ due|date:'H:i' }})",
}


@pytest.fixture(autouse=True)
def _templates(settings):
    engine = {**settings.TEMPLATES[0], "APP_DIRS": False}
    engine["OPTIONS"] = {
        **engine["OPTIONS"],
        "loaders": [
            ("django.template.loaders.locmem.Loader", TEMPLATES),
            "django.template.loaders.filesystem.Loader",
            "django.template.loaders.app_directories.Loader",
        ],
    }
    settings.TEMPLATES = [engine]


@pytest.fixture(autouse=True)
def _translations(compiled_messages):
    pass


def send(to, unit, key="hello:1", **kwargs):
    arguments = {
        "to": to,
        "kind": "test.hello",
        "key": key,
        "template": "test/hello",
        "context": {"unit": unit, "due": dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)},
        "unit": unit,
        "link": ("home", []),
    }
    return message_send(**(arguments | kwargs))


# --- recipients: by role and unit, the nearest unit up when a unit has nobody ---


def test_a_school_without_coordinator_falls_back_to_the_nearest_unit_above_with_one(tree):
    school_c = unit(tree.zone_b, OrgUnit.Kind.SCHOOL, "SCH-C")
    county_coordinator = member(Role.COORDINATOR, tree.county)
    assert recipients(school_c, roles=[Role.COORDINATOR]) == [county_coordinator]
    zone_coordinator = member(Role.COORDINATOR, tree.zone_b)
    # The nearest level only: the county is not told what the zone handles.
    assert recipients(school_c, roles=[Role.COORDINATOR]) == [zone_coordinator]
    assert recipients(tree.school_b, roles=[Role.COORDINATOR]) == [tree.users["other_coordinator"]]
    assert recipients(school_c, roles=[Role.COORDINATOR], fallback_up=False) == []


def test_inactive_people_do_not_count_and_the_next_role_is_tried(tree):
    coordinator = tree.users["coordinator"]
    coordinator.is_active = False
    coordinator.save()
    # Nobody active coordinates school A or above it: its principal is told.
    assert recipients(tree.school_a, roles=[Role.COORDINATOR, Role.PRINCIPAL]) == [
        tree.users["principal"]
    ]


def test_escalations_skip_the_units_own_people(tree):
    member(Role.INSPECTOR, tree.school_a)
    assert recipients(tree.school_a, roles=[Role.INSPECTOR], exclude_unit=True) == [
        tree.users["inspector"]
    ]


# --- language: the recipient's, else the first of the unit's jurisdiction ---


def test_a_stored_language_wins(tree):
    user = UserFactory(language="ru")
    send([user], tree.school_a)
    message = Message.objects.get()
    assert message.language == "ru"
    assert message.subject == "Войти at Unit SCH-A"
    assert "/ru/" in message.body


def test_without_a_stored_language_the_schools_jurisdiction_speaks_first(tree):
    user = UserFactory(language="")
    send([user], tree.school_a)  # a Romanian school
    message = Message.objects.get()
    assert message.language == "ro"
    assert message.subject.startswith("Autentificare")
    with translation.override("ro"):
        assert reverse("home") in message.body


def test_the_first_language_haven_speaks_is_chosen(tree):
    kz = JurisdictionFactory(code="KZ", languages=["kk", "ru"], time_zone="Asia/Almaty")
    school = unit(None, OrgUnit.Kind.SCHOOL, "KZ-1", kz)
    send([UserFactory(language="")], school)
    kazakh = Message.objects.get()
    assert kazakh.language == "kk"
    assert kazakh.subject.startswith("Кіру")
    assert "/kk/" in kazakh.body
    uz = JurisdictionFactory(code="UZ", languages=["uz", "ru"], time_zone="Asia/Tashkent")
    send([UserFactory(language="")], unit(None, OrgUnit.Kind.SCHOOL, "UZ-1", uz), key="k1")
    assert Message.objects.get(dedupe_key="k1").language == "ru"  # no Uzbek interface: Russian
    nowhere = Jurisdiction.objects.create(code="XX", languages=["uz"], time_zone="UTC")
    send([UserFactory(language="")], unit(None, OrgUnit.Kind.SCHOOL, "XX-1", nowhere), key="k2")
    assert Message.objects.get(dedupe_key="k2").language == "en"


def test_times_are_written_in_the_schools_time_zone(tree):
    send([UserFactory(language="en")], tree.school_a)
    assert "(due 12:00)" in Message.objects.get().body  # 10:00 UTC is noon in Bucharest


# --- exactly once ---


def test_running_the_sending_twice_sends_one_email(tree):
    user = UserFactory(language="en")
    ids = send([user], tree.school_a, queue=False)
    assert messages_deliver(ids) == 1
    assert messages_deliver(ids) == 0
    assert [m.to for m in mail.outbox] == [[user.email]]
    message = Message.objects.get()
    assert message.sent_at is not None and message.attempts == 1


def test_a_message_is_claimed_by_one_worker_only(tree):
    [pk] = send([UserFactory()], tree.school_a, queue=False)
    now = timezone.now()
    assert delivery.claim(pk, now)
    assert not delivery.claim(pk, now)  # a second worker given the same message
    assert messages_deliver([pk]) == 0  # nor does a later run while the claim holds
    assert mail.outbox == []
    # A claim whose worker died lapses; the sweep then queues it again and it goes once.
    with time_machine.travel(now + delivery.LEASE + dt.timedelta(seconds=1)):
        assert outbox_sweep() == 1
    assert len(mail.outbox) == 1


def test_the_same_key_never_writes_a_message_twice(tree):
    first, second = UserFactory(), UserFactory()
    assert len(send([first], tree.school_a, queue=False)) == 1
    # A caller that runs again with more people: only the new one gets a message.
    send([first, second], tree.school_a, queue=False)
    assert sorted(Message.objects.values_list("recipient_id", flat=True)) == sorted(
        [first.pk, second.pk]
    )
    send([first], tree.school_a, key="hello:2", queue=False)
    assert Message.objects.filter(recipient=first).count() == 2


def test_messages_are_sent_when_the_callers_transaction_commits(
    tree, django_capture_on_commit_callbacks
):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            send([user], tree.school_a)
            assert mail.outbox == []  # nothing leaves before the commit
    assert [m.to for m in mail.outbox] == [[user.email]]


def test_a_rolled_back_caller_leaves_nothing_to_send(tree, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            send([UserFactory()], tree.school_a)
            raise RuntimeError("the caller failed")
    assert callbacks == [] and not Message.objects.exists() and mail.outbox == []


def test_inactive_users_get_nothing(tree):
    assert send([UserFactory(is_active=False)], tree.school_a) == []
    assert not Message.objects.exists()


# --- a failed send is retried ---


def test_a_failed_send_is_recorded_and_retried_by_the_sweep(tree):
    user = UserFactory()
    with mock.patch("haven.notify.channels.send_mail", side_effect=OSError("server down")):
        ids = send([user], tree.school_a, queue=False)
        assert messages_deliver(ids) == 0
    message = Message.objects.get()
    assert message.sent_at is None and message.failed_at is not None
    assert message.error == "OSError: server down" and message.attempts == 1
    assert outbox_sweep(now=message.failed_at + dt.timedelta(minutes=1)) == 0  # backing off
    assert outbox_sweep(now=message.retry_at) == 1
    assert [m.to for m in mail.outbox] == [[user.email]]
    message.refresh_from_db()
    assert message.sent_at is not None and message.attempts == 2
    assert outbox_sweep(now=message.retry_at + dt.timedelta(days=1)) == 0


def test_a_new_message_whose_run_never_came_is_queued_by_the_sweep(tree):
    send([UserFactory()], tree.school_a, queue=False)  # as if the process died before queuing
    now = timezone.now()
    assert outbox_sweep(now=now) == 0  # its queued run may still come
    assert outbox_sweep(now=now + delivery.FRESH) == 1
    assert len(mail.outbox) == 1


def test_retries_stop_after_the_last_attempt(tree):
    send([UserFactory()], tree.school_a, queue=False)
    Message.objects.update(attempts=delivery.MAX_ATTEMPTS)
    assert outbox_sweep(now=timezone.now() + dt.timedelta(days=30)) == 0


# --- channels ---


class Recording:
    code = "test-chat"

    def __init__(self):
        self.sent = []

    def default_address(self, user):
        return ""

    def send(self, *, address, subject, body):
        self.sent.append((address, subject))


@pytest.fixture
def chat():
    channel = channels.register(Recording())
    yield channel
    channels._registry.pop(channel.code)


def test_a_registered_channel_carries_the_messages_of_the_users_who_have_it(tree, chat):
    on_chat, on_email = UserFactory(language="en"), UserFactory(language="en")
    UserChannel.objects.create(user=on_chat, channel=chat.code, address="chat-7")
    assert "test-chat" in channels.codes() and channels.get("email") is channels.EMAIL
    messages_deliver(send([on_chat, on_email], tree.school_a, queue=False))
    assert chat.sent == [("chat-7", "Log in at Unit SCH-A")]
    assert [m.to for m in mail.outbox] == [[on_email.email]]


def test_a_user_whose_channels_haven_does_not_have_gets_email(tree):
    user = UserFactory()
    UserChannel.objects.create(user=user, channel="pigeon", address="loft 3")
    messages_deliver(send([user], tree.school_a, queue=False))
    assert [m.to for m in mail.outbox] == [[user.email]]


def test_a_message_for_a_channel_no_longer_registered_fails_and_waits(tree, chat):
    user = UserFactory()
    UserChannel.objects.create(user=user, channel=chat.code, address="chat-1")
    ids = send([user], tree.school_a, queue=False)
    channels._registry.pop(chat.code)
    try:
        assert messages_deliver(ids) == 0
    finally:
        channels.register(chat)
    message = Message.objects.get()
    assert message.sent_at is None and "LookupError" in message.error


# --- the record ---


def test_the_outbox_is_readable_but_not_editable_in_the_admin(client, tree):
    send([tree.users["coordinator"]], tree.school_a, queue=False)
    message = Message.objects.get()
    client.force_login(tree.users["admin"])
    with translation.override("en"):
        listing = reverse("admin:notify_message_changelist")
        change = reverse("admin:notify_message_change", args=[message.pk])
    response = client.get(listing)
    assert response.status_code == 200
    assert str(tree.users["coordinator"]) in response.content.decode()
    response = client.post(change, {"subject": "changed"})
    assert response.status_code == 403
    message.refresh_from_db()
    assert message.subject != "changed"


@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_the_same_messages_at_once_send_each_once():
    from django.db import connection, connections

    from haven.orgs.tests.factories import build_tree

    tree = build_tree()
    users = [UserFactory() for _ in range(20)]
    ids = send(users, tree.school_a, queue=False)
    sent: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2) if connection.vendor == "postgresql" else None

    def worker() -> None:
        try:
            if start is not None:
                start.wait()
            sent.append(messages_deliver(ids))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    if start is not None:  # real parallel workers, each with its own connection
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    else:  # SQLite has one writer at a time
        worker()
        worker()
    assert not errors, errors
    assert sum(sent) == 20
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users)
