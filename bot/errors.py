"""The one error path of the Bolt app.

`@app.error` receives what a listener's ack function raised. Lazy listeners run in Bolt's
thread pool, where Bolt only logs `Failed to run an internal function`; `lazy_guard` sends
their exceptions through the same `report`, so every listener failure is one greppable
`slack.listener_error` line with the request kind and the exception, whichever half failed.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from slack_bolt import App

log = logging.getLogger("bot")

F = TypeVar("F", bound=Callable[..., None])


def request_kind(body: Mapping[str, Any]) -> str:
    """`command:/ticket`, `view_submission:create_jira_issue_modal`, `event:message`, ..."""
    if body.get("command"):
        return f"command:{body['command']}"
    kind = str(body.get("type") or "unknown")
    if kind == "event_callback":
        return f"event:{(body.get('event') or {}).get('type')}"
    detail = (
        body.get("callback_id")
        or (body.get("view") or {}).get("callback_id")
        or (body.get("actions") or [{}])[0].get("action_id")
        or body.get("action_id")
    )
    return f"{kind}:{detail}" if detail else kind


def report(error: BaseException, body: Mapping[str, Any], logger: logging.Logger = log) -> None:
    logger.error(
        "slack.listener_error kind=%s error=%s: %s",
        request_kind(body),
        type(error).__name__,
        error,
        exc_info=error,
    )


def lazy_guard(func: F) -> F:
    """Route a lazy listener's exceptions to `report` (Bolt's pool would swallow them).

    This is the top of a worker thread: nothing above it could recover, so it catches
    everything, reports it, and lets the thread go back to the pool.
    """

    @functools.wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> None:
        try:
            func(*args, **kwargs)
        except Exception as error:  # the thread's top level: report, never re-raise
            report(error, kwargs.get("body") or {}, kwargs.get("logger") or log)

    return guarded  # type: ignore[return-value]


def register(app: App) -> None:
    @app.error
    def handle_error(error: Exception, body: dict, logger: logging.Logger) -> None:
        report(error, body, logger)
