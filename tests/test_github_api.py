"""`integrations.github.api` with the real PyGithub client over HTTP against the fake GitHub."""

from __future__ import annotations

import pytest

from integrations.github.api import (
    BadToken,
    GitHubApi,
    GitHubApiError,
    GitHubLink,
    NotVisible,
    RateLimited,
    SourceInfo,
    Unavailable,
    parse_link,
    web_host,
)
from integrations.github.cards import PullStatus
from playground.fakes.github import FakeGitHub
from settings import load_settings

REPO = "acme/widgets"


def api_for(fake: FakeGitHub, *, token: str | None = None, prefix: str = "") -> GitHubApi:
    return GitHubApi(token or fake.token, fake.url + prefix, web_url=fake.web_url)


@pytest.fixture
def api(fake_github: FakeGitHub) -> GitHubApi:
    fake_github.add_repo(REPO)
    return api_for(fake_github)


def test_from_settings_needs_a_token() -> None:
    assert GitHubApi.from_settings(load_settings(env_file=None)) is None
    api = GitHubApi.from_settings(
        load_settings(env_file=None, github_token="t", github_api_url="https://ghe.example/api/v3")
    )
    assert api is not None
    assert api.base_url == "https://ghe.example/api/v3"
    assert api.web_hosts == ("ghe.example",)


# Subscription checks --------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["", "/api/v3"])
def test_a_visible_repository(fake_github: FakeGitHub, prefix: str) -> None:
    fake_github.add_repo("Acme/Widgets", private=True, default_branch="trunk")
    info = api_for(fake_github, prefix=prefix).check_source("Acme/Widgets")
    assert info == SourceInfo(
        kind="repository",
        name="Acme/Widgets",
        html_url="https://github.com/Acme/Widgets",
        private=True,
        default_branch="trunk",
    )
    assert fake_github.last_call("*").header("Authorization") == f"token {fake_github.token}"


def test_a_repository_the_token_cannot_see(fake_github: FakeGitHub) -> None:
    fake_github.add_repo("acme/secret", private=True, visible_to=["someone-else"])
    with pytest.raises(NotVisible) as raised:
        api_for(fake_github).check_source("acme/secret")
    assert str(raised.value) == (
        "Repository acme/secret was not found on GitHub, or GITHUB_TOKEN cannot see it "
        "(a private repository needs a token with access to it)"
    )


def test_a_repository_that_does_not_exist(api: GitHubApi) -> None:
    with pytest.raises(NotVisible, match=r"^Repository acme/nothing was not found on GitHub"):
        api.check_source("acme/nothing")


def test_a_bad_token(fake_github: FakeGitHub) -> None:
    fake_github.add_repo(REPO)
    with pytest.raises(BadToken) as raised:
        api_for(fake_github, token="ghp-revoked").check_source(REPO)
    assert str(raised.value) == (
        "GitHub rejected GITHUB_TOKEN (401 Bad credentials): it is wrong, expired or revoked"
    )
    assert "ghp-revoked" not in str(raised.value)


def test_an_organisation_and_a_user(fake_github: FakeGitHub) -> None:
    fake_github.add_org("acme", name="Acme Inc")
    api = api_for(fake_github)
    assert api.check_source("acme") == SourceInfo(
        kind="organization", name="acme", html_url="https://github.com/acme"
    )
    assert api.check_source("octocat") == SourceInfo(
        kind="user", name="octocat", html_url="https://github.com/octocat"
    )
    with pytest.raises(NotVisible, match=r"^Account nobody was not found on GitHub"):
        api.check_source("nobody")


def test_the_primary_rate_limit(fake_github: FakeGitHub, api: GitHubApi) -> None:
    fake_github.rate_limit(f"/repos/{REPO}", reset_in=30)
    with pytest.raises(RateLimited) as raised:
        api.check_source(REPO)
    assert raised.value.retry_after is not None
    assert 25 <= raised.value.retry_after <= 31
    assert str(raised.value).startswith(
        "GitHub's rate limit for GITHUB_TOKEN is used up; try again"
    )


def test_a_secondary_rate_limit(fake_github: FakeGitHub, api: GitHubApi) -> None:
    fake_github.fail(f"/repos/{REPO}", status=429, retry_after=7)
    with pytest.raises(RateLimited) as raised:
        api.check_source(REPO)
    assert raised.value.retry_after == 7
    assert str(raised.value) == "GitHub's rate limit for GITHUB_TOKEN is used up; try again in 8 s"


def test_a_server_error(fake_github: FakeGitHub, api: GitHubApi) -> None:
    fake_github.fail(f"/repos/{REPO}", status=500)
    with pytest.raises(Unavailable, match=r"^GitHub answered 500; try again later$"):
        api.check_source(REPO)


def test_gateway_errors_are_retried(fake_github: FakeGitHub, api: GitHubApi) -> None:
    fake_github.fail(f"/repos/{REPO}", status=502, times=2)
    assert api.check_source(REPO).name == REPO
    assert len(fake_github.calls(f"/repos/{REPO}")) == 3


