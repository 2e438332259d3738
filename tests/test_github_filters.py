"""Subscription features and filters for GitHub events, both ways, over real payloads;
and the Slack command syntax that writes them."""

from __future__ import annotations

from typing import Any

import pytest

from integrations.github.dispatch import GitHubEvent, parse
from integrations.github.filters import EventFacts, broadcast, facts, matches
from integrations.subscriptions import (
    GITHUB_DEFAULT_FEATURES,
    GITHUB_FEATURES,
    SubscriptionRequest,
    SubscriptionSyntaxError,
    describe_subscription,
    parse_subscription,
)
from playground.github_payloads import example, variant


def facts_of(event: str, payload: dict[str, Any]) -> EventFacts:
    parsed = parse(event, payload)
    assert isinstance(parsed, GitHubEvent)
    return facts(parsed)


PR_OPENED = example("pull_request", "opened", 1)  # labels: bug; author Codertocat (User)


def reason(features: Any, filters: dict[str, Any], event_facts: EventFacts) -> str | None:
    return matches(features, filters, event_facts).reason


def test_facts_of_a_pull_request() -> None:
    assert facts_of("pull_request", PR_OPENED) == EventFacts(
        feature="pulls",
        repository="Codertocat/Hello-World",
        actor="Codertocat",
        actor_is_bot=False,
        author="Codertocat",
        author_is_bot=False,
        labels=("bug",),
        draft=False,
        change="opened",
    )


def test_facts_of_a_push() -> None:
    assert facts_of("push", example("push", index=4)) == EventFacts(
        feature="commits",
        repository="Codertocat/Hello-World",
        actor="Codertocat",
        actor_is_bot=False,
        branch="master",
        default_branch="master",
    )


@pytest.mark.parametrize(
    ("event", "payload", "feature"),
    [
        ("pull_request", PR_OPENED, "pulls"),
        ("pull_request_review", example("pull_request_review", "submitted"), "reviews"),
        (
            "pull_request_review_comment",
            example("pull_request_review_comment", "created"),
            "comments",
        ),
        ("issues", example("issues", "opened"), "issues"),
        ("issue_comment", example("issue_comment", "created"), "comments"),
        ("release", example("release", "published"), "releases"),
        ("deployment_status", example("deployment_status", "created"), "deployments"),
        ("workflow_run", example("workflow_run", "completed", 1), "workflows"),
        ("create", example("create"), "branches"),
        ("delete", example("delete"), "branches"),
    ],
)
def test_each_event_needs_its_feature(event: str, payload: dict[str, Any], feature: str) -> None:
    event_facts = facts_of(event, payload)
    assert event_facts.feature == feature
    assert not matches([f for f in GITHUB_FEATURES if f != feature], {}, event_facts)
    assert matches(["workflows:all" if feature == "workflows" else feature], {}, event_facts)


def test_default_features() -> None:
    assert GITHUB_DEFAULT_FEATURES == ("issues", "pulls", "commits", "releases", "deployments")
    assert matches(GITHUB_DEFAULT_FEATURES, {}, facts_of("pull_request", PR_OPENED))
    assert reason(
        GITHUB_DEFAULT_FEATURES, {}, facts_of("issue_comment", example("issue_comment", "created"))
    ) == ("feature comments not subscribed")


def test_commits_default_branch_only() -> None:
    master = facts_of("push", example("push", index=4))
    feature = facts_of("push", variant(example("push", index=4), {"ref": "refs/heads/feature/x"}))
    assert matches(["commits"], {}, master)
    assert reason(["commits"], {}, feature) == (
        "commits to feature/x: not subscribed (`commits` is the default branch, "
        "`commits:feature/x` or `commits:*` add others)"
    )
    assert matches(["commits:feature/x"], {}, feature)
    assert matches(["commits:feature/*"], {}, feature)
    assert matches(["commits:*"], {}, feature)
    assert not matches(["commits:release/*"], {}, feature)
    assert not matches(["commits:feature/*"], {}, master)


