"""The create-issue modal: built from what is known so far, read back on submission. Pure.

The modal opens at once with what the app knows without asking Jira (the summary, the
description, the default project), so it always makes Slack's 3-second `trigger_id`
window; the project list comes from an `external_select` options listener, and the issue
types and create-screen fields (createmeta) follow with `views.update`. Changing the project
or the issue type updates the view the same way (block actions with `dispatch_action`).

Its state between requests lives in `private_metadata` (`ModalContext`). Fields Jira
requires for the chosen type are rendered when Slack has an element for them; the others
are named in the modal and block submission (`response_action: errors`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from integrations.jira_api import FieldInfo, IssueTypeInfo
from integrations.slack_text import escape
from integrations.tickets.models import SUMMARY_MAX, TicketRequest

CALLBACK_ID = "create_jira_issue_modal"
PROJECT = "project"
ISSUE_TYPE = "issue_type"
SUMMARY = "summary"
DESCRIPTION = "description"
PRIORITY = "priority"
ASSIGNEE = "assignee"
LABELS = "labels"
FIELD_PREFIX = "field:"
UNAVAILABLE = "!unavailable"
"""The value of the placeholder option shown when Jira cannot list projects."""

SYSTEM_FIELDS = frozenset(
    {"project", "issuetype", "summary", "description", "priority", "assignee", "labels", "reporter"}
)
"""Fields the modal handles itself (or that Jira fills in: reporter)."""
MAX_OPTIONS = 100
DESCRIPTION_MAX = 3000

FieldKind = Literal[
    "text", "rich", "number", "date", "datetime", "option", "options", "strings", "user", "issue"
]


class ModalContext(BaseModel):
    """What the modal needs to remember between requests (`private_metadata`)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    origin: Literal["command", "shortcut"]
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


# --- field kinds --------------------------------------------------------------------------


def field_kind(info: FieldInfo) -> FieldKind | None:
    """How the modal can take a value for a Jira field; `None`: it cannot."""
    custom = info.custom or ""
    if info.schema_type == "string":
        return "rich" if custom.endswith(":textarea") else "text"
    if info.schema_type == "number":
        return "number"
    if info.schema_type in ("date", "datetime"):
        return info.schema_type  # type: ignore[return-value]
    if info.schema_type == "user":
        return "user"
    if info.schema_type == "issuelink" and info.system == "parent":
        return "issue"
    if info.allowed and len(info.allowed) <= MAX_OPTIONS:
        if info.schema_type == "array" and info.items in ("option", "component", "version"):
            return "options"
        if info.schema_type in ("option", "priority", "version", "component", "securitylevel"):
            return "option"
    if info.schema_type == "array" and info.items == "string" and custom.endswith(":labels"):
        return "strings"
    return None


def plan_fields(
    fields: Sequence[FieldInfo],
) -> tuple[dict[str, FieldKind], dict[str, str], tuple[str, ...]]:
    """Required fields without a default, beyond what the modal always has: the ones it
    renders (id → kind, id → name) and the names of the ones it cannot."""
    kinds: dict[str, FieldKind] = {}
    names: dict[str, str] = {}
    blocking: list[str] = []
    for info in fields:
        if info.id in SYSTEM_FIELDS or not info.needs_value:
            continue
        kind = field_kind(info)
        if kind is None:
            blocking.append(info.name)
        else:
            kinds[info.id] = kind
            names[info.id] = info.name
    return kinds, names, tuple(blocking)


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


# --- building -----------------------------------------------------------------------------


def _text(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:75] if len(text) > 75 else text, "emoji": True}


def _option(label: str, value: str) -> dict[str, Any]:
    return {"text": _text(label), "value": value}


def _mrkdwn_context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _input(
    block_id: str,
    label: str,
    element: dict[str, Any],
    *,
    optional: bool = False,
    hint: str | None = None,
    dispatch: bool = False,
) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": _text(label),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = _text(hint)
    if dispatch:
        block["dispatch_action"] = True
    return block


def issue_type_block_id(project: str) -> str:
    """Per project, so Slack forgets the chosen type when the project changes."""
    return f"{ISSUE_TYPE}:{project}"


def default_type(types: Sequence[IssueTypeInfo]) -> IssueTypeInfo | None:
    standard = [t for t in types if not t.subtask] or list(types)
    for name in ("task", "story", "bug"):
        for issue_type in standard:
            if issue_type.name.lower() == name:
                return issue_type
    return standard[0] if standard else None


