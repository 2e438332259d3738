"""The one error handler of the Bolt app."""

from __future__ import annotations

import logging

from slack_bolt import App

log = logging.getLogger(__name__)


def register(app: App) -> None:
    @app.error
    def handle_error(error: Exception, body: dict, logger: logging.Logger) -> None:
        kind = body.get("type") or body.get("command") or "unknown"
        logger.error(
            "slack.listener_error kind=%s error=%s: %s",
            kind,
            type(error).__name__,
            error,
            exc_info=error,
        )
