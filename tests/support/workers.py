"""Delivery workers for tests, each on its own container, as `python app.py worker` runs."""

from __future__ import annotations

from slack_sdk import WebClient

from integrations.container import Container, build_container
from integrations.delivery import DeliveryContext
from integrations.delivery.worker import Worker, WorkerConfig
from integrations.slack.poster import SlackPoster
from settings import Settings
from storage import Repositories
from storage.domain import Integration


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


def replay_context(container: Container, event: Integration) -> DeliveryContext:
    """What the worker gives a handler that replays `event`: an earlier attempt may have
    made its side effects already (`is_retry`)."""
    poster = SlackPoster(
        container.slack_delivery, container.repos.mappings, event_id=event.id, check_previous=True
    )
    return DeliveryContext(container, poster, attempt=event.attempts + 1, is_retry=True)
