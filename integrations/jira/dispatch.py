"""The Jira event table: `webhookEvent` (+ `issue_event_type_name`) → formatter, and what is
ignored, with the reason.

Keys. Jira Cloud sends comments as standalone `comment_created/updated/deleted` events and
issue changes as `jira:issue_updated` with an `issue_event_type_name`; Server/Data Center also
sends comments inside `jira:issue_updated` (`issue_commented`, `issue_comment_edited`,
`issue_comment_deleted`). Old Server payloads have no `issue_event_type_name`: it is inferred
from the presence of `comment` and `changelog`. `event_key` folds all of that into one key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from integrations.jira import formatters as f
from integrations.jira.models import JiraWebhook
from integrations.messages import Ignored, Rendered

Formatter = Callable[[JiraWebhook, f.Context], Rendered]


@dataclass(frozen=True, slots=True)
class Spec:
    """How one kind of event is delivered.

    `subscription_event` is its name in a subscription's `events`; `starts_thread`: whether it
    may open a new thread in a subscribed channel (deletions and edits only go to threads that
    exist); `comment_action`: `post` a reply, `edit` or `delete` the reply posted for the
    comment (when there is one).
    """

    formatter: Formatter
    subscription_event: str
    starts_thread: bool = True
    comment_action: str | None = None


ISSUE_UPDATED = Spec(f.issue_updated, "issue_updated")
COMMENT_CREATED = Spec(f.comment_created, "comment_created", comment_action="post")
COMMENT_UPDATED = Spec(f.comment_updated, "comment_updated", False, comment_action="edit")
COMMENT_DELETED = Spec(f.comment_deleted, "comment_deleted", False, comment_action="delete")

EVENT_TABLE: dict[str, Spec] = {
    "jira:issue_created": Spec(f.issue_created, "issue_created"),
    "jira:issue_updated": ISSUE_UPDATED,
    "jira:issue_deleted": Spec(f.issue_deleted, "issue_deleted", starts_thread=False),
    "jira:issue_updated:issue_commented": COMMENT_CREATED,
    "jira:issue_updated:issue_comment_edited": COMMENT_UPDATED,
    "jira:issue_updated:issue_comment_deleted": COMMENT_DELETED,
    "comment_created": COMMENT_CREATED,
    "comment_updated": COMMENT_UPDATED,
    "comment_deleted": COMMENT_DELETED,
}

ISSUE_UPDATE_TYPES = frozenset(
    {"issue_updated", "issue_generic", "issue_assigned", "issue_resolved", "issue_closed",
     "issue_reopened", "issue_work_started", "issue_work_stopped", "issue_moved"}
)  # fmt: skip
"""`issue_event_type_name`s of `jira:issue_updated` that are changes of the issue itself."""

IGNORED_EVENTS: dict[str, str] = {
    "jira:issue_updated:issue_work_logged": "time tracking (worklogs) is not posted",
    "jira:issue_updated:issue_worklog_updated": "time tracking (worklogs) is not posted",
    "jira:issue_updated:issue_worklog_deleted": "time tracking (worklogs) is not posted",
    "jira:issue_updated:unknown": (
        "an old Jira Server update with neither changelog nor comment (sent when a comment is "
        "deleted): nothing to show"
    ),
    "jira:worklog_updated": "time tracking (worklogs) is not posted",
    "worklog_created": "time tracking (worklogs) is not posted",
    "worklog_updated": "time tracking (worklogs) is not posted",
    "worklog_deleted": "time tracking (worklogs) is not posted",
    "issuelink_created": "issue links are not posted",
    "issuelink_deleted": "issue links are not posted",
    "attachment_created": "attachments are posted from the issue_updated changelog instead",
    "attachment_deleted": "attachments are posted from the issue_updated changelog instead",
    "issue_property_set": "issue properties are app data, not activity",
    "issue_property_deleted": "issue properties are app data, not activity",
}
"""Known events that are deliberately not posted, with the reason stored in the audit log."""

IGNORED_FAMILIES: dict[str, str] = {
    "jira:version_": "project versions are not issue activity",
    "sprint_": "sprints are board activity, not issue activity",
    "board_": "boards are not issue activity",
    "project_": "project administration is not posted",
    "user_": "user administration is not posted",
    "option_": "Jira configuration changes are not posted",
    "issuetype_": "Jira configuration changes are not posted",
    "filter_": "saved filters are not posted",
    "jira:worklog_": "time tracking (worklogs) is not posted",
}
"""Event name prefixes that are ignored as a family."""


def supported_events() -> list[str]:
    """The event keys this app posts (derived from the table)."""
    return sorted(EVENT_TABLE)


def event_key(event: JiraWebhook) -> str:
    name = event.webhook_event
    if name != "jira:issue_updated":
        return name
    type_name = event.issue_event_type_name or _infer_type(event)
    if type_name in ISSUE_UPDATE_TYPES:
        return name
    return f"{name}:{type_name}"


def _infer_type(event: JiraWebhook) -> str:
    """Old Server payloads name no type: a comment means a comment event, a changelog an update."""
    if event.comment is not None:
        return "issue_comment_edited" if event.comment.was_edited else "issue_commented"
    if event.changes:
        return "issue_updated"
    return "unknown"


@dataclass(frozen=True, slots=True)
class Handled:
    key: str
    spec: Spec


def classify(event: JiraWebhook) -> Handled | Ignored:
    """What to do with an event, from its key and the little content that decides it."""
    key = event_key(event)
    spec = EVENT_TABLE.get(key)
    if spec is None:
        reason = IGNORED_EVENTS.get(key)
        if reason is None:
            reason = next((r for p, r in IGNORED_FAMILIES.items() if key.startswith(p)), None)
        return Ignored(f"{key}: {reason or 'not an event this app posts'}")
    if event.issue is None:
        if key.startswith("comment_"):
            return Ignored(
                f"{key}: the payload names no issue (Jira Server's standalone comment events); "
                "the issue_updated event of the same change is posted instead"
            )
        return Ignored(f"{key}: the payload names no issue: there is no thread to post in")
    if spec.comment_action in ("post", "edit") and event.comment is None:
        return Ignored(f"{key}: the payload has no comment")
    if spec.comment_action is not None and event.comment is not None and not event.comment.id:
        return Ignored(
            f"{key}: the comment has no id, so its reply could neither be edited later nor "
            "told apart from a comment this app made"
        )
    if spec is ISSUE_UPDATED and (reason := f.hidden_only(event)):
        return Ignored(f"{key}: {reason}")
    return Handled(key, spec)
