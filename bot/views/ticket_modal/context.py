"""What the modal is built from: its state between requests (`ModalContext`), createmeta
(`Screen`) and what was entered (`Values`); and the ids its blocks and actions go by."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.views.ticket_modal.fields import SYSTEM_FIELDS, FieldKind, plan_fields
from integrations.jira_api.models import FieldInfo, IssueTypeInfo

CALLBACK_ID = "create_jira_issue_modal"
PROJECT = "project"
ISSUE_TYPE = "issue_type"
SUMMARY = "summary"
DESCRIPTION = "description"
PRIORITY = "priority"
ASSIGNEE = "assignee"
LABELS = "labels"
WHOLE_THREAD = "whole_thread"
UNAVAILABLE = "!unavailable"
"""The value of the placeholder option shown when Jira cannot list projects."""


class ModalContext(BaseModel):
    """What the modal needs to remember between requests (`private_metadata`)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    origin: Literal["command", "shortcut", "mention"]
    user_id: str
    channel_id: str
    thread_ts: str | None = None
    message_ts: str | None = None
    author_id: str | None = None
    permalink: str | None = None
    response_url: str | None = None
    project: str | None = None
    issue_type_id: str | None = None
    issue_type_name: str | None = None
    fields: dict[str, FieldKind] = Field(default_factory=dict)
    """Custom fields rendered for the chosen type: field id → how its value is read."""
    field_names: dict[str, str] = Field(default_factory=dict)
    blocking: tuple[str, ...] = ()
    """Names of required fields the modal cannot fill: creation is refused with these."""
    screen: tuple[str, ...] | None = None
    """The system fields on the create screen; `None` until createmeta is known."""
    reporter_field: bool = False
    load_error: str | None = None
    thread_choice: bool = False
    """Offer "Include the whole thread": the issue is made from a message in a thread."""

    def dump(self) -> str:
        return self.model_dump_json(exclude_defaults=True)

    @classmethod
    def load(cls, raw: str) -> ModalContext:
        return cls.model_validate_json(raw)


@dataclass(frozen=True, slots=True)
class Screen:
    """createmeta for one project + issue type, as the modal uses it."""

    issue_types: tuple[IssueTypeInfo, ...] = ()
    fields: tuple[FieldInfo, ...] | None = None


@dataclass(frozen=True, slots=True)
class Values:
    """What the user entered so far (to prefill a rebuilt view)."""

    summary: str = ""
    description: str = ""
    project_label: str | None = None
    priority: str | None = None
    assignee: str | None = None
    labels: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    whole_thread: bool = False


def context_for_screen(ctx: ModalContext, screen: Screen) -> ModalContext:
    """`ctx` updated with what createmeta says about the chosen project and type."""
    if screen.fields is None:
        return ctx.model_copy(
            update={"fields": {}, "field_names": {}, "blocking": (), "screen": None}
        )
    kinds, names, blocking = plan_fields(screen.fields)
    on_screen = tuple(sorted(f.id for f in screen.fields if f.id in SYSTEM_FIELDS))
    return ctx.model_copy(
        update={
            "fields": kinds,
            "field_names": names,
            "blocking": blocking,
            "screen": on_screen,
            "reporter_field": "reporter" in on_screen,
            "load_error": None,
        }
    )


def issue_type_block_id(project: str) -> str:
    """Per project, so Slack forgets the chosen type when the project changes."""
    return f"{ISSUE_TYPE}:{project}"


def default_type(types: Sequence[IssueTypeInfo]) -> IssueTypeInfo | None:
    """The type preselected for a project: Task, else Story, else Bug, else its first
    standard type (a sub-task type only when it has nothing else)."""
    standard = [t for t in types if not t.subtask] or list(types)
    for name in ("task", "story", "bug"):
        for issue_type in standard:
            if issue_type.name.lower() == name:
                return issue_type
    return standard[0] if standard else None
