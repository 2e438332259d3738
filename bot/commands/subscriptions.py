"""`/ticket subscribe …`, `/ticket unsubscribe …`, `/ticket subscriptions`: what a channel
receives from GitHub and Jira. Thin: the work is `integrations.subscriptions.service`.

A subscription change is announced in the channel (everyone there gets its posts); a
refusal and the listing are shown to the person who asked only.
"""

from __future__ import annotations

from bot.commands.subcommands import Subcommand, SubcommandContext
from integrations.subscriptions.service import Refused


def subscribe(ctx: SubcommandContext) -> None:
    subscriptions = ctx.services.container.subscriptions
    try:
        answer = subscriptions.subscribe_command(ctx.args, ctx.channel_id, ctx.user_id)
    except Refused as refused:
        ctx.reply(str(refused))
        return
    ctx.reply(f"<@{ctx.user_id}>: {answer}", in_channel=True)


def unsubscribe(ctx: SubcommandContext) -> None:
    subscriptions = ctx.services.container.subscriptions
    try:
        answer = subscriptions.unsubscribe_command(ctx.args, ctx.channel_id)
    except Refused as refused:
        ctx.reply(str(refused))
        return
    ctx.reply(f"<@{ctx.user_id}>: {answer}", in_channel=True)


def listing(ctx: SubcommandContext) -> None:
    answer = ctx.services.container.subscriptions.listing(ctx.channel_id)
    ctx.reply(answer)


SUBCOMMANDS = (
    Subcommand(
        "subscribe",
        subscribe,
        usage="subscribe github owner/repo [features] [filters]",
        help="posts a repository's (or an organisation's) pull requests, issues, pushes, "
        "releases and deployments here, one thread per pull request or issue; "
        "`/ticket subscribe jira PROJ [events] [filters]` does the same for a Jira project, "
        "and `/ticket subscribe github` alone lists the features and filters.",
    ),
    Subcommand(
        "unsubscribe",
        unsubscribe,
        usage="unsubscribe github owner/repo",
        help="(or `jira PROJ`) stops a subscription of this channel.",
    ),
    Subcommand(
        "subscriptions", listing, usage="subscriptions", help="lists this channel's subscriptions."
    ),
)
