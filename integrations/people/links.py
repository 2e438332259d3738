"""`PeopleLinks`: linking by hand — `/ticket link|unlink|whoami` and the people API.

A link made here is `manual`: automatic matching never replaces it. Unlinking is an override
too (no account, `manual`), so the app does not match the person again by email; an admin's
`DELETE /api/v1/people/<id>` forgets the person and lets automatic matching start over.
"""

from __future__ import annotations

import re
from contextlib import suppress
from dataclasses import dataclass
from typing import Literal

from integrations.jira_api import JiraError, JiraGateway, JiraNotConfigured, JiraUser
from integrations.people.directory import Directory
from integrations.people.notify import summary
from storage.domain import Conflict, JiraLink, Match, Notifications, Page, Person
from storage.people import PeopleRepository, PersonFilter

GITHUB_LOGIN = re.compile(r"@?[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}")
Side = Literal["jira", "github"]

_HOW = {
    Match.EMAIL: "matched by email",
    Match.NAME: "matched by display name only (weaker: `/ticket link jira <your email>` "
    "makes it certain)",
    Match.MANUAL: "linked by hand",
}


class Refused(Exception):
    """A link the app will not make; the message says why, for the person who asked."""


@dataclass(frozen=True, slots=True)
class Unset:
    """A field a PUT did not mention: left as it is."""


UNSET = Unset()


class PeopleLinks:
    def __init__(self, directory: Directory, people: PeopleRepository, jira: JiraGateway) -> None:
        self._directory = directory
        self._people = people
        self._jira = jira

    # --- self-service ---------------------------------------------------------------------

    def link_jira(self, slack_user_id: str, text: str) -> Person:
        """Link the caller to the Jira user with this email, account id or user name."""
        wanted = text.strip().strip("<>").removeprefix("mailto:").split("|")[0]
        if not wanted:
            raise Refused("Say which Jira account: `/ticket link jira <email or account id>`.")
        found = self._find_jira_user(wanted)
        if found is None:
            raise Refused(f"Jira has no user `{wanted}` that I can see.")
        return self._set_jira(slack_user_id, found.id, found.display_name, found.key)

    def _find_jira_user(self, wanted: str) -> JiraUser | None:
        try:
            if "@" in wanted:
                return self._jira.find_user_by_email(wanted)
            return self._jira.user(wanted)
        except JiraNotConfigured:
            raise Refused("Jira is not configured here.") from None
        except JiraError as error:
            raise Refused(f"Jira could not answer ({error}); try again later.") from None

    def link_github(self, slack_user_id: str, login: str) -> Person:
        login = login.strip()
        if GITHUB_LOGIN.fullmatch(login) is None:
            raise Refused(f"`{login}` is not a GitHub login.")
        try:
            person = self._people.link_github(slack_user_id, login)
        except Conflict:
            raise Refused(
                f"GitHub login `{login.removeprefix('@')}` is already linked to someone else: "
                "ask them to `/ticket unlink github`, or an admin."
            ) from None
        self._directory.forget(slack_user_id)
        return person

    def unlink(self, slack_user_id: str, side: Side) -> Person:
        if side == "jira":
            return self._set_jira(slack_user_id, None)
        person = self._people.link_github(slack_user_id, None)
        self._directory.forget(slack_user_id)
        return person

    def whoami(self, slack_user_id: str) -> str:
        """What the app knows of the caller, as mrkdwn (matching them now if it can)."""
        slack = self._directory.slack_person(slack_user_id)
        with suppress(JiraError):  # not configured or not answering: show what is stored
            self._directory.jira_account(slack_user_id)
        person = self._people.get(slack_user_id)
        email = f" ({slack.email})" if slack.email else ""
        lines = [f"*Slack:* <@{slack_user_id}>{email}"]
        if person is not None and person.jira_account_id:
            shown = person.jira_display_name or person.jira_account_id
            how = _HOW[person.jira_match or Match.EMAIL]
            lines.append(f"*Jira:* {shown} (`{person.jira_account_id}`), {how}")
        else:
            lines.append("*Jira:* not linked — `/ticket link jira <email or account id>`")
        if person is not None and person.github_login:
            lines.append(f"*GitHub:* `{person.github_login}`, {_HOW[Match.MANUAL]}")
        else:
            lines.append("*GitHub:* not linked — `/ticket link github <login>`")
        lines.append(summary(person.notifications if person is not None else Notifications()))
        return "\n".join(lines)

    # --- admin (the API) ------------------------------------------------------------------

    def get(self, slack_user_id: str) -> Person | None:
        return self._people.get(slack_user_id)

    def list(
        self, filters: PersonFilter, *, limit: int = 50, cursor: str | None = None
    ) -> Page[Person]:
        return self._people.list(filters, limit=limit, cursor=cursor)

    def put(
        self,
        slack_user_id: str,
        jira_account_id: str | Unset | None = UNSET,
        github_login: str | Unset | None = UNSET,
    ) -> Person:
        """Set overrides; None unlinks, `UNSET` leaves a side as it is. `Conflict` when
        another person holds the GitHub login."""
        if not isinstance(github_login, Unset):
            self._people.link_github(slack_user_id, github_login)
        if not isinstance(jira_account_id, Unset):
            self._set_jira(slack_user_id, jira_account_id)
        person = self._people.get(slack_user_id)
        self._directory.forget(slack_user_id)
        return person or self._people.remember_slack(slack_user_id, None, None)

    def delete(self, slack_user_id: str) -> bool:
        deleted = self._people.delete(slack_user_id)
        self._directory.forget(slack_user_id)
        return deleted

    def _set_jira(
        self,
        slack_user_id: str,
        account_id: str | None,
        display_name: str | None = None,
        key: str | None = None,
    ) -> Person:
        link = JiraLink(account_id, display_name, Match.MANUAL, key) if account_id else None
        person = self._people.match_jira(slack_user_id, link)
        self._directory.forget(slack_user_id)
        return person
