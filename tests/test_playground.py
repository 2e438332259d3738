"""The playground: when `python app.py` starts it, and that nothing it does leaves loopback."""

from __future__ import annotations

import ipaddress
import sys
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

import app as app_module
from playground.github_payloads import EXAMPLES
from settings import Settings
from tests.support.playground import ServedPlayground, served_playground
from web.runtime import EXTENSION

_watching: list[list[Any]] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "socket.connect" and _watching:
        _watching[-1].append(args[1])


sys.addaudithook(_audit)  # observes every socket.connect of this process (never removed)


def _settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_the_playground_runs_only_without_real_slack_credentials() -> None:
    assert _settings().playground
    assert _settings(connect_playground="on").playground
    assert not _settings(connect_playground="off").playground
    real = {"slack_bot_token": "xoxb-real", "slack_signing_secret": "s3cret"}
    assert not _settings(**real).playground
    assert not _settings(connect_playground="on", **real).playground


def test_asking_for_the_playground_with_real_slack_credentials_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir("/")  # no .env
    monkeypatch.setenv("CONNECT_PLAYGROUND", "on")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-real-token")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "real-secret")
    assert app_module.main([]) == 2
    error = capsys.readouterr().err
    assert "never runs with real Slack credentials" in error
    assert "xoxb-real-token" not in error
    assert "real-secret" not in error


@pytest.fixture(scope="module")
def served() -> Iterator[ServedPlayground]:
    with served_playground() as served:
        yield served


def _loopback(url: str | None) -> bool:
    host = urlsplit(url or "").hostname or ""
    return ipaddress.ip_address(host).is_loopback


def test_every_client_of_the_app_points_at_loopback(served: ServedPlayground) -> None:
    settings = served.settings
    container = served.app.extensions[EXTENSION].container
    assert settings.connect_host == "127.0.0.1"
    urls = [
        settings.slack_api_url,
        settings.jira_base_url,
        settings.github_api_url,
        container.slack.client.base_url,
        container.slack_delivery.client.base_url,
        container.jira.config.base_url if container.jira.config else None,
        container.github.base_url if container.github else None,
    ]
    assert all(_loopback(url) for url in urls), urls
    assert settings.database_url.startswith("sqlite:///")
    assert settings.slack_app_token is None  # no Socket Mode connection to Slack


def test_the_bind_leaves_loopback_only_when_asked() -> None:
    from playground.world import start_world

    world = start_world()
    try:
        assert world.app_settings(_settings()).connect_host == "127.0.0.1"
        copied = _settings(connect_host="0.0.0.0")  # e.g. .env.example copied to .env
        assert world.app_settings(copied).connect_host == "127.0.0.1"
        asked = _settings(connect_host="0.0.0.0", connect_playground="on")
        assert world.app_settings(asked).connect_host == "0.0.0.0"
    finally:
        world.stop()


@pytest.mark.skipif(not EXAMPLES.exists(), reason="npm fixtures missing: run make dev-install")
def test_nothing_the_story_does_connects_beyond_loopback(served: ServedPlayground) -> None:
    """The whole demo (Slack, Jira and GitHub, the app's deliveries), with every socket
    connection of this process watched."""
    connections: list[Any] = []
    _watching.append(connections)
    try:
        _, _, jira, _, demo = served.playground.sides()
        demo.pause = 0.5
        assert demo.play()
        deadline = time.monotonic() + 60
        while demo.running and time.monotonic() < deadline:
            time.sleep(0.2)
        assert demo.step.startswith("Done"), demo.step
        assert [i["status"] for i in jira.issues()] == ["Done"]
    finally:
        _watching.remove(connections)
    hosts = {address[0] for address in connections if isinstance(address, tuple)}
    assert hosts, "no connection was seen"
    assert all(ipaddress.ip_address(host).is_loopback for host in hosts), hosts
    assert [s for s in served.playground.sides()[0].log if s.status >= 400] == []
