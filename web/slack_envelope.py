"""A signed Slack body as Bolt will read it, and the shapes Bolt cannot read without crashing.

`parse` follows the rule of Bolt's own `parse_body` (`slack_bolt.request.internals`) step by
step, so the dict checked here is the dict Bolt builds: JSON when the Content-Type is exactly
`application/json` or the text starts with `{`; else, when the text contains `payload`, the
form field `payload` as JSON (or `{}` without one); else the form fields. It refuses what
Bolt would raise on, and what parses but no database stores (`web.requests`).

`problems` lists what Bolt's context builders, middleware and matchers would trip over
before any listener runs: they call `.get` on `event`, `enterprise`, `team`, `user`,
`channel` and `authorizations[0]` at every depth they descend to, index `actions[0]` of a
block action and `view.type` of a view submission. Listeners validate the fields they use
themselves (`bot/payloads.py`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl

from web.errors import ApiError
from web.requests import parse_json_object

REFS = ("enterprise", "team", "user", "channel")
"""A string id, or an object whose `id` is one."""
IDS = ("enterprise_id", "team_id", "user_id", "channel_id", "app_installed_team_id")
STRINGS = ("response_url", "function_execution_id", "bot_access_token")
NESTED = ("event", "message", "previous_message", "item", "assistant_thread", "view")
"""Objects Bolt's `extract_*` helpers descend into when they are objects."""


def parse(text: str, content_type: str | None) -> dict[str, Any]:
    """The body as Bolt's `parse_body` reads it; 400 `invalid_body` where Bolt would raise."""
    if not text:
        return {}
    if content_type == "application/json" or text.startswith("{"):
        return _json(text, "request body")
    if "payload" in text:
        payload = dict(parse_qsl(text, keep_blank_values=True)).get("payload")
        return {} if payload is None else _json(payload, "the form field payload")
    fields = dict(parse_qsl(text, keep_blank_values=True))
    if any("\x00" in key or "\x00" in value for key, value in fields.items()):
        raise ApiError(400, "invalid_body", "a form field contains a NUL character")
    return fields


def _json(text: str, what: str) -> dict[str, Any]:
    try:
        return parse_json_object(text)
    except ApiError as exc:
        message = exc.message.replace("request body", what, 1)
        raise ApiError(400, "invalid_body", message) from None


def problems(body: Mapping[str, Any]) -> list[dict[str, str]]:
    """`{field, message}` for each shape Bolt cannot route; empty when it can."""
    found = list(_top_level(body)) + list(_actor_fields(body, "")) + _by_type(body)
    return [{"field": field, "message": message} for field, message in found]


def _top_level(body: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """Read on every request: `event` by the self-event filter, `response_urls` by
    `build_context`."""
    if "event" in body and not isinstance(body["event"], Mapping):
        yield "event", "must be an object"
    yield from _list_of_objects(body, "response_urls", required=True)
    urls = body.get("response_urls")
    for index, url in enumerate(urls if isinstance(urls, list) else ()):
        if isinstance(url, Mapping) and not isinstance(url.get("response_url"), str | None):
            yield f"response_urls.{index}.response_url", "must be a string"


def _is_ref(value: Any) -> bool:
    return (
        value is None
        or isinstance(value, str)
        or (isinstance(value, Mapping) and isinstance(value.get("id"), str | None))
    )


def _actor_fields(obj: Mapping[str, Any], path: str) -> Iterator[tuple[str, str]]:
    """What Bolt's `build_context` reads of `obj`, and of the objects it descends into."""
    for key in REFS:
        if not _is_ref(obj.get(key)):
            yield path + key, "must be a string id or an object with a string id"
    for key in IDS + STRINGS:
        if not isinstance(obj.get(key), str | None):
            yield path + key, "must be a string"
    yield from _list_of_objects(obj, "authorizations", path=path)
    authorizations = obj.get("authorizations")
    for index, auth in enumerate(authorizations if isinstance(authorizations, list) else ()):
        if isinstance(auth, Mapping):
            yield from _actor_fields(auth, f"{path}authorizations.{index}.")
    for key in NESTED:
        if isinstance(obj.get(key), Mapping):
            yield from _actor_fields(obj[key], f"{path}{key}.")


def _list_of_objects(
    obj: Mapping[str, Any], key: str, *, path: str = "", required: bool = False
) -> Iterator[tuple[str, str]]:
    """`obj[key]` absent, null (unless `required`), or a list of objects."""
    if key not in obj or (obj[key] is None and not required):
        return
    value = obj[key]
    if not (isinstance(value, list) and all(isinstance(v, Mapping) for v in value)):
        yield path + key, "must be a list of objects"


def _by_type(body: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What Bolt's matchers index for the payload's `type`."""
    kind = body.get("type")
    if kind == "event_callback":
        event = body.get("event")
        if not isinstance(event, Mapping) or not isinstance(event.get("type"), str):
            return [("event.type", "an event_callback needs an event object with a string type")]
    elif kind == "block_actions" or (kind == "interactive_message" and "actions" in body):
        actions = body.get("actions")
        if not isinstance(actions, list) or not actions:
            return [("actions", "must be a non-empty list of objects")]
        if not all(
            isinstance(a, Mapping)
            and (kind != "block_actions" or isinstance(a.get("action_id"), str))
            for a in actions
        ):
            return [("actions", "must be objects, each with a string action_id")]
    elif kind in ("view_submission", "view_closed"):
        view = body.get("view")
        if not isinstance(view, Mapping) or not all(
            isinstance(view.get(key), str) for key in ("type", "callback_id")
        ):
            return [("view", "needs an object with a string type and callback_id")]
    return []
