"""What the poster understands and reports: thread and reply keys, the message tag, and the
report of one delivery (what was posted, edited, skipped, unreachable)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from integrations.messages import SlackMessage
from integrations.slack.blockkit import fitted
from storage.domain import MappingType, slack_ref

TAG_EVENT_TYPE = "connect_event"
"""Slack message metadata `event_type` of every message the worker posts."""

THREAD_TYPES = {"jira": MappingType.ISSUE_THREAD, "github": MappingType.GITHUB_THREAD}
REPLY_TYPES = {"jira": MappingType.COMMENT_MESSAGE, "github": MappingType.GITHUB_COMMENT_MESSAGE}


def parse_thread_key(thread_key: str) -> tuple[MappingType, str, str]:
    """`jira:PROJ-1` → (issue_thread, "jira", "PROJ-1"); `github:o/r#4` → (github_thread, ...)."""
    service, _, object_id = thread_key.partition(":")
    mapping_type = THREAD_TYPES.get(service)
    if mapping_type is None or not object_id:
        raise ValueError(f"not a thread key: {thread_key!r}")
    return mapping_type, service, object_id


def parse_reply_key(reply_key: str) -> tuple[MappingType, str, str]:
    """`jira:PROJ-1/10042` → (comment_message, "jira", "PROJ-1/10042"); `github:o/r#4/...` →
    (github_comment_message, "github", "o/r#4/...")."""
    service, _, object_id = reply_key.partition(":")
    mapping_type = REPLY_TYPES.get(service)
    if mapping_type is None or not object_id:
        raise ValueError(f"not a reply key: {reply_key!r}")
    return mapping_type, service, object_id


@dataclass(frozen=True, slots=True)
class Posted:
    """A message that exists for this event: posted now, or found from an earlier attempt."""

    channel: str
    ts: str
    role: str  # "card", "reply" or "message"
    thread_ts: str | None = None
    reused: bool = False

    @property
    def ref(self) -> str:
        return slack_ref(self.channel, self.ts)


@dataclass(frozen=True, slots=True)
class Report:
    """What one delivery did."""

    posted: tuple[Posted, ...] = ()
    edited: tuple[str, ...] = ()  # cards (their thread) and replies (the message) edited
    skipped: tuple[str, ...] = ()
    unreachable: tuple[str, ...] = ()

    @property
    def did_anything(self) -> bool:
        return bool(self.posted or self.edited)

    @property
    def telling(self) -> str | None:
        """The message that tells the event (a DM links to it): the first reply posted,
        else the first message posted."""
        told = [p for p in self.posted if p.role == "reply"] or list(self.posted)
        return told[0].ref if told else None

    def summary(self) -> str:
        parts = [f"{len(self.posted)} posted", f"{len(self.edited)} edited"]
        if self.skipped:
            parts.append("skipped: " + "; ".join(self.skipped))
        if self.unreachable:
            parts.append("unreachable: " + "; ".join(self.unreachable))
        return ", ".join(parts)


@dataclass
class Work:
    posted: list[Posted] = field(default_factory=list)
    edited: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)

    def report(self) -> Report:
        return Report(
            tuple(self.posted), tuple(self.edited), tuple(self.skipped), tuple(self.unreachable)
        )


def card_hash(message: SlackMessage) -> str:
    encoded = json.dumps(fitted(message), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()[:32]
