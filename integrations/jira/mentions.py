"""Resolve the Jira users an event mentions: a Slack mention when the person is found in
Slack by e-mail, their Jira display name otherwise.

Only users the payload itself describes can be resolved (the actor, the comment author, the
assignee and the reporter); their e-mail, when Jira shows it, is looked up in Slack with
`users.lookupByEmail`. A mention of anyone else renders as `@name` (`@someone` for a bare
Cloud account id). Lookups are cached for a few minutes, misses included; a Slack error only
costs the Slack mention, never the delivery.
"""

from __future__ import annotations

import logging
import threading
import time
from http.client import HTTPException

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from integrations.jira.markup import slack_escape
from integrations.jira.models import JiraWebhook

log = logging.getLogger(__name__)

TTL_SECONDS = 300.0
MAX_ENTRIES = 2000


class SlackUsersByEmail:
    """`users.lookupByEmail` with a small TTL cache (thread-safe)."""

    def __init__(self, client: WebClient, ttl: float = TTL_SECONDS) -> None:
        self._client = client
        self._ttl = ttl
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, str | None]] = {}

    def user_id(self, email: str) -> str | None:
        key = email.strip().lower()
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None and now - hit[0] < self._ttl:
                return hit[1]
        found: str | None = None
        try:
            response = self._client.users_lookupByEmail(email=key)
            user = response.get("user") or {}
            found = str(user["id"]) if isinstance(user, dict) and user.get("id") else None
        except SlackApiError as exc:
            error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
            if error != "users_not_found":
                log.info("jira.mention_lookup_failed error=%s", error or exc.response.status_code)
                return None  # not cached: try again next time
        except (OSError, HTTPException) as exc:
            log.info("jira.mention_lookup_failed error=%s", type(exc).__name__)
            return None
        with self._lock:
            if len(self._cache) >= MAX_ENTRIES:
                self._cache.clear()
            self._cache[key] = (now, found)
        return found


def resolve(event: JiraWebhook, slack_users: SlackUsersByEmail | None) -> dict[str, str]:
    """Jira account id / user name / key → mrkdwn for every user the payload describes."""
    mentions: dict[str, str] = {}
    for user in event.users():
        if not user.refs:
            continue
        rendered = "@" + slack_escape(user.label)
        if user.email and slack_users is not None:
            slack_id = slack_users.user_id(user.email)
            if slack_id:
                rendered = f"<@{slack_id}>"
        for ref in user.refs:
            mentions.setdefault(ref, rendered)
    return mentions
