"""What Slack says of its users: `users.info` (name, email) and `users.lookupByEmail`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from http.client import HTTPException
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from integrations.ttl_cache import TtlCache

log = logging.getLogger(__name__)

TTL_SECONDS = 300.0
MAX_EMAILS = 2000


@dataclass(frozen=True, slots=True)
class SlackPerson:
    id: str
    name: str
    email: str | None = None
    is_bot: bool = False
    real_name: str | None = None  # the full name, as Jira usually shows people


def load_slack_person(client: WebClient, user_id: str) -> SlackPerson | None:
    """`users.info`, or None when Slack cannot answer (logged)."""
    try:
        user: dict[str, Any] = client.users_info(user=user_id)["user"] or {}
    except (SlackApiError, SlackClientError) as error:
        log.warning("slack.users_info_failed user=%s error=%s", user_id, slack_error(error))
        return None
    profile = user.get("profile") or {}
    real_name = profile.get("real_name") or user.get("real_name")
    name = profile.get("display_name") or real_name or user.get("name") or user_id
    return SlackPerson(
        user_id,
        str(name),
        profile.get("email"),
        bool(user.get("is_bot")),
        str(real_name) if real_name else None,
    )


def slack_error(error: Exception) -> str:
    if isinstance(error, SlackApiError):
        return str(error.response.get("error", "unknown"))
    return type(error).__name__


class SlackUsersByEmail:
    """`users.lookupByEmail` with a small TTL cache (thread-safe)."""

    def __init__(self, client: WebClient, ttl: float = TTL_SECONDS) -> None:
        self._client = client
        self._cache: TtlCache[str, str | None] = TtlCache(ttl, max_entries=MAX_EMAILS)

    def user_id(self, email: str) -> str | None:
        try:
            return self.find(email)
        except Unanswered:
            return None  # not cached: try again next time

    def find(self, email: str) -> str | None:
        """The user id, or None when Slack has nobody with this email; `Unanswered` when
        Slack could not say (nothing cached)."""
        key = email.strip().lower()
        return self._cache.get_or_load(key, lambda: self._lookup(key))

    def _lookup(self, email: str) -> str | None:
        try:
            response = self._client.users_lookupByEmail(email=email)
        except SlackApiError as exc:
            error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
            if error == "users_not_found":
                return None
            log.info("jira.mention_lookup_failed error=%s", error or exc.response.status_code)
            raise Unanswered from None
        except (OSError, HTTPException) as exc:
            log.info("jira.mention_lookup_failed error=%s", type(exc).__name__)
            raise Unanswered from None
        user = response.get("user") or {}
        return str(user["id"]) if isinstance(user, dict) and user.get("id") else None


class Unanswered(Exception):
    """Slack could not answer: the miss is not cached."""
