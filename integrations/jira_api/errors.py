"""What can go wrong talking to Jira, in terms callers act on.

The `jira` library raises `JIRAError`, whose `str()` includes the request headers (the
`Authorization` header among them) and raw bodies; it must never reach a log line, a Slack
message or the audit log. `translate` turns it, and `requests`' network errors, into these
exceptions with safe messages.
"""

from __future__ import annotations

import json
from typing import Any

import requests
from jira.exceptions import JIRAError


class JiraError(Exception):
    """Base class; `str()` is safe to show to users and store."""


class JiraNotConfigured(JiraError):
    """JIRA_BASE_URL / JIRA_API_TOKEN are not set."""


class JiraUnavailable(JiraError):
    """Transient: Jira did not answer, answered 5xx, or rate-limited us. Worth retrying."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class JiraRejected(JiraError):
    """Jira refused the request (4xx): retrying the same request will not help."""

    def __init__(
        self,
        message: str,
        status: int,
        messages: tuple[str, ...] = (),
        field_errors: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.messages = messages
        self.field_errors = dict(field_errors or {})


class JiraNotFound(JiraRejected):
    """404: the issue, comment or project does not exist (or is not visible to us)."""


def _error_body(response: Any) -> tuple[tuple[str, ...], dict[str, str]]:
    try:
        body = json.loads(response.text or "{}")
    except (ValueError, AttributeError):
        return (), {}
    if not isinstance(body, dict):
        return (), {}
    messages = tuple(str(m) for m in body.get("errorMessages") or () if m)
    errors = body.get("errors") or {}
    field_errors = {str(k): str(v) for k, v in errors.items()} if isinstance(errors, dict) else {}
    return messages, field_errors


def _retry_after(response: Any) -> float | None:
    value = getattr(response, "headers", {}).get("Retry-After") if response is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def describe(messages: tuple[str, ...], field_errors: dict[str, str]) -> str:
    """Jira's own words: `errorMessages` then `field: message` pairs."""
    parts = list(messages) + [f"{name}: {text}" for name, text in sorted(field_errors.items())]
    return "; ".join(parts)


def translate(error: Exception, *, timeout: float | None = None) -> JiraError:
    """A safe `JiraError` for an exception raised by the `jira` library or `requests`."""
    if isinstance(error, JiraError):
        return error
    if isinstance(error, requests.Timeout):
        waited = f" within {timeout:g} s" if timeout else ""
        return JiraUnavailable(f"Jira did not answer{waited}")
    if isinstance(error, requests.ConnectionError):
        return JiraUnavailable("could not connect to Jira")
    if isinstance(error, JIRAError):
        status = error.status_code
        response = error.response
        if status is None:
            return JiraUnavailable("could not reach Jira")
        messages, field_errors = _error_body(response)
        detail = describe(messages, field_errors)
        if status == 429 or status >= 500:
            text = "Jira is rate-limiting requests" if status == 429 else f"Jira failed ({status})"
            return JiraUnavailable(
                text + (f": {detail}" if detail else ""), retry_after=_retry_after(response)
            )
        if status in (401, 403):
            text = "Jira refused our credentials" if status == 401 else "Jira denied access"
            return JiraRejected(
                f"{text} ({status})" + (f": {detail}" if detail else ""),
                status,
                messages,
                field_errors,
            )
        cls = JiraNotFound if status == 404 else JiraRejected
        return cls(
            f"Jira rejected the request ({status})" + (f": {detail}" if detail else ""),
            status,
            messages,
            field_errors,
        )
    if isinstance(error, requests.RequestException):
        return JiraUnavailable(f"request to Jira failed ({type(error).__name__})")
    raise error
