"""`issues.*`: opened, closed (and why), reopened, labels, assignees, edits and deletion.

Each becomes a reply in the issue's thread, with the card rebuilt from the payload.
"""

from __future__ import annotations

from integrations.github.cards import thread_key
from integrations.github.formatters.shared import assignment, edits, issue_post, who
from integrations.github.models import Issue, IssuesEvent
from integrations.github.text import code, escape, link, message, quote
from integrations.messages import Rendered, ThreadPost

CLOSED_AS = {
    "completed": (":large_purple_circle:", " as completed"),
    "not_planned": (":white_circle:", " as not planned"),
    "duplicate": (":white_circle:", " as a duplicate"),
}


def _issue_link(issue: Issue) -> str:
    return link(issue.html_url, f"#{issue.number} {issue.title}")


def opened(event: IssuesEvent) -> Rendered:
    line = f":large_green_circle: {who(event.sender)} opened issue {_issue_link(event.issue)}"
    return issue_post(event, message(line, quote(event.issue.body)))


def closed(event: IssuesEvent) -> Rendered:
    emoji, how = CLOSED_AS.get(event.issue.state_reason or "", (":red_circle:", ""))
    line = f"{emoji} {who(event.sender)} closed issue {_issue_link(event.issue)}{how}"
    return issue_post(event, message(line))


def reopened(event: IssuesEvent) -> Rendered:
    line = f":large_green_circle: {who(event.sender)} reopened issue {_issue_link(event.issue)}"
    return issue_post(event, message(line))


def labeled(event: IssuesEvent) -> Rendered:
    name = event.label.name if event.label else "?"
    return issue_post(event, message(f"{who(event.sender)} added the label {code(name)}"))


def unlabeled(event: IssuesEvent) -> Rendered:
    name = event.label.name if event.label else "?"
    return issue_post(event, message(f"{who(event.sender)} removed the label {code(name)}"))


def assigned(event: IssuesEvent) -> Rendered:
    line = assignment(event.sender, event.assignee, "assigned", "issue")
    return issue_post(event, message(line))


def unassigned(event: IssuesEvent) -> Rendered:
    line = assignment(event.sender, event.assignee, "unassigned", "issue")
    return issue_post(event, message(line))


def edited(event: IssuesEvent) -> Rendered:
    """A new title (an edit of only the description is skipped: `skips.issue_edited`)."""
    return issue_post(event, message(edits(event.sender, event.changes, event.issue.title)))


def deleted(event: IssuesEvent) -> Rendered:
    """Said only where a thread exists (no card: a deleted issue starts no thread)."""
    issue = event.issue
    line = f":wastebasket: {who(event.sender)} deleted issue #{issue.number} {escape(issue.title)}"
    return ThreadPost(
        thread_key=thread_key(event.repository, event.issue.number), card=None, reply=message(line)
    )
