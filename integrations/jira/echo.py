"""Jira's webhook for a change made with a card's button: recognised, and not said twice.

A button (`integrations.jira.actions`) records what it changed (`card_actions`: the status
or assignee it set, the thread whose reply said it). An `issue_updated` webhook whose shown
changes are all such recorded changes (a resolution set along with a status counts too) is
their echo: the reply names the person, "from Slack", instead of the app's account, and the
threads that said it already get no second reply (their card is refreshed where it changed).
"""

from __future__ import annotations

from dataclasses import dataclass

from integrations.jira.formatters import change_line
from integrations.jira.models import ChangeItem, JiraWebhook
from storage import Repositories
from storage.domain import CardAction

RIDES_ALONG = {"resolution": "status"}
"""A change Jira makes with another (a resolution set by the transition to Done)."""


@dataclass(frozen=True, slots=True)
class Echo:
    actions: tuple[CardAction, ...]

    @property
    def threads(self) -> frozenset[str]:
        return frozenset(a.thread for a in self.actions)

    @property
    def people(self) -> tuple[str, ...]:
        """The Slack users who made the change, each once."""
        return tuple(dict.fromkeys(a.slack_user_id for a in self.actions))

    @property
    def actor(self) -> str:
        return " and ".join(f"<@{u}>" for u in self.people)

    @property
    def detail(self) -> str:
        what = ", ".join(f"{a.field} → {a.value}" for a in self.actions)
        return f"the change made from Slack ({what}) is already said in its thread"


def _repeats(action: CardAction, item: ChangeItem, webhook: JiraWebhook) -> bool:
    name = item.field.lower()
    if name != action.field:
        return False
    if name == "status":
        return (item.to_string or "").casefold() == action.value.casefold()
    assignee = webhook.issue.fields.assignee if webhook.issue else None
    refs = set(assignee.refs) if assignee else set()
    return action.value == item.to_value or action.value in refs


def card_echo(repos: Repositories, integration_id: int, webhook: JiraWebhook) -> Echo | None:
    """The recorded card actions this issue update only repeats, or None."""
    if webhook.issue is None:
        return None
    shown = [item for item in webhook.changes if change_line(item) is not None]
    if not shown:
        return None
    waiting = repos.card_actions.awaiting_echo(webhook.issue.key, integration_id)
    if not waiting:
        return None
    matched: list[CardAction] = []
    for item in shown:
        found = next((a for a in waiting if a not in matched and _repeats(a, item, webhook)), None)
        if found is not None:
            matched.append(found)
    fields = {a.field for a in matched}
    for item in shown:
        name = item.field.lower()
        if name not in fields and RIDES_ALONG.get(name) not in fields:
            return None  # something else changed too: that is news
    repos.card_actions.mark_echoed([a.id for a in matched], integration_id)
    return Echo(tuple(matched))
