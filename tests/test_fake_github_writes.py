"""The fake GitHub's write endpoints answer the real PyGithub client as GitHub does: issue
comments by id, an issue's state, and a collaborator's permission."""

from __future__ import annotations

import pytest
from github import Github, GithubException, UnknownObjectException

from tests.fakes.github import FakeGitHub
from tests.test_fake_github import client

REPO = "acme/widgets"


@pytest.fixture
def gh(fake_github: FakeGitHub) -> Github:
    fake_github.add_repo(REPO)
    fake_github.add_issue(REPO, number=1, title="Broken")
    return client(fake_github)


def test_a_comment_is_made_read_edited_and_deleted_by_id(gh: Github) -> None:
    issue = gh.get_repo(REPO).get_issue(1)
    made = issue.create_comment("first")
    assert made.html_url == f"https://github.com/{REPO}/issues/1#issuecomment-{made.id}"
    assert made.user.login == "connect-bot"
    comment = issue.get_comment(made.id)
    assert comment.body == "first"
    comment.edit("second")
    assert comment.body == "second"
    assert [c.body for c in issue.get_comments()] == ["second"]
    comment.delete()
    assert list(issue.get_comments()) == []
    with pytest.raises(UnknownObjectException):
        issue.get_comment(made.id).delete()


def test_an_empty_comment_edit_is_a_validation_error(gh: Github) -> None:
    issue = gh.get_repo(REPO).get_issue(1)
    made = issue.create_comment("words")
    with pytest.raises(GithubException, match="Validation Failed") as raised:
        made.edit("")
    assert raised.value.status == 422


def test_an_issue_is_closed_with_a_reason_and_reopened(gh: Github) -> None:
    issue = gh.get_repo(REPO).get_issue(1)
    issue.edit(state="closed", state_reason="not_planned")
    assert (issue.state, issue.state_reason) == ("closed", "not_planned")
    assert issue.closed_at is not None
    issue.edit(state="open")
    assert (issue.state, issue.state_reason, issue.closed_at) == ("open", "reopened", None)
    issue.edit(state="closed")
    assert issue.state_reason == "completed"


def test_an_unknown_state_is_a_validation_error(gh: Github) -> None:
    with pytest.raises(GithubException, match="Validation Failed") as raised:
        gh.get_repo(REPO).get_issue(1).edit(state="done")
    assert raised.value.status == 422


@pytest.mark.parametrize(
    ("role", "permission"),
    [
        ("admin", "admin"),
        ("maintain", "write"),
        ("write", "write"),
        ("triage", "read"),
        ("read", "read"),
    ],
)
def test_a_collaborator_permission_has_the_documented_shape(
    gh: Github, fake_github: FakeGitHub, role: str, permission: str
) -> None:
    fake_github.add_collaborator(REPO, "ada-l", role)
    repo = gh.get_repo(REPO)
    assert repo.get_collaborator_permission("ada-l") == permission
    assert repo.get_collaborator_role_name("Ada-L") == role  # logins are case-insensitive


def test_a_login_that_is_no_collaborator_is_not_found(gh: Github, fake_github: FakeGitHub) -> None:
    fake_github.add_user("stranger")
    repo = gh.get_repo(REPO)
    for login in ("stranger", "nobody-at-all"):
        with pytest.raises(UnknownObjectException):
            repo.get_collaborator_permission(login)
