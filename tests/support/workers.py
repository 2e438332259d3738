"""Delivery workers for tests, each on its own container, as `python app.py worker` runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_sdk import WebClient

from integrations.container import Container, build_container
from integrations.delivery import DeliveryContext
from integrations.delivery.worker import Worker, WorkerConfig
from integrations.slack.poster import SlackPoster
from settings import Settings
from storage import Repositories
from storage.domain import Integration

if TYPE_CHECKING:
    from tests.support.slack import TicketEnv


def worker_for(
    settings: Settings,
    repos: Repositories,
    *,
    slack: WebClient,
    config: WorkerConfig | None = None,
    name: str | None = None,
) -> Worker:
    """A worker whose Slack client is `slack` (tests give one with a short timeout)."""
    return Worker(build_container(settings, repos, slack_delivery=slack), config=config, name=name)


def hand_worker(env: TicketEnv) -> Worker:
    """A worker of `env` the test runs by hand (`run_until_idle`, `deliver`): nothing in the
    background, one thread, and a Slack client that fails at once instead of retrying."""
    client = WebClient(
        token=env.slack.bot_token, base_url=env.slack.api_url, timeout=5, retry_handlers=[]
    )
    return worker_for(
        env.live.runtime.settings,
        env.repos,
        config=WorkerConfig(threads=1, poll_seconds=0.05),
        slack=client,
        name="test",
    )


def replay_context(container: Container, event: Integration) -> DeliveryContext:
    """What the worker gives a handler that replays `event`: an earlier attempt may have
    made its side effects already (`is_retry`)."""
    poster = SlackPoster(
        container.slack_delivery, container.repos.mappings, event_id=event.id, check_previous=True
    )
    return DeliveryContext(container, poster, attempt=event.attempts + 1, is_retry=True)
