"""Validation of message blocks as Slack's ``chat.*`` methods apply it.

Slack refuses a message with a block over a documented limit as ``invalid_blocks``, listing
each problem in ``errors`` and, prefixed with ``[ERROR]``, in ``response_metadata.messages``,
each ending in a JSON pointer, e.g. ``must be less than 3001 characters
[json-pointer:/blocks/0/text/text]``. The limits are those of
https://api.slack.com/reference/block-kit (50 blocks; section text 3,000 and 10 fields of
2,000; context 10 elements; header 150; actions 25 elements; button text 75, value 2,000,
url 3,000; option text and description 75, value 150; 100 options; placeholder 150;
block_id 255; text objects not empty). It is not a full Block Kit validator.
"""

from __future__ import annotations

from typing import Any

MAX_BLOCKS = 50
LIMITS = {
    "text": 3000,
    "field": 2000,
    "fields": 10,
    "context": 10,
    "header": 150,
    "actions": 25,
    "button": 75,
    "button_value": 2000,
    "url": 3000,
    "option": 75,
    "option_value": 150,
    "options": 100,
    "placeholder": 150,
    "block_id": 255,
}
TEXT_TYPES = ("mrkdwn", "plain_text")


def _too_long(pointer: str, limit: int) -> str:
    return f"must be less than {limit + 1} characters [json-pointer:{pointer}]"


def _too_many(pointer: str, limit: int) -> str:
    return f"no more than {limit} items allowed [json-pointer:{pointer}]"


def _text(obj: Any, pointer: str, limit: int) -> list[str]:
    if not isinstance(obj, dict) or obj.get("type") not in TEXT_TYPES:
        return [f"must provide an object [json-pointer:{pointer}]"]
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        return [f"must be more than 0 characters [json-pointer:{pointer}/text]"]
    return [_too_long(f"{pointer}/text", limit)] if len(text) > limit else []


def _string(value: Any, pointer: str, limit: int) -> list[str]:
    return [_too_long(pointer, limit)] if isinstance(value, str) and len(value) > limit else []


def _items(
    holder: dict[str, Any], key: str, pointer: str, limit: int
) -> tuple[list[Any], list[str]]:
    items = holder.get(key)
    if not isinstance(items, list):
        return [], []
    return items, [_too_many(f"{pointer}/{key}", limit)] if len(items) > limit else []


def _option(option: Any, pointer: str) -> list[str]:
    if not isinstance(option, dict):
        return [f"must provide an object [json-pointer:{pointer}]"]
    errors = _text(option.get("text"), f"{pointer}/text", LIMITS["option"])
    if "description" in option:
        errors += _text(option["description"], f"{pointer}/description", LIMITS["option"])
    errors += _string(option.get("value"), f"{pointer}/value", LIMITS["option_value"])
    return errors + _string(option.get("url"), f"{pointer}/url", LIMITS["url"])


def _element(element: Any, pointer: str) -> list[str]:
    if not isinstance(element, dict) or not isinstance(element.get("type"), str):
        return [f"missing required field: type [json-pointer:{pointer}]"]
    kind = element["type"]
    if kind in TEXT_TYPES:
        return _text(element, pointer, LIMITS["text"])
    errors: list[str] = []
    if kind == "button":
        errors += _text(element.get("text"), f"{pointer}/text", LIMITS["button"])
        errors += _string(element.get("value"), f"{pointer}/value", LIMITS["button_value"])
        errors += _string(element.get("url"), f"{pointer}/url", LIMITS["url"])
    if "placeholder" in element:
        errors += _text(element["placeholder"], f"{pointer}/placeholder", LIMITS["placeholder"])
    options, too_many = _items(element, "options", pointer, LIMITS["options"])
    errors += too_many
    for index, option in enumerate(options):
        errors += _option(option, f"{pointer}/options/{index}")
    return errors


def _section(block: dict[str, Any], pointer: str) -> list[str]:
    if "text" not in block and "fields" not in block:
        return [f"must provide text or fields [json-pointer:{pointer}]"]
    errors = _text(block["text"], f"{pointer}/text", LIMITS["text"]) if "text" in block else []
    fields, errors_fields = _items(block, "fields", pointer, LIMITS["fields"])
    errors += errors_fields
    for index, field in enumerate(fields):
        errors += _text(field, f"{pointer}/fields/{index}", LIMITS["field"])
    if "accessory" in block:
        errors += _element(block["accessory"], f"{pointer}/accessory")
    return errors


def _block(block: dict[str, Any], pointer: str) -> list[str]:
    kind = block["type"]
    errors = _string(block.get("block_id"), f"{pointer}/block_id", LIMITS["block_id"])
    if kind == "section":
        return errors + _section(block, pointer)
    if kind == "header":
        return errors + _text(block.get("text"), f"{pointer}/text", LIMITS["header"])
    if kind in ("context", "actions"):
        elements, too_many = _items(block, "elements", pointer, LIMITS[kind])
        if not elements:
            return [*errors, f"must provide at least 1 item [json-pointer:{pointer}/elements]"]
        errors += too_many
        for index, element in enumerate(elements):
            errors += _element(element, f"{pointer}/elements/{index}")
    return errors


def block_errors(blocks: list[Any]) -> list[str]:
    """Slack's ``invalid_blocks`` errors for a message's ``blocks``; empty when acceptable."""
    errors: list[str] = []
    if len(blocks) > MAX_BLOCKS:
        errors.append(_too_many("/blocks", MAX_BLOCKS))
    for index, block in enumerate(blocks):
        pointer = f"/blocks/{index}"
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            errors.append(f"missing required field: type [json-pointer:{pointer}]")
            continue
        errors += _block(block, pointer)
    return errors
