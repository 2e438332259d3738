"""What to configure on GitHub for a subscription: the webhook URL and the events to enable.

The events come from the features a channel subscribed to, and each is one the dispatch
table handles (`dispatch.SUPPORTED_EVENTS`; a test keeps the two in step).
"""

from __future__ import annotations

from collections.abc import Iterable

FEATURE_EVENTS: dict[str, tuple[str, ...]] = {
    "issues": ("issues",),
    "pulls": ("pull_request",),
    "reviews": ("pull_request_review",),
    "comments": ("issue_comment", "pull_request_review_comment"),
    "commits": ("push",),
    "releases": ("release",),
    "deployments": ("deployment_status",),
    "workflows": ("workflow_run",),
    "branches": ("create", "delete"),
}

EVENT_LABELS = {
    "issues": "Issues",
    "pull_request": "Pull requests",
    "pull_request_review": "Pull request reviews",
    "issue_comment": "Issue comments",
    "pull_request_review_comment": "Pull request review comments",
    "push": "Pushes",
    "release": "Releases",
    "deployment_status": "Deployment statuses",
    "workflow_run": "Workflow runs",
    "create": "Branch or tag creation",
    "delete": "Branch or tag deletion",
}
"""The names GitHub's webhook form shows ("Let me select individual events")."""


def webhook_events(features: Iterable[str]) -> tuple[str, ...]:
    """The GitHub webhook events that `features` (`pulls`, `commits:main`, ...) need.

    Issue comments carry the comments of pull requests too, and pull request events are
    what starts a pull request's thread, so `comments` and `reviews` work best with `pulls`.
    """
    events: dict[str, None] = {}
    for feature in features:
        for event in FEATURE_EVENTS.get(feature.partition(":")[0], ()):
            events.setdefault(event)
    return tuple(events)


def hooks_page(source_id: str, web_url: str = "https://github.com") -> str:
    """Where the webhook is added: the repository's or the organisation's settings."""
    base = web_url.rstrip("/")
    if "/" in source_id:
        return f"{base}/{source_id}/settings/hooks"
    return f"{base}/organizations/{source_id}/settings/hooks"
