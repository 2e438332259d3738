"""The deployment files: `compose.yaml` is a valid Compose file with the process shape the
README describes, and the image's entry commands (the Dockerfile's CMD, the compose services'
commands) work when run the same way in this virtualenv. No Docker engine is needed: the
image itself is not built here."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import requests
import yaml

from bench.load import free_port, stop_group
from tests.support import databases

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "tests" / "fixtures" / "compose-spec" / "compose-spec.json"
BIN = Path(sys.executable).parent


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def dockerfile_cmd() -> list[str]:
    """The Dockerfile's CMD, in its exec (JSON) form."""
    text = (ROOT / "Dockerfile").read_text()
    match = re.search(r"^CMD (\[.*\])\s*$", text, re.MULTILINE)
    assert match, "the Dockerfile's CMD is in exec form, on one line"
    return json.loads(match.group(1))


# The compose file -----------------------------------------------------------------------


def test_the_compose_file_is_valid_against_the_compose_specification() -> None:
    # the schema names draft-07 without the "#" jsonschema looks its metaschema up by
    jsonschema.Draft7Validator(json.loads(SCHEMA.read_text())).validate(compose())


def test_docker_compose_accepts_the_file_where_it_is_installed() -> None:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("docker is not installed")
    version = subprocess.run(
        [docker, "compose", "version"], capture_output=True, text=True, check=False
    )
    if version.returncode != 0:
        pytest.skip("the docker compose plugin is not installed (the schema test covers it)")
    checked = subprocess.run(
        [docker, "compose", "-f", str(ROOT / "compose.yaml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert checked.returncode == 0, checked.stderr


def test_compose_runs_web_two_workers_and_postgres_after_a_one_shot_migration() -> None:
    services = compose()["services"]
    assert sorted(services) == ["migrate", "postgres", "web", "worker-1", "worker-2"]

    postgres = services["postgres"]
    assert postgres["image"] == "postgres:15"
    assert any(v.endswith(":/var/lib/postgresql/data") for v in postgres["volumes"])
    assert "pgdata" in compose()["volumes"]

    migrate = services["migrate"]
    assert migrate["command"] == ["python", "app.py", "db", "upgrade"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"

    web = services["web"]
    assert web["environment"]["CONNECT_WORKER"] == "off"
    assert "command" not in web, "web runs the image's CMD: gunicorn"
    assert "/health" in " ".join(web["healthcheck"]["test"])
    for name in ("web", "worker-1", "worker-2"):
        assert services[name]["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"}
        }
        assert services[name]["environment"]["DATABASE_URL"].startswith("postgresql+psycopg://")
    for name in ("worker-1", "worker-2"):
        assert services[name]["command"] == ["python", "app.py", "worker"]


def test_the_image_runs_gunicorn_as_a_user_without_privileges() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.1[1-9]-slim$", text, re.MULTILINE)
    assert "pip install --requirement requirements.lock" in text
    user = re.findall(r"^USER (\S+)$", text, re.MULTILINE)
    assert user == ["connect"]
    assert dockerfile_cmd()[:3] == ["gunicorn", "-c", "gunicorn.conf.py"]
    assert dockerfile_cmd()[-1] == "app:create_app()"
    ignored = (ROOT / ".dockerignore").read_text().split()
    for secret_or_local in (".env", ".venv", ".git", "*.db"):
        assert secret_or_local in ignored


# The entry commands, run as the image runs them -------------------------------------------


@pytest.fixture
def compose_database(tmp_path: Path) -> Iterator[str]:
    """PostgreSQL like the compose file when it is reachable, else SQLite."""
    if databases.unreachable_reason("postgresql") is None:
        with databases.server_database("postgresql") as url:
            yield url
        return
    yield f"sqlite:///{tmp_path / 'connect.db'}"


def _environment(database_url: str, **extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("CONNECT_", "SLACK_"))}
    return {
        **keep,
        "PATH": f"{BIN}{os.pathsep}{keep.get('PATH', '')}",
        "DATABASE_URL": database_url,
        "CONNECT_LOG_LEVEL": "WARNING",
        **extra,
    }


def _in_venv(command: list[str]) -> list[str]:
    """The image's command with this virtualenv's python and gunicorn."""
    if command[0] == "python":
        return [sys.executable, *command[1:]]
    return [str(BIN / command[0]), *command[1:]]


@contextmanager
def _running(command: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        _in_venv(command),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        stop_group(process)


def test_the_entry_commands_migrate_serve_health_and_deliver(compose_database: str) -> None:
    services = compose()["services"]
    web_env = {
        k: _interpolate(str(v))
        for k, v in services["web"]["environment"].items()
        if k != "DATABASE_URL"
    }

    migrated = subprocess.run(
        _in_venv(services["migrate"]["command"]),
        cwd=ROOT,
        env=_environment(compose_database),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert migrated.returncode == 0, migrated.stderr
    assert "database upgrade done" in migrated.stdout

    port = free_port()
    command = dockerfile_cmd()
    command[command.index("--bind") + 1] = f"127.0.0.1:{port}"
    with _running(command, _environment(compose_database, **web_env)) as web:
        health = _wait_for_health(f"http://127.0.0.1:{port}/health", web)
        assert health.status_code == 200
        assert health.json()["database"] == "connected"

    worker_command = services["worker-1"]["command"]
    with _running(worker_command, _environment(compose_database)) as worker:
        # without Slack credentials it says so once it runs (its signal handlers are set)
        assert _wait_for_line(worker, "connect worker:"), "the worker did not start"
        time.sleep(0.5)
        assert worker.poll() is None
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0


def _wait_for_line(process: subprocess.Popen[str], text: str, timeout: float = 60) -> bool:
    found = threading.Event()

    def read() -> None:
        for line in process.stdout or ():
            if text in line:
                found.set()

    threading.Thread(target=read, daemon=True).start()
    return found.wait(timeout)


def _interpolate(value: str) -> str:
    """Compose's `${NAME:-default}`, with nothing set: the default."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


def _wait_for_health(url: str, process: subprocess.Popen[str]) -> requests.Response:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            pytest.fail(f"gunicorn exited: {output[-2000:]}")
        try:
            return requests.get(url, timeout=5)
        except requests.RequestException:  # not listening yet, or a worker still booting
            time.sleep(0.2)
    pytest.fail(f"{url} did not answer within 60 s")
