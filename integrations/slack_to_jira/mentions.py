"""Slack user mentions (`<@U123>`): which users a message mentions, and how to show each in Jira.

The caller looks the ids from `mentioned_users` up (Slack profile, Jira account) and hands the
renderers a `mentions` map (Slack user id → `Mention`): a Jira mention when the person's Jira
account is known, otherwise `@Display Name`; ids missing from the map stay `@U123`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


@dataclass(frozen=True, slots=True)
class Mention:
    """How to show a Slack user in Jira: `jira_id` is an accountId (Cloud) or name (Server)."""

    display_name: str
    jira_id: str | None = None
    cloud: bool = True


def mentioned_users(text: str) -> list[str]:
    """The Slack user ids `<@U123>` mentioned in `text`, in order, without repeats."""
    return list(dict.fromkeys(_USER_MENTION.findall(text)))
