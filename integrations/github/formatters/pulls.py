"""`pull_request.*`: state changes, review requests, labels, assignees, pushes and edits.

Each becomes a reply in the pull request's thread, with the card rebuilt from the payload.
"""

from __future__ import annotations

from integrations.github.formatters.shared import (
    assignment,
    edits,
    pr_link,
    pr_post,
    short_sha,
    who,
)
from integrations.github.models import PullRequestEvent
from integrations.github.people import NOBODY, GitHubPeople
from integrations.github.text import code, link, message, quote
from integrations.messages import Rendered


def opened(event: PullRequestEvent, people: GitHubPeople = NOBODY) -> Rendered:
    pr = event.pull_request
    emoji, kind = (
        (":white_circle:", "draft pull request")
        if pr.draft
        else (
            ":large_green_circle:",
            "pull request",
        )
    )
    line = f"{emoji} {who(event.sender, people)} opened {kind} {pr_link(pr)}"
    return pr_post(event, message(line, people.mentions(quote(pr.body))), people=people)


def _change(event: PullRequestEvent, people: GitHubPeople, emoji: str, did: str) -> Rendered:
    """A state change of the pull request: `did` has `{pr}` where the PR link goes."""
    line = f"{emoji} {who(event.sender, people)} " + did.format(pr=pr_link(event.pull_request))
    return pr_post(event, message(line), people=people)


def merged(event: PullRequestEvent, people: GitHubPeople = NOBODY) -> Rendered:
    base = code(event.pull_request.base.ref)
    return _change(event, people, ":large_purple_circle:", "merged pull request {pr} into " + base)


def closed(event: PullRequestEvent, people: GitHubPeople = NOBODY) -> Rendered:
    return _change(event, people, ":red_circle:", "closed pull request {pr} without merging")


def reopened(event: PullRequestEvent, people: GitHubPeople = NOBODY) -> Rendered:
    return _change(event, people, ":large_green_circle:", "reopened pull request {pr}")


def ready_for_review(event: PullRequestEvent, people: GitHubPeople = NOBODY) -> Rendered:
    return _change(
        event, people, ":large_green_circle:", "marked pull request {pr} as ready for review"
    )


def converted_to_draft(event: PullRequestEvent, people: GitHubPeople = NOBODY) -> Rendered:
    return _change(event, people, ":white_circle:", "converted pull request {pr} to a draft")


def _reviewer(event: PullRequestEvent, people: GitHubPeople) -> str:
    if event.requested_team is not None:
        return "team " + code(event.requested_team.slug or event.requested_team.name)
    if event.requested_reviewer is not None:
        return people.user(event.requested_reviewer.login)
    return "a reviewer"


def review_requested(event: PullRequestEvent, people: GitHubPeople = NOBODY) -> Rendered:
    line = f":eyes: {who(event.sender, people)} requested a review from {_reviewer(event, people)}"
    return pr_post(event, message(line), people=people)


def review_request_removed(event: PullRequestEvent, people: GitHubPeople = NOBODY) -> Rendered:
    line = f"{who(event.sender, people)} removed the review request for {_reviewer(event, people)}"
    return pr_post(event, message(line), people=people)


def labeled(event: PullRequestEvent, people: GitHubPeople = NOBODY) -> Rendered:
    name = event.label.name if event.label else "?"
    line = f"{who(event.sender, people)} added the label {code(name)}"
    return pr_post(event, message(line), people=people)


def unlabeled(event: PullRequestEvent, people: GitHubPeople = NOBODY) -> Rendered:
    name = event.label.name if event.label else "?"
    line = f"{who(event.sender, people)} removed the label {code(name)}"
    return pr_post(event, message(line), people=people)


def assigned(event: PullRequestEvent, people: GitHubPeople = NOBODY) -> Rendered:
    line = assignment(event.sender, event.assignee, "assigned", "pull request", people)
    return pr_post(event, message(line), people=people)


def unassigned(event: PullRequestEvent, people: GitHubPeople = NOBODY) -> Rendered:
    line = assignment(event.sender, event.assignee, "unassigned", "pull request", people)
    return pr_post(event, message(line), people=people)


def synchronize(event: PullRequestEvent, people: GitHubPeople = NOBODY) -> Rendered:
    """New commits on the PR's branch. The webhook names the old and new head only; the
    compare link lists what was pushed, and the PR's total commit count is shown."""
    pr = event.pull_request
    line = f":arrow_up: {who(event.sender, people)} pushed to {code(pr.head.ref)}"
    if event.before and event.after:
        compare = f"{event.repository.html_url}/compare/{event.before}...{event.after}"
        line += f" ({link(compare, f'{short_sha(event.before)}…{short_sha(event.after)}')})"
    if pr.commits is not None:
        line += f"; the pull request has {pr.commits} commit{'s' if pr.commits != 1 else ''}"
    return pr_post(event, message(line), people=people)


def edited(event: PullRequestEvent, people: GitHubPeople = NOBODY) -> Rendered:
    """A new title or base (only the description: skipped, `skips.pull_request_edited`)."""
    pr = event.pull_request
    line = edits(event.sender, event.changes, pr.title, pr.base.ref, people)
    return pr_post(event, message(line), people=people)
