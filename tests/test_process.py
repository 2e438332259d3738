"""`python app.py` as a real process: what `make run` starts."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CONNECT_", "SLACK_", "JIRA_", "GITHUB_")) and k != "DATABASE_URL"
    }
    return env | extra


def test_app_comes_up_on_sqlite_without_credentials(tmp_path: Path) -> None:
    port = free_port()
    env = clean_env(
        CONNECT_HOST="127.0.0.1",
        CONNECT_PORT=str(port),
        CONNECT_PLAYGROUND="off",
        DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.db'}",
        JIRA_API_TOKEN="jira-token-never-logged",
    )
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py")],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except requests.ConnectionError:
                assert process.poll() is None, process.communicate()[0]
                assert time.monotonic() < deadline, "the service did not come up in 30 s"
                time.sleep(0.1)
        assert response.status_code == 200
        assert response.json() == {
            "status": "healthy",
            "service": "connect",
            "database": "connected",
        }
        slack = requests.post(f"http://127.0.0.1:{port}/slack/events", timeout=5)
        assert slack.status_code == 503
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0]
    assert "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET" in output  # the log says what to set
    assert "http.stopping" in output  # SIGTERM stops it cleanly
    assert "shutdown.done" in output
    assert "Traceback" not in output
    assert process.returncode == 0
    assert "jira-token-never-logged" not in output
    assert (tmp_path / "fresh.db").exists()


def test_without_credentials_python_app_py_serves_the_playground(tmp_path: Path) -> None:
    """What `make run` on a fresh machine shows: the playground, on loopback, at the URL its
    log prints; stopped cleanly by SIGTERM, its temporary data removed."""
    port = free_port()
    env = clean_env(CONNECT_PORT=str(port), JIRA_API_TOKEN="jira-token-never-logged")
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py")],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/playground"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                state = requests.get(url + "/api/state", timeout=2)
                if state.status_code == 200 and state.json()["ready"]:
                    break
            except requests.ConnectionError:
                pass
            assert process.poll() is None, process.communicate()[0]
            assert time.monotonic() < deadline, "the playground did not come up in 30 s"
            time.sleep(0.2)
        page = requests.get(url, timeout=5)
        assert page.status_code == 200
        assert "Play the demo" in page.text
        assert [c["name"] for c in state.json()["channels"]] == ["it-help", "general", "random"]
    finally:
        process.terminate()
        output = process.communicate(timeout=15)[0]
    assert f"playground.ready url={url}" in output
    assert "host=127.0.0.1" in output  # loopback only unless CONNECT_HOST says otherwise
    assert "shutdown.done" in output
    assert "Traceback" not in output
    assert process.returncode == 0
    assert "jira-token-never-logged" not in output
    assert not (tmp_path / "connect.db").exists()  # the playground's data is its own
    temporary = re.search(r"database=sqlite:///(\S+)/playground.db", output)
    assert temporary is not None
    assert not Path(temporary.group(1)).exists()


def test_an_invalid_setting_stops_start_up_with_one_clear_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "app.py")],
        cwd=tmp_path,
        env=clean_env(CONNECT_PORT="abc", SLACK_SIGNING_SECRET="sign-secret-xyz"),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "CONNECT_PORT" in result.stderr
    assert "'abc'" in result.stderr
    assert "Traceback" not in result.stderr
    assert "sign-secret-xyz" not in result.stderr + result.stdout


def test_db_upgrade_command(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    result = subprocess.run(
        [sys.executable, str(ROOT / "app.py"), "db", "upgrade"],
        cwd=tmp_path,
        env=clean_env(DATABASE_URL=url),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "database upgrade done" in result.stdout
