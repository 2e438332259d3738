"""What the webhook intake learns about an event before it stores it: one classification,
made once, in the request, and stored with the event for the worker.

Each source has a pure `classify(event_name, payload) -> Classified` (`integrations.routes`
names them): cheap enough for the request path, and the only place that decides whether an
event is delivered at all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

EVENT_NAME_MAX = 128


class NotAWebhook(ValueError):
    """The body is JSON but not a webhook of this sender; the message says why."""


@dataclass(frozen=True, slots=True)
class Classified:
    """One webhook, classified.

    `event_type`: the sender's event name (Jira's `webhookEvent`, GitHub's `X-GitHub-Event`);
    `event_key`: the key of the source's event table (`jira:issue_updated:issue_commented`,
    `pull_request.merged`) when the payload could be read; `source_id`: the object
    (`PROJ-1`, `owner/repo#42`); `thread_key`: the Slack thread the event belongs to, which
    is also the queue's ordering key (`jira:PROJ-1`, `github:owner/repo#42`); `ignore`: why
    it is never delivered, or None when it goes to the queue.
    """

    event_type: str
    event_key: str | None = None
    source_id: str | None = None
    thread_key: str | None = None
    ignore: str | None = None


Classify = Callable[[str, Mapping[str, Any]], Classified]
"""`classify(event_name, payload)`; raises `NotAWebhook`. `event_name` is the sender's
event header (GitHub's `X-GitHub-Event`), empty when the sender names it in the body."""
