"""Fixtures: databases (SQLite, PostgreSQL, MariaDB), the live app, and the fake services."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import requests

from app import create_app
from playground.fakes.jira import FakeJira
from playground.fakes.slack import FakeSlack
from playground.server import ServerThread
from storage import Database, Repositories
from tests.support import databases, hostile
from tests.support.fake_fixtures import *  # noqa: F403 - fake_slack, fake_jira, ...
from tests.support.live import LiveApp, settings_for
from tests.support.slack import TicketEnv, start_ticket_env

ENV_PREFIXES = ("CONNECT_", "SLACK_", "JIRA_", "GITHUB_")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """What the property tests sent (`tests/support/hostile.py`): requests and 5xx per route."""
    if hostile.TALLY.requests:
        terminalreporter.section("hostile requests per route")
        for line in hostile.TALLY.lines():
            terminalreporter.write_line(line)


@pytest.fixture(autouse=True, scope="session")
def _clean_environment() -> Iterator[None]:
    """The machine's own configuration must not leak into tests (CI keeps its env)."""
    saved = {
        k: v for k, v in os.environ.items() if k.startswith(ENV_PREFIXES) or k == "DATABASE_URL"
    }
    for name in saved:
        if name != "CONNECT_TEST_REQUIRE_DATABASES":
            del os.environ[name]
    yield
    os.environ.update(saved)


# Databases ------------------------------------------------------------------------------

DATABASE_KINDS = ["sqlite", "postgresql", "mariadb"]


@pytest.fixture(scope="session")
def _server_databases() -> Iterator[dict[str, str]]:
    """One migrated database per reachable server for the whole session.

    Maps each server kind to its URL, or to `unreachable:<reason>`.
    """
    urls: dict[str, str] = {}
    with ExitStack() as stack:
        for kind in databases.SERVERS:
            reason = databases.unreachable_reason(kind)
            if reason:
                urls[kind] = "unreachable:" + reason
                continue
            url = stack.enter_context(databases.server_database(kind))
            db = Database(url)
            db.upgrade()
            db.dispose()
            urls[kind] = url
        yield urls


@pytest.fixture(params=DATABASE_KINDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, _server_databases: dict[str, str]
) -> Iterator[str]:
    """A migrated, empty database of each kind in turn."""
    kind = request.param
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'connect.db'}"
        db = Database(url)
        db.upgrade()
        db.dispose()
        yield url
        return
    url = _server_databases[kind]
    if url.startswith("unreachable:"):
        reason = url.removeprefix("unreachable:")
        if databases.required(kind):
            pytest.fail(f"{reason} (required by CONNECT_TEST_REQUIRE_DATABASES)")
        pytest.skip(reason)
    yield url
    databases.empty_tables(url)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A migrated SQLite database, for tests that are not about the database."""
    url = f"sqlite:///{tmp_path / 'connect.db'}"
    db = Database(url)
    db.upgrade()
    db.dispose()
    return url


@pytest.fixture
def repos(database_url: str) -> Iterator[Repositories]:
    db = Database(database_url)
    yield Repositories.on(db)
    db.dispose()


# The live app ---------------------------------------------------------------------------


@pytest.fixture
def make_live_app() -> Iterator[Callable[..., LiveApp]]:
    """`make_live_app(database_url, **settings)` → the app served on 127.0.0.1."""
    started: list[LiveApp] = []

    def make(database_url: str, **overrides: Any) -> LiveApp:
        app = create_app(settings_for(database_url, **overrides), migrate=False)
        live = LiveApp(app=app, server=ServerThread(app).start(), http=requests.Session())
        started.append(live)
        return live

    yield make
    for live in started:
        live.server.stop()
        live.http.close()
        live.runtime.repos.db.dispose()


@pytest.fixture
def live_app(make_live_app: Callable[..., LiveApp], database_url: str) -> LiveApp:
    """The app on each database kind in turn."""
    return make_live_app(database_url)


@pytest.fixture
def make_ticket_env(
    make_live_app: Callable[..., LiveApp],
    sqlite_url: str,
    fake_slack: FakeSlack,
    fake_jira: FakeJira,
) -> Callable[..., TicketEnv]:
    """`make_ticket_env(**settings)`: the app with Slack and Jira configured against the fakes
    (see `tests/support/slack.py`), on SQLite."""

    def make(**overrides: Any) -> TicketEnv:
        return start_ticket_env(make_live_app, sqlite_url, fake_slack, fake_jira, **overrides)

    return make


@pytest.fixture
def ticket_env_either(
    make_live_app: Callable[..., LiveApp],
    sqlite_url: str,
    fake_slack: FakeSlack,
    fake_jira_either: FakeJira,
) -> TicketEnv:
    """`make_ticket_env()` against the fake Jira Cloud, then against Server/Data Center."""
    return start_ticket_env(make_live_app, sqlite_url, fake_slack, fake_jira_either)
