"""Fixtures shared by every test: a small organisation tree and one user per role."""

from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

from haven.orgs.tests.factories import Tree, build_tree

# Timing is for benchmarks, not tests: a loaded CI machine must not fail a property test
# because one example took longer than hypothesis' default 200 ms.
hypothesis_settings.register_profile("haven", deadline=None)
hypothesis_settings.load_profile("haven")


def _database_line() -> str:
    from django.conf import settings
    from django.db import connection

    db = settings.DATABASES["default"]
    where = f"{db.get('HOST')}:{db.get('PORT')}" if db.get("HOST") else "embedded file/memory"
    return f"database: {connection.vendor} ({connection.display_name}, {where})"


def pytest_report_header(config: Any) -> str:
    # The CI log must say which database the suite ran on.
    return _database_line()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    terminalreporter.write_line(f"[haven] suite ran on {_database_line()}")


@pytest.fixture(scope="session")
def compiled_messages() -> None:
    """Compile the catalogues once, so the suite also runs before `make compilemessages`."""
    from django.core.management import call_command
    from django.utils import translation

    call_command("compilemessages", ignore_patterns=[".venv"], verbosity=0)
    translation.trans_real._translations = {}  # type: ignore[attr-defined]


@pytest.fixture
def tree(db: Any) -> Tree:
    return build_tree()


@pytest.fixture(scope="session")
def master_key_file(tmp_path_factory: Any) -> Any:
    """One master key for the whole run, in a temporary file as production keeps it."""
    from haven.lib.crypto import write_master_key_file

    path = tmp_path_factory.mktemp("keys") / "master.key"
    write_master_key_file(path)
    return path


@pytest.fixture(autouse=True)
def _test_settings(settings: Any, tmp_path: Any, master_key_file: Any) -> None:
    # Argon2 is deliberately slow; tests that check hashing ask for it explicitly.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tasks run at once, files go to a fresh folder per test.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    # Each test starts in English, whatever language the previous test's requests activated.
    from django.utils import translation

    translation.activate("en")
    # Per-process caches must not carry one test's rows into the next.
    from haven.lib import ttlcache

    ttlcache.clear()
    # Content is sealed under a test master key, never a developer's var/master.key.
    from haven.security import keys

    settings.HAVEN_MASTER_KEY_FILE = str(master_key_file)
    settings.HAVEN_MASTER_KEY_GENERATE = False
    keys.forget()
    # allauth remembers used TOTP codes in the cache; a test must not inherit another's.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(scope="session", autouse=True)
def _flush_may_empty_the_audit_log() -> Any:
    """Transactional tests end with `flush`; only it may empty the append-only audit log."""
    from django.core.management.commands import flush

    from haven.audit.maintenance import audit_maintenance

    original = flush.Command.handle

    def handle(self: Any, **options: Any) -> Any:
        with audit_maintenance(options.get("database") or "default"):
            return original(self, **options)

    flush.Command.handle = handle  # type: ignore[method-assign]
    yield
    flush.Command.handle = original  # type: ignore[method-assign]
