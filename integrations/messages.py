"""What formatters produce and the Slack poster consumes: plain values, no I/O.

A formatter turns one event into a `ThreadPost` (an update to the Slack thread of one Jira
issue or GitHub PR/issue) or a `ChannelPost` (a message of its own, e.g. a release); the
poster alone decides whether a thread exists, posts the parent card or a reply, and edits
the card in place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import Block, MarkdownTextObject, SectionBlock


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """A Slack message: mrkdwn `text` (the notification/fallback) and Block Kit `blocks`."""

    text: str
    blocks: Sequence[Block] = ()
    unfurl_links: bool = False

    def api_fields(self) -> dict[str, Any]:
        """The fields of `chat.postMessage` / `chat.update` this message sets, as built and
        checked by slack_sdk (which raises over a Block Kit limit). What is sent to Slack is
        `integrations.slack.blockkit.fitted(message)`: the same, cut to Slack's limits."""
        fields: dict[str, Any] = {"text": self.text, "unfurl_links": self.unfurl_links}
        if self.blocks:
            fields["blocks"] = [block.to_dict() for block in self.blocks]
        return fields

    @classmethod
    def section(cls, text: str) -> SlackMessage:
        """A message of one mrkdwn section saying `text` (a notice, an answer)."""
        return cls(text=text, blocks=(SectionBlock(text=MarkdownTextObject(text=text)),))


@dataclass(frozen=True, slots=True)
class ThreadPost:
    """An event for the Slack thread of one object.

    `thread_key` names the object as the mappings do: `jira:PROJ-123`,
    `github:owner/repo#42`. `card` is the object's current state as a parent message: it
    is posted when the object has no thread in a target channel yet, and otherwise the
    existing parent is edited to it (when the app posted that parent). `reply` goes into
    the thread; `broadcast` also shows it in the channel (`reply_broadcast`).

    `reply_key` gives the reply a stable identity (e.g.
    `github:owner/repo#42/issuecomment-1001`, `jira:PROJ-1/10042`): when a reply with that
    key was already posted in the thread, it is edited (`chat.update`) to `reply_edit` (or,
    when that is None, to `reply`) instead of posted again, so an edited comment updates the
    reply it produced. With `reply=None` the post only edits such replies ("edit only if
    present": a deleted comment marks its reply, and posts nothing where there is none).

    `refresh_card=False` says the event carries only part of the object's state (a comment
    on a PR knows its title, not its branches): the card may start a thread that does not
    exist yet but must not overwrite an existing one.
    A post with `card=None` goes only to threads that already exist.
    """

    thread_key: str
    card: SlackMessage | None = None
    reply: SlackMessage | None = None
    broadcast: bool = False
    reply_key: str | None = None
    refresh_card: bool = True
    reply_edit: SlackMessage | None = None


@dataclass(frozen=True, slots=True)
class ChannelPost:
    """A message of its own in the channel (a push to the default branch, a release)."""

    message: SlackMessage


@dataclass(frozen=True, slots=True)
class Ignored:
    """The event is known and deliberately not posted; `reason` goes to the audit log."""

    reason: str


Rendered = ThreadPost | ChannelPost | Ignored


@dataclass(frozen=True, slots=True)
class Delivery:
    """One rendered event with where it may go: the channels of matching subscriptions
    (`channels`) in addition to the threads already linked to `thread_key`.

    `broadcast_channels`: those of `channels` whose subscription also shows this event in
    the channel (`reply_broadcast`). `start_threads=False` (deletions, edits, cross-posts)
    only reaches threads that exist: the event opens no new one. `said_in`: threads
    (`C0123:1700000000.000100`) that already said it (a card's button pressed there did it,
    updated the card and said so; the webhook only repeats it): neither their reply nor their
    card is posted again. `own_cards`: threads whose card has a look of its own (an issue
    made from Slack keeps its `/ticket` card): that card is edited instead of `card`.
    """

    rendered: Rendered
    channels: tuple[str, ...] = ()
    broadcast_channels: tuple[str, ...] = ()
    start_threads: bool = True
    said_in: tuple[str, ...] = ()
    own_cards: tuple[OwnCard, ...] = ()


@dataclass(frozen=True, slots=True)
class OwnCard:
    """The card of one thread (`thread`, `C0123:1700000000.000100`), the message at `ts`
    (not always the thread's parent: `/ticket` in a thread announces inside it), as it should
    read now."""

    thread: str
    ts: str
    card: SlackMessage
