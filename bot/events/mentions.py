"""`app_mention`: `@connect ticket …` and `@connect help`, the app mentioned in a channel.

- `@connect ticket <summary>` creates the issue at once where `/ticket <summary>` would (the
  channel has a default project and Jira needs nothing more), and posts its card in a thread
  under the mention; that thread is linked to the issue, so its replies become comments.
- Written inside a thread, `@connect ticket` makes the issue from the whole thread: the
  summary from the thread's first message (or the words after `ticket`), the description
  from every human message of the thread (`integrations/tickets/transcript.py`).
- Otherwise the person who asked gets a button that opens the create-issue form, prefilled:
  a mention carries no trigger id to open a modal with, a button click does.
- `@connect help` answers like `/ticket help`, to the person who asked only.

Slack retries a mention it got no answer for; the issue is stored under the event's
`event_id`, so a retried delivery never creates a second one.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    MarkdownTextObject,
    SectionBlock,
)

from bot.commands.subcommands import HELP_WORDS
from bot.commands.ticket import help_text, quick_request, split_text
from bot.errors import lazy_guard
from bot.views.ticket_modal import ModalContext, Values
from integrations.messages import SlackMessage
from integrations.slack.errors import SlackFailure
from integrations.slack_to_jira import mentioned_users, plain
from integrations.tickets.models import SUMMARY_MAX

if TYPE_CHECKING:
    from bot.services import BotServices

log = logging.getLogger(__name__)

BOT_EVENTS = ("app_mention",)
OPEN_FORM = "mention_open_form"
"""The action id of the button that opens the create-issue form."""
BUTTON_VALUE_MAX = 2000
_LEADING_MENTION = re.compile(r"^\s*<@[A-Z0-9]+(?:\|[^>]*)?>[\s:,]*")


@dataclass(frozen=True, slots=True)
class Mention:
    """What a mention asks: `command` (`ticket`, `help`, or another word) and the rest."""

    command: str
    rest: str
    channel_id: str
    user_id: str
    ts: str
    thread_ts: str | None  # the thread the mention was written in; None at the top level

    @property
    def root(self) -> str:
        """Where the answer goes: the thread it was written in, else a thread under it."""
        return self.thread_ts or self.ts


def parse_mention(event: dict[str, Any], bot_user_id: str | None) -> Mention | None:
    """The mention's command, or None for an event without the fields it needs."""
    text, channel, user, ts = (event.get(k) for k in ("text", "channel", "user", "ts"))
    if not all(isinstance(v, str) and v for v in (text, channel, user, ts)):
        return None
    assert isinstance(text, str)
    own = f"<@{bot_user_id}>" if bot_user_id else None
    after = text.split(own, 1)[1] if own and own in text else _LEADING_MENTION.sub("", text)
    word, _, rest = after.strip().partition(" ")
    word, newline, first_line = word.partition("\n")  # "ticket\nSummary on the next line"
    if newline:
        rest = f"{first_line} {rest}"
    thread_ts = event.get("thread_ts")
    in_thread = isinstance(thread_ts, str) and thread_ts != ts
    return Mention(
        command=word.lower(),
        rest=rest.strip(),
        channel_id=str(channel),
        user_id=str(user),
        ts=str(ts),
        thread_ts=str(thread_ts) if in_thread else None,
    )


