"""The Jira fields the modal can fill in: one `FieldType` per kind, in one table.

A required field beyond what the modal always has is shown when `field_kind` finds it a
kind; the kind's `FieldType` renders its input, reads its state back for a rebuilt view, and
turns it into the request's value. One entry per kind keeps those three in step.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from bot.views.ticket_modal.blockkit import MAX_OPTIONS, option, selected, typed
from integrations.jira_api.models import AllowedValue, FieldInfo
from integrations.slack_text import escape

FieldKind = Literal[
    "text", "rich", "number", "date", "datetime", "option", "options", "strings", "user", "issue"
]
FIELD_PREFIX = "field:"
"""Before a Jira field id, it is the block and action id of the field's input."""
SYSTEM_FIELDS = frozenset(
    {"project", "issuetype", "summary", "description", "priority", "assignee", "labels", "reporter"}
)
"""Fields the modal handles itself (or that Jira fills in: reporter)."""

State = Mapping[str, Any]
Parsed = tuple[Any, str | None]
"""`(value for the request, error)`; value `None` when nothing was entered."""
Element = Callable[[str, Sequence[AllowedValue], Any], dict[str, Any]]
"""(action id, the field's allowed values, what to prefill) → the input element."""


@dataclass(frozen=True, slots=True)
class FieldType:
    """How the modal takes one kind of field."""

    element: Element
    state_key: str
    """Where the element's state holds what was entered."""
    prefill: Callable[[State], Any]
    """The state as `element` takes it back: a rebuilt view keeps what was entered."""
    parse: Callable[[State], Parsed]
    goes_to: Literal["custom_fields", "user_fields", "rich_fields"] = "custom_fields"
    """The `TicketRequest` field the value goes to (users and rich text are mapped later)."""
    hint: str | None = None


def split_labels(raw: str) -> tuple[str, ...]:
    """Jira labels cannot contain spaces: split on spaces and commas."""
    return tuple(dict.fromkeys(part for part in raw.replace(",", " ").split() if part))


# --- elements -----------------------------------------------------------------------------


