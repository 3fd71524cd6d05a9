"""Settings for the benchmarks: Haven's own, in production mode, plus two reference views.

bench/intake.py passes a long random HAVEN_SECRET_KEY in the environment; the in-process
benchmarks import bench/production.py, which does the same.
"""

import os

os.environ.setdefault("HAVEN_DEBUG", "false")
# Production requires a public https:// address (for e-mailed links; nothing is sent here).
os.environ.setdefault("HAVEN_BASE_URL", "https://127.0.0.1")

from haven.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
# The test client (in-process benchmarks) asks for "testserver".
ALLOWED_HOSTS = ["127.0.0.1", "testserver"]
# Plain HTTP on loopback: no redirect to HTTPS (which would answer every request with a 301).
SECURE_SSL_REDIRECT = False
