"""`/ticket subscribe|unsubscribe|subscriptions` over signed HTTP, with the real PyGithub and
jira clients against the fake GitHub and fake Jira; and a subscription made in Slack
receiving a signed GitHub webhook."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from slack_sdk import WebClient

from integrations.delivery.worker import WorkerConfig
from integrations.github.dispatch import SUPPORTED_EVENTS
from integrations.github.webhook_setup import EVENT_LABELS, FEATURE_EVENTS, webhook_events
from integrations.subscriptions import GITHUB_FEATURES
from playground.fakes.github import FakeGitHub
from playground.fakes.slack import FakeSlack
from playground.fakes.slack_models import ResponseUrlPost
from playground.github_payloads import example
from tests.support.live import LiveApp
from tests.support.slack import TicketEnv, wait_for
from tests.support.webhooks import GITHUB_SECRET, post_github
from tests.support.workers import worker_for

MakeEnv = Callable[..., TicketEnv]
PUBLIC = "https://connect.example.com"


@pytest.fixture
def make_env(make_ticket_env: Callable[..., TicketEnv]) -> MakeEnv:
    def make(**overrides: Any) -> TicketEnv:
        return make_ticket_env(**{"connect_public_url": PUBLIC, **overrides})

    return make


def answer(env: TicketEnv, text: str) -> ResponseUrlPost:
    """Run `/ticket <text>` and wait for the answer posted to its response URL."""
    response, payload = env.send.command(text)
    assert response.status_code == 200
    return wait_for(lambda: env.slack.response_posts(payload["response_url"]), what=text)[0]


def subscriptions(env: TicketEnv) -> list[dict[str, Any]]:
    return env.live.get("/api/v1/subscriptions").json()["subscriptions"]


def test_subscribe_to_a_repository(make_env: MakeEnv) -> None:
    env = make_env()
    post = answer(env, "subscribe github Codertocat/Hello-World pulls reviews label:bug -bots")
    assert post.body["response_type"] == "in_channel"
    assert post.text == (
        "<@U0ALICE>: Subscribed this channel to github "
        "`Codertocat/Hello-World pulls reviews label:bug -bots`.\n"
        "If GitHub does not send webhooks here yet, add one at "
        "https://github.com/Codertocat/Hello-World/settings/hooks: Payload URL "
        f"`{PUBLIC}/webhooks/github`, content type `application/json`, secret = "
        'GITHUB_WEBHOOK_SECRET, events ("Let me select individual events"): Pull requests, '
        "Pull request reviews."
    )
    [stored] = subscriptions(env)
    assert (stored["source_service"], stored["source_id"], stored["channel_id"]) == (
        "github",
        "codertocat/hello-world",  # GitHub names are case-insensitive: stored lower-cased
        "C0GENERAL",
    )
    assert stored["events"] == ["pulls", "reviews"]
    assert stored["filters"] == {"labels": ["bug"], "exclude_bots": True}


def test_subscribe_again_updates(make_env: MakeEnv) -> None:
    env = make_env()
    answer(env, "subscribe github octo/hello")
    post = answer(env, "subscribe github octo/hello issues")
    assert post.text.startswith(
        "<@U0ALICE>: Updated the subscription of this channel to github `octo/hello issues`."
    )
    [stored] = subscriptions(env)
    assert stored["events"] == ["issues"]


def test_subscribe_to_an_organisation_without_a_public_url(make_env: MakeEnv) -> None:
    env = make_env(connect_public_url=None)
    post = answer(env, "subscribe github octo")
    assert post.text.endswith(
        "add one at https://github.com/organizations/octo/settings/hooks: Payload URL "
        "`https://<this app>/webhooks/github` (set CONNECT_PUBLIC_URL to show it), content type "
        '`application/json`, secret = GITHUB_WEBHOOK_SECRET, events ("Let me select individual '
        'events"): Issues, Pull requests, Pushes, Releases, Deployment statuses.'
    )


def test_a_bad_subscription_is_explained_to_its_author_only(make_env: MakeEnv) -> None:
    env = make_env()
    post = answer(env, "subscribe github octo/hello pulls -colour:red")
    assert post.body["response_type"] == "ephemeral"
    assert post.text.startswith("Could not subscribe: unknown filter '-colour:red'.\nFeatures: ")
    assert subscriptions(env) == []
    usage = answer(env, "subscribe gitlab a/b")
    assert usage.text == (
        "Usage: `/ticket subscribe github owner/repo [features] [filters]` or "
        "`/ticket subscribe jira PROJ [events] [filters]`."
    )


def test_the_token_must_see_the_repository(make_env: MakeEnv, fake_github: FakeGitHub) -> None:
    env = make_env(github_token=fake_github.token, github_api_url=fake_github.url)
    fake_github.add_repo("acme/secret", private=True, visible_to=["someone-else"])
    fake_github.add_repo("Acme/Widgets")
    refused = answer(env, "subscribe github acme/secret")
    assert refused.body["response_type"] == "ephemeral"
    assert refused.text == (
        "Could not subscribe: Repository acme/secret was not found on GitHub, or GITHUB_TOKEN "
        "cannot see it (a private repository needs a token with access to it)."
    )
    accepted = answer(env, "subscribe github Acme/Widgets pulls")
    assert accepted.text.startswith(
        "<@U0ALICE>: Subscribed this channel to github `Acme/Widgets pulls`."
    )
    assert [s["source_id"] for s in subscriptions(env)] == ["acme/widgets"]


def test_a_personal_account_needs_webhooks_per_repository(
    make_env: MakeEnv, fake_github: FakeGitHub
) -> None:
    env = make_env(github_token=fake_github.token, github_api_url=fake_github.url)
    post = answer(env, "subscribe github octocat issues")
    assert "add one at each of its repositories (Settings → Webhooks): Payload URL" in post.text


def test_a_revoked_token_is_reported(make_env: MakeEnv, fake_github: FakeGitHub) -> None:
    env = make_env(github_token="ghp-revoked", github_api_url=fake_github.url)
    assert answer(env, "subscribe github acme/widgets").text == (
        "Could not subscribe: GitHub rejected GITHUB_TOKEN (401 Bad credentials): it is wrong, "
        "expired or revoked."
    )


def test_subscribe_to_a_jira_project(make_env: MakeEnv) -> None:
    env = make_env()
    post = answer(env, "subscribe jira proj issue_created type:Bug")
    assert post.text == (
        "<@U0ALICE>: Subscribed this channel to jira `PROJ issue_created type:Bug`.\n"
        "If Jira does not send webhooks here yet: Jira settings → System → WebHooks, URL "
        f"`{PUBLIC}/webhooks/jira`, secret = JIRA_WEBHOOK_SECRET, events: issue created, "
        "updated and deleted; comment created, updated and deleted."
    )
    missing = answer(env, "subscribe jira NOPE")
    assert missing.text == (
        "Could not subscribe: Jira project NOPE was not found, or the Jira account of this app "
        "cannot see it."
    )


def test_list_and_unsubscribe(make_env: MakeEnv) -> None:
    env = make_env()
    assert answer(env, "subscriptions").text == (
        "This channel has no subscriptions: `/ticket subscribe github owner/repo [features] "
        "[filters]` or `/ticket subscribe jira PROJ [events] [filters]` adds one."
    )
    answer(env, "subscribe github octo/hello pulls -author:dependabot[bot]")
    answer(env, "subscribe jira PROJ")
    listing = answer(env, "subscriptions")
    assert listing.body["response_type"] == "ephemeral"
    assert listing.text == (
        "This channel receives:\n"
        "• github `octo/hello pulls -author:dependabot[bot]`\n"
        "• jira `PROJ issue_created issue_updated comment_created`"
    )
    gone = answer(env, "unsubscribe github Octo/Hello")
    assert gone.text == "<@U0ALICE>: Unsubscribed this channel from github `octo/hello`."
    assert [s["source_service"] for s in subscriptions(env)] == ["jira"]
    assert answer(env, "unsubscribe github octo/hello").text == (
        "This channel is not subscribed to github `octo/hello`. "
        "`/ticket subscriptions` lists what it is subscribed to."
    )


def test_help_lists_the_subcommands(make_env: MakeEnv) -> None:
    text = make_env().send.command("help")[0].json()["text"]
    assert (
        "• `/ticket subscribe github owner/repo [features] [filters]` posts a repository's" in text
    )
    assert "• `/ticket subscriptions` lists this channel's subscriptions." in text


def test_a_subscription_made_in_slack_receives_webhooks(
    make_env: MakeEnv, fake_slack: FakeSlack
) -> None:
    env = make_env(github_webhook_secret=GITHUB_SECRET)
    answer(env, "subscribe github Codertocat/Hello-World pulls")
    response = post_github(env.live, "pull_request", example("pull_request", "opened"))
    assert response.status_code == 202
    client = WebClient(token=fake_slack.bot_token, base_url=fake_slack.api_url, retry_handlers=[])
    worker = worker_for(
        env.live.runtime.settings,
        env.live.runtime.repos,
        config=WorkerConfig(threads=1),
        slack=client,
        name="subscribe-test",
    )
    assert worker.run_until_idle() == 1
    [card] = [m for m in fake_slack.messages("C0GENERAL") if m.text.startswith("Pull request #2")]
    assert len(fake_slack.replies("C0GENERAL", card.ts)) == 1


def test_every_feature_names_webhook_events_the_table_handles() -> None:
    assert set(FEATURE_EVENTS) == set(GITHUB_FEATURES)
    every = webhook_events(GITHUB_FEATURES)
    assert set(every) == set(SUPPORTED_EVENTS)
    assert set(EVENT_LABELS) == set(SUPPORTED_EVENTS)
    assert webhook_events(["commits:main", "workflows:all"]) == ("push", "workflow_run")


def test_the_api_checks_github_sources_too(
    make_live_app: Callable[..., LiveApp], sqlite_url: str, fake_github: FakeGitHub
) -> None:
    live = make_live_app(sqlite_url, github_token=fake_github.token, github_api_url=fake_github.url)
    fake_github.add_repo("Acme/Widgets")

    def create(source_id: str) -> Any:
        body = {"source_service": "github", "source_id": source_id, "channel_id": "C0GENERAL"}
        return live.post("/api/v1/subscriptions", json=body)

    hidden = create("acme/hidden")
    assert hidden.status_code == 422
    assert hidden.json() == {
        "code": "source_not_visible",
        "error": "Repository acme/hidden was not found on GitHub, or GITHUB_TOKEN cannot see it "
        "(a private repository needs a token with access to it)",
    }
    created = create("Acme/Widgets")
    assert created.status_code == 201
    assert created.json()["source_id"] == "acme/widgets"
    fake_github.fail("/repos/Acme/Other", status=503, times=None)
    unavailable = create("Acme/Other")
    assert (unavailable.status_code, unavailable.json()["code"]) == (503, "github_unavailable")


def test_unsubscribe_takes_the_forms_subscribe_takes(make_env: MakeEnv) -> None:
    env = make_env()
    answer(env, "subscribe github https://github.com/octo/hello")
    answer(env, "subscribe jira proj")
    gone = answer(env, "unsubscribe github https://github.com/Octo/Hello.git")
    assert gone.text == "<@U0ALICE>: Unsubscribed this channel from github `octo/hello`."
    jira = answer(env, "unsubscribe jira proj")
    assert jira.text == "<@U0ALICE>: Unsubscribed this channel from jira `PROJ`."
    assert answer(env, "unsubscribe github not/a/repo").text == (
        "'not/a/repo' is not owner/repo (or an organisation)"
    )
