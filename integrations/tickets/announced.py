"""The cards of issues made from Slack (`/ticket`, the shortcut), kept up to date.

`TicketService` announces an issue it made with a card of its own (`formatting.issue_card`:
the `:ticket:` look, "Created from Slack by …") and links the thread (`issue_thread`,
`extra_data.origin = "slack"`, `announcement_ts` = the card). When the issue changes — a
card button, or a Jira `issue_updated` webhook — that card is edited to the issue as it is
now, keeping its look: `announcements` finds the cards, `ticket_card` renders one.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from integrations.jira.formatters import Context, person
from integrations.jira.markup import slack_escape
from integrations.jira.models import Issue
from integrations.jira_api import CreatedIssue
from integrations.messages import SlackMessage
from integrations.tickets import formatting
from integrations.tickets.models import TicketRequest
from storage import Repositories
from storage.domain import MappingType


@dataclass(frozen=True, slots=True)
class Announcement:
    """A card announcing an issue made from Slack: the thread it is linked as (`thread`, a
    mapping target), the card message's own ts, and the request that made the issue."""

    mapping_id: int
    thread: str
    ts: str
    request: TicketRequest
    card_hash: str | None


def announcements(repos: Repositories, key: str) -> list[Announcement]:
    """The announcement cards of `key` (none when it was not made from Slack)."""
    found: list[Announcement] = []
    for thread in repos.mappings.targets_of(MappingType.ISSUE_THREAD, "jira", key):
        extra = thread.extra_data
        ts = extra.get("announcement_ts")
        if extra.get("origin") != "slack" or not ts:
            continue
        made = repos.integrations.get(int(extra.get("integration_id") or 0))
        if made is None:
            continue
        try:
            request = TicketRequest.model_validate(made.payload["request"])
        except (KeyError, TypeError, ValidationError):
            continue
        digest = extra.get("card_hash")
        found.append(
            Announcement(
                thread.id, thread.target_id, str(ts), request, str(digest) if digest else None
            )
        )
    return found


def ticket_card(issue: Issue, url: str, request: TicketRequest, ctx: Context) -> SlackMessage:
    """The card of an issue made from Slack, as it was announced, with its state now."""
    fields = issue.fields
    now = CreatedIssue(
        key=issue.key,
        id=issue.id or "",
        url=url,
        summary=fields.summary or "",
        issue_type=fields.issuetype.name if fields.issuetype else None,
        status=fields.status.name if fields.status else None,
    )
    more = [f"*Assignee:* {person(fields.assignee, ctx)}"] if fields.assignee else []
    if fields.resolution and fields.resolution.name:
        more.append(f"*Resolution:* {slack_escape(fields.resolution.name)}")
    return formatting.issue_card(now, request, more=tuple(more))
