"""The channel posts: pushes, releases, deployment outcomes, workflow runs, branches and tags.

None of these has a thread of its own, so each is a `ChannelPost`; subscriptions decide
which branches, outcomes and runs a channel hears about (`filters.py`).
"""

from __future__ import annotations

from integrations.github.formatters.shared import short_sha, who
from integrations.github.models import (
    DeploymentStatusEvent,
    PushEvent,
    RefEvent,
    ReleaseEvent,
    Repository,
    WorkflowRunEvent,
)
from integrations.github.people import NOBODY, GitHubPeople
from integrations.github.text import code, escape, first_line, link, message, quote
from integrations.messages import ChannelPost, Rendered

COMMIT_LIMIT = 10  # commits listed in a push message; the compare link shows the rest


def _repo_link(repository: Repository) -> str:
    return link(repository.html_url, repository.full_name)


def push(event: PushEvent, people: GitHubPeople = NOBODY) -> Rendered:
    """Commits pushed to a branch (subscriptions decide which branches: `commits` is the
    default branch, `commits:<branch>` others). Branch and tag creation and deletion have
    their own events, so pushes that only do that are skipped (`skips.push`)."""
    branch = event.branch
    assert branch is not None  # a tag push is skipped
    count = len(event.commits)
    verb = "force-pushed" if event.forced else "pushed"
    line = (
        f":arrow_up: {who(event.sender, people)} {verb} {count} commit{'s' if count != 1 else ''} "
        f"to {code(branch)} in {_repo_link(event.repository)}"
    )
    lines = []
    for commit in event.commits[:COMMIT_LIMIT]:
        author = commit.author.username or commit.author.name
        lines.append(
            f"• {link(commit.url, short_sha(commit.id))} {escape(first_line(commit.message))}"
            + (f" — {escape(author)}" if author else "")
        )
    rest = count - COMMIT_LIMIT
    if event.compare:
        label = f"and {rest} more" if rest > 0 else "Compare changes"
        lines.append(link(event.compare, label))
    return ChannelPost(message(line, "\n".join(lines)))


def release_published(event: ReleaseEvent, people: GitHubPeople = NOBODY) -> Rendered:
    release = event.release
    title = release.tag_name
    if release.name and release.name.strip() and release.name.strip() != release.tag_name:
        title = f"{release.name.strip()} ({release.tag_name})"
    kind = "pre-release" if release.prerelease else "release"
    line = (
        f":rocket: {who(event.sender, people)} published {kind} {link(release.html_url, title)} "
        f"in {_repo_link(event.repository)}"
    )
    return ChannelPost(message(line, people.mentions(quote(release.body))))


DEPLOYMENT_OUTCOMES = {
    "success": (":white_check_mark:", "succeeded"),
    "failure": (":x:", "failed"),
    "error": (":warning:", "failed with an error"),
}


def deployment_status(event: DeploymentStatusEvent, people: GitHubPeople = NOBODY) -> Rendered:
    """Final deployment states only (`skips.deployment_status`): a deployment posts once,
    when it has an outcome."""
    status, deployment = event.deployment_status, event.deployment
    emoji, outcome = DEPLOYMENT_OUTCOMES[status.state]
    environment = status.environment or deployment.environment
    what = f" of {code(deployment.ref)}" if deployment.ref else ""
    if deployment.sha:
        what += f" ({short_sha(deployment.sha)})"
    where = f" to {code(environment)}" if environment else ""
    line = f"{emoji} Deployment{what}{where} {outcome} in {_repo_link(event.repository)}"
    target = (
        status.environment_url or status.target_url or f"{event.repository.html_url}/deployments"
    )
    detail = f"by {people.user(status.creator.login)} · {link(target, 'details')}"
    if status.description and status.description.strip():
        detail = escape(first_line(status.description, 200)) + "\n" + detail
    return ChannelPost(message(line, detail))


WORKFLOW_OUTCOMES = {
    "failure": (":x:", "failed"),
    "timed_out": (":x:", "timed out"),
    "startup_failure": (":x:", "failed to start"),
    "action_required": (":warning:", "needs approval"),
    "cancelled": (":heavy_minus_sign:", "was cancelled"),
    "stale": (":heavy_minus_sign:", "went stale"),
    "skipped": (":heavy_minus_sign:", "was skipped"),
    "neutral": (":heavy_minus_sign:", "finished (neutral)"),
    "success": (":white_check_mark:", "succeeded"),
}
WORKFLOW_FAILURES = frozenset({"failure", "timed_out", "startup_failure"})
"""The conclusions a subscription hears about without `workflows:all` (`filters.py`)."""


def _numbered(name: str, number: int | None) -> str:
    return f"{name} #{number}" if number is not None else name


def workflow_run_completed(event: WorkflowRunEvent, people: GitHubPeople = NOBODY) -> Rendered:
    """A finished run, whatever its outcome; subscriptions pass failures unless they ask for
    `workflows:all`."""
    run = event.workflow_run
    assert run.conclusion is not None  # an unfinished run is skipped
    emoji, outcome = WORKFLOW_OUTCOMES.get(run.conclusion, (":grey_question:", run.conclusion))
    name = (run.name or "").strip() or (event.workflow.name if event.workflow else "") or "workflow"
    on = f" on {code(run.head_branch)}" if run.head_branch else ""
    line = (
        f"{emoji} Workflow {link(run.html_url, _numbered(name, run.run_number))} {outcome}{on} "
        f"in {_repo_link(event.repository)}"
    )
    actor = run.actor or event.sender
    detail = f"triggered by {people.user(actor.login)}" + (
        f" ({escape(run.event)})" if run.event else ""
    )
    if run.display_title:
        detail = escape(first_line(run.display_title, 200)) + "\n" + detail
    return ChannelPost(message(line, detail))


def ref_created(event: RefEvent, people: GitHubPeople = NOBODY) -> Rendered:
    emoji = ":label:" if event.ref_type == "tag" else ":seedling:"
    url = f"{event.repository.html_url}/tree/{event.ref}"
    line = (
        f"{emoji} {who(event.sender, people)} created {escape(event.ref_type)} "
        f"{link(url, event.ref)} in {_repo_link(event.repository)}"
    )
    return ChannelPost(message(line))


def ref_deleted(event: RefEvent, people: GitHubPeople = NOBODY) -> Rendered:
    line = (
        f":wastebasket: {who(event.sender, people)} deleted {escape(event.ref_type)} "
        f"{code(event.ref)} in {_repo_link(event.repository)}"
    )
    return ChannelPost(message(line))
