"""The Slack Bolt app: listeners for Slack's surfaces, registered on one `App`.

`build_bolt_app` is used by both transports: HTTP (`/slack/events`) and Socket Mode.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App

from integrations.container import Container

log = logging.getLogger(__name__)

LAZY_WORKERS = 32
"""Threads for lazy listeners. Bolt's default pool has 5, and they block on Jira (createmeta
up to 1.2 s, a mirrored comment up to the 10 s timeout): a few slow calls would queue every
new `/ticket` behind them until its 3-second trigger id expired."""


def build_bolt_app(container: Container) -> App:
    """The Bolt app with every listener registered.

    `process_before_response=True` acks at once (Bolt's threaded ack otherwise waits in a
    10 ms sleep loop); slow work goes to lazy listeners. Token verification at start-up is
    off so that the service comes up, and keeps accepting webhooks, while Slack is down.
    Lazy listeners get their own, larger pool (`LAZY_WORKERS`). A request no listener
    handles goes to the error handler (one line, 404) instead of Bolt's multi-line
    suggestion of a listener to write.
    """
    settings = container.settings
    if settings.slack_bot_token is None or settings.slack_signing_secret is None:
        raise ValueError("SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are needed for the Slack app")
    app = App(
        client=container.slack.client,
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        process_before_response=True,
        token_verification_enabled=False,
        raise_error_for_unhandled_request=True,
        logger=logging.getLogger("bot"),
        listener_executor=ThreadPoolExecutor(
            max_workers=LAZY_WORKERS, thread_name_prefix="bolt-lazy"
        ),
    )
    register_listeners(app, container)
    return app


def register_listeners(app: App, container: Container) -> None:
    """Every listener, on the one app both transports (HTTP, Socket Mode) dispatch to."""
    from bot import actions, commands, errors, events, functions, shortcuts, views
    from bot.services import BotServices

    services = BotServices.build(container)
    errors.register(app)
    commands.register(app, services)
    shortcuts.register(app, services)
    views.register(app, services)
    events.register(app, services)
    functions.register(app, services)
    actions.register(app, services)
