"""What the routes share: the container, metrics, the Bolt app. One per `create_app`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import current_app

from integrations.container import Container
from settings import Settings
from storage import Repositories

if TYPE_CHECKING:
    from slack_bolt import App
    from slack_bolt.adapter.flask import SlackRequestHandler

    from web.metrics import Metrics

EXTENSION = "connect"


@dataclass
class Runtime:
    container: Container
    metrics: Metrics
    bolt: App | None = None  # when Slack is configured
    bolt_handler: SlackRequestHandler | None = None
    health_checks: dict[str, Any] | None = None  # name -> callable returning (ok, detail)

    @property
    def settings(self) -> Settings:
        return self.container.settings

    @property
    def repos(self) -> Repositories:
        return self.container.repos


def runtime() -> Runtime:
    return current_app.extensions[EXTENSION]
