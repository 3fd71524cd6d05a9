"""Staff sign-in: a second factor for everyone who can open children's data, single sign-on.

Haven's password page (``auth_views.LoginView``) hands a correct password over to
django-allauth's login flow, which asks for the second factor (a TOTP code, a recovery code
or a passkey/security key) before the user is signed in. Single sign-on (OpenID Connect)
enters the same flow. What Haven adds here:

- who must have a second factor: ``access.second_factor_required`` (roles holding a
  permission that opens reports, cases or registers, and platform operators);
- ``SecondFactorMiddleware``: such a user signed in without an authenticator (their first
  sign-in, or a session from before) can only enrol, sign out or change language;
- the adapters: no sign-up, SSO matched by e-mail to an invited account, the user's
  language after sign-in, Haven's wording, audit events, failures paused per account.

Why a session verdict, not a check per request: the verdict is taken when the user signs in
(any path, ``user_logged_in``) and kept in the session, so pages pay no extra query. Tests
sign in with ``client.force_login``, which also sends ``user_logged_in``: the test users'
factory enrols them with a TOTP authenticator (``haven.orgs.tests.factories``), so the
hundreds of page tests see what an enrolled user sees.
"""

import time
from typing import Any, cast

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa import signals as mfa_signals
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.base.forms import AuthenticateForm as AllauthAuthenticateForm
from allauth.mfa.models import Authenticator
from allauth.mfa.webauthn.forms import AddWebAuthnForm, EditWebAuthnForm
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django import forms
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, translate_url
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from haven.audit.services import audit_record
from haven.orgs import access
from haven.orgs.models import User, normalize_email
from haven.security.services import throttle_count, throttle_hit

SESSION_KEY = "haven.second_factor"
# A user who needs no second factor is asked again after this long: a role given
# mid-session (or a place on a case team) then asks for enrolment without a new sign-in.
RECHECK_SECONDS = 300
FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
# Pages an unenrolled user may still open: enrolment itself, sign-out, the language.
ENROL_URL_NAMES = frozenset(
    {
        "second_factor_required",
        "mfa_index",
        "mfa_activate_totp",
        "mfa_add_webauthn",
        "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes",
        "mfa_download_recovery_codes",
        "mfa_reauthenticate",
        "account_reauthenticate",
        "logout",
        "set_language",
        "javascript-catalog",
    }
)


def has_factor(user: User) -> bool:
    return bool(Authenticator.objects.filter(user=user, type__in=FACTORS).exists())


def _verdict(user: User) -> dict[str, Any]:
    enrolled = has_factor(user)
    return {
        "user": user.pk,
        "ok": enrolled or not access.second_factor_required(user),
        "enrolled": enrolled,
        "at": time.time(),
    }


def verdict_refresh(request: HttpRequest, user: User) -> dict[str, Any]:
    verdict = _verdict(user)
    request.session[SESSION_KEY] = verdict
    return verdict


def on_user_logged_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        verdict_refresh(request, user)


def _current(request: HttpRequest, user: User) -> dict[str, Any]:
    """The session's verdict: kept while enrolled, re-read every few minutes for someone who
    needs no second factor, and at every request for someone who must still enrol (so the
    page after enrolment opens at once)."""
    verdict = request.session.get(SESSION_KEY)
    if isinstance(verdict, dict) and verdict.get("user") == user.pk:
        if verdict.get("enrolled"):
            return verdict
        if verdict.get("ok") and time.time() - verdict.get("at", 0) < RECHECK_SECONDS:
            return verdict
    return verdict_refresh(request, user)


class SecondFactorMiddleware:
    """A signed-in user who must have a second factor and has none enrols before anything."""

    def __init__(self, get_response: Any):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not _current(request, user)["ok"]:
            blocked = self._blocked(request)
            if blocked is not None:
                return blocked
        response: HttpResponse = self.get_response(request)
        return response

    def _blocked(self, request: HttpRequest) -> HttpResponse | None:
        path = request.path_info
        if path.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return None
        try:
            name = resolve(path).url_name
        except Resolver404:
            name = None
        if name in ENROL_URL_NAMES:
            return None
        if path.startswith("/api/"):
            return JsonResponse(
                {
                    "type": "about:blank",
                    "title": _("Two-factor authentication required"),
                    "status": 403,
                    "detail": _("Set up two-factor authentication in your account first."),
                },
                status=403,
                content_type="application/problem+json",
            )
        return redirect("second_factor_required")


