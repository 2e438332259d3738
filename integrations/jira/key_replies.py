"""Bare Jira keys in Slack messages: `PROJ-123` said in a channel that asked for it
(`/ticket settings keys on`) gets one compact thread reply with the issue's card.

Never for an issue the app's Jira account cannot see (Jira answers 404 or refuses: nothing
is posted), never again for the same key in the same channel within `COOLDOWN` (across
processes: the claim is a database row), and only for people's messages: a bot's, an edit or
a link (`<https://…/PROJ-1>`, which unfurls instead) says no key.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from integrations.jira.previews import IssuePreviews
from integrations.jira_api import JiraError, JiraRejected
from integrations.messages import SlackMessage
from integrations.slack.errors import SlackFailure
from integrations.slack.writer import SlackWriter
from storage import Repositories

log = logging.getLogger(__name__)

COOLDOWN = timedelta(minutes=30)
MAX_KEYS = 3
"""Keys answered per message (a pasted list of keys is not a question about each)."""
KEY = re.compile(r"(?<![\w/.#-])([A-Z][A-Z0-9_]{1,9}-[1-9][0-9]{0,6})(?![\w-])")
HIDDEN = re.compile(r"<[^>]*>|```.*?```|`[^`]*`", re.DOTALL)
"""Links, mentions and code: keys there are not said to the channel."""


def bare_keys(text: str) -> list[str]:
    """The Jira keys a message says, in order, each once (links and code left out)."""
    return list(dict.fromkeys(KEY.findall(HIDDEN.sub(" ", text))))[:MAX_KEYS]


def said_by_a_person(event: Mapping[str, Any]) -> bool:
    subtype = event.get("subtype")
    return (
        subtype in (None, "thread_broadcast")
        and not event.get("bot_id")
        and bool(event.get("user"))
        and bool(event.get("ts"))
    )


class KeyReplies:
    def __init__(self, previews: IssuePreviews, slack: SlackWriter, repos: Repositories) -> None:
        self._previews = previews
        self._slack = slack
        self._repos = repos

    def enabled(self, channel_id: str) -> bool:
        return self._repos.key_replies.enabled(channel_id)

    def set_enabled(self, channel_id: str, enabled: bool) -> None:
        self._repos.key_replies.set_enabled(channel_id, enabled)

    def answer(self, event: Mapping[str, Any]) -> int:
        """Reply to the keys a message event says; returns how many cards were posted."""
        channel = str(event.get("channel") or "")
        if not channel or not said_by_a_person(event):
            return 0
        keys = bare_keys(str(event.get("text") or ""))
        if not keys or not self.enabled(channel):
            return 0
        posted = 0
        thread_ts = str(event.get("thread_ts") or event["ts"])
        for key in keys:
            card = self._card(key)
            if card is None or not self._repos.key_replies.claim(channel, key, COOLDOWN):
                continue
            try:
                self._slack.post(channel, card, thread_ts=thread_ts)
                posted += 1
            except SlackFailure as error:
                log.warning(
                    "jira.key_reply_failed channel=%s key=%s error=%s", channel, key, error.code
                )
        return posted

    def _card(self, key: str) -> SlackMessage | None:
        try:
            return self._previews.card(key)
        except JiraRejected as error:  # not there, or not visible to the app's account
            log.info("jira.key_reply_skipped key=%s status=%s", key, error.status)
        except JiraError as error:
            log.warning("jira.key_reply_failed key=%s error=%s", key, error)
        return None
