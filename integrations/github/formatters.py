"""One pure formatter per GitHub event and action: a validated payload in, a post out.

Pull requests and issues become `ThreadPost`s (the card with the object's current state,
and a reply saying what happened); pushes, releases, deployments, workflow runs and refs
become `ChannelPost`s. A formatter may still return `Ignored` for a variant it decides not
to show (a review without a summary, a push of a tag), always with the reason. The table
that picks the formatter is in `dispatch.py`.
"""

from __future__ import annotations

from integrations.github.cards import issue_card, pr_card, thread_key
from integrations.github.models import (
    Changes,
    DeploymentStatusEvent,
    Issue,
    IssueCommentEvent,
    IssuesEvent,
    PullRequest,
    PullRequestEvent,
    PullRequestReviewCommentEvent,
    PullRequestReviewEvent,
    PushEvent,
    RefEvent,
    ReleaseEvent,
    Repository,
    User,
    WorkflowRunEvent,
)
from integrations.github.text import code, escape, first_line, link, message, quote
from integrations.messages import ChannelPost, Ignored, Rendered, SlackMessage, ThreadPost

COMMIT_LIMIT = 10  # commits listed in a push message; the compare link shows the rest


def _who(user: User) -> str:
    return escape(user.login)


def _pr_link(pr: PullRequest, url: str | None = None) -> str:
    return link(url or pr.html_url, f"#{pr.number} {pr.title}")


def _issue_link(issue: Issue, url: str | None = None) -> str:
    return link(url or issue.html_url, f"#{issue.number} {issue.title}")


def _repo_link(repository: Repository) -> str:
    return link(repository.html_url, repository.full_name)


def _short(sha: str) -> str:
    return sha[:7]


def _pr_post(
    event: PullRequestEvent | PullRequestReviewEvent | PullRequestReviewCommentEvent,
    reply: SlackMessage | None,
    *,
    reply_key: str | None = None,
) -> ThreadPost:
    return ThreadPost(
        thread_key=thread_key(event.repository, event.pull_request.number),
        card=pr_card(event.pull_request, event.repository),
        reply=reply,
        reply_key=reply_key,
    )


def _issue_post(
    event: IssuesEvent | IssueCommentEvent,
    reply: SlackMessage | None,
    *,
    reply_key: str | None = None,
) -> ThreadPost:
    return ThreadPost(
        thread_key=thread_key(event.repository, event.issue.number),
        card=issue_card(event.issue, event.repository),
        reply=reply,
        reply_key=reply_key,
        # An issue event for a pull request knows the issue side only (no branches, no
        # reviewers): it may start a thread but must not overwrite a full PR card.
        refresh_card=not event.issue.is_pull_request,
    )


def _assignment(actor: User, assignee: User | None, verb: str, what: str) -> str:
    if assignee is None:
        return f"{_who(actor)} {verb} this {what}"
    if assignee.login == actor.login:
        return f"{_who(actor)} {verb} themselves"
    return f"{_who(actor)} {verb} {escape(assignee.login)}"


def _edits(actor: User, changes: Changes | None, title: str, base: str | None = None) -> str:
    """What an `edited` action changed that the thread should hear about: title and base."""
    lines = []
    if changes and changes.title is not None and changes.title.from_ != title:
        lines.append(
            f"{_who(actor)} changed the title: ~{escape(changes.title.from_)}~ → {escape(title)}"
        )
    if changes and changes.base is not None and base is not None:
        lines.append(
            f"{_who(actor)} changed the base branch: {code(changes.base.ref.from_)} → {code(base)}"
        )
    return "\n".join(lines)


# Pull requests --------------------------------------------------------------------------


def pr_opened(event: PullRequestEvent) -> Rendered:
    pr = event.pull_request
    emoji, kind = (
        (":white_circle:", "draft pull request")
        if pr.draft
        else (
            ":large_green_circle:",
            "pull request",
        )
    )
    line = f"{emoji} {_who(event.sender)} opened {kind} {_pr_link(pr)}"
    return _pr_post(event, message(line, quote(pr.body)))


def _pr_change(event: PullRequestEvent, emoji: str, did: str) -> Rendered:
    """A state change of the pull request: `did` has `{pr}` where the PR link goes."""
    line = f"{emoji} {_who(event.sender)} " + did.format(pr=_pr_link(event.pull_request))
    return _pr_post(event, message(line))


def pr_merged(event: PullRequestEvent) -> Rendered:
    base = code(event.pull_request.base.ref)
    return _pr_change(event, ":large_purple_circle:", "merged pull request {pr} into " + base)


def pr_closed(event: PullRequestEvent) -> Rendered:
    return _pr_change(event, ":red_circle:", "closed pull request {pr} without merging")


