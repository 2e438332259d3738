"""Slack thread replies → comments on the GitHub pull request or issue of the thread.

The `CommentTarget` of GitHub (`integrations.tickets.comments.CommentSync` does the rest:
durable rows, retries, look-back, mappings). Only threads whose channel subscribes to the
repository (or its owner) with `sync_comments` are mirrored: it is off by default, as a
reply in Slack is often not meant for everyone watching the repository. Comments are made
with `GITHUB_TOKEN`, so GitHub shows the token's account as their author; the body names the
person: `**Ada Lovelace** via Slack: …` and the message's permalink. Mentions of Slack users
whose GitHub login is known (people directory) become `@login`. As with the card's *Comment*
button, only a person whose linked GitHub login holds a role in the repository (read or
more) is mirrored; anyone else's reply stays in Slack, and they are told why (ephemerally,
in the thread).

The `github_comment_message` mapping (`owner/repo#42/issuecomment-123` → the Slack message,
origin `slack`) is what keeps GitHub's `issue_comment` webhook of the comment from being
posted back into the thread (`integrations.github.delivery`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from integrations.github.api import (
    GitHubApi,
    GitHubApiError,
    NotVisible,
    RateLimited,
    Unavailable,
)
from integrations.github.card_actions import permitted
from integrations.github.card_buttons import REPLY_KEPT, Item
from integrations.github.markdown import VIA_SLACK, slack_comment
from integrations.messages import Ignored, SlackMessage
from integrations.people import Directory
from integrations.slack_to_jira import mentioned_users
from integrations.tickets.comment_targets import (
    Authored,
    CommentGone,
    CommentRejected,
    CommentUnavailable,
)
from integrations.tickets.models import CommentRequest, CommentService
from storage import Repositories
from storage.domain import MappingType, Service, ServiceMapping

COMMENT_SEPARATOR = "/issuecomment-"


def comment_ref(item: str, comment_id: int) -> str:
    """`owner/repo#42/issuecomment-123`: as GitHub → Slack replies key their comments."""
    return f"{item}{COMMENT_SEPARATOR}{comment_id}"


def split_item(item: str) -> tuple[str, int]:
    """`owner/repo#42` → (`owner/repo`, 42)."""
    repository, _, number = item.rpartition("#")
    return repository, int(number)


def _split_ref(ref: str) -> tuple[str, int, int]:
    item, _, comment_id = ref.rpartition(COMMENT_SEPARATOR)
    repository, number = split_item(item)
    return repository, number, int(comment_id)


class GitHubComments:
    service: CommentService = "github"
    label = "GitHub"
    thread_type = MappingType.GITHUB_THREAD
    comment_type = MappingType.GITHUB_COMMENT_MESSAGE

    def __init__(self, api: GitHubApi | None, repos: Repositories, people: Directory) -> None:
        self._api = api
        self._repos = repos
        self._people = people

    def refuses(self, thread: ServiceMapping, channel_id: str) -> Ignored | None:
        repository, _ = split_item(thread.source_id)
        subscriptions = self._repos.subscriptions.matching(Service.GITHUB, repository)
        if not any(
            s.channel_id == channel_id and s.filters.get("sync_comments") for s in subscriptions
        ):
            return Ignored(f"no subscription of {channel_id} to {repository} has sync_comments")
        if self._api is None:
            return Ignored("sync_comments needs GITHUB_TOKEN")
        return None

    def forbids(self, request: CommentRequest) -> SlackMessage | None:
        """As for the card's Comment button: the person's linked login must hold a role in the
        repository (`card_actions.permitted`), or the reply stays in Slack."""
        repository, number = split_item(request.issue_key)
        with _translated():
            login = permitted(
                self._client,
                self._people,
                request.user_id,
                "comment",
                Item(repository, number),
                lead=REPLY_KEPT,
            )
        return login if isinstance(login, SlackMessage) else None

    def add(self, request: CommentRequest, author: Authored) -> str:
        repository, number = split_item(request.issue_key)
        with _translated():
            made, _ = self._client.add_comment(repository, number, self._body(request, author))
        return comment_ref(request.issue_key, made)

    def update(self, ref: str, request: CommentRequest, author: Authored) -> None:
        repository, number, comment_id = _split_ref(ref)
        with _translated():
            self._client.edit_comment(repository, number, comment_id, self._body(request, author))

    def delete(self, ref: str) -> None:
        repository, number, comment_id = _split_ref(ref)
        with _translated():
            self._client.delete_comment(repository, number, comment_id)

    def made_earlier(self, request: CommentRequest, message_path: str) -> str | None:
        repository, number = split_item(request.issue_key)
        with _translated():
            found = self._client.comments(repository, number)
        for comment_id, body in found:
            if message_path in body and VIA_SLACK.rstrip() in body:
                return comment_ref(request.issue_key, comment_id)
        return None

    @property
    def _client(self) -> GitHubApi:
        if self._api is None:
            raise CommentRejected("GITHUB_TOKEN is not set: no comment can be made on GitHub")
        return self._api

    def _body(self, request: CommentRequest, author: Authored) -> str:
        logins: dict[str, str] = {}
        names: dict[str, str] = {}
        for user_id in mentioned_users(request.text):
            names[user_id] = self._people.slack_person(user_id).name
            person = self._people.stored(user_id)
            if person is not None and person.github_login:
                logins[user_id] = person.github_login
        return slack_comment(
            author.name, request.text, author.permalink, logins=logins, names=names
        )


@contextmanager
def _translated() -> Iterator[None]:
    """The GitHub API's errors as the target errors."""
    try:
        yield
    except NotVisible as error:
        raise CommentGone(str(error)) from None
    except (RateLimited, Unavailable) as error:
        wait = error.retry_after if isinstance(error, RateLimited) else None
        raise CommentUnavailable(str(error), wait) from None
    except GitHubApiError as error:
        raise CommentRejected(str(error)) from None
