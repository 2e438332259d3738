"""Jira keys named by pull requests and commits, and the posts owed to the issues' threads."""

from __future__ import annotations

from typing import Any

import pytest

from integrations.github.dispatch import GitHubEvent, parse
from integrations.github.jira_keys import KnownJira, candidate_jira_keys, find_jira_keys
from integrations.github.jira_links import JiraMention, jira_mentions
from playground.github_payloads import example, variant


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("PROJ-123: fix login", ("PROJ-123",)),
        ("Fixes [ABC-1] and (DEF-22), again ABC-1", ("ABC-1", "DEF-22")),
        ("foo-BAR-2", ("BAR-2",)),
        ("proj-123 lowercase in text is not a key", ()),
        ("ABC-12x ABC-0 A-1 ABCDEFGHIJK-1 ABC-", ()),
        ("UTF-8, SHA-256 and ISO-8601 are standards", ()),
        ("https://jira.example/browse/OPS-7", ("OPS-7",)),
    ],
)
def test_keys_in_text(text: str, keys: tuple[str, ...]) -> None:
    assert candidate_jira_keys(text) == keys


def test_keys_in_branches_in_any_case() -> None:
    assert candidate_jira_keys(branches=["feature/proj-12-login", "PROJ-13"]) == (
        "PROJ-12",
        "PROJ-13",
    )


def test_keys_of_known_projects_only() -> None:
    assert find_jira_keys("PROJ-1 OTHER-2", known=KnownJira.of(projects=["proj"])) == ("PROJ-1",)


def test_known_keys_count_whatever_their_project() -> None:
    known = KnownJira.of(projects=["PROJ"], keys=["OPS-3"])
    assert find_jira_keys("OPS-3 OPS-4 PROJ-9", known=known) == ("OPS-3", "PROJ-9")


def test_nothing_is_a_key_when_nothing_is_known() -> None:
    assert find_jira_keys("PROJ-1", branches=["proj-2-x"]) == ()


DEPENDABOT_TEXTS = (
    "Bump lodash from 4.17.15 to 4.17.21",
    "Fixes CVE-2021-23337. Also SHA-2 and PEP-8.",
)
DEPENDABOT_BRANCH = "dependabot/npm_and_yarn/lodash-4.17.21"


def test_a_dependabot_pr_names_no_known_key() -> None:
    assert candidate_jira_keys(*DEPENDABOT_TEXTS, branches=[DEPENDABOT_BRANCH]) == (
        "CVE-2021",
        "SHA-2",
        "PEP-8",
        "LODASH-4",
    )
    known = KnownJira.of(projects=["PROJ", "OPS"], keys=["TES-41"])
    assert find_jira_keys(*DEPENDABOT_TEXTS, branches=[DEPENDABOT_BRANCH], known=known) == ()


def test_lowercase_branch_keys_count_only_for_known_projects_or_keys() -> None:
    branches = ["upgrade/python-3.12", "fix/latin-1-decoding", "proj-12-login", "ops-3-x"]
    known = KnownJira.of(projects=["PROJ"], keys=["OPS-3"])
    assert find_jira_keys(branches=branches, known=known) == ("PROJ-12", "OPS-3")


def mentions(event: str, payload: dict[str, Any]) -> tuple[JiraMention, ...]:
    parsed = parse(event, payload)
    assert isinstance(parsed, GitHubEvent)
    return jira_mentions(parsed)


PR = (
    "<https://github.com/Codertocat/Hello-World/pull/2"
    "|Codertocat/Hello-World#2 PROJ-7 Update the README>"
)


def pr_naming_keys(action: str = "opened", **changes: Any) -> dict[str, Any]:
    return variant(
        example("pull_request", action),
        {
            "pull_request.title": "PROJ-7 Update the README",
            "pull_request.head.ref": "ops-3-readme",
            "pull_request.body": "Also closes PROJ-7.",
            **changes,
        },
    )


def test_pull_request_opened_names_keys_in_title_branch_and_body() -> None:
    found = mentions("pull_request", pr_naming_keys())
    assert [m.key for m in found] == ["PROJ-7", "OPS-3"]
    assert {m.pull_request for m in found} == {"Codertocat/Hello-World#2"}
    assert found[0].message.text == (
        f":link: Codertocat opened pull request {PR} (`ops-3-readme` → `master`)"
    )


def test_pull_request_merged_is_mentioned() -> None:
    payload = pr_naming_keys("closed", **{"pull_request.merged": True})
    assert mentions("pull_request", payload)[0].message.text == (
        f":link: Codertocat merged pull request {PR} into `master`"
    )


def test_pull_request_closed_is_mentioned() -> None:
    assert mentions("pull_request", pr_naming_keys("closed"))[0].message.text == (
        f":link: Codertocat closed pull request {PR} without merging"
    )


def test_review_outcomes_are_mentioned() -> None:
    review_url = "https://github.com/Codertocat/Hello-World/pull/2#pullrequestreview-237895671"
    linked = f"<{review_url}|Codertocat/Hello-World#2 PROJ-7 Update the README>"
    base = variant(
        example("pull_request_review", "submitted"),
        {"pull_request.title": "PROJ-7 Update the README"},
    )
    approved = variant(base, {"review.state": "approved"})
    changes = variant(base, {"review.state": "changes_requested"})
    assert mentions("pull_request_review", approved)[0].message.text == (
        f":link: Codertocat approved pull request {linked}"
    )
    assert mentions("pull_request_review", changes)[0].message.text == (
        f":link: Codertocat requested changes on pull request {linked}"
    )
    assert mentions("pull_request_review", base) == ()  # a plain "commented" review


def test_other_pull_request_events_are_not_mentioned() -> None:
    assert mentions("pull_request", pr_naming_keys("labeled")) == ()


def test_pull_request_without_keys() -> None:
    assert mentions("pull_request", example("pull_request", "opened")) == ()


def test_commits_naming_keys() -> None:
    payload = example("push", index=4)
    commit = payload["commits"][0]
    payload["commits"] = [
        {**commit, "id": "a" * 40, "message": "PROJ-7 first\n\nbody", "url": "https://c/a"},
        {**commit, "id": "b" * 40, "message": "unrelated", "url": "https://c/b"},
        {**commit, "id": "c" * 40, "message": "More on PROJ-7 and OPS-3", "url": "https://c/c"},
    ]
    found = mentions("push", payload)
    assert [(m.key, m.pull_request) for m in found] == [("PROJ-7", None), ("OPS-3", None)]
    repo = "<https://github.com/Codertocat/Hello-World|Codertocat/Hello-World>"
    assert found[0].message.text == (
        f":link: Codertocat pushed 2 commits naming PROJ-7 to `master` in {repo}"
    )
    assert found[0].message.blocks[0].to_dict()["text"]["text"] == (
        f":link: Codertocat pushed 2 commits naming PROJ-7 to `master` in {repo}\n"
        "• <https://c/a|aaaaaaa> PROJ-7 first\n"
        "• <https://c/c|ccccccc> More on PROJ-7 and OPS-3"
    )


def test_only_known_keys_are_mentioned_when_known_is_given() -> None:
    parsed = parse("pull_request", pr_naming_keys())
    assert isinstance(parsed, GitHubEvent)
    known = KnownJira.of(keys=["PROJ-7"])
    assert [m.key for m in jira_mentions(parsed, known)] == ["PROJ-7"]  # not OPS-3
    assert jira_mentions(parsed, KnownJira()) == ()
