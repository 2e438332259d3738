"""The requests the Slack side hands to the Jira side: validated once, stored as the
replayable payload of their `IntegrationLog` row, and read back by the delivery handler.

Only what the work needs is kept: ids, the text the user wrote, the choices they made.
No Slack payload is stored whole (no tokens, no trigger ids, no response URLs).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
)

from storage.domain import slack_ref

CREATE_ISSUE = "slack:create_issue"
ADD_COMMENT = "slack:comment"
EDIT_COMMENT = "slack:comment_edit"
DELETE_COMMENT = "slack:comment_delete"

SUMMARY_MAX = 255


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


Origin = Literal["command", "modal", "shortcut", "mention", "workflow"]

OPTIONAL_FIELDS = {"include_thread": False, "workflow_execution_id": None}
"""Fields a stored request carries only when they are set, so the payloads of requests that
do not use them stay as they were."""


class TicketRequest(_Frozen):
    """Create a Jira issue on behalf of a Slack user: `/ticket`, the modal, the shortcut, a
    mention of the app, or a Workflow Builder step (which names no channel, and may name no
    user: the workflow gets the issue as its outputs instead of a card)."""

    origin: Origin
    user_id: str | None
    channel_id: str | None
    thread_ts: str | None = None
    """The Slack thread to reply in (the shortcut's message thread); `None`: post a new
    message in the channel, which becomes the issue's thread."""
    message_ts: str | None = None
    """The Slack message the issue was made from (shortcut)."""
    message_author_id: str | None = None
    permalink: str | None = None
    project: str
    issue_type_id: str | None = None
    """`None`: the project's default type (Task, else its first standard type)."""
    summary: str = Field(min_length=1, max_length=SUMMARY_MAX)
    description: str = ""
    """Slack mrkdwn; converted for Jira when the issue is created."""
    priority_id: str | None = None
    assignee_user_id: str | None = None
    """A Slack user: mapped to their Jira account by email when the issue is created."""
    labels: tuple[str, ...] = ()
    custom_fields: dict[str, Any] = Field(default_factory=dict)
    """Jira field id → value exactly as the REST API takes it."""
    user_fields: dict[str, str] = Field(default_factory=dict)
    """Jira user-field id → Slack user id (mapped like the assignee)."""
    rich_fields: dict[str, str] = Field(default_factory=dict)
    """Jira rich-text field id (textarea custom fields) → mrkdwn."""
    reporter_field: bool = False
    """The create screen has `reporter`, so it may be set to the Slack user's Jira account."""
    include_thread: bool = False
    """The description is the whole Slack thread (`thread_ts`), read when the issue is made."""
    workflow_execution_id: str | None = None
    """The Workflow Builder step execution this request came from."""

    @model_serializer(mode="wrap")
    def _without_unused(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        dumped = handler(self)
        for name, default in OPTIONAL_FIELDS.items():
            if dumped.get(name, default) == default:
                dumped.pop(name, None)
        return dumped

    @property
    def source_ref(self) -> str:
        """What the issue is made from, as the audit log names it: the message, else the
        channel the command was typed in, else the workflow step's execution."""
        if self.channel_id is None:
            return f"workflow:{self.workflow_execution_id}"
        ts = self.message_ts or self.thread_ts
        return slack_ref(self.channel_id, ts) if ts else self.channel_id


CommentService = Literal["jira", "github"]
"""Where Slack thread replies are mirrored as comments."""


class MessageRef(_Frozen):
    """A Slack message in a thread linked to a Jira issue or a GitHub pull request/issue."""

    channel_id: str
    ts: str
    thread_ts: str

    @property
    def ref(self) -> str:
        return slack_ref(self.channel_id, self.ts)


class CommentRequest(_Frozen):
    """Mirror one Slack thread message on the linked Jira issue or GitHub pull request/issue
    (add, edit or delete).

    `service` names the target (`jira`, the default, is left out of the stored payload, so
    the payloads of Jira comments stay as they were); `issue_key` is the Jira key `PROJ-1`
    or the GitHub item `owner/repo#42`.
    """

    action: Literal["add", "edit", "delete"]
    service: CommentService = "jira"
    issue_key: str
    message: MessageRef
    user_id: str | None = None
    text: str = ""
    event_id: str | None = None

    @model_serializer(mode="wrap")
    def _without_default_service(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        dumped = handler(self)
        if dumped.get("service") == "jira":
            dumped.pop("service")
        return dumped

    @property
    def event_type(self) -> str:
        return {"add": ADD_COMMENT, "edit": EDIT_COMMENT, "delete": DELETE_COMMENT}[self.action]