def _field_element(
    kind: FieldKind, info_id: str, allowed: Sequence[tuple[str, str]], value: Any
) -> dict[str, Any]:
    action_id = FIELD_PREFIX + info_id
    if kind in ("text", "rich", "strings", "issue"):
        element: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": action_id,
            "multiline": kind == "rich",
        }
        if isinstance(value, str) and value:
            element["initial_value"] = value
        return element
    if kind == "number":
        element = {"type": "number_input", "action_id": action_id, "is_decimal_allowed": True}
        if isinstance(value, str) and value:
            element["initial_value"] = value
        return element
    if kind == "date":
        element = {"type": "datepicker", "action_id": action_id}
        if isinstance(value, str) and value:
            element["initial_date"] = value
        return element
    if kind == "datetime":
        element = {"type": "datetimepicker", "action_id": action_id}
        if isinstance(value, int):
            element["initial_date_time"] = value
        return element
    if kind == "user":
        element = {"type": "users_select", "action_id": action_id}
        if isinstance(value, str) and value:
            element["initial_user"] = value
        return element
    options = [_option(label, value_id) for value_id, label in allowed]
    if kind == "option":
        element = {"type": "static_select", "action_id": action_id, "options": options}
        chosen = [o for o in options if o["value"] == value]
        if chosen:
            element["initial_option"] = chosen[0]
        return element
    element = {"type": "multi_static_select", "action_id": action_id, "options": options}
    chosen = [o for o in options if isinstance(value, list) and o["value"] in value]
    if chosen:
        element["initial_options"] = chosen
    return element


def build_modal(ctx: ModalContext, screen: Screen, values: Values) -> dict[str, Any]:
    """The modal for `ctx` with what is loaded (`screen`) and entered (`values`)."""
    blocks: list[dict[str, Any]] = []
    if ctx.origin == "shortcut" and ctx.author_id:
        source = f"From a message by <@{ctx.author_id}>"
        if ctx.permalink:
            source += f" · <{ctx.permalink}|view message>"
        blocks.append(_mrkdwn_context(source + " · the issue link will be posted in its thread"))

    project_element: dict[str, Any] = {
        "type": "external_select",
        "action_id": PROJECT,
        "placeholder": _text("Choose a Jira project"),
        "min_query_length": 0,
    }
    if ctx.project:
        project_element["initial_option"] = _option(
            values.project_label or ctx.project, ctx.project
        )
    blocks.append(_input(PROJECT, "Project", project_element, dispatch=True))

    if ctx.project and screen.issue_types:
        options = [_option(t.name, t.id) for t in screen.issue_types[:MAX_OPTIONS]]
        type_element: dict[str, Any] = {
            "type": "static_select",
            "action_id": ISSUE_TYPE,
            "options": options,
        }
        chosen = [o for o in options if o["value"] == ctx.issue_type_id]
        if chosen:
            type_element["initial_option"] = chosen[0]
        blocks.append(
            _input(issue_type_block_id(ctx.project), "Issue type", type_element, dispatch=True)
        )
    elif ctx.load_error:
        blocks.append(_mrkdwn_context(f":warning: {ctx.load_error}"))
    elif ctx.project:
        blocks.append(_mrkdwn_context(":hourglass_flowing_sand: Loading issue types from Jira…"))
    else:
        blocks.append(_mrkdwn_context("Choose a project to see its issue types."))

    summary: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": SUMMARY,
        "max_length": SUMMARY_MAX,
        "placeholder": _text("What needs to be done?"),
    }
    if values.summary:
        summary["initial_value"] = values.summary[:SUMMARY_MAX]
    blocks.append(_input(SUMMARY, "Summary", summary))

    screen_ids = set(ctx.screen) if ctx.screen is not None else None
    metas = {f.id: f for f in screen.fields or ()}

    def shown(field_id: str) -> bool:
        return screen_ids is None or field_id in screen_ids

    if shown("description"):
        description: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": DESCRIPTION,
            "multiline": True,
            "max_length": DESCRIPTION_MAX,
        }
        if values.description:
            description["initial_value"] = values.description[:DESCRIPTION_MAX]
        required = "description" in metas and metas["description"].needs_value
        blocks.append(
            _input(
                DESCRIPTION,
                "Description",
                description,
                optional=not required,
                hint="Slack formatting (*bold*, _italic_, `code`, lists, links) carries over.",
            )
        )
    priority = metas.get("priority")
    if priority is not None and priority.allowed:
        options = [_option(v.label, v.id) for v in priority.allowed[:MAX_OPTIONS]]
        element: dict[str, Any] = {
            "type": "static_select",
            "action_id": PRIORITY,
            "options": options,
        }
        chosen = [o for o in options if o["value"] == values.priority]
        if chosen:
            element["initial_option"] = chosen[0]
        blocks.append(_input(PRIORITY, "Priority", element, optional=not priority.needs_value))
    if shown("assignee"):
        element = {"type": "users_select", "action_id": ASSIGNEE}
        if values.assignee:
            element["initial_user"] = values.assignee
        blocks.append(
            _input(
                ASSIGNEE,
                "Assignee",
                element,
                optional=True,
                hint="Matched to a Jira account by email address.",
            )
        )
    if screen_ids is not None and "labels" in screen_ids:
        element = {"type": "plain_text_input", "action_id": LABELS}
        if values.labels:
            element["initial_value"] = values.labels
        blocks.append(
            _input(LABELS, "Labels", element, optional=True, hint="Separated by spaces or commas.")
        )
    for field_id, kind in ctx.fields.items():
        meta = metas.get(field_id)
        allowed = [(v.id, v.label) for v in meta.allowed] if meta is not None else []
        blocks.append(
            _input(
                FIELD_PREFIX + field_id,
                ctx.field_names.get(field_id, field_id),
                _field_element(kind, field_id, allowed, values.fields.get(field_id)),
                hint="An issue key, e.g. PROJ-123" if kind == "issue" else None,
            )
        )
    if ctx.blocking:
        names = ", ".join(f"*{name}*" for name in ctx.blocking)
        kind = ctx.issue_type_name or "this type"
        text = (
            f":no_entry: Jira requires {names} for {kind} in {ctx.project}, which this form "
            "cannot fill in. Choose another issue type, or create this one in Jira."
        )
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": _text("Create Jira issue"),
        "submit": _text("Create"),
        "close": _text("Cancel"),
        "private_metadata": ctx.dump(),
        "blocks": blocks,
    }


