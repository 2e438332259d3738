"""One classification of Slack Web API failures, for every caller.

- `SlackUnavailable`: Slack did not answer, answered 5xx, or rate limited the call
  (`retry_after` from its `Retry-After`): worth trying again later;
- `SlackTargetUnavailable`: this one channel, thread or message cannot be written to (the
  channel is archived, the bot was removed, the parent was deleted): others still can;
- `SlackRefused`: anything else (credentials, scopes, a malformed message): retrying without
  a change will not help.

Only the method and Slack's error code are kept: Slack's error objects carry the request,
the token header included, so nothing else of them goes into a message or a log line.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackApiError

TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "rate_limited", "fatal_error", "internal_error", "service_unavailable",
     "request_timeout"}
)  # fmt: skip
TARGET_ERRORS = frozenset(
    {"channel_not_found", "not_in_channel", "is_archived", "invalid_thread_ts",
     "thread_not_found", "message_not_found", "cant_update_message", "restricted_action",
     "restricted_action_read_only_channel", "restricted_action_thread_only_channel",
     "restricted_action_non_threadable_channel", "team_access_not_granted",
     "ekm_access_denied", "cannot_reply_to_message", "edit_window_closed", "cannot_dm_bot"}
)  # fmt: skip


class SlackFailure(Exception):
    """A Slack call failed; `code` is Slack's error code (or `http_<status>`, `connection`)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class SlackUnavailable(SlackFailure):
    """Transient: try again later (after `retry_after` seconds when Slack said so)."""

    def __init__(self, message: str, code: str, retry_after: float | None = None) -> None:
        super().__init__(message, code)
        self.retry_after = retry_after


class SlackRefused(SlackFailure):
    """Permanent for this request."""


class SlackTargetUnavailable(SlackRefused):
    """This channel, thread or message cannot be written to; other targets still can."""


def classify(method: str, error: Exception) -> SlackFailure:
    """The failure of `method` (`chat_postMessage`, ...) as one of the three kinds."""
    if not isinstance(error, SlackApiError):  # timeouts, refused or reset connections
        return SlackUnavailable(f"Slack {method}: {type(error).__name__}: {error}", "connection")
    response = error.response
    status = response.status_code
    code = str(response.get("error") or "") if isinstance(response.data, dict) else ""
    if status == 429 or code in ("ratelimited", "rate_limited"):
        retry_after = _retry_after(response.headers)
        return SlackUnavailable(
            f"Slack {method}: rate limited (Retry-After {retry_after}s)",
            code or "ratelimited",
            retry_after,
        )
    if status >= 500 or code in TRANSIENT_ERRORS:
        return SlackUnavailable(f"Slack {method}: HTTP {status} {code}".rstrip(), code or "http")
    if code in TARGET_ERRORS:
        return SlackTargetUnavailable(f"{method}: {code}", code)
    return SlackRefused(f"Slack {method}: {code or f'HTTP {status}'}", code or f"http_{status}")


def _retry_after(headers: Any) -> float:
    for name in ("Retry-After", "retry-after"):
        value = headers.get(name) if headers else None
        if isinstance(value, list):
            value = value[0] if value else None
        if value is not None:
            try:
                return max(0.0, float(value))
            except ValueError:
                break
    return 1.0
