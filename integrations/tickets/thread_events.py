"""Which Slack `message` events are thread messages to mirror on Jira: one pure table.

`classify(event)` turns a `message` event into a `ThreadMessage` (a reply was posted,
edited or deleted in some thread) or `Ignored` with the reason. Whether the thread is linked
to a Jira issue is the service's question; this module does no I/O.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from integrations.messages import Ignored

Action = Literal["add", "edit", "delete"]

HANDLED_SUBTYPES: dict[str | None, Action] = {
    None: "add",
    "thread_broadcast": "add",  # a reply also sent to the channel: still a reply
    "file_share": "add",  # the text of a reply with files (files are not copied)
    "me_message": "add",
    "message_changed": "edit",
    "message_deleted": "delete",
}

IGNORED_SUBTYPES: dict[str, str] = {
    "bot_message": "posted by a bot or integration",
    "channel_join": "membership notice",
    "channel_leave": "membership notice",
    "group_join": "membership notice",
    "group_leave": "membership notice",
    "channel_topic": "channel settings notice",
    "channel_purpose": "channel settings notice",
    "channel_name": "channel settings notice",
    "channel_archive": "channel settings notice",
    "channel_unarchive": "channel settings notice",
    "group_topic": "channel settings notice",
    "group_purpose": "channel settings notice",
    "group_name": "channel settings notice",
    "group_archive": "channel settings notice",
    "group_unarchive": "channel settings notice",
    "pinned_item": "pin notice",
    "unpinned_item": "pin notice",
    "reminder_add": "reminder notice",
    "ekm_access_denied": "content not readable",
    "tombstone": "placeholder of a deleted parent",
    "message_replied": "legacy thread summary update",
    "assistant_app_thread": "assistant thread notice",
}


@dataclass(frozen=True, slots=True)
class ThreadMessage:
    action: Action
    channel_id: str
    ts: str
    thread_ts: str
    user_id: str | None
    text: str


def _is_reply(message: Mapping[str, Any]) -> bool:
    thread_ts = message.get("thread_ts")
    return bool(thread_ts) and thread_ts != message.get("ts")


def _from_bot(message: Mapping[str, Any], bot_user_id: str | None) -> bool:
    return bool(message.get("bot_id")) or (
        bot_user_id is not None and message.get("user") == bot_user_id
    )


def classify(
    event: Mapping[str, Any],
    *,
    bot_user_id: str | None,
    allowed_channels: Collection[str] = (),
) -> ThreadMessage | Ignored:
    """What a `message` event means for the Jira side."""
    subtype = event.get("subtype")
    if subtype in IGNORED_SUBTYPES:
        return Ignored(f"{subtype}: {IGNORED_SUBTYPES[subtype]}")
    if subtype not in HANDLED_SUBTYPES:
        return Ignored(f"{subtype}: not a thread message")
    channel = str(event.get("channel") or "")
    if not channel:
        return Ignored("no channel")
    if allowed_channels and channel not in allowed_channels:
        return Ignored("channel not in SLACK_ALLOWED_CHANNELS")
    action = HANDLED_SUBTYPES[subtype]
    if action == "add":
        message: Mapping[str, Any] = event
    elif action == "edit":
        message = event.get("message") or {}
        previous = event.get("previous_message") or {}
        if message.get("text", "") == previous.get("text", ""):
            return Ignored("message_changed: text unchanged (unfurl or metadata update)")
    else:
        message = event.get("previous_message") or {}
    if _from_bot(message, bot_user_id):
        return Ignored("posted by this app or another bot")
    if not _is_reply(message):
        return Ignored("not a thread reply")
    ts = str(message.get("ts") or event.get("deleted_ts") or "")
    if not ts:
        return Ignored("no message ts")
    return ThreadMessage(
        action=action,
        channel_id=channel,
        ts=ts,
        thread_ts=str(message["thread_ts"]),
        user_id=message.get("user"),
        text=str(message.get("text") or "") if action != "delete" else "",
    )
