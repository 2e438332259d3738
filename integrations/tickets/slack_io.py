"""The Slack Web API calls of the ticket flows, with one failure policy.

`SlackUnavailable`: Slack did not answer, answered 5xx or kept rate-limiting after the
client's own retries (worth retrying later). `SlackRefused`: an API error that retrying will
not fix (`not_in_channel`, `channel_not_found`, ...). Only the error code is kept: Slack's
error objects carry the request, token header included.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.webhook import WebhookClient

from integrations.messages import SlackMessage

log = logging.getLogger(__name__)

TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "fatal_error", "internal_error", "service_unavailable", "request_timeout"}
)
CANNOT_POST_HERE = frozenset(
    {"not_in_channel", "channel_not_found", "is_archived", "restricted_action", "cannot_dm_bot"}
)


class SlackFailure(Exception):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class SlackUnavailable(SlackFailure):
    """Transient: try again later."""


class SlackRefused(SlackFailure):
    """Permanent for this request."""


def translate(error: Exception, method: str) -> SlackFailure:
    if isinstance(error, SlackApiError):
        code = str(error.response.get("error") or f"http_{error.response.status_code}")
        if code in TRANSIENT_ERRORS or error.response.status_code >= 500:
            return SlackUnavailable(f"Slack {method} failed: {code}", code)
        return SlackRefused(f"Slack {method} refused: {code}", code)
    return SlackUnavailable(f"Slack {method} failed: {type(error).__name__}", "connection")


def post(
    client: WebClient, channel: str, message: SlackMessage, *, thread_ts: str | None = None
) -> str:
    """`chat.postMessage`; returns the message ts."""
    try:
        response = client.chat_postMessage(
            channel=channel, thread_ts=thread_ts, **message.api_fields()
        )
    except (SlackApiError, SlackClientError, OSError) as error:
        raise translate(error, "chat.postMessage") from None
    return str(response["ts"])


def permalink(client: WebClient, channel: str, ts: str) -> str | None:
    """A message's permalink; `None` when Slack cannot say (the text still gets through)."""
    try:
        return str(client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
    except (SlackApiError, SlackClientError, OSError) as error:
        log.warning(
            "slack.permalink_failed channel=%s ts=%s error=%s",
            channel,
            ts,
            translate(error, "chat.getPermalink").code,
        )
        return None


def tell_user(
    client: WebClient,
    user_id: str,
    channel: str | None,
    message: SlackMessage,
    *,
    response_url: str | None = None,
    thread_ts: str | None = None,
) -> bool:
    """Show `message` to one user: through the interaction's response URL (works in channels
    the app is not in), else ephemerally in the channel, else in the app's DM with them."""
    body: dict[str, Any] = {"response_type": "ephemeral", **message.api_fields()}
    if response_url:
        try:
            answer = WebhookClient(response_url, timeout=10).send_dict(body)
            if answer.status_code == 200:
                return True
            log.warning("slack.response_url_failed status=%s", answer.status_code)
        except (SlackClientError, OSError) as error:
            log.warning("slack.response_url_failed error=%s", type(error).__name__)
    if channel:
        try:
            client.chat_postEphemeral(
                channel=channel, user=user_id, thread_ts=thread_ts, **message.api_fields()
            )
            return True
        except (SlackApiError, SlackClientError, OSError) as error:
            log.info(
                "slack.ephemeral_failed channel=%s error=%s",
                channel,
                translate(error, "chat.postEphemeral").code,
            )
    try:
        post(client, user_id, message)
        return True
    except SlackFailure as error:
        log.warning("slack.tell_user_failed user=%s error=%s", user_id, error.code)
        return False
