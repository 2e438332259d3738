"""What a Jira issue's Slack thread hears about the code that names it.

A pull request whose title, branch or description names a Jira key (`PROJ-123`) is linked
to that issue: its opening, review outcomes and closing (merged or not) are also posted
into the issue's thread, and the handler stores the PR ↔ issue mapping. Commits pushed
with the key in their message are posted there too. The messages are self-contained (they
name the repository), since the Jira thread has no GitHub card above them; a login the people
directory links reads `<@U…>`, as on the GitHub cards (`people.GitHubPeople`). Pure.

Key-shaped text is not a key (`jira_keys`): given `known`, only known keys are mentioned;
without it every candidate is, and the caller must keep only the keys it knows (the handler
posts only into issues that have a Slack thread, which is knowing them).
"""

from __future__ import annotations

from dataclasses import dataclass

from integrations.github.cards import object_id
from integrations.github.dispatch import GitHubEvent
from integrations.github.jira_keys import KnownJira, candidate_jira_keys, find_jira_keys
from integrations.github.models import (
    PullRequest,
    PullRequestEvent,
    PullRequestReviewEvent,
    PushEvent,
)
from integrations.github.people import GitHubPeople
from integrations.github.text import code, escape, first_line, link, message
from integrations.messages import SlackMessage


@dataclass(frozen=True, slots=True)
class JiraMention:
    """A post for the Slack thread of Jira issue `key`; `pull_request` (`owner/repo#42`)
    when the mention comes from a pull request, to be stored as a PR ↔ issue mapping."""

    key: str
    message: SlackMessage
    pull_request: str | None = None


def _keys(
    *texts: str | None, branches: tuple[str, ...] = (), known: KnownJira | None
) -> tuple[str, ...]:
    if known is None:
        return candidate_jira_keys(*texts, branches=branches)
    return find_jira_keys(*texts, branches=branches, known=known)


def pr_jira_keys(pr: PullRequest, known: KnownJira | None = None) -> tuple[str, ...]:
    """The keys a pull request names (title, description, branch): the known ones, or every
    candidate when `known` is None."""
    return _keys(pr.title, pr.body, branches=(pr.head.ref,), known=known)


def _pr_ref(event: PullRequestEvent | PullRequestReviewEvent, url: str | None = None) -> str:
    pr = event.pull_request
    return link(url or pr.html_url, f"{object_id(event.repository, pr.number)} {pr.title}")


def _pr_line(
    event: PullRequestEvent | PullRequestReviewEvent, key: str, people: GitHubPeople
) -> str | None:
    who = people.user(event.sender.login)
    pr = event.pull_request
    if isinstance(event, PullRequestReviewEvent):
        if key != "pull_request_review.submitted":
            return None
        review = event.review
        reviewer = people.user(review.user.login)
        if review.state == "approved":
            return f":link: {reviewer} approved pull request {_pr_ref(event, review.html_url)}"
        if review.state == "changes_requested":
            return (
                f":link: {reviewer} requested changes on pull request "
                f"{_pr_ref(event, review.html_url)}"
            )
        return None
    if key == "pull_request.opened":
        return (
            f":link: {who} opened pull request {_pr_ref(event)} "
            f"({code(pr.head.ref)} → {code(pr.base.ref)})"
        )
    if key == "pull_request.merged":
        return f":link: {who} merged pull request {_pr_ref(event)} into {code(pr.base.ref)}"
    if key == "pull_request.closed":
        return f":link: {who} closed pull request {_pr_ref(event)} without merging"
    return None


def _push_mentions(
    event: PushEvent, known: KnownJira | None, people: GitHubPeople
) -> tuple[JiraMention, ...]:
    if event.branch is None or event.deleted:
        return ()
    commits_by_key: dict[str, list[str]] = {}
    for commit in event.commits:
        for key in _keys(commit.message, known=known):
            commits_by_key.setdefault(key, []).append(
                f"• {link(commit.url, commit.id[:7])} {escape(first_line(commit.message))}"
            )
    mentions = []
    for key, lines in commits_by_key.items():
        count = len(lines)
        line = (
            f":link: {people.user(event.sender.login)} pushed {count} "
            f"commit{'s' if count != 1 else ''} naming {key} to {code(event.branch)} in "
            f"{link(event.repository.html_url, event.repository.full_name)}"
        )
        mentions.append(JiraMention(key=key, message=message(line, "\n".join(lines[:10]))))
    return tuple(mentions)


def jira_mentions(
    event: GitHubEvent, known: KnownJira | None = None, people: GitHubPeople | None = None
) -> tuple[JiraMention, ...]:
    """The posts for Jira issue threads that this event owes, one per named key (known, or
    every candidate when `known` is None); `people`: the logins shown as Slack users, as the
    GitHub cards show them."""
    people = people or GitHubPeople()
    model = event.model
    if isinstance(model, PushEvent):
        return _push_mentions(model, known, people)
    if not isinstance(model, PullRequestEvent | PullRequestReviewEvent):
        return ()
    line = _pr_line(model, event.key, people)
    if line is None:
        return ()
    pr_id = object_id(model.repository, model.pull_request.number)
    return tuple(
        JiraMention(key=key, message=message(line), pull_request=pr_id)
        for key in pr_jira_keys(model.pull_request, known)
    )
