"""The app's Slack Web API clients, both on `SLACK_API_URL` with the bot token.

Two retry policies, one per caller: a listener answers a person now, so its client retries
rate limits, 5xx and dropped connections itself; the delivery worker's client does not retry
at all, because the queue retries the whole event after checking what already landed.
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from settings import Settings

LISTENER_TIMEOUT_SECONDS = 10
DELIVERY_TIMEOUT_SECONDS = 10.0


def _token(settings: Settings) -> str | None:
    return settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None


def listener_client(settings: Settings) -> WebClient:
    """A WebClient that retries rate limits, 5xx and dropped connections (twice each)."""
    return WebClient(
        token=_token(settings),
        base_url=settings.slack_api_url,
        timeout=LISTENER_TIMEOUT_SECONDS,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def delivery_client(settings: Settings, *, timeout: float = DELIVERY_TIMEOUT_SECONDS) -> WebClient:
    """The worker's client: no built-in retries (the queue retries, after checking whether
    the first try landed)."""
    return WebClient(
        token=_token(settings),
        base_url=settings.slack_api_url,
        timeout=int(max(1, timeout)),
        retry_handlers=[],
    )
