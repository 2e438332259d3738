"""A Slack thread as the description of a Jira issue: every human message, in order, with
its author, time and link.

`@connect ticket` written inside a thread, and the message shortcut's "Include the whole
thread", create the issue from the whole conversation. The thread is read when the issue is
created (a replay reads it again), as Slack mrkdwn that `formatting.description` converts for
Jira like any description: authors stay Slack mentions, so they become Jira mentions where
the person's Jira account is known and names where it is not.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from integrations.slack.writer import SlackWriter
from integrations.slack_to_jira import Mention, plain

HUMAN_SUBTYPES = frozenset({None, "thread_broadcast", "file_share", "me_message"})
"""Message subtypes people write; joins, bots, pins and other notices are left out."""
PAGE_SIZE = 200
MAX_PAGES = 5
MAX_LENGTH = 30_000
"""Characters of transcript a description takes (Jira refuses text fields over 32,767)."""


@dataclass(frozen=True, slots=True)
class ThreadMessage:
    user_id: str
    ts: str
    text: str


@dataclass(frozen=True, slots=True)
class Transcript:
    channel_id: str
    thread_ts: str
    messages: tuple[ThreadMessage, ...]
    root_permalink: str | None = None

    def summary(self, names: Mapping[str, Mention] | None = None) -> str:
        """The first line of the first message, as plain text ("" when there is none);
        `names`: how to show the people it mentions."""
        for message in self.messages:
            for line in message.text.splitlines():
                if text := plain(line, names).strip():
                    return text
        return ""

    def permalink(self, message: ThreadMessage) -> str | None:
        """Slack's link to one message of the thread, derived from the root's permalink
        (`…/archives/C/p<ts>`, plus `?thread_ts=…&cid=…` for replies)."""
        if self.root_permalink is None:
            return None
        base = self.root_permalink.split("?", 1)[0]
        link = base.rsplit("/p", 1)[0] + "/p" + message.ts.replace(".", "")
        if message.ts != self.thread_ts:
            link += f"?thread_ts={self.thread_ts}&cid={self.channel_id}"
        return link

    def as_mrkdwn(self) -> str:
        """The thread for a description: a heading line per message, then its text."""
        parts: list[str] = []
        used = 0
        for index, message in enumerate(self.messages):
            part = f"{self._heading(message)}\n{message.text.strip()}"
            if used + len(part) > MAX_LENGTH:
                rest = len(self.messages) - index
                parts.append(f"_… and {rest} more message{'s' if rest != 1 else ''} in Slack._")
                break
            parts.append(part)
            used += len(part)
        return "\n\n".join(parts)

    def _heading(self, message: ThreadMessage) -> str:
        when = datetime.fromtimestamp(float(message.ts), UTC).strftime("%Y-%m-%d %H:%M UTC")
        link = self.permalink(message)
        heading = f"<@{message.user_id}> · {when}"
        return heading + (f" · <{link}|view in Slack>" if link else "")


class Transcripts:
    """Reads threads through the listener's Slack client (`conversations.replies`)."""

    def __init__(self, slack: SlackWriter) -> None:
        self._slack = slack

    def read(self, channel_id: str, thread_ts: str, *, skip: str | None = None) -> Transcript:
        """The human messages of the thread; `skip`: the ts of a message to leave out (the
        `@connect ticket` mention that asked for the issue). Raises `SlackFailure`."""
        messages = tuple(
            ThreadMessage(str(m["user"]), str(m["ts"]), str(m.get("text") or ""))
            for m in self._replies(channel_id, thread_ts)
            if _is_human(m) and m.get("ts") != skip
        )
        root = self._slack.permalink(channel_id, thread_ts)
        return Transcript(channel_id, thread_ts, messages, root)

    def _replies(self, channel_id: str, thread_ts: str) -> Iterator[Mapping[str, Any]]:
        cursor = None
        for _ in range(MAX_PAGES):
            response = self._slack.call(
                self._slack.client.conversations_replies,
                channel=channel_id,
                ts=thread_ts,
                limit=PAGE_SIZE,
                cursor=cursor,
            )
            yield from (m for m in response.get("messages") or [] if isinstance(m, Mapping))
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return


def _is_human(message: Mapping[str, Any]) -> bool:
    return (
        isinstance(message.get("user"), str)
        and not message.get("bot_id")
        and message.get("subtype") in HUMAN_SUBTYPES
        and bool(message.get("ts"))
    )
