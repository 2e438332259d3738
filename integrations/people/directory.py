"""`Directory`: Slack users, their Jira accounts and GitHub logins, stored and cached.

Matching, in order, the first that answers:
1. a stored link (`manual` from `/ticket link` or the API, or an earlier automatic match):
   no network call;
2. the Slack user's email (`users.info`, scope `users:read.email`) searched in Jira: `email`;
3. the Slack user's full name (then display name), when exactly one active Jira user has
   exactly that display name: `name`, the weaker match (Cloud often hides emails).
What is found is stored; misses are cached for the TTL only, so a person who joins Jira
later is found then.

GitHub logins are linked by hand only (GitHub shows no email to match on); the Slack users
of the logins an event shows are read in one indexed query per event
(`slack_ids_of_github`), uncached.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from slack_sdk import WebClient

from integrations.jira_api import JiraGateway, JiraRejected, JiraUser
from integrations.people.slack import (
    TTL_SECONDS,
    SlackPerson,
    SlackUsersByEmail,
    Unanswered,
    load_slack_person,
)
from integrations.slack_to_jira import Mention
from integrations.ttl_cache import TtlCache
from storage.domain import JiraLink, Match, Person
from storage.people import PeopleRepository

log = logging.getLogger(__name__)


class Directory:
    def __init__(
        self,
        slack: WebClient,
        jira: JiraGateway,
        people: PeopleRepository,
        slack_users: SlackUsersByEmail | None = None,
        ttl: float = TTL_SECONDS,
    ) -> None:
        self._slack = slack
        self._jira = jira
        self._store = people
        self._slack_users = slack_users
        self._people: TtlCache[str, SlackPerson] = TtlCache(ttl)
        self._accounts: TtlCache[str, JiraUser | None] = TtlCache(ttl)
        self._by_jira: TtlCache[str, str] = TtlCache(ttl)

    def slack_person(self, user_id: str) -> SlackPerson:
        return self._people.get_or_load(user_id, lambda: self._load_person(user_id))

    def _load_person(self, user_id: str) -> SlackPerson:
        person = load_slack_person(self._slack, user_id)
        if person is None:
            stored = self._store.get(user_id)
            name = stored.slack_name if stored is not None and stored.slack_name else user_id
            return SlackPerson(user_id, name)
        if not person.is_bot:
            stored = self._store.get(user_id)
            email = person.email.lower() if person.email else None
            if stored is None or (stored.slack_name, stored.email) != (person.name, email):
                self._store.remember_slack(user_id, person.name, person.email)
        return person

    def stored(self, slack_user_id: str) -> Person | None:
        """What the people table holds for this Slack user."""
        return self._store.get(slack_user_id)

    def forget(self, slack_user_id: str) -> None:
        """Drop the cached facts of a person whose links changed."""
        self._people.forget(slack_user_id)
        self._accounts.forget(slack_user_id)
        self._by_jira.clear()

    def jira_account(self, slack_user_id: str) -> JiraUser | None:
        """The Jira account of a Slack user: stored, or matched now (and stored)."""
        return self._accounts.get_or_load(slack_user_id, lambda: self._account(slack_user_id))

    def _account(self, slack_user_id: str) -> JiraUser | None:
        stored = self._store.get(slack_user_id)
        if stored is not None and (stored.jira_account_id or stored.jira_match is Match.MANUAL):
            return self._stored_account(stored)
        person = self.slack_person(slack_user_id)
        if person.is_bot:
            return None
        link = self._match(person)
        if link is None:
            return None
        self._store.match_jira(slack_user_id, link)
        return self._stored_account(self._store.get(slack_user_id))

    def _stored_account(self, person: Person | None) -> JiraUser | None:
        if person is None or not person.jira_account_id:
            return None
        return JiraUser(
            id=person.jira_account_id,
            display_name=person.jira_display_name or person.jira_account_id,
            email=None,
            cloud=self._jira.is_cloud,
            key=person.jira_key,
        )

    def _match(self, person: SlackPerson) -> JiraLink | None:
        try:
            found = self._jira.find_user_by_email(person.email) if person.email else None
            if found is not None:
                return JiraLink(found.id, found.display_name, Match.EMAIL, found.key)
            for name in dict.fromkeys(n for n in (person.real_name, person.name) if n):
                named = self._jira.find_users_by_name(name)
                if len(named) == 1:
                    return JiraLink(named[0].id, named[0].display_name, Match.NAME, named[0].key)
        except JiraRejected as error:  # e.g. no permission to browse users
            log.warning("jira.user_search_refused error=%s", error)
        return None

    def slack_user_of(
        self,
        account_id: str,
        *,
        key: str | None = None,
        display_name: str | None = None,
        email: str | None = None,
    ) -> str | None:
        """The Slack user of a Jira account: stored, or found by the email Jira showed
        (`users.lookupByEmail`) and stored as an `email` match; None when unknown. Answers,
        misses included, are cached for the TTL (a link made in this process clears them)."""
        hit = self._by_jira.peek(account_id)
        if hit is not None:
            return hit or None
        try:
            found = self._slack_of(account_id, key, display_name, email)
        except Unanswered:
            return None  # Slack could not say: ask again next time
        self._by_jira.get_or_load(account_id, lambda: found or "")  # "": nobody, for the TTL
        return found

    def _slack_of(
        self, account_id: str, key: str | None, display_name: str | None, email: str | None
    ) -> str | None:
        for ref in (account_id, key):
            stored = self._store.by_jira_account(ref) if ref else None
            if stored is not None:
                return stored.slack_user_id
        if not email or self._slack_users is None:
            return None
        slack_id = self._slack_users.find(email)
        if slack_id is None:
            return None
        link = JiraLink(account_id, display_name, Match.EMAIL, key)
        person = self._store.match_jira(slack_id, link)
        if person.jira_account_id != account_id:  # they linked (or unlinked) by hand: not them
            return None
        self._accounts.forget(slack_id)
        return slack_id

    def slack_ids_of_github(self, logins: Iterable[str]) -> dict[str, str]:
        """Lower-cased login → Slack user id for the linked ones among `logins`, in one
        indexed query (no network call; under a millisecond among 100,000 people).

        Not cached: GitHub cannot tell who a login is, so only a link made by hand says it,
        and a separate worker process must see a link the web process just made at once
        (a cache there could not be told to forget it)."""
        return self._store.slack_ids_by_github(logins)

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