def test_workflows_failures_by_default() -> None:
    failed = facts_of(
        "workflow_run",
        variant(example("workflow_run", "completed", 1), {"workflow_run.conclusion": "failure"}),
    )
    succeeded = facts_of("workflow_run", example("workflow_run", "completed", 1))
    assert matches(["workflows"], {}, failed)
    assert reason(["workflows"], {}, succeeded) == (
        "workflow run did not fail (`workflows:all` posts every run)"
    )
    assert matches(["workflows:all"], {}, succeeded)
    assert reason(["pulls"], {}, failed) == "feature workflows not subscribed"


def test_label_include() -> None:
    bug = facts_of("pull_request", PR_OPENED)
    unlabeled = facts_of("pull_request", example("pull_request", "opened"))
    assert matches(["pulls"], {"labels": ["bug", "security"]}, bug)
    assert matches(["pulls"], {"labels": ["BUG"]}, bug)  # GitHub labels ignore case
    assert reason(["pulls"], {"labels": ["security"]}, bug) == "none of the labels security"
    assert reason(["pulls"], {"labels": ["bug"]}, unlabeled) == "none of the labels bug"


def test_label_exclude() -> None:
    bug = facts_of("pull_request", PR_OPENED)
    assert reason(["pulls"], {"exclude_labels": ["bug"]}, bug) == "label bug excluded"
    assert matches(["pulls"], {"exclude_labels": ["wontfix"]}, bug)


def test_label_filters_do_not_apply_to_pushes() -> None:
    push = facts_of("push", example("push", index=4))
    assert matches(["commits"], {"labels": ["bug"]}, push)


def test_excluded_author_of_the_item() -> None:
    dependabot_pr = variant(
        PR_OPENED, {"pull_request.user.login": "dependabot[bot]", "pull_request.user.type": "Bot"}
    )
    review_on_it = variant(
        example("pull_request_review", "submitted"),
        {"pull_request.user.login": "dependabot[bot]", "pull_request.user.type": "Bot"},
    )
    rules = {"exclude_authors": ["dependabot[bot]"]}
    assert reason(["pulls"], rules, facts_of("pull_request", dependabot_pr)) == (
        "author dependabot[bot] excluded"
    )
    assert reason(["reviews"], rules, facts_of("pull_request_review", review_on_it)) == (
        "author dependabot[bot] excluded"
    )
    assert matches(["pulls"], rules, facts_of("pull_request", PR_OPENED))


def test_excluded_author_as_actor() -> None:
    comment = variant(example("issue_comment", "created"), {"sender.login": "renovate[bot]"})
    assert reason(
        ["comments"], {"exclude_authors": ["Renovate[bot]"]}, facts_of("issue_comment", comment)
    ) == ("author renovate[bot] excluded")


def test_exclude_bots() -> None:
    by_bot = variant(
        example("deployment_status", "created"),
        {"sender.login": "github-actions[bot]", "sender.type": "Bot"},
    )
    assert reason(
        ["deployments"], {"exclude_bots": True}, facts_of("deployment_status", by_bot)
    ) == ("bot github-actions[bot] excluded")
    assert matches(["deployments"], {}, facts_of("deployment_status", by_bot))
    human = example("deployment_status", "created")
    assert matches(["deployments"], {"exclude_bots": True}, facts_of("deployment_status", human))


def test_skip_drafts() -> None:
    draft = facts_of("pull_request", example("pull_request", "converted_to_draft"))
    ready = facts_of("pull_request", example("pull_request", "ready_for_review"))
    assert reason(["pulls"], {"skip_drafts": True}, draft) == "draft pull request skipped"
    assert matches(["pulls"], {"skip_drafts": True}, ready)
    assert matches(["pulls"], {}, draft)


