"""The delivery of stored integration events: a handler per (source, target) service pair.

The worker claims a pending `IntegrationLog` event, looks up the handler registered for its
`source_service` → `target_service`, and calls it. A handler returns normally when done
(`Done`), raises `Retry` for a transient failure (the worker backs off and tries again, up to
its attempt budget, then marks the event failed), or `Fail` for a permanent one (failed at
once; `POST /api/v1/integrations/<id>/retry` can replay it after the cause is fixed).
Handlers must be idempotent: an event may be delivered again after a crash or a retry.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from storage.domain import Integration

log = logging.getLogger(__name__)


class Retry(Exception):
    """A transient failure: try again later (after `retry_after` seconds when the remote
    said so, e.g. Slack's or Jira's `Retry-After`)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Fail(Exception):
    """A permanent failure: retrying without a change will not help."""


@dataclass(frozen=True, slots=True)
class Done:
    """How a delivered event ended: `completed`, or `ignored` with the reason."""

    status: str = "completed"
    detail: str | None = None
    target_id: str | None = None


Handler = Callable[[Integration, Any], Done]
"""`handler(event, services) -> Done`; `services` is the worker's dependency container."""

_HANDLERS: dict[tuple[str, str], Handler] = {}


def handles(source_service: str, target_service: str) -> Callable[[Handler], Handler]:
    """Register the handler of events from `source_service` to `target_service`."""

    def register(handler: Handler) -> Handler:
        _HANDLERS[(source_service, target_service)] = handler
        return handler

    return register


def handler_for(source_service: str, target_service: str) -> Handler | None:
    return _HANDLERS.get((source_service, target_service))


def routes() -> list[tuple[str, str]]:
    """The `(source, target)` pairs that have a handler: what a worker may claim."""
    return sorted(_HANDLERS)


Triage = Callable[[str, Mapping[str, Any]], "str | None"]
"""`triage(event_type, payload) -> reason | None`, run at intake: a reason when the event is
known but deliberately not delivered (stored as `ignored` with the reason, answered 2xx so the
sender neither retries nor disables the hook), None when it goes to the delivery queue. Pure
and fast: it runs inside the webhook request."""

_TRIAGES: dict[str, Triage] = {}


def triages(source_service: str) -> Callable[[Triage], Triage]:
    """Register the intake triage of one source (at most one per source)."""

    def register(triage: Triage) -> Triage:
        _TRIAGES[source_service] = triage
        return triage

    return register


def triage_for(source_service: str) -> Triage | None:
    return _TRIAGES.get(source_service)


HANDLER_PACKAGES = ("integrations.jira", "integrations.github", "integrations.tickets")
"""Packages that register handlers and triages when imported. A package that is not there
(yet) is skipped: its events are then stored as ignored at intake."""


def load_handlers() -> list[str]:
    """Import the handler packages; returns the names of those that were found."""
    loaded = []
    for name in HANDLER_PACKAGES:
        if importlib.util.find_spec(name) is None:
            continue
        importlib.import_module(name)
        loaded.append(name)
    return loaded
