"""Two-factor sign-in: who must have it, the password step alone opens nothing, enrolment on
first sign-in, recovery codes, audit events."""

import os
import re

import pytest
from allauth.mfa.models import Authenticator
from cryptography.hazmat.primitives.asymmetric import ec
from django.urls import reverse
from django.utils import translation
from fido2.cose import ES256
from fido2.utils import sha256, websafe_encode
from fido2.webauthn import (
    AttestationObject,
    AttestedCredentialData,
    AuthenticatorData,
    CollectedClientData,
)

from haven.audit.models import AuditEvent
from haven.intake.tests.helpers import submit
from haven.orgs import access, services
from haven.orgs.models import Role
from haven.orgs.tests.factories import PASSWORD, UserFactory, member, totp_code


def url(name, *args, lang="en"):
    with translation.override(lang):
        return reverse(name, args=args)


def password_step(client, user, lang="en", **extra):
    return client.post(
        url("login", lang=lang), {"username": user.email, "password": PASSWORD, **extra}
    )


def code_step(client, code=None, lang="en"):
    return client.post(url("mfa_authenticate", lang=lang), {"code": code or totp_code()})


@pytest.fixture
def report(tree):
    return submit(tree.school_a)[0]


@pytest.fixture
def unenrolled_coordinator(tree):
    return member(Role.COORDINATOR, tree.school_a, email="new@a.example", totp=False)


@pytest.mark.parametrize(
    ("role", "required"),
    [
        ("coordinator", True),
        ("principal", True),
        ("psychologist", True),
        ("inspector", True),
        ("agency", True),
        ("staff", False),
        ("admin", False),
        ("nobody", False),
    ],
)
def test_second_factor_is_required_for_roles_that_open_reports_cases_or_registers(
    tree, role, required
):
    assert access.second_factor_required(tree.users[role]) is required


def test_operators_must_have_a_second_factor(db):
    assert access.second_factor_required(UserFactory(is_superuser=True))


