"""`/ticket link …`, `/ticket unlink …`, `/ticket whoami`: the caller's own Jira account and
GitHub login; `/ticket notify …`: the DMs they get. Thin: the work is
`integrations.people.PeopleLinks` and `NotifySettings`. Every answer is shown to the caller
only."""

from __future__ import annotations

from bot.commands.subcommands import Subcommand, SubcommandContext
from integrations.people import Refused

USAGE_LINK = "Use `/ticket link jira <email or account id>` or `/ticket link github <login>`."
USAGE_UNLINK = "Use `/ticket unlink jira` or `/ticket unlink github`."


def _tell(ctx: SubcommandContext, text: str) -> None:
    ctx.respond(text=text, response_type="ephemeral")


def link(ctx: SubcommandContext) -> None:
    side, _, value = ctx.args.partition(" ")
    side = side.lower()
    if side not in ("jira", "github") or not value.strip():
        _tell(ctx, USAGE_LINK)
        return
    links = ctx.services.container.people_links
    try:
        if side == "jira":
            person = links.link_jira(ctx.user_id, value)
            shown = person.jira_display_name or person.jira_account_id
            _tell(ctx, f"Linked: you are {shown} (`{person.jira_account_id}`) in Jira.")
        else:
            person = links.link_github(ctx.user_id, value)
            _tell(ctx, f"Linked: you are `{person.github_login}` on GitHub.")
    except Refused as refused:
        _tell(ctx, str(refused))


def unlink(ctx: SubcommandContext) -> None:
    side = ctx.args.strip().lower()
    if side not in ("jira", "github"):
        _tell(ctx, USAGE_UNLINK)
        return
    ctx.services.container.people_links.unlink(ctx.user_id, side)
    name = "Jira" if side == "jira" else "GitHub"
    _tell(ctx, f"Unlinked your {name} account; I will not match it by email again.")


def whoami(ctx: SubcommandContext) -> None:
    _tell(ctx, ctx.services.container.people_links.whoami(ctx.user_id))


def notify(ctx: SubcommandContext) -> None:
    _tell(ctx, ctx.services.container.notify.command(ctx.user_id, ctx.args))


SUBCOMMANDS = (
    Subcommand(
        "link",
        link,
        usage="link jira <email or account id>",
        help="(or `link github <login>`) says who you are in Jira or on GitHub, when your "
        "email does not tell; it wins over what the app matched itself.",
    ),
    Subcommand(
        "unlink",
        unlink,
        usage="unlink jira|github",
        help="forgets your Jira account or GitHub login (and stops matching it by email).",
    ),
    Subcommand(
        "whoami", whoami, usage="whoami", help="shows what the app knows about you (only to you)."
    ),
    Subcommand(
        "notify",
        notify,
        usage="notify on|off",
        help="(or `notify <kind> on|off`) DMs when your review is requested, an issue is "
        "assigned to you, you are mentioned, or your pull request is reviewed or merged; "
        "off until you turn them on. `notify` alone shows your settings.",
    ),
)
