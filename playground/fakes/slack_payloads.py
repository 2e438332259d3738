"""Builders for what Slack sends *to* an app, and Slack's request signing.

Shapes follow Slack's documentation of slash command requests, message shortcuts
(``message_action``), ``view_submission`` payloads and Events API ``event_callback`` bodies
(``reference/slack/events-api.asyncapi-v1.json``). The same dicts go into a Socket Mode
envelope (:meth:`FakeSlack.socket.send_envelope`) or, via :func:`http_body` and
:func:`signed_headers`, into a signed HTTP request to ``/slack/events``.

Pure functions: no I/O, no state. ``FakeSlack`` has wrappers that also mint trigger ids and
response URLs and keep the message in its state.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode

TEAM_ID = "T0TEST"
TEAM_DOMAIN = "connect-test"
APP_ID = "A0TEST"
BOT_USER_ID = "U0BOT"
VERIFICATION_TOKEN = "legacy-verification-token"


def slash_command(
    *,
    command: str,
    text: str,
    user_id: str,
    user_name: str,
    channel_id: str,
    channel_name: str,
    trigger_id: str,
    response_url: str,
) -> dict[str, Any]:
    """A slash command invocation (the form fields Slack posts, as a dict)."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": TEAM_ID,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def _user_ref(user_id: str, user_name: str) -> dict[str, Any]:
    return {"id": user_id, "username": user_name, "name": user_name, "team_id": TEAM_ID}


def message_shortcut(
    *,
    callback_id: str,
    message: dict[str, Any],
    user_id: str,
    user_name: str,
    channel_id: str,
    channel_name: str,
    trigger_id: str,
    response_url: str,
    action_ts: str,
) -> dict[str, Any]:
    """A message shortcut (``type: message_action``) on ``message`` (an API message dict)."""
    return {
        "type": "message_action",
        "token": VERIFICATION_TOKEN,
        "action_ts": action_ts,
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "user": _user_ref(user_id, user_name),
        "channel": {"id": channel_id, "name": channel_name},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id,
        "response_url": response_url,
        "message_ts": message["ts"],
        "message": message,
    }


def view_submission(
    *,
    view: dict[str, Any],
    values: dict[str, dict[str, dict[str, Any]]],
    user_id: str,
    user_name: str,
    trigger_id: str,
) -> dict[str, Any]:
    """A ``view_submission`` of ``view`` (as ``views.open`` returned it) with state ``values``.

    ``values`` is ``{block_id: {action_id: {"type": ..., "value": ...}}}``, as Slack sends it.
    """
    submitted = dict(view)
    submitted["state"] = {"values": values}
    return {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "user": _user_ref(user_id, user_name),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "view": submitted,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def message_event(channel_id: str, message: dict[str, Any], channel_type: str = "channel") -> dict:
    """The ``message`` event for a new message (an API message dict)."""
    event = dict(message)
    event.setdefault("type", "message")
    event["channel"] = channel_id
    event["event_ts"] = message["ts"]
    event["channel_type"] = channel_type
    return event


def message_changed_event(
    channel_id: str,
    previous: dict[str, Any],
    current: dict[str, Any],
    event_ts: str,
    channel_type: str = "channel",
) -> dict[str, Any]:
    """The ``message_changed`` event Slack sends when a message is edited."""
    return {
        "type": "message",
        "subtype": "message_changed",
        "channel": channel_id,
        "hidden": True,
        "message": current,
        "previous_message": previous,
        "event_ts": event_ts,
        "ts": event_ts,
        "channel_type": channel_type,
    }


def message_deleted_event(
    channel_id: str, previous: dict[str, Any], event_ts: str, channel_type: str = "channel"
) -> dict[str, Any]:
    """The ``message_deleted`` event Slack sends when a message is deleted."""
    return {
        "type": "message",
        "subtype": "message_deleted",
        "channel": channel_id,
        "hidden": True,
        "deleted_ts": previous["ts"],
        "previous_message": previous,
        "event_ts": event_ts,
        "ts": event_ts,
        "channel_type": channel_type,
    }


def event_callback(event: dict[str, Any], *, event_id: str, event_time: int) -> dict[str, Any]:
    """The Events API wrapper (``type: event_callback``) around ``event``."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": TEAM_ID,
        "context_team_id": TEAM_ID,
        "context_enterprise_id": None,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{event_id}",
    }


# --- HTTP mode --------------------------------------------------------------------------


def http_body(envelope_type: str, payload: dict[str, Any]) -> tuple[bytes, str]:
    """``(body, content_type)`` of the HTTP request Slack would send for this payload.

    Slash commands are form fields, interactivity is a form field ``payload`` holding JSON,
    Events API callbacks are JSON.
    """
    if envelope_type == "slash_commands":
        return urlencode(payload).encode(), "application/x-www-form-urlencoded"
    if envelope_type == "interactive":
        return urlencode({"payload": json.dumps(payload)}).encode(), (
            "application/x-www-form-urlencoded"
        )
    if envelope_type == "events_api":
        return json.dumps(payload).encode(), "application/json"
    raise ValueError(f"unknown envelope type {envelope_type!r}")


def signature(body: bytes, signing_secret: str, timestamp: int) -> str:
    """Slack's ``X-Slack-Signature`` value: ``v0=`` + HMAC-SHA256 of ``v0:<ts>:<body>``."""
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(
    body: bytes,
    signing_secret: str,
    *,
    timestamp: int | None = None,
    content_type: str = "application/json",
) -> dict[str, str]:
    """Headers of a signed Slack request (timestamp defaults to now)."""
    ts = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": signature(body, signing_secret, ts),
    }
