"""Reading back what an earlier attempt of an event may have posted (`SlackPoster`'s "never
twice"): the thread, or the channel's newest messages, with their metadata, searched for the
event's tag."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from slack_sdk import WebClient
from slack_sdk.web import SlackResponse

from integrations.slack.posts import TAG_EVENT_TYPE

REPLY_PAGES = 5
HISTORY_PAGES = 2

Call = Callable[..., SlackResponse]
"""`call(method, **kwargs)`: one Slack call, its failures classified by the caller."""


def find_tagged(
    call: Call,
    client: WebClient,
    channel: str,
    thread_ts: str | None,
    *,
    event_id: int,
    role: str,
) -> str | None:
    """The ts of the message tagged with `event_id` and `role` in the thread (or among the
    channel's newest messages), or None."""
    for message in read_back(call, client, channel, thread_ts):
        metadata = message.get("metadata") or {}
        payload = metadata.get("event_payload") or {}
        if (
            metadata.get("event_type") == TAG_EVENT_TYPE
            and payload.get("integration_id") == event_id
            and payload.get("role") == role
        ):
            return str(message.get("ts"))
    return None


def read_back(
    call: Call, client: WebClient, channel: str, thread_ts: str | None
) -> Iterator[dict[str, Any]]:
    """The thread's messages, or the channel's newest, with their metadata."""
    cursor = None
    for _ in range(REPLY_PAGES if thread_ts else HISTORY_PAGES):
        if thread_ts:
            response = call(
                client.conversations_replies,
                channel=channel,
                ts=thread_ts,
                include_all_metadata=True,
                limit=200,
                cursor=cursor,
            )
        else:
            response = call(
                client.conversations_history,
                channel=channel,
                include_all_metadata=True,
                limit=100,
                cursor=cursor,
            )
        yield from response.get("messages") or []
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return
