"""The fake GitHub answers the real PyGithub client as GitHub does."""

from __future__ import annotations

import pytest
from github import (
    Auth,
    BadCredentialsException,
    Github,
    GithubException,
    RateLimitExceededException,
    UnknownObjectException,
)

from playground.fakes.github import FakeGitHub

REPO = "acme/widgets"


def client(
    fake: FakeGitHub, *, base_url: str | None = None, token: str | None = None, **kw
) -> Github:
    """PyGithub without its client-side throttling (0.25 s between requests by default)."""
    return Github(
        auth=Auth.Token(token or fake.token),
        base_url=base_url or fake.url,
        seconds_between_requests=0,
        seconds_between_writes=0,
        **kw,
    )


@pytest.fixture
def gh(fake_github: FakeGitHub) -> Github:
    fake_github.add_repo(REPO, description="Widgets")
    return client(fake_github)


@pytest.mark.parametrize("prefix", ["", "/api/v3"])
def test_get_repo_with_either_base_url(fake_github: FakeGitHub, prefix: str) -> None:
    fake_github.add_repo(REPO)

    repo = client(fake_github, base_url=fake_github.url + prefix).get_repo(REPO)

    assert (repo.full_name, repo.owner.login, repo.default_branch) == (REPO, "acme", "main")
    assert repo.html_url == "https://github.com/acme/widgets"
    assert repo.url == f"{fake_github.url}{prefix}/repos/acme/widgets"
    assert repo.permissions.admin is True
    assert fake_github.last_call(f"/repos/{REPO}").path == f"{prefix}/repos/{REPO}"
    assert fake_github.last_call("*").header("Authorization") == "token ghp-test"


def test_unknown_and_invisible_repos_are_404(fake_github: FakeGitHub) -> None:
    fake_github.add_repo("acme/secret", private=True, visible_to=["someone-else"])
    gh = client(fake_github)

    with pytest.raises(UnknownObjectException) as raised:
        gh.get_repo("acme/nope")
    assert raised.value.data["message"] == "Not Found"
    with pytest.raises(UnknownObjectException):
        gh.get_repo("acme/secret")


def test_bad_token_is_401(fake_github: FakeGitHub) -> None:
    fake_github.add_repo(REPO)

    with pytest.raises(BadCredentialsException) as raised:
        client(fake_github, token="ghp-wrong").get_repo(REPO)

    assert raised.value.status == 401
    assert raised.value.data["message"] == "Bad credentials"


def test_pull_request_mergeability_and_reviewers(fake_github: FakeGitHub, gh: Github) -> None:
    pr = fake_github.add_pull(
        REPO,
        title="Add widget",
        head="feature/widget",
        requested_reviewers=["alice"],
        mergeable_pending_reads=1,
    )
    fake_github.add_review(REPO, pr.number, "bob", "CHANGES_REQUESTED", "needs tests")
    repo = gh.get_repo(REPO)

    first = repo.get_pull(pr.number)
    again = repo.get_pull(pr.number)

    assert (first.mergeable, first.mergeable_state) == (None, "unknown")
    assert (again.mergeable, again.mergeable_state) == (True, "clean")
    assert [u.login for u in again.requested_reviewers] == ["alice"]
    assert (again.head.ref, again.base.ref, again.head.sha) == (
        "feature/widget",
        "main",
        pr.head_sha,
    )
    assert again.html_url == f"https://github.com/{REPO}/pull/{pr.number}"
    assert [(r.user.login, r.state) for r in again.get_reviews()] == [("bob", "CHANGES_REQUESTED")]


def test_issue_and_pull_as_issue(fake_github: FakeGitHub, gh: Github) -> None:
    issue = fake_github.add_issue(REPO, title="Crash on start", labels=["bug"])
    pr = fake_github.add_pull(REPO)
    repo = gh.get_repo(REPO)

    got = repo.get_issue(issue.number)
    assert (got.title, [label.name for label in got.labels]) == ("Crash on start", ["bug"])
    assert got.pull_request is None
    assert repo.get_issue(pr.number).pull_request is not None
    got.create_comment("Tracked in PROJ-1")
    assert [c.body for c in fake_github.repos[REPO].issues[issue.number].comments] == [
        "Tracked in PROJ-1"
    ]


