"""The deployment files hold together: docker-compose.yml, Dockerfile, scripts, setup_demo.

No Docker engine runs here, so the compose file is validated with ``docker-compose config``
(Debian's docker-compose 1.29) and its normalised output is checked as YAML.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.contrib.auth import get_user_model
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from events.models import Event, LabelClass, Membership, Role, Team

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = shutil.which("docker-compose")
needs_compose = pytest.mark.skipif(
    COMPOSE is None and not os.environ.get("CI"),
    reason="docker-compose is not installed (scripts/test.sh installs it)",
)


def _compose_config(**env: str) -> subprocess.CompletedProcess[str]:
    assert COMPOSE is not None, "docker-compose is not installed"
    return subprocess.run(
        [COMPOSE, "--file", str(ROOT / "docker-compose.yml"), "config"],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root"), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    result = _compose_config(SECRET_KEY="compose-test-key")
    assert result.returncode == 0, result.stderr
    config: dict[str, Any] = yaml.safe_load(result.stdout)
    return config


@needs_compose
def test_compose_file_validates_quietly() -> None:
    assert COMPOSE is not None
    result = subprocess.run(
        [COMPOSE, "--file", str(ROOT / "docker-compose.yml"), "config", "-q"],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "SECRET_KEY": "x"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


@needs_compose
def test_compose_refuses_to_start_without_a_secret_key() -> None:
    result = _compose_config()
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@needs_compose
def test_compose_services_and_healthchecks(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"db", "redis", "migrate", "web", "worker"} <= set(services)
    assert services["db"]["image"].startswith("postgis/postgis:15-3")
    assert services["redis"]["image"] == "redis:7"
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert services["redis"]["healthcheck"]["test"][-2:] == ["redis-cli", "ping"]
    assert "/api/schema/" in " ".join(services["web"]["healthcheck"]["test"])
    assert "inspect ping" in " ".join(services["worker"]["healthcheck"]["test"])
    for name in ("migrate", "web", "worker"):
        assert services[name]["build"]["context"] == str(ROOT)


@needs_compose
@pytest.mark.parametrize("name", ["web", "worker"])
def test_compose_app_services_wait_for_healthy_dependencies(
    compose: dict[str, Any], name: str
) -> None:
    depends = compose["services"][name]["depends_on"]
    assert depends["db"]["condition"] == "service_healthy"
    assert depends["redis"]["condition"] == "service_healthy"
    assert depends["migrate"]["condition"] == "service_completed_successfully"
    assert compose["services"]["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"


@needs_compose
@pytest.mark.parametrize("name", ["migrate", "web", "worker"])
def test_compose_app_services_use_the_team_deployment(compose: dict[str, Any], name: str) -> None:
    service = compose["services"][name]
    env = service["environment"]
    assert env["SECRET_KEY"] == "compose-test-key"
    assert env["DATABASE_URL"].startswith("postgis://")
    assert env["DATABASE_URL"].endswith("@db:5432/labeler")
    assert env["CELERY_BROKER_URL"] == "redis://redis:6379/0"
    assert env["REDIS_URL"].startswith("redis://redis:6379/")
    assert env["DEBUG"] == "false"
    # Media (images, COGs, exports) lives in DATA_DIR on a volume shared by web and worker.
    assert any(v.split(":")[:2] == ["media", env["DATA_DIR"]] for v in service["volumes"])
    assert "media" in compose["volumes"]


@needs_compose
def test_compose_commands_run_real_entry_points(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert services["web"]["command"][:2] == ["gunicorn", "labeler.wsgi:application"]
    assert services["web"]["ports"] and "8000" in str(services["web"]["ports"][0])
    worker = services["worker"]["command"]
    assert worker[0] == "celery" and "worker" in worker and "--app=labeler" in worker
    _assert_wsgi_target("labeler.wsgi:application")
    _assert_celery_app("labeler")


def _assert_wsgi_target(target: str) -> None:
    module_name, _, attribute = target.partition(":")
    module = importlib.import_module(module_name)
    assert callable(getattr(module, attribute or "application"))


def _assert_celery_app(name: str) -> None:
    from celery import Celery
    from celery.app.utils import find_app

    app = find_app(name)
    assert isinstance(app, Celery)
    assert app.main == "labeler"


def _dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def test_dockerfile_base_packages_and_user() -> None:
    text = _dockerfile()
    assert re.search(r"^FROM python:3\.11-slim-bookworm\s*$", text, re.M)
    for package in ("libsqlite3-mod-spatialite", "gcc", "libsqlite3-dev"):
        assert re.search(rf"\s{re.escape(package)}\s", text), package
    assert "--no-binary pysqlite3" in text
    assert "collectstatic --noinput" in text
    users = re.findall(r"^USER\s+(\S+)", text, re.M)
    assert users and users[-1] not in {"root", "0"}


def test_dockerfile_cmd_runs_the_wsgi_application() -> None:
    cmd = re.findall(r"^CMD\s+(\[.*\])\s*$", _dockerfile(), re.M)
    assert len(cmd) == 1
    argv = json.loads(cmd[0])
    assert argv[0] == "gunicorn"
    _assert_wsgi_target(argv[1])


def test_dockerfile_copies_every_package_that_exists() -> None:
    text = _dockerfile()
    sources = []
    for line in re.findall(r"^COPY\s+(?!--from)(.+)$", text, re.M):
        sources += shlex.split(line)[:-1]
    for source in sources:
        assert (ROOT / source).exists(), f"Dockerfile copies {source}, which is not in the repo"
    for package in ("labeler", "events", "workers", "api", "frontend"):
        assert f"{package}/" in sources, f"Dockerfile does not copy {package}/"
    assert "manage.py" in sources


def test_dockerignore_keeps_local_state_out_of_the_image() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".git", ".venv", "data", "staticfiles", "frontend/node_modules"} <= ignored


@pytest.mark.parametrize("script", ["scripts/run.sh", "scripts/test.sh", ".ci/run"])
def test_scripts_are_executable_bash(script: str) -> None:
    path = ROOT / script
    assert os.access(path, os.X_OK), f"{script} is not executable"
    assert path.read_text().startswith("#!/usr/bin/env bash\n")
    result = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_ci_runs_the_test_command() -> None:
    text = (ROOT / ".ci/run").read_text()
    assert "set -euo pipefail" in text
    assert text.rstrip().endswith("exec ./scripts/test.sh")


@pytest.mark.django_db
def test_setup_demo_is_idempotent(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("setup_demo")
    first = capsys.readouterr().out
    call_command("setup_demo", "--password", "another-one")
    second = capsys.readouterr().out

    user = get_user_model().objects.get(username="demo")
    assert user.check_password("another-one")
    assert not user.is_superuser
    team = Team.objects.get(name="Demo team")
    assert Membership.objects.get(team=team, user=user).role == Role.OWNER
    assert Team.objects.count() == 1
    event = Event.objects.get(team=team)
    assert (event.name, event.phenomenon) == ("Demo flood", "flood")
    assert event.area_of_interest is not None
    kinds = dict(event.label_classes.values_list("name", "kind"))
    assert kinds == {
        "flood water": LabelClass.Kind.OBJECT,
        "cloud": LabelClass.Kind.OBJECT,
        "flooded": LabelClass.Kind.TAG,
    }
    token = Token.objects.get(user=user)
    assert "password:  labeler-demo" in first
    assert "password:  another-one" in second
    assert token.key in first and token.key in second


@pytest.mark.django_db
def test_setup_demo_reads_the_password_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DEMO_PASSWORD", "from-the-env")
    call_command("setup_demo", "--admin", stdout=io.StringIO())
    user = get_user_model().objects.get(username="demo")
    assert user.check_password("from-the-env")
    assert user.is_staff and user.is_superuser
