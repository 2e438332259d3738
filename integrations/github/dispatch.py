"""GitHub event → formatter: the one table, the ignore lists, and `render`.

`X-GitHub-Event` plus the payload's `action` make the table key (`pull_request.opened`);
`event_key` refines it where the action alone says too little (a closed pull request that
was merged is `pull_request.merged`). Every event GitHub sends is either in the table, or in
an ignore list with the reason it is not posted; anything else is reported as unsupported.
The events to enable on a GitHub webhook (`SUPPORTED_EVENTS`) are derived from the table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from integrations.github.formatters import activity, comments, issues, pulls, reviews
from integrations.github.formatters.skips import SKIPS
from integrations.github.models import (
    DeploymentStatusEvent,
    IssueCommentEvent,
    IssuesEvent,
    PullRequestEvent,
    PullRequestReviewCommentEvent,
    PullRequestReviewEvent,
    PushEvent,
    RefEvent,
    ReleaseEvent,
    WorkflowRunEvent,
)
from integrations.github.people import NOBODY, GitHubPeople
from integrations.messages import Ignored, Rendered

Formatter = Callable[[Any, GitHubPeople], Rendered]
"""`formatter(model, people)`: `people` shows the linked logins as Slack users."""

EVENT_MODELS: dict[str, type[BaseModel]] = {
    "pull_request": PullRequestEvent,
    "pull_request_review": PullRequestReviewEvent,
    "pull_request_review_comment": PullRequestReviewCommentEvent,
    "issues": IssuesEvent,
    "issue_comment": IssueCommentEvent,
    "push": PushEvent,
    "release": ReleaseEvent,
    "deployment_status": DeploymentStatusEvent,
    "workflow_run": WorkflowRunEvent,
    "create": RefEvent,
    "delete": RefEvent,
}

FORMATTERS: dict[str, Formatter] = {
    "pull_request.opened": pulls.opened,
    "pull_request.reopened": pulls.reopened,
    "pull_request.closed": pulls.closed,
    "pull_request.merged": pulls.merged,
    "pull_request.ready_for_review": pulls.ready_for_review,
    "pull_request.converted_to_draft": pulls.converted_to_draft,
    "pull_request.review_requested": pulls.review_requested,
    "pull_request.review_request_removed": pulls.review_request_removed,
    "pull_request.labeled": pulls.labeled,
    "pull_request.unlabeled": pulls.unlabeled,
    "pull_request.assigned": pulls.assigned,
    "pull_request.unassigned": pulls.unassigned,
    "pull_request.synchronize": pulls.synchronize,
    "pull_request.edited": pulls.edited,
    "pull_request_review.submitted": reviews.submitted,
    "pull_request_review.edited": reviews.submitted,
    "pull_request_review.dismissed": reviews.dismissed,
    "pull_request_review_comment.created": reviews.comment,
    "pull_request_review_comment.edited": reviews.comment,
    "pull_request_review_comment.deleted": reviews.comment_deleted,
    "issues.opened": issues.opened,
    "issues.closed": issues.closed,
    "issues.reopened": issues.reopened,
    "issues.labeled": issues.labeled,
    "issues.unlabeled": issues.unlabeled,
    "issues.assigned": issues.assigned,
    "issues.unassigned": issues.unassigned,
    "issues.edited": issues.edited,
    "issues.deleted": issues.deleted,
    "issue_comment.created": comments.comment,
    "issue_comment.edited": comments.comment,
    "issue_comment.deleted": comments.deleted,
    "push": activity.push,
    "release.published": activity.release_published,
    "deployment_status.created": activity.deployment_status,
    "workflow_run.completed": activity.workflow_run_completed,
    "create": activity.ref_created,
    "delete": activity.ref_deleted,
}

SUPPORTED_EVENTS: tuple[str, ...] = tuple(sorted({key.partition(".")[0] for key in FORMATTERS}))
"""The webhook events to enable on GitHub ("Let me select individual events")."""

_SETTINGS = "repository or organisation administration, not activity a channel follows"
_SECURITY = "security alerts stay in GitHub's security views, where access is controlled"
_ACCESS = "membership and access management, not project activity"
_INSTALLATION = "about the app installation, not about a repository's activity"
_PROJECTS = "project boards are not a subscription feature"

IGNORED_EVENTS: dict[str, str] = {
    "ping": "GitHub checking that the webhook works: answered 2xx, nothing to post",
    "branch_protection_configuration": _SETTINGS,
    "branch_protection_rule": _SETTINGS,
    "check_run": "CI outcomes are posted once per run from workflow_run",
    "check_suite": "CI outcomes are posted once per run from workflow_run",
    "code_scanning_alert": _SECURITY,
    "commit_comment": "a comment on a commit has no pull request or issue thread to go into",
    "custom_property": _SETTINGS,
    "custom_property_values": _SETTINGS,
    "dependabot_alert": _SECURITY,
    "deploy_key": _SETTINGS,
    "deployment": "a deployment is posted once it has an outcome, from deployment_status",
    "deployment_protection_rule": "approval gates are GitHub's; the outcome is posted",
    "deployment_review": "approval gates are GitHub's; the outcome is posted",
    "discussion": "discussions are not a subscription feature",
    "discussion_comment": "discussions are not a subscription feature",
    "fork": "forks and stars are popularity, not project activity",
    "github_app_authorization": _INSTALLATION,
    "gollum": "wiki edits are not a subscription feature",
    "installation": _INSTALLATION,
    "installation_repositories": _INSTALLATION,
    "installation_target": _INSTALLATION,
    "issue_dependencies": "issue hierarchies are shown in GitHub",
    "label": "label definitions are repository housekeeping; labels on items are posted",
    "marketplace_purchase": "billing, not project activity",
    "member": _ACCESS,
    "membership": _ACCESS,
    "merge_group": "merge-queue checks; the merge itself is posted from pull_request",
    "meta": "the webhook itself was deleted; nothing to post",
    "milestone": "milestone definitions are housekeeping; issue cards show milestones",
    "org_block": _ACCESS,
    "organization": _ACCESS,
    "package": "packages are not a subscription feature; releases are",
    "page_build": "GitHub Pages builds: their deployments are posted from deployment_status",
    "personal_access_token_request": _ACCESS,
    "project": _PROJECTS,
    "project_card": _PROJECTS,
    "project_column": _PROJECTS,
    "projects_v2": _PROJECTS,
    "projects_v2_item": _PROJECTS,
    "projects_v2_status_update": _PROJECTS,
    "public": _SETTINGS,
    "pull_request_review_thread": "resolving a conversation is housekeeping; comments are posted",
    "registry_package": "packages are not a subscription feature; releases are",
    "release_asset": "assets are part of their release, posted when it is published",
    "repository": _SETTINGS,
    "repository_advisory": _SECURITY,
    "repository_dispatch": "a trigger: the workflow run it starts is what gets posted",
    "repository_import": _SETTINGS,
    "repository_ruleset": _SETTINGS,
    "repository_vulnerability_alert": _SECURITY,
    "secret_scanning_alert": _SECURITY,
    "secret_scanning_alert_location": _SECURITY,
    "secret_scanning_scan": _SECURITY,
    "security_advisory": _SECURITY,
    "security_and_analysis": _SECURITY,
    "sponsorship": "sponsorships are not project activity",
    "star": "forks and stars are popularity, not project activity",
    "status": "CI outcomes are posted once per run from workflow_run",
    "sub_issues": "issue hierarchies are shown in GitHub",
    "team": _ACCESS,
    "team_add": _ACCESS,
    "watch": "forks and stars are popularity, not project activity",
    "workflow_dispatch": "a trigger: the workflow run it starts is what gets posted",
    "workflow_job": "jobs are summed up by their workflow run",
}

_LOCKING = "locking a conversation is moderation, not progress"
_AUTO_MERGE = "auto-merge and the merge queue lead to the merge, which is posted"

IGNORED_ACTIONS: dict[str, str] = {
    "pull_request.locked": _LOCKING,
    "pull_request.unlocked": _LOCKING,
    "pull_request.milestoned": "milestones are not shown on pull request cards",
    "pull_request.demilestoned": "milestones are not shown on pull request cards",
    "pull_request.auto_merge_enabled": _AUTO_MERGE,
    "pull_request.auto_merge_disabled": _AUTO_MERGE,
    "pull_request.enqueued": _AUTO_MERGE,
    "pull_request.dequeued": _AUTO_MERGE,
    "issues.locked": _LOCKING,
    "issues.unlocked": _LOCKING,
    "issues.milestoned": "milestone changes show on the card with the issue's next update",
    "issues.demilestoned": "milestone changes show on the card with the issue's next update",
    "issues.pinned": "pinning is presentation in GitHub",
    "issues.unpinned": "pinning is presentation in GitHub",
    "issues.typed": "issue types are shown in GitHub",
    "issues.untyped": "issue types are shown in GitHub",
    "issues.transferred": "the issue moved to another repository; its events come from there",
    "release.created": "a release is announced once, when published",
    "release.prereleased": "a release is announced once, when published (marked pre-release)",
    "release.released": "a release is announced once, when published",
    "release.edited": "a release is announced once, when published",
    "release.deleted": "a release is announced once, when published",
    "release.unpublished": "a release is announced once, when published",
    "workflow_run.requested": "only finished runs are reported",
    "workflow_run.in_progress": "only finished runs are reported",
}


class InvalidPayload(ValueError):
    """A payload that lacks what its post cannot do without (a pull request's number, ...) or
    that is not what its event says: never posted, and no retry changes that. The intake
    stores such an event `ignored` with this reason; a handler fails it (`Fail`)."""


@dataclass(frozen=True, slots=True)
class GitHubEvent:
    """A validated webhook: `name` is `X-GitHub-Event`, `key` the table key."""

    name: str
    key: str
    model: BaseModel


def event_key(name: str, model: BaseModel) -> str:
    """The table key: `<event>.<action>`, or `<event>` for events without actions;
    `pull_request.merged` for a pull request closed by merging."""
    action = getattr(model, "action", None)
    if isinstance(model, PullRequestEvent) and action == "closed" and model.pull_request.is_merged:
        return "pull_request.merged"
    return f"{name}.{action}" if action else name


def parse(name: str, payload: Mapping[str, Any]) -> GitHubEvent | Ignored:
    """Validate `payload` as the `name` event; `Ignored` for events not posted at all.

    Raises `InvalidPayload` when a handled event's payload lacks what it must have.
    """
    if name in IGNORED_EVENTS:
        return Ignored(f"{name}: {IGNORED_EVENTS[name]}")
    model_type = EVENT_MODELS.get(name)
    if model_type is None:
        return Ignored(f"{name}: not a GitHub event this app handles")
    try:
        model = model_type.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "payload"
        raise InvalidPayload(f"{name} payload: {where}: {first['msg']}") from None
    return GitHubEvent(name=name, key=event_key(name, model), model=model)


def skip_reason(event: GitHubEvent) -> str | None:
    """Why a parsed event is never posted (its action is ignored, unknown, or skipped for
    what it contains: `formatters/skips.py`), or None. Pure and cheap: the intake's answer."""
    if event.key in IGNORED_ACTIONS:
        return f"{event.key}: {IGNORED_ACTIONS[event.key]}"
    if event.key not in FORMATTERS:
        return f"{event.key}: not an action this app handles"
    skip = SKIPS.get(event.key)
    return skip(event.model) if skip is not None else None


def render(event: GitHubEvent, people: GitHubPeople = NOBODY) -> Rendered:
    """The post for a parsed event, or `Ignored` with the reason; `people` turns the
    logins linked to Slack users into mentions."""
    reason = skip_reason(event)
    if reason is not None:
        return Ignored(reason)
    return FORMATTERS[event.key](event.model, people)


def render_payload(name: str, payload: Mapping[str, Any]) -> Rendered:
    """`parse` then `render`: the whole pure path from a webhook to a post."""
    parsed = parse(name, payload)
    return parsed if isinstance(parsed, Ignored) else render(parsed)
