"""What the App Home shows one person, gathered before it is drawn (`integrations.home.view`)."""

from __future__ import annotations

from dataclasses import dataclass

from integrations.jira.models import Issue
from storage.domain import DeliveryHealth, Notifications, PendingReview


@dataclass(frozen=True, slots=True)
class JiraIssues:
    """The person's open Jira issues; `answered` False when Jira did not answer in time."""

    assigned: tuple[Issue, ...] = ()
    reported: tuple[Issue, ...] = ()
    answered: bool = True


@dataclass(frozen=True, slots=True)
class HomeFacts:
    """`jira` None: Jira is not configured, or the person's Jira account is unknown
    (`jira_linked`); `github_login` None: not linked. `health` only for admins."""

    user_id: str
    jira_configured: bool
    jira_linked: bool
    jira: JiraIssues | None
    github_login: str | None
    reviews: tuple[PendingReview, ...]
    notifications: Notifications
    people: dict[str, str] | None = None
    """Lower-cased GitHub login → Slack user id, for the review authors who are linked."""
    health: DeliveryHealth | None = None
    notice: str | None = None
    """A line to show at the top once (what a click just did, or why it did nothing)."""
