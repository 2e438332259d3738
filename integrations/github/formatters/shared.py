"""What several event families say the same way: the actor, a pull request link, the
thread post of a pull request or an issue, assignments and title/base edits.

Kept in one place so a pull request and an issue word the same change identically.
"""

from __future__ import annotations

from integrations.github.cards import issue_card, pr_card, thread_key
from integrations.github.models import (
    Changes,
    IssueCommentEvent,
    IssuesEvent,
    PullRequest,
    PullRequestEvent,
    PullRequestReviewCommentEvent,
    PullRequestReviewEvent,
    User,
)
from integrations.github.people import NOBODY, GitHubPeople
from integrations.github.text import code, escape, link
from integrations.messages import SlackMessage, ThreadPost

DELETED = "_comment deleted_"
"""What the reply of a deleted comment says instead of the comment (its link is dead too)."""


def who(user: User, people: GitHubPeople = NOBODY) -> str:
    """The person: `<@U…>` when their login is linked to a Slack user, else the login."""
    return people.user(user.login)


def short_sha(sha: str) -> str:
    return sha[:7]


def pr_link(pr: PullRequest, url: str | None = None) -> str:
    """`#2 Title` linked to the PR, or to `url` (a review) when given."""
    return link(url or pr.html_url, f"#{pr.number} {pr.title}")


def pr_post(
    event: PullRequestEvent | PullRequestReviewEvent | PullRequestReviewCommentEvent,
    reply: SlackMessage,
    *,
    reply_key: str | None = None,
    people: GitHubPeople = NOBODY,
) -> ThreadPost:
    return ThreadPost(
        thread_key=thread_key(event.repository, event.pull_request.number),
        card=pr_card(event.pull_request, event.repository, people),
        reply=reply,
        reply_key=reply_key,
    )


def issue_post(
    event: IssuesEvent | IssueCommentEvent,
    reply: SlackMessage,
    *,
    reply_key: str | None = None,
    people: GitHubPeople = NOBODY,
) -> ThreadPost:
    return ThreadPost(
        thread_key=thread_key(event.repository, event.issue.number),
        card=issue_card(event.issue, event.repository, people),
        reply=reply,
        reply_key=reply_key,
        # An issue event for a pull request knows the issue side only (no branches, no
        # reviewers): it may start a thread but must not overwrite a full PR card.
        refresh_card=not event.issue.is_pull_request,
    )


def assignment(
    actor: User, assignee: User | None, verb: str, what: str, people: GitHubPeople = NOBODY
) -> str:
    if assignee is None:
        return f"{who(actor, people)} {verb} this {what}"
    if assignee.login == actor.login:
        return f"{who(actor, people)} {verb} themselves"
    return f"{who(actor, people)} {verb} {who(assignee, people)}"


def edits(
    actor: User,
    changes: Changes | None,
    title: str,
    base: str | None = None,
    people: GitHubPeople = NOBODY,
) -> str:
    """What an `edited` action changed that the thread should hear about: title and base."""
    lines = []
    actor_shown = who(actor, people)
    if changes and changes.title is not None and changes.title.from_ != title:
        lines.append(
            f"{actor_shown} changed the title: ~{escape(changes.title.from_)}~ → {escape(title)}"
        )
    if changes and changes.base is not None and base is not None:
        lines.append(
            f"{actor_shown} changed the base branch: {code(changes.base.ref.from_)} → {code(base)}"
        )
    return "\n".join(lines)
