"""What a channel can subscribe to: the features and filters of GitHub and Jira subscriptions.

GitHub features follow the GitHub app for Slack (`issues`, `pulls`, `commits[:branch]`, ...);
Jira ones are Jira's webhook event names. Subscriptions created without `events` get the
defaults below.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

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
    broadcast: list[str] = Field(
        default_factory=list,
        description="state changes also sent to the channel (reply_broadcast), e.g. merged",
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


def valid_github_feature(feature: str) -> bool:
    """`issues`, ..., plus `commits:<branch or glob>` and `workflows:all` (every finished
    run, not only failures)."""
    name, colon, qualifier = feature.partition(":")
    if colon:
        return (name == "commits" and bool(qualifier.strip())) or feature == "workflows:all"
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


# The Slack command syntax -----------------------------------------------------------------
#
#   /ticket subscribe github owner/repo [features] [filters]
#   /ticket subscribe jira PROJ [events] [filters]
#
# GitHub filters: `label:bug` (also `+label:bug`), `-label:wontfix`, `-author:dependabot[bot]`,
# `-bots`, `-drafts`, `broadcast:merged,approved`. Jira filters: `type:Bug`, `priority:High`,
# `label:x`, `-label:y`, `broadcast:status`. Values with spaces are quoted: `label:"good first
# issue"`.


class SubscriptionSyntaxError(ValueError):
    """The command text cannot be a subscription; the message is for the user."""


@dataclass(frozen=True, slots=True)
class SubscriptionRequest:
    """A parsed, validated `subscribe` command: what to store."""

    source_service: str
    source_id: str
    events: tuple[str, ...]
    filters: dict[str, Any]


_GITHUB_URL = re.compile(r"^(?:https?://)?(?:www\.)?github\.com/", re.IGNORECASE)

_LIST_FILTERS = {
    "github": {
        "label": "labels",
        "+label": "labels",
        "-label": "exclude_labels",
        "-author": "exclude_authors",
        "broadcast": "broadcast",
    },
    "jira": {
        "type": "issue_types",
        "priority": "priorities",
        "label": "labels",
        "+label": "labels",
        "-label": "exclude_labels",
        "broadcast": "broadcast",
    },
}
_FLAG_FILTERS = {
    "github": {
        "-bots": "exclude_bots",
        "-bot": "exclude_bots",
        "-drafts": "skip_drafts",
        "-draft": "skip_drafts",
    },
    "jira": {},
}


def source_name(source_service: str, token: str) -> str:
    """`owner/repo` from `owner/repo`, a github.com URL or `…/repo.git`; `PROJ` from `proj`.

    Raises `SubscriptionSyntaxError` for anything else.
    """
    if source_service == "github":
        source_id = _GITHUB_URL.sub("", token).strip("/").removesuffix(".git")
        expected = "owner/repo (or an organisation)"
    else:
        source_id = token.upper()
        expected = "a Jira project key such as PROJ"
    if not valid_source_id(source_service, source_id):
        raise SubscriptionSyntaxError(f"{token!r} is not {expected}")
    return source_id


def parse_subscription(source_service: str, text: str) -> SubscriptionRequest:
    """`owner/repo pulls reviews label:bug -author:dependabot[bot]` → what to store.

    Raises `SubscriptionSyntaxError` with a message that says what to write instead.
    """
    if source_service not in _LIST_FILTERS:
        raise SubscriptionSyntaxError(f"unknown service {source_service!r}: use github or jira")
    try:
        tokens = shlex.split(text)
    except ValueError as exc:
        raise SubscriptionSyntaxError(f"cannot read {text!r}: {exc}") from None
    if not tokens:
        what = "owner/repo" if source_service == "github" else "a project key"
        raise SubscriptionSyntaxError(f"name {what} to subscribe to")
    source_id = source_name(source_service, tokens[0])
    events: list[str] = []
    filters: dict[str, Any] = {}
    for token in tokens[1:]:
        flag = _FLAG_FILTERS[source_service].get(token.lower())
        if flag:
            filters[flag] = True
            continue
        name, colon, value = token.partition(":")
        field = _LIST_FILTERS[source_service].get(name.lower()) if colon else None
        if field:
            values = [v.strip() for v in value.split(",")] if field == "broadcast" else [value]
            if not all(values):
                raise SubscriptionSyntaxError(f"{token!r} needs a value after the colon")
            filters.setdefault(field, []).extend(v for v in values if v not in filters[field])
            continue
        if token.startswith(("-", "+")) or (colon and not _is_feature(source_service, token)):
            raise SubscriptionSyntaxError(f"unknown filter {token!r}")
        events.append(token)
    try:
        normalised_events = normalise_events(source_service, events)
        normalised_filters = normalise_filters(source_service, filters)
    except ValueError as exc:  # pydantic.ValidationError is a ValueError too
        raise SubscriptionSyntaxError(_first_error(exc)) from None
    return SubscriptionRequest(source_service, source_id, normalised_events, normalised_filters)


def _is_feature(source_service: str, token: str) -> bool:
    return source_service == "github" and valid_github_feature(token)


def _first_error(exc: ValueError) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        return str(first["msg"]).removeprefix("Value error, ")
    return str(exc)


def _quoted(value: str) -> str:
    return f'"{value}"' if any(c.isspace() for c in value) or not value else value


def describe_subscription(
    source_id: str, events: tuple[str, ...] | list[str], filters: dict[str, Any]
) -> str:
    """A subscription in the command syntax (what `/ticket subscriptions` lists)."""
    parts = [source_id, *events]
    prefixes = {
        "labels": "label",
        "exclude_labels": "-label",
        "exclude_authors": "-author",
        "issue_types": "type",
        "priorities": "priority",
    }
    for field, prefix in prefixes.items():
        parts += [f"{prefix}:{_quoted(value)}" for value in filters.get(field, [])]
    if filters.get("exclude_bots"):
        parts.append("-bots")
    if filters.get("skip_drafts"):
        parts.append("-drafts")
    if filters.get("broadcast"):
        parts.append("broadcast:" + ",".join(filters["broadcast"]))
    return " ".join(parts)
