"""Production settings: refuse the development key, and pass Django's deployment checks."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from haven.lib.crypto import write_master_key_file

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # A clean environment: no Haven settings, and not the browser tests' async override; a
    # var/ of its own (the developer's database may hold keys of another master key).
    with tempfile.TemporaryDirectory(prefix="haven-var.") as var:
        clean = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("HAVEN_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
        }
        clean.update({"HAVEN_VAR_DIR": var, **env})
        return subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=clean,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


def test_production_refuses_the_development_secret_key():
    result = manage("check", HAVEN_DEBUG="false", HAVEN_ALLOWED_HOSTS="haven.example")
    assert result.returncode != 0
    assert "HAVEN_SECRET_KEY must be set" in result.stderr


def test_production_refuses_a_short_secret_key():
    result = manage("check", HAVEN_DEBUG="false", HAVEN_SECRET_KEY="short")
    assert result.returncode != 0


def test_production_settings_pass_the_deployment_checks(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text("k" * 20 + "-a-long-random-production-secret-value\n")
    write_master_key_file(tmp_path / "master.key")
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        HAVEN_DEBUG="false",
        HAVEN_SECRET_KEY_FILE=str(key_file),
        HAVEN_MASTER_KEY_FILE=str(tmp_path / "master.key"),
        HAVEN_VAR_DIR=str(tmp_path),
        HAVEN_ALLOWED_HOSTS="haven.example",
        HAVEN_BASE_URL="https://haven.example",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_needs_its_public_https_address(tmp_path):
    result = manage(
        "check",
        HAVEN_DEBUG="false",
        HAVEN_SECRET_KEY="k" * 40,
        HAVEN_BASE_URL="http://haven.example",
    )
    assert result.returncode != 0
    assert "HAVEN_BASE_URL must be set" in result.stderr


def test_malformed_boolean_is_a_clear_error():
    result = manage("check", HAVEN_DEBUG="perhaps")
    assert result.returncode != 0
    assert "HAVEN_DEBUG must be a boolean" in result.stderr


def test_sqlite_runs_in_wal_with_durable_commits_immediate_transactions_and_a_busy_timeout(
    tmp_path,
):
    # A file database (the suite's own may be in memory, where WAL does not exist), read back
    # from SQLite itself through the settings as `make run` gets them.
    script = (
        "import sqlite3\n"
        "from django.db import connection, transaction\n"
        "c = connection.cursor()\n"
        "pragmas = [c.execute(f'PRAGMA {p}').fetchone()[0]"
        " for p in ('journal_mode', 'synchronous', 'busy_timeout')]\n"
        "other = sqlite3.connect(connection.settings_dict['NAME'], timeout=0)\n"
        "with transaction.atomic():\n"
        "    try:\n"
        "        other.execute('BEGIN IMMEDIATE')\n"
        "    except sqlite3.OperationalError as exc:\n"
        "        pragmas.append(str(exc))\n"
        "print(pragmas)\n"
    )
    result = manage("shell", "-c", script, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert result.returncode == 0, result.stderr
    # 2 is FULL: every commit synced to disk. A transaction takes the write lock as it begins,
    # before any statement in it (BEGIN IMMEDIATE): another writer is refused meanwhile.
    last = result.stdout.strip().splitlines()[-1]
    assert last == "['wal', 2, 20000, 'database is locked']"


def test_a_small_count_threshold_outside_5_to_20_is_refused_at_start():
    for value in ("4", "21"):
        result = manage("check", HAVEN_MIN_CELL=value)
        assert result.returncode != 0
        assert "HAVEN_MIN_CELL must be between 5 and 20" in result.stderr
    assert manage("check", HAVEN_MIN_CELL="5").returncode == 0


def test_production_refuses_to_start_without_a_master_key(tmp_path):
    result = manage(
        "check",
        HAVEN_DEBUG="false",
        HAVEN_SECRET_KEY="k" * 40,
        HAVEN_BASE_URL="https://haven.example",
        HAVEN_VAR_DIR=str(tmp_path),
    )
    assert result.returncode != 0
    assert "HAVEN_MASTER_KEY_FILE must name the master key file" in result.stderr
