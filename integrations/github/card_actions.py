"""`GitHubCards`: what the buttons of a GitHub card do (`card_buttons` draws them).

Authorization. The app acts with `GITHUB_TOKEN`, never beyond what the person could do
themselves: their Slack user must map to a GitHub login (people directory: `/ticket link
github <login>`, or the people API), and GitHub's collaborator permission of that login
(`GET /repos/{owner}/{repo}/collaborators/{login}/permission`, its `role_name`; a custom
role counts as its base `permission`) must allow the act (`card_buttons.ROLES_ALLOWED`). A
login GitHub does not list as a collaborator (404) may do nothing. Refusals come back as the
message to show the person; nothing is changed on GitHub then.

Echo. A comment made here is linked to the thread reply announcing it
(`github_comment_message`, origin `slack`), so GitHub's `issue_comment` webhook of it is not
posted again (`integrations.github.delivery`; a webhook delivered before that link is stored
is known by the comment's text, `markdown.made_from_slack`). After a close or reopen the
card is updated in place at once and the thread says who did it; the thread mapping
remembers that (`extra_data.said_from_slack`), so GitHub's `issues.closed`/`reopened`
webhook that follows is not said again in that thread (`said_in`; other threads of the
issue still hear it).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from integrations.github.api import GitHubApi, GitHubApiError
from integrations.github.card_buttons import (
    ROLES_ALLOWED,
    Act,
    Item,
    done_in_thread,
    failed,
    no_token,
    not_allowed,
    not_linked,
    with_buttons,
)
from integrations.github.markdown import slack_comment
from integrations.messages import SlackMessage
from integrations.people import Directory
from integrations.slack.errors import SlackFailure
from integrations.slack.posts import card_hash
from integrations.slack.writer import SlackWriter
from integrations.slack_text import escape
from storage import Repositories
from storage.domain import MappingType, Service, ServiceMapping, slack_ref

log = logging.getLogger(__name__)

SAID = "said_from_slack"
SAID_FOR_SECONDS = 600.0
"""How long a thread waits for GitHub's webhook of a close or reopen done from it."""
GITHUB_ACTION = {"close": "closed", "reopen": "reopened"}


@dataclass(frozen=True, slots=True)
class Allowed:
    login: str
    name: str  # the person's Slack name, as comments and thread replies show it


class GitHubCards:
    def __init__(
        self, api: GitHubApi | None, people: Directory, slack: SlackWriter, repos: Repositories
    ) -> None:
        self._api = api
        self._people = people
        self._slack = slack
        self._repos = repos

    def authorize(self, user_id: str, act: Act, item: Item) -> Allowed | SlackMessage:
        """The person, when they may do `act` on `item`; else the message saying why not."""
        if self._api is None:
            return no_token()
        try:
            login = permitted(self._api, self._people, user_id, act, item)
        except GitHubApiError as error:
            return failed(act, item, str(error))
        if isinstance(login, SlackMessage):
            return login
        return Allowed(login, self._people.slack_person(user_id).name)

    def comment(
        self, user_id: str, item: Item, text: str, channel: str, thread_ts: str
    ) -> SlackMessage | None:
        """Comment on `item` as the person; None when done, else the message for them."""
        allowed = self.authorize(user_id, "comment", item)
        if isinstance(allowed, SlackMessage):
            return allowed
        assert self._api is not None  # authorize refuses without a token
        permalink = self._slack.permalink(channel, thread_ts)
        body = slack_comment(allowed.name, escape(text), permalink, logins={}, names={})
        try:
            comment_id, url = self._api.add_comment(item.repository, item.number, body)
        except GitHubApiError as error:
            return failed("comment", item, str(error))
        log.info("github_card.commented item=%s comment=%s user=%s", item, comment_id, user_id)
        announced = done_in_thread("comment", allowed.name, url, text)
        ts = self._slack.post(channel, announced, thread_ts=thread_ts)
        self._repos.mappings.link(
            MappingType.GITHUB_COMMENT_MESSAGE,
            Service.GITHUB,
            f"{item}/issuecomment-{comment_id}",
            Service.SLACK,
            slack_ref(channel, ts),
            {"origin": "slack"},
        )
        return None

    def set_state(
        self, user_id: str, act: Act, item: Item, channel: str, card_ts: str
    ) -> SlackMessage | None:
        """Close or reopen an issue as the person, and update its card in place."""
        allowed = self.authorize(user_id, act, item)
        if isinstance(allowed, SlackMessage):
            return allowed
        assert self._api is not None
        state, reason = ("closed", "completed") if act == "close" else ("open", None)
        try:
            card = self._api.set_issue_state(item.repository, item.number, state, reason)
        except GitHubApiError as error:
            return failed(act, item, str(error))
        log.info("github_card.%s item=%s user=%s", act, item, user_id)
        thread = self._repos.mappings.source_of(
            MappingType.GITHUB_THREAD, Service.SLACK, slack_ref(channel, card_ts)
        )
        if thread is not None:
            said = {"action": GITHUB_ACTION[act], "at": time.time()}
            self._repos.mappings.update_extra(thread.id, {SAID: said})
        if card is not None:
            card = with_buttons(card, str(item), issue=True, is_open=state == "open")
            self._update_card(card, channel, card_ts, thread)
        self._slack.post(channel, done_in_thread(act, allowed.name, None), thread_ts=card_ts)
        return None

    def _update_card(
        self, card: SlackMessage, channel: str, ts: str, thread: ServiceMapping | None
    ) -> None:
        try:
            self._slack.update(channel, ts, card)
        except SlackFailure as error:
            log.warning("github_card.card_update_failed channel=%s error=%s", channel, error.code)
            return
        if thread is not None:
            self._repos.mappings.update_extra(thread.id, {"card_hash": card_hash(card)})


def permitted(
    api: GitHubApi, people: Directory, user_id: str | None, act: Act, item: Item, lead: str = ""
) -> str | SlackMessage:
    """The person's GitHub login when its role in `item`'s repository allows `act`; else the
    message saying why not (starting with `lead`). Raises `GitHubApiError` when GitHub cannot
    tell."""
    person = people.stored(user_id) if user_id else None
    login = person.github_login if person is not None else None
    if not login:
        log.info("github.refused act=%s item=%s user=%s reason=unlinked", act, item, user_id)
        return not_linked(act, item, lead)
    role = api.role(item.repository, login)
    if role not in ROLES_ALLOWED[act]:
        log.info(
            "github.refused act=%s item=%s user=%s login=%s role=%s",
            act,
            item,
            user_id,
            login,
            role,
        )
        return not_allowed(act, item, login, role, lead)
    return login


def said_in(repos: Repositories, item: str, action: str) -> list[ServiceMapping]:
    """The threads of `item` where a button just did `action` (`closed`, `reopened`) and
    said so: GitHub's webhook of it is not said there again."""
    threads = repos.mappings.targets_of(MappingType.GITHUB_THREAD, Service.GITHUB, item)
    now = time.time()
    return [
        thread
        for thread in threads
        if isinstance(said := thread.extra_data.get(SAID), dict)
        and said.get("action") == action
        and now - float(said.get("at") or 0) < SAID_FOR_SECONDS
    ]


def forget_said(repos: Repositories, threads: list[ServiceMapping]) -> None:
    """The webhook came: the next close or reopen is news again."""
    for thread in threads:
        repos.mappings.update_extra(thread.id, {SAID: None})
