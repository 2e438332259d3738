"""Where `CommentSync` mirrors Slack thread replies: the target interface, and Jira's.

A target is one service whose items have Slack threads: Jira issues (`issue_thread`
mappings) and, per subscription, GitHub pull requests and issues (`github_thread`, see
`integrations.github.slack_comments`). It makes, edits, finds and deletes comments, and
translates its client's errors into the three `CommentSync` acts on: `CommentUnavailable`
(transient: retried), `CommentRejected` (permanent: failed), `CommentGone` (an edit of a
comment deleted meanwhile: nothing to do).

A comment is named by its *ref*, the mapping source id: `PROJ-1/10042` in Jira,
`owner/repo#42/issuecomment-123` on GitHub.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

from integrations.jira_api import (
    JiraError,
    JiraGateway,
    JiraNotFound,
    JiraUnavailable,
    RichText,
)
from integrations.messages import Ignored, SlackMessage
from integrations.people import Directory
from integrations.slack_to_jira import mentioned_users
from integrations.tickets import formatting
from integrations.tickets.models import CommentRequest, CommentService
from storage.domain import MappingType, ServiceMapping


class CommentUnavailable(Exception):
    """The target did not answer, answered 5xx or rate-limited us: retry (after
    `retry_after` seconds when it said)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class CommentRejected(Exception):
    """The target refused (4xx, not configured): retrying the same request will not help."""


class CommentGone(Exception):
    """The comment no longer exists."""


@dataclass(frozen=True, slots=True)
class Authored:
    """Who wrote the Slack message, and where it is: what every comment body names."""

    name: str
    permalink: str | None


class CommentTarget(Protocol):
    service: CommentService  # the mapping source service and the route's target
    label: str  # "Jira" | "GitHub": for messages
    thread_type: MappingType
    comment_type: MappingType

    def refuses(self, thread: ServiceMapping, channel_id: str) -> Ignored | None:
        """Why replies in this thread are not mirrored (not configured, sync off), or None."""
        ...

    def forbids(self, request: CommentRequest) -> SlackMessage | None:
        """What to tell the person whose reply may not become a comment, or None."""
        ...

    def add(self, request: CommentRequest, author: Authored) -> str:
        """Make the comment; its ref."""
        ...

    def update(self, ref: str, request: CommentRequest, author: Authored) -> None: ...

    def delete(self, ref: str) -> None:
        """Delete it; a comment already gone is deleted."""
        ...

    def made_earlier(self, request: CommentRequest, message_path: str) -> str | None:
        """The ref of the oldest comment on the item that says `… via Slack: …` and names
        `message_path` (`/archives/<channel>/p<ts>`): made by an attempt that never heard
        back."""
        ...


class JiraComments:
    """Replies in a Jira issue's thread (every linked thread: there is no per-thread switch)."""

    service: CommentService = "jira"
    label = "Jira"
    thread_type = MappingType.ISSUE_THREAD
    comment_type = MappingType.COMMENT_MESSAGE

    def __init__(self, jira: JiraGateway, people: Directory) -> None:
        self._jira = jira
        self._people = people

    def refuses(self, thread: ServiceMapping, channel_id: str) -> Ignored | None:
        return None if self._jira.configured else Ignored("Jira is not configured")

    def forbids(self, request: CommentRequest) -> SlackMessage | None:
        return None  # every linked thread's replies: the comment names its author

    def add(self, request: CommentRequest, author: Authored) -> str:
        with _translated():
            comment_id = self._jira.add_comment(request.issue_key, self._body(request, author))
        return f"{request.issue_key}/{comment_id}"

    def update(self, ref: str, request: CommentRequest, author: Authored) -> None:
        key, _, comment_id = ref.partition("/")
        with _translated():
            self._jira.update_comment(key, comment_id, self._body(request, author))

    def delete(self, ref: str) -> None:
        key, _, comment_id = ref.partition("/")
        with _translated():
            self._jira.delete_comment(key, comment_id)

    def made_earlier(self, request: CommentRequest, message_path: str) -> str | None:
        with _translated():
            found = self._jira.comments(request.issue_key)
        for comment in found:
            if message_path in comment.text and formatting.VIA_SLACK in comment.text:
                return f"{request.issue_key}/{comment.id}"
        return None

    def _body(self, request: CommentRequest, author: Authored) -> RichText:
        return formatting.comment(
            author.name,
            request.text,
            author.permalink,
            mentions=self._people.mentions(mentioned_users(request.text)),
            v3=self._jira.rich_text_v3,
        )


@contextmanager
def _translated() -> Iterator[None]:
    """Jira's errors as the target errors."""
    try:
        yield
    except JiraNotFound as error:
        raise CommentGone(str(error)) from None
    except JiraUnavailable as error:
        raise CommentUnavailable(str(error), error.retry_after) from None
    except JiraError as error:  # rejected (4xx), or not configured
        raise CommentRejected(str(error)) from None
