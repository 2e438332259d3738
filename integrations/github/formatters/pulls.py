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
from integrations.github.text import code, escape, link, message, quote
from integrations.messages import Rendered


def opened(event: PullRequestEvent) -> Rendered:
    pr = event.pull_request
    emoji, kind = (
        (":white_circle:", "draft pull request")
        if pr.draft
        else (
            ":large_green_circle:",
            "pull request",
        )
    )
    line = f"{emoji} {who(event.sender)} opened {kind} {pr_link(pr)}"
    return pr_post(event, message(line, quote(pr.body)))


def _change(event: PullRequestEvent, emoji: str, did: str) -> Rendered:
    """A state change of the pull request: `did` has `{pr}` where the PR link goes."""
    line = f"{emoji} {who(event.sender)} " + did.format(pr=pr_link(event.pull_request))
    return pr_post(event, message(line))


def merged(event: PullRequestEvent) -> Rendered:
    base = code(event.pull_request.base.ref)
    return _change(event, ":large_purple_circle:", "merged pull request {pr} into " + base)


def closed(event: PullRequestEvent) -> Rendered:
    return _change(event, ":red_circle:", "closed pull request {pr} without merging")


def reopened(event: PullRequestEvent) -> Rendered:
    return _change(event, ":large_green_circle:", "reopened pull request {pr}")


def ready_for_review(event: PullRequestEvent) -> Rendered:
    return _change(event, ":large_green_circle:", "marked pull request {pr} as ready for review")


def converted_to_draft(event: PullRequestEvent) -> Rendered:
    return _change(event, ":white_circle:", "converted pull request {pr} to a draft")


def _reviewer(event: PullRequestEvent) -> str:
    if event.requested_team is not None:
        return "team " + code(event.requested_team.slug or event.requested_team.name)
    if event.requested_reviewer is not None:
        return escape(event.requested_reviewer.login)
    return "a reviewer"


def review_requested(event: PullRequestEvent) -> Rendered:
    line = f":eyes: {who(event.sender)} requested a review from {_reviewer(event)}"
    return pr_post(event, message(line))


def review_request_removed(event: PullRequestEvent) -> Rendered:
    line = f"{who(event.sender)} removed the review request for {_reviewer(event)}"
    return pr_post(event, message(line))


def labeled(event: PullRequestEvent) -> Rendered:
    name = event.label.name if event.label else "?"
    return pr_post(event, message(f"{who(event.sender)} added the label {code(name)}"))


def unlabeled(event: PullRequestEvent) -> Rendered:
    name = event.label.name if event.label else "?"
    return pr_post(event, message(f"{who(event.sender)} removed the label {code(name)}"))


def assigned(event: PullRequestEvent) -> Rendered:
    line = assignment(event.sender, event.assignee, "assigned", "pull request")
    return pr_post(event, message(line))


def unassigned(event: PullRequestEvent) -> Rendered:
    line = assignment(event.sender, event.assignee, "unassigned", "pull request")
    return pr_post(event, message(line))


def synchronize(event: PullRequestEvent) -> Rendered:
    """New commits on the PR's branch. The webhook names the old and new head only; the
    compare link lists what was pushed, and the PR's total commit count is shown."""
    pr = event.pull_request
    line = f":arrow_up: {who(event.sender)} pushed to {code(pr.head.ref)}"
    if event.before and event.after:
        compare = f"{event.repository.html_url}/compare/{event.before}...{event.after}"
        line += f" ({link(compare, f'{short_sha(event.before)}…{short_sha(event.after)}')})"
    if pr.commits is not None:
        line += f"; the pull request has {pr.commits} commit{'s' if pr.commits != 1 else ''}"
    return pr_post(event, message(line))


def edited(event: PullRequestEvent) -> Rendered:
    """A new title or base (only the description: skipped, `skips.pull_request_edited`)."""
    pr = event.pull_request
    return pr_post(event, message(edits(event.sender, event.changes, pr.title, pr.base.ref)))