def pr_reopened(event: PullRequestEvent) -> Rendered:
    return _pr_change(event, ":large_green_circle:", "reopened pull request {pr}")


def pr_ready_for_review(event: PullRequestEvent) -> Rendered:
    return _pr_change(event, ":large_green_circle:", "marked pull request {pr} as ready for review")


def pr_converted_to_draft(event: PullRequestEvent) -> Rendered:
    return _pr_change(event, ":white_circle:", "converted pull request {pr} to a draft")


def _reviewer(event: PullRequestEvent) -> str:
    if event.requested_team is not None:
        return "team " + code(event.requested_team.slug or event.requested_team.name)
    if event.requested_reviewer is not None:
        return escape(event.requested_reviewer.login)
    return "a reviewer"


def pr_review_requested(event: PullRequestEvent) -> Rendered:
    line = f":eyes: {_who(event.sender)} requested a review from {_reviewer(event)}"
    return _pr_post(event, message(line))


def pr_review_request_removed(event: PullRequestEvent) -> Rendered:
    line = f"{_who(event.sender)} removed the review request for {_reviewer(event)}"
    return _pr_post(event, message(line))


def pr_labeled(event: PullRequestEvent) -> Rendered:
    name = event.label.name if event.label else "?"
    return _pr_post(event, message(f"{_who(event.sender)} added the label {code(name)}"))


def pr_unlabeled(event: PullRequestEvent) -> Rendered:
    name = event.label.name if event.label else "?"
    return _pr_post(event, message(f"{_who(event.sender)} removed the label {code(name)}"))


def pr_assigned(event: PullRequestEvent) -> Rendered:
    line = _assignment(event.sender, event.assignee, "assigned", "pull request")
    return _pr_post(event, message(line))


def pr_unassigned(event: PullRequestEvent) -> Rendered:
    line = _assignment(event.sender, event.assignee, "unassigned", "pull request")
    return _pr_post(event, message(line))


def pr_synchronize(event: PullRequestEvent) -> Rendered:
    """New commits on the PR's branch. The webhook names the old and new head only; the
    compare link lists what was pushed, and the PR's total commit count is shown."""
    pr = event.pull_request
    line = f":arrow_up: {_who(event.sender)} pushed to {code(pr.head.ref)}"
    if event.before and event.after:
        compare = f"{event.repository.html_url}/compare/{event.before}...{event.after}"
        line += f" ({link(compare, f'{_short(event.before)}…{_short(event.after)}')})"
    if pr.commits is not None:
        line += f"; the pull request has {pr.commits} commit{'s' if pr.commits != 1 else ''}"
    return _pr_post(event, message(line))


def pr_edited(event: PullRequestEvent) -> Rendered:
    pr = event.pull_request
    said = _edits(event.sender, event.changes, pr.title, pr.base.ref)
    if not said:
        return Ignored("pull request edited: only the description changed, which no post shows")
    return _pr_post(event, message(said))


# Reviews and review comments ------------------------------------------------------------

REVIEW_VERBS = {
    "approved": ":white_check_mark: {who} approved {pr}",
    "changes_requested": ":x: {who} requested changes on {pr}",
    "commented": ":speech_balloon: {who} reviewed {pr}",
}


def _review_key(event: PullRequestReviewEvent) -> str:
    thread = thread_key(event.repository, event.pull_request.number)
    return f"{thread}/pullrequestreview-{event.review.id}"


def review_submitted(event: PullRequestReviewEvent) -> Rendered:
    """Approved, changes requested, or commented. A "commented" review with no summary is
    only the wrapper of its line comments, which arrive one by one as review comments."""
    review = event.review
    if review.state == "commented" and not (review.body or "").strip():
        return Ignored("review without a summary: its line comments are posted one by one")
    template = REVIEW_VERBS.get(review.state)
    if template is None:
        return Ignored(f"review state {review.state!r} is not shown")
    pr_ref = _pr_link(event.pull_request, review.html_url)
    line = template.format(who=escape(review.user.login), pr=pr_ref)
    return _pr_post(event, message(line, quote(review.body)), reply_key=_review_key(event))


def review_dismissed(event: PullRequestReviewEvent) -> Rendered:
    review = event.review
    if review.user.login == event.sender.login:
        whose = "their own review"
    else:
        whose = f"the review by {escape(review.user.login)}"
    line = f":no_entry_sign: {_who(event.sender)} dismissed {whose}"
    return _pr_post(event, message(line))


def _on_line(event: PullRequestReviewCommentEvent) -> str:
    """` on `path:line`` for a line comment, empty when the payload names no path."""
    comment = event.comment
    where = comment.path
    line_no = comment.line or comment.original_line
    if where and line_no:
        where = f"{where}:{line_no}"
    return f" on {code(where)}" if where else ""


