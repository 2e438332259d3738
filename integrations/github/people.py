"""GitHub logins as Slack people, for the formatters (pure: no I/O here).

`GitHubPeople` holds the Slack user of each login an event names that the people directory
links (`/ticket link github <login>`, the API); the delivery handler looks them up once per
event (`Directory.slack_ids_of_github`, cached) and hands it to the formatters. A linked
login is shown as `<@U…>`; any other stays the login. Teams (`@org/team`) stay text.

`logins_of(event)` is what the handler looks up: every user the payload carries (sender,
author, reviewers, assignees, review and comment authors) and the `@login`s in its bodies.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from pydantic import BaseModel

from integrations.github.models import User
from integrations.slack_text import escape

MENTION = re.compile(r"(?<![\w@`/.&-])@([A-Za-z0-9](?:-?[A-Za-z0-9]){0,38})(?![\w/`-])")
"""`@login` as GitHub links it: not in an email address, not a team (`@org/team`), not in
`code`."""
TEXT_FIELDS = ("body",)
"""The fields whose `@login`s are mentions: pull request, issue, review and comment bodies."""


def mentioned_logins(text: str | None) -> list[str]:
    """The logins `@mentioned` in `text`, lower-cased, in order, once each."""
    return list(dict.fromkeys(m.lower() for m in MENTION.findall(text or "")))


@dataclass(frozen=True, slots=True)
class GitHubPeople:
    """Lower-cased login → Slack user id, for the logins the directory links."""

    slack_ids: Mapping[str, str] = field(default_factory=dict)

    def slack_id(self, login: str) -> str | None:
        return self.slack_ids.get(login.lower())

    def user(self, login: str) -> str:
        """`<@U…>` for a linked login, else the login (escaped)."""
        slack_id = self.slack_id(login)
        return f"<@{slack_id}>" if slack_id else escape(login)

    def mentions(self, mrkdwn: str) -> str:
        """Already-escaped text with each linked `@login` as `<@U…>`; others stay `@login`."""
        if not self.slack_ids:
            return mrkdwn

        def swap(match: re.Match[str]) -> str:
            slack_id = self.slack_id(match.group(1))
            return f"<@{slack_id}>" if slack_id else match.group(0)

        return MENTION.sub(swap, mrkdwn)


NOBODY = GitHubPeople()
"""No login is linked: every login shows as itself."""


def logins_of(model: BaseModel) -> set[str]:
    """Every login an event shows: its users and the `@login`s of its bodies."""
    found: set[str] = set()
    for value in _walk(model):
        if isinstance(value, User):
            found.add(value.login.lower())
        elif isinstance(value, str):
            found.update(mentioned_logins(value))
    return found


def _walk(model: BaseModel) -> Iterator[object]:
    """The nested models and the text fields of a payload model, depth first."""
    for name, value in model:
        if isinstance(value, BaseModel):
            yield value
            yield from _walk(value)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, BaseModel):
                    yield item
                    yield from _walk(item)
        elif isinstance(value, str) and name in TEXT_FIELDS:
            yield value
