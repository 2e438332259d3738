"""The GitHub webhook payloads, reduced to the fields this app reads.

Validated once at the boundary (`parse` in `dispatch.py`); formatters then read attributes.
Models ignore unknown fields (GitHub adds them all the time), and require only what a post
cannot do without: the repository (its full name, or owner and name), the number of a pull
request or issue, the id of a comment or review (its reply is keyed by it), a review's
state, a release's tag, a deployment status's state, the ref of a push or branch. Everything
else has a default or is derived (`derive.py`: web links from the repository's), because
older senders, GitHub Enterprise Server and other tools' test payloads leave it out. A
deleted GitHub account arrives as `null` and reads as the `ghost` user, as on github.com; an
actor the payload does not name at all (no `sender`, a user without `login`) reads as
`someone`. Nameless labels and loginless people in lists are left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from integrations.github import derive


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


_GHOST = {"login": "ghost", "html_url": "https://github.com/ghost", "type": "User"}
UNKNOWN = "someone"
"""Who an actor the payload does not name reads as."""


def _named(value: Any, key: str = "login") -> bool:
    return isinstance(value, Mapping) and isinstance(value.get(key), str) and bool(value[key])


def _actor(value: Any) -> Any:
    """`null` is a deleted account (`ghost`); a user without a login is not named."""
    if value is None:
        return _GHOST
    return value if _named(value) or not isinstance(value, Mapping) else {"login": UNKNOWN}


def _user_or_none(value: Any) -> Any:
    return value if _named(value) or not isinstance(value, Mapping) else None


def _name_or_none(value: Any) -> Any:
    return value if _named(value, "name") or not isinstance(value, Mapping) else None


def _only_named(*keys: str) -> BeforeValidator:
    """A list without the entries that name nobody (no `login`, no `name`)."""

    def keep(items: Any) -> Any:
        if items is None:  # `null` for a list: an older sender that does not know
            return []
        if not isinstance(items, list):
            return items
        return [i for i in items if not isinstance(i, Mapping) or any(_named(i, k) for k in keys)]

    return BeforeValidator(keep)


class User(Model):
    login: str
    html_url: str = ""
    type: str = "User"

    @property
    def is_bot(self) -> bool:
        return self.type == "Bot" or self.login.endswith("[bot]")


Actor = Annotated[User, BeforeValidator(_actor)]
MaybeUser = Annotated[User | None, BeforeValidator(_user_or_none)]
People = Annotated[list[User], _only_named("login")]


def _unknown() -> User:
    return User(login=UNKNOWN)


class Team(Model):
    name: str
    slug: str = ""
    html_url: str = ""


class Label(Model):
    name: str


MaybeLabel = Annotated[Label | None, BeforeValidator(_name_or_none)]
Labels = Annotated[list[Label], _only_named("name")]


class Repository(Model):
    full_name: str
    html_url: str
    default_branch: str | None = None
    master_branch: str | None = None  # push payloads name the default branch here too

    @model_validator(mode="before")
    @classmethod
    def _derive(cls, data: Any) -> Any:
        """`full_name` from owner and name, `html_url` from it and the GitHub host."""
        return derive.repository(data) if isinstance(data, Mapping) else data

    @property
    def main_branch(self) -> str | None:
        return self.default_branch or self.master_branch


class Branch(Model):
    ref: str = ""
    sha: str = ""


class Milestone(Model):
    title: str


class PullRequest(Model):
    number: int
    title: str = ""
    html_url: str = ""
    state: str = "open"
    draft: bool = False
    merged: bool | None = None
    merged_at: str | None = None
    user: Actor = Field(default_factory=_unknown)
    body: str | None = None
    labels: Labels = Field(default_factory=list)
    requested_reviewers: Annotated[list[User | Team], _only_named("login", "name")] = Field(
        default_factory=list
    )
    requested_teams: Annotated[list[Team], _only_named("name")] = Field(default_factory=list)
    assignees: People = Field(default_factory=list)
    head: Branch = Field(default_factory=Branch)
    base: Branch = Field(default_factory=Branch)
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
    title: str = ""
    html_url: str = ""
    state: str | None = None
    state_reason: str | None = None
    user: Actor = Field(default_factory=_unknown)
    body: str | None = None
    labels: Labels = Field(default_factory=list)
    assignees: People = Field(default_factory=list)
    milestone: Milestone | None = None
    draft: bool = False
    pull_request: IssuePullRequestLink | None = None

    @property
    def is_pull_request(self) -> bool:
        """Issue events and comments for a pull request carry `pull_request`."""
        return self.pull_request is not None


class Comment(Model):
    id: int
    html_url: str = ""
    body: str = ""
    user: Actor = Field(default_factory=_unknown)


class ReviewComment(Comment):
    path: str = ""
    line: int | None = None
    original_line: int | None = None


class Review(Model):
    id: int
    html_url: str = ""
    state: str
    body: str | None = None
    user: Actor = Field(default_factory=_unknown)


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
    id: str = ""
    message: str = ""
    url: str = ""
    author: CommitAuthor = Field(default_factory=CommitAuthor)


class Release(Model):
    tag_name: str
    name: str | None = None
    html_url: str = ""
    body: str | None = None
    draft: bool = False
    prerelease: bool = False
    author: Actor = Field(default_factory=_unknown)


class Deployment(Model):
    ref: str = ""
    sha: str = ""
    environment: str = ""
    creator: Actor = Field(default_factory=_unknown)


class DeploymentStatus(Model):
    state: str
    environment: str | None = None
    target_url: str | None = None
    environment_url: str | None = None
    description: str | None = None
    creator: Actor = Field(default_factory=_unknown)


class Workflow(Model):
    name: str = ""
    path: str = ""


class WorkflowRun(Model):
    id: int | None = None
    name: str | None = None
    display_title: str | None = None
    html_url: str = ""
    head_branch: str | None = None
    head_sha: str = ""
    run_number: int | None = None
    event: str = ""
    status: str | None = None
    conclusion: str | None = None
    actor: MaybeUser = None


# Events ---------------------------------------------------------------------------------


class Event(Model):
    """What every event this app formats has: the repository and who did it."""

    action: str | None = None
    repository: Repository
    sender: Actor = Field(default_factory=_unknown)

    @model_validator(mode="before")
    @classmethod
    def _derive(cls, data: Any) -> Any:
        """Web links the payload lacks, from the repository's (`derive.links`)."""
        return derive.links(data) if isinstance(data, Mapping) else data


class PullRequestEvent(Event):
    pull_request: PullRequest
    label: MaybeLabel = None
    requested_reviewer: MaybeUser = None
    requested_team: Annotated[Team | None, BeforeValidator(_name_or_none)] = None
    assignee: MaybeUser = None
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
    label: MaybeLabel = None
    assignee: MaybeUser = None
    changes: Changes | None = None


class IssueCommentEvent(Event):
    issue: Issue
    comment: Comment


class Pusher(Model):
    name: str = ""


class PushEvent(Event):
    ref: str
    before: str = ""
    after: str = ""
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
    deployment: Deployment = Field(default_factory=Deployment)


class WorkflowRunEvent(Event):
    workflow_run: WorkflowRun
    workflow: Workflow | None = None


class RefEvent(Event):
    """`create` and `delete`: a branch or tag."""

    ref: str
    ref_type: str = "ref"
