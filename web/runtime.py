"""What the routes share: settings, repositories, metrics, the Bolt app. One per `create_app`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import current_app

from settings import Settings
from storage import Repositories

if TYPE_CHECKING:
    from web.metrics import Metrics

EXTENSION = "connect"


@dataclass
class Runtime:
    settings: Settings
    repos: Repositories
    metrics: Metrics
    bolt: Any = None  # slack_bolt.App when Slack is configured
    bolt_handler: Any = None
    health_checks: dict[str, Any] | None = None  # name -> callable returning (ok, detail)


def runtime() -> Runtime:
    return current_app.extensions[EXTENSION]
