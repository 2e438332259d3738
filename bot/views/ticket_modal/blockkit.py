"""Block Kit both ways: the pieces the modal is built of, and its elements' state read back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MAX_OPTIONS = 100
"""The most options a Slack select takes."""


def plain_text(text: str) -> dict[str, Any]:
    """Cut to 75 characters, the most Slack takes for an option (labels are cut alike)."""
    return {"type": "plain_text", "text": text[:75], "emoji": True}


def option(label: str, value: str) -> dict[str, Any]:
    return {"text": plain_text(label), "value": value}


def mrkdwn_context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def input_block(
    block_id: str,
    label: str,
    element: dict[str, Any],
    *,
    optional: bool = False,
    hint: str | None = None,
    dispatch: bool = False,
) -> dict[str, Any]:
    """`dispatch`: Slack sends a block action on each change (to rebuild the view)."""
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": plain_text(label),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain_text(hint)
    if dispatch:
        block["dispatch_action"] = True
    return block


def state_by_action(view: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """`state.values` flattened to action id → element state (block ids vary by project)."""
    flat: dict[str, dict[str, Any]] = {}
    values = ((view.get("state") or {}).get("values")) or {}
    for block_id, actions in values.items():
        for action_id, state in (actions or {}).items():
            flat[action_id] = {**state, "block_id": block_id}
    return flat


def selected(state: Mapping[str, Any] | None) -> str | None:
    """The value of a select's chosen option."""
    chosen = (state or {}).get("selected_option") or {}
    value = chosen.get("value")
    return str(value) if value else None


def typed(state: Mapping[str, Any] | None) -> str:
    """The text of a text or number input; empty when there is none."""
    return str((state or {}).get("value") or "")
