"""Slack's documented Block Kit limits, applied to every message on its way out.

Slack refuses a whole message for one field over a limit (`invalid_blocks`, `msg_too_long`),
and a refused card stops updating. What goes into a message comes from people (a label of
200,000 characters, a long comment, a hundred reviewers), so the writer and the poster send
`fitted(message)`: each text over its limit is cut and ends in "…", surplus fields, elements,
options and blocks are dropped (a last block says how many), and nothing here raises.

The blocks are serialised as slack_sdk does but without its validation (`to_dict()` raises
on the very lengths fitted here). The limits are those of
https://api.slack.com/reference/block-kit: a message has at most 50 blocks and 40,000
characters of `text`; a section 3,000 characters of text and 10 fields of 2,000; a context
block 10 elements; a header 150 characters; an actions block 25 elements; a button 75
characters of text and 2,000 of value; an option 75 characters of text and description and
150 of value; a select 100 options and 150 characters of placeholder.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from slack_sdk.models.basic_objects import JsonObject
from slack_sdk.models.blocks import Block

from integrations.messages import SlackMessage

ELLIPSIS = "…"

MESSAGE_TEXT = 40_000
MESSAGE_BLOCKS = 50
TEXT = 3000  # any text object, e.g. a section's text or a context element
FIELD_TEXT = 2000
SECTION_FIELDS = 10
CONTEXT_ELEMENTS = 10
HEADER_TEXT = 150
ACTIONS_ELEMENTS = 25
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
OPTION_TEXT = 75
OPTION_VALUE = 150
OPTIONS = 100
OPTION_GROUPS = 100
PLACEHOLDER = 150
ALT_TEXT = 2000
URL = 3000  # a button's or an option's url
CONFIRM_TITLE = 100
CONFIRM_TEXT = 300
CONFIRM_BUTTON = 30
MARKDOWN_BLOCK_TEXT = 12_000

ELEMENT_OPTIONS = {"overflow": 5, "checkboxes": 10, "radio_buttons": 10}
"""Elements with fewer options than a select's `OPTIONS`."""


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, ending in "…" when cut; a cut never leaves half a
    `<link|label>` behind (Slack would show its markup)."""
    if len(text) <= limit:
        return text
    head = text[: limit - len(ELLIPSIS)]
    opened = head.rfind("<")
    if opened > head.rfind(">"):
        head = head[:opened]
    return head + ELLIPSIS


def fitted(message: SlackMessage) -> dict[str, Any]:
    """The `chat.postMessage` / `chat.update` fields of `message`, within Slack's limits."""
    fields: dict[str, Any] = {
        "text": clip(message.text, MESSAGE_TEXT),
        "unfurl_links": message.unfurl_links,
    }
    if message.blocks:
        fields["blocks"] = fit_blocks(message.blocks)
    return fields


def fit_blocks(blocks: Iterable[Block | dict[str, Any]]) -> list[dict[str, Any]]:
    """`blocks` as Block Kit JSON within the limits: each block fitted, at most 50 of them
    (the 50th then says how many more there were)."""
    fitted_blocks = [fit_block(plain(block)) for block in blocks]
    if len(fitted_blocks) <= MESSAGE_BLOCKS:
        return fitted_blocks
    rest = len(fitted_blocks) - (MESSAGE_BLOCKS - 1)
    more = {"type": "mrkdwn", "text": f"{ELLIPSIS} {rest} more not shown"}
    return [*fitted_blocks[: MESSAGE_BLOCKS - 1], {"type": "context", "elements": [more]}]


def plain(value: Any) -> Any:
    """Block Kit JSON of a slack_sdk object, as its `to_dict()` makes it, but without the
    checks that raise over a limit (they are fitted next)."""
    if isinstance(value, JsonObject):
        with _unchecked(value):
            return value.to_dict()
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def _skip_checks() -> None:
    return None


