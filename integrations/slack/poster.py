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
  channel is in `Delivery.broadcast_channels` (the subscription setting);
- `Delivery.start_threads = False` (deletions, edits) only reaches existing threads;
- a thread whose card has a look of its own (`Delivery.own_cards`: the `/ticket` card of an
  issue made from Slack) gets that card edited instead, by the same hash rule;
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

Pacing: each post first asks the delivery writer's `ChannelPacer` (about one post a second per
channel); a busy channel defers the event (`Retry` without jitter, before anything is sent or
read back) instead of making its thread wait, and a 429 defers that channel's next posts too.

Errors: rate limits, 5xx and transport errors raise `Retry` (the whole event is retried, the
parts that made it are found by their tag); credentials, scopes and malformed messages raise
`Fail`; a problem of one target only (channel archived, bot removed, parent deleted) skips that
target and is reported, so one dead thread does not block the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk.web import SlackResponse

from integrations.delivery import Fail, Retry
from integrations.messages import (
    ChannelPost,
    Delivery,
    Ignored,
    OwnCard,
    SlackMessage,
    ThreadPost,
)
from integrations.slack.blockkit import fitted
from integrations.slack.errors import SlackRefused, SlackTargetUnavailable, SlackUnavailable
from integrations.slack.pacer import EventPacing
from integrations.slack.posts import (
    TAG_EVENT_TYPE,
    Posted,
    Report,
    Work,
    card_hash,
    parse_reply_key,
    parse_thread_key,
)
from integrations.slack.readback import find_tagged
from integrations.slack.writer import SlackWriter
from storage.domain import MappingType, ServiceMapping, parse_slack_ref
from storage.mappings import MappingRepository

log = logging.getLogger(__name__)


