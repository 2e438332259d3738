"""PyGithub where the REST API is needed: subscription checks, PR card status, link unfurls.

`GitHubApi.from_settings` (called once, by the container) is None without `GITHUB_TOKEN`:
every caller then works from the webhook payloads alone. `GITHUB_API_URL` points it at
GitHub Enterprise Server (`https://ghe.example/api/v3`). Failures become `GitHubApiError`
subclasses whose message is fit to show a user (it never contains the token); callers that
can retry (the delivery worker) look at `RateLimited.retry_after` and `Unavailable`.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from github import (
    Auth,
    BadCredentialsException,
    Github,
    GithubException,
    RateLimitExceededException,
    UnknownObjectException,
)
from github.Issue import Issue as GhIssue
from pydantic import ValidationError
from urllib3.util.retry import Retry

from integrations.github.cards import PullStatus, issue_card, pr_card
from integrations.github.models import Issue, PullRequest, Repository
from integrations.messages import SlackMessage
from settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")

TIMEOUT_SECONDS = 10
ROLES = ("admin", "maintain", "write", "triage", "read")
"""GitHub's repository roles, strongest first (`role_name` of the permission endpoint)."""
FAILED_CHECKS = frozenset(
    {"failure", "timed_out", "cancelled", "action_required", "startup_failure", "stale"}
)


class GitHubApiError(Exception):
    """The API call failed; `str(error)` is the message for the user."""


class NotVisible(GitHubApiError):
    """404: it does not exist, or the token cannot see it (GitHub does not say which)."""


class BadToken(GitHubApiError):
    """401: GitHub rejected `GITHUB_TOKEN`."""


class RateLimited(GitHubApiError):
    """403/429 rate limit; `retry_after` seconds until it resets, when GitHub said."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(GitHubApiError):
    """GitHub answered 5xx, or did not answer: worth retrying later."""


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """A repository or an account (organisation or user) that a channel can subscribe to."""

    kind: str  # "repository" | "organization" | "user"
    name: str  # as GitHub spells it: `Octo-Org/Hello-World`
    html_url: str
    private: bool = False
    default_branch: str | None = None


@dataclass(frozen=True, slots=True)
class GitHubLink:
    """A pull request or issue named by a github.com (or GHES) URL."""

    repository: str
    kind: str  # "pull" | "issues"
    number: int


_LINK_PATH = re.compile(
    r"^/([A-Za-z0-9][A-Za-z0-9-]*)/([A-Za-z0-9._-]+)/(pull|issues)/(\d+)(?:/|$)"
)


_ITEM_SUFFIX = re.compile(r"/(?:pull|issues)/\d+$")


def web_host(api_url: str) -> str:
    """The web host of an API URL: `api.github.com` → `github.com`; GHES keeps its host."""
    host = urlsplit(api_url).netloc.lower()
    return "github.com" if host == "api.github.com" else host


def parse_link(url: str, hosts: Iterable[str] = ("github.com",)) -> GitHubLink | None:
    """`https://github.com/owner/repo/pull/42` (or `/issues/42`) on one of `hosts`."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.netloc.lower() not in set(hosts):
        return None
    found = _LINK_PATH.match(parts.path)
    if found is None:
        return None
    owner, name, kind, number = found.groups()
    return GitHubLink(f"{owner}/{name}", kind, int(number))


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return value
    return None