def register(app: App, services: BotServices) -> None:
    allowed = services.settings.slack_allowed_channels

    def ack_now(ack: Ack) -> None:
        ack()

    @lazy_guard
    def answer(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        mention = parse_mention(event, context.bot_user_id)
        if mention is None:
            return
        if allowed and mention.channel_id not in allowed:
            _tell(
                services,
                mention,
                "Connect does not read messages in this channel "
                "(it is not in `SLACK_ALLOWED_CHANNELS`).",
            )
            return
        if mention.command == "ticket":
            MentionTicket(services, mention, str(body.get("event_id") or "")).run()
        elif mention.command in HELP_WORDS or not mention.command:
            _tell(services, mention, help_text(services.default_project(mention.channel_id)))
        else:
            _tell(services, mention, "I know `@connect ticket <summary>` and `@connect help`.")

    @lazy_guard
    def open_form(body: dict[str, Any], action: dict[str, Any]) -> None:
        _open_form(services, body, action)

    app.event("app_mention")(ack=ack_now, lazy=[answer])
    app.action(OPEN_FORM)(ack=ack_now, lazy=[open_form])


class MentionTicket:
    """`@connect ticket …`: create at once, or offer the form."""

    def __init__(self, services: BotServices, mention: Mention, event_id: str) -> None:
        self._services = services
        self._mention = mention
        self._event_id = event_id

    def run(self) -> None:
        mention = self._mention
        summary, description = split_text(mention.rest)
        if mention.thread_ts and not summary:
            summary = self._thread_summary()
        if len(summary) > SUMMARY_MAX:
            summary = summary[: SUMMARY_MAX - 1] + "…"
        default = self._services.default_project(mention.channel_id)
        if default is None:
            self._offer(summary, description, "this channel has no default project")
        elif not summary:
            self._offer(summary, description, "say what the issue is about")
        elif not self._create(default.key, summary, description):
            self._offer(summary, description, f"Jira needs more than a summary in {default.key}")

    def _thread_summary(self) -> str:
        mention = self._mention
        try:
            transcript = self._services.container.transcripts.read(
                mention.channel_id, mention.root, skip=mention.ts
            )
        except SlackFailure as error:
            log.warning("mention.thread_unreadable error=%s", error.code)
            return ""
        first = transcript.messages[0].text if transcript.messages else ""
        names = self._services.container.people.mentions(mentioned_users(first), with_jira=False)
        return transcript.summary(names)

    def _create(self, project: str, summary: str, description: str) -> bool:
        """Create at once when Jira needs nothing more; False when the form is needed."""
        mention, services = self._mention, self._services
        ctx = ModalContext(
            origin="mention",
            user_id=mention.user_id,
            channel_id=mention.channel_id,
            project=project,
        )
        loaded, screen = services.modal.screen_for(ctx)
        in_thread = mention.thread_ts is not None
        # A thread always gives the issue a description, even when the mention adds none.
        stands_in = description or ("(the thread)" if in_thread else "")
        request = quick_request(loaded, screen, summary, stands_in)
        if request is None:
            return False
        request = request.model_copy(
            update={
                "origin": "mention",
                "description": description,
                "thread_ts": mention.root,
                "message_ts": mention.ts,
                "include_thread": in_thread,
            }
        )
        tickets = services.container.tickets
        key = f"event:{self._event_id}" if self._event_id else None
        _, claim = tickets.accept(request, delivery_key=key)
        if claim is not None:  # None: Slack retried a mention this event already handled
            tickets.first_attempt(claim, request)
        return True

    def _offer(self, summary: str, description: str, why: str) -> None:
        """A button that opens the form, prefilled (only the person who asked sees it)."""
        mention = self._mention
        _tell(
            self._services,
            mention,
            f"To create the Jira issue, open the form: {why}.",
            button=_button_value(mention, summary, description),
        )


def _button_value(mention: Mention, summary: str, description: str) -> str:
    """What the form is opened with, in the button's value (Slack keeps up to 2,000 chars)."""
    data = {"s": summary, "t": mention.root, "m": mention.ts, "w": mention.thread_ts is not None}
    room = BUTTON_VALUE_MAX - len(json.dumps(data)) - len(',"d":""') - 16
    data["d"] = description[: max(0, room)]
    return json.dumps(data, ensure_ascii=False)[:BUTTON_VALUE_MAX]


def _tell(services: BotServices, mention: Mention, text: str, *, button: str | None = None) -> None:
    """Answer the person who mentioned the app, in the thread, where only they see it."""
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=text))]
    if button is not None:
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text="Create Jira issue…",
                        action_id=OPEN_FORM,
                        value=button,
                        style="primary",
                    )
                ]
            )
        )
    services.container.slack.tell_user(
        mention.user_id,
        mention.channel_id,
        SlackMessage(text, tuple(blocks)),
        thread_ts=mention.root,
    )


def _open_form(services: BotServices, body: dict[str, Any], action: dict[str, Any]) -> None:
    """The button's click: the create-issue form, prefilled from the mention."""
    try:
        data = json.loads(str(action.get("value") or "{}"))
    except ValueError:
        data = {}
    channel = str((body.get("channel") or {}).get("id") or "")
    user = str((body.get("user") or {}).get("id") or "")
    if not (isinstance(data, dict) and channel and user and body.get("trigger_id")):
        return
    default = services.default_project(channel)
    in_thread = bool(data.get("w"))
    ctx = ModalContext(
        origin="mention",
        user_id=user,
        channel_id=channel,
        thread_ts=str(data.get("t") or "") or None,
        message_ts=str(data.get("m") or "") or None,
        project=default.key if default else None,
        thread_choice=in_thread,
    )
    values = Values(
        summary=plain(str(data.get("s") or "")),
        description=str(data.get("d") or ""),
        whole_thread=in_thread,
    )
    view = services.modal.open(str(body["trigger_id"]), ctx, values)
    if view is not None and ctx.project:
        services.modal.refresh(view, ctx, values, initial=True)
