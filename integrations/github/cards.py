"""The parent card of a pull request or an issue: its current state, as one Slack message.

The card is what a thread hangs from; every event rebuilds it from the payload so the poster
can edit the parent in place (`chat.update`). `with_status` adds what only the API knows
(mergeability, checks) when `GITHUB_TOKEN` is set.
"""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from integrations.github.models import Issue, PullRequest, Repository, Team, User
from integrations.github.people import NOBODY, GitHubPeople
from integrations.github.text import code, escape, link
from integrations.messages import SlackMessage

STATE_EMOJI = {
    "Open": ":large_green_circle:",
    "Draft": ":white_circle:",
    "Merged": ":large_purple_circle:",
    "Closed": ":red_circle:",
    "Closed as completed": ":large_purple_circle:",
    "Closed as not planned": ":white_circle:",
    "Closed as duplicate": ":white_circle:",
}


def thread_key(repository: Repository, number: int) -> str:
    """`github:owner/repo#42`: pull requests and issues share one number space per repo."""
    return f"github:{object_id(repository, number)}"


def object_id(repository: Repository, number: int) -> str:
    """`owner/repo#42`, the GitHub identifier of INTERFACE.md (mapping source ids)."""
    return f"{repository.full_name}#{number}"


def pr_state(pr: PullRequest) -> str:
    if pr.is_merged:
        return "Merged"
    if pr.state == "closed":
        return "Closed"
    return "Draft" if pr.draft else "Open"


def issue_state(issue: Issue) -> str:
    if issue.state != "closed":
        return "Open"
    reason = {"completed": "completed", "not_planned": "not planned", "duplicate": "duplicate"}
    return f"Closed as {reason[issue.state_reason]}" if issue.state_reason in reason else "Closed"


def _people(people: list[User | Team], linked: GitHubPeople) -> str:
    return ", ".join(
        linked.user(p.login) if isinstance(p, User) else "team " + escape(p.slug or p.name)
        for p in people
    )


def _labels(labels: list[str]) -> str:
    return " ".join(code(name) for name in labels)


def _card(
    *,
    kind: str,
    number: int,
    title: str,
    url: str,
    state: str,
    repository: Repository,
    author: User,
    branches: str = "",
    fields: list[tuple[str, str]],
    people: GitHubPeople,
) -> SlackMessage:
    context = [
        f"{STATE_EMOJI.get(state, ':white_circle:')} *{state}*",
        link(repository.html_url, repository.full_name),
        *([branches] if branches else []),
        "by " + _author(author, people),
    ]
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=f"*{link(url, f'#{number} {title}')}*")),
        ContextBlock(elements=[MarkdownTextObject(text=part) for part in context]),
    ]
    shown = [MarkdownTextObject(text=f"*{name}*\n{value}") for name, value in fields if value]
    if shown:
        blocks.append(SectionBlock(fields=shown))
    text = f"{kind} #{number}: {escape(title)} ({state}) · {escape(repository.full_name)}"
    return SlackMessage(text=text, blocks=tuple(blocks))


def _author(author: User, people: GitHubPeople) -> str:
    """`<@U…>` when linked, else the login linked to their GitHub profile."""
    if people.slack_id(author.login) or not author.html_url:
        return people.user(author.login)
    return link(author.html_url, author.login)


def pr_card(pr: PullRequest, repository: Repository, people: GitHubPeople = NOBODY) -> SlackMessage:
    """Title, number, state, repository, branch → base, author; reviewers, assignees, labels."""
    reviewers: list[User | Team] = [*pr.requested_reviewers, *pr.requested_teams]
    return _card(
        kind="Pull request",
        number=pr.number,
        title=pr.title,
        url=pr.html_url,
        state=pr_state(pr),
        repository=repository,
        author=pr.user,
        branches=f"{code(pr.head.ref)} → {code(pr.base.ref)}",
        fields=[
            ("Reviewers", _people(reviewers, people)),
            ("Assignees", _people(list(pr.assignees), people)),
            ("Labels", _labels([label.name for label in pr.labels])),
        ],
        people=people,
    )


def issue_card(issue: Issue, repository: Repository, people: GitHubPeople = NOBODY) -> SlackMessage:
    """An issue's card; for a pull request seen through an issue event, a partial one."""
    return _card(
        kind="Pull request" if issue.is_pull_request else "Issue",
        number=issue.number,
        title=issue.title,
        url=issue.html_url,
        state=issue_state(issue),
        repository=repository,
        author=issue.user,
        fields=[
            ("Assignees", _people(list(issue.assignees), people)),
            ("Labels", _labels([label.name for label in issue.labels])),
            ("Milestone", escape(issue.milestone.title) if issue.milestone else ""),
        ],
        people=people,
    )


@dataclass(frozen=True, slots=True)
class PullStatus:
    """What the REST API adds to a pull request card: mergeability and combined checks.

    `checks` is `success`, `failure`, `pending` or None (no checks); `mergeable` is None
    while GitHub is still computing it; `mergeable_state` is GitHub's word for what stands
    in the way of a merge (`clean`, `dirty`, `blocked`, `behind`, `unstable`, `draft`,
    `unknown`…); `open`: the pull request is neither merged nor closed.
    """

    mergeable: bool | None = None
    mergeable_state: str | None = None
    checks: str | None = None
    checks_url: str | None = None
    open: bool = True


CHECKS = {
    "success": ":white_check_mark: checks passing",
    "failure": ":x: checks failing",
    "pending": ":hourglass_flowing_sand: checks running",
}


MERGE_HURDLES = {
    "dirty": "merge conflicts",
    "blocked": ":no_entry: merging blocked: it still needs the required reviews or checks",
    "behind": "behind its base branch: update it before merging",
}
"""The `mergeable_state`s worth telling a reader, in words. The others say nothing a person
needs: `clean` (nothing in the way), `unknown` (GitHub is still computing), `unstable` (the
checks line already says they fail), `draft` (the card's state says so), `has_hooks`."""


def merge_hurdle(status: PullStatus) -> str | None:
    """What stands in the way of merging an open pull request, or None."""
    if not status.open or status.mergeable_state is None:
        return None
    return MERGE_HURDLES.get(status.mergeable_state)


def with_status(card: SlackMessage, status: PullStatus) -> SlackMessage:
    """The card with a context line for checks and what stands in the way of a merge
    (nothing to add: unchanged)."""
    parts = []
    if status.checks in CHECKS:
        label = CHECKS[status.checks]
        parts.append(
            f"{label.split(' ', 1)[0]} {link(status.checks_url, label.split(' ', 1)[1])}"
            if status.checks_url
            else label
        )
    if (hurdle := merge_hurdle(status)) is not None:
        parts.append(hurdle)
    if not parts:
        return card
    extra = ContextBlock(elements=[MarkdownTextObject(text=" · ".join(parts))])
    return SlackMessage(
        text=card.text, blocks=(*card.blocks, extra), unfurl_links=card.unfurl_links
    )
