"""The Slack Bolt app: listeners for Slack's surfaces, registered on one `App`.

`build_bolt_app` is used by both transports: HTTP (`/slack/events`) and Socket Mode.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from settings import Settings
from storage import Repositories

log = logging.getLogger(__name__)

LAZY_WORKERS = 32
"""Threads for lazy listeners. Bolt's default pool has 5, and they block on Jira (createmeta
up to 1.2 s, a mirrored comment up to the 10 s timeout): a few slow calls would queue every
new `/ticket` behind them until its 3-second trigger id expired."""


def slack_client(settings: Settings, token: str | None = None) -> WebClient:
    """A WebClient on `SLACK_API_URL` that retries rate limits, 5xx and dropped connections."""
    if token is None and settings.slack_bot_token is not None:
        token = settings.slack_bot_token.get_secret_value()
    return WebClient(
        token=token,
        base_url=settings.slack_api_url,
        timeout=10,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def build_bolt_app(settings: Settings, repos: Repositories) -> App:
    """The Bolt app with every listener registered.

    `process_before_response=True` acks at once (Bolt's threaded ack otherwise waits in a
    10 ms sleep loop); slow work goes to lazy listeners. Token verification at start-up is
    off so that the service comes up, and keeps accepting webhooks, while Slack is down.
    Lazy listeners get their own, larger pool (`LAZY_WORKERS`).
    """
    if settings.slack_bot_token is None or settings.slack_signing_secret is None:
        raise ValueError("SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are needed for the Slack app")
    app = App(
        client=slack_client(settings),
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        process_before_response=True,
        token_verification_enabled=False,
        logger=logging.getLogger("bot"),
        listener_executor=ThreadPoolExecutor(
            max_workers=LAZY_WORKERS, thread_name_prefix="bolt-lazy"
        ),
    )
    register_listeners(app, settings, repos)
    return app


def register_listeners(app: App, settings: Settings, repos: Repositories) -> None:
    """Every listener, on the one app both transports (HTTP, Socket Mode) dispatch to."""
    from bot import commands, errors, events, shortcuts, views
    from bot.services import BotServices

    services = BotServices.build(settings, repos, app.client)
    errors.register(app)
    commands.register(app, services)
    shortcuts.register(app, services)
    views.register(app, services)
    events.register(app, services)
