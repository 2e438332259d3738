"""`/ticket settings keys on|off`: whether a bare Jira key (`PROJ-123`) said in this channel
gets the issue's card in a thread reply (`integrations.jira.key_replies`). Anyone in the
channel may change it; the answer is said in the channel, so everyone knows."""

from __future__ import annotations

from bot.commands.subcommands import Subcommand, SubcommandContext

USAGE = "Use `/ticket settings keys on` or `/ticket settings keys off`."


def settings(ctx: SubcommandContext) -> None:
    words = ctx.args.lower().split()
    keys = ctx.services.container.key_replies
    if words == ["keys"] or not words:
        state = "on" if keys.enabled(ctx.channel_id) else "off"
        ctx.reply(f"Jira keys in this channel get the issue's card: *{state}*. {USAGE}")
        return
    if words not in (["keys", "on"], ["keys", "off"]):
        ctx.reply(USAGE)
        return
    enabled = words[1] == "on"
    keys.set_enabled(ctx.channel_id, enabled)
    if enabled:
        ctx.reply(
            f"<@{ctx.user_id}> turned on Jira key previews here: a message that says an issue "
            "key such as `PROJ-123` gets the issue's card in its thread (once per key every "
            "30 minutes).",
            in_channel=True,
        )
    else:
        ctx.reply(f"<@{ctx.user_id}> turned off Jira key previews here.", in_channel=True)


SUBCOMMANDS = (
    Subcommand(
        "settings",
        settings,
        usage="settings keys on|off",
        help="whether an issue key such as `PROJ-123` said in this channel gets the issue's "
        "card in a thread reply.",
    ),
)