class SlackPoster:
    """Posts the messages of one integration event (`event_id`).

    `check_previous`: an earlier attempt of this event may have posted already, so look for
    tagged messages before posting (unless the pacer knows that every earlier attempt,
    `attempt` - 1 of them, was deferred before it sent anything). `still_ours`: asked before
    each Slack call; once it says False (the worker's lease on the event was lost, another
    worker now delivers it) no further call is made and `Retry` is raised, so the two
    workers do not both post.
    """

    def __init__(
        self,
        writer: SlackWriter,
        mappings: MappingRepository,
        *,
        event_id: int,
        check_previous: bool,
        still_ours: Callable[[], bool] | None = None,
        attempt: int | None = None,
    ) -> None:
        self._writer = writer
        self._client = writer.client
        self._mappings = mappings
        self._event_id = event_id
        self._still_ours = still_ours
        self._pacing = EventPacing(
            writer.pacer, event_id, attempt=attempt, check_previous=check_previous
        )
        self._check_previous = self._pacing.check_previous

    # Public -------------------------------------------------------------------------------

    def deliver(self, delivery: Delivery) -> Report:
        try:
            return self._deliver(delivery)
        finally:
            self._pacing.done()

    def _deliver(self, delivery: Delivery) -> Report:
        rendered = delivery.rendered
        work = Work()
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

    def _deliver_thread_post(self, work: Work, post: ThreadPost, delivery: Delivery) -> None:
        mapping_type, service, object_id = parse_thread_key(post.thread_key)
        wanted = list(dict.fromkeys(delivery.channels))
        broadcast_channels = set(delivery.broadcast_channels)
        replied, edits_only = self._edit_earlier_replies(work, post)
        own_cards = {own.thread: own for own in delivery.own_cards}
        threaded: set[str] = set()
        for thread in self._mappings.targets_of(mapping_type, service, object_id):
            channel, ts = parse_slack_ref(thread.target_id)
            threaded.add(channel)
            if thread.target_id in delivery.said_in:
                work.skipped.append(f"{thread.target_id}: already said there, from Slack")
                continue
            if thread.extra_data.get("subscribed") and channel not in wanted:
                work.skipped.append(f"{thread.target_id}: its channel does not take this event")
                continue
            broadcast = post.broadcast or channel in broadcast_channels
            said = channel in replied
            reply = None if edits_only or said else post.reply
            self._guarded(
                work,
                thread.target_id,
                lambda t=thread, c=channel, ts=ts, r=reply, b=broadcast: self._into_thread(
                    work, post, t, c, ts, r, b, own_cards.get(t.target_id)
                ),
            )
        start_threads = delivery.start_threads and not edits_only
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
        work: Work,
        post: ThreadPost,
        thread: ServiceMapping,
        channel: str,
        thread_ts: str,
        reply: SlackMessage | None,
        broadcast: bool,
        own: OwnCard | None = None,
    ) -> None:
        card, card_ts = (own.card, own.ts) if own is not None else (post.card, thread_ts)
        ours = own is not None or thread.extra_data.get("card")
        if card is not None and post.refresh_card and ours:
            digest = card_hash(card)
            if thread.extra_data.get("card_hash") != digest:
                self._call(self._client.chat_update, channel=channel, ts=card_ts, **fitted(card))
                self._mappings.update_extra(thread.id, {"card_hash": digest})
                work.edited.append(thread.target_id)
        if reply is not None:
            posted = self._post(channel, reply, "reply", thread_ts, broadcast)
            work.posted.append(posted)
            self._remember_reply(post, posted)

    def _start_thread(
        self,
        work: Work,
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

    def _edit_earlier_replies(self, work: Work, post: ThreadPost) -> tuple[set[str], bool]:
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
                self._call(self._client.chat_update, channel=channel, ts=ts, **fitted(replacement))
            except SlackTargetUnavailable as exc:
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

    def _post_channel(self, work: Work, channel: str, post: ChannelPost) -> None:
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
        if (wait := self._pacing.defer_post(channel)) is not None:  # before any read-back
            raise Retry(f"Slack channel {channel} is busy: paced", wait, jitter=False)
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
            **fitted(message),
            "metadata": {
                "event_type": TAG_EVENT_TYPE,
                "event_payload": {"integration_id": self._event_id, "role": role},
            },
        }
        if thread_ts is not None:
            fields["thread_ts"] = thread_ts
            if broadcast:
                fields["reply_broadcast"] = True
        self._pacing.sending()
        try:
            response = self._call(self._client.chat_postMessage, **fields)
        except Retry as exc:  # a 429: the channel's next posts wait too, this event first
            if exc.retry_after is None or not self._pacing.paced:
                raise
            wait = self._pacing.rate_limited(channel, exc.retry_after)
            raise Retry(str(exc), wait, jitter=False) from None
        ts = str(response.get("ts"))
        return Posted(str(response.get("channel") or channel), ts, role, thread_ts)

    def _find_tagged(self, channel: str, role: str, thread_ts: str | None) -> str | None:
        return find_tagged(
            self._call, self._client, channel, thread_ts, event_id=self._event_id, role=role
        )

    # Errors -------------------------------------------------------------------------------

    def _guarded(self, work: Work, target: str, action: Callable[[], None]) -> None:
        try:
            action()
        except SlackTargetUnavailable as exc:
            log.warning(
                "slack.target_skipped integration=%s target=%s reason=%s",
                self._event_id,
                target,
                exc,
            )
            work.unreachable.append(f"{target}: {exc}")

    def _finish(self, work: Work) -> Report:
        report = work.report()
        if report.unreachable and not report.did_anything:
            raise Fail("no Slack target could be reached: " + "; ".join(report.unreachable))
        return report

    def _call(self, method: Callable[..., SlackResponse], **kwargs: Any) -> SlackResponse:
        """One Slack call, unless the event is no longer ours; a Slack failure becomes the
        event's outcome (`Retry`, `Fail`) or, for one target, `SlackTargetUnavailable`."""
        name = getattr(method, "__name__", "slack")
        if self._still_ours is not None and not self._still_ours():
            raise Retry(f"Slack {name} not called: another worker took this event over")
        try:
            return self._writer.call(method, **kwargs)
        except SlackUnavailable as exc:
            raise Retry(str(exc), exc.retry_after) from None
        except SlackTargetUnavailable:
            raise
        except SlackRefused as exc:
            raise Fail(str(exc)) from None
