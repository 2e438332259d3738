"""Jira webhooks at intake: the event's name, issue and table key, and whether it is
delivered at all (`dispatch.classify`), read once in the request."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from integrations.intake import EVENT_NAME_MAX, Classified, NotAWebhook
from integrations.jira import dispatch
from integrations.jira.models import JiraWebhook, unreadable
from integrations.messages import Ignored


def classify(_event_name: str, payload: Mapping[str, Any]) -> Classified:
    """Jira names the event in the body (`webhookEvent`); the thread is the issue's."""
    name = payload.get("webhookEvent")
    if not isinstance(name, str) or not name.strip():
        raise NotAWebhook("body has no webhookEvent: not a Jira webhook")
    issue = payload.get("issue")
    key = issue.get("key") if isinstance(issue, Mapping) else None
    source_id = key if isinstance(key, str) and key else None
    thread_key = f"jira:{source_id}" if source_id else None
    event_type = name[:EVENT_NAME_MAX]
    try:
        webhook = JiraWebhook.model_validate(payload)
    except ValidationError as exc:  # lacks what a post needs (an issue key): a retry cannot help
        return Classified(event_type, None, source_id, thread_key, ignore=unreadable(name, exc))
    decision = dispatch.classify(webhook)
    if isinstance(decision, Ignored):
        event_key = dispatch.event_key(webhook)[:EVENT_NAME_MAX]
        return Classified(event_type, event_key, source_id, thread_key, ignore=decision.reason)
    return Classified(event_type, decision.key, source_id, thread_key)