def _review_comment_line(event: PullRequestReviewCommentEvent) -> str:
    comment = event.comment
    on = _on_line(event)
    return f":speech_balloon: {_who(comment.user)} {link(comment.html_url, 'commented')}{on}"


def _review_comment_key(event: PullRequestReviewCommentEvent) -> str:
    return (
        f"{thread_key(event.repository, event.pull_request.number)}/discussion_r{event.comment.id}"
    )


def review_comment(event: PullRequestReviewCommentEvent) -> Rendered:
    """A line comment, created or edited: the same reply, keyed so an edit updates it."""
    line = _review_comment_line(event)
    return _pr_post(
        event, message(line, quote(event.comment.body)), reply_key=_review_comment_key(event)
    )


DELETED = "_comment deleted_"
"""What the reply of a deleted comment says instead of the comment (its link is dead too)."""


def review_comment_deleted(event: PullRequestReviewCommentEvent) -> Rendered:
    """Marks the reply of a deleted line comment; where none was posted, nothing is said."""
    line = f":speech_balloon: {_who(event.comment.user)} commented{_on_line(event)}: {DELETED}"
    return ThreadPost(
        thread_key=thread_key(event.repository, event.pull_request.number),
        reply_key=_review_comment_key(event),
        reply_edit=message(line),
    )


# Issues and issue comments --------------------------------------------------------------

CLOSED_AS = {
    "completed": (":large_purple_circle:", " as completed"),
    "not_planned": (":white_circle:", " as not planned"),
    "duplicate": (":white_circle:", " as a duplicate"),
}


def issue_opened(event: IssuesEvent) -> Rendered:
    line = f":large_green_circle: {_who(event.sender)} opened issue {_issue_link(event.issue)}"
    return _issue_post(event, message(line, quote(event.issue.body)))


def issue_closed(event: IssuesEvent) -> Rendered:
    emoji, how = CLOSED_AS.get(event.issue.state_reason or "", (":red_circle:", ""))
    line = f"{emoji} {_who(event.sender)} closed issue {_issue_link(event.issue)}{how}"
    return _issue_post(event, message(line))


def issue_reopened(event: IssuesEvent) -> Rendered:
    line = f":large_green_circle: {_who(event.sender)} reopened issue {_issue_link(event.issue)}"
    return _issue_post(event, message(line))


def issue_labeled(event: IssuesEvent) -> Rendered:
    name = event.label.name if event.label else "?"
    return _issue_post(event, message(f"{_who(event.sender)} added the label {code(name)}"))


def issue_unlabeled(event: IssuesEvent) -> Rendered:
    name = event.label.name if event.label else "?"
    return _issue_post(event, message(f"{_who(event.sender)} removed the label {code(name)}"))


def issue_assigned(event: IssuesEvent) -> Rendered:
    return _issue_post(
        event, message(_assignment(event.sender, event.assignee, "assigned", "issue"))
    )


def issue_unassigned(event: IssuesEvent) -> Rendered:
    line = _assignment(event.sender, event.assignee, "unassigned", "issue")
    return _issue_post(event, message(line))


def issue_edited(event: IssuesEvent) -> Rendered:
    said = _edits(event.sender, event.changes, event.issue.title)
    if not said:
        return Ignored("issue edited: only the description changed, which no post shows")
    return _issue_post(event, message(said))


def issue_deleted(event: IssuesEvent) -> Rendered:
    """Said only where a thread exists (no card: a deleted issue starts no thread)."""
    issue = event.issue
    line = f":wastebasket: {_who(event.sender)} deleted issue #{issue.number} {escape(issue.title)}"
    return ThreadPost(
        thread_key=thread_key(event.repository, event.issue.number), card=None, reply=message(line)
    )


def _comment_key(event: IssueCommentEvent) -> str:
    return f"{thread_key(event.repository, event.issue.number)}/issuecomment-{event.comment.id}"


def issue_comment(event: IssueCommentEvent) -> Rendered:
    """A comment on an issue or a pull request, created or edited: the same reply, keyed so
    an edit updates it."""
    comment = event.comment
    line = f":speech_balloon: {_who(comment.user)} {link(comment.html_url, 'commented')}"
    return _issue_post(event, message(line, quote(comment.body)), reply_key=_comment_key(event))


def issue_comment_deleted(event: IssueCommentEvent) -> Rendered:
    """Marks the reply of a deleted comment; where none was posted, nothing is said."""
    return ThreadPost(
        thread_key=thread_key(event.repository, event.issue.number),
        reply_key=_comment_key(event),
        reply_edit=message(f":speech_balloon: {_who(event.comment.user)} commented: {DELETED}"),
    )


# Channel posts --------------------------------------------------------------------------


