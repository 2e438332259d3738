"""pytest fixtures for the fake services (`playground/fakes`): one server per session, fresh
state per test.

``from tests.support.fake_fixtures import *`` in ``tests/conftest.py`` makes them available
everywhere. Each fake starts on first use and stops at the end of the session; the
function-scoped fixture resets it (state, recorded requests, faults, Socket Mode connections)
before and after the test, so tests are isolated without paying for a new server each time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar, cast

import pytest

from playground.fakes.base import FakeService
from playground.fakes.github import FakeGitHub
from playground.fakes.jira import FakeJira
from playground.fakes.slack import FakeSlack

__all__ = ["fake_github", "fake_jira", "fake_jira_either", "fake_jira_server", "fake_slack"]

F = TypeVar("F", bound=FakeService)

_running: dict[str, FakeService] = {}


def _shared(request: pytest.FixtureRequest, key: str, make: Callable[[], F]) -> Iterator[F]:
    existing = _running.get(key)
    if existing is None:
        fake = make().start()
        _running[key] = fake

        def stop() -> None:
            _running.pop(key, None)
            fake.stop()

        request.config.add_cleanup(stop)
    else:
        fake = cast(F, existing)  # the instance stored under `key` came from `make`
    fake.reset()
    yield fake
    fake.reset()


@pytest.fixture
def fake_slack(request: pytest.FixtureRequest) -> Iterator[FakeSlack]:
    """The fake Slack (Web API, response URLs, Socket Mode), reset for this test."""
    yield from _shared(request, "slack", FakeSlack)


@pytest.fixture
def fake_jira(request: pytest.FixtureRequest) -> Iterator[FakeJira]:
    """The fake Jira Cloud (Basic ``fake.email``/``fake.api_token``), reset for this test."""
    yield from _shared(request, "jira-cloud", FakeJira)


@pytest.fixture
def fake_jira_server(request: pytest.FixtureRequest) -> Iterator[FakeJira]:
    """The fake Jira Server/Data Center (Bearer ``fake.pat``), reset for this test."""
    yield from _shared(request, "jira-server", lambda: FakeJira("server"))


@pytest.fixture(params=["cloud", "server"])
def fake_jira_either(request: pytest.FixtureRequest) -> FakeJira:
    """The fake Jira Cloud, then the fake Jira Server/Data Center: a test runs on each."""
    return request.getfixturevalue("fake_jira" if request.param == "cloud" else "fake_jira_server")


@pytest.fixture
def fake_github(request: pytest.FixtureRequest) -> Iterator[FakeGitHub]:
    """The fake GitHub (token ``fake.token``), reset for this test."""
    yield from _shared(request, "github", FakeGitHub)