def _filled(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def _prefilled(
    element_type: str, prefill_key: str, takes: Callable[[Any], bool] = _filled, **fixed: Any
) -> Element:
    """An element prefilled with the entered value itself, when it `takes` it."""

    def element(action_id: str, allowed: Sequence[AllowedValue], value: Any) -> dict[str, Any]:
        built: dict[str, Any] = {"type": element_type, "action_id": action_id, **fixed}
        if takes(value):
            built[prefill_key] = value
        return built

    return element


def _select(action_id: str, allowed: Sequence[AllowedValue], value: Any) -> dict[str, Any]:
    options = [option(v.label, v.id) for v in allowed]
    element: dict[str, Any] = {"type": "static_select", "action_id": action_id, "options": options}
    chosen = [o for o in options if o["value"] == value]
    if chosen:
        element["initial_option"] = chosen[0]
    return element


def _multi_select(action_id: str, allowed: Sequence[AllowedValue], value: Any) -> dict[str, Any]:
    options = [option(v.label, v.id) for v in allowed]
    element: dict[str, Any] = {
        "type": "multi_static_select",
        "action_id": action_id,
        "options": options,
    }
    chosen = [o for o in options if isinstance(value, list) and o["value"] in value]
    if chosen:
        element["initial_options"] = chosen
    return element


_TEXT_BOX = _prefilled("plain_text_input", "initial_value", multiline=False)


# --- reading back: a prefill, and the request's value -------------------------------------


def _as_is(key: str) -> Callable[[State], Any]:
    return lambda state: state.get(key)


def _chosen(state: State) -> list[Any]:
    return [o.get("value") for o in state.get("selected_options") or ()]


def _text(state: State) -> Parsed:
    return (typed(state).strip() or None), None


def _rich(state: State) -> Parsed:
    """Rich text goes as mrkdwn, like the description: what was typed, escaped."""
    text = typed(state).strip()
    return (escape(text) if text else None), None


def _number(state: State) -> Parsed:
    raw = typed(state).strip()
    if not raw:
        return None, None
    try:
        number = float(raw)
    except ValueError:
        return None, "Enter a number."
    if not math.isfinite(number):  # "1e999", "nan": Jira (and JSON) take neither
        return None, "Enter a number."
    return (int(number) if number.is_integer() else number), None


def _date(state: State) -> Parsed:
    return state.get("selected_date"), None


def _datetime(state: State) -> Parsed:
    """Slack gives a Unix time; Jira takes ISO 8601 with a `+0000` offset."""
    stamp = state.get("selected_date_time")
    if stamp is None:
        return None, None
    moment = datetime.fromtimestamp(int(stamp), tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000+0000"), None


def _option(state: State) -> Parsed:
    chosen = selected(state)
    return ({"id": chosen} if chosen else None), None


def _options(state: State) -> Parsed:
    chosen = [str(o.get("value")) for o in state.get("selected_options") or ()]
    return ([{"id": c} for c in chosen] or None), None


def _labels(state: State) -> Parsed:
    return (list(split_labels(typed(state))) or None), None


def _issue(state: State) -> Parsed:
    """A parent issue, typed as its key."""
    key = typed(state).strip().upper()
    if not key:
        return None, None
    if "-" not in key:
        return None, "Enter an issue key such as PROJ-123."
    return {"key": key}, None


def _user(state: State) -> Parsed:
    user = state.get("selected_user")
    return (None if user is None else str(user)), None


# --- the table ----------------------------------------------------------------------------

FIELD_TYPES: dict[FieldKind, FieldType] = {
    # Selects and pickers first: `prefill_from` takes the first whose state key it finds.
    "options": FieldType(
        element=_multi_select, state_key="selected_options", prefill=_chosen, parse=_options
    ),
    "option": FieldType(
        element=_select, state_key="selected_option", prefill=selected, parse=_option
    ),
    "user": FieldType(
        element=_prefilled("users_select", "initial_user"),
        state_key="selected_user",
        prefill=_as_is("selected_user"),
        parse=_user,
        goes_to="user_fields",
    ),
    "date": FieldType(
        element=_prefilled("datepicker", "initial_date"),
        state_key="selected_date",
        prefill=_as_is("selected_date"),
        parse=_date,
    ),
    "datetime": FieldType(
        element=_prefilled("datetimepicker", "initial_date_time", lambda v: isinstance(v, int)),
        state_key="selected_date_time",
        prefill=_as_is("selected_date_time"),
        parse=_datetime,
    ),
    "text": FieldType(element=_TEXT_BOX, state_key="value", prefill=typed, parse=_text),
    "rich": FieldType(
        element=_prefilled("plain_text_input", "initial_value", multiline=True),
        state_key="value",
        prefill=typed,
        parse=_rich,
        goes_to="rich_fields",
    ),
    "number": FieldType(
        element=_prefilled("number_input", "initial_value", is_decimal_allowed=True),
        state_key="value",
        prefill=typed,
        parse=_number,
    ),
    "strings": FieldType(element=_TEXT_BOX, state_key="value", prefill=typed, parse=_labels),
    "issue": FieldType(
        element=_TEXT_BOX,
        state_key="value",
        prefill=typed,
        parse=_issue,
        hint="An issue key, e.g. PROJ-123",
    ),
}


def prefill_from(state: State) -> Any:
    """A field's state as its element takes it back. By what the state holds, not the field's
    kind: a rebuilt view carries over the fields of the view it replaces, whatever they were."""
    for field_type in FIELD_TYPES.values():
        if field_type.state_key in state:
            return field_type.prefill(state)
    return typed(state)


# --- which fields -------------------------------------------------------------------------


def field_kind(info: FieldInfo) -> FieldKind | None:
    """How the modal can take a value for a Jira field; `None`: it cannot."""
    custom = info.custom or ""
    schema = info.schema_type
    if schema == "string":
        return "rich" if custom.endswith(":textarea") else "text"
    if schema == "number":
        return "number"
    if schema == "date":
        return "date"
    if schema == "datetime":
        return "datetime"
    if schema == "user":
        return "user"
    if schema == "issuelink" and info.system == "parent":
        return "issue"
    if info.allowed and len(info.allowed) <= MAX_OPTIONS:
        if schema == "array" and info.items in ("option", "component", "version"):
            return "options"
        if schema in ("option", "priority", "version", "component", "securitylevel", "resolution"):
            return "option"
    if schema == "array" and info.items == "string" and custom.endswith(":labels"):
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
