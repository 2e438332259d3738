"""`SlackWriter`: the app's Slack Web API calls, each failure classified once (`errors`).

The delivery poster (`poster.SlackPoster`) and the ticket flows (issue cards, notices to one
person, permalinks) both write through it, so a Slack outage, a rate limit or a channel the
bot left reads the same wherever it happens.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from http.client import HTTPException
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.web import SlackResponse
from slack_sdk.webhook import WebhookClient

from integrations.messages import SlackMessage
from integrations.slack.blockkit import fitted
from integrations.slack.errors import SlackFailure, classify
from integrations.slack.pacer import ChannelPacer

log = logging.getLogger(__name__)

RESPONSE_URL_TIMEOUT = 10


class SlackWriter:
    """Thread-safe (as `WebClient` is); one per Slack client.

    `pacer`: the per-channel pacing of the delivery poster's posts (`pacer.ChannelPacer`),
    on the delivery writer only; the listeners' client retries rate limits itself.
    """

    def __init__(self, client: WebClient, *, pacer: ChannelPacer | None = None) -> None:
        self.client = client
        self.pacer = pacer

    def call(self, method: Callable[..., SlackResponse], **kwargs: Any) -> SlackResponse:
        """`method` (a bound `WebClient` method) with the `None` arguments left out; raises
        a `SlackFailure` subclass."""
        try:
            return method(**{k: v for k, v in kwargs.items() if v is not None})
        except (SlackClientError, OSError, HTTPException) as error:
            raise classify(getattr(method, "__name__", "slack"), error) from None

    def post(self, channel: str, message: SlackMessage, *, thread_ts: str | None = None) -> str:
        """`chat.postMessage`; returns the message ts."""
        response = self.call(
            self.client.chat_postMessage,
            channel=channel,
            thread_ts=thread_ts,
            **fitted(message),
        )
        return str(response["ts"])

    def update(self, channel: str, ts: str, message: SlackMessage) -> None:
        """`chat.update` of a message the app posted (a card) to `message`."""
        self.call(self.client.chat_update, channel=channel, ts=ts, **fitted(message))

    def permalink(self, channel: str, ts: str) -> str | None:
        """A message's permalink; `None` when Slack cannot say (the text still gets through)."""
        try:
            response = self.call(self.client.chat_getPermalink, channel=channel, message_ts=ts)
        except SlackFailure as error:
            log.warning("slack.permalink_failed channel=%s ts=%s error=%s", channel, ts, error.code)
            return None
        return str(response["permalink"])

    def tell_user(
        self,
        user_id: str,
        channel: str | None,
        message: SlackMessage,
        *,
        response_url: str | None = None,
        thread_ts: str | None = None,
    ) -> bool:
        """Show `message` to one user: through the interaction's response URL (works in
        channels the app is not in), else ephemerally in the channel, else in the app's DM
        with them."""
        if response_url and self._respond(response_url, message):
            return True
        if channel:
            try:
                self.call(
                    self.client.chat_postEphemeral,
                    channel=channel,
                    user=user_id,
                    thread_ts=thread_ts,
                    **fitted(message),
                )
                return True
            except SlackFailure as error:
                log.info("slack.ephemeral_failed channel=%s error=%s", channel, error.code)
        try:
            self.post(user_id, message)
            return True
        except SlackFailure as error:
            log.warning("slack.tell_user_failed user=%s error=%s", user_id, error.code)
            return False

    @staticmethod
    def _respond(response_url: str, message: SlackMessage) -> bool:
        body: dict[str, Any] = {"response_type": "ephemeral", **fitted(message)}
        try:
            answer = WebhookClient(response_url, timeout=RESPONSE_URL_TIMEOUT).send_dict(body)
        except (SlackClientError, OSError) as error:
            log.warning("slack.response_url_failed error=%s", type(error).__name__)
            return False
        if answer.status_code != 200:
            log.warning("slack.response_url_failed status=%s", answer.status_code)
        return answer.status_code == 200
