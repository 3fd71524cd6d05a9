from allauth.account import views as allauth_views
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth
from django.urls import include, path

from haven.api import api
from haven.intake import views_public
from haven.intake.telegram import views as telegram_views
from haven.orgs import auth_views, signin, views
from haven.orgs.admin_site import site as admin_site
from haven.surveys import views_public as survey_views

# Imports each app's admin module, which registers its models on Haven's admin site.
admin.autodiscover()

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/setlang/", views.language_set, name="set_language"),
    # Short, printable addresses behind the QR codes; the language comes from the browser.
    path("r/<str:school_code>/", views_public.report_form, name="report_form"),
    path(
        "r/<str:school_code>/<str:class_code>/", views_public.report_form, name="report_form_class"
    ),
    path("follow-up/", views_public.followup, name="followup"),
    path("s/", survey_views.survey, name="survey"),
    # Single sign-on: the callback address registered with the identity provider carries no
    # language, so it lives outside the language prefix (/sso/oidc/<provider>/login/callback/).
    path("sso/", include("allauth.socialaccount.providers.openid_connect.urls")),
    path("sso/", include("allauth.socialaccount.urls")),
    # Telegram posts the bot's updates here (no language prefix: the chat has its own).
    path("telegram/webhook/", telegram_views.webhook, name="telegram_webhook"),
]

urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("org/", views.orgunit_list, name="orgunit_list"),
    path("org/<int:pk>/", views.orgunit_detail, name="orgunit_detail"),
    path(
        "org/without-responders/",
        views.schools_without_responders,
        name="schools_without_responders",
    ),
    path("org/pupils/<int:pk>/", views.pupil_detail, name="pupil_detail"),
    path("account/", views.account, name="account"),
    path("account/tokens/", views.account_token_create, name="account_token_create"),
    path(
        "account/tokens/<int:pk>/revoke/",
        views.account_token_revoke,
        name="account_token_revoke",
    ),
    path("account/login/", auth_views.LoginView.as_view(), name="login"),
    # allauth's own pages ask for these names: they are Haven's pages.
    path("account/login/", auth_views.LoginView.as_view(), name="account_login"),
    path("account/two-factor/", include("allauth.mfa.urls")),
    path(
        "account/two-factor/required/", signin.second_factor_required, name="second_factor_required"
    ),
    path("account/reauthenticate/", allauth_views.reauthenticate, name="account_reauthenticate"),
    path("account/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/logout/", auth_views.LogoutView.as_view(), name="account_logout"),
    path("account/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "account/password/done/",
        auth.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("account/reset/", auth.PasswordResetView.as_view(), name="password_reset"),
    path("account/reset/sent/", auth.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "account/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "account/reset/done/",
        auth.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("inbox/", include("haven.intake.urls")),
    path("cases/", include("haven.cases.urls")),
    path("surveys/", include("haven.surveys.urls")),
    path("prevention/", include("haven.prevention.urls")),
    path("care/", include("haven.care.urls")),
    path("insights/", include("haven.insights.urls")),
    path("privacy/", include("haven.privacy.urls")),
    path("reporting/", include("haven.reporting.urls")),
    path("admin/", admin_site.urls),
)
