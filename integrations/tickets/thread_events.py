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


def _text(message: Mapping[str, Any], key: str) -> str | None:
    """A string field; `None` when absent or not a string (no guessing at other types)."""
    value = message.get(key)
    return value if isinstance(value, str) else None


def _is_reply(message: Mapping[str, Any]) -> bool:
    thread_ts = _text(message, "thread_ts")
    return bool(thread_ts) and thread_ts != _text(message, "ts")


def _from_bot(message: Mapping[str, Any], bot_user_id: str | None) -> bool:
    return bool(message.get("bot_id")) or (
        bot_user_id is not None and message.get("user") == bot_user_id
    )


def _message_of(event: Mapping[str, Any], action: Action) -> Mapping[str, Any] | Ignored:
    """The message the event is about: itself, the edited one, or the deleted one."""
    key = {"add": None, "edit": "message", "delete": "previous_message"}[action]
    message = event if key is None else event.get(key)
    if not isinstance(message, Mapping):
        return Ignored(f"{key}: not a message object")
    if action == "edit":
        previous = event.get("previous_message")
        before = previous.get("text", "") if isinstance(previous, Mapping) else ""
        if message.get("text", "") == before:
            return Ignored("message_changed: text unchanged (unfurl or metadata update)")
    return message


def classify(
    event: Mapping[str, Any],
    *,
    bot_user_id: str | None,
    allowed_channels: Collection[str] = (),
) -> ThreadMessage | Ignored:
    """What a `message` event means for the Jira side. Total: any event gives an answer."""
    subtype = event.get("subtype")
    if subtype is not None and not isinstance(subtype, str):
        return Ignored("subtype: not a string")
    if subtype in IGNORED_SUBTYPES:
        return Ignored(f"{subtype}: {IGNORED_SUBTYPES[subtype]}")
    if subtype not in HANDLED_SUBTYPES:
        return Ignored(f"{subtype}: not a thread message")
    channel = _text(event, "channel")
    if not channel:
        return Ignored("no channel")
    if allowed_channels and channel not in allowed_channels:
        return Ignored("channel not in SLACK_ALLOWED_CHANNELS")
    action = HANDLED_SUBTYPES[subtype]
    message = _message_of(event, action)
    if isinstance(message, Ignored):
        return message
    if _from_bot(message, bot_user_id):
        return Ignored("posted by this app or another bot")
    if not _is_reply(message):
        return Ignored("not a thread reply")
    ts = _text(message, "ts") or _text(event, "deleted_ts")
    if not ts:
        return Ignored("no message ts")
    return ThreadMessage(
        action=action,
        channel_id=channel,
        ts=ts,
        thread_ts=str(message["thread_ts"]),
        user_id=_text(message, "user"),
        text=(_text(message, "text") or "") if action != "delete" else "",
    )