def _retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds to wait: `Retry-After` (secondary limits) or until `X-RateLimit-Reset`."""
    given = _header(headers, "retry-after")
    if given and given.strip().isdigit():
        return float(given)
    reset = _header(headers, "x-ratelimit-reset")
    if reset and reset.strip().isdigit():
        return max(0.0, float(reset) - time.time())
    return None


def _is_rate_limit(exc: GithubException) -> bool:
    """PyGithub names 403 rate limits only; GitHub also answers 429 for secondary limits."""
    if isinstance(exc, RateLimitExceededException) or exc.status == 429:
        return True
    return exc.status == 403 and _header(exc.headers, "x-ratelimit-remaining") == "0"


def _translated(what: str, exc: GithubException) -> GitHubApiError:
    if _is_rate_limit(exc):
        wait = _retry_after(exc.headers)
        log.warning("github_api.rate_limited what=%s retry_after=%s", what, wait)
        after = f"; try again in {int(wait) + 1} s" if wait is not None else ""
        return RateLimited(f"GitHub's rate limit for GITHUB_TOKEN is used up{after}", wait)
    if exc.status >= 500:
        log.warning("github_api.unavailable what=%s status=%s", what, exc.status)
        return Unavailable(f"GitHub answered {exc.status}; try again later")
    log.warning("github_api.error what=%s status=%s", what, exc.status)
    return GitHubApiError(
        f"GitHub refused to show {what} ({exc.status}: {exc.message or 'no message'})"
    )


class GitHubApi:
    """The REST API through PyGithub, for one token."""

    def __init__(
        self, token: str, base_url: str = "https://api.github.com", *, web_url: str | None = None
    ) -> None:
        """`web_url`: where PR and issue links point (derived from `base_url` by default:
        github.com for api.github.com, the same host for GitHub Enterprise Server)."""
        self.base_url = base_url.rstrip("/")
        self._web_host = urlsplit(web_url).netloc.lower() if web_url else web_host(base_url)
        self._github = Github(
            auth=Auth.Token(token),
            base_url=self.base_url,
            timeout=TIMEOUT_SECONDS,
            # Retry only what may pass by itself (gateway errors); a rate limit is reported
            # at once instead of sleeping in a Slack command or a worker's lease.
            retry=Retry(
                total=2,
                backoff_factor=0.2,
                status_forcelist=(502, 503, 504),
                allowed_methods=("GET",),
                respect_retry_after_header=False,  # else urllib3 sleeps through a 429
                raise_on_status=False,
            ),
            seconds_between_requests=0,
            lazy=True,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> GitHubApi | None:
        """The client of `GITHUB_TOKEN` on `GITHUB_API_URL`, or None without a token. Built
        once per process (`integrations.container`): PyGithub is thread-safe for reads and
        keeps a connection pool."""
        if settings.github_token is None:
            return None
        return cls(settings.github_token.get_secret_value(), settings.github_api_url)

    @property
    def web_hosts(self) -> tuple[str, ...]:
        return (self._web_host,)

    def close(self) -> None:
        self._github.close()

    def _call(self, what: str, call: Callable[[], T]) -> T:
        """Run one API interaction, turning PyGithub's and requests' errors into ours."""
        try:
            return call()
        except UnknownObjectException:
            log.info("github_api.not_found what=%s", what)
            raise NotVisible(
                f"{what} was not found on GitHub, or GITHUB_TOKEN cannot see it "
                "(a private repository needs a token with access to it)"
            ) from None
        except BadCredentialsException:
            log.warning("github_api.bad_credentials what=%s", what)
            raise BadToken(
                "GitHub rejected GITHUB_TOKEN (401 Bad credentials): it is wrong, expired or "
                "revoked"
            ) from None
        except GithubException as exc:
            raise _translated(what, exc) from None
        except requests.RequestException as exc:
            log.warning("github_api.unreachable what=%s error=%s", what, type(exc).__name__)
            raise Unavailable(
                f"GitHub did not answer ({type(exc).__name__}); try again later"
            ) from None

    # Subscription checks ----------------------------------------------------------------

    def check_source(self, source_id: str) -> SourceInfo:
        """The repository `owner/repo`, or the organisation or user `owner`, if the token
        sees it; raises `NotVisible` (with a message saying so), `BadToken`, ..."""
        if "/" in source_id:
            return self._call(f"Repository {source_id}", lambda: self._repository(source_id))
        return self._call(f"Account {source_id}", lambda: self._account(source_id))

    def _repository(self, full_name: str) -> SourceInfo:
        repo = self._github.get_repo(full_name)  # lazy: the first attribute read fetches it
        return SourceInfo(
            kind="repository",
            name=repo.full_name,
            html_url=repo.html_url,
            private=bool(repo.private),
            default_branch=repo.default_branch,
        )

    def _account(self, login: str) -> SourceInfo:
        try:
            org = self._github.get_organization(login)
            return SourceInfo(kind="organization", name=org.login, html_url=org.html_url)
        except UnknownObjectException:
            user = self._github.get_user(login)
            return SourceInfo(kind="user", name=user.login, html_url=user.html_url)

    # Pull request card status -----------------------------------------------------------

    def pull_status(self, full_name: str, number: int) -> PullStatus:
        """Mergeability and the combined outcome of check runs and commit statuses."""
        return self._call(
            f"Pull request {full_name}#{number}", lambda: self._pull_status(full_name, number)
        )

    def _pull_status(self, full_name: str, number: int) -> PullStatus:
        repo = self._github.get_repo(full_name)
        pull = repo.get_pull(number)
        commit = repo.get_commit(pull.head.sha)
        outcomes: list[str] = []
        for run in commit.get_check_runs():
            if run.status != "completed":
                outcomes.append("pending")
            elif run.conclusion in FAILED_CHECKS:
                outcomes.append("failure")
            else:
                outcomes.append("success")
        combined = commit.get_combined_status()
        if combined.total_count:
            outcomes.append("failure" if combined.state == "error" else combined.state)
        checks = next((o for o in ("failure", "pending", "success") if o in outcomes), None)
        return PullStatus(
            mergeable=pull.mergeable,
            mergeable_state=pull.mergeable_state,
            checks=checks,
            checks_url=f"{pull.html_url}/checks" if checks else None,
            open=pull.state == "open" and not pull.merged,
        )

    # Link unfurls -----------------------------------------------------------------------

    def unfurl(self, url: str) -> SlackMessage | None:
        """The card of the PR or issue a shared link names; None for other links, or when
        the token cannot see it (an unfurl never explains itself)."""
        found = parse_link(url, self.web_hosts)
        if found is None:
            return None
        try:
            return self._call(f"{found.repository}#{found.number}", lambda: self._card(found))
        except NotVisible:
            return None

    def _card(self, link: GitHubLink) -> SlackMessage | None:
        repo = self._github.get_repo(link.repository)
        try:
            if link.kind == "pull":
                raw: dict[str, Any] = repo.get_pull(link.number).raw_data
                base_repo = raw.get("base", {}).get("repo") or {}
                return pr_card(
                    PullRequest.model_validate(raw), Repository.model_validate(base_repo)
                )
            raw = repo.get_issue(link.number).raw_data
            html_url = _ITEM_SUFFIX.sub("", str(raw.get("html_url", "")))
            repository = Repository(full_name=link.repository, html_url=html_url)
            return issue_card(Issue.model_validate(raw), repository)
        except ValidationError as exc:
            log.warning("github_api.unexpected_shape link=%s errors=%s", link, exc.error_count())
            return None

    # Acting from Slack: comments, issue state, permissions -------------------------------

    def add_comment(self, full_name: str, number: int, body: str) -> tuple[int, str]:
        """Comment on a pull request or issue as the token's account; the comment's id and
        web address."""

        def create() -> tuple[int, str]:
            made = self._item(full_name, number).create_comment(body)
            return made.id, made.html_url

        return self._call(f"{full_name}#{number}", create)

    def edit_comment(self, full_name: str, number: int, comment_id: int, body: str) -> None:
        """Raises `NotVisible` when the comment is gone."""
        what = f"Comment {comment_id} on {full_name}#{number}"
        self._call(what, lambda: self._item(full_name, number).get_comment(comment_id).edit(body))

    def delete_comment(self, full_name: str, number: int, comment_id: int) -> bool:
        """Delete a comment; False when it was already gone."""
        what = f"Comment {comment_id} on {full_name}#{number}"
        try:
            self._call(what, lambda: self._item(full_name, number).get_comment(comment_id).delete())
        except NotVisible:
            return False
        return True

    def comments(self, full_name: str, number: int) -> list[tuple[int, str]]:
        """`(id, body)` of every comment on a pull request or issue, oldest first."""
        what = f"Comments of {full_name}#{number}"
        return self._call(
            what,
            lambda: [(c.id, c.body or "") for c in self._item(full_name, number).get_comments()],
        )

    def set_issue_state(
        self, full_name: str, number: int, state: str, reason: str | None = None
    ) -> SlackMessage | None:
        """Close (`reason`: `completed`, `not_planned`) or reopen an issue; its new card."""

        def edit() -> SlackMessage | None:
            issue = self._item(full_name, number)
            if reason is not None:
                issue.edit(state=state, state_reason=reason)
            else:
                issue.edit(state=state)
            return self._card(GitHubLink(full_name, "issues", number))

        return self._call(f"Issue {full_name}#{number}", edit)

    def role(self, full_name: str, login: str) -> str | None:
        """The role of `login` in the repository (`admin`, `maintain`, `write`, `triage`,
        `read`; a custom role as its base permission), or None when GitHub says the login
        is no collaborator (404)."""

        def read() -> str | None:
            repo = self._github.get_repo(full_name)
            try:
                role = repo.get_collaborator_role_name(login)
            except UnknownObjectException:
                return None
            if role in ROLES:
                return role
            return repo.get_collaborator_permission(login)  # legacy: admin, write, read, none

        return self._call(f"The permission of {login} in {full_name}", read)

    def _item(self, full_name: str, number: int) -> GhIssue:
        return self._github.get_repo(full_name).get_issue(number)
