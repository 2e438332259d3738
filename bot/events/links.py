"""`link_shared`: GitHub pull request and issue links, and Jira issue links of the configured
site (`integrations.jira.previews`), shared in Slack unfurl as their card.

Slack sends the event for the domains in the manifest's `unfurl_domains` (github.com, a
GitHub Enterprise Server host when one is used, the Jira site's host when it is added); the
app answers with `chat.unfurl`. GitHub links need `GITHUB_TOKEN` (the card comes from the REST
API); without it, links unfurl as Slack would anyway. A link the token (or the app's Jira
account) cannot see is left alone rather than explained.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.errors import lazy_guard
from bot.payloads import Link, LinkShared, read
from integrations.github.api import GitHubApi, GitHubApiError
from integrations.slack.blockkit import fit_blocks

if TYPE_CHECKING:
    from bot.services import BotServices

log = logging.getLogger(__name__)

BOT_EVENTS = ("link_shared",)
UNFURL_DOMAINS = ("github.com",)
MAX_LINKS = 5  # Slack sends at most a handful per message; each costs one API call


def unfurls_for(api: GitHubApi, links: list[Link]) -> dict[str, dict[str, Any]]:
    """`chat.unfurl`'s `unfurls`: the card of each PR or issue link (others left out)."""
    found: dict[str, dict[str, Any]] = {}
    for link in links[:MAX_LINKS]:
        url = link.url
        try:
            card = api.unfurl(url)
        except GitHubApiError as exc:
            log.info("slack.unfurl_skipped url=%s reason=%s", url, exc)
            continue
        if card is not None:
            found[url] = {"blocks": fit_blocks(card.blocks)}
    return found


def register(app: App, services: BotServices) -> None:
    api = services.container.github
    jira = services.container.jira_previews
    allowed = services.settings.slack_allowed_channels

    def ack_link(ack: Ack, event: dict[str, Any]) -> None:
        read(LinkShared, event)
        ack()

    @lazy_guard
    def unfurl(event: dict[str, Any], client: WebClient, body: dict[str, Any]) -> None:
        shared = read(LinkShared, event)
        channel = shared.channel
        if allowed and channel not in allowed:
            return
        unfurls = unfurls_for(api, shared.links) if api is not None else {}
        unfurls.update(jira.unfurls([link.url for link in shared.links if link.url not in unfurls]))
        if not unfurls:
            return
        where: dict[str, Any]
        if shared.unfurl_id and shared.source:
            where = {"unfurl_id": shared.unfurl_id, "source": shared.source}
        else:
            where = {"channel": channel, "ts": shared.message_ts}
        client.chat_unfurl(unfurls=unfurls, **where)
        log.info("slack.unfurled channel=%s links=%s", channel, len(unfurls))

    app.event("link_shared")(ack=ack_link, lazy=[unfurl])