# --- reading state ------------------------------------------------------------------------


def state_by_action(view: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """`state.values` flattened to action id → element state (block ids vary by project)."""
    flat: dict[str, dict[str, Any]] = {}
    values = ((view.get("state") or {}).get("values")) or {}
    for block_id, actions in values.items():
        for action_id, state in (actions or {}).items():
            flat[action_id] = {**state, "block_id": block_id}
    return flat


def _selected(state: Mapping[str, Any] | None) -> str | None:
    option = (state or {}).get("selected_option") or {}
    value = option.get("value")
    return str(value) if value else None


def _value(state: Mapping[str, Any] | None) -> str:
    return str((state or {}).get("value") or "")


def current_values(view: Mapping[str, Any]) -> Values:
    """What the user has entered, to carry over into a rebuilt view."""
    states = state_by_action(view)
    project_option = (states.get(PROJECT) or {}).get("selected_option") or {}
    label = (project_option.get("text") or {}).get("text")
    fields: dict[str, Any] = {}
    for action_id, state in states.items():
        if not action_id.startswith(FIELD_PREFIX):
            continue
        field_id = action_id.removeprefix(FIELD_PREFIX)
        if "selected_options" in state:
            fields[field_id] = [o.get("value") for o in state.get("selected_options") or ()]
        elif "selected_option" in state:
            fields[field_id] = _selected(state)
        elif "selected_user" in state:
            fields[field_id] = state.get("selected_user")
        elif "selected_date" in state:
            fields[field_id] = state.get("selected_date")
        elif "selected_date_time" in state:
            fields[field_id] = state.get("selected_date_time")
        else:
            fields[field_id] = _value(state)
    return Values(
        summary=_value(states.get(SUMMARY)),
        description=_value(states.get(DESCRIPTION)),
        project_label=str(label) if label else None,
        priority=_selected(states.get(PRIORITY)),
        assignee=(states.get(ASSIGNEE) or {}).get("selected_user"),
        labels=_value(states.get(LABELS)),
        fields=fields,
    )


def split_labels(raw: str) -> tuple[str, ...]:
    """Jira labels cannot contain spaces: split on spaces and commas."""
    return tuple(dict.fromkeys(part for part in raw.replace(",", " ").split() if part))


@dataclass(frozen=True, slots=True)
class Submission:
    request: TicketRequest | None
    errors: dict[str, str]


def _field_value(kind: FieldKind, state: Mapping[str, Any]) -> tuple[Any, str | None]:
    """`(value for the REST API, error)`; value `None` when nothing was entered."""
    if kind in ("text", "rich"):
        text = _value(state).strip()
        return (text or None), None
    if kind == "number":
        raw = _value(state).strip()
        if not raw:
            return None, None
        try:
            number = float(raw)
        except ValueError:
            return None, "Enter a number."
        return (int(number) if number.is_integer() else number), None
    if kind == "date":
        return state.get("selected_date"), None
    if kind == "datetime":
        stamp = state.get("selected_date_time")
        if stamp is None:
            return None, None
        moment = datetime.fromtimestamp(int(stamp), tz=UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.000+0000"), None
    if kind == "option":
        chosen = _selected(state)
        return ({"id": chosen} if chosen else None), None
    if kind == "options":
        chosen = [str(o.get("value")) for o in state.get("selected_options") or ()]
        return ([{"id": c} for c in chosen] or None), None
    if kind == "strings":
        return (list(split_labels(_value(state))) or None), None
    if kind == "issue":
        key = _value(state).strip().upper()
        if not key:
            return None, None
        if "-" not in key:
            return None, "Enter an issue key such as PROJ-123."
        return {"key": key}, None
    return state.get("selected_user"), None  # user


def read_submission(view: Mapping[str, Any], ctx: ModalContext) -> Submission:
    """Validate a submitted modal: the request to create, or errors by block id."""
    states = state_by_action(view)
    errors: dict[str, str] = {}

    project = _selected(states.get(PROJECT))
    if project == UNAVAILABLE:
        project = None
    if not project:
        errors[PROJECT] = "Choose a project."

    summary = _value(states.get(SUMMARY)).strip()
    if not summary:
        errors[SUMMARY] = "Enter a summary."
    elif len(summary) > SUMMARY_MAX:
        errors[SUMMARY] = f"Keep the summary to {SUMMARY_MAX} characters (it has {len(summary)})."
    elif "\n" in summary:
        errors[SUMMARY] = "The summary must be one line."

    type_state = states.get(ISSUE_TYPE)
    issue_type = _selected(type_state)
    type_block = str((type_state or {}).get("block_id") or "")
    if project and PROJECT not in errors:
        if ctx.project != project or type_block != issue_type_block_id(project):
            errors[PROJECT] = (
                ctx.load_error
                or f"Loading the issue types of {project} from Jira… try again in a moment."
            )
        elif not issue_type:
            errors[type_block] = "Choose an issue type."
        elif ctx.issue_type_id != issue_type:
            errors[type_block] = (
                "Loading this issue type's fields from Jira… try again in a moment."
            )
        elif ctx.blocking:
            errors[type_block] = (
                "Jira requires " + ", ".join(ctx.blocking) + ", which this form cannot fill in."
            )

    description = _value(states.get(DESCRIPTION)).strip()
    custom: dict[str, Any] = {}
    users: dict[str, str] = {}
    rich: dict[str, str] = {}
    for field_id, kind in ctx.fields.items():
        state = states.get(FIELD_PREFIX + field_id) or {}
        value, problem = _field_value(kind, state)
        block_id = FIELD_PREFIX + field_id
        if problem:
            errors[block_id] = problem
        elif value is None or value == "":
            errors[block_id] = f"Jira requires {ctx.field_names.get(field_id, field_id)}."
        elif kind == "user":
            users[field_id] = str(value)
        elif kind == "rich":
            rich[field_id] = escape(str(value))
        else:
            custom[field_id] = value

    if errors or not project:
        return Submission(None, errors)
    try:
        request = TicketRequest(
            origin="shortcut" if ctx.origin == "shortcut" else "modal",
            user_id=ctx.user_id,
            channel_id=ctx.channel_id,
            thread_ts=ctx.thread_ts,
            message_ts=ctx.message_ts,
            message_author_id=ctx.author_id,
            permalink=ctx.permalink,
            project=project,
            issue_type_id=issue_type,
            summary=summary,
            description=escape(description),
            priority_id=_selected(states.get(PRIORITY)),
            assignee_user_id=(states.get(ASSIGNEE) or {}).get("selected_user"),
            labels=split_labels(_value(states.get(LABELS))),
            custom_fields=custom,
            user_fields=users,
            rich_fields=rich,
            reporter_field=ctx.reporter_field,
        )
    except ValidationError as error:  # defensive: the checks above should catch it all
        return Submission(None, {SUMMARY: error.errors()[0]["msg"]})
    return Submission(request, {})
