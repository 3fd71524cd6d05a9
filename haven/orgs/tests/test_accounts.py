import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import translation

from haven.audit.models import AuditEvent
from haven.lib.errors import InvalidInput
from haven.orgs import services
from haven.orgs.tests.factories import PASSWORD, totp_code


def url(name, lang="en", **kwargs):
    with translation.override(lang):
        return reverse(name, kwargs=kwargs or None)


def test_login_with_email_in_any_case(client, tree):
    response = client.post(
        url("login"), {"username": "Coordinator@A.example", "password": PASSWORD}
    )
    assert response.status_code == 302
    client.post(response["Location"], {"code": totp_code()})  # the second factor
    assert AuditEvent.objects.filter(action="auth.login", actor=tree.users["coordinator"]).exists()


def test_wrong_password_is_refused_with_a_message(client, tree):
    response = client.post(url("login"), {"username": "coordinator@a.example", "password": "nope"})
    assert response.status_code == 200
    assert b"correct" in response.content  # Django's "Please enter a correct e-mail address..."
    assert "_auth_user_id" not in client.session


def test_wrong_password_in_romanian_reads_as_romanian(client, tree):
    response = client.post(
        url("login", "ro"), {"username": "coordinator@a.example", "password": "nope"}
    )
    page = response.content.decode()
    assert "Introduceți o adresă de e-mail și o parolă corecte." in page
    assert "un adresă" not in page  # Django's own Romanian wording


def test_login_takes_the_user_to_their_language(client, tree):
    user = tree.users["coordinator"]
    services.user_set_language(user=user, language="vi")
    step = client.post(
        url("login"), {"username": user.email, "password": PASSWORD, "next": url("orgunit_list")}
    )
    response = client.post(step["Location"], {"code": totp_code()})
    assert response["Location"] == url("orgunit_list", lang="vi")
    assert response.cookies["django_language"].value == "vi"


def test_logout_is_a_post_and_is_audited(client, tree):
    client.force_login(tree.users["staff"])
    assert client.get(url("logout")).status_code == 405
    response = client.post(url("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.logout").count() == 1


def test_password_change_validates_and_is_audited(client, tree):
    user = tree.users["staff"]
    client.force_login(user)
    weak = client.post(
        url("password_change"),
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert weak.status_code == 200 and b"error" in weak.content
    new = "a-much-longer-passphrase-42"
    ok = client.post(
        url("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert ok.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)
    assert AuditEvent.objects.filter(action="auth.password_change", actor=user).exists()


def test_password_reset_by_email(client, tree):
    user = tree.users["staff"]
    response = client.post(url("password_reset"), {"email": user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    new = "another-long-passphrase-77"
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)


def test_password_reset_does_not_reveal_unknown_addresses(client, db):
    response = client.post(url("password_reset"), {"email": "nobody@nowhere.example"})
    assert response.status_code == 302
    assert len(mail.outbox) == 0


def test_passwords_are_hashed_with_argon2(settings, db):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = services.user_create(
        actor=None, email="new@school.example", full_name="New", password="a-long-passphrase-1"
    )
    assert user.password.startswith("argon2")


def test_user_create_applies_password_validators(db):
    with pytest.raises(InvalidInput):
        services.user_create(actor=None, email="x@school.example", full_name="X", password="123")
    assert not get_user_model().objects.filter(email="x@school.example").exists()


def test_invited_user_gets_a_one_time_link_in_their_language(
    tree, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        user = services.user_invite(
            actor=tree.users["admin"],
            email="Teacher@A.example",
            full_name="New Teacher",
            language="ro",
            unit=tree.school_a,
            role="staff",
            base_url="https://haven.example/",
        )
    assert user.email == "teacher@a.example"
    assert user.memberships.get().unit == tree.school_a
    assert mail.outbox[0].to == ["teacher@a.example"]
    assert "https://haven.example/ro/account/reset/" in mail.outbox[0].body


def test_invited_user_without_a_language_is_written_to_in_the_schools(
    tree, django_capture_on_commit_callbacks
):
    """No language chosen: the invitation speaks the school's jurisdiction's language (as
    every notification does), not English."""
    with django_capture_on_commit_callbacks(execute=True):
        services.user_invite(
            actor=tree.users["admin"],
            email="nolang@a.example",
            full_name="New Teacher",
            language="",
            unit=tree.school_a,
            role="staff",
            base_url="https://haven.example/",
        )
    assert "https://haven.example/ro/account/reset/" in mail.outbox[0].body


def test_repeated_failures_pause_the_account_not_others(client, tree, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    user = tree.users["staff"]
    for _ in range(3):
        client.post(url("login"), {"username": user.email, "password": "wrong"})
    paused = client.post(url("login"), {"username": user.email.upper(), "password": PASSWORD})
    assert paused.status_code == 429
    assert b"Too many failed attempts" in paused.content
    assert "_auth_user_id" not in client.session
    other = client.post(
        url("login"), {"username": tree.users["principal"].email, "password": PASSWORD}
    )
    assert other.status_code == 302
