"""The one error path of the Bolt app.

`@app.error` receives what a listener's ack function (or Bolt's own routing) raised. Lazy
listeners run in Bolt's thread pool, where Bolt only logs `Failed to run an internal
function`; `lazy_guard` sends their exceptions through the same path. So every failure is
one greppable line with the request kind, whichever half failed:

- `slack.invalid_payload` (warning, answered 400): a payload without the fields its
  listener reads (`bot.payloads.InvalidPayload`);
- `slack.unhandled_request` (info, answered 404): no listener for it;
- `slack.listener_error` (error, with the traceback, answered 500): a bug or an outage.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from slack_bolt import App, BoltResponse
from slack_bolt.error import BoltUnhandledRequestError

from bot.payloads import InvalidPayload

log = logging.getLogger("bot")

F = TypeVar("F", bound=Callable[..., None])


def _object(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _printable(value: object) -> str:
    """For a log line: short, and no line breaks a sender could forge lines with."""
    return "".join(c if c.isprintable() and c != " " else "?" for c in str(value)[:60])


def request_kind(body: object) -> str:
    """`command:/ticket`, `view_submission:create_jira_issue_modal`, `event:message`, ...

    Whatever the body holds: this runs on the error path, where the body may be anything."""
    body = _object(body)
    if body.get("command"):
        return f"command:{_printable(body['command'])}"
    kind = _printable(body.get("type") or "unknown")
    if kind == "event_callback":
        return f"event:{_printable(_object(body.get('event')).get('type'))}"
    actions = body.get("actions")
    first = _object(actions[0]) if isinstance(actions, list) and actions else {}
    detail = (
        body.get("callback_id")
        or _object(body.get("view")).get("callback_id")
        or first.get("action_id")
        or body.get("action_id")
    )
    return f"{kind}:{_printable(detail)}" if detail else kind


def report(error: BaseException, body: object, logger: logging.Logger = log) -> None:
    if isinstance(error, InvalidPayload):
        logger.warning(
            "slack.invalid_payload kind=%s payload=%s fields=%s",
            request_kind(body),
            error.what,
            ",".join(error.fields),
        )
        return
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
        body, logger = kwargs.get("body") or {}, kwargs.get("logger") or log
        try:
            func(*args, **kwargs)
        except InvalidPayload:
            # Bolt starts the lazy half even when the ack raised: each listener's ack reads
            # what its lazy half reads, so this payload was refused (and logged) already.
            logger.debug("slack.invalid_payload_lazy kind=%s", request_kind(body))
        except Exception as error:  # the thread's top level: report, never re-raise
            report(error, body, logger)

    return guarded  # type: ignore[return-value]


def _answer(status: int, code: str, message: str) -> BoltResponse:
    return BoltResponse(status=status, body={"error": message, "code": code})


def handle_error(
    error: Exception, body: object, logger: logging.Logger, response: BoltResponse | None
) -> BoltResponse | None:
    """Bolt's `@app.error`: the log line, and the answer when the request is still open
    (`response` is None once a listener has acked)."""
    if isinstance(error, BoltUnhandledRequestError):
        logger.info("slack.unhandled_request kind=%s", request_kind(body))
        answer = _answer(404, "unhandled_request", "no listener handles this request")
    else:
        report(error, body, logger)
        if not isinstance(error, InvalidPayload):
            return None  # Bolt's 500
        answer = _answer(400, "invalid_payload", f"not a complete Slack payload: {error}")
    return answer if response is not None else None


def register(app: App) -> None:
    app.error(handle_error)
