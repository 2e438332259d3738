"""The fake GitHub's objects and their REST API JSON shapes.

Shapes follow GitHub's REST documentation (repos, pulls, issues, commits, check runs,
combined status, reviews, hooks, users, orgs) closely enough that PyGithub populates its
objects: ids, ``node_id``, ``url`` / ``html_url`` and the ``*_url`` links PyGithub follows,
``owner{login}``, ``head``/``base``, ``mergeable``/``mergeable_state``, ``requested_reviewers``.

API URLs are built from the root the request came in on (``http://127.0.0.1:<port>`` or
``.../api/v3`` as GitHub Enterprise uses), so PyGithub can follow every link it gets; web
URLs (``html_url``) use ``https://github.com`` unless the fake is told otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DOCS = "https://docs.github.com/rest"


@dataclass
class GhUser:
    id: int
    login: str
    type: str = "User"
    name: str | None = None
    email: str | None = None


@dataclass
class Commit:
    sha: str
    message: str
    author: str
    date: str
    parents: list[str] = field(default_factory=list)


@dataclass
class CheckRun:
    id: int
    head_sha: str
    name: str
    status: str
    conclusion: str | None
    started_at: str
    completed_at: str | None
    details_url: str | None = None
    title: str | None = None
    summary: str | None = None


@dataclass
class Status:
    id: int
    sha: str
    context: str
    state: str
    description: str
    target_url: str | None
    created_at: str


@dataclass
class Review:
    id: int
    user: str
    state: str
    body: str
    commit_id: str
    submitted_at: str


@dataclass
class IssueComment:
    id: int
    user: str
    body: str
    created_at: str
    updated_at: str | None = None


@dataclass
class Issue:
    number: int
    id: int
    title: str
    user: str
    body: str | None
    state: str
    labels: list[str]
    assignees: list[str]
    created_at: str
    updated_at: str
    closed_at: str | None = None
    comments: list[IssueComment] = field(default_factory=list)
    state_reason: str | None = None


@dataclass
class Pull:
    number: int
    id: int
    title: str
    user: str
    body: str | None
    state: str
    head_ref: str
    head_sha: str
    base_ref: str
    base_sha: str
    draft: bool
    merged: bool
    mergeable: bool | None
    mergeable_state: str
    requested_reviewers: list[str]
    labels: list[str]
    created_at: str
    updated_at: str
    mergeable_pending_reads: int = 0
    """GETs that still answer ``mergeable: null`` / ``unknown``, as while GitHub computes it."""
    merged_by: str | None = None
    closed_at: str | None = None
    merged_at: str | None = None
    reviews: list[Review] = field(default_factory=list)
    comments: list[IssueComment] = field(default_factory=list)


@dataclass
class Hook:
    id: int
    url: str
    events: list[str]
    active: bool
    content_type: str
    created_at: str
    has_secret: bool = False


@dataclass
class Repo:
    id: int
    owner: GhUser
    name: str
    private: bool
    visible_to: set[str] | None
    """Tokens that see it; ``None``: every token (and, if public, anonymous callers)."""
    admin_tokens: set[str] | None
    default_branch: str
    description: str | None
    created_at: str
    branches: dict[str, str] = field(default_factory=dict)
    commits: dict[str, Commit] = field(default_factory=dict)
    pulls: dict[int, Pull] = field(default_factory=dict)
    issues: dict[int, Issue] = field(default_factory=dict)
    check_runs: list[CheckRun] = field(default_factory=list)
    statuses: list[Status] = field(default_factory=list)
    hooks: list[Hook] = field(default_factory=list)
    archived: bool = False
    collaborators: dict[str, str] = field(default_factory=dict)
    """Login → role (`admin`, `maintain`, `write`, `triage`, `read`)."""

    @property
    def full_name(self) -> str:
        return f"{self.owner.login}/{self.name}"

    def next_number(self) -> int:
        return max([0, *self.pulls, *self.issues]) + 1


# --- serialisers -------------------------------------------------------------------------


def user_json(api: str, web: str, user: GhUser) -> dict[str, Any]:
    base = f"{api}/users/{user.login}"
    return {
        "login": user.login,
        "id": user.id,
        "node_id": f"U_kgDO{user.id:08d}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{user.id}?v=4",
        "gravatar_id": "",
        "url": base,
        "html_url": f"{web}/{user.login}",
        "followers_url": f"{base}/followers",
        "following_url": f"{base}/following{{/other_user}}",
        "gists_url": f"{base}/gists{{/gist_id}}",
        "starred_url": f"{base}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{base}/subscriptions",
        "organizations_url": f"{base}/orgs",
        "repos_url": f"{base}/repos",
        "events_url": f"{base}/events{{/privacy}}",
        "received_events_url": f"{base}/received_events",
        "type": user.type,
        "site_admin": False,
    }


def full_user_json(api: str, web: str, user: GhUser, created_at: str) -> dict[str, Any]:
    out = user_json(api, web, user)
    out.update(
        {
            "name": user.name,
            "company": None,
            "blog": "",
            "location": None,
            "email": user.email,
            "hireable": None,
            "bio": None,
            "public_repos": 0,
            "public_gists": 0,
            "followers": 0,
            "following": 0,
            "created_at": created_at,
            "updated_at": created_at,
        }
    )
    return out


def org_json(api: str, web: str, org: GhUser, created_at: str) -> dict[str, Any]:
    base = f"{api}/orgs/{org.login}"
    return {
        "login": org.login,
        "id": org.id,
        "node_id": f"O_kgDO{org.id:08d}",
        "url": base,
        "repos_url": f"{base}/repos",
        "events_url": f"{base}/events",
        "hooks_url": f"{base}/hooks",
        "issues_url": f"{base}/issues",
        "members_url": f"{base}/members{{/member}}",
        "public_members_url": f"{base}/public_members{{/member}}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{org.id}?v=4",
        "description": None,
        "name": org.name,
        "company": None,
        "blog": "",
        "location": None,
        "email": org.email,
        "is_verified": False,
        "has_organization_projects": True,
        "has_repository_projects": True,
        "public_repos": 0,
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "html_url": f"{web}/{org.login}",
        "created_at": created_at,
        "updated_at": created_at,
        "type": "Organization",
    }


def repo_json(
    api: str, web: str, repo: Repo, permissions: dict[str, bool] | None
) -> dict[str, Any]:
    base = f"{api}/repos/{repo.full_name}"
    out: dict[str, Any] = {
        "id": repo.id,
        "node_id": f"R_kgDO{repo.id:08d}",
        "name": repo.name,
        "full_name": repo.full_name,
        "private": repo.private,
        "owner": user_json(api, web, repo.owner),
        "html_url": f"{web}/{repo.full_name}",
        "description": repo.description,
        "fork": False,
        "url": base,
        "hooks_url": f"{base}/hooks",
        "issues_url": f"{base}/issues{{/number}}",
        "pulls_url": f"{base}/pulls{{/number}}",
        "commits_url": f"{base}/commits{{/sha}}",
        "statuses_url": f"{base}/statuses/{{sha}}",
        "branches_url": f"{base}/branches{{/branch}}",
        "labels_url": f"{base}/labels{{/name}}",
        "comments_url": f"{base}/comments{{/number}}",
        "issue_comment_url": f"{base}/issues/comments{{/number}}",
        "events_url": f"{base}/events",
        "git_url": f"git://github.com/{repo.full_name}.git",
        "ssh_url": f"git@github.com:{repo.full_name}.git",
        "clone_url": f"{web}/{repo.full_name}.git",
        "homepage": None,
        "size": 1,
        "stargazers_count": 0,
        "watchers_count": 0,
        "language": "Python",
        "has_issues": True,
        "has_projects": True,
        "has_wiki": False,
        "has_pages": False,
        "forks_count": 0,
        "archived": repo.archived,
        "disabled": False,
        "open_issues_count": sum(1 for i in repo.issues.values() if i.state == "open")
        + sum(1 for p in repo.pulls.values() if p.state == "open"),
        "license": None,
        "topics": [],
        "visibility": "private" if repo.private else "public",
        "forks": 0,
        "open_issues": 0,
        "watchers": 0,
        "default_branch": repo.default_branch,
        "created_at": repo.created_at,
        "updated_at": repo.created_at,
        "pushed_at": repo.created_at,
    }
    if permissions is not None:
        out["permissions"] = permissions
    return out


def _label_json(api: str, repo: Repo, name: str, index: int) -> dict[str, Any]:
    return {
        "id": 9000 + index,
        "node_id": f"LA_kwDO{9000 + index:08d}",
        "url": f"{api}/repos/{repo.full_name}/labels/{name}",
        "name": name,
        "color": "ededed",
        "default": False,
        "description": None,
    }


def _branch_ref(api: str, web: str, repo: Repo, ref: str, sha: str, repo_obj: dict) -> dict:
    return {
        "label": f"{repo.owner.login}:{ref}",
        "ref": ref,
        "sha": sha,
        "user": user_json(api, web, repo.owner),
        "repo": repo_obj,
    }


def pull_json(
    api: str, web: str, repo: Repo, pull: Pull, users: dict[str, GhUser], repo_obj: dict
) -> dict[str, Any]:
    base = f"{api}/repos/{repo.full_name}"
    pending = pull.mergeable_pending_reads > 0
    merged_by = users.get(pull.merged_by) if pull.merged_by else None
    return {
        "url": f"{base}/pulls/{pull.number}",
        "id": pull.id,
        "node_id": f"PR_kwDO{pull.id:08d}",
        "html_url": f"{web}/{repo.full_name}/pull/{pull.number}",
        "diff_url": f"{web}/{repo.full_name}/pull/{pull.number}.diff",
        "patch_url": f"{web}/{repo.full_name}/pull/{pull.number}.patch",
        "issue_url": f"{base}/issues/{pull.number}",
        "commits_url": f"{base}/pulls/{pull.number}/commits",
        "review_comments_url": f"{base}/pulls/{pull.number}/comments",
        "review_comment_url": f"{base}/pulls/comments{{/number}}",
        "comments_url": f"{base}/issues/{pull.number}/comments",
        "statuses_url": f"{base}/statuses/{pull.head_sha}",
        "number": pull.number,
        "state": pull.state,
        "locked": False,
        "title": pull.title,
        "user": user_json(api, web, users[pull.user]),
        "body": pull.body,
        "labels": [_label_json(api, repo, n, i) for i, n in enumerate(pull.labels)],
        "milestone": None,
        "active_lock_reason": None,
        "created_at": pull.created_at,
        "updated_at": pull.updated_at,
        "closed_at": pull.closed_at,
        "merged_at": pull.merged_at,
        "merge_commit_sha": None,
        "assignee": None,
        "assignees": [],
        "requested_reviewers": [user_json(api, web, users[u]) for u in pull.requested_reviewers],
        "requested_teams": [],
        "head": _branch_ref(api, web, repo, pull.head_ref, pull.head_sha, repo_obj),
        "base": _branch_ref(api, web, repo, pull.base_ref, pull.base_sha, repo_obj),
        "author_association": "MEMBER",
        "auto_merge": None,
        "draft": pull.draft,
        "merged": pull.merged,
        "mergeable": None if pending else pull.mergeable,
        "rebaseable": None if pending else pull.mergeable,
        "mergeable_state": "unknown" if pending else pull.mergeable_state,
        "merged_by": user_json(api, web, merged_by) if merged_by else None,
        "comments": len(pull.comments),
        "review_comments": 0,
        "maintainer_can_modify": False,
        "commits": 1,
        "additions": 10,
        "deletions": 2,
        "changed_files": 1,
    }


def issue_json(
    api: str, web: str, repo: Repo, issue: Issue | Pull, users: dict[str, GhUser]
) -> dict[str, Any]:
    base = f"{api}/repos/{repo.full_name}"
    is_pull = isinstance(issue, Pull)
    assignees = [] if isinstance(issue, Pull) else issue.assignees
    out: dict[str, Any] = {
        "url": f"{base}/issues/{issue.number}",
        "repository_url": base,
        "labels_url": f"{base}/issues/{issue.number}/labels{{/name}}",
        "comments_url": f"{base}/issues/{issue.number}/comments",
        "events_url": f"{base}/issues/{issue.number}/events",
        "html_url": f"{web}/{repo.full_name}/{'pull' if is_pull else 'issues'}/{issue.number}",
        "id": issue.id,
        "node_id": f"I_kwDO{issue.id:08d}",
        "number": issue.number,
        "title": issue.title,
        "user": user_json(api, web, users[issue.user]),
        "labels": [_label_json(api, repo, n, i) for i, n in enumerate(issue.labels)],
        "state": issue.state,
        "locked": False,
        "assignee": user_json(api, web, users[assignees[0]]) if assignees else None,
        "assignees": [user_json(api, web, users[a]) for a in assignees],
        "milestone": None,
        "comments": len(issue.comments),
        "created_at": issue.created_at,
        "updated_at": issue.updated_at,
        "closed_at": issue.closed_at,
        "author_association": "MEMBER",
        "active_lock_reason": None,
        "body": issue.body,
        "state_reason": None if isinstance(issue, Pull) else issue.state_reason,
    }
    if is_pull:
        out["pull_request"] = {
            "url": f"{base}/pulls/{issue.number}",
            "html_url": f"{web}/{repo.full_name}/pull/{issue.number}",
            "diff_url": f"{web}/{repo.full_name}/pull/{issue.number}.diff",
            "patch_url": f"{web}/{repo.full_name}/pull/{issue.number}.patch",
            "merged_at": issue.merged_at,
        }
    return out


def issue_comment_json(
    api: str, web: str, repo: Repo, number: int, comment: IssueComment, users: dict[str, GhUser]
) -> dict[str, Any]:
    return {
        "id": comment.id,
        "node_id": f"IC_kwDO{comment.id:08d}",
        "url": f"{api}/repos/{repo.full_name}/issues/comments/{comment.id}",
        "html_url": f"{web}/{repo.full_name}/issues/{number}#issuecomment-{comment.id}",
        "issue_url": f"{api}/repos/{repo.full_name}/issues/{number}",
        "body": comment.body,
        "user": user_json(api, web, users[comment.user]),
        "created_at": comment.created_at,
        "updated_at": comment.updated_at or comment.created_at,
        "author_association": "MEMBER",
    }


LEGACY_PERMISSION = {
    "admin": "admin",
    "maintain": "write",
    "write": "write",
    "triage": "read",
    "read": "read",
}
"""`permission` of the collaborator permission endpoint: the legacy base role of each role."""
_ROLE_ORDER = ("read", "triage", "write", "maintain", "admin")


def collaborator_permission_json(api: str, web: str, user: GhUser, role: str) -> dict[str, Any]:
    """`GET /repos/{owner}/{repo}/collaborators/{username}/permission` (a collaborator)."""
    rank = _ROLE_ORDER.index(role)
    permissions = {
        "pull": True,
        "triage": rank >= 1,
        "push": rank >= 2,
        "maintain": rank >= 3,
        "admin": rank >= 4,
    }
    return {
        "permission": LEGACY_PERMISSION[role],
        "role_name": role,
        "user": {**user_json(api, web, user), "permissions": permissions, "role_name": role},
    }


def commit_json(
    api: str, web: str, repo: Repo, commit: Commit, users: dict[str, GhUser]
) -> dict[str, Any]:
    base = f"{api}/repos/{repo.full_name}"
    author = users.get(commit.author)
    person = {
        "name": author.name if author and author.name else commit.author,
        "email": author.email if author and author.email else f"{commit.author}@example.com",
        "date": commit.date,
    }
    return {
        "sha": commit.sha,
        "node_id": f"C_kwDO{commit.sha[:12]}",
        "commit": {
            "author": person,
            "committer": person,
            "message": commit.message,
            "tree": {"sha": commit.sha[::-1], "url": f"{base}/git/trees/{commit.sha[::-1]}"},
            "url": f"{base}/git/commits/{commit.sha}",
            "comment_count": 0,
            "verification": {"verified": False, "reason": "unsigned", "signature": None},
        },
        "url": f"{base}/commits/{commit.sha}",
        "html_url": f"{web}/{repo.full_name}/commit/{commit.sha}",
        "comments_url": f"{base}/commits/{commit.sha}/comments",
        "author": user_json(api, web, author) if author else None,
        "committer": user_json(api, web, author) if author else None,
        "parents": [
            {
                "sha": p,
                "url": f"{base}/commits/{p}",
                "html_url": f"{web}/{repo.full_name}/commit/{p}",
            }
            for p in commit.parents
        ],
        "stats": {"total": 12, "additions": 10, "deletions": 2},
        "files": [],
    }


APP = {
    "id": 15368,
    "slug": "github-actions",
    "node_id": "MDM6QXBwMTUzNjg=",
    "name": "GitHub Actions",
    "description": "Automate your workflow from idea to production",
    "external_url": "https://help.github.com/en/actions",
    "html_url": "https://github.com/apps/github-actions",
    "created_at": "2018-07-30T09:30:17Z",
    "updated_at": "2019-12-10T19:04:12Z",
    "permissions": {},
    "events": [],
}


def check_run_json(api: str, web: str, repo: Repo, run: CheckRun) -> dict[str, Any]:
    base = f"{api}/repos/{repo.full_name}"
    return {
        "id": run.id,
        "node_id": f"CR_kwDO{run.id:08d}",
        "head_sha": run.head_sha,
        "external_id": "",
        "url": f"{base}/check-runs/{run.id}",
        "html_url": f"{web}/{repo.full_name}/runs/{run.id}",
        "details_url": run.details_url or f"{web}/{repo.full_name}/runs/{run.id}",
        "status": run.status,
        "conclusion": run.conclusion,
        "started_at": run.started_at,
        "completed_at": run.completed_at,
        "output": {
            "title": run.title,
            "summary": run.summary,
            "text": None,
            "annotations_count": 0,
            "annotations_url": f"{base}/check-runs/{run.id}/annotations",
        },
        "name": run.name,
        "check_suite": {"id": 50000 + run.id},
        "app": APP,
        "pull_requests": [],
    }


def status_json(api: str, repo: Repo, status: Status) -> dict[str, Any]:
    return {
        "url": f"{api}/repos/{repo.full_name}/statuses/{status.sha}",
        "avatar_url": "https://avatars.githubusercontent.com/u/9919?v=4",
        "id": status.id,
        "node_id": f"SC_kwDO{status.id:08d}",
        "state": status.state,
        "description": status.description,
        "target_url": status.target_url,
        "context": status.context,
        "created_at": status.created_at,
        "updated_at": status.created_at,
    }


def combined_state(statuses: list[Status]) -> str:
    """GitHub's rule: failure if any error/failure, pending if none or any pending."""
    latest: dict[str, Status] = {}
    for status in statuses:
        latest[status.context] = status
    states = [s.state for s in latest.values()]
    if any(s in ("error", "failure") for s in states):
        return "failure"
    if not states or "pending" in states:
        return "pending"
    return "success"


