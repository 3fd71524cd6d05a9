"""Haven settings: everything comes from the environment, with safe development defaults.

See the README's "Configuration" section for the variables.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from haven.lib.disclosure import DEFAULT_MIN_CELL, check_min_cell
from haven.lib.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("HAVEN_VAR_DIR", str(BASE_DIR / "var")))

# Used only when HAVEN_DEBUG is on; production refuses to start with it (below).
DEVELOPMENT_SECRET_KEY = "haven-development-key-never-use-in-production"  # noqa: S105
DEBUG = env_bool("HAVEN_DEBUG", default=True)
SECRET_KEY = env_str("HAVEN_SECRET_KEY", DEVELOPMENT_SECRET_KEY)
if not DEBUG and (SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured(
        "HAVEN_SECRET_KEY must be set to a random value of at least 32 characters "
        "when HAVEN_DEBUG is off."
    )

ALLOWED_HOSTS = env_list(
    "HAVEN_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("HAVEN_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin.apps.SimpleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    # Two-factor sign-in and single sign-on (issue 17): allauth's login flow, MFA, OIDC.
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "haven.orgs",
    "haven.audit",
    "haven.security",
    "haven.notify",
    "haven.intake",
    "haven.procedures",
    "haven.cases",
    "haven.surveys",
    "haven.care",
    "haven.prevention",
    "haven.privacy",
    "haven.insights",
    "haven.reporting",
]

MIDDLEWARE = [
    "haven.lib.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "haven.lib.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "haven.lib.middleware.NullCharacterMiddleware",
    "haven.lib.middleware.CsrfViewMiddleware",  # Django's, public pages send no referrer
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "haven.lib.middleware.IdleSessionMiddleware",
    "haven.orgs.middleware.TimeZoneMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # After the time zone: it reads the grants that middleware already loaded.
    "haven.orgs.signin.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

# The check looks for Django's CSRF middleware by name; Haven's is a subclass of it (one
# allowance for the no-referrer public pages, haven.lib.middleware.CsrfViewMiddleware).
SILENCED_SYSTEM_CHECKS = ["security.W003"]

ROOT_URLCONF = "haven.urls"
WSGI_APPLICATION = "haven.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "haven" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "haven.orgs.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'haven.sqlite3'}"),
        conn_max_age=env_int("HAVEN_DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # WAL lets readers go on while one writer writes. synchronous=FULL syncs the WAL at
            # every commit: a report acknowledged is on disk even after a power cut (NORMAL
            # would only survive a crash of the process), the same promise as PostgreSQL's.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
            # Take the write lock when a transaction begins: a deferred transaction that reads
            # and then writes cannot wait for the lock and fails "database is locked" at once.
            "transaction_mode": "IMMEDIATE",
            # Seconds a writer waits for the lock (SQLite's busy timeout) before giving up.
            "timeout": 20,
        }
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Statements run this many times on a connection are prepared on the server, which then
    # skips parsing and planning them. Only Haven's server-bound statements (the public report
    # intake, haven.lib.prepared) are ever prepared: Django's own cursors bind on the client.
    # Set it to 0 (never) behind a pgbouncer in transaction mode older than 1.21.
    threshold = env_int("HAVEN_DB_PREPARE_THRESHOLD", 5)
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = threshold or None
# An optional read replica: dashboards and the figures API read the count tables there.
if env_str("DATABASE_REPLICA_URL", ""):
    DATABASES["replica"] = dj_database_url.parse(
        env_str("DATABASE_REPLICA_URL", ""),
        conn_max_age=env_int("HAVEN_DB_CONN_MAX_AGE", 0),
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["haven.insights.routers.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "orgs.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("HAVEN_PASSWORD_MIN_LENGTH", 12)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 2
# Failed log-ins allowed per account in a window, before that account is paused.
LOGIN_FAILURE_LIMIT = env_int("HAVEN_LOGIN_FAILURE_LIMIT", 10)
LOGIN_FAILURE_WINDOW = env_int("HAVEN_LOGIN_FAILURE_WINDOW", 15 * 60)

# Sign-in (haven.orgs.signin): Haven's own password page hands over to allauth's login flow,
# which asks for the second factor (TOTP, a recovery code, or a passkey/security key).
# Accounts are invited, never signed up; single sign-on only matches invited accounts.
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
ACCOUNT_ADAPTER = "haven.orgs.signin.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
# Changing one's second factors asks for the password again after this long since signing in.
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_RATE_LIMITS = False  # Haven pauses an account after failures (LOGIN_FAILURE_LIMIT)
MFA_ADAPTER = "haven.orgs.signin.MFAAdapter"
MFA_FORMS = {
    "authenticate": "haven.orgs.signin.AuthenticateForm",
    "add_webauthn": "haven.orgs.signin.AddKeyForm",
    "edit_webauthn": "haven.orgs.signin.EditKeyForm",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = env_str("HAVEN_TOTP_ISSUER", "Haven")
# Accounts are created by invitation to a known address: that is the verification.
MFA_ALLOW_UNVERIFIED_EMAIL = True
MFA_RECOVERY_CODES_SHOW_ONCE = False
# Browsers allow passkeys on http://localhost only; production is HTTPS anyway.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
SOCIALACCOUNT_ADAPTER = "haven.orgs.signin.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # matching by e-mail is Haven's adapter's job
# OpenID Connect identity providers (ministries, school boards): HAVEN_OIDC_PROVIDERS names
# them ("ministry,board"); each has HAVEN_OIDC_<ID>_NAME, _SERVER_URL (the issuer; its
# /.well-known/openid-configuration is read), _CLIENT_ID and _SECRET (or _SECRET_FILE).
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": provider_id,
                "name": env_str(f"HAVEN_OIDC_{provider_id.upper()}_NAME", provider_id),
                "client_id": env_str(f"HAVEN_OIDC_{provider_id.upper()}_CLIENT_ID", ""),
                "secret": env_str(f"HAVEN_OIDC_{provider_id.upper()}_SECRET", ""),
                "settings": {
                    "server_url": env_str(f"HAVEN_OIDC_{provider_id.upper()}_SERVER_URL", ""),
                    "token_auth_method": "client_secret_post",
                    "fetch_userinfo": True,
                },
            }
            for provider_id in env_list("HAVEN_OIDC_PROVIDERS", [])
        ],
    }
}

# Languages of the interface. Procedures, categories and survey items carry their own
# translations in their data files.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("ro", _("Romanian")),
    ("ru", _("Russian")),
    ("nl", _("Dutch")),
    ("zh-hans", _("Simplified Chinese")),
    ("vi", _("Vietnamese")),
    ("kk", _("Kazakh")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Date and number formats for languages Django ships without them (Kazakh).
FORMAT_MODULE_PATH = ["haven.lib.formats"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "haven" / "static"]
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"

# Content at rest is sealed with per-school data keys wrapped by a master key kept OUT of the
# database (README "Data protection"). The path of the key file (or several, comma-separated:
# the first wraps new keys, the others still open old ones during a rotation); read as a path,
# not through env_str's *_FILE convention, because the file holds several keys. Development
# makes var/master.key (0600) at first use; production refuses to start without one.
HAVEN_MASTER_KEY_FILE = os.environ.get(
    "HAVEN_MASTER_KEY_FILE", str(VAR_DIR / "master.key") if DEBUG else ""
)
HAVEN_MASTER_KEY_GENERATE = env_bool("HAVEN_MASTER_KEY_GENERATE", default=DEBUG)

# E-mail: printed to the console in development; SMTP when HAVEN_EMAIL_HOST is set.
EMAIL_HOST = env_str("HAVEN_EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("HAVEN_EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("HAVEN_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_str("HAVEN_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("HAVEN_EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = env_str("HAVEN_DEFAULT_FROM_EMAIL", "Haven <haven@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

TASKS = {
    "default": {
        "BACKEND": env_str("HAVEN_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Security. Production (HAVEN_DEBUG off) is HTTPS-only; `manage.py check --deploy` is clean.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("HAVEN_SESSION_AGE", 60 * 60 * 8)
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Staff sessions end after this many minutes without a request (haven.lib.middleware).
HAVEN_SESSION_IDLE_MINUTES = env_int("HAVEN_SESSION_IDLE_MINUTES", 30)
# No inline script anywhere (haven.js holds the page behaviour; htmx evaluates nothing).
HAVEN_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# The pages reporters use without an account: no referrer leaves them, nothing is cached.
HAVEN_PUBLIC_PATHS = ["/r/", "/follow-up/", "/s/"]
# Staff pages about reports and cases: never cached by the browser.
HAVEN_NO_STORE_NAMESPACES = {"intake", "cases", "care", "privacy"}
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("HAVEN_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("HAVEN_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("HAVEN_HSTS_PRELOAD", default=False)
    if env_bool("HAVEN_BEHIND_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    if not SECURE_HSTS_PRELOAD:
        # Preloading is a one-way decision for the operator's domain, not ours to make.
        SILENCED_SYSTEM_CHECKS += ["security.W021"]

# Logs go to stderr; no request logging that could carry a client address.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("HAVEN_LOG_LEVEL", "INFO")},
    # WeasyPrint narrates every step of every PDF at INFO.
    # httpx logs every request's URL at INFO, and a Bot API URL holds the bot's token.
    "loggers": {
        "weasyprint.progress": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}

NINJA_PAGINATION_PER_PAGE = 50
# Bounded limit and offset (a 21-digit offset is a 422, not an overflow in the database).
NINJA_PAGINATION_CLASS = "haven.lib.pagination.Pagination"
NINJA_PAGINATION_MAX_LIMIT = 200

# Reports. The receipt key hashes receipts; changing it makes every receipt unusable.
HAVEN_RECEIPT_KEY = env_str("HAVEN_RECEIPT_KEY", "") or f"receipts:{SECRET_KEY}"
HAVEN_REPORT_MAX_CHARS = env_int("HAVEN_REPORT_MAX_CHARS", 5000)
HAVEN_ATTACHMENT_MAX_BYTES = env_int("HAVEN_ATTACHMENT_MAX_BYTES", 10_000_000)
HAVEN_ATTACHMENTS_PER_MESSAGE = env_int("HAVEN_ATTACHMENTS_PER_MESSAGE", 5)
# Whole request bodies above this are refused before Django reads them.
HAVEN_MAX_REQUEST_BYTES = env_int(
    "HAVEN_MAX_REQUEST_BYTES",
    HAVEN_ATTACHMENT_MAX_BYTES * HAVEN_ATTACHMENTS_PER_MESSAGE + 1_000_000,
)
# Rate limits on the public routes. No client address is ever used: limits are per school,
# per receipt and overall.
HAVEN_REPORTS_PER_SCHOOL = env_int("HAVEN_REPORTS_PER_SCHOOL", 60)  # per 10 minutes
HAVEN_REPORTS_OVERALL = env_int("HAVEN_REPORTS_OVERALL", 3000)  # per minute
HAVEN_FOLLOWUP_FAILURES_PER_RECEIPT = env_int("HAVEN_FOLLOWUP_FAILURES_PER_RECEIPT", 10)  # /hour
HAVEN_FOLLOWUP_FAILURES_OVERALL = env_int("HAVEN_FOLLOWUP_FAILURES_OVERALL", 300)  # /10 minutes
# Surveys: wrong one-time codes tolerated overall per 10 minutes.
HAVEN_SURVEY_CODE_FAILURES = env_int("HAVEN_SURVEY_CODE_FAILURES", 300)
# The smallest count (and group of survey respondents) shown in any figure above the school,
# in pages, exports and the API (haven.lib.disclosure; domain notes: 10). Allowed: 5 to 20.
try:
    HAVEN_MIN_CELL = check_min_cell(env_int("HAVEN_MIN_CELL", DEFAULT_MIN_CELL))
except ValueError as exc:
    raise ImproperlyConfigured(str(exc)) from exc
# The address people reach Haven at: printed on posters (QR codes) and in e-mailed links.
HAVEN_BASE_URL = env_str("HAVEN_BASE_URL", "http://127.0.0.1:8000" if DEBUG else "")
if not DEBUG and not HAVEN_BASE_URL.startswith("https://"):
    raise ImproperlyConfigured(
        "HAVEN_BASE_URL must be set to Haven's public https:// address when HAVEN_DEBUG is off."
    )
if not DEBUG and not HAVEN_MASTER_KEY_FILE.strip():
    raise ImproperlyConfigured(
        "HAVEN_MASTER_KEY_FILE must name the master key file when HAVEN_DEBUG is off: content "
        "at rest is encrypted under it (README, Data protection)."
    )
CSRF_FAILURE_VIEW = "haven.orgs.views.csrf_failure"

# Telegram (haven/intake/telegram; README "Telegram"). Without a token and a secret the
# webhook refuses every request and posters carry no Telegram code.
HAVEN_TELEGRAM_BOT_TOKEN = env_str("HAVEN_TELEGRAM_BOT_TOKEN", "")
# Telegram sends it back in every webhook request (1-256 of A-Z a-z 0-9 _ -).
HAVEN_TELEGRAM_WEBHOOK_SECRET = env_str("HAVEN_TELEGRAM_WEBHOOK_SECRET", "")
# The Bot API's address: Telegram's, or the bundled fake (`manage.py telegram_fake`).
HAVEN_TELEGRAM_API_URL = env_str("HAVEN_TELEGRAM_API_URL", "https://api.telegram.org")
# The bot's @username without the @, for the t.me deep links on posters.
HAVEN_TELEGRAM_BOT_USERNAME = env_str("HAVEN_TELEGRAM_BOT_USERNAME", "")
# Hashes chat ids for lookup; changing it forgets which chat is which (not the reports).
HAVEN_TELEGRAM_CHAT_KEY = env_str("HAVEN_TELEGRAM_CHAT_KEY", "") or f"telegram-chat:{SECRET_KEY}"
# Messages one chat may send per minute before the bot stops answering it for a while.
HAVEN_TELEGRAM_PER_MINUTE = env_int("HAVEN_TELEGRAM_PER_MINUTE", 30)
