"""Django's account views, with Haven's templates, audit events and language preference."""

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth
from django.http import HttpResponse
from django.urls import translate_url
from django.utils import translation

from haven.orgs import services


class LoginView(auth.LoginView):
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = form.get_user()
        services.auth_event_record(user=user, action="auth.login")
        if user.language:
            # The user's preference wins over the page they happened to log in from.
            response["Location"] = translate_url(response["Location"], user.language)
            translation.activate(user.language)
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                user.language,
                samesite="Lax",
                secure=settings.LANGUAGE_COOKIE_SECURE,
            )
        return response


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
