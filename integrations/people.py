"""Who is who: Slack users (name, email) and their Jira accounts, looked up and cached.

- `Directory`: a Slack user's name and email (`users.info`) and their Jira account (found by
  that email), for issues and comments made from Slack;
- `SlackUsersByEmail`: the Slack user of an email address (`users.lookupByEmail`), for the
  Jira users an event mentions.

Lookups are cached for a few minutes, misses included, so a busy thread does not cost a
`users.info` and a Jira user search per message. A Slack failure degrades to the user id
as the name (or no mention); a Jira outage propagates (the caller's Jira call would fail
anyway).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from http.client import HTTPException
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from integrations.jira_api import JiraGateway, JiraRejected, JiraUser
from integrations.slack_to_jira import Mention
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


class Directory:
    def __init__(self, slack: WebClient, jira: JiraGateway, ttl: float = TTL_SECONDS) -> None:
        self._slack = slack
        self._jira = jira
        self._people: TtlCache[str, SlackPerson] = TtlCache(ttl)
        self._accounts: TtlCache[str, JiraUser | None] = TtlCache(ttl)

    def slack_person(self, user_id: str) -> SlackPerson:
        return self._people.get_or_load(user_id, lambda: self._load_person(user_id))

    def _load_person(self, user_id: str) -> SlackPerson:
        try:
            user: dict[str, Any] = self._slack.users_info(user=user_id)["user"] or {}
        except (SlackApiError, SlackClientError) as error:
            log.warning("slack.users_info_failed user=%s error=%s", user_id, _slack_error(error))
            return SlackPerson(user_id, user_id)
        profile = user.get("profile") or {}
        name = (
            profile.get("display_name")
            or profile.get("real_name")
            or user.get("real_name")
            or user.get("name")
            or user_id
        )
        return SlackPerson(user_id, str(name), profile.get("email"), bool(user.get("is_bot")))

    def jira_account(self, slack_user_id: str) -> JiraUser | None:
        """The Jira account of a Slack user, found by their email address."""
        person = self.slack_person(slack_user_id)
        if not person.email or person.is_bot:
            return None
        email = person.email.lower()
        return self._accounts.get_or_load(email, lambda: self._search(email))

    def _search(self, email: str) -> JiraUser | None:
        try:
            return self._jira.find_user_by_email(email)
        except JiraRejected as error:  # e.g. no permission to browse users
            log.warning("jira.user_search_refused error=%s", error)
            return None

    def mentions(self, user_ids: Iterable[str], *, with_jira: bool = True) -> dict[str, Mention]:
        """How to show each mentioned Slack user in Jira."""
        out: dict[str, Mention] = {}
        for user_id in user_ids:
            person = self.slack_person(user_id)
            account = self.jira_account(user_id) if with_jira else None
            out[user_id] = Mention(
                person.name,
                account.id if account is not None else None,
                account.cloud if account is not None else True,
            )
        return out


def _slack_error(error: Exception) -> str:
    if isinstance(error, SlackApiError):
        return str(error.response.get("error", "unknown"))
    return type(error).__name__


class SlackUsersByEmail:
    """`users.lookupByEmail` with a small TTL cache (thread-safe)."""

    def __init__(self, client: WebClient, ttl: float = TTL_SECONDS) -> None:
        self._client = client
        self._cache: TtlCache[str, str | None] = TtlCache(ttl, max_entries=MAX_EMAILS)

    def user_id(self, email: str) -> str | None:
        key = email.strip().lower()
        try:
            return self._cache.get_or_load(key, lambda: self._lookup(key))
        except _LookupFailed:
            return None  # not cached: try again next time

    def _lookup(self, email: str) -> str | None:
        try:
            response = self._client.users_lookupByEmail(email=email)
        except SlackApiError as exc:
            error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
            if error == "users_not_found":
                return None
            log.info("jira.mention_lookup_failed error=%s", error or exc.response.status_code)
            raise _LookupFailed from None
        except (OSError, HTTPException) as exc:
            log.info("jira.mention_lookup_failed error=%s", type(exc).__name__)
            raise _LookupFailed from None
        user = response.get("user") or {}
        return str(user["id"]) if isinstance(user, dict) and user.get("id") else None


class _LookupFailed(Exception):
    """Slack could not answer: the miss is not cached."""
