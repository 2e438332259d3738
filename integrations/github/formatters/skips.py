"""Events skipped for what they contain, decided without rendering anything.

The webhook intake asks `dispatch.skip_reason` (which reads `SKIPS`) whether a handled event
is posted at all, and stores the answer; `dispatch.render` asks the same before it calls a
formatter, so a formatter only sees events it posts. Each predicate returns the reason for
the audit log, or None.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from integrations.github.formatters.activity import DEPLOYMENT_OUTCOMES
from integrations.github.formatters.reviews import REVIEW_VERBS
from integrations.github.models import (
    Changes,
    DeploymentStatusEvent,
    IssuesEvent,
    PullRequestEvent,
    PullRequestReviewEvent,
    PushEvent,
    WorkflowRunEvent,
)


def push(event: PushEvent) -> str | None:
    """Pushes that only create or delete a branch or tag: those have events of their own."""
    if event.branch is None:
        return "push of a tag: tags are reported by the create event and releases"
    if event.deleted:
        return "push deleting a branch: reported by the delete event"
    if not event.commits:
        return "push without new commits: a new branch is reported by the create event"
    return None


def deployment_status(event: DeploymentStatusEvent) -> str | None:
    """Final deployment states only: a deployment posts once, when it has an outcome."""
    state = event.deployment_status.state
    if state not in DEPLOYMENT_OUTCOMES:
        return f"deployment status {state!r}: only outcomes (success, failure, error) are posted"
    return None


def workflow_run(event: WorkflowRunEvent) -> str | None:
    if event.workflow_run.conclusion is None:
        return "workflow run without a conclusion: nothing to report yet"
    return None


def shows_edit(changes: Changes | None, title: str, base: str | None = None) -> bool:
    """Whether an `edited` action changed what a post shows: the title or the base branch."""
    if changes is None:
        return False
    title_changed = changes.title is not None and changes.title.from_ != title
    return title_changed or (changes.base is not None and base is not None)


def issue_edited(event: IssuesEvent) -> str | None:
    if shows_edit(event.changes, event.issue.title):
        return None
    return "issue edited: only the description changed, which no post shows"


def pull_request_edited(event: PullRequestEvent) -> str | None:
    pr = event.pull_request
    if shows_edit(event.changes, pr.title, pr.base.ref):
        return None
    return "pull request edited: only the description changed, which no post shows"


def review(event: PullRequestReviewEvent) -> str | None:
    """A "commented" review with no summary is only the wrapper of its line comments, which
    arrive one by one as review comments."""
    state, body = event.review.state, event.review.body
    if state == "commented" and not (body or "").strip():
        return "review without a summary: its line comments are posted one by one"
    if state not in REVIEW_VERBS:
        return f"review state {state!r} is not shown"
    return None


SKIPS: dict[str, Callable[[Any], str | None]] = {
    "push": push,
    "deployment_status.created": deployment_status,
    "workflow_run.completed": workflow_run,
    "issues.edited": issue_edited,
    "pull_request.edited": pull_request_edited,
    "pull_request_review.submitted": review,
    "pull_request_review.edited": review,
}
"""Table key → the predicate of the events of that key that are not posted."""
