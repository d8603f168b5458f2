"""Production start-up refusals (issue 13, defect 8): one clear line per problem, naming the
variable, instead of "cannot reach PostgreSQL at the embedded PostgreSQL: 'ORION_SECRET_KEY'"."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from orion.production import production_problems

ORION = str(Path(sys.executable).with_name("orion"))
GOOD = {"ORION_ENV": "production", "ORION_SECRET_KEY": "k" * 64,
        "ORION_ALLOWED_HOSTS": "portal.example.com",
        "ORION_BROADWORKS_PASSWORD": "the-real-ocip-password",
        "ORION_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend"}


def _orion(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in GOOD}
    return subprocess.run([ORION, *(args or ("check",))], capture_output=True, text=True,
                          timeout=60, env={**base, **env})


def test_a_fit_environment_has_no_problems():
    assert production_problems(GOOD) == []


@pytest.mark.parametrize("change,expected", [
    ({"ORION_SECRET_KEY": None}, "ORION_SECRET_KEY is not set"),
    ({"ORION_SECRET_KEY": "short-but-not-empty-0123456789"}, "ORION_SECRET_KEY is too short"),
    ({"ORION_ALLOWED_HOSTS": " , "}, "ORION_ALLOWED_HOSTS is empty"),
    ({"ORION_BROADWORKS_PASSWORD": None}, "ORION_BROADWORKS_PASSWORD is the demo password"),
    ({"ORION_BROADWORKS_PASSWORD": "ocip-demo-password"}, "ORION_BROADWORKS_PASSWORD is the demo"),
    ({"ORION_EMAIL_BACKEND": None}, "ORION_EMAIL_BACKEND is console"),
    ({"ORION_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"},
     "ORION_EMAIL_BACKEND is locmem"),
])
def test_each_problem_is_one_line_naming_the_variable(change, expected):
    env = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    problems = production_problems(env)
    assert len(problems) == 1 and problems[0].startswith(expected), problems


def test_orion_refuses_to_start_and_says_which_variable_is_missing():
    env = {k: v for k, v in GOOD.items() if k != "ORION_SECRET_KEY"}
    result = _orion(env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines == ["orion: ORION_SECRET_KEY is not set: give production a random secret key "
                     "of at least 50 characters."], result.stderr
    assert "cannot reach PostgreSQL" not in result.stderr and "Traceback" not in result.stderr


def test_every_problem_gets_its_own_line():
    result = _orion({"ORION_ENV": "production", "ORION_SECRET_KEY": "x" * 10,
                     "ORION_ALLOWED_HOSTS": ""})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert [line.split(" is ")[0] for line in lines] == [
        "orion: ORION_SECRET_KEY", "orion: ORION_ALLOWED_HOSTS",
        "orion: ORION_BROADWORKS_PASSWORD", "orion: ORION_EMAIL_BACKEND"], result.stderr


def test_the_web_process_refuses_too():
    """gunicorn imports orion.wsgi: the same refusal, before any request is served."""
    env = {**{k: v for k, v in os.environ.items() if k not in GOOD}, "ORION_ENV": "production",
           **{k: v for k, v in GOOD.items() if k != "ORION_ALLOWED_HOSTS"}}
    result = subprocess.run([sys.executable, "-c", "import orion.wsgi"], capture_output=True,
                            text=True, timeout=60, env=env)
    assert result.returncode != 0
    assert "ORION_ALLOWED_HOSTS is empty" in result.stderr