def second_factor_required(request: HttpRequest) -> HttpResponse:
    """Why a second factor is asked for, and the ways to set one up."""
    if not request.user.is_authenticated:
        return redirect("login")
    verdict = verdict_refresh(request, request.user)
    return render(
        request,
        "mfa/required.html",
        {"required": not verdict["ok"], "enrolled": verdict["enrolled"]},
    )


def _audit(user: Any, action: str, details: dict[str, Any] | None = None) -> None:
    if isinstance(user, User):
        audit_record(actor=user, action=action, obj=user, details=details)


def _methods(request: HttpRequest, user: User) -> list[str]:
    found = []
    for record in get_authentication_records(request, user):
        method = record.get("method", "")
        if method == "mfa":
            method = f"mfa:{record.get('type', '')}"
        elif method == "socialaccount":
            method = f"sso:{record.get('provider', '')}"
        found.append(method)
    return found


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]
    """Accounts are invited (``orgs.services.user_invite``); nobody signs up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def post_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> HttpResponse:
        response = super().post_login(request, user, **kwargs)
        _audit(user, "auth.login", {"methods": _methods(request, user)})
        if user.language and response.has_header("Location"):
            # The user's preference wins over the page they happened to sign in from.
            response["Location"] = translate_url(response["Location"], user.language)
            translation.activate(user.language)
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                user.language,
                samesite="Lax",
                secure=settings.LANGUAGE_COOKIE_SECURE,
            )
        return cast(HttpResponse, response)

    def add_message(
        self,
        request: Any,
        level: Any,
        message_template: str | None = None,
        message_context: Any = None,
        extra_tags: str = "",
        message: Any = None,
    ) -> None:
        # Haven's pages say what happened themselves; allauth's own notes are not in all of
        # Haven's languages. Only the ones Haven words itself (templates under mfa/messages).
        if message_template and message_template.startswith("mfa/messages/"):
            super().add_message(
                request, level, message_template, message_context, extra_tags, message
            )

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        # Enrolling right after signing in (the first sign-in) needs no second password: a
        # sign-in step within the reauthentication window counts as recent.
        request = context.request
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            records = get_authentication_records(request, user)
            window = settings.ACCOUNT_REAUTHENTICATION_TIMEOUT
            if records and time.time() - records[-1].get("at", 0) < window:
                return False
        return bool(super().is_reauthentication_required(app=app, **kwargs))

    def get_reauthentication_methods(self, user: Any) -> list[dict[str, Any]]:
        # allauth's choices, in Haven's words (allauth has no Vietnamese or Kazakh).
        methods = super().get_reauthentication_methods(user)
        for method in methods:
            method["description"] = REAUTHENTICATION_WORDS.get(method["id"], method["description"])
        return cast(list[dict[str, Any]], methods)

    def send_notification_mail(self, *args: Any, **kwargs: Any) -> None:
        # Security notices are audit events here; Haven's messages go out through notify.
        return None


REAUTHENTICATION_WORDS = {
    "reauthenticate": gettext_lazy("Use your password"),
    "reauthenticate_by_code": gettext_lazy("Send me a sign-in code"),
    "mfa_reauthenticate": gettext_lazy("Use your authenticator app or a recovery code"),
    "mfa_reauthenticate:webauthn": gettext_lazy("Use a passkey or security key"),
}


class MFAAdapter(DefaultMFAAdapter):  # type: ignore[misc]
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": gettext_lazy(
            "Your role opens reports, cases or registers: keep at least one authenticator app "
            "or security key."
        ),
        "incorrect_code": gettext_lazy("Incorrect code."),
    }

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        user = authenticator.user
        if authenticator.type not in FACTORS or not access.second_factor_required(user):
            return True
        others = Authenticator.objects.filter(user=user, type__in=FACTORS).exclude(
            pk=authenticator.pk
        )
        return bool(others.exists())

    def generate_authenticator_name(self, user: Any, type: Authenticator.Type) -> str:
        """The name a new key is offered (the user may change it), in Haven's words."""
        count = Authenticator.objects.filter(user_id=user.pk, type=type).count()
        if count == 0:
            return _("First key")
        if count == 1:
            return _("Second key")
        return _("Key %(number)s") % {"number": count + 1}

    def send_notification_mail(self, *args: Any, **kwargs: Any) -> None:
        return None


def _key_name_field(form: forms.Form) -> None:
    form.fields["name"] = forms.CharField(
        label=_("Name of the key"),
        help_text=_("So you can tell your keys apart, for example “phone” or “blue USB key”."),
        required=form.fields["name"].required,
        max_length=100,  # allauth sets no bound
    )


