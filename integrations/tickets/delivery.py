"""The delivery handler of slack → jira events: replays of issue creations and comments.

The Slack listeners make the first attempt themselves; this handler runs when the worker
picks an event up again: after `POST /api/v1/integrations/<id>/retry`, after a transient
failure left it pending, or after the listener's process died mid-attempt (lease expired).
It is idempotent: an issue already created (its key is on the row) is only announced, a
comment already mirrored (its mapping exists) is not added again.

`services` is the worker's dependency container; this handler uses `services.settings` and
`services.repos` (and `services.tickets`, a `TicketDeps`, when the container has one).
"""

from __future__ import annotations

import threading
from typing import Any

from pydantic import ValidationError

from integrations.delivery import Done, Fail, Retry, handles
from integrations.jira_api import JiraNotConfigured, JiraRejected, JiraUnavailable
from integrations.tickets import TicketDeps
from integrations.tickets.models import (
    ADD_COMMENT,
    CREATE_ISSUE,
    DELETE_COMMENT,
    EDIT_COMMENT,
    CommentRequest,
    TicketRequest,
)
from integrations.tickets.slack_io import SlackUnavailable
from storage.domain import Integration

_lock = threading.Lock()
_built: list[tuple[Any, Any, TicketDeps]] = []
MAX_BUILT = 8


def deps_for(services: Any) -> TicketDeps:
    """The ticket services for this worker's settings and repositories (built once)."""
    given = getattr(services, "tickets", None)
    if isinstance(given, TicketDeps):
        return given
    settings, repos = services.settings, services.repos
    with _lock:
        for known_settings, known_repos, deps in _built:
            if known_settings is settings and known_repos is repos:
                return deps
        deps = TicketDeps.build(settings, repos, slack=getattr(services, "slack", None))
        _built.append((settings, repos, deps))
        del _built[:-MAX_BUILT]
        return deps


@handles("slack", "jira")
def deliver_slack_to_jira(event: Integration, services: Any) -> Done:
    deps = deps_for(services)
    try:
        if event.event_type == CREATE_ISSUE:
            request = TicketRequest.model_validate(event.payload["request"])
            announced = deps.tickets.deliver(request, event)
            return Done(target_id=announced.created.key)
        if event.event_type in (ADD_COMMENT, EDIT_COMMENT, DELETE_COMMENT):
            comment = CommentRequest.model_validate(event.payload["comment"])
            # No attempt number (a bare container): assume an earlier attempt may have run.
            look_back = bool(getattr(services, "is_retry", True))
            result = deps.comments.deliver(comment, look_back=look_back)
            return Done(status=result.status, detail=result.detail, target_id=result.comment)
    except (KeyError, TypeError, ValidationError) as error:
        raise Fail(f"payload is not a {event.event_type} request: {error}") from None
    except JiraNotConfigured as error:
        raise Fail(str(error)) from None
    except JiraUnavailable as error:
        raise Retry(str(error), error.retry_after) from None
    except JiraRejected as error:
        raise Fail(str(error)) from None
    except SlackUnavailable as error:
        raise Retry(str(error)) from None
    raise Fail(f"no slack → jira delivery for event type {event.event_type!r}")