def test_broadcast_of_state_changes() -> None:
    merged = facts_of(
        "pull_request", variant(example("pull_request", "closed"), {"pull_request.merged": True})
    )
    labeled = facts_of("pull_request", example("pull_request", "labeled"))
    approved = facts_of(
        "pull_request_review",
        variant(example("pull_request_review", "submitted"), {"review.state": "approved"}),
    )
    assert merged.change == "merged"
    assert broadcast({"broadcast": ["merged"]}, merged)
    assert not broadcast({}, merged)
    assert not broadcast({"broadcast": ["merged"]}, labeled)
    assert broadcast({"broadcast": ["approved"]}, approved)


# The Slack command syntax ---------------------------------------------------------------


def test_parse_github_subscription() -> None:
    request = parse_subscription(
        "github",
        "octo/hello pulls reviews label:bug +label:security -label:wontfix "
        "-author:dependabot[bot] -bots -drafts broadcast:merged,approved",
    )
    assert request == SubscriptionRequest(
        source_service="github",
        source_id="octo/hello",
        events=("pulls", "reviews"),
        filters={
            "labels": ["bug", "security"],
            "exclude_labels": ["wontfix"],
            "exclude_authors": ["dependabot[bot]"],
            "exclude_bots": True,
            "skip_drafts": True,
            "broadcast": ["merged", "approved"],
        },
    )


def test_parse_github_subscription_defaults_url_and_quotes() -> None:
    request = parse_subscription(
        "github", 'https://github.com/octo/hello/ label:"good first issue"'
    )
    assert request.source_id == "octo/hello"
    assert request.events == GITHUB_DEFAULT_FEATURES
    assert request.filters == {"labels": ["good first issue"]}


def test_parse_branch_and_workflow_features() -> None:
    request = parse_subscription("github", "octo commits:release/* workflows:all")
    assert request.source_id == "octo"
    assert request.events == ("commits:release/*", "workflows:all")


def test_parse_jira_subscription() -> None:
    request = parse_subscription("jira", "proj issue_created type:Bug priority:High -label:x")
    assert request == SubscriptionRequest(
        source_service="jira",
        source_id="PROJ",
        events=("issue_created",),
        filters={"issue_types": ["Bug"], "priorities": ["High"], "exclude_labels": ["x"]},
    )


@pytest.mark.parametrize(
    ("service", "text", "message"),
    [
        ("github", "", "name owner/repo to subscribe to"),
        (
            "github",
            "octo/hello nope",
            "unknown GitHub feature 'nope'; known: issues, pulls, "
            "reviews, comments, commits, releases, deployments, workflows, branches, "
            "commits:<branch>, workflows:all",
        ),
        ("github", "octo/hello -colour:red", "unknown filter '-colour:red'"),
        ("github", "octo/hello label:", "'label:' needs a value after the colon"),
        (
            "github",
            "octo/hello broadcast:labeled",
            "unknown change 'labeled'; known: opened, "
            "closed, merged, reopened, ready_for_review, approved, changes_requested",
        ),
        ("github", "not/a/repo", "'not/a/repo' is not owner/repo (or an organisation)"),
        (
            "github",
            'octo/hello label:"open',
            "cannot read 'octo/hello label:\"open': No closing quotation",
        ),
        ("jira", "proj-1", "'proj-1' is not a Jira project key such as PROJ"),
        ("gitlab", "a/b", "unknown service 'gitlab': use github or jira"),
    ],
)
def test_subscription_syntax_errors(service: str, text: str, message: str) -> None:
    with pytest.raises(SubscriptionSyntaxError) as raised:
        parse_subscription(service, text)
    assert str(raised.value) == message


def test_describe_is_the_syntax_back() -> None:
    text = (
        'octo/hello pulls commits:main label:"good first issue" -label:wontfix '
        "-author:dependabot[bot] -bots -drafts broadcast:merged"
    )
    request = parse_subscription("github", text)
    assert describe_subscription(request.source_id, request.events, request.filters) == text
    assert parse_subscription("github", text) == request
