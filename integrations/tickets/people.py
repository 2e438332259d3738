"""Who is who: Slack users (name, email) and their Jira accounts, looked up and cached.

Lookups are cached for a few minutes, misses included, so a busy thread does not cost a
`users.info` and a Jira user search per message. A Slack failure degrades to the user id
as the name; a Jira outage propagates (the caller's Jira call would fail anyway).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from integrations.jira_api import JiraGateway, JiraRejected, JiraUser
from integrations.slack_to_jira import Mention

log = logging.getLogger(__name__)

K = TypeVar("K")
V = TypeVar("V")

TTL_SECONDS = 300.0
MAX_ENTRIES = 5000


class TtlCache(Generic[K, V]):
    """A small thread-safe cache whose entries expire after `ttl` seconds."""

    def __init__(self, ttl: float = TTL_SECONDS, clock: Callable[[], float] = time.monotonic):
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[K, tuple[float, V]] = {}

    def peek(self, key: K) -> V | None:
        """The cached value, without loading it."""
        with self._lock:
            hit = self._entries.get(key)
            return hit[1] if hit is not None and hit[0] > self._clock() else None

    def get_or_load(self, key: K, load: Callable[[], V]) -> V:
        now = self._clock()
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and hit[0] > now:
                return hit[1]
        value = load()
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = (now + self._ttl, value)
        return value


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
