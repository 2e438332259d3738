"""What a channel can subscribe to: the features and filters of GitHub and Jira subscriptions,
and their validation (shared by `/ticket subscribe` and `/api/v1/subscriptions`).

GitHub features follow the GitHub app for Slack (`issues`, `pulls`, `commits[:branch]`, ...);
Jira ones are Jira's webhook event names. Subscriptions created without `events` get the
defaults below.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

GITHUB_FEATURES = (
    "issues",
    "pulls",
    "reviews",
    "comments",
    "commits",
    "releases",
    "deployments",
    "workflows",
    "branches",
)
GITHUB_DEFAULT_FEATURES = ("issues", "pulls", "commits", "releases", "deployments")
GITHUB_BROADCASTS = (
    "opened",
    "closed",
    "merged",
    "reopened",
    "ready_for_review",
    "approved",
    "changes_requested",
)
"""Pull request and issue changes a subscription may also show in the channel."""

JIRA_EVENTS = (
    "issue_created",
    "issue_updated",
    "issue_deleted",
    "comment_created",
    "comment_updated",
    "comment_deleted",
)
JIRA_DEFAULT_EVENTS = ("issue_created", "issue_updated", "comment_created")

GITHUB_REPO = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:/[A-Za-z0-9._-]{1,100})?")
JIRA_PROJECT = re.compile(r"[A-Z][A-Z0-9_]{0,49}")
SLACK_CHANNEL = re.compile(r"[CGD][A-Z0-9]{2,20}")  # use fullmatch


class GitHubFilters(BaseModel):
    """Which GitHub events of a subscribed repository reach the channel."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    labels: list[str] = Field(default_factory=list, description="only items with one of these")
    exclude_labels: list[str] = Field(default_factory=list, description="never items with these")
    exclude_authors: list[str] = Field(default_factory=list, description="e.g. dependabot[bot]")
    exclude_bots: bool = Field(default=False, description="skip events by any bot account")
    skip_drafts: bool = Field(default=False, description="skip draft pull requests")
    sync_comments: bool = Field(
        default=False,
        description=(
            "replies in the threads of its pull requests and issues become GitHub comments "
            "(needs GITHUB_TOKEN)"
        ),
    )
    broadcast: list[str] = Field(
        default_factory=list,
        description="state changes also sent to the channel (reply_broadcast), e.g. merged",
        json_schema_extra={"items": {"type": "string", "enum": list(GITHUB_BROADCASTS)}},
    )

    @field_validator("broadcast")
    @classmethod
    def _known_changes(cls, value: list[str]) -> list[str]:
        unknown = [change for change in value if change not in GITHUB_BROADCASTS]
        if unknown:
            raise ValueError(
                f"unknown change {unknown[0]!r}; known: {', '.join(GITHUB_BROADCASTS)}"
            )
        return value


class JiraFilters(BaseModel):
    """Which Jira events of a subscribed project reach the channel."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    issue_types: list[str] = Field(default_factory=list, description="only these issue types")
    priorities: list[str] = Field(default_factory=list, description="only these priorities")
    labels: list[str] = Field(default_factory=list, description="only issues with one of these")
    exclude_labels: list[str] = Field(default_factory=list, description="never issues with these")
    broadcast: list[str] = Field(
        default_factory=list,
        description="changes also sent to the channel (reply_broadcast), e.g. status",
    )


GITHUB_BRANCH_FEATURE = r"^commits:\s*\S"
"""`commits:<branch or glob>` as a JSON Schema pattern (`valid_github_feature`'s rule)."""


def valid_github_feature(feature: str) -> bool:
    """`issues`, ..., plus `commits:<branch or glob>` and `workflows:all` (every finished
    run, not only failures)."""
    name, colon, _ = feature.partition(":")
    if colon:
        return re.match(GITHUB_BRANCH_FEATURE, feature) is not None or feature == "workflows:all"
    return name in GITHUB_FEATURES


def normalise_events(source_service: str, events: list[str] | None) -> tuple[str, ...]:
    """The events a subscription receives; raises ValueError naming an unknown one."""
    if source_service == "github":
        if not events:
            return GITHUB_DEFAULT_FEATURES
        unknown = [e for e in events if not valid_github_feature(e)]
        if unknown:
            raise ValueError(
                f"unknown GitHub feature {unknown[0]!r}; known: {', '.join(GITHUB_FEATURES)}, "
                "commits:<branch>, workflows:all"
            )
    else:
        if not events:
            return JIRA_DEFAULT_EVENTS
        unknown = [e for e in events if e not in JIRA_EVENTS]
        if unknown:
            raise ValueError(f"unknown Jira event {unknown[0]!r}; known: {', '.join(JIRA_EVENTS)}")
    return tuple(dict.fromkeys(events))


def normalise_filters(source_service: str, filters: dict[str, Any] | None) -> dict[str, Any]:
    """Validated filters with defaults dropped; raises pydantic.ValidationError."""
    model = GitHubFilters if source_service == "github" else JiraFilters
    return model.model_validate(filters or {}).model_dump(exclude_defaults=True)


def valid_source_id(source_service: str, source_id: str) -> bool:
    pattern = GITHUB_REPO if source_service == "github" else JIRA_PROJECT
    return pattern.fullmatch(source_id) is not None