@contextmanager
def _unchecked(root: JsonObject) -> Iterator[None]:
    """`root` and the objects it holds serialise without slack_sdk's `validate_json` (shadowed
    per instance while `to_dict()` runs: the objects are this message's own)."""
    shadowed: list[JsonObject] = []
    pending: list[Any] = [root]
    while pending:
        item = pending.pop()
        if isinstance(item, JsonObject) and "validate_json" not in vars(item):
            setattr(item, "validate_json", _skip_checks)  # noqa: B010 - an instance attribute
            shadowed.append(item)
            pending.extend(vars(item).values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
        elif isinstance(item, dict):
            pending.extend(item.values())
    try:
        yield
    finally:
        for item in shadowed:
            delattr(item, "validate_json")


# Blocks ---------------------------------------------------------------------------------


def fit_block(block: Any) -> Any:
    if not isinstance(block, dict):
        return block
    block = dict(block)
    kind = block.get("type")
    if kind == "section":
        _fit_text(block, "text", TEXT)
        if isinstance(block.get("fields"), list):
            block["fields"] = [_text(f, FIELD_TEXT) for f in block["fields"][:SECTION_FIELDS]]
        if "accessory" in block:
            block["accessory"] = fit_element(block["accessory"])
    elif kind == "context":
        _fit_list(block, "elements", CONTEXT_ELEMENTS, fit_element)
    elif kind == "header":
        _fit_text(block, "text", HEADER_TEXT)
    elif kind == "actions":
        _fit_list(block, "elements", ACTIONS_ELEMENTS, fit_element)
    elif kind == "image":
        _fit_image(block)
        _fit_text(block, "title", FIELD_TEXT)
    elif kind == "markdown":
        _fit_str(block, "text", MARKDOWN_BLOCK_TEXT)
    return block


def fit_element(element: Any) -> Any:
    """An element of a section, context or actions block: a text object, an image, a button,
    a select, an overflow menu, ..."""
    if not isinstance(element, dict):
        return element
    kind = element.get("type")
    if kind in ("mrkdwn", "plain_text"):
        return _text(element, TEXT)
    element = dict(element)
    if kind == "image":
        _fit_image(element)
    if kind == "button":
        _fit_text(element, "text", BUTTON_TEXT)
        _fit_str(element, "value", BUTTON_VALUE)
        _drop_long(element, "url", URL)
    _fit_text(element, "placeholder", PLACEHOLDER)
    _fit_list(element, "options", ELEMENT_OPTIONS.get(str(kind), OPTIONS), fit_option)
    _fit_list(element, "initial_options", OPTIONS, fit_option)
    if "initial_option" in element:
        element["initial_option"] = fit_option(element["initial_option"])
    _fit_list(element, "option_groups", OPTION_GROUPS, _fit_group)
    if isinstance(element.get("confirm"), dict):
        element["confirm"] = _fit_confirm(element["confirm"])
    return element


def fit_option(option: Any) -> Any:
    if not isinstance(option, dict):
        return option
    option = dict(option)
    _fit_text(option, "text", OPTION_TEXT)
    _fit_text(option, "description", OPTION_TEXT)
    _fit_str(option, "value", OPTION_VALUE)
    _drop_long(option, "url", URL)
    return option


def _fit_group(group: Any) -> Any:
    if not isinstance(group, dict):
        return group
    group = dict(group)
    _fit_text(group, "label", OPTION_TEXT)
    _fit_list(group, "options", OPTIONS, fit_option)
    return group


def _fit_confirm(confirm: dict[str, Any]) -> dict[str, Any]:
    confirm = dict(confirm)
    _fit_text(confirm, "title", CONFIRM_TITLE)
    _fit_text(confirm, "text", CONFIRM_TEXT)
    _fit_text(confirm, "confirm", CONFIRM_BUTTON)
    _fit_text(confirm, "deny", CONFIRM_BUTTON)
    return confirm


def _fit_image(image: dict[str, Any]) -> None:
    _fit_str(image, "alt_text", ALT_TEXT)


# Fields ---------------------------------------------------------------------------------


def _text(obj: Any, limit: int) -> Any:
    """A text object (`{"type": "mrkdwn", "text": ...}`) with its text within `limit`."""
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        return obj
    if len(obj["text"]) <= limit:
        return obj
    return {**obj, "text": clip(obj["text"], limit)}


def _fit_text(holder: dict[str, Any], key: str, limit: int) -> None:
    if key in holder:
        holder[key] = _text(holder[key], limit)


def _fit_str(holder: dict[str, Any], key: str, limit: int) -> None:
    if isinstance(holder.get(key), str):
        holder[key] = clip(holder[key], limit)


def _drop_long(holder: dict[str, Any], key: str, limit: int) -> None:
    """A URL cut short would lead somewhere else: leave it out instead."""
    if isinstance(holder.get(key), str) and len(holder[key]) > limit:
        del holder[key]


def _fit_list(holder: dict[str, Any], key: str, limit: int, fit: Callable[[Any], Any]) -> None:
    if isinstance(holder.get(key), list):
        holder[key] = [fit(item) for item in holder[key][:limit]]
