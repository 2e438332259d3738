"""GitHub webhooks at intake: the event's name, pull request or issue, table key, and
whether it is posted at all, read once in the request."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from integrations.github import derive
from integrations.github.dispatch import InvalidPayload, parse, skip_reason
from integrations.intake import EVENT_NAME_MAX, Classified, NotAWebhook
from integrations.messages import Ignored

PING = "ping: GitHub checks that the hook is reachable"


def classify(event_name: str, payload: Mapping[str, Any]) -> Classified:
    """`X-GitHub-Event` names the event; the thread is the pull request's or issue's.

    A payload that lacks what its post needs (`InvalidPayload`) is stored `ignored` with the
    reason: a retry would not find it either.
    """
    name = event_name.strip()
    if not name:
        raise NotAWebhook("X-GitHub-Event header is missing")
    repo, number = _thread(payload)
    source_id = f"{repo}#{number}" if repo and number is not None else repo
    thread_key = f"github:{source_id}" if source_id else None
    event_type = name[:EVENT_NAME_MAX]
    if name == "ping":
        return Classified(event_type, None, source_id, thread_key, ignore=PING)
    try:
        parsed = parse(name, payload)
    except InvalidPayload as exc:
        return Classified(event_type, None, source_id, thread_key, ignore=str(exc))
    if isinstance(parsed, Ignored):
        return Classified(event_type, None, source_id, thread_key, ignore=parsed.reason)
    ignore = skip_reason(parsed)  # e.g. a push of a tag, a review without a summary
    return Classified(event_type, parsed.key[:EVENT_NAME_MAX], source_id, thread_key, ignore)


def _thread(payload: Mapping[str, Any]) -> tuple[str | None, int | None]:
    repository = payload.get("repository")
    repo = (
        derive.repository(repository).get("full_name") if isinstance(repository, Mapping) else None
    )
    number = None
    for holder in (payload.get("pull_request"), payload.get("issue")):
        if isinstance(holder, Mapping) and isinstance(holder.get("number"), int):
            number = holder["number"]
            break
    else:
        if isinstance(payload.get("number"), int):
            number = payload["number"]
    return (repo if isinstance(repo, str) and repo else None), number
