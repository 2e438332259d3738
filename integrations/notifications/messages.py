"""The direct messages an event owes people (pure: a payload and who-is-who in, notices out).

A `Notice` is one DM to one Slack user about one event, worded to them ("… requested your
review on …"), before their settings are asked. Who gets one:

- GitHub: the requested reviewer (`review-requests`; a team request DMs nobody: its members
  are GitHub's to know); the pull request's author when it is approved, gets changes
  requested or is merged (`my-prs`); the assignee of a pull request or issue (`assigned`);
  each person `@mentioned` in a new comment or review (`mentions`);
- Jira: the new assignee (`assigned`); each person mentioned in a new comment (`mentions`).

Only people linked to a Slack user can be told, and never the person who caused the event
(the sender, reviewer, commenter, the Jira user who changed the issue). One notice per
person per event: the first that applies, in the order above.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from integrations.github.dispatch import GitHubEvent
from integrations.github.models import (
    IssueCommentEvent,
    IssuesEvent,
    PullRequestEvent,
    PullRequestReviewCommentEvent,
    PullRequestReviewEvent,
    Repository,
    User,
)
from integrations.github.people import GitHubPeople, mentioned_logins
from integrations.github.text import code, link, message, quote
from integrations.jira.markup import mentioned_refs, slack_escape, to_mrkdwn
from integrations.jira.models import Issue as JiraIssue
from integrations.jira.models import JiraWebhook
from integrations.jira.models import User as JiraUser
from integrations.messages import SlackMessage
from integrations.slack_text import escape
from storage.domain import NotifyKind

SLACK_MENTION = re.compile(r"<@([UW][A-Z0-9]+)>")
REVIEW_OUTCOMES = {
    "approved": ":white_check_mark: {actor} approved your pull request {what}",
    "changes_requested": ":x: {actor} requested changes on your pull request {what}",
}
DETAIL_LIMIT = 300


@dataclass(frozen=True, slots=True)
class Notice:
    """One DM: to `recipient` (a Slack user id), of `kind`; `line` says what happened,
    `detail` (a quote) may follow. `about` names what happened when several events may
    tell it (a Jira comment arrives as `comment_created` and as `issue_updated`)."""

    recipient: str
    kind: NotifyKind
    line: str
    detail: str = ""
    about: str | None = None


def dm_message(notice: Notice, thread_url: str | None) -> SlackMessage:
    """The DM as Slack shows it: the line, a link to the thread, the detail below."""
    line = notice.line + (f" · {link(thread_url, 'view thread')}" if thread_url else "")
    return message(line, notice.detail)


def _first_per_person(notices: Iterable[Notice], *actors: str | None) -> list[Notice]:
    seen: set[str] = set()
    kept = []
    for notice in notices:
        if notice.recipient in actors or notice.recipient in seen:
            continue
        seen.add(notice.recipient)
        kept.append(notice)
    return kept


# GitHub -----------------------------------------------------------------------------------


def _named(repository: Repository, number: int, title: str, url: str) -> str:
    return f"*{link(url, f'{repository.full_name}#{number} {title}')}*"


@dataclass(frozen=True, slots=True)
class _Told:
    """Who did it (`actor`, as shown) and the notices found so far, for one GitHub event."""

    people: GitHubPeople
    actor_login: str | None
    actor: str
    found: list[Notice]

    def tell(self, user: User | str | None, kind: NotifyKind, line: str, detail: str = "") -> None:
        """A notice for `user` when linked, unless they did it."""
        login = user.login if isinstance(user, User) else user
        if not login or (self.actor_login and login.lower() == self.actor_login.lower()):
            return
        if slack_id := self.people.slack_id(login):
            self.found.append(Notice(slack_id, kind, line, detail))


def _review_requested(model: PullRequestEvent, told: _Told) -> None:
    pr = model.pull_request
    what = _named(model.repository, pr.number, pr.title, pr.html_url)
    line = f":eyes: {told.actor} requested your review on {what}"
    told.tell(model.requested_reviewer, NotifyKind.REVIEW_REQUESTS, line)  # a team: nobody


def _merged(model: PullRequestEvent, told: _Told) -> None:
    pr = model.pull_request
    what = _named(model.repository, pr.number, pr.title, pr.html_url)
    line = f":large_purple_circle: {told.actor} merged your pull request {what}"
    told.tell(pr.user, NotifyKind.MY_PRS, f"{line} into {code(pr.base.ref)}")


def _pull_assigned(model: PullRequestEvent, told: _Told) -> None:
    pr = model.pull_request
    what = _named(model.repository, pr.number, pr.title, pr.html_url)
    told.tell(model.assignee, NotifyKind.ASSIGNED, f"{_assigned(told.actor)} pull request {what}")


def _issue_assigned(model: IssuesEvent, told: _Told) -> None:
    issue = model.issue
    what = _named(model.repository, issue.number, issue.title, issue.html_url)
    kind = "pull request" if issue.is_pull_request else "issue"
    told.tell(model.assignee, NotifyKind.ASSIGNED, f"{_assigned(told.actor)} {kind} {what}")


def _reviewed(model: PullRequestReviewEvent, told: _Told) -> None:
    """Approved or changes requested: the author hears; anyone `@mentioned` too."""
    pr, review = model.pull_request, model.review
    what = _named(model.repository, pr.number, pr.title, review.html_url or pr.html_url)
    detail = told.people.mentions(quote(review.body, DETAIL_LIMIT))
    if outcome := REVIEW_OUTCOMES.get(review.state):
        told.tell(pr.user, NotifyKind.MY_PRS, outcome.format(actor=told.actor, what=what), detail)
    line = f":speech_balloon: {told.actor} mentioned you in a review of {what}"
    for login in mentioned_logins(review.body):
        told.tell(login, NotifyKind.MENTIONS, line, detail)


def _commented(model: IssueCommentEvent | PullRequestReviewCommentEvent, told: _Told) -> None:
    if isinstance(model, IssueCommentEvent):
        number, title = model.issue.number, model.issue.title
    else:
        number, title = model.pull_request.number, model.pull_request.title
    what = _named(model.repository, number, title, model.comment.html_url)
    detail = told.people.mentions(quote(model.comment.body, DETAIL_LIMIT))
    line = f":speech_balloon: {told.actor} mentioned you in a comment on {what}"
    for login in mentioned_logins(model.comment.body):
        told.tell(login, NotifyKind.MENTIONS, line, detail)


GITHUB_NOTICES: dict[str, Callable[[Any, _Told], None]] = {
    "pull_request.review_requested": _review_requested,
    "pull_request.merged": _merged,
    "pull_request.assigned": _pull_assigned,
    "issues.assigned": _issue_assigned,
    "pull_request_review.submitted": _reviewed,
    "issue_comment.created": _commented,
    "pull_request_review_comment.created": _commented,
}
"""The GitHub events that may DM someone; edits, deletions and the rest DM nobody."""


def github_notices(event: GitHubEvent, people: GitHubPeople) -> list[Notice]:
    """The DMs a GitHub event owes the linked people it concerns."""
    notices = GITHUB_NOTICES.get(event.key)
    if notices is None:
        return []
    sender = getattr(event.model, "sender", None)
    login = sender.login if isinstance(sender, User) else None
    told = _Told(people, login, people.user(login) if login else "Someone", [])
    notices(event.model, told)
    return _first_per_person(told.found, people.slack_id(login) if login else None)


def _assigned(actor: str) -> str:
    return f":bust_in_silhouette: {actor} assigned you"


# Jira -------------------------------------------------------------------------------------


def _slack_id(mentions: Mapping[str, str], ref: str | None) -> str | None:
    match = SLACK_MENTION.fullmatch(mentions.get(ref or "", ""))
    return match.group(1) if match else None


def _jira_person(user: JiraUser | None, mentions: Mapping[str, str]) -> str:
    if user is None:
        return "Someone"
    for ref in user.refs:
        if (shown := mentions.get(ref)) and shown.startswith("<@"):
            return shown
    return slack_escape(user.label)


def _jira_named(issue: JiraIssue) -> str:
    title = f"{issue.key} {issue.fields.summary or ''}".strip()
    url = issue.browse_url
    return f"*{link(url, title)}*" if url else f"*{escape(title)}*"


def jira_notices(
    webhook: JiraWebhook,
    mentions: Mapping[str, str],
    *,
    new_comment: bool,
    from_slack: tuple[str, ...] = (),
) -> list[Notice]:
    """The DMs a Jira event owes: the new assignee, the people a new comment mentions.
    `mentions`: Jira ref → `<@U…>` for the people the directory knows (`jira.mentions`).
    `from_slack`: the Slack users whose card buttons made this change (the webhook's user
    is then the app's account): they are named as the actor and never told of it."""
    issue = webhook.issue
    if issue is None:
        return []
    found: list[Notice] = []
    what = _jira_named(issue)
    actor_user = webhook.user
    for item in webhook.changes:
        if item.field.lower() == "assignee" and (slack_id := _slack_id(mentions, item.to_value)):
            actor = (
                " and ".join(f"<@{u}>" for u in from_slack)
                if from_slack
                else _jira_person(actor_user, mentions)
            )
            line = f":bust_in_silhouette: {actor} assigned you {what}"
            found.append(Notice(slack_id, NotifyKind.ASSIGNED, line))
    comment = webhook.comment
    if new_comment and comment is not None:
        actor_user = comment.author or actor_user
        actor = _jira_person(actor_user, mentions)
        body = to_mrkdwn(comment.body, mentions)
        detail = "\n".join("&gt; " + line for line in _clipped(body).split("\n"))
        line = f":speech_balloon: {actor} mentioned you in a comment on {what}"
        for ref in sorted(mentioned_refs(comment.body)):
            if slack_id := _slack_id(mentions, ref):
                about = f"jira-comment:{issue.key}/{comment.id}"
                found.append(Notice(slack_id, NotifyKind.MENTIONS, line, detail, about))
    actor_id = next(
        (s for ref in (actor_user.refs if actor_user else ()) if (s := _slack_id(mentions, ref))),
        None,
    )
    return _first_per_person(found, actor_id, *from_slack)


def _clipped(text: str) -> str:
    return text if len(text) <= DETAIL_LIMIT else text[: DETAIL_LIMIT - 1].rstrip() + "…"