def test_github_unreachable() -> None:
    api = GitHubApi("t", "http://127.0.0.1:9")  # discard port: nothing listens
    with pytest.raises(Unavailable, match=r"^GitHub did not answer \(ConnectionError\)"):
        api.check_source(REPO)


def test_errors_share_a_base() -> None:
    for error in (NotVisible, BadToken, RateLimited, Unavailable):
        assert issubclass(error, GitHubApiError)


# Pull request status --------------------------------------------------------------------


def test_pull_status_passing_and_mergeable(fake_github: FakeGitHub, api: GitHubApi) -> None:
    pr = fake_github.add_pull(REPO)
    fake_github.add_check_run(REPO, pr.head_sha, "tests")
    fake_github.add_status(REPO, pr.head_sha, "ci/legacy", "success")
    assert api.pull_status(REPO, pr.number) == PullStatus(
        mergeable=True,
        mergeable_state="clean",
        checks="success",
        checks_url=f"https://github.com/{REPO}/pull/{pr.number}/checks",
    )


def test_pull_status_failing_with_conflicts(fake_github: FakeGitHub, api: GitHubApi) -> None:
    pr = fake_github.add_pull(REPO, mergeable=False, mergeable_state="dirty")
    fake_github.add_check_run(REPO, pr.head_sha, "tests", conclusion="failure")
    fake_github.add_check_run(REPO, pr.head_sha, "lint", status="in_progress")
    status = api.pull_status(REPO, pr.number)
    assert (status.mergeable, status.mergeable_state, status.checks) == (False, "dirty", "failure")


def test_pull_status_running(fake_github: FakeGitHub, api: GitHubApi) -> None:
    pr = fake_github.add_pull(REPO)
    fake_github.add_check_run(REPO, pr.head_sha, "tests")
    fake_github.add_status(REPO, pr.head_sha, "ci/legacy", "pending")
    assert api.pull_status(REPO, pr.number).checks == "pending"


def test_pull_status_without_checks_while_mergeability_is_computed(
    fake_github: FakeGitHub, api: GitHubApi
) -> None:
    pr = fake_github.add_pull(REPO, mergeable_pending_reads=1)
    assert api.pull_status(REPO, pr.number) == PullStatus(
        mergeable=None, mergeable_state="unknown", checks=None, checks_url=None
    )


def test_pull_status_of_a_missing_pull(api: GitHubApi) -> None:
    with pytest.raises(NotVisible, match=r"^Pull request acme/widgets#99 was not found"):
        api.pull_status(REPO, 99)


# Unfurls --------------------------------------------------------------------------------


def test_parse_link() -> None:
    assert parse_link("https://github.com/acme/widgets/pull/7/files") == GitHubLink(
        "acme/widgets", "pull", 7
    )
    assert parse_link("https://github.com/acme/widgets/issues/8#issuecomment-1") == GitHubLink(
        "acme/widgets", "issues", 8
    )
    assert parse_link("https://github.com/acme/widgets/commit/abc") is None
    assert parse_link("https://gitlab.com/acme/widgets/pull/7") is None
    assert parse_link("https://ghe.example/a/b/pull/1", ["ghe.example"]) == GitHubLink(
        "a/b", "pull", 1
    )


def test_web_host() -> None:
    assert web_host("https://api.github.com") == "github.com"
    assert web_host("https://ghe.example/api/v3") == "ghe.example"


def test_unfurl_a_pull_request(fake_github: FakeGitHub, api: GitHubApi) -> None:
    pr = fake_github.add_pull(
        REPO, title="Add <widget>", head="feature/w", labels=["bug"], requested_reviewers=["alice"]
    )
    card = api.unfurl(f"https://github.com/{REPO}/pull/{pr.number}")
    assert card is not None
    assert card.text == f"Pull request #{pr.number}: Add &lt;widget&gt; (Open) · {REPO}"
    dumped = [block.to_dict() for block in card.blocks]
    assert dumped[1]["elements"][2]["text"] == "`feature/w` → `main`"
    assert dumped[2]["fields"] == [
        {"type": "mrkdwn", "text": "*Reviewers*\nalice"},
        {"type": "mrkdwn", "text": "*Labels*\n`bug`"},
    ]


def test_unfurl_an_issue(fake_github: FakeGitHub, api: GitHubApi) -> None:
    issue = fake_github.add_issue(REPO, title="Crash on start", state="closed")
    card = api.unfurl(f"https://github.com/{REPO}/issues/{issue.number}")
    assert card is not None
    assert card.text == f"Issue #{issue.number}: Crash on start (Closed) · {REPO}"
    repo_link = f"<https://github.com/{REPO}|{REPO}>"
    assert card.blocks[1].to_dict()["elements"][1]["text"] == repo_link


def test_unfurl_other_links_without_asking_github(fake_github: FakeGitHub, api: GitHubApi) -> None:
    assert api.unfurl("https://example.com/acme/widgets/pull/1") is None
    assert api.unfurl(f"https://github.com/{REPO}/pull/404") is None
    assert [call.path for call in fake_github.calls("*")] == [f"/repos/{REPO}/pulls/404"]
