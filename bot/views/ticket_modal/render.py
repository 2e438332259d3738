"""The modal's view: where the issue comes from, project and type, the standard inputs, the
required fields of the chosen type, and what blocks creating it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.views.ticket_modal.blockkit import (
    MAX_OPTIONS,
    input_block,
    mrkdwn_context,
    option,
    plain_text,
)
from bot.views.ticket_modal.context import (
    ASSIGNEE,
    CALLBACK_ID,
    DESCRIPTION,
    ISSUE_TYPE,
    LABELS,
    PRIORITY,
    PROJECT,
    SUMMARY,
    WHOLE_THREAD,
    ModalContext,
    Screen,
    Values,
    issue_type_block_id,
)
from bot.views.ticket_modal.fields import FIELD_PREFIX, FIELD_TYPES
from integrations.jira_api.models import FieldInfo
from integrations.tickets.models import SUMMARY_MAX

DESCRIPTION_MAX = 3000

Block = dict[str, Any]
Metas = Mapping[str, FieldInfo]
"""The create screen's fields by id (empty until createmeta is known)."""


def build_modal(ctx: ModalContext, screen: Screen, values: Values) -> dict[str, Any]:
    """The modal for `ctx` with what is loaded (`screen`) and entered (`values`)."""
    metas = {f.id: f for f in screen.fields or ()}
    blocks = [
        *_source_blocks(ctx),
        _project_block(ctx, values),
        _type_block(ctx, screen),
        _summary_block(values),
        *_standard_blocks(ctx, metas, values),
        *_thread_blocks(ctx, values),
        *_field_blocks(ctx, metas, values),
        *_blocking_blocks(ctx),
    ]
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": plain_text("Create Jira issue"),
        "submit": plain_text("Create"),
        "close": plain_text("Cancel"),
        "private_metadata": ctx.dump(),
        "blocks": blocks,
    }


# --- header, project and type -------------------------------------------------------------


def _source_blocks(ctx: ModalContext) -> list[Block]:
    """From the shortcut: whose message this is, and where the link will go."""
    if ctx.origin != "shortcut" or not ctx.author_id:
        return []
    source = f"From a message by <@{ctx.author_id}>"
    if ctx.permalink:
        source += f" · <{ctx.permalink}|view message>"
    return [mrkdwn_context(source + " · the issue link will be posted in its thread")]


def _project_block(ctx: ModalContext, values: Values) -> Block:
    element: dict[str, Any] = {
        "type": "external_select",
        "action_id": PROJECT,
        "placeholder": plain_text("Choose a Jira project"),
        "min_query_length": 0,
    }
    if ctx.project:
        element["initial_option"] = option(values.project_label or ctx.project, ctx.project)
    return input_block(PROJECT, "Project", element, dispatch=True)


def _type_block(ctx: ModalContext, screen: Screen) -> Block:
    """The issue type select once the project's types are loaded; until then, why not."""
    if ctx.project and screen.issue_types:
        options = [option(t.name, t.id) for t in screen.issue_types[:MAX_OPTIONS]]
        element: dict[str, Any] = {
            "type": "static_select",
            "action_id": ISSUE_TYPE,
            "options": options,
        }
        chosen = [o for o in options if o["value"] == ctx.issue_type_id]
        if chosen:
            element["initial_option"] = chosen[0]
        return input_block(issue_type_block_id(ctx.project), "Issue type", element, dispatch=True)
    if ctx.load_error:
        return mrkdwn_context(f":warning: {ctx.load_error}")
    if ctx.project:
        return mrkdwn_context(":hourglass_flowing_sand: Loading issue types from Jira…")
    return mrkdwn_context("Choose a project to see its issue types.")


# --- standard inputs ----------------------------------------------------------------------


def _summary_block(values: Values) -> Block:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": SUMMARY,
        "max_length": SUMMARY_MAX,
        "placeholder": plain_text("What needs to be done?"),
    }
    if values.summary:
        element["initial_value"] = values.summary[:SUMMARY_MAX]
    return input_block(SUMMARY, "Summary", element)


