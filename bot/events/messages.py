"""`message` events: replies in threads linked to a Jira issue become Jira comments, and a
bare Jira key in a channel that asked for it gets the issue's card (`KeyReplies`).

Slack sends `message` events under the manifest names `message.channels` (public
channels) and `message.groups` (private channels), for channels the app is a member of.
The ack function does the cheap, durable part (classify, look up the thread's issue, store
the change with Slack's `event_id` as its delivery key) before Slack gets its 200, so a
retried delivery finds the stored row and changes nothing; the Jira call runs lazily.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, BoltContext, BoltRequest

from bot.errors import lazy_guard
from bot.payloads import EventCallback, read
from integrations.messages import Ignored
from integrations.tickets.models import CommentRequest
from integrations.tickets.thread_events import classify

if TYPE_CHECKING:
    from bot.services import BotServices

log = logging.getLogger(__name__)

BOT_EVENTS = ("message.channels", "message.groups")


def register(app: App, services: BotServices) -> None:
    comments = services.container.comments
    keys = services.container.key_replies
    allowed = services.settings.slack_allowed_channels

    def ack_message(
        ack: Ack,
        body: dict[str, Any],
        event: dict[str, Any],
        context: BoltContext,
        request: BoltRequest,
    ) -> None:
        message = classify(event, bot_user_id=context.bot_user_id, allowed_channels=allowed)
        if isinstance(message, Ignored):
            log.debug("slack.message_ignored reason=%s", message.reason)
            ack()
            return
        plan = comments.plan(message, read(EventCallback, body).event_id)
        if isinstance(plan, Ignored):
            log.debug("slack.message_ignored reason=%s", plan.reason)
            ack()
            return
        accepted = comments.accept(plan)
        if accepted.duplicate:
            log.info(
                "slack.event_duplicate event_id=%s integration=%s retry=%s",
                plan.event_id,
                accepted.integration.id,
                (request.headers.get("x-slack-retry-num") or ["0"])[0],
            )
        context["comment_claim"] = accepted.claim
        context["comment_request"] = plan.model_dump(mode="json")
        ack()

    @lazy_guard
    def mirror_message(body: dict[str, Any], context: BoltContext) -> None:
        claim = context.get("comment_claim")
        if claim is None:
            return
        comments.first_attempt(claim, CommentRequest.model_validate(context["comment_request"]))

    @lazy_guard
    def answer_keys(event: dict[str, Any]) -> None:
        if allowed and event.get("channel") not in allowed:
            return
        keys.answer(event)

    app.event("message")(ack=ack_message, lazy=[mirror_message, answer_keys])
