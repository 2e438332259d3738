"""`/ticket`: help, the create-issue modal, create at once, and subcommands.

    /ticket                 the create-issue modal
    /ticket <summary>       create at once in the channel's default project, else the modal
    /ticket help            usage (ephemeral)
    /ticket <subcommand>    a subcommand of `SUBCOMMANDS` (`subscribe`, `unsubscribe`, ...)

`SUBCOMMANDS` is the one table of subcommands: a feature adds its `Subcommand`s there. A
handler runs after the ack, in Bolt's lazy thread, and answers with `ctx.reply(...)`.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.commands import people, settings, subscriptions
from bot.commands.subcommands import HELP_WORDS, Subcommand, SubcommandContext
from bot.errors import lazy_guard
from bot.payloads import Command, read
from bot.views.ticket_modal import ModalContext, Screen, Values
from integrations.slack_to_jira import plain
from integrations.tickets.models import SUMMARY_MAX, TicketRequest

if TYPE_CHECKING:
    from bot.services import BotServices, DefaultProject

log = logging.getLogger(__name__)

COMMAND = "/ticket"
QUICK_CREATE_WAIT = 1.2
"""Seconds after the command arrived that `/ticket <summary>` waits for Jira's createmeta
before it opens the modal instead (the trigger id dies 3 s after the command; the modal must
open before that, however long the request waited for a thread)."""

_prefetch = ThreadPoolExecutor(max_workers=16, thread_name_prefix="ticket-prefetch")


SUBCOMMANDS: dict[str, Subcommand] = {
    sub.name: sub
    for sub in (*subscriptions.SUBCOMMANDS, *people.SUBCOMMANDS, *settings.SUBCOMMANDS)
}
"""`/ticket <name> ...` → its `Subcommand` (names are matched case-insensitively)."""


def help_text(default: DefaultProject | None) -> str:
    lines = [
        "*`/ticket`* creates Jira issues from Slack.",
        "• `/ticket` opens the create-issue form (project, type, summary, description, "
        "priority, assignee, labels, and any field Jira requires).",
        "• `/ticket <summary>` creates the issue at once when this channel has a default "
        "project and Jira needs nothing more than a summary; otherwise it opens the form with "
        "the summary filled in. More lines after the first become the description.",
        "• Message menu (⋯) → *Create Jira issue*: an issue from a message. Its link is posted "
        "in the message's thread, and replies in that thread become Jira comments.",
        "• `@connect ticket <summary>` in a channel does what `/ticket <summary>` does, and "
        "answers in a thread under your message; inside a thread it makes the issue from the "
        "whole thread (every message goes into the description).",
    ]
    for sub in sorted(SUBCOMMANDS.values(), key=lambda s: s.name):
        lines.append(f"• `/ticket {sub.usage}` {sub.help}")
    lines.append("• `/ticket help` shows this.")
    if default is None:
        lines.append(
            "This channel has no default project: subscribe it to one Jira project "
            "(`/ticket subscribe jira PROJ`) or set `JIRA_DEFAULT_PROJECT`."
        )
    elif default.source == "subscription":
        lines.append(f"Default project here: *{default.key}* (this channel's Jira subscription).")
    else:
        lines.append(f"Default project here: *{default.key}* (`JIRA_DEFAULT_PROJECT`).")
    return "\n".join(lines)


def split_text(text: str) -> tuple[str, str]:
    """`/ticket` text as (summary, description): the first line, and the rest."""
    first, _, rest = text.strip().partition("\n")
    return plain(first).strip(), rest.strip()


def first_word(command: dict[str, Any]) -> str:
    """The subcommand word (a matcher reads it before the listener validates the payload)."""
    text = command.get("text")
    words = text.strip().split(maxsplit=1) if isinstance(text, str) else []
    return words[0].lower() if words else ""


def is_help(body: dict[str, Any]) -> bool:
    """Listener matcher: `/ticket help` (answered in the ack, with no lazy listener)."""
    return first_word(body) in HELP_WORDS


def register(app: App, services: BotServices) -> None:
    def ack_help(ack: Ack, command: dict[str, Any]) -> None:
        default = services.default_project(read(Command, command).channel_id)
        ack(text=help_text(default), response_type="ephemeral")

    def ack_ticket(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
        # The trigger id's 3 seconds run from here, not from when a lazy thread is free.
        context["ticket_arrived"] = time.monotonic()
        read(Command, command)  # a 400 now, rather than a failure in the lazy half
        context["ticket_route"] = "subcommand" if first_word(command) in SUBCOMMANDS else "ticket"
        ack()

    @lazy_guard
    def run_ticket(
        body: dict[str, Any], command: dict[str, Any], context: BoltContext, respond: Respond
    ) -> None:
        fields = read(Command, command)
        text = fields.text.strip()
        if context.get("ticket_route") == "subcommand":
            name, _, args = text.partition(" ")
            sub = SUBCOMMANDS[name.lower()]
            sub.handler(
                SubcommandContext(
                    name=sub.name,
                    args=args.strip(),
                    user_id=fields.user_id,
                    channel_id=fields.channel_id,
                    response_url=fields.response_url,
                    command=command,
                    respond=respond,
                    services=services,
                )
            )
        else:
            start_ticket(services, fields, text, context.get("ticket_arrived"))

    # Bolt runs the first listener whose matchers pass: help never pays for a lazy thread.
    app.command(COMMAND, matchers=[is_help])(ack_help)
    app.command(COMMAND)(ack=ack_ticket, lazy=[run_ticket])


def start_ticket(
    services: BotServices, command: Command, text: str, arrived: float | None = None
) -> None:
    """`/ticket [summary]`: create at once when nothing else is needed, else the modal.

    Without a summary the modal opens at once and Jira's answer fills it in afterwards;
    with one, createmeta gets what is left of `QUICK_CREATE_WAIT` since `arrived` (the ack's
    `time.monotonic()`), so a request that queued for a thread does not wait twice."""
    summary, description = split_text(text)
    channel = command.channel_id
    default = services.default_project(channel)
    ctx = ModalContext(
        origin="command",
        user_id=command.user_id,
        channel_id=channel,
        response_url=command.response_url,
        project=default.key if default else None,
    )
    values = Values(summary=summary, description=description)
    if ctx.project is None:
        services.modal.open(command.trigger_id, ctx, values)
        return
    loading = _prefetch.submit(services.modal.screen_for, ctx)
    loaded: tuple[ModalContext, Screen] | None = None
    if summary and len(summary) <= SUMMARY_MAX:
        started = arrived if arrived is not None else time.monotonic()
        budget = QUICK_CREATE_WAIT - (time.monotonic() - started)
        try:
            loaded = loading.result(timeout=max(budget, 0.0))
        except FutureTimeout:
            log.info("ticket.quick_create_timeout budget=%.2fs", budget)
        if loaded is not None:
            quick = quick_request(loaded[0], loaded[1], summary, description)
            if quick is not None:
                tickets = services.container.tickets
                _, claim = tickets.accept(quick, delivery_key=f"command:{command.trigger_id}")
                if claim is not None:
                    tickets.first_attempt(claim, quick, response_url=command.response_url)
                return
    view = services.modal.open(command.trigger_id, ctx, values)
    if view is not None:
        services.modal.refresh(view, ctx, values, loaded or loading.result(), initial=True)


def quick_request(
    ctx: ModalContext, screen: Screen, summary: str, description: str
) -> TicketRequest | None:
    """The request `/ticket <summary>` can create without the modal, if Jira needs no more."""
    if ctx.load_error or ctx.blocking or ctx.fields or ctx.issue_type_id is None:
        return None
    metas = {f.id: f for f in screen.fields or ()}
    needs_description = "description" in metas and metas["description"].needs_value
    if needs_description and not description and ctx.reporter_field:
        return None  # the "Reported from Slack by" line would not be written
    return TicketRequest(
        origin="command",
        user_id=ctx.user_id,
        channel_id=ctx.channel_id,
        project=ctx.project or "",
        issue_type_id=ctx.issue_type_id,
        summary=summary,
        description=description,
        reporter_field=ctx.reporter_field,
    )
