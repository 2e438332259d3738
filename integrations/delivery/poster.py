"""The one place that posts to Slack: parent cards, thread replies, channel messages, edits.

Source-agnostic: it takes what a formatter rendered (`integrations.messages`) and the
channels a handler chose from subscriptions, and decides parent versus reply:

- the threads already linked to `ThreadPost.thread_key` (mappings) get the `reply`, and their
  parent is edited to the new `card` when the app posted that parent (`extra_data.card`) and
  the card changed (a hash of the last card is kept in the mapping);
- a thread started by a subscription (`extra_data.subscribed`) only hears events its channel
  still accepts: a channel not in `Delivery.channels` (unsubscribed, or filtered out) is
  skipped; a thread linked by a person (the "Create Jira issue" shortcut) gets every event;
- each channel of `Delivery.channels` without a thread of the object gets the card as a new
  parent message, and the thread mapping is stored at once, so later events thread under it;
- a reply is broadcast to the channel (`reply_broadcast`) when the `ThreadPost` says so or its
  channel is in `Delivery.extra["broadcast_channels"]` (the subscription setting);
- `Delivery.extra["start_threads"] = False` (deletions, edits) only reaches existing threads;
- a thread's card is only edited when the post says the card is complete
  (`ThreadPost.refresh_card`): a partial card (a comment on a PR knows no branches) may start a
  thread in a channel that has none, but never overwrites an existing card.

Replies with an identity (`ThreadPost.reply_key`, e.g. a comment): the poster remembers each
reply it posts for a key (a `comment_message` / `github_comment_message` mapping from the
comment to the Slack message, `extra_data = {"origin": <source>, "integration_id": <event>}`).
A later event with the same key edits those replies in place (`chat.update`, to
`reply_edit` or the `reply`) wherever they are, even in a thread whose subscription no longer
takes that kind of event (it updates what the channel was already shown), and posts no new
reply and starts no thread: an edit is not news for a thread that never showed the original.
A post with `reply=None` only edits ("edit only if present": a deleted comment marks its
reply, and posts nothing when no reply is known). A reply that is gone from Slack is skipped.

Never twice: every message is tagged with Slack message metadata (`event_type:
connect_event`, `event_payload: {integration_id, role}`). When an earlier attempt of the same
event may have reached Slack (a retry after a timeout, a crash, a 5xx after the side effect),
the thread or channel is read back with `include_all_metadata` before posting, and a message
already carrying the tag is reused instead of posted again. A keyed reply's mapping is stored
right after it is posted (with the event id), so a retry finds it there too. Edits repeat
safely (the same `chat.update` again) and send no `metadata`, so the edited message keeps the
tag of the event that posted it (Slack retains metadata that `chat.update` omits).

Errors: rate limits, 5xx and transport errors raise `Retry` (the whole event is retried, the
parts that made it are found by their tag); credentials, scopes and malformed messages raise
`Fail`; a problem of one target only (channel archived, bot removed, parent deleted) skips that
target and is reported, so one dead thread does not block the others.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.client import HTTPException
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from integrations.delivery import Fail, Retry
from integrations.messages import ChannelPost, Delivery, Ignored, SlackMessage, ThreadPost
from storage.domain import MappingType, ServiceMapping, parse_slack_ref, slack_ref
from storage.mappings import MappingRepository

log = logging.getLogger(__name__)

TAG_EVENT_TYPE = "connect_event"
"""Slack message metadata `event_type` of every message the worker posts."""

THREAD_TYPES = {"jira": MappingType.ISSUE_THREAD, "github": MappingType.GITHUB_THREAD}
REPLY_TYPES = {"jira": MappingType.COMMENT_MESSAGE, "github": MappingType.GITHUB_COMMENT_MESSAGE}

TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "rate_limited", "fatal_error", "internal_error", "service_unavailable",
     "request_timeout"}
)  # fmt: skip
TARGET_ERRORS = frozenset(
    {"channel_not_found", "not_in_channel", "is_archived", "invalid_thread_ts",
     "thread_not_found", "message_not_found", "cant_update_message", "restricted_action",
     "restricted_action_read_only_channel", "restricted_action_thread_only_channel",
     "restricted_action_non_threadable_channel", "team_access_not_granted",
     "ekm_access_denied", "cannot_reply_to_message", "edit_window_closed"}
)  # fmt: skip
REPLY_PAGES = 5
HISTORY_PAGES = 2


class TargetUnavailable(Exception):
    """One channel or thread cannot be posted to; the others still can."""


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

    def summary(self) -> str:
        parts = [f"{len(self.posted)} posted", f"{len(self.edited)} edited"]
        if self.skipped:
            parts.append("skipped: " + "; ".join(self.skipped))
        if self.unreachable:
            parts.append("unreachable: " + "; ".join(self.unreachable))
        return ", ".join(parts)


@dataclass
class _Work:
    posted: list[Posted] = field(default_factory=list)
    edited: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)

    def report(self) -> Report:
        return Report(
            tuple(self.posted), tuple(self.edited), tuple(self.skipped), tuple(self.unreachable)
        )


def card_hash(message: SlackMessage) -> str:
    encoded = json.dumps(message.api_fields(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()[:32]


class SlackPoster:
    """Posts the messages of one integration event (`event_id`).

    `check_previous`: an earlier attempt of this event may have posted already, so look for
    tagged messages before posting. `still_ours`: asked before each Slack call; once it says
    False (the worker's lease on the event was lost, another worker now delivers it) no
    further call is made and `Retry` is raised, so the two workers do not both post.
    """

    def __init__(
        self,
        client: WebClient,
        mappings: MappingRepository,
        *,
        event_id: int,
        check_previous: bool,
        still_ours: Callable[[], bool] | None = None,
    ) -> None:
        self._client = client
        self._mappings = mappings
        self._event_id = event_id
        self._check_previous = check_previous
        self._still_ours = still_ours

    # Public -------------------------------------------------------------------------------

    def deliver(self, delivery: Delivery) -> Report:
        rendered = delivery.rendered
        work = _Work()
        if isinstance(rendered, Ignored):
            return work.report()
        if isinstance(rendered, ChannelPost):
            for channel in delivery.channels:
                self._guarded(
                    work, channel, lambda c=channel: self._post_channel(work, c, rendered)
                )
            return self._finish(work)
        self._deliver_thread_post(work, rendered, delivery)
        return self._finish(work)

    # Thread posts -------------------------------------------------------------------------

    def _deliver_thread_post(self, work: _Work, post: ThreadPost, delivery: Delivery) -> None:
        mapping_type, service, object_id = parse_thread_key(post.thread_key)
        wanted = list(dict.fromkeys(delivery.channels))
        broadcast_channels = set(delivery.extra.get("broadcast_channels", ()))
        replied, edits_only = self._edit_earlier_replies(work, post)
        threaded: set[str] = set()
        for thread in self._mappings.targets_of(mapping_type, service, object_id):
            channel, ts = parse_slack_ref(thread.target_id)
            threaded.add(channel)
            if thread.extra_data.get("subscribed") and channel not in wanted:
                work.skipped.append(f"{thread.target_id}: its channel does not take this event")
                continue
            broadcast = post.broadcast or channel in broadcast_channels
            reply = None if edits_only or channel in replied else post.reply
            self._guarded(
                work,
                thread.target_id,
                lambda t=thread, c=channel, ts=ts, r=reply, b=broadcast: self._into_thread(
                    work, post, t, c, ts, r, b
                ),
            )
        start_threads = delivery.extra.get("start_threads", True) and not edits_only
        for channel in wanted:
            if channel in threaded:
                continue
            if not start_threads:
                work.skipped.append(f"{channel}: no thread, and this event starts none")
                continue
            if post.card is None:
                work.skipped.append(f"{channel}: nothing to start a thread with")
                continue
            broadcast = post.broadcast or channel in broadcast_channels
            self._guarded(
                work,
                channel,
                lambda c=channel, b=broadcast: self._start_thread(
                    work, post, mapping_type, service, object_id, c, b
                ),
            )

    def _into_thread(
        self,
        work: _Work,
        post: ThreadPost,
        thread: ServiceMapping,
        channel: str,
        thread_ts: str,
        reply: SlackMessage | None,
        broadcast: bool,
    ) -> None:
        if post.card is not None and post.refresh_card and thread.extra_data.get("card"):
            digest = card_hash(post.card)
            if thread.extra_data.get("card_hash") != digest:
                self._call(
                    self._client.chat_update,
                    channel=channel,
                    ts=thread_ts,
                    **post.card.api_fields(),
                )
                self._mappings.update_extra(thread.id, {"card_hash": digest})
                work.edited.append(thread.target_id)
        if reply is not None:
            posted = self._post(channel, reply, "reply", thread_ts, broadcast)
            work.posted.append(posted)
            self._remember_reply(post, posted)

    def _start_thread(
        self,
        work: _Work,
        post: ThreadPost,
        mapping_type: MappingType,
        service: str,
        object_id: str,
        channel: str,
        broadcast: bool,
    ) -> None:
        assert post.card is not None
        parent = self._post(channel, post.card, "card", None, False)
        work.posted.append(parent)
        self._mappings.link(
            mapping_type,
            service,
            object_id,
            "slack",
            parent.ref,
            {"card": True, "subscribed": True, "card_hash": card_hash(post.card)},
        )
        log.info("slack.thread_started object=%s:%s thread=%s", service, object_id, parent.ref)
        if post.reply is not None:
            posted = self._post(channel, post.reply, "reply", parent.ts, broadcast)
            work.posted.append(posted)
            self._remember_reply(post, posted)

    # Replies with an identity -------------------------------------------------------------

    def _edit_earlier_replies(self, work: _Work, post: ThreadPost) -> tuple[set[str], bool]:
        """Edit the replies earlier events posted for `post.reply_key`.

        Returns the channels that already have the reply (edited now, or posted by an
        earlier attempt of this very event: not posted again there), and whether earlier
        events had shown it (then this event only edits: no new replies, no new threads).
        """
        if post.reply_key is None:
            return set(), False
        mapping_type, service, object_id = parse_reply_key(post.reply_key)
        replied: set[str] = set()
        shown_before = False
        for mapping in self._mappings.targets_of(mapping_type, service, object_id):
            if (
                mapping.target_service != "slack"
                or mapping.extra_data.get("origin", service) != service
            ):
                continue  # e.g. the Slack message a Jira comment was made from: not ours
            channel, ts = parse_slack_ref(mapping.target_id)
            replied.add(channel)
            if mapping.extra_data.get("integration_id") == self._event_id:
                # An earlier attempt of this event posted it (a retry): already done.
                work.posted.append(Posted(channel, ts, "reply", reused=True))
                continue
            shown_before = True
            replacement = post.reply_edit or post.reply
            if replacement is None:
                continue
            try:
                self._call(
                    self._client.chat_update, channel=channel, ts=ts, **replacement.api_fields()
                )
            except TargetUnavailable as exc:
                log.info(
                    "slack.reply_edit_skipped integration=%s reply=%s reason=%s",
                    self._event_id,
                    mapping.target_id,
                    exc,
                )
                work.skipped.append(f"{mapping.target_id}: the reply is gone ({exc})")
                continue
            work.edited.append(mapping.target_id)
        if not replied and post.reply is None:
            work.skipped.append(f"no reply of {post.reply_key} to edit")
        return replied, shown_before

    def _remember_reply(self, post: ThreadPost, posted: Posted) -> None:
        """Store the reply of `post.reply_key` at once, so a later edit finds it."""
        if post.reply_key is None:
            return
        mapping_type, service, object_id = parse_reply_key(post.reply_key)
        self._mappings.link(
            mapping_type,
            service,
            object_id,
            "slack",
            posted.ref,
            {"origin": service, "integration_id": self._event_id},
        )

    def _post_channel(self, work: _Work, channel: str, post: ChannelPost) -> None:
        work.posted.append(self._post(channel, post.message, "message", None, False))

    # Posting with the tag -----------------------------------------------------------------

    def _post(
        self,
        channel: str,
        message: SlackMessage,
        role: str,
        thread_ts: str | None,
        broadcast: bool,
    ) -> Posted:
        if self._check_previous:
            found = self._find_tagged(channel, role, thread_ts)
            if found is not None:
                log.info(
                    "slack.post_reused integration=%s channel=%s ts=%s role=%s",
                    self._event_id,
                    channel,
                    found,
                    role,
                )
                return Posted(channel, found, role, thread_ts, reused=True)
        fields: dict[str, Any] = {
            "channel": channel,
            **message.api_fields(),
            "metadata": {
                "event_type": TAG_EVENT_TYPE,
                "event_payload": {"integration_id": self._event_id, "role": role},
            },
        }
        if thread_ts is not None:
            fields["thread_ts"] = thread_ts
            if broadcast:
                fields["reply_broadcast"] = True
        response = self._call(self._client.chat_postMessage, **fields)
        ts = str(response.get("ts"))
        return Posted(str(response.get("channel") or channel), ts, role, thread_ts)

    def _find_tagged(self, channel: str, role: str, thread_ts: str | None) -> str | None:
        for message in self._read_back(channel, thread_ts):
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if (
                metadata.get("event_type") == TAG_EVENT_TYPE
                and payload.get("integration_id") == self._event_id
                and payload.get("role") == role
            ):
                return str(message.get("ts"))
        return None

    def _read_back(self, channel: str, thread_ts: str | None) -> Iterator[dict[str, Any]]:
        """The thread's messages, or the channel's newest, with their metadata."""
        cursor = None
        for _ in range(REPLY_PAGES if thread_ts else HISTORY_PAGES):
            if thread_ts:
                response = self._call(
                    self._client.conversations_replies,
                    channel=channel,
                    ts=thread_ts,
                    include_all_metadata=True,
                    limit=200,
                    cursor=cursor,
                )
            else:
                response = self._call(
                    self._client.conversations_history,
                    channel=channel,
                    include_all_metadata=True,
                    limit=100,
                    cursor=cursor,
                )
            yield from response.get("messages") or []
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return

    # Errors -------------------------------------------------------------------------------

    def _guarded(self, work: _Work, target: str, action: Callable[[], None]) -> None:
        try:
            action()
        except TargetUnavailable as exc:
            log.warning(
                "slack.target_skipped integration=%s target=%s reason=%s",
                self._event_id,
                target,
                exc,
            )
            work.unreachable.append(f"{target}: {exc}")

    def _finish(self, work: _Work) -> Report:
        report = work.report()
        if report.unreachable and not report.did_anything:
            raise Fail("no Slack target could be reached: " + "; ".join(report.unreachable))
        return report

    def _call(self, method: Callable[..., SlackResponse], **kwargs: Any) -> SlackResponse:
        name = getattr(method, "__name__", "slack")
        if self._still_ours is not None and not self._still_ours():
            raise Retry(f"Slack {name} not called: another worker took this event over")
        try:
            return method(**{k: v for k, v in kwargs.items() if v is not None})
        except SlackApiError as exc:
            raise _classify(name, exc) from None
        except (OSError, HTTPException) as exc:  # timeouts, refused/reset connections
            raise Retry(f"Slack {name}: {type(exc).__name__}: {exc}") from None


def _classify(method: str, exc: SlackApiError) -> Exception:
    response = exc.response
    status = response.status_code
    error = str(response.get("error") or "") if isinstance(response.data, dict) else ""
    if status == 429 or error in ("ratelimited", "rate_limited"):
        retry_after = _retry_after(response.headers)
        return Retry(f"Slack {method}: rate limited (Retry-After {retry_after}s)", retry_after)
    if status >= 500 or error in TRANSIENT_ERRORS:
        return Retry(f"Slack {method}: HTTP {status} {error}".rstrip())
    if error in TARGET_ERRORS:
        return TargetUnavailable(f"{method}: {error}")
    return Fail(f"Slack {method}: {error or f'HTTP {status}'}")


def _retry_after(headers: Any) -> float:
    for name in ("Retry-After", "retry-after"):
        value = headers.get(name) if headers else None
        if isinstance(value, list):
            value = value[0] if value else None
        if value is not None:
            try:
                return max(0.0, float(value))
            except ValueError:
                break
    return 1.0