def review_json(
    api: str, web: str, repo: Repo, number: int, review: Review, users: dict[str, GhUser]
) -> dict[str, Any]:
    return {
        "id": review.id,
        "node_id": f"PRR_kwDO{review.id:08d}",
        "user": user_json(api, web, users[review.user]),
        "body": review.body,
        "state": review.state,
        "html_url": f"{web}/{repo.full_name}/pull/{number}#pullrequestreview-{review.id}",
        "pull_request_url": f"{api}/repos/{repo.full_name}/pulls/{number}",
        "author_association": "MEMBER",
        "submitted_at": review.submitted_at,
        "commit_id": review.commit_id,
    }


def hook_json(api: str, repo: Repo, hook: Hook) -> dict[str, Any]:
    base = f"{api}/repos/{repo.full_name}/hooks/{hook.id}"
    config: dict[str, Any] = {
        "content_type": hook.content_type,
        "insecure_ssl": "0",
        "url": hook.url,
    }
    if hook.has_secret:
        config["secret"] = "********"
    return {
        "type": "Repository",
        "id": hook.id,
        "name": "web",
        "active": hook.active,
        "events": hook.events,
        "config": config,
        "updated_at": hook.created_at,
        "created_at": hook.created_at,
        "url": base,
        "test_url": f"{base}/test",
        "ping_url": f"{base}/pings",
        "deliveries_url": f"{base}/deliveries",
        "last_response": {"code": None, "status": "unused", "message": None},
    }
