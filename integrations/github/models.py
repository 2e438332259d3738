"""The GitHub webhook payloads, reduced to the fields this app reads.

Validated once at the boundary (`parse` in `dispatch.py`); formatters then read attributes.
Models ignore unknown fields (GitHub adds them all the time) and default the ones that some
real payloads omit: the `@octokit/webhooks-examples` corpus has a pinned issue without
`state`, reviews without `draft` on their pull request, workflow runs without `actor`.
A deleted GitHub account arrives as `null` and reads as the `ghost` user, as on github.com.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


_GHOST = {"login": "ghost", "html_url": "https://github.com/ghost", "type": "User"}


def _ghost_if_missing(value: Any) -> Any:
    return _GHOST if value is None else value


class User(Model):
    login: str
    html_url: str = ""
    type: str = "User"

    @property
    def is_bot(self) -> bool:
        return self.type == "Bot" or self.login.endswith("[bot]")


Actor = Annotated[User, BeforeValidator(_ghost_if_missing)]


class Team(Model):
    name: str
    slug: str = ""
    html_url: str = ""


class Label(Model):
    name: str


class Repository(Model):
    full_name: str
    html_url: str
    default_branch: str | None = None
    master_branch: str | None = None  # push payloads name the default branch here too

    @property
    def main_branch(self) -> str | None:
        return self.default_branch or self.master_branch


class Branch(Model):
    ref: str
    sha: str = ""


class Milestone(Model):
    title: str


class PullRequest(Model):
    number: int
    title: str
    html_url: str
    state: str = "open"
    draft: bool = False
    merged: bool | None = None
    merged_at: str | None = None
    user: Actor
    body: str | None = None
    labels: list[Label] = Field(default_factory=list)
    requested_reviewers: list[User | Team] = Field(default_factory=list)
    requested_teams: list[Team] = Field(default_factory=list)
    assignees: list[User] = Field(default_factory=list)
    head: Branch
    base: Branch
    commits: int | None = None

    @property
    def is_merged(self) -> bool:
        """Merged: `merged` on pull_request events, `merged_at` on review events (which
        leave `merged` out)."""
        return bool(self.merged) or self.merged_at is not None


class IssuePullRequestLink(Model):
    html_url: str | None = None


class Issue(Model):
    number: int
    title: str
    html_url: str
    state: str | None = None
    state_reason: str | None = None
    user: Actor
    body: str | None = None
    labels: list[Label] = Field(default_factory=list)
    assignees: list[User] = Field(default_factory=list)
    milestone: Milestone | None = None
    draft: bool = False
    pull_request: IssuePullRequestLink | None = None

    @property
    def is_pull_request(self) -> bool:
        """Issue events and comments for a pull request carry `pull_request`."""
        return self.pull_request is not None


class Comment(Model):
    id: int
    html_url: str
    body: str = ""
    user: Actor


class ReviewComment(Comment):
    path: str = ""
    line: int | None = None
    original_line: int | None = None


class Review(Model):
    id: int
    html_url: str
    state: str
    body: str | None = None
    user: Actor


class ChangedText(Model):
    from_: str = Field(alias="from")


class ChangedBase(Model):
    ref: ChangedText


class Changes(Model):
    """`changes` of an `edited` action: the previous values."""

    title: ChangedText | None = None
    body: ChangedText | None = None
    base: ChangedBase | None = None


class CommitAuthor(Model):
    name: str = ""
    username: str | None = None


class Commit(Model):
    id: str
    message: str
    url: str
    author: CommitAuthor = Field(default_factory=CommitAuthor)


class Release(Model):
    tag_name: str
    name: str | None = None
    html_url: str
    body: str | None = None
    draft: bool = False
    prerelease: bool = False
    author: Actor


class Deployment(Model):
    ref: str
    sha: str
    environment: str
    creator: Actor


class DeploymentStatus(Model):
    state: str
    environment: str | None = None
    target_url: str | None = None
    environment_url: str | None = None
    description: str | None = None
    creator: Actor


class Workflow(Model):
    name: str = ""
    path: str = ""


class WorkflowRun(Model):
    name: str | None = None
    display_title: str | None = None
    html_url: str
    head_branch: str | None = None
    head_sha: str = ""
    run_number: int
    event: str = ""
    status: str | None = None
    conclusion: str | None = None
    actor: User | None = None


# Events ---------------------------------------------------------------------------------


class Event(Model):
    """What every event this app formats has: the repository and who did it."""

    action: str | None = None
    repository: Repository
    sender: Actor


class PullRequestEvent(Event):
    pull_request: PullRequest
    label: Label | None = None
    requested_reviewer: User | None = None
    requested_team: Team | None = None
    assignee: User | None = None
    before: str | None = None
    after: str | None = None
    changes: Changes | None = None


class PullRequestReviewEvent(Event):
    review: Review
    pull_request: PullRequest


class PullRequestReviewCommentEvent(Event):
    comment: ReviewComment
    pull_request: PullRequest


class IssuesEvent(Event):
    issue: Issue
    label: Label | None = None
    assignee: User | None = None
    changes: Changes | None = None


class IssueCommentEvent(Event):
    issue: Issue
    comment: Comment


class Pusher(Model):
    name: str = ""


class PushEvent(Event):
    ref: str
    before: str
    after: str
    created: bool = False
    deleted: bool = False
    forced: bool = False
    compare: str = ""
    commits: list[Commit] = Field(default_factory=list)
    pusher: Pusher = Field(default_factory=Pusher)

    @property
    def branch(self) -> str | None:
        """The branch pushed to; None for tags."""
        return self.ref.removeprefix("refs/heads/") if self.ref.startswith("refs/heads/") else None


class ReleaseEvent(Event):
    release: Release


class DeploymentStatusEvent(Event):
    deployment_status: DeploymentStatus
    deployment: Deployment


class WorkflowRunEvent(Event):
    workflow_run: WorkflowRun
    workflow: Workflow | None = None


class RefEvent(Event):
    """`create` and `delete`: a branch or tag."""

    ref: str
    ref_type: str
