"""Immutable domain objects the repositories return; nothing here knows about SQLAlchemy."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar


class Service(StrEnum):
    SLACK = "slack"
    JIRA = "jira"
    GITHUB = "github"
    API = "api"


class Status(StrEnum):
    """Where an integration event stands. `pending` includes events being delivered (leased)."""

    PENDING = "pending"
    COMPLETED = "completed"
    FAILED = "failed"
    IGNORED = "ignored"


class MappingType(StrEnum):
    """What a `ServiceMapping` links. Identifiers are written as in INTERFACE.md."""

    ISSUE_THREAD = "issue_thread"  # Jira issue PROJ-1 -> Slack thread C0123:1700000000.000100
    GITHUB_THREAD = "github_thread"  # GitHub PR/issue owner/repo#42 -> Slack thread
    COMMENT_MESSAGE = "comment_message"  # Jira comment PROJ-1/10042 -> Slack message
    GITHUB_COMMENT_MESSAGE = "github_comment_message"  # GitHub comment -> Slack reply
    PR_ISSUE = "pr_issue"  # GitHub PR owner/repo#42 -> Jira issue PROJ-1 (many to many)

    @property
    def exclusive_target(self) -> bool:
        """A Slack thread or message belongs to one source; a Jira issue may have many PRs."""
        return self is not MappingType.PR_ISSUE


def slack_ref(channel_id: str, ts: str) -> str:
    """`C0123ABCD:1700000000.000100`: a Slack thread (its root's ts) or message."""
    return f"{channel_id}:{ts}"


def parse_slack_ref(ref: str) -> tuple[str, str]:
    channel_id, _, ts = ref.partition(":")
    if not channel_id or not ts:
        raise ValueError(f"not a Slack reference: {ref!r}")
    return channel_id, ts


@dataclass(frozen=True, slots=True)
class Integration:
    """One integration event: the audit-log row and, while pending, a delivery-queue entry."""

    id: int
    source_service: str
    target_service: str
    event_type: str
    source_id: str | None
    target_id: str | None
    payload: dict[str, Any]
    status: Status
    error_message: str | None
    delivery_key: str | None
    ordering_key: str | None
    attempts: int
    next_attempt_at: datetime | None
    created_at: datetime
    updated_at: datetime
    event_key: str | None = None  # the intake's classification of the event, when stored


@dataclass(frozen=True, slots=True)
class NewIntegration:
    source_service: str
    target_service: str
    event_type: str
    payload: dict[str, Any] = field(default_factory=dict)
    source_id: str | None = None
    target_id: str | None = None
    delivery_key: str | None = None
    ordering_key: str | None = None
    status: Status = Status.PENDING
    error_message: str | None = None
    event_key: str | None = None
    payload_json: str | None = None
    """`payload` already serialised as JSON (the intake's check of the body made it), stored
    as it is instead of being serialised again; None: `payload` is serialised."""


class StorageUnavailable(Exception):
    """The database cannot be reached (or refused the write for now): try again later."""


@dataclass(frozen=True, slots=True)
class Backlog:
    """The pending events of one target service, as the queue stands now.

    `waiting_since`: since when the longest-waiting *deliverable* event (due, the oldest
    pending one of its thread, not leased) has been waiting for a worker to take it; None when
    none is. An event waiting out a retry delay or queued behind an earlier event of its
    thread is pending but not deliverable: that wait is by design, not a stuck worker.
    """

    target_service: str
    pending: int
    oldest_received_at: datetime | None
    waiting_since: datetime | None

    def oldest_age(self, now: datetime) -> float:
        """Seconds since the oldest pending event was received (0 when none is pending)."""
        return _seconds_since(self.oldest_received_at, now)

    def longest_wait(self, now: datetime) -> float:
        """Seconds the longest-waiting deliverable event has waited (0 when none waits)."""
        return _seconds_since(self.waiting_since, now)


def _seconds_since(moment: datetime | None, now: datetime) -> float:
    return 0.0 if moment is None else max(0.0, (now - moment).total_seconds())


@dataclass(frozen=True, slots=True)
class Attempt:
    """One delivery attempt of an integration event."""

    number: int
    started_at: datetime
    finished_at: datetime | None
    outcome: str
    error: str | None


@dataclass(frozen=True, slots=True)
class RegisteredWorker:
    """A delivery worker process as it registered itself (`delivery_workers`).

    `boot_id`, `pid_namespace` and `process_start` are None where the platform cannot tell.
    """

    id: str
    role: str
    host: str
    pid: int
    boot_id: str | None
    pid_namespace: str | None
    process_start: str | None
    started_at: datetime
    heartbeat_at: datetime


@dataclass(frozen=True, slots=True)
class ServiceMapping:
    id: int
    source_service: str
    source_id: str
    target_service: str
    target_id: str
    mapping_type: str
    extra_data: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Subscription:
    id: int
    source_service: str
    source_id: str
    channel_id: str
    events: tuple[str, ...]
    filters: dict[str, Any]
    created_by: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class NewSubscription:
    source_service: str
    source_id: str
    channel_id: str
    events: tuple[str, ...] = ()
    filters: dict[str, Any] = field(default_factory=dict)
    created_by: str | None = None


class Match(StrEnum):
    """How a person's Jira account or GitHub login was linked to their Slack user."""

    EMAIL = "email"  # the same email address on both sides
    NAME = "name"  # the display name only, unique on the other side: weaker
    MANUAL = "manual"  # set by the person (`/ticket link`) or an admin (API): always wins


class NotifyKind(StrEnum):
    """The kinds of direct messages a person may get (`/ticket notify <kind> on|off`)."""

    REVIEW_REQUESTS = "review-requests"  # a review of a pull request requested of you
    ASSIGNED = "assigned"  # a Jira issue (or a GitHub issue or pull request) assigned to you
    MENTIONS = "mentions"  # you are mentioned in a Jira or GitHub comment
    MY_PRS = "my-prs"  # a pull request of yours approved, changes requested, merged


@dataclass(frozen=True, slots=True)
class Notifications:
    """A person's direct-message settings: off until they opt in; once on, every kind
    except those in `off`."""

    enabled: bool = False
    off: frozenset[NotifyKind] = frozenset()

    def wants(self, kind: NotifyKind) -> bool:
        return self.enabled and kind not in self.off


@dataclass(frozen=True, slots=True)
class Person:
    """One Slack user and what the app knows of them elsewhere.

    `jira_account_id` is the Cloud `accountId` or the Server/DC user name, `jira_key` the
    Server/DC user key; `github_login` is lower-cased.
    """

    slack_user_id: str
    slack_name: str | None
    email: str | None
    jira_account_id: str | None
    jira_key: str | None
    jira_display_name: str | None
    jira_match: Match | None
    github_login: str | None
    github_match: Match | None
    created_at: datetime
    updated_at: datetime
    notifications: Notifications = Notifications()


@dataclass(frozen=True, slots=True)
class JiraLink:
    """A Jira account to link a person to, and how it was found."""

    account_id: str
    display_name: str | None
    match: Match
    key: str | None = None


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    total: int
    next_cursor: str | None


class StorageError(Exception):
    """Base of the errors the repositories raise for callers to act on."""


class NotFound(StorageError):
    pass


class Conflict(StorageError):
    """The write contradicts what is stored (a duplicate, a thread already linked, a bad state)."""


class InvalidCursor(StorageError):
    pass


@dataclass(frozen=True, slots=True)
class CardAction:
    """A change a person made to a Jira issue from its Slack card (`storage.card_actions`).

    `field` is `status` (value: the status name) or `assignee` (value: the account id or
    user name); `thread` the Slack thread of the card (its reply said it).
    """

    id: int
    issue_key: str
    field: str
    value: str
    slack_user_id: str
    thread: str
    echo_integration_id: int | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PendingReview:
    """A pull request whose review is requested of `reviewer` (a lower-cased GitHub login),
    as the app last saw it (`storage.reviews`)."""

    repository: str
    number: int
    title: str
    url: str
    author: str | None
    reviewer: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class DeliveryHealth:
    """Events received in the last day by status, the latest failed events (any age), and
    when the oldest pending event arrived (None: nothing waits)."""

    by_status: dict[str, int]
    failed: tuple[Integration, ...]
    oldest_pending: datetime | None
    now: datetime
