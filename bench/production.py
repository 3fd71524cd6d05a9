"""Benchmarks measure Haven as production runs it: imported before ``django.setup()``.

With ``HAVEN_DEBUG`` on (the development default) Django wraps every cursor to log each query
with its parameters quoted, which cost a quarter of a full insights rebuild in a profile; the
in-process benchmarks ran that way until this module. Production settings need a secret key
and a public address; the benchmark gives throwaway ones.
"""

import os
import secrets
from pathlib import Path

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
os.environ.setdefault("HAVEN_DEBUG", "false")
os.environ.setdefault("HAVEN_SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("HAVEN_BASE_URL", "https://127.0.0.1")
# Encryption at rest on, as in production. The key file stays under var/ between runs: the
# benchmark databases are reused, and their data keys are wrapped by it.
os.environ.setdefault(
    "HAVEN_MASTER_KEY_FILE",
    str(Path(__file__).resolve().parents[1] / "var" / "bench-master.key"),
)
os.environ.setdefault("HAVEN_MASTER_KEY_GENERATE", "true")
