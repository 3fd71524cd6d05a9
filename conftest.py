"""Fixtures shared by every test: a small organisation tree and one user per role."""

from typing import Any

import pytest

from haven.orgs.tests.factories import Tree, build_tree


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


@pytest.fixture
def tree(db: Any) -> Tree:
    return build_tree()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # Argon2 is deliberately slow; tests that check hashing ask for it explicitly.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
