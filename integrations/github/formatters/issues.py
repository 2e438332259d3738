"""`issues.*`: opened, closed (and why), reopened, labels, assignees, edits and deletion.

Each becomes a reply in the issue's thread, with the card rebuilt from the payload.
"""

from __future__ import annotations

from integrations.github.cards import thread_key
from integrations.github.formatters.shared import assignment, edits, issue_post, who
from integrations.github.models import Issue, IssuesEvent
from integrations.github.people import NOBODY, GitHubPeople
from integrations.github.text import code, escape, link, message, quote
from integrations.messages import Rendered, ThreadPost

CLOSED_AS = {
    "completed": (":large_purple_circle:", " as completed"),
    "not_planned": (":white_circle:", " as not planned"),
    "duplicate": (":white_circle:", " as a duplicate"),
}


def _issue_link(issue: Issue) -> str:
    return link(issue.html_url, f"#{issue.number} {issue.title}")


def opened(event: IssuesEvent, people: GitHubPeople = NOBODY) -> Rendered:
    line = (
        f":large_green_circle: {who(event.sender, people)} opened issue {_issue_link(event.issue)}"
    )
    return issue_post(event, message(line, people.mentions(quote(event.issue.body))), people=people)


def closed(event: IssuesEvent, people: GitHubPeople = NOBODY) -> Rendered:
    emoji, how = CLOSED_AS.get(event.issue.state_reason or "", (":red_circle:", ""))
    line = f"{emoji} {who(event.sender, people)} closed issue {_issue_link(event.issue)}{how}"
    return issue_post(event, message(line), people=people)


def reopened(event: IssuesEvent, people: GitHubPeople = NOBODY) -> Rendered:
    actor = who(event.sender, people)
    line = f":large_green_circle: {actor} reopened issue {_issue_link(event.issue)}"
    return issue_post(event, message(line), people=people)


def labeled(event: IssuesEvent, people: GitHubPeople = NOBODY) -> Rendered:
    name = event.label.name if event.label else "?"
    line = f"{who(event.sender, people)} added the label {code(name)}"
    return issue_post(event, message(line), people=people)


def unlabeled(event: IssuesEvent, people: GitHubPeople = NOBODY) -> Rendered:
    name = event.label.name if event.label else "?"
    line = f"{who(event.sender, people)} removed the label {code(name)}"
    return issue_post(event, message(line), people=people)


def assigned(event: IssuesEvent, people: GitHubPeople = NOBODY) -> Rendered:
    line = assignment(event.sender, event.assignee, "assigned", "issue", people)
    return issue_post(event, message(line), people=people)


def unassigned(event: IssuesEvent, people: GitHubPeople = NOBODY) -> Rendered:
    line = assignment(event.sender, event.assignee, "unassigned", "issue", people)
    return issue_post(event, message(line), people=people)


def edited(event: IssuesEvent, people: GitHubPeople = NOBODY) -> Rendered:
    """A new title (an edit of only the description is skipped: `skips.issue_edited`)."""
    line = edits(event.sender, event.changes, event.issue.title, people=people)
    return issue_post(event, message(line), people=people)


def deleted(event: IssuesEvent, people: GitHubPeople = NOBODY) -> Rendered:
    """Said only where a thread exists (no card: a deleted issue starts no thread)."""
    issue = event.issue
    actor = who(event.sender, people)
    line = f":wastebasket: {actor} deleted issue #{issue.number} {escape(issue.title)}"
    return ThreadPost(
        thread_key=thread_key(event.repository, event.issue.number), card=None, reply=message(line)
    )