def push(event: PushEvent) -> Rendered:
    """Commits pushed to a branch (subscriptions decide which branches: `commits` is the
    default branch, `commits:<branch>` others). Branch and tag creation and deletion have
    their own events, so pushes that only do that are ignored here."""
    branch = event.branch
    if branch is None:
        return Ignored("push of a tag: tags are reported by the create event and releases")
    if event.deleted:
        return Ignored("push deleting a branch: reported by the delete event")
    if not event.commits:
        return Ignored("push without new commits: a new branch is reported by the create event")
    count = len(event.commits)
    verb = "force-pushed" if event.forced else "pushed"
    line = (
        f":arrow_up: {_who(event.sender)} {verb} {count} commit{'s' if count != 1 else ''} "
        f"to {code(branch)} in {_repo_link(event.repository)}"
    )
    lines = []
    for commit in event.commits[:COMMIT_LIMIT]:
        author = commit.author.username or commit.author.name
        lines.append(
            f"• {link(commit.url, _short(commit.id))} {escape(first_line(commit.message))}"
            + (f" — {escape(author)}" if author else "")
        )
    rest = count - COMMIT_LIMIT
    if event.compare:
        label = f"and {rest} more" if rest > 0 else "Compare changes"
        lines.append(link(event.compare, label))
    return ChannelPost(message(line, "\n".join(lines)))


def release_published(event: ReleaseEvent) -> Rendered:
    release = event.release
    title = release.tag_name
    if release.name and release.name.strip() and release.name.strip() != release.tag_name:
        title = f"{release.name.strip()} ({release.tag_name})"
    kind = "pre-release" if release.prerelease else "release"
    line = (
        f":rocket: {_who(event.sender)} published {kind} {link(release.html_url, title)} "
        f"in {_repo_link(event.repository)}"
    )
    return ChannelPost(message(line, quote(release.body)))


DEPLOYMENT_OUTCOMES = {
    "success": (":white_check_mark:", "succeeded"),
    "failure": (":x:", "failed"),
    "error": (":warning:", "failed with an error"),
}


def deployment_status(event: DeploymentStatusEvent) -> Rendered:
    """Final deployment states only: a deployment posts once, when it has an outcome."""
    status, deployment = event.deployment_status, event.deployment
    if status.state not in DEPLOYMENT_OUTCOMES:
        return Ignored(
            f"deployment status {status.state!r}: only outcomes (success, failure, error) "
            "are posted"
        )
    emoji, outcome = DEPLOYMENT_OUTCOMES[status.state]
    environment = status.environment or deployment.environment
    line = (
        f"{emoji} Deployment of {code(deployment.ref)} ({_short(deployment.sha)}) to "
        f"{code(environment)} {outcome} in {_repo_link(event.repository)}"
    )
    target = (
        status.environment_url or status.target_url or f"{event.repository.html_url}/deployments"
    )
    detail = f"by {escape(status.creator.login)} · {link(target, 'details')}"
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


def workflow_run_completed(event: WorkflowRunEvent) -> Rendered:
    """A finished run, whatever its outcome; subscriptions pass failures unless they ask for
    `workflows:all`."""
    run = event.workflow_run
    if run.conclusion is None:
        return Ignored("workflow run without a conclusion: nothing to report yet")
    emoji, outcome = WORKFLOW_OUTCOMES.get(run.conclusion, (":grey_question:", run.conclusion))
    name = (run.name or "").strip() or (event.workflow.name if event.workflow else "") or "workflow"
    on = f" on {code(run.head_branch)}" if run.head_branch else ""
    line = (
        f"{emoji} Workflow {link(run.html_url, f'{name} #{run.run_number}')} {outcome}{on} "
        f"in {_repo_link(event.repository)}"
    )
    actor = run.actor or event.sender
    detail = f"triggered by {escape(actor.login)}" + (
        f" ({escape(run.event)})" if run.event else ""
    )
    if run.display_title:
        detail = escape(first_line(run.display_title, 200)) + "\n" + detail
    return ChannelPost(message(line, detail))


def ref_created(event: RefEvent) -> Rendered:
    emoji = ":label:" if event.ref_type == "tag" else ":seedling:"
    url = f"{event.repository.html_url}/tree/{event.ref}"
    line = (
        f"{emoji} {_who(event.sender)} created {escape(event.ref_type)} "
        f"{link(url, event.ref)} in {_repo_link(event.repository)}"
    )
    return ChannelPost(message(line))


def ref_deleted(event: RefEvent) -> Rendered:
    line = (
        f":wastebasket: {_who(event.sender)} deleted {escape(event.ref_type)} {code(event.ref)} "
        f"in {_repo_link(event.repository)}"
    )
    return ChannelPost(message(line))
