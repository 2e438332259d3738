"""Which subscriptions receive a GitHub event: facts about the event, and the verdict.

`facts` reduces a parsed event to what subscriptions filter on (its feature, author, labels,
branch, ...); `matches` applies one subscription's features and filters and says why not
when it does not match (the reason goes to the audit log); `broadcast` says whether the
subscription wants the event also shown in the channel. All pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from integrations.github.dispatch import GitHubEvent
from integrations.github.formatters.activity import WORKFLOW_FAILURES
from integrations.github.models import (
    DeploymentStatusEvent,
    Event,
    IssueCommentEvent,
    IssuesEvent,
    PullRequestEvent,
    PullRequestReviewCommentEvent,
    PullRequestReviewEvent,
    PushEvent,
    RefEvent,
    ReleaseEvent,
    User,
    WorkflowRunEvent,
)
from integrations.subscriptions import GitHubFilters


@dataclass(frozen=True, slots=True)
class EventFacts:
    """What subscription filters look at.

    `author` is the author of the pull request or issue the event is about (None for
    events about no such item); `actor` who did this event. `change` names a state change a
    subscription may broadcast (`opened`, `merged`, `approved`, ...).
    """

    feature: str
    repository: str
    actor: str
    actor_is_bot: bool
    author: str | None = None
    author_is_bot: bool = False
    labels: tuple[str, ...] = ()
    draft: bool = False
    branch: str | None = None
    default_branch: str | None = None
    failed: bool = False
    change: str | None = None


PR_CHANGES = {"opened", "closed", "merged", "reopened", "ready_for_review"}
ISSUE_CHANGES = {"opened", "closed", "reopened"}
REVIEW_CHANGES = {"approved", "changes_requested"}


def _item(
    event: Event, feature: str, author: User, labels: Iterable[str], draft: bool, change: str | None
) -> EventFacts:
    return EventFacts(
        feature=feature,
        repository=event.repository.full_name,
        actor=event.sender.login,
        actor_is_bot=event.sender.is_bot,
        author=author.login,
        author_is_bot=author.is_bot,
        labels=tuple(labels),
        draft=draft,
        change=change,
    )


def _plain(event: Event, feature: str, **extra: Any) -> EventFacts:
    return EventFacts(
        feature=feature,
        repository=event.repository.full_name,
        actor=event.sender.login,
        actor_is_bot=event.sender.is_bot,
        **extra,
    )


def facts(event: GitHubEvent) -> EventFacts:
    """The facts of a parsed event (every model in `dispatch.EVENT_MODELS`)."""
    model = event.model
    action = event.key.partition(".")[2]
    if isinstance(model, PullRequestEvent):
        pr = model.pull_request
        change = action if action in PR_CHANGES else None
        return _item(model, "pulls", pr.user, (x.name for x in pr.labels), pr.draft, change)
    if isinstance(model, PullRequestReviewEvent):
        pr = model.pull_request
        state = model.review.state if action == "submitted" else None
        change = state if state in REVIEW_CHANGES else None
        return _item(model, "reviews", pr.user, (x.name for x in pr.labels), pr.draft, change)
    if isinstance(model, PullRequestReviewCommentEvent):
        pr = model.pull_request
        return _item(model, "comments", pr.user, (x.name for x in pr.labels), pr.draft, None)
    if isinstance(model, IssuesEvent):
        issue = model.issue
        feature = "pulls" if issue.is_pull_request else "issues"
        change = action if action in ISSUE_CHANGES else None
        return _item(
            model, feature, issue.user, (x.name for x in issue.labels), issue.draft, change
        )
    if isinstance(model, IssueCommentEvent):
        issue = model.issue
        return _item(
            model, "comments", issue.user, (x.name for x in issue.labels), issue.draft, None
        )
    if isinstance(model, PushEvent):
        return _plain(
            model, "commits", branch=model.branch, default_branch=model.repository.main_branch
        )
    if isinstance(model, ReleaseEvent):
        return _plain(model, "releases", change="published")
    if isinstance(model, DeploymentStatusEvent):
        return _plain(model, "deployments")
    if isinstance(model, WorkflowRunEvent):
        return _plain(
            model,
            "workflows",
            branch=model.workflow_run.head_branch,
            failed=model.workflow_run.conclusion in WORKFLOW_FAILURES,
        )
    if isinstance(model, RefEvent):
        return _plain(model, "branches")
    raise TypeError(f"no facts for {type(model).__name__}")  # a new model without a branch


@dataclass(frozen=True, slots=True)
class Verdict:
    """`matches`' answer: truthy when the subscription receives the event, else falsy with
    the reason (a bare `str` would be truthy either way)."""

    reason: str | None = None

    def __bool__(self) -> bool:
        return self.reason is None


MATCH = Verdict()


def _feature_verdict(features: Iterable[str], facts: EventFacts) -> Verdict:
    features = tuple(features)
    if facts.feature == "commits":
        branch = facts.branch or ""
        for feature in features:
            name, _, pattern = feature.partition(":")
            if name != "commits":
                continue
            if (not pattern and branch == facts.default_branch) or (
                pattern and fnmatchcase(branch, pattern)
            ):
                return MATCH
        return Verdict(
            f"commits to {branch}: not subscribed (`commits` is the default branch, "
            f"`commits:{branch}` or `commits:*` add others)"
        )
    if facts.feature == "workflows":
        if "workflows:all" in features or ("workflows" in features and facts.failed):
            return MATCH
        if "workflows" in features:
            return Verdict("workflow run did not fail (`workflows:all` posts every run)")
        return Verdict("feature workflows not subscribed")
    if facts.feature in {feature.partition(":")[0] for feature in features}:
        return MATCH
    return Verdict(f"feature {facts.feature} not subscribed")


def _lower(values: Iterable[str]) -> set[str]:
    return {value.lower() for value in values}


def matches(
    features: Iterable[str], filters: GitHubFilters | Mapping[str, Any], facts: EventFacts
) -> Verdict:
    """Whether a subscription with `features` and `filters` receives the event.

    Author and bot filters apply to the item's author and to whoever acted (a subscription
    excluding `dependabot[bot]` hears nothing of its PRs, nor of its comments elsewhere);
    label filters and `skip_drafts` apply to pull requests and issues only.
    """
    rules = filters if isinstance(filters, GitHubFilters) else GitHubFilters.model_validate(filters)
    verdict = _feature_verdict(features, facts)
    if not verdict:
        return verdict
    people = [facts.actor] + ([facts.author] if facts.author else [])
    excluded = _lower(rules.exclude_authors)
    for person in people:
        if person.lower() in excluded:
            return Verdict(f"author {person} excluded")
    if rules.exclude_bots and (facts.actor_is_bot or facts.author_is_bot):
        bot = facts.actor if facts.actor_is_bot else facts.author
        return Verdict(f"bot {bot} excluded")
    if facts.author is None:
        return MATCH
    if rules.skip_drafts and facts.draft:
        return Verdict("draft pull request skipped")
    labels = _lower(facts.labels)
    unwanted = labels & _lower(rules.exclude_labels)
    if unwanted:
        return Verdict(f"label {sorted(unwanted)[0]} excluded")
    if rules.labels and not labels & _lower(rules.labels):
        return Verdict(f"none of the labels {', '.join(rules.labels)}")
    return MATCH


def broadcast(filters: GitHubFilters | Mapping[str, Any], facts: EventFacts) -> bool:
    """Whether the subscription also shows this change in the channel (`reply_broadcast`)."""
    rules = filters if isinstance(filters, GitHubFilters) else GitHubFilters.model_validate(filters)
    return facts.change is not None and facts.change in rules.broadcast
