"""The delivery handlers of slack → jira and slack → github events: replays of issue
creations and of thread replies mirrored as comments.

The Slack listeners make the first attempt themselves; these handlers run when the worker
picks an event up again: after `POST /api/v1/integrations/<id>/retry`, after a transient
failure left it pending, or after the listener's process died mid-attempt (lease expired).
They are idempotent: an issue already created (its key is on the row) is only announced, a
comment already mirrored (its mapping exists) is not added again.
"""

from __future__ import annotations

from pydantic import ValidationError

from integrations.delivery import DeliveryContext, Done, Fail, Retry
from integrations.jira_api import JiraNotConfigured, JiraRejected, JiraUnavailable
from integrations.slack.errors import SlackUnavailable
from integrations.tickets.comment_targets import CommentRejected, CommentUnavailable
from integrations.tickets.models import (
    ADD_COMMENT,
    CREATE_ISSUE,
    DELETE_COMMENT,
    EDIT_COMMENT,
    CommentRequest,
    TicketRequest,
)
from storage.domain import Integration


def deliver(event: Integration, context: DeliveryContext) -> Done:
    container = context.container
    try:
        if event.event_type == CREATE_ISSUE:
            request = TicketRequest.model_validate(event.payload["request"])
            announced = container.tickets.deliver(request, event)
            return Done(target_id=announced.created.key)
        if event.event_type in COMMENT_TYPES:
            return deliver_comment(event, context)
    except (KeyError, TypeError, ValidationError) as error:
        raise Fail(f"payload is not a {event.event_type} request: {error}") from None
    except JiraNotConfigured as error:
        raise Fail(str(error)) from None
    except JiraUnavailable as error:
        raise Retry(str(error), error.retry_after) from None
    except JiraRejected as error:
        raise Fail(str(error)) from None
    except SlackUnavailable as error:
        raise Retry(str(error), error.retry_after) from None
    raise Fail(f"no slack → jira delivery for event type {event.event_type!r}")


COMMENT_TYPES = (ADD_COMMENT, EDIT_COMMENT, DELETE_COMMENT)


def deliver_comment(event: Integration, context: DeliveryContext) -> Done:
    """A thread reply mirrored as a comment: the whole `slack → github` route, and the
    comment events of `slack → jira`."""
    if event.event_type not in COMMENT_TYPES:
        raise Fail(f"no slack → {event.target_service} delivery for {event.event_type!r}")
    try:
        comment = CommentRequest.model_validate(event.payload["comment"])
        result = context.container.comments.deliver(comment, look_back=context.is_retry)
    except (KeyError, TypeError, ValidationError) as error:
        raise Fail(f"payload is not a {event.event_type} request: {error}") from None
    except CommentUnavailable as error:
        raise Retry(str(error), error.retry_after) from None
    except CommentRejected as error:
        raise Fail(str(error)) from None
    except SlackUnavailable as error:
        raise Retry(str(error), error.retry_after) from None
    return Done(status=result.status, detail=result.detail, target_id=result.comment)
