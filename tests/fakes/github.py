"""A fake GitHub REST API (github.com style at ``/``, GitHub Enterprise style at ``/api/v3``).

What it mirrors of GitHub:

- tokens as ``Authorization: token X`` or ``Bearer X``; an unknown token → 401
  ``{"message": "Bad credentials", ...}`` on every endpoint; no token → anonymous (public data);
- a repository the caller cannot see answers 404 ``{"message": "Not Found", ...}``, not 403;
  webhooks need admin rights, else 404 as well;
- an unknown commit ref → 422 ``No commit found for SHA: ...``;
- ``mergeable`` is ``null`` / ``mergeable_state: unknown`` while GitHub is still computing it
  (``add_pull(..., mergeable_pending_reads=N)``: the first N reads);
- every answer carries ``X-RateLimit-*`` headers; rate-limit faults answer 403 or 429 with
  ``X-RateLimit-Remaining: 0`` and either ``Retry-After`` (secondary limit, the default) or
  only ``X-RateLimit-Reset`` (primary limit, :meth:`FakeGitHub.rate_limit`), with GitHub's
  messages, which PyGithub's ``GithubRetry`` understands;
- lists are paginated with ``per_page``/``page`` and ``Link`` headers;
- issue comments are created, read, edited and deleted by id (``/issues/comments/{id}``;
  an unknown id → 404); an issue's ``state`` is patched (``open``/``closed``, with
  ``state_reason``; anything else → 422 ``Validation Failed``);
- ``/collaborators/{login}/permission`` answers ``permission`` (the legacy base role:
  ``maintain`` reads ``write``, ``triage`` reads ``read``), ``role_name`` and ``user`` for
  a collaborator (:meth:`FakeGitHub.add_collaborator`), and 404 for a login that is none.

``Github(auth=Auth.Token(t), base_url=fake.url)`` works as well as ``fake.url + "/api/v3"``
(PyGithub keeps the path of ``base_url`` as the prefix of every request, and follows the
absolute URLs the fake returns, which keep the prefix the request came in with).
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from flask import Response, jsonify, request

from tests.fakes.base import FakeService, Fault, Matcher, RecordedRequest
from tests.fakes.github_data import (
    DOCS,
    CheckRun,
    Commit,
    GhUser,
    Hook,
    Issue,
    IssueComment,
    Pull,
    Repo,
    Review,
    Status,
    check_run_json,
    collaborator_permission_json,
    combined_state,
    commit_json,
    full_user_json,
    hook_json,
    issue_comment_json,
    issue_json,
    org_json,
    pull_json,
    repo_json,
    review_json,
    status_json,
    user_json,
)

ENTERPRISE_PREFIX = "/api/v3"
RATE_LIMIT = 5000
START_TIME = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
PRIMARY_MESSAGE = (
    "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, "
    "please include the request ID 0000:0000:0000000:0000000:00000000."
)
SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID "
    "0000:0000:0000000:0000000:00000000."
)


class GitHubError(Exception):
    def __init__(self, status: int, message: str, documentation_url: str = DOCS, **extra: Any):
        super().__init__(status, message)
        self.status = status
        self.payload = {
            "message": message,
            "documentation_url": documentation_url,
            "status": str(status),
            **extra,
        }


@dataclass(frozen=True)
class _Ctx:
    api: str
    web: str
    token: str | None


Handler = Callable[..., Any]


def _sha(seed: str) -> str:
    return hashlib.sha1(seed.encode()).hexdigest()  # noqa: S324 - an id, not security


class FakeGitHub(FakeService):
    """In-memory GitHub. The token ``ghp-test`` is the user ``connect-bot``.

    Nothing is seeded but the users; add repositories with :meth:`add_repo`.
    """

    name = "github"

    def __init__(
        self,
        *,
        tokens: dict[str, str] | None = None,
        web_url: str = "https://github.com",
    ) -> None:
        self.tokens: dict[str, str] = dict(tokens or {"ghp-test": "connect-bot"})
        """Valid tokens and the login each authenticates as."""
        self.web_url = web_url
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        super().__init__()

    @property
    def token(self) -> str:
        """The first configured token (``ghp-test`` by default)."""
        return next(iter(self.tokens))

    # --- state ----------------------------------------------------------------------------

    def _reset_state(self) -> None:
        self._ids = 1000
        self._clock = 0
        self._remaining = RATE_LIMIT
        self._reset_at = int(time.time()) + 3600
        self.users: dict[str, GhUser] = {}
        self.orgs: dict[str, GhUser] = {}
        self.repos: dict[str, Repo] = {}
        for login in self.tokens.values():
            self.add_user(login, type="Bot" if login.endswith("[bot]") else "User")
        self.add_user("octocat", name="The Octocat", email="octocat@example.com")

    def _next_id(self) -> int:
        self._ids += 1
        return self._ids

    def _now(self) -> str:
        self._clock += 1
        return (START_TIME + timedelta(seconds=self._clock)).strftime("%Y-%m-%dT%H:%M:%SZ")

    # --- seeding helpers ------------------------------------------------------------------

    def add_user(
        self, login: str, *, name: str | None = None, email: str | None = None, type: str = "User"
    ) -> GhUser:
        with self.lock:
            user = self.users.get(login) or GhUser(self._next_id(), login, type, name, email)
            user.name, user.email = name or user.name, email or user.email
            self.users[login] = user
            return user

    def add_org(self, login: str, *, name: str | None = None) -> GhUser:
        with self.lock:
            org = GhUser(self._next_id(), login, "Organization", name or login)
            self.orgs[login] = org
            return org

    def add_repo(
        self,
        full_name: str,
        *,
        private: bool = False,
        visible_to: list[str] | None = None,
        admin_tokens: list[str] | None = None,
        default_branch: str = "main",
        description: str | None = None,
    ) -> Repo:
        """A repository. ``visible_to``: the only tokens that see it (``None``: all tokens).

        ``admin_tokens``: tokens with admin rights (hooks); ``None``: every token that sees it.
        """
        owner_login, _, name = full_name.partition("/")
        with self.lock:
            owner = self.orgs.get(owner_login) or self.users.get(owner_login)
            if owner is None:
                owner = self.add_org(owner_login)
            repo = Repo(
                id=self._next_id(),
                owner=owner,
                name=name,
                private=private,
                visible_to=set(visible_to) if visible_to is not None else None,
                admin_tokens=set(admin_tokens) if admin_tokens is not None else None,
                default_branch=default_branch,
                description=description,
                created_at=self._now(),
            )
            initial = self._make_commit(repo, "Initial commit", "octocat", parents=[])
            repo.branches[default_branch] = initial.sha
            self.repos[full_name] = repo
            return repo

    def add_commit(
        self,
        full_name: str,
        *,
        message: str = "A change",
        author: str = "octocat",
        branch: str | None = None,
        sha: str | None = None,
    ) -> Commit:
        with self.lock:
            repo = self.repos[full_name]
            parent = repo.branches.get(branch or repo.default_branch)
            commit = self._make_commit(
                repo, message, author, parents=[parent] if parent else [], sha=sha
            )
            if branch is not None:
                repo.branches[branch] = commit.sha
            return commit

    def _make_commit(
        self, repo: Repo, message: str, author: str, parents: list[str], sha: str | None = None
    ) -> Commit:
        if author not in self.users:
            self.add_user(author)
        commit_sha = sha or _sha(f"{repo.full_name}:{len(repo.commits)}:{message}")
        commit = Commit(commit_sha, message, author, self._now(), parents)
        repo.commits[commit_sha] = commit
        return commit

    def add_pull(
        self,
        full_name: str,
        *,
        title: str = "A pull request",
        number: int | None = None,
        user: str = "octocat",
        body: str | None = None,
        head: str = "feature",
        base: str | None = None,
        state: str = "open",
        draft: bool = False,
        merged: bool = False,
        mergeable: bool | None = True,
        mergeable_state: str = "clean",
        mergeable_pending_reads: int = 0,
        requested_reviewers: list[str] | None = None,
        labels: list[str] | None = None,
    ) -> Pull:
        """A pull request from branch ``head`` (given a fresh commit) into ``base``."""
        with self.lock:
            repo = self.repos[full_name]
            for login in [user, *(requested_reviewers or [])]:
                if login not in self.users:
                    self.add_user(login)
            base_ref = base or repo.default_branch
            head_commit = self.add_commit(full_name, message=title, author=user, branch=head)
            now = self._now()
            pull = Pull(
                number=number or repo.next_number(),
                id=self._next_id(),
                title=title,
                user=user,
                body=body,
                state="closed" if merged else state,
                head_ref=head,
                head_sha=head_commit.sha,
                base_ref=base_ref,
                base_sha=repo.branches.get(base_ref, head_commit.sha),
                draft=draft,
                merged=merged,
                mergeable=mergeable,
                mergeable_state=mergeable_state,
                requested_reviewers=list(requested_reviewers or []),
                labels=list(labels or []),
                created_at=now,
                updated_at=now,
                mergeable_pending_reads=mergeable_pending_reads,
                merged_at=now if merged else None,
                closed_at=now if merged or state == "closed" else None,
                merged_by=user if merged else None,
            )
            repo.pulls[pull.number] = pull
            return pull

    def add_issue(
        self,
        full_name: str,
        *,
        title: str = "An issue",
        number: int | None = None,
        user: str = "octocat",
        body: str | None = None,
        state: str = "open",
        labels: list[str] | None = None,
        assignees: list[str] | None = None,
    ) -> Issue:
        with self.lock:
            repo = self.repos[full_name]
            for login in [user, *(assignees or [])]:
                if login not in self.users:
                    self.add_user(login)
            now = self._now()
            issue = Issue(
                number=number or repo.next_number(),
                id=self._next_id(),
                title=title,
                user=user,
                body=body,
                state=state,
                labels=list(labels or []),
                assignees=list(assignees or []),
                created_at=now,
                updated_at=now,
                closed_at=now if state == "closed" else None,
            )
            repo.issues[issue.number] = issue
            return issue

    def add_check_run(
        self,
        full_name: str,
        sha: str,
        name: str,
        *,
        status: str = "completed",
        conclusion: str | None = "success",
        title: str | None = None,
        summary: str | None = None,
    ) -> CheckRun:
        with self.lock:
            repo = self.repos[full_name]
            now = self._now()
            run = CheckRun(
                id=self._next_id(),
                head_sha=sha,
                name=name,
                status=status,
                conclusion=conclusion if status == "completed" else None,
                started_at=now,
                completed_at=now if status == "completed" else None,
                title=title,
                summary=summary,
            )
            repo.check_runs.append(run)
            return run

    def add_status(
        self,
        full_name: str,
        sha: str,
        context: str,
        state: str = "success",
        *,
        description: str = "",
        target_url: str | None = None,
    ) -> Status:
        with self.lock:
            repo = self.repos[full_name]
            status = Status(
                self._next_id(), sha, context, state, description, target_url, self._now()
            )
            repo.statuses.append(status)
            return status

    def add_review(
        self, full_name: str, number: int, user: str, state: str = "APPROVED", body: str = ""
    ) -> Review:
        with self.lock:
            pull = self.repos[full_name].pulls[number]
            if user not in self.users:
                self.add_user(user)
            review = Review(self._next_id(), user, state, body, pull.head_sha, self._now())
            pull.reviews.append(review)
            if user in pull.requested_reviewers:
                pull.requested_reviewers.remove(user)
            return review

    def add_collaborator(self, full_name: str, login: str, role: str = "write") -> GhUser:
        """`login` is a collaborator of the repository with `role` (admin, maintain, write,
        triage or read)."""
        with self.lock:
            user = self.users.get(login) or self.add_user(login)
            self.repos[full_name].collaborators[login] = role
            return user

    def comment(self, full_name: str, comment_id: int) -> IssueComment | None:
        """An issue or pull request comment of the repository, by id."""
        found = self._find_comment(self.repos[full_name], comment_id)
        return found[1] if found else None

    def add_hook(
        self, full_name: str, url: str, events: list[str] | None = None, *, active: bool = True
    ) -> Hook:
        with self.lock:
            hook = Hook(self._next_id(), url, list(events or ["push"]), active, "json", self._now())
            self.repos[full_name].hooks.append(hook)
            return hook

    # --- faults ---------------------------------------------------------------------------

    def fail(
        self,
        match: Matcher,
        *,
        status: int = 500,
        times: int | None = 1,
        retry_after: int | None = None,
        body: Any = None,
        delay: float = 0.0,
        apply: bool = False,
        headers: dict[str, str] | None = None,
    ) -> Fault:
        """As :meth:`FakeService.fail`; 403 and 429 are secondary rate limits (``Retry-After``
        defaults to 1 second), answered with ``X-RateLimit-Remaining: 0``."""
        if status in (403, 429) and retry_after is None:
            retry_after = 1
        return super().fail(
            match,
            status=status,
            times=times,
            retry_after=retry_after,
            body=body,
            delay=delay,
            apply=apply,
            headers=headers,
        )

    def rate_limit(
        self, match: Matcher, *, status: int = 403, reset_in: int = 1, times: int | None = 1
    ) -> Fault:
        """A primary rate limit: ``X-RateLimit-Remaining: 0`` and a reset, no ``Retry-After``."""
        return self._add_fault(
            Fault(
                match=match,
                status=status,
                times=times,
                body={"message": PRIMARY_MESSAGE, "documentation_url": DOCS + "/rate-limit"},
                headers={"X-RateLimit-Reset": str(int(time.time()) + reset_in)},
            )
        )

    def _fault_payload(self, fault: Fault, request: RecordedRequest) -> Any:
        if fault.status in (403, 429):
            message = SECONDARY_MESSAGE if fault.retry_after is not None else PRIMARY_MESSAGE
            return {"message": message, "documentation_url": DOCS + "/rate-limit"}
        if fault.status is not None and fault.status >= 500:
            return {"message": "Server Error"}
        return {"message": "Error", "documentation_url": DOCS}

    def _fault_headers(self, fault: Fault, request: RecordedRequest) -> dict[str, str]:
        if fault.status in (403, 429):
            wait = fault.retry_after if fault.retry_after is not None else 60
            return {
                "X-RateLimit-Limit": str(RATE_LIMIT),
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(int(time.time()) + wait),
                "X-RateLimit-Used": str(RATE_LIMIT),
                "X-RateLimit-Resource": "core",
            }
        return {}

    def _describe(self, path: str) -> tuple[str | None, str]:
        if path == ENTERPRISE_PREFIX or path.startswith(ENTERPRISE_PREFIX + "/"):
            return None, path[len(ENTERPRISE_PREFIX) :] or "/"
        return None, path

    # --- routing --------------------------------------------------------------------------

    def _register_routes(self) -> None:
        repo = r"repos/(?P<owner>[^/]+)/(?P<name>[^/]+)"
        table: list[tuple[str, str, Handler]] = [
            ("GET", r"user", self._me),
            ("GET", r"users/(?P<login>[^/]+)", self._user),
            ("GET", r"orgs/(?P<login>[^/]+)", self._org),
            ("GET", r"rate_limit", self._rate_limit),
            ("GET", repo, self._repo),
            ("GET", repo + r"/pulls", self._pulls),
            ("GET", repo + r"/pulls/(?P<number>\d+)", self._pull),
            ("GET", repo + r"/pulls/(?P<number>\d+)/reviews", self._reviews),
            ("GET", repo + r"/pulls/(?P<number>\d+)/requested_reviewers", self._review_requests),
            ("GET", repo + r"/issues/(?P<number>\d+)", self._issue),
            ("GET", repo + r"/issues/(?P<number>\d+)/comments", self._issue_comments),
            ("POST", repo + r"/issues/(?P<number>\d+)/comments", self._add_issue_comment),
            ("PATCH", repo + r"/issues/(?P<number>\d+)", self._edit_issue),
            ("GET", repo + r"/issues/comments/(?P<comment_id>\d+)", self._get_comment),
            ("PATCH", repo + r"/issues/comments/(?P<comment_id>\d+)", self._edit_comment),
            ("DELETE", repo + r"/issues/comments/(?P<comment_id>\d+)", self._delete_comment),
            (
                "GET",
                repo + r"/collaborators/(?P<login>[^/]+)/permission",
                self._collaborator_permission,
            ),
            ("GET", repo + r"/commits/(?P<ref>[^/]+)", self._commit),
            ("GET", repo + r"/commits/(?P<ref>[^/]+)/check-runs", self._check_runs),
            ("GET", repo + r"/commits/(?P<ref>[^/]+)/status", self._combined_status),
            ("GET", repo + r"/commits/(?P<ref>[^/]+)/statuses", self._statuses),
            ("GET", repo + r"/hooks", self._hooks),
            ("POST", repo + r"/hooks", self._create_hook),
            ("GET", repo + r"/hooks/(?P<hook_id>\d+)", self._hook),
            ("DELETE", repo + r"/hooks/(?P<hook_id>\d+)", self._delete_hook),
        ]
        self._routes = [(m, re.compile(p + r"/?"), h) for m, p, h in table]
        self.app.add_url_rule(
            "/<path:path>", "api", self._api_route, methods=["GET", "POST", "PATCH", "DELETE"]
        )

    def _api_route(self, path: str) -> Response:
        prefix = ""
        if path == ENTERPRISE_PREFIX[1:] or path.startswith(ENTERPRISE_PREFIX[1:] + "/"):
            prefix = ENTERPRISE_PREFIX
            path = path[len(ENTERPRISE_PREFIX) :].lstrip("/")
        try:
            token = self._authenticate()
            handler, params = self._resolve(request.method, path)
            ctx = _Ctx(request.host_url.rstrip("/") + prefix, self.web_url.rstrip("/"), token)
            result = handler(ctx, **params)
        except GitHubError as error:
            response = jsonify(error.payload)
            response.status_code = error.status
        else:
            if result is None:
                response = Response(status=204)
            elif isinstance(result, Response):
                response = result
            else:
                response = jsonify(result)
        self._decorate(response)
        return response

    def _decorate(self, response: Response) -> None:
        self._remaining = max(0, self._remaining - 1)
        response.headers.update(
            {
                "X-RateLimit-Limit": str(RATE_LIMIT),
                "X-RateLimit-Remaining": str(self._remaining),
                "X-RateLimit-Reset": str(self._reset_at),
                "X-RateLimit-Used": str(RATE_LIMIT - self._remaining),
                "X-RateLimit-Resource": "core",
                "X-GitHub-Media-Type": "github.v3; format=json",
                "X-GitHub-Api-Version-Selected": "2022-11-28",
                "X-GitHub-Request-Id": f"0000:{self._remaining:04d}:FAKE",
                "X-OAuth-Scopes": "repo, admin:repo_hook, read:org",
            }
        )

    def _authenticate(self) -> str | None:
        header = request.headers.get("Authorization", "")
        if not header:
            return None
        scheme, _, value = header.partition(" ")
        if scheme.lower() in ("token", "bearer") and value.strip() in self.tokens:
            return value.strip()
        raise GitHubError(401, "Bad credentials")

    def _resolve(self, method: str, path: str) -> tuple[Handler, dict[str, str]]:
        for route_method, pattern, handler in self._routes:
            matched = pattern.fullmatch(path)
            if matched is not None and route_method == method:
                return handler, matched.groupdict()
        raise GitHubError(404, "Not Found")

    def _paginate(self, ctx: _Ctx, items: list[Any]) -> Response:
        per_page = min(100, max(1, int(request.args.get("per_page", 30))))
        page = max(1, int(request.args.get("page", 1)))
        chunk = items[(page - 1) * per_page : page * per_page]
        response = jsonify(chunk)
        last = max(1, -(-len(items) // per_page))
        links = []
        base = ctx.api + request.path.removeprefix(ENTERPRISE_PREFIX)
        params = {k: v for k, v in request.args.items() if k != "page"}
        if page < last:
            links.append(f'<{base}?{urlencode({**params, "page": page + 1})}>; rel="next"')
            links.append(f'<{base}?{urlencode({**params, "page": last})}>; rel="last"')
        if page > 1:
            links.append(f'<{base}?{urlencode({**params, "page": 1})}>; rel="first"')
            links.append(f'<{base}?{urlencode({**params, "page": page - 1})}>; rel="prev"')
        if links:
            response.headers["Link"] = ", ".join(links)
        return response

    # --- access ---------------------------------------------------------------------------

    def _visible_repo(self, ctx: _Ctx, owner: str, name: str) -> Repo:
        repo = self.repos.get(f"{owner}/{name}")
        if repo is None or not self._can_see(ctx, repo):
            raise GitHubError(404, "Not Found", DOCS + "/repos/repos#get-a-repository")
        return repo

    @staticmethod
    def _can_see(ctx: _Ctx, repo: Repo) -> bool:
        if ctx.token is None:
            return not repo.private and repo.visible_to is None
        return repo.visible_to is None or ctx.token in repo.visible_to

    @staticmethod
    def _is_admin(ctx: _Ctx, repo: Repo) -> bool:
        if ctx.token is None:
            return False
        return repo.admin_tokens is None or ctx.token in repo.admin_tokens

    def _permissions(self, ctx: _Ctx, repo: Repo) -> dict[str, bool] | None:
        if ctx.token is None:
            return None
        admin = self._is_admin(ctx, repo)
        return {"admin": admin, "maintain": admin, "push": True, "triage": True, "pull": True}

    def _pull_by_number(self, repo: Repo, number: str) -> Pull:
        pull = repo.pulls.get(int(number))
        if pull is None:
            raise GitHubError(404, "Not Found", DOCS + "/pulls/pulls#get-a-pull-request")
        return pull

    def _resolve_ref(self, repo: Repo, ref: str) -> str:
        if ref in repo.commits:
            return ref
        if ref in repo.branches:
            return repo.branches[ref]
        matches = [sha for sha in repo.commits if sha.startswith(ref)] if len(ref) >= 7 else []
        if len(matches) == 1:
            return matches[0]
        raise GitHubError(
            422, f"No commit found for SHA: {ref}", DOCS + "/commits/commits#get-a-commit"
        )

    # --- handlers -------------------------------------------------------------------------

    def _me(self, ctx: _Ctx) -> Any:
        if ctx.token is None:
            raise GitHubError(401, "Requires authentication")
        user = self.users[self.tokens[ctx.token]]
        return full_user_json(ctx.api, ctx.web, user, "2020-01-01T00:00:00Z")

    def _user(self, ctx: _Ctx, login: str) -> Any:
        user = self.users.get(login) or self.orgs.get(login)
        if user is None:
            raise GitHubError(404, "Not Found", DOCS + "/users/users#get-a-user")
        return full_user_json(ctx.api, ctx.web, user, "2020-01-01T00:00:00Z")

    def _org(self, ctx: _Ctx, login: str) -> Any:
        org = self.orgs.get(login)
        if org is None:
            raise GitHubError(404, "Not Found", DOCS + "/orgs/orgs#get-an-organization")
        return org_json(ctx.api, ctx.web, org, "2020-01-01T00:00:00Z")

    def _rate_limit(self, ctx: _Ctx) -> Any:
        core = {
            "limit": RATE_LIMIT,
            "remaining": self._remaining,
            "reset": self._reset_at,
            "used": RATE_LIMIT - self._remaining,
        }
        return {"resources": {"core": core, "search": dict(core, limit=30)}, "rate": core}

    def _repo(self, ctx: _Ctx, owner: str, name: str) -> Any:
        repo = self._visible_repo(ctx, owner, name)
        return repo_json(ctx.api, ctx.web, repo, self._permissions(ctx, repo))

    def _pull_json(self, ctx: _Ctx, repo: Repo, pull: Pull) -> dict[str, Any]:
        repo_obj = repo_json(ctx.api, ctx.web, repo, None)
        return pull_json(ctx.api, ctx.web, repo, pull, self.users, repo_obj)

    def _pulls(self, ctx: _Ctx, owner: str, name: str) -> Any:
        repo = self._visible_repo(ctx, owner, name)
        state = request.args.get("state", "open")
        head, base = request.args.get("head"), request.args.get("base")
        pulls = [
            p
            for p in sorted(repo.pulls.values(), key=lambda p: -p.number)
            if (state == "all" or p.state == state)
            and (head is None or head in (p.head_ref, f"{repo.owner.login}:{p.head_ref}"))
            and (base is None or base == p.base_ref)
        ]
        return self._paginate(ctx, [self._pull_json(ctx, repo, p) for p in pulls])

    def _pull(self, ctx: _Ctx, owner: str, name: str, number: str) -> Any:
        repo = self._visible_repo(ctx, owner, name)
        pull = self._pull_by_number(repo, number)
        out = self._pull_json(ctx, repo, pull)
        if pull.mergeable_pending_reads > 0:
            pull.mergeable_pending_reads -= 1
        return out

    def _reviews(self, ctx: _Ctx, owner: str, name: str, number: str) -> Any:
        repo = self._visible_repo(ctx, owner, name)
        pull = self._pull_by_number(repo, number)
        return self._paginate(
            ctx,
            [review_json(ctx.api, ctx.web, repo, pull.number, r, self.users) for r in pull.reviews],
        )

    def _review_requests(self, ctx: _Ctx, owner: str, name: str, number: str) -> Any:
        repo = self._visible_repo(ctx, owner, name)
        pull = self._pull_by_number(repo, number)
        users = [user_json(ctx.api, ctx.web, self.users[u]) for u in pull.requested_reviewers]
        return {"users": users, "teams": []}

    def _issue_or_pull(self, repo: Repo, number: str) -> Issue | Pull:
        found = repo.issues.get(int(number)) or repo.pulls.get(int(number))
        if found is None:
            raise GitHubError(404, "Not Found", DOCS + "/issues/issues#get-an-issue")
        return found

    def _issue(self, ctx: _Ctx, owner: str, name: str, number: str) -> Any:
        repo = self._visible_repo(ctx, owner, name)
        return issue_json(ctx.api, ctx.web, repo, self._issue_or_pull(repo, number), self.users)

    def _issue_comments(self, ctx: _Ctx, owner: str, name: str, number: str) -> Any:
        repo = self._visible_repo(ctx, owner, name)
        target = self._issue_or_pull(repo, number)
        return self._paginate(
            ctx,
            [
                issue_comment_json(ctx.api, ctx.web, repo, target.number, c, self.users)
                for c in target.comments
            ],
        )

    def _add_issue_comment(self, ctx: _Ctx, owner: str, name: str, number: str) -> Any:
        repo = self._visible_repo(ctx, owner, name)
        target = self._issue_or_pull(repo, number)
        if ctx.token is None:
            raise GitHubError(401, "Requires authentication")
        body = request.get_json(silent=True) or {}
        if not isinstance(body.get("body"), str) or not body["body"]:
            raise GitHubError(
                422,
                "Validation Failed",
                errors=[{"resource": "IssueComment", "code": "missing_field", "field": "body"}],
            )
        comment = IssueComment(self._next_id(), self.tokens[ctx.token], body["body"], self._now())
        target.comments.append(comment)
        response = jsonify(
            issue_comment_json(ctx.api, ctx.web, repo, target.number, comment, self.users)
        )
        response.status_code = 201
        return response

    def _edit_issue(self, ctx: _Ctx, owner: str, name: str, number: str) -> Any:
        repo = self._visible_repo(ctx, owner, name)
        target = self._issue_or_pull(repo, number)
        if ctx.token is None:
            raise GitHubError(401, "Requires authentication")
        body = request.get_json(silent=True) or {}
        state = body.get("state", target.state)
        reason = body.get("state_reason")
        if state not in ("open", "closed") or reason not in (
            None,
            "completed",
            "not_planned",
            "duplicate",
            "reopened",
        ):
            raise GitHubError(
                422,
                "Validation Failed",
                DOCS + "/issues/issues#update-an-issue",
                errors=[{"resource": "Issue", "code": "invalid", "field": "state"}],
            )
        now = self._now()
        if state != target.state:
            target.closed_at = now if state == "closed" else None
        target.state = state
        if isinstance(target, Issue):
            default = "completed" if state == "closed" else "reopened"
            target.state_reason = reason or (default if "state" in body else target.state_reason)
        for key in ("title", "body"):
            if isinstance(body.get(key), str):
                setattr(target, key, body[key])
        target.updated_at = now
        return issue_json(ctx.api, ctx.web, repo, target, self.users)

    def _find_comment(
        self, repo: Repo, comment_id: int
    ) -> tuple[Issue | Pull, IssueComment] | None:
        for target in [*repo.issues.values(), *repo.pulls.values()]:
            for comment in target.comments:
                if comment.id == comment_id:
                    return target, comment
        return None

    def _comment_by_id(
        self, ctx: _Ctx, owner: str, name: str, comment_id: str
    ) -> tuple[Repo, Issue | Pull, IssueComment]:
        repo = self._visible_repo(ctx, owner, name)
        found = self._find_comment(repo, int(comment_id))
        if found is None:
            raise GitHubError(404, "Not Found", DOCS + "/issues/comments#get-an-issue-comment")
        return repo, *found

    def _get_comment(self, ctx: _Ctx, owner: str, name: str, comment_id: str) -> Any:
        repo, target, comment = self._comment_by_id(ctx, owner, name, comment_id)
        return issue_comment_json(ctx.api, ctx.web, repo, target.number, comment, self.users)

    def _edit_comment(self, ctx: _Ctx, owner: str, name: str, comment_id: str) -> Any:
        repo, target, comment = self._comment_by_id(ctx, owner, name, comment_id)
        if ctx.token is None:
            raise GitHubError(401, "Requires authentication")
        body = request.get_json(silent=True) or {}
        if not isinstance(body.get("body"), str) or not body["body"]:
            raise GitHubError(
                422,
                "Validation Failed",
                errors=[{"resource": "IssueComment", "code": "missing_field", "field": "body"}],
            )
        comment.body = body["body"]
        comment.updated_at = self._now()
        return issue_comment_json(ctx.api, ctx.web, repo, target.number, comment, self.users)

    def _delete_comment(self, ctx: _Ctx, owner: str, name: str, comment_id: str) -> None:
        _, target, comment = self._comment_by_id(ctx, owner, name, comment_id)
        if ctx.token is None:
            raise GitHubError(401, "Requires authentication")
        target.comments.remove(comment)

    def _collaborator_permission(self, ctx: _Ctx, owner: str, name: str, login: str) -> Any:
        repo = self._visible_repo(ctx, owner, name)
        if ctx.token is None:
            raise GitHubError(401, "Requires authentication")
        found = next((k for k in repo.collaborators if k.lower() == login.lower()), None)
        if found is None or found not in self.users:
            raise GitHubError(
                404,
                "Not Found",
                DOCS + "/collaborators/collaborators#get-repository-permissions-for-a-user",
            )
        role = repo.collaborators[found]
        return collaborator_permission_json(ctx.api, ctx.web, self.users[found], role)

    def _commit(self, ctx: _Ctx, owner: str, name: str, ref: str) -> Any:
        repo = self._visible_repo(ctx, owner, name)
        sha = self._resolve_ref(repo, ref)
        return commit_json(ctx.api, ctx.web, repo, repo.commits[sha], self.users)

    def _check_runs(self, ctx: _Ctx, owner: str, name: str, ref: str) -> Any:
        repo = self._visible_repo(ctx, owner, name)
        sha = self._resolve_ref(repo, ref)
        runs = [r for r in repo.check_runs if r.head_sha == sha]
        if request.args.get("check_name"):
            runs = [r for r in runs if r.name == request.args["check_name"]]
        if request.args.get("status"):
            runs = [r for r in runs if r.status == request.args["status"]]
        if request.args.get("filter", "latest") == "latest":
            latest: dict[str, CheckRun] = {}
            for run in runs:
                latest[run.name] = run
            runs = list(latest.values())
        per_page = min(100, max(1, int(request.args.get("per_page", 30))))
        page = max(1, int(request.args.get("page", 1)))
        chunk = runs[(page - 1) * per_page : page * per_page]
        return {
            "total_count": len(runs),
            "check_runs": [check_run_json(ctx.api, ctx.web, repo, r) for r in chunk],
        }

    def _combined_status(self, ctx: _Ctx, owner: str, name: str, ref: str) -> Any:
        repo = self._visible_repo(ctx, owner, name)
        sha = self._resolve_ref(repo, ref)
        statuses = [s for s in repo.statuses if s.sha == sha]
        latest: dict[str, Status] = {}
        for status in statuses:
            latest[status.context] = status
        return {
            "state": combined_state(statuses),
            "statuses": [status_json(ctx.api, repo, s) for s in latest.values()],
            "sha": sha,
            "total_count": len(latest),
            "repository": repo_json(ctx.api, ctx.web, repo, None),
            "commit_url": f"{ctx.api}/repos/{repo.full_name}/commits/{sha}",
            "url": f"{ctx.api}/repos/{repo.full_name}/commits/{sha}/status",
        }

    def _statuses(self, ctx: _Ctx, owner: str, name: str, ref: str) -> Any:
        repo = self._visible_repo(ctx, owner, name)
        sha = self._resolve_ref(repo, ref)
        statuses = [status_json(ctx.api, repo, s) for s in reversed(repo.statuses) if s.sha == sha]
        return self._paginate(ctx, statuses)

    def _admin_repo(self, ctx: _Ctx, owner: str, name: str) -> Repo:
        repo = self._visible_repo(ctx, owner, name)
        if not self._is_admin(ctx, repo):
            raise GitHubError(404, "Not Found", DOCS + "/repos/webhooks#list-repository-webhooks")
        return repo

    def _hooks(self, ctx: _Ctx, owner: str, name: str) -> Any:
        repo = self._admin_repo(ctx, owner, name)
        return self._paginate(ctx, [hook_json(ctx.api, repo, h) for h in repo.hooks])

    def _hook(self, ctx: _Ctx, owner: str, name: str, hook_id: str) -> Any:
        repo = self._admin_repo(ctx, owner, name)
        for hook in repo.hooks:
            if hook.id == int(hook_id):
                return hook_json(ctx.api, repo, hook)
        raise GitHubError(404, "Not Found")

    def _create_hook(self, ctx: _Ctx, owner: str, name: str) -> Any:
        repo = self._admin_repo(ctx, owner, name)
        body = request.get_json(silent=True) or {}
        config = body.get("config") or {}
        if not config.get("url"):
            raise GitHubError(
                422,
                "Validation Failed",
                errors=[
                    {"resource": "Hook", "code": "custom", "message": "Config must have a url"}
                ],
            )
        hook = Hook(
            id=self._next_id(),
            url=config["url"],
            events=list(body.get("events") or ["push"]),
            active=bool(body.get("active", True)),
            content_type=config.get("content_type", "form"),
            created_at=self._now(),
            has_secret=bool(config.get("secret")),
        )
        repo.hooks.append(hook)
        response = jsonify(hook_json(ctx.api, repo, hook))
        response.status_code = 201
        return response

    def _delete_hook(self, ctx: _Ctx, owner: str, name: str, hook_id: str) -> None:
        repo = self._admin_repo(ctx, owner, name)
        for hook in repo.hooks:
            if hook.id == int(hook_id):
                repo.hooks.remove(hook)
                return
        raise GitHubError(404, "Not Found")