def test_check_runs_and_combined_status(fake_github: FakeGitHub, gh: Github) -> None:
    pr = fake_github.add_pull(REPO)
    fake_github.add_check_run(REPO, pr.head_sha, "tests", conclusion="failure")
    fake_github.add_check_run(REPO, pr.head_sha, "lint", status="in_progress")
    fake_github.add_status(REPO, pr.head_sha, "ci/legacy", "pending")

    commit = gh.get_repo(REPO).get_commit(pr.head_sha)
    runs = {r.name: (r.status, r.conclusion) for r in commit.get_check_runs()}

    assert runs == {"tests": ("completed", "failure"), "lint": ("in_progress", None)}
    combined = commit.get_combined_status()
    assert combined.state == "pending"
    assert [s.context for s in combined.statuses] == ["ci/legacy"]
    with pytest.raises(GithubException) as raised:
        gh.get_repo(REPO).get_commit("0" * 40)
    assert raised.value.status == 422


def test_hooks_need_admin(fake_github: FakeGitHub) -> None:
    fake_github.add_repo(REPO, admin_tokens=[])
    fake_github.add_repo("acme/tools")
    fake_github.add_hook("acme/tools", "https://connect.example.com/webhooks/github")
    gh = client(fake_github)

    with pytest.raises(UnknownObjectException):
        list(gh.get_repo(REPO).get_hooks())
    hooks = list(gh.get_repo("acme/tools").get_hooks())
    assert [h.config["url"] for h in hooks] == ["https://connect.example.com/webhooks/github"]


def test_user_and_organization(fake_github: FakeGitHub, gh: Github) -> None:
    assert gh.get_user().login == "connect-bot"
    assert gh.get_organization("acme").login == "acme"
    with pytest.raises(UnknownObjectException):
        gh.get_organization("nobody")


def test_lists_are_paginated(fake_github: FakeGitHub) -> None:
    fake_github.add_repo(REPO)
    for n in range(5):
        fake_github.add_pull(REPO, title=f"PR {n}", head=f"branch-{n}")

    pulls = client(fake_github, per_page=2).get_repo(REPO).get_pulls()

    assert [p.title for p in pulls] == [f"PR {n}" for n in reversed(range(5))]
    pages = [c.query.get("page") for c in fake_github.calls(f"/repos/{REPO}/pulls")]
    assert pages == [None, "2", "3"]


def test_secondary_rate_limit_is_retried(fake_github: FakeGitHub, gh: Github) -> None:
    fake_github.fail(f"/repos/{REPO}", status=403, retry_after=0)

    assert gh.get_repo(REPO).name == "widgets"
    assert len(fake_github.calls(f"/repos/{REPO}")) == 2


def test_rate_limit_without_retries_raises(fake_github: FakeGitHub) -> None:
    fake_github.add_repo(REPO)
    fake_github.fail(f"/repos/{REPO}", status=403, times=None)
    fake_github.fail("/repos/acme/other", status=429, times=None)
    gh = client(fake_github, retry=None)

    with pytest.raises(RateLimitExceededException) as raised:
        gh.get_repo(REPO)
    headers = raised.value.headers or {}
    assert (headers["x-ratelimit-remaining"], headers["retry-after"]) == ("0", "1")
    # PyGithub maps only 403 to RateLimitExceededException; a 429 stays a GithubException
    with pytest.raises(GithubException, match="secondary rate limit") as raised_429:
        gh.get_repo("acme/other")
    assert raised_429.value.status == 429


def test_primary_rate_limit_headers(fake_github: FakeGitHub) -> None:
    fake_github.add_repo(REPO)
    fake_github.rate_limit(f"/repos/{REPO}", times=None)

    with pytest.raises(RateLimitExceededException, match="API rate limit exceeded"):
        client(fake_github, retry=None).get_repo(REPO)


def test_server_errors_are_retried_by_pyGithub(fake_github: FakeGitHub, gh: Github) -> None:
    fake_github.fail(f"/repos/{REPO}", status=502, times=2)

    assert gh.get_repo(REPO).full_name == REPO
    assert len(fake_github.calls(f"/repos/{REPO}")) == 3
