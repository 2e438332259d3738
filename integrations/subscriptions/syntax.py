"""The `/ticket subscribe` syntax: command text to a validated `SubscriptionRequest`, and a
stored subscription back to that syntax (what `/ticket subscriptions` lists).

    /ticket subscribe github owner/repo [features] [filters]
    /ticket subscribe jira PROJ [events] [filters]

GitHub filters: `label:bug` (also `+label:bug`), `-label:wontfix`, `-author:dependabot[bot]`,
`-bots`, `-drafts`, `broadcast:merged,approved`, `sync_comments` (thread replies become
GitHub comments). Jira filters: `type:Bug`, `priority:High`,
`label:x`, `-label:y`, `broadcast:status`. Values with spaces are quoted: `label:"good first
issue"`.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from integrations.subscriptions.rules import (
    normalise_events,
    normalise_filters,
    valid_github_feature,
    valid_source_id,
)


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
        "sync_comments": "sync_comments",
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
    if filters.get("sync_comments"):
        parts.append("sync_comments")
    return " ".join(parts)
