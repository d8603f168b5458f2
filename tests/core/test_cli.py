from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ORION = str(Path(sys.executable).with_name("orion"))


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ORION, *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **env})


def test_unreachable_database_gives_one_clear_line():
    result = _run("migrate", DATABASE_URL="postgresql://orion@127.0.0.1:1/nowhere")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("orion: cannot reach PostgreSQL at orion@127.0.0.1:1/nowhere")
    assert "Traceback" not in result.stderr


def test_orion_wraps_manage_py_and_maps_hyphens():
    result = _run("help", "catalog")
    assert result.returncode == 0 and "load" in result.stdout
    status = _run("db", "status")
    assert status.returncode == 0
    assert ("embedded" in status.stdout) or ("DATABASE_URL" in status.stdout)


def test_demo_data_needs_the_demo_flag():
    result = _run("demo", "load", ORION_DEMO="0")
    assert result.returncode != 0 and "ORION_DEMO=1" in result.stderr


def test_production_settings_pass_the_deploy_check():
    result = _run("check", "--deploy", "--fail-level", "WARNING", ORION_ENV="production",
                  ORION_SECRET_KEY="x" * 20 + "-production-secret-" + "y" * 30,
                  ORION_ALLOWED_HOSTS="orion.example.com",
                  ORION_BROADWORKS_PASSWORD="the-real-ocip-password",
                  ORION_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_db_status_reports_without_starting_the_embedded_server(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["ORION_VAR_DIR"] = str(tmp_path)
    result = subprocess.run([ORION, "db", "status"], capture_output=True, text=True,
                            timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    assert "not running" in result.stdout
    assert not (tmp_path / "pgdata").exists()  # asked about it, never started it


def test_importing_the_settings_starts_no_database(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["ORION_VAR_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", "import orion.settings as s; print(s.DATABASES['default']['PORT'])"],
        capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "pgdata").exists()  # only entry points start the embedded server
