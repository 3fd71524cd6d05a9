"""Settings for the intake benchmark: Haven's own, in production mode, plus two reference views.

Run by bench/intake.py, which passes a long random HAVEN_SECRET_KEY in the environment.
"""

import os

os.environ.setdefault("HAVEN_DEBUG", "false")
# Production requires a public https:// address (for e-mailed links; nothing is sent here).
os.environ.setdefault("HAVEN_BASE_URL", "https://127.0.0.1")

from haven.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["127.0.0.1"]
# Plain HTTP on loopback: no redirect to HTTPS (which would answer every request with a 301).
SECURE_SSL_REDIRECT = False