def _standard_blocks(ctx: ModalContext, metas: Metas, values: Values) -> list[Block]:
    """The inputs the create screen has. Before createmeta is known (the modal opens without
    waiting for Jira) description and assignee are shown, labels are not, and priority waits
    for its values."""
    on_screen = ctx.screen
    blocks: list[Block] = []
    if on_screen is None or "description" in on_screen:
        blocks.append(_description_block(metas.get("description"), values))
    priority = metas.get("priority")
    if priority is not None and priority.allowed:
        blocks.append(_priority_block(priority, values))
    if on_screen is None or "assignee" in on_screen:
        blocks.append(_assignee_block(values))
    if on_screen is not None and "labels" in on_screen:
        blocks.append(_labels_block(values))
    return blocks


def _description_block(meta: FieldInfo | None, values: Values) -> Block:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": DESCRIPTION,
        "multiline": True,
        "max_length": DESCRIPTION_MAX,
    }
    if values.description:
        element["initial_value"] = values.description[:DESCRIPTION_MAX]
    return input_block(
        DESCRIPTION,
        "Description",
        element,
        optional=not (meta is not None and meta.needs_value),
        hint="Slack formatting (*bold*, _italic_, `code`, lists, links) carries over.",
    )


def _priority_block(meta: FieldInfo, values: Values) -> Block:
    options = [option(v.label, v.id) for v in meta.allowed[:MAX_OPTIONS]]
    element: dict[str, Any] = {"type": "static_select", "action_id": PRIORITY, "options": options}
    chosen = [o for o in options if o["value"] == values.priority]
    if chosen:
        element["initial_option"] = chosen[0]
    return input_block(PRIORITY, "Priority", element, optional=not meta.needs_value)


def _assignee_block(values: Values) -> Block:
    element: dict[str, Any] = {"type": "users_select", "action_id": ASSIGNEE}
    if values.assignee:
        element["initial_user"] = values.assignee
    return input_block(
        ASSIGNEE,
        "Assignee",
        element,
        optional=True,
        hint="Matched to a Jira account by email address.",
    )


def _labels_block(values: Values) -> Block:
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": LABELS}
    if values.labels:
        element["initial_value"] = values.labels
    return input_block(
        LABELS, "Labels", element, optional=True, hint="Separated by spaces or commas."
    )


def _thread_blocks(ctx: ModalContext, values: Values) -> list[Block]:
    """ "Include the whole thread", where the issue is made from a message in a thread."""
    if not ctx.thread_choice:
        return []
    choice = option("Include the whole thread", WHOLE_THREAD)
    element: dict[str, Any] = {
        "type": "checkboxes",
        "action_id": WHOLE_THREAD,
        "options": [choice],
    }
    if values.whole_thread:
        element["initial_options"] = [choice]
    return [
        input_block(
            WHOLE_THREAD,
            "Thread",
            element,
            optional=True,
            hint="Every message of the thread goes into the description, with its author, "
            "time and link.",
        )
    ]


# --- the chosen type's required fields ----------------------------------------------------


def _field_blocks(ctx: ModalContext, metas: Metas, values: Values) -> list[Block]:
    """The required fields the modal can fill in, each as its kind renders it."""
    blocks: list[Block] = []
    for field_id, kind in ctx.fields.items():
        field_type = FIELD_TYPES[kind]
        meta = metas.get(field_id)
        element = field_type.element(
            FIELD_PREFIX + field_id,
            meta.allowed if meta is not None else (),
            values.fields.get(field_id),
        )
        name = ctx.field_names.get(field_id, field_id)
        blocks.append(input_block(FIELD_PREFIX + field_id, name, element, hint=field_type.hint))
    return blocks


def _blocking_blocks(ctx: ModalContext) -> list[Block]:
    """Why this type cannot be created here: the required fields the modal cannot fill in."""
    if not ctx.blocking:
        return []
    names = ", ".join(f"*{name}*" for name in ctx.blocking)
    type_name = ctx.issue_type_name or "this type"
    text = (
        f":no_entry: Jira requires {names} for {type_name} in {ctx.project}, which this form "
        "cannot fill in. Choose another issue type, or create this one in Jira."
    )
    return [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