def test_password_alone_of_an_enrolled_coordinator_opens_no_report(client, tree, report):
    response = password_step(client, tree.users["coordinator"])
    assert response.status_code == 302
    assert response["Location"] == url("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    asked = client.get(url("mfa_authenticate")).content.decode()
    assert 'autocomplete="one-time-code"' in asked
    assert "mfa_webauthn_authenticate" not in asked  # no passkey added: no passkey button
    page = client.get(url("intake:report_detail", report.pk))
    assert page.status_code == 302
    assert page["Location"].startswith(url("login"))
    assert not AuditEvent.objects.filter(action="auth.login").exists()


def test_password_alone_of_an_unenrolled_coordinator_leads_only_to_enrolment(
    client, tree, report, unenrolled_coordinator
):
    response = password_step(client, unenrolled_coordinator)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(unenrolled_coordinator.pk)
    for blocked in (url("intake:report_detail", report.pk), url("intake:inbox"), url("home")):
        page = client.get(blocked)
        assert page.status_code == 302
        assert page["Location"] == url("second_factor_required")
    api = client.get("/api/v1/reports")
    assert api.status_code == 403
    assert api["Content-Type"] == "application/problem+json"
    explained = client.get(url("second_factor_required", lang="ro"))
    assert explained.status_code == 200
    assert "Rolul dumneavoastră vă permite să deschideți" in explained.content.decode()


def test_force_login_of_an_unenrolled_coordinator_is_sent_to_enrol(
    client, report, unenrolled_coordinator
):
    client.force_login(unenrolled_coordinator)
    page = client.get(url("intake:report_detail", report.pk))
    assert page["Location"] == url("second_factor_required")


def test_staff_without_a_second_factor_are_not_stopped(client, tree):
    staff = member(Role.STAFF, tree.school_a, email="plain@a.example", totp=False)
    password_step(client, staff)
    assert client.get(url("home")).status_code == 200
    offered = client.get(url("second_factor_required"))
    assert "optional for your role" in offered.content.decode()


def test_password_and_code_sign_in_and_open_the_report(client, tree, report):
    coordinator = tree.users["coordinator"]
    password_step(client, coordinator, next=url("intake:report_detail", report.pk))
    response = code_step(client)
    assert response.status_code == 302
    assert response["Location"] == url("intake:report_detail", report.pk)
    assert client.get(response["Location"]).status_code == 200
    event = AuditEvent.objects.get(action="auth.login", actor=coordinator)
    assert event.details["methods"] == ["password", "mfa:totp"]


def test_wrong_codes_are_refused_counted_and_pause_the_account(client, tree, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    coordinator = tree.users["coordinator"]
    password_step(client, coordinator)
    wrong = code_step(client, code="000000" if totp_code() != "000000" else "111111")
    assert wrong.status_code == 200
    assert "Incorrect code." in wrong.content.decode()
    assert "_auth_user_id" not in client.session
    code_step(client, code="123")
    paused = code_step(client)  # the right code, but too late
    assert "Too many failed attempts" in paused.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.mfa_failed", actor=coordinator).count() == 2


def test_a_wrong_code_in_romanian_reads_as_romanian(client, tree):
    password_step(client, tree.users["coordinator"], lang="ro")
    page = code_step(client, code="12", lang="ro").content.decode()
    assert "Cod incorect." in page
    assert "Autentificare în doi pași" in page


def _enrol(client):
    """Walk the enrolment pages as a person with an authenticator app would."""
    page = client.get(url("mfa_activate_totp")).content.decode()
    secret = re.search(r'id="authenticator_secret" type="text" value="([A-Z2-7]+)"', page)[1]
    return client.post(url("mfa_activate_totp"), {"code": totp_code(secret)}), secret


def test_first_sign_in_enrols_then_opens_reports(
    client, report, unenrolled_coordinator, django_capture_on_commit_callbacks
):
    password_step(client, unenrolled_coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response, _secret = _enrol(client)
    assert response.status_code == 302
    assert response["Location"] == url("mfa_view_recovery_codes")
    codes = client.get(response["Location"])
    assert len(re.findall(r"<code>\w+</code>", codes.content.decode())) == 10
    assert client.get(url("intake:report_detail", report.pk)).status_code == 200
    assert AuditEvent.objects.filter(
        action="auth.mfa_enrol", actor=unenrolled_coordinator, details__type="totp"
    ).exists()


def test_a_recovery_code_signs_in_once_and_is_audited(
    client, report, unenrolled_coordinator, django_capture_on_commit_callbacks
):
    password_step(client, unenrolled_coordinator)
    _enrol(client)
    codes = Authenticator.objects.get(
        user=unenrolled_coordinator, type=Authenticator.Type.RECOVERY_CODES
    )
    code = codes.wrap().get_unused_codes()[0]
    client.post(url("logout"))
    password_step(client, unenrolled_coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        assert code_step(client, code=code).status_code == 302
    assert client.session["_auth_user_id"] == str(unenrolled_coordinator.pk)
    assert AuditEvent.objects.filter(
        action="auth.recovery_code_use", actor=unenrolled_coordinator
    ).exists()
    client.post(url("logout"))
    password_step(client, unenrolled_coordinator)
    assert code_step(client, code=code).status_code == 200  # used up
    assert "_auth_user_id" not in client.session


def test_a_coordinator_cannot_turn_off_their_only_authenticator(client, tree):
    coordinator = tree.users["coordinator"]
    password_step(client, coordinator)
    code_step(client)
    response = client.post(url("mfa_deactivate_totp"))
    assert response.status_code == 200
    assert "keep at least one authenticator app" in response.content.decode()
    assert Authenticator.objects.filter(user=coordinator, type="totp").exists()


def test_staff_may_turn_theirs_off(client, tree, django_capture_on_commit_callbacks):
    staff = tree.users["staff"]
    password_step(client, staff)
    code_step(client)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url("mfa_deactivate_totp")).status_code == 302
    assert not Authenticator.objects.filter(user=staff, type="totp").exists()
    assert AuditEvent.objects.filter(action="auth.mfa_remove", actor=staff).exists()


def test_login_in_the_users_language_after_the_code(client, tree):
    coordinator = tree.users["coordinator"]
    services.user_set_language(user=coordinator, language="vi")
    password_step(client, coordinator, next=url("orgunit_list"))
    response = code_step(client)
    assert response["Location"] == url("orgunit_list", lang="vi")
    assert response.cookies["django_language"].value == "vi"


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("second_factor_required", "Your account is protected by two-factor authentication."),
        ("mfa_index", "An authenticator app is set up."),
    ],
)
def test_two_factor_pages_anonymous_wrong_right_and_other_school(client, tree, name, says):
    """Each person's own settings: anonymous go to log in; anyone signed in sees their own."""
    assert client.get(url(name))["Location"].startswith(url("login"))
    for role in ("staff", "coordinator", "other_coordinator"):
        client.force_login(tree.users[role])
        page = client.get(url(name))
        assert page.status_code == 200
        assert says in page.content.decode()
    Authenticator.objects.filter(user=tree.users["staff"]).delete()
    client.force_login(tree.users["staff"])
    assert says not in client.get(url(name)).content.decode()


def reauthenticated(client, user):
    """Signed in, with the password confirmed (changing factors asks for it)."""
    client.force_login(user)
    client.post(url("account_reauthenticate"), {"password": PASSWORD})
    return client


def passkey(user, name):
    """A security key as allauth stores one: a registration with "none" attestation of a
    fresh P-256 key (what a browser sends back after the key was touched)."""
    credential_id = os.urandom(16)
    public_key = ES256.from_cryptography_key(ec.generate_private_key(ec.SECP256R1()).public_key())
    attested = AttestedCredentialData.create(b"\0" * 16, credential_id, public_key)
    flags = AuthenticatorData.FLAG.UP | AuthenticatorData.FLAG.AT
    data = AuthenticatorData.create(sha256(b"testserver"), flags, 0, attested)
    client_data = CollectedClientData.create(
        type="webauthn.create", challenge=os.urandom(16), origin="http://testserver"
    )
    credential = {
        "id": websafe_encode(credential_id),
        "rawId": websafe_encode(credential_id),
        "type": "public-key",
        "response": {
            "clientDataJSON": websafe_encode(client_data),
            "attestationObject": websafe_encode(AttestationObject.create("none", data, {})),
        },
    }
    return Authenticator.objects.create(
        user=user, type=Authenticator.Type.WEBAUTHN, data={"name": name, "credential": credential}
    )


def says(lang, text, **values):
    """``text`` in ``lang``, which must have its own words for it."""
    with translation.override(lang):
        said = translation.gettext(text)
    assert said != text or lang == "en", (lang, text)
    return said % values if values else said


@pytest.mark.parametrize("lang", ["vi", "kk", "ro", "en"])
def test_the_passkey_pages_speak_havens_languages(client, tree, lang):
    """allauth has no Vietnamese or Kazakh: Haven words its passkey pages itself."""
    user = tree.users["coordinator"]
    reauthenticated(client, user)
    add = client.get(url("mfa_add_webauthn", lang=lang)).content.decode()
    assert says(lang, "Add a passkey or security key") in add
    assert says(lang, "Name of the key") in add
    assert f'value="{says(lang, "First key")}"' in add  # the name offered
    assert ">Credential<" not in add and "Add Security Key" not in add  # allauth's English
    key = passkey(user, "Blue key")
    listed = client.get(url("mfa_list_webauthn", lang=lang)).content.decode()
    assert "Blue key" in listed and says(lang, "Rename") in listed
    assert says(lang, "Never") in listed and "Security Keys" not in listed
    edit = client.get(url("mfa_edit_webauthn", key.pk, lang=lang)).content.decode()
    assert says(lang, "Rename the key") in edit
    remove = client.get(url("mfa_remove_webauthn", key.pk, lang=lang)).content.decode()
    assert (
        says(
            lang,
            "Remove “%(name)s”? You will no longer be able to sign in with it.",
            name="Blue key",
        )
        in remove
    )
    again = client.get(url("mfa_reauthenticate_webauthn", lang=lang)).content.decode()
    assert says(lang, "Use your passkey or security key to go on.") in again
    # The other ways to confirm, in Haven's words too.
    assert says(lang, "Use your password") in again
    assert says(lang, "Use your authenticator app or a recovery code") in again


def test_a_key_is_renamed_and_removed_by_its_owner_only(client, tree):
    owner, other = tree.users["coordinator"], tree.users["principal"]
    key = passkey(owner, "Phone")
    edit = url("mfa_edit_webauthn", key.pk)
    assert client.get(edit).status_code == 302  # anonymous: to the sign-in page
    reauthenticated(client, other)
    assert client.get(edit).status_code == 404
    assert client.post(url("mfa_remove_webauthn", key.pk)).status_code == 404
    reauthenticated(client, owner)
    too_long = client.post(edit, {"name": "x" * 101})
    assert too_long.status_code == 200 and "at most 100 characters" in too_long.content.decode()
    key.refresh_from_db()
    assert key.data["name"] == "Phone"  # nothing stored
    assert client.post(edit, {"name": "Laptop"}).status_code == 302
    key.refresh_from_db()
    assert key.data["name"] == "Laptop"
    assert client.post(url("mfa_remove_webauthn", key.pk)).status_code == 302
    assert not Authenticator.objects.filter(pk=key.pk).exists()
    # The owner still has an authenticator app: the key could go.
    assert Authenticator.objects.filter(user=owner, type=Authenticator.Type.TOTP).exists()


def test_the_admin_password_form_cannot_skip_the_second_factor(client, tree):
    admin = tree.users["admin"]
    response = client.post(url("admin:login"), {"username": admin.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith(url("login"))
    assert "_auth_user_id" not in client.session


def test_passkey_and_password_confirmation_pages_render_in_havens_frame(client, tree):
    client.force_login(tree.users["staff"])
    # No sign-in step in this session: changing factors asks for the password first.
    asked = client.get(url("mfa_add_webauthn"))
    assert asked["Location"].startswith(url("account_reauthenticate"))
    page = client.get(asked["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "Enter your password to go on." in page.content.decode()
    confirmed = client.post(asked["Location"], {"password": PASSWORD})
    assert confirmed.status_code == 302
    add = client.get(url("mfa_add_webauthn"))
    assert add.status_code == 200
    assert 'class="site-header"' in add.content.decode()
