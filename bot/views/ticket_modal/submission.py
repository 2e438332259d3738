"""The modal read back: what was entered (to carry into a rebuilt view), and on submission the
request to create or the errors to show by block id (`response_action: errors`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from bot.views.ticket_modal.blockkit import selected, state_by_action, typed
from bot.views.ticket_modal.context import (
    ASSIGNEE,
    DESCRIPTION,
    ISSUE_TYPE,
    LABELS,
    PRIORITY,
    PROJECT,
    SUMMARY,
    UNAVAILABLE,
    WHOLE_THREAD,
    ModalContext,
    Values,
    issue_type_block_id,
)
from bot.views.ticket_modal.fields import FIELD_PREFIX, FIELD_TYPES, prefill_from, split_labels
from integrations.slack_text import escape
from integrations.tickets.models import SUMMARY_MAX, Origin, TicketRequest

States = Mapping[str, Mapping[str, Any]]

_ORIGINS: dict[str, Origin] = {"command": "modal", "shortcut": "shortcut", "mention": "mention"}
"""Where the modal was opened from → the request's origin (`/ticket`'s form is "modal")."""
"""Element states by action id (`state_by_action`)."""


def current_values(view: Mapping[str, Any]) -> Values:
    """What the user has entered, to carry over into a rebuilt view."""
    states = state_by_action(view)
    project_option = (states.get(PROJECT) or {}).get("selected_option") or {}
    label = (project_option.get("text") or {}).get("text")
    return Values(
        summary=typed(states.get(SUMMARY)),
        description=typed(states.get(DESCRIPTION)),
        project_label=str(label) if label else None,
        priority=selected(states.get(PRIORITY)),
        assignee=(states.get(ASSIGNEE) or {}).get("selected_user"),
        labels=typed(states.get(LABELS)),
        whole_thread=_whole_thread(states),
        fields={
            action_id.removeprefix(FIELD_PREFIX): prefill_from(state)
            for action_id, state in states.items()
            if action_id.startswith(FIELD_PREFIX)
        },
    )


def _whole_thread(states: States) -> bool:
    chosen = (states.get(WHOLE_THREAD) or {}).get("selected_options") or []
    return any(isinstance(o, dict) and o.get("value") == WHOLE_THREAD for o in chosen)


@dataclass(frozen=True, slots=True)
class Submission:
    """The request to create, or (`request` is `None`) the errors by block id."""

    request: TicketRequest | None
    errors: dict[str, str]


def read_submission(view: Mapping[str, Any], ctx: ModalContext) -> Submission:
    """Validate a submitted modal: the request to create, or errors by block id."""
    states = state_by_action(view)
    errors: dict[str, str] = {}
    project = selected(states.get(PROJECT))
    if project == UNAVAILABLE:
        project = None
    if not project:
        errors[PROJECT] = "Choose a project."
    summary = typed(states.get(SUMMARY)).strip()
    if problem := _summary_problem(summary):
        errors[SUMMARY] = problem
    type_state = states.get(ISSUE_TYPE) or {}
    issue_type = selected(type_state)
    if project and (type_problem := _type_problem(ctx, project, issue_type, type_state)):
        block_id, message = type_problem
        errors[block_id] = message
    fields = _field_values(ctx, states, errors)
    if errors or not project:
        return Submission(None, errors)
    return _request(ctx, states, project, issue_type, summary, fields)


def _summary_problem(summary: str) -> str | None:
    if not summary:
        return "Enter a summary."
    if len(summary) > SUMMARY_MAX:
        return f"Keep the summary to {SUMMARY_MAX} characters (it has {len(summary)})."
    if "\n" in summary:
        return "The summary must be one line."
    return None


def _type_problem(
    ctx: ModalContext, project: str, issue_type: str | None, type_state: Mapping[str, Any]
) -> tuple[str, str] | None:
    """`(block id, error)` when the chosen type cannot be created yet: the view may be ahead
    of what has loaded from Jira (`ctx`), or the type needs fields the modal cannot fill."""
    type_block = str(type_state.get("block_id") or "")
    if ctx.project != project or type_block != issue_type_block_id(project):
        return PROJECT, (
            ctx.load_error
            or f"Loading the issue types of {project} from Jira… try again in a moment."
        )
    if not issue_type:
        return type_block, "Choose an issue type."
    if ctx.issue_type_id != issue_type:
        return type_block, "Loading this issue type's fields from Jira… try again in a moment."
    if ctx.blocking:
        return type_block, (
            "Jira requires " + ", ".join(ctx.blocking) + ", which this form cannot fill in."
        )
    return None


def _field_values(
    ctx: ModalContext, states: States, errors: dict[str, str]
) -> dict[str, dict[str, Any]]:
    """The required fields' values by the `TicketRequest` field they go to; what is missing
    or invalid goes to `errors`."""
    values: dict[str, dict[str, Any]] = {"custom_fields": {}, "user_fields": {}, "rich_fields": {}}
    for field_id, kind in ctx.fields.items():
        field_type = FIELD_TYPES[kind]
        block_id = FIELD_PREFIX + field_id  # and action id
        value, problem = field_type.parse(states.get(block_id) or {})
        if problem:
            errors[block_id] = problem
        elif value is None or value == "":
            errors[block_id] = f"Jira requires {ctx.field_names.get(field_id, field_id)}."
        else:
            values[field_type.goes_to][field_id] = value
    return values


def _request(
    ctx: ModalContext,
    states: States,
    project: str,
    issue_type: str | None,
    summary: str,
    fields: dict[str, dict[str, Any]],
) -> Submission:
    try:
        request = TicketRequest(
            origin=_ORIGINS[ctx.origin],
            user_id=ctx.user_id,
            channel_id=ctx.channel_id,
            thread_ts=ctx.thread_ts,
            message_ts=ctx.message_ts,
            message_author_id=ctx.author_id,
            permalink=ctx.permalink,
            project=project,
            issue_type_id=issue_type,
            summary=summary,
            description=escape(typed(states.get(DESCRIPTION)).strip()),
            priority_id=selected(states.get(PRIORITY)),
            assignee_user_id=(states.get(ASSIGNEE) or {}).get("selected_user"),
            labels=split_labels(typed(states.get(LABELS))),
            custom_fields=fields["custom_fields"],
            user_fields=fields["user_fields"],
            rich_fields=fields["rich_fields"],
            reporter_field=ctx.reporter_field,
            include_thread=ctx.thread_choice and _whole_thread(states),
        )
    except ValidationError as error:  # defensive: the checks above should catch it all
        return Submission(None, {SUMMARY: error.errors()[0]["msg"]})
    return Submission(request, {})
