"""Message shortcut "Create Jira issue": the modal, prefilled from the message.

The issue's link goes into the message's thread (its `thread_ts`, or its own `ts` when it
is a top-level message), and that thread is linked to the issue so replies become comments.

The modal opens first, from the payload alone (`@U0BOB` for mentions, no permalink): any
Slack call before `views.open` could be rate limited past the trigger id's 3 seconds. The
permalink, people's names and Jira's issue types follow in one `views.update` guarded by
the opened view's hash, so it never overwrites a view the user already changed.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, BoltContext

from bot.errors import lazy_guard
from bot.payloads import MessageShortcut, read
from bot.views.ticket_modal import ModalContext, Screen, Values
from integrations.slack_to_jira import mentioned_users, plain, prettify
from integrations.tickets.formatting import notice
from integrations.tickets.models import SUMMARY_MAX

if TYPE_CHECKING:
    from bot.services import BotServices

CALLBACK_ID = "create_jira_issue"

_prefetch = ThreadPoolExecutor(max_workers=4, thread_name_prefix="shortcut-prefetch")


def summary_from(text: str, mentions: Any) -> str:
    """The message's first non-empty line, as plain text, cut to Jira's 255 characters."""
    for line in text.splitlines():
        summary = plain(line, mentions).strip()
        if summary:
            return summary if len(summary) <= SUMMARY_MAX else summary[: SUMMARY_MAX - 1] + "…"
    return ""


def _values(text: str, names: Any) -> Values:
    return Values(summary=summary_from(text, names), description=prettify(text, names))


def register(app: App, services: BotServices) -> None:
    allowed = services.settings.slack_allowed_channels

    def ack_shortcut(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        channel = read(MessageShortcut, body).channel.id
        context["shortcut_allowed"] = not allowed or channel in allowed
        ack()

    @lazy_guard
    def open_modal(body: dict[str, Any], context: BoltContext) -> None:
        shortcut = read(MessageShortcut, body)
        channel, user = shortcut.channel.id, shortcut.user.id
        if not context.get("shortcut_allowed"):
            services.container.slack.tell_user(
                user,
                channel,
                notice(
                    "Connect does not read messages in this channel "
                    "(it is not in `SLACK_ALLOWED_CHANNELS`)."
                ),
                response_url=shortcut.response_url,
            )
            return
        message = shortcut.message
        text, ts = message.text, message.ts
        default = services.default_project(channel)
        ctx = ModalContext(
            origin="shortcut",
            user_id=user,
            channel_id=channel,
            thread_ts=message.thread_ts or ts,
            message_ts=ts,
            author_id=message.user,
            response_url=shortcut.response_url,
            project=default.key if default else None,
            thread_choice=bool(message.thread_ts or message.reply_count),
        )
        loading = _prefetch.submit(services.modal.screen_for, ctx) if ctx.project else None
        view = services.modal.open(shortcut.trigger_id, ctx, _values(text, {}))
        if view is None:
            return
        permalink = services.container.slack.permalink(channel, ts)
        services.modal.remember_permalink(view["id"], permalink)
        users = mentioned_users(text)
        names = services.container.people.mentions(users, with_jira=False) if users else {}
        loaded_ctx, screen = loading.result() if loading is not None else (ctx, Screen())
        services.modal.refresh(
            view,
            ctx,
            _values(text, names),
            (loaded_ctx.model_copy(update={"permalink": permalink}), screen),
            initial=True,
        )

    app.shortcut(CALLBACK_ID)(ack=ack_shortcut, lazy=[open_modal])
