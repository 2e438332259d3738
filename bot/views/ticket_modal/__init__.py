"""The create-issue modal: built from what is known so far, read back on submission. Pure.

The modal opens at once with what the app knows without asking Jira (the summary, the
description, the default project), so it always makes Slack's 3-second `trigger_id`
window; the project list comes from an `external_select` options listener, and the issue
types and create-screen fields (createmeta) follow with `views.update`. Changing the project
or the issue type updates the view the same way (block actions with `dispatch_action`).

Its state between requests lives in `private_metadata` (`ModalContext`). Fields Jira
requires for the chosen type are rendered when Slack has an element for them; the others
are named in the modal and block submission (`response_action: errors`).

`context` holds what the modal is built from, `fields` the Jira field kinds it can fill in,
`render` the view, `submission` reading it back, and `blockkit` the Block Kit pieces.
"""

from bot.views.ticket_modal.blockkit import MAX_OPTIONS, state_by_action
from bot.views.ticket_modal.context import (
    ASSIGNEE,
    CALLBACK_ID,
    DESCRIPTION,
    ISSUE_TYPE,
    LABELS,
    PRIORITY,
    PROJECT,
    SUMMARY,
    UNAVAILABLE,
    ModalContext,
    Screen,
    Values,
    context_for_screen,
    default_type,
    issue_type_block_id,
)
from bot.views.ticket_modal.fields import (
    FIELD_PREFIX,
    SYSTEM_FIELDS,
    FieldKind,
    field_kind,
    plan_fields,
    split_labels,
)
from bot.views.ticket_modal.render import DESCRIPTION_MAX, build_modal
from bot.views.ticket_modal.submission import Submission, current_values, read_submission

__all__ = [
    "ASSIGNEE",
    "CALLBACK_ID",
    "DESCRIPTION",
    "DESCRIPTION_MAX",
    "FIELD_PREFIX",
    "ISSUE_TYPE",
    "LABELS",
    "MAX_OPTIONS",
    "PRIORITY",
    "PROJECT",
    "SUMMARY",
    "SYSTEM_FIELDS",
    "UNAVAILABLE",
    "FieldKind",
    "ModalContext",
    "Screen",
    "Submission",
    "Values",
    "build_modal",
    "context_for_screen",
    "current_values",
    "default_type",
    "field_kind",
    "issue_type_block_id",
    "plan_fields",
    "read_submission",
    "split_labels",
    "state_by_action",
]
