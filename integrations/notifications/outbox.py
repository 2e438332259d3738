"""Direct messages through the delivery queue: queued by the source handlers, delivered by
the worker like any event (retried on Slack 5xx and rate limits, failed with the reason).

`queue` (called by the `github → slack` and `jira → slack` handlers after they posted)
records one `slack → slack` event (`event_type = "slack:dm"`) per notice whose recipient has
notifications on for its kind. Its `delivery_key` is `dm:<what happened>:<user>:<kind>` (what
happened: the source event's id, or the comment for a Jira comment, which Jira may send
twice), so a retried or redelivered source event queues nothing new.

`deliver` (the route's handler) asks the person's settings again (they may have switched off
since), opens the DM (`conversations.open`, scope `im:write`), looks up the permalink of the
thread where the event was posted, and posts through the poster: the message is tagged with
its event, so a retry after a Slack 5xx reads the DM back (`im:history`) and never posts twice.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable

from pydantic import BaseModel, ValidationError

from integrations.delivery import DeliveryContext, Done, Fail, Retry
from integrations.messages import ChannelPost, Delivery
from integrations.notifications.messages import Notice, dm_message
from integrations.slack.errors import SlackRefused, SlackTargetUnavailable, SlackUnavailable
from storage import Repositories
from storage.domain import Integration, NewIntegration, NotifyKind, Service, parse_slack_ref

log = logging.getLogger(__name__)

EVENT_TYPE = "slack:dm"
DELIVERY_KEY_LENGTH = 191  # `integration_logs.delivery_key`
GONE = frozenset({"user_not_found", "user_disabled", "cannot_dm_bot", "not_enough_users"})
"""`conversations.open` errors that mean this person cannot get a DM: ignored, not failed."""


class DirectMessage(BaseModel):
    """The payload of a `slack:dm` event."""

    recipient: str
    kind: NotifyKind
    line: str
    detail: str = ""
    thread: str | None = None  # `C…:ts`: the Slack message the event was posted as
    source_event: int

    @property
    def notice(self) -> Notice:
        return Notice(self.recipient, self.kind, self.line, self.detail)


def delivery_key(notice: Notice, source_event: int) -> str:
    key = f"dm:{notice.about or source_event}:{notice.recipient}:{notice.kind.value}"
    if len(key) <= DELIVERY_KEY_LENGTH:
        return key
    return "dm:" + hashlib.sha256(key.encode()).hexdigest()


def queue(
    repos: Repositories, source_event: int, notices: Iterable[Notice], thread: str | None
) -> list[str]:
    """Queue the DMs of `notices` their recipients take; returns `U… (kind)` of each newly
    queued one."""
    queued = []
    for notice in notices:
        person = repos.people.get(notice.recipient)
        if person is None or not person.notifications.wants(notice.kind):
            continue
        dm = DirectMessage(
            recipient=notice.recipient,
            kind=notice.kind,
            line=notice.line,
            detail=notice.detail,
            thread=thread,
            source_event=source_event,
        )
        _, created = repos.integrations.record(
            NewIntegration(
                source_service=Service.SLACK,
                target_service=Service.SLACK,
                event_type=EVENT_TYPE,
                payload=dm.model_dump(mode="json"),
                source_id=str(source_event),
                delivery_key=delivery_key(notice, source_event),
            )
        )
        if created:
            queued.append(f"{notice.recipient} ({notice.kind.value})")
    return queued


def summary(queued: list[str]) -> str | None:
    """What the source event's audit entry says of its DMs."""
    return f"DMs queued for {', '.join(queued)}" if queued else None


# Delivery ---------------------------------------------------------------------------------


def deliver(event: Integration, context: DeliveryContext) -> Done:
    """Open the DM and post the notification (once), unless the person switched it off."""
    if event.event_type != EVENT_TYPE:
        raise Fail(f"no slack → slack delivery for event type {event.event_type!r}")
    try:
        dm = DirectMessage.model_validate(event.payload)
    except ValidationError as exc:
        raise Fail(f"not a {EVENT_TYPE} payload ({exc.error_count()} field errors)") from None
    person = context.container.repos.people.get(dm.recipient)
    if person is None or not person.notifications.wants(dm.kind):
        return Done("ignored", f"{dm.recipient} takes no {dm.kind.value} notifications now")
    channel = _open(context, dm.recipient)
    if channel is None:
        return Done("ignored", f"{dm.recipient} cannot get a DM")
    url = None
    if dm.thread:
        thread_channel, ts = parse_slack_ref(dm.thread)
        url = context.container.slack_delivery.permalink(thread_channel, ts)
    message = dm_message(dm.notice, url)
    report = context.poster.deliver(Delivery(ChannelPost(message), channels=(channel,)))
    ref = report.posted[0].ref if report.posted else None
    log.info("notify.dm_sent integration=%s user=%s kind=%s", event.id, dm.recipient, dm.kind.value)
    return Done("completed", f"DM to {dm.recipient} ({dm.kind.value})", ref)


def _open(context: DeliveryContext, user: str) -> str | None:
    """The id of the app's DM with `user` (`conversations.open`); None when they cannot
    get one (deactivated, a bot)."""
    writer = context.container.slack_delivery
    try:
        response = writer.call(writer.client.conversations_open, users=user)
    except SlackUnavailable as exc:
        raise Retry(str(exc), exc.retry_after) from None
    except (SlackTargetUnavailable, SlackRefused) as exc:
        if exc.code in GONE or isinstance(exc, SlackTargetUnavailable):
            log.info("notify.dm_impossible user=%s error=%s", user, exc.code)
            return None
        raise Fail(str(exc)) from None
    channel = response.get("channel") or {}
    return str(channel["id"]) if isinstance(channel, dict) and channel.get("id") else None
