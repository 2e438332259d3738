"""`/ticket subscribe …`, `/ticket unsubscribe …`, `/ticket subscriptions`: what a channel
receives from GitHub and Jira. Thin: the work is `integrations.subscribing`.

A subscription change is announced in the channel (everyone there gets its posts); a
refusal and the listing are shown to the person who asked only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.commands.ticket import SubcommandContext, register_subcommand
from integrations.subscribing import Refused, SubscriptionService

if TYPE_CHECKING:
    from bot.services import BotServices


def register(services: BotServices) -> None:
    subscriptions = SubscriptionService.build(
        services.settings, services.repos, services.deps.jira_interactive
    )

    def subscribe(ctx: SubcommandContext) -> None:
        try:
            answer = subscriptions.subscribe(ctx.args, ctx.channel_id, ctx.user_id)
        except Refused as refused:
            ctx.respond(text=str(refused), response_type="ephemeral")
            return
        ctx.respond(text=f"<@{ctx.user_id}>: {answer}", response_type="in_channel")

    def unsubscribe(ctx: SubcommandContext) -> None:
        try:
            answer = subscriptions.unsubscribe(ctx.args, ctx.channel_id)
        except Refused as refused:
            ctx.respond(text=str(refused), response_type="ephemeral")
            return
        ctx.respond(text=f"<@{ctx.user_id}>: {answer}", response_type="in_channel")

    def listing(ctx: SubcommandContext) -> None:
        ctx.respond(text=subscriptions.listing(ctx.channel_id), response_type="ephemeral")

    register_subcommand(
        "subscribe",
        subscribe,
        usage="subscribe github owner/repo [features] [filters]",
        help="posts a repository's (or an organisation's) pull requests, issues, pushes, "
        "releases and deployments here, one thread per pull request or issue; "
        "`/ticket subscribe jira PROJ [events] [filters]` does the same for a Jira project, "
        "and `/ticket subscribe github` alone lists the features and filters.",
    )
    register_subcommand(
        "unsubscribe",
        unsubscribe,
        usage="unsubscribe github owner/repo",
        help="(or `jira PROJ`) stops a subscription of this channel.",
    )
    register_subcommand(
        "subscriptions", listing, usage="subscriptions", help="lists this channel's subscriptions."
    )