class AddKeyForm(AddWebAuthnForm):  # type: ignore[misc]
    """allauth's form for adding a passkey or security key, labelled in Haven's words."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _key_name_field(self)


class EditKeyForm(EditWebAuthnForm):  # type: ignore[misc]
    """allauth's form for renaming a key, labelled in Haven's words."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _key_name_field(self)


class AuthenticateForm(AllauthAuthenticateForm):  # type: ignore[misc]
    """allauth's code form, with wrong codes counted per account and paused like passwords."""

    scope = "mfa"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].label = _("Code")
        self.fields["code"].widget = forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        )

    def clean_code(self) -> str:
        key = str(self.user.pk)
        window = settings.LOGIN_FAILURE_WINDOW
        if throttle_count(scope=self.scope, key=key, window_seconds=window) >= (
            settings.LOGIN_FAILURE_LIMIT
        ):
            raise forms.ValidationError(
                _(
                    "Too many failed attempts for this account. "
                    "Wait %(minutes)s minutes and try again, or reset your password."
                )
                % {"minutes": window // 60}
            )
        try:
            return str(super().clean_code())
        except forms.ValidationError:
            throttle_hit(scope=self.scope, key=key, window_seconds=window)
            raise


class SocialAccountAdapter(DefaultSocialAccountAdapter):  # type: ignore[misc]
    """Single sign-on signs in invited accounts only, matched by e-mail address."""

    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        return False

    def pre_social_login(self, request: HttpRequest, sociallogin: Any) -> None:
        if sociallogin.is_existing:
            return
        provider = sociallogin.account.provider
        claims = sociallogin.account.extra_data or {}
        userinfo = claims.get("userinfo") or claims.get("id_token") or {}
        email = normalize_email(sociallogin.user.email or userinfo.get("email") or "")
        verified = userinfo.get("email_verified", True) is not False
        user = (
            User.objects.filter(email__iexact=email, is_active=True).first()
            if email and verified
            else None
        )
        if user is None:
            audit_record(actor=None, action="auth.sso_refused", details={"provider": provider})
            raise ImmediateHttpResponse(
                render(request, "socialaccount/refused.html", {"email": email}, status=403)
            )
        sociallogin.connect(request, user)
        _audit(user, "auth.sso_connect", {"provider": provider})

    def on_authentication_error(self, request: HttpRequest, provider: Any, **kwargs: Any) -> None:
        raise ImmediateHttpResponse(
            render(request, "socialaccount/authentication_error.html", status=400)
        )

    def send_notification_mail(self, *args: Any, **kwargs: Any) -> None:
        return None


def _on_added(sender: Any, request: HttpRequest, user: Any, authenticator: Any, **kw: Any) -> None:
    _audit(user, "auth.mfa_enrol", {"type": authenticator.type})


def _on_removed(
    sender: Any, request: HttpRequest, user: Any, authenticator: Any, **kw: Any
) -> None:
    _audit(user, "auth.mfa_remove", {"type": authenticator.type})
    if request is not None and getattr(request, "user", None) == user:
        verdict_refresh(request, user)


def _on_reset(sender: Any, request: HttpRequest, user: Any, authenticator: Any, **kw: Any) -> None:
    _audit(user, "auth.recovery_codes_reset", {"type": authenticator.type})


def _on_used(sender: Any, request: HttpRequest, user: Any, authenticator: Any, **kw: Any) -> None:
    if authenticator.type == Authenticator.Type.RECOVERY_CODES:
        _audit(user, "auth.recovery_code_use")


def _on_failed(sender: Any, request: HttpRequest, user: Any, authenticator: Any, **kw: Any) -> None:
    _audit(user, "auth.mfa_failed", {"type": authenticator.type})


def connect_signals() -> None:
    user_logged_in.connect(on_user_logged_in, dispatch_uid="haven.signin.verdict")
    mfa_signals.authenticator_added.connect(_on_added, dispatch_uid="haven.signin.added")
    mfa_signals.authenticator_removed.connect(_on_removed, dispatch_uid="haven.signin.removed")
    mfa_signals.authenticator_reset.connect(_on_reset, dispatch_uid="haven.signin.reset")
    mfa_signals.authenticator_used.connect(_on_used, dispatch_uid="haven.signin.used")
    mfa_signals.authentication_failed.connect(_on_failed, dispatch_uid="haven.signin.failed")
