"""Validation of Block Kit views as Slack's ``views.*`` methods apply it.

Slack rejects a bad view with ``invalid_arguments`` and one message per problem in
``response_metadata.messages``, each ending in a JSON pointer, for example
``[ERROR] must be less than 25 characters [json-pointer:/view/title/text]``. The limits here
are the documented ones (modal title/submit/close 24 characters, 100 blocks, private_metadata
3000 characters, ids 255 characters, unique block_ids, input blocks need a label and an
element and make ``submit`` mandatory). It is not a full Block Kit validator.
"""

from __future__ import annotations

from typing import Any

MAX_BUTTON_TEXT = 24
MAX_BLOCKS = 100
MAX_PRIVATE_METADATA = 3000
MAX_ID = 255
MAX_LABEL = 2000


def _text_errors(obj: Any, pointer: str, limit: int, *, required: bool) -> list[str]:
    if obj is None:
        if not required:
            return []
        name = pointer.rsplit("/", 1)[-1]
        return [f"[ERROR] missing required field: {name} [json-pointer:{pointer}]"]
    if not isinstance(obj, dict) or obj.get("type") != "plain_text":
        return [f"[ERROR] must be a plain_text object [json-pointer:{pointer}]"]
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        return [f"[ERROR] must be more than 0 characters [json-pointer:{pointer}/text]"]
    if len(text) > limit:
        return [f"[ERROR] must be less than {limit + 1} characters [json-pointer:{pointer}/text]"]
    return []


def _length_error(value: Any, pointer: str, limit: int) -> list[str]:
    if isinstance(value, str) and len(value) > limit:
        return [f"[ERROR] must be less than {limit + 1} characters [json-pointer:{pointer}]"]
    return []


def _block_errors(blocks: Any) -> tuple[list[str], bool]:
    """Problems in ``blocks`` and whether there is an input block."""
    if not isinstance(blocks, list):
        return ["[ERROR] missing required field: blocks [json-pointer:/view/blocks]"], False
    errors: list[str] = []
    if len(blocks) > MAX_BLOCKS:
        errors.append(
            f"[ERROR] no more than {MAX_BLOCKS} items allowed [json-pointer:/view/blocks]"
        )
    seen: set[str] = set()
    has_input = False
    for index, block in enumerate(blocks):
        pointer = f"/view/blocks/{index}"
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            errors.append(f"[ERROR] missing required field: type [json-pointer:{pointer}]")
            continue
        block_id = block.get("block_id")
        if isinstance(block_id, str):
            if block_id in seen:
                errors.append(f"[ERROR] duplicate block_id [json-pointer:{pointer}/block_id]")
            seen.add(block_id)
            errors += _length_error(block_id, f"{pointer}/block_id", MAX_ID)
        if block["type"] == "input":
            has_input = True
            errors += _text_errors(block.get("label"), f"{pointer}/label", MAX_LABEL, required=True)
            element = block.get("element")
            if not isinstance(element, dict) or "type" not in element:
                errors.append(f"[ERROR] missing required field: element [json-pointer:{pointer}]")
            else:
                errors += _length_error(
                    element.get("action_id"), f"{pointer}/element/action_id", MAX_ID
                )
    return errors, has_input


def view_errors(view: Any, allowed_types: tuple[str, ...]) -> list[str]:
    """Slack's ``invalid_arguments`` messages for ``view``; empty when it is acceptable."""
    if not isinstance(view, dict):
        return ["[ERROR] missing required field: view [json-pointer:/view]"]
    view_type = view.get("type")
    if view_type not in allowed_types:
        return [f"[ERROR] must be one of {', '.join(allowed_types)} [json-pointer:/view/type]"]
    errors, has_input = _block_errors(view.get("blocks"))
    errors += _length_error(
        view.get("private_metadata"), "/view/private_metadata", MAX_PRIVATE_METADATA
    )
    errors += _length_error(view.get("callback_id"), "/view/callback_id", MAX_ID)
    errors += _length_error(view.get("external_id"), "/view/external_id", MAX_ID)
    if view_type == "modal":
        errors += _text_errors(view.get("title"), "/view/title", MAX_BUTTON_TEXT, required=True)
        errors += _text_errors(view.get("close"), "/view/close", MAX_BUTTON_TEXT, required=False)
        errors += _text_errors(view.get("submit"), "/view/submit", MAX_BUTTON_TEXT, required=False)
        if has_input and view.get("submit") is None:
            errors.append(
                "[ERROR] must provide a submit property when using input blocks "
                "[json-pointer:/view/submit]"
            )
    return errors
