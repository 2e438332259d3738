"""An issue's card as Jira shows it now: for a card a button changed, and for an unfurled
Jira link.

Unfurls: a browse URL of the configured Jira site (`JIRA_BASE_URL/browse/PROJ-123`, shared in
Slack: `link_shared`) gets the issue's card (key, summary, type, status, priority, assignee,
with the card's buttons). An issue the app's Jira account cannot see (Jira answers 404, or
refuses) is left alone, as is any other link.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import urlsplit

from integrations.jira.formatters import Context, issue_card, slack_mentions
from integrations.jira.mentions import resolve
from integrations.jira.models import Issue, JiraWebhook
from integrations.jira_api import JiraGateway, JiraRejected
from integrations.messages import SlackMessage
from integrations.people import Directory
from integrations.slack.blockkit import fit_blocks

log = logging.getLogger(__name__)

BROWSE_PATH = re.compile(r"/browse/([A-Z][A-Z0-9_]*-[1-9][0-9]*)/?")
MAX_LINKS = 5


class IssuePreviews:
    def __init__(self, jira: JiraGateway, people: Directory) -> None:
        self._jira = jira
        self._people = people

    def now(self, key: str) -> tuple[Issue, Context]:
        """The issue as Jira shows it now, and who its people are in Slack."""
        raw = self._jira.issue_json(key)
        webhook = JiraWebhook.model_validate({"webhookEvent": "jira:issue_updated", "issue": raw})
        assert webhook.issue is not None
        mentions = resolve(webhook, self._people)
        return webhook.issue, Context(mentions=mentions, people=slack_mentions(mentions))

    def card(self, key: str) -> SlackMessage | None:
        issue, ctx = self.now(key)
        return issue_card(issue, ctx)

    def key_of(self, url: str) -> str | None:
        """The issue key of a browse URL of the configured Jira site, else None."""
        if not self._jira.configured:
            return None
        site = urlsplit(self._jira.config.base_url)
        link = urlsplit(url)
        if (link.scheme, link.netloc.lower()) != (site.scheme, site.netloc.lower()):
            return None
        path = link.path
        prefix = site.path.rstrip("/")
        if not path.startswith(prefix + "/browse/"):
            return None
        matched = BROWSE_PATH.fullmatch(path.removeprefix(prefix))
        return matched.group(1) if matched else None

    def unfurls(self, urls: list[str]) -> dict[str, dict[str, Any]]:
        """`chat.unfurl`'s `unfurls` for the Jira issue links among `urls`."""
        found: dict[str, dict[str, Any]] = {}
        for url in urls[:MAX_LINKS]:
            key = self.key_of(url)
            if key is None:
                continue
            try:
                card = self.card(key)
            except JiraRejected as error:  # 404: not there, or not visible to the app
                log.info("jira.unfurl_skipped key=%s status=%s", key, error.status)
                continue
            if card is not None:
                found[url] = {"blocks": fit_blocks(card.blocks)}
        return found
