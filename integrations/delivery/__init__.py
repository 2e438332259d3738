"""The delivery of stored integration events: what a handler is given and how it ends.

The worker claims a pending `IntegrationLog` event, looks up the handler of its
`source_service` → `target_service` in `integrations.routes`, and calls it with a
`DeliveryContext`. A handler returns normally when done (`Done`), raises `Retry` for a
transient failure (the worker backs off and tries again, up to its attempt budget, then
marks the event failed), or `Fail` for a permanent one (failed at once;
`POST /api/v1/integrations/<id>/retry` can replay it after the cause is fixed). Handlers must
be idempotent: an event may be delivered again after a crash or a retry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from storage.domain import Integration

if TYPE_CHECKING:
    from integrations.container import Container
    from integrations.slack.poster import SlackPoster


class Retry(Exception):
    """A transient failure: try again later (after `retry_after` seconds when the remote
    said so, e.g. Slack's or Jira's `Retry-After`). The worker adds jitter to `retry_after`
    so that many events told the same do not all come back at once; `jitter=False` when the
    moment was chosen for this event (the Slack channel pacer spreads its events itself)."""

    def __init__(
        self, message: str, retry_after: float | None = None, *, jitter: bool = True
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.jitter = jitter


class Fail(Exception):
    """A permanent failure: retrying without a change will not help."""


@dataclass(frozen=True, slots=True)
class Done:
    """How a delivered event ended: `completed`, or `ignored` with the reason."""

    status: str = "completed"
    detail: str | None = None
    target_id: str | None = None


@dataclass(frozen=True, slots=True)
class DeliveryContext:
    """What a handler is given: the container, and the Slack poster bound to the event.

    `is_retry`: an earlier attempt of this event may have made its side effects already (a
    retry after a timeout, a crash, a replay), so look before doing them again.
    """

    container: Container
    poster: SlackPoster
    attempt: int
    is_retry: bool


Handler = Callable[[Integration, DeliveryContext], Done]
"""`handler(event, context) -> Done`, one per `(source, target)` in `integrations.routes`."""
