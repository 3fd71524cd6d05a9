"""Django's account views, with Haven's templates, audit events and language preference."""

from typing import Any

from allauth.account.internal.flows.login import perform_password_login
from allauth.account.models import Login
from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from django.conf import settings
from django.contrib.auth import views as auth
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from haven.orgs import services
from haven.orgs.models import normalize_email
from haven.security.services import throttle_count, throttle_hit


class LoginForm(AuthenticationForm):
    # Django's own wording reads badly in Romanian ("un adresă de e-mail corect").
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": gettext_lazy(
            "Please enter a correct e-mail address and password. The password is case-sensitive."
        ),
    }


class LoginView(auth.LoginView):
    """Django's login, paused per account after repeated failures (no client address kept)."""

    form_class = LoginForm
    redirect_authenticated_user = True
    throttle_scope = "login"

    def _account(self) -> str:
        return normalize_email(self.request.POST.get("username", ""))

    def post(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponse:
        failures = throttle_count(
            scope=self.throttle_scope,
            key=self._account(),
            window_seconds=settings.LOGIN_FAILURE_WINDOW,
        )
        if failures >= settings.LOGIN_FAILURE_LIMIT:
            form = self.get_form()
            form.add_error(
                None,
                _(
                    "Too many failed attempts for this account. "
                    "Wait %(minutes)s minutes and try again, or reset your password."
                )
                % {"minutes": settings.LOGIN_FAILURE_WINDOW // 60},
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> HttpResponse:
        if self._account():
            throttle_hit(
                scope=self.throttle_scope,
                key=self._account(),
                window_seconds=settings.LOGIN_FAILURE_WINDOW,
            )
        return super().form_invalid(form)

    def form_valid(self, form: Any) -> HttpResponse:
        # The password is right: allauth's login flow asks for the second factor (when the
        # user has one) before signing in; the audit event and the user's language follow in
        # ``signin.AccountAdapter.post_login``, the same for single sign-on.
        user = form.get_user()
        login = Login(user=user, email=user.email, redirect_url=self.get_success_url())
        response: HttpResponse = perform_password_login(self.request, {"email": user.email}, login)
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["sso_providers"] = [
            {"name": app.name, "url": reverse("openid_connect_login", args=[app.provider_id])}
            for app in get_social_adapter().list_apps(self.request, provider="openid_connect")
        ]
        return context


class LogoutView(auth.LogoutView):
    def post(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            services.auth_event_record(user=request.user, action="auth.logout")
        return super().post(request, *args, **kwargs)


class PasswordChangeView(auth.PasswordChangeView):
    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        services.auth_event_record(user=form.user, action="auth.password_change")
        return response


class PasswordResetConfirmView(auth.PasswordResetConfirmView):
    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        services.auth_event_record(user=form.user, action="auth.password_reset")
        return response
