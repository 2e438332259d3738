"""GitHub → Slack end to end: signed `/webhooks/github` requests to the live app, the delivery
worker, and the fake Slack (and, for card status, the fake GitHub through PyGithub).

Payloads are the real `@octokit/webhooks-examples`; variants change only what makes them
(a merge, a label, a Jira key in the title).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from slack_sdk import WebClient

from integrations.delivery.worker import WorkerConfig
from playground.fakes.github import FakeGitHub
from playground.fakes.slack import FakeSlack
from playground.github_payloads import all_examples, example, variant
from storage.domain import MappingType, NewSubscription, slack_ref
from tests.support.live import LiveApp
from tests.support.pipeline import DeliveryPipeline
from tests.support.webhooks import GITHUB_SECRET, post_github
from tests.support.workers import worker_for

CHANNEL = "C0GENERAL"
OTHER = "C0OTHER"
REPO = "Codertocat/Hello-World"
PR_URL = "https://github.com/Codertocat/Hello-World/pull/2"
PR_LINK = f"<{PR_URL}|#2 Update the README with new information.>"


class GitHubPipeline(DeliveryPipeline):
    def send(self, event: str, payload: dict[str, Any]) -> int:
        return self.send_github(event, payload)

    def subscribe(
        self,
        source_id: str = REPO,
        channel: str = CHANNEL,
        events: list[str] | None = None,
        **filters: Any,
    ) -> None:
        body: dict[str, Any] = {
            "source_service": "github",
            "source_id": source_id,
            "channel_id": channel,
            "filters": filters,
        }
        if events is not None:
            body["events"] = events
        response = self.live.post("/api/v1/subscriptions", json=body)
        assert response.status_code == 201, response.text

    def integrations(self, **filters: str) -> list[dict[str, Any]]:
        """Every audit-log entry matching `filters`, following the pages."""
        found: list[dict[str, Any]] = []
        params: dict[str, Any] = {**filters, "limit": 100}
        while True:
            page = self.live.get("/api/v1/integrations", params=params).json()
            found += page["integrations"]
            if not page["next_cursor"]:
                return found
            params["cursor"] = page["next_cursor"]

    def mappings(self, mapping_type: str) -> list[dict[str, Any]]:
        response = self.live.get("/api/v1/mappings", params={"mapping_type": mapping_type})
        return response.json()["mappings"]


@pytest.fixture
def make_pipeline(
    make_live_app: Callable[..., LiveApp], sqlite_url: str, fake_slack: FakeSlack
) -> Callable[..., GitHubPipeline]:
    def make(**settings: Any) -> GitHubPipeline:
        live = make_live_app(
            sqlite_url,
            slack_bot_token=fake_slack.bot_token,
            slack_signing_secret="signing-secret",
            slack_api_url=fake_slack.api_url,
            github_webhook_secret=GITHUB_SECRET,
            **settings,
        )
        client = WebClient(
            token=fake_slack.bot_token, base_url=fake_slack.api_url, timeout=2, retry_handlers=[]
        )
        worker = worker_for(
            live.runtime.settings,
            live.runtime.repos,
            config=WorkerConfig(threads=1, poll_seconds=0.05, backoff_seconds=0.01),
            slack=client,
            name="github-test-worker",
        )
        return GitHubPipeline(live, fake_slack, worker)

    return make


@pytest.fixture
def pipeline(make_pipeline: Callable[..., GitHubPipeline]) -> GitHubPipeline:
    return make_pipeline()


def merged(payload: dict[str, Any]) -> dict[str, Any]:
    return variant(
        payload,
        {
            "pull_request.state": "closed",
            "pull_request.merged": True,
            "pull_request.merged_at": "2019-05-15T15:21:00Z",
        },
    )


# One thread per pull request ------------------------------------------------------------


def test_a_pull_request_is_one_card_with_its_story_in_the_thread(pipeline: GitHubPipeline) -> None:
    pipeline.subscribe(events=["pulls", "reviews", "comments"])
    opened = example("pull_request", "opened", 1)  # label bug, reviewer octocat
    closed = merged(example("pull_request", "closed"))
    approved = variant(
        example("pull_request_review", "submitted"),
        {
            "review.state": "approved",
            "review.body": "Ship it",
            "pull_request.state": "closed",
            "pull_request.merged_at": "2019-05-15T15:21:00Z",
        },
    )
    comment = variant(
        example("issue_comment", "created"),
        {
            "issue.number": 2,
            "issue.title": "Update the README with new information.",
            "issue.html_url": PR_URL,
            "issue.pull_request": {"html_url": PR_URL},
            "comment.html_url": f"{PR_URL}#issuecomment-492700400",
        },
    )
    for event, payload in [
        ("pull_request", opened),
        ("pull_request", closed),
        ("pull_request_review", approved),
        ("issue_comment", comment),
    ]:
        assert pipeline.deliver(event, payload)["status"] == "completed"

    [card] = pipeline.slack.messages(CHANNEL)
    replies = pipeline.slack.replies(CHANNEL, card.ts)
    assert [reply.text for reply in replies] == [
        f":large_green_circle: Codertocat opened pull request {PR_LINK}",
        f":large_purple_circle: Codertocat merged pull request {PR_LINK} into `master`",
        f":white_check_mark: Codertocat approved <{PR_URL}#pullrequestreview-237895671"
        "|#2 Update the README with new information.>",
        f":speech_balloon: Codertocat <{PR_URL}#issuecomment-492700400|commented>",
    ]
    assert {reply.thread_ts for reply in replies} == {card.ts}
    assert not any(reply.reply_broadcast for reply in replies)
    # The card was edited in place to the merged state, and the comment (which knows no
    # branches) did not overwrite it.
    assert card.edited is not None
    assert card.text == (
        "Pull request #2: Update the README with new information. (Merged) · Codertocat/Hello-World"
    )
    assert card.blocks is not None
    assert card.blocks[1]["elements"][2]["text"] == "`changes` → `master`"
    [thread] = pipeline.mappings("github_thread")
    assert (thread["source_id"], thread["target_id"]) == (
        "Codertocat/Hello-World#2",
        slack_ref(CHANNEL, card.ts),
    )


def test_an_edited_comment_edits_its_reply(pipeline: GitHubPipeline) -> None:
    pipeline.subscribe(events=["issues", "comments"])
    pipeline.deliver("issue_comment", example("issue_comment", "created"))
    edited = pipeline.deliver("issue_comment", example("issue_comment", "edited"))
    assert edited["status"] == "completed"
    [card] = pipeline.slack.messages(CHANNEL)
    [reply] = pipeline.slack.replies(CHANNEL, card.ts)
    assert reply.edited is not None
    assert reply.blocks is not None
    assert reply.blocks[0]["text"]["text"].endswith(
        "&gt; You are totally right! I'll get this fixed today."
    )
    [mapping] = pipeline.mappings("github_comment_message")
    assert mapping["source_id"] == "Codertocat/Hello-World#1/issuecomment-492700400"
    assert mapping["target_id"] == slack_ref(CHANNEL, reply.ts)


def test_a_deleted_issue_is_said_only_in_its_thread(pipeline: GitHubPipeline) -> None:
    pipeline.subscribe(events=["issues"])
    early = pipeline.deliver("issues", example("issues", "deleted"))
    assert (early["status"], early["last_error"]) == (
        "ignored",
        "nothing to post for Codertocat/Hello-World: C0GENERAL: nothing to start a thread with",
    )
    pipeline.deliver("issues", example("issues", "opened"))
    pipeline.deliver("issues", example("issues", "deleted"))
    [card] = pipeline.slack.messages(CHANNEL)
    assert pipeline.slack.replies(CHANNEL, card.ts)[-1].text == (
        ":wastebasket: Codertocat deleted issue #1 Spelling error in the README file"
    )


def test_state_changes_are_broadcast_when_the_subscription_says_so(
    pipeline: GitHubPipeline,
) -> None:
    pipeline.subscribe(broadcast=["merged"])
    pipeline.deliver("pull_request", example("pull_request", "opened"))
    pipeline.deliver("pull_request", merged(example("pull_request", "closed")))
    [card] = pipeline.slack.messages(CHANNEL)
    assert [r.reply_broadcast for r in pipeline.slack.replies(CHANNEL, card.ts)] == [False, True]


def test_two_channels_get_their_own_threads(pipeline: GitHubPipeline) -> None:
    pipeline.slack.add_channel(OTHER, "other")
    pipeline.subscribe()
    pipeline.subscribe("Codertocat", channel=OTHER)  # the owner: all its repositories
    pipeline.deliver("pull_request", example("pull_request", "opened"))
    pipeline.deliver("pull_request", example("pull_request", "labeled"))
    for channel in (CHANNEL, OTHER):
        [card] = pipeline.slack.messages(channel)
        assert len(pipeline.slack.replies(channel, card.ts)) == 2


# Filters, both ways ---------------------------------------------------------------------


def test_label_filters(pipeline: GitHubPipeline) -> None:
    pipeline.subscribe(labels=["bug"])
    unlabeled = pipeline.deliver(
        "pull_request",
        variant(example("pull_request", "opened"), {"number": 3, "pull_request.number": 3}),
    )
    labeled = pipeline.deliver("pull_request", example("pull_request", "opened", 1))
    assert unlabeled["status"] == "ignored"
    assert unlabeled["last_error"] == (
        "nothing to post for Codertocat/Hello-World: C0GENERAL: none of the labels bug"
    )
    assert labeled["status"] == "completed"
    [card] = pipeline.slack.messages(CHANNEL)
    assert card.text.startswith("Pull request #2: ")


def test_excluded_labels(pipeline: GitHubPipeline) -> None:
    pipeline.subscribe(exclude_labels=["bug"])
    assert pipeline.deliver("pull_request", example("pull_request", "opened", 1))["status"] == (
        "ignored"
    )
    assert pipeline.deliver("pull_request", example("pull_request", "opened"))["status"] == (
        "completed"
    )


def test_bot_authors(pipeline: GitHubPipeline) -> None:
    pipeline.subscribe(exclude_bots=True)
    by_bot = variant(
        example("pull_request", "opened"),
        {"pull_request.user.login": "dependabot[bot]", "pull_request.user.type": "Bot"},
    )
    result = pipeline.deliver("pull_request", by_bot)
    assert result["status"] == "ignored"
    assert result["last_error"] == (
        "nothing to post for Codertocat/Hello-World: C0GENERAL: bot dependabot[bot] excluded"
    )
    assert pipeline.slack.posted == []
    assert pipeline.deliver("pull_request", example("pull_request", "opened"))["status"] == (
        "completed"
    )


def test_excluded_author(pipeline: GitHubPipeline) -> None:
    pipeline.subscribe(exclude_authors=["Codertocat"])
    assert pipeline.deliver("pull_request", example("pull_request", "opened"))["status"] == (
        "ignored"
    )


def test_drafts_are_skipped_until_ready(pipeline: GitHubPipeline) -> None:
    pipeline.subscribe(skip_drafts=True)
    draft = pipeline.deliver("pull_request", example("pull_request", "converted_to_draft"))
    ready = pipeline.deliver("pull_request", example("pull_request", "ready_for_review"))
    assert (draft["status"], ready["status"]) == ("ignored", "completed")
    [card] = pipeline.slack.messages(CHANNEL)
    [reply] = pipeline.slack.replies(CHANNEL, card.ts)
    assert reply.text.endswith("as ready for review")


def test_features_choose_events(pipeline: GitHubPipeline) -> None:
    pipeline.subscribe(events=["issues"])
    assert pipeline.deliver("pull_request", example("pull_request", "opened"))["status"] == (
        "ignored"
    )
    assert pipeline.deliver("issues", example("issues", "opened"))["status"] == "completed"


# Channel posts --------------------------------------------------------------------------


def test_pushes_to_the_default_branch_only(pipeline: GitHubPipeline) -> None:
    pipeline.subscribe(events=["commits"])
    to_main = pipeline.deliver("push", example("push", index=4))
    to_feature = pipeline.deliver(
        "push", variant(example("push", index=4), {"ref": "refs/heads/feature"})
    )
    assert (to_main["status"], to_feature["status"]) == ("completed", "ignored")
    [message] = pipeline.slack.messages(CHANNEL)
    assert message.text == (
        ":arrow_up: Codertocat pushed 1 commit to `master` in "
        "<https://github.com/Codertocat/Hello-World|Codertocat/Hello-World>"
    )


def test_failed_workflow_runs(pipeline: GitHubPipeline) -> None:
    pipeline.subscribe("octo-org/octo-repo", events=["workflows"])
    succeeded = example("workflow_run", "completed", 1)
    failed = variant(succeeded, {"workflow_run.conclusion": "failure"})
    assert pipeline.deliver("workflow_run", succeeded)["status"] == "ignored"
    assert pipeline.deliver("workflow_run", failed)["status"] == "completed"
    [message] = pipeline.slack.messages(CHANNEL)
    assert message.text.startswith(":x: Workflow <")


def test_ignored_events_post_nothing(pipeline: GitHubPipeline) -> None:
    pipeline.subscribe()
    response = post_github(pipeline.live, "star", example("star", "created"))
    assert response.status_code == 200
    assert response.json()["message"] == (
        "Ignored: star: forks and stars are popularity, not project activity"
    )
    locked = pipeline.deliver("pull_request", example("pull_request", "locked"))
    assert locked["status"] == "ignored"
    assert pipeline.slack.posted == []


# Jira ------------------------------------------------------------------------------------


def test_a_pull_request_naming_a_jira_issue_is_posted_in_its_thread(
    pipeline: GitHubPipeline,
) -> None:
    root = pipeline.slack.add_message(CHANNEL, "PROJ-7: the README is wrong")
    pipeline.live.runtime.repos.mappings.link(
        MappingType.ISSUE_THREAD, "jira", "PROJ-7", "slack", slack_ref(CHANNEL, root.ts)
    )
    opened = variant(example("pull_request", "opened"), {"pull_request.head.ref": "proj-7-readme"})
    result = pipeline.deliver("pull_request", opened)  # no subscription: the Jira thread only
    [reply] = pipeline.slack.replies(CHANNEL, root.ts)
    assert (result["status"], result["target_id"]) == ("completed", slack_ref(CHANNEL, reply.ts))
    assert result["last_error"] == "posted in the threads of Jira PROJ-7"
    assert reply.text == (
        f":link: Codertocat opened pull request <{PR_URL}|Codertocat/Hello-World#2 Update the "
        "README with new information.> (`proj-7-readme` → `master`)"
    )
    [link] = pipeline.mappings("pr_issue")
    assert (
        link["source_service"],
        link["source_id"],
        link["target_service"],
        link["target_id"],
    ) == (
        "github",
        "Codertocat/Hello-World#2",
        "jira",
        "PROJ-7",
    )
    pipeline.deliver(
        "pull_request",
        merged(
            variant(example("pull_request", "closed"), {"pull_request.head.ref": "proj-7-readme"})
        ),
    )
    assert pipeline.slack.replies(CHANNEL, root.ts)[-1].text.startswith(
        ":link: Codertocat merged pull request"
    )
    assert len(pipeline.mappings("pr_issue")) == 1


def test_a_jira_key_without_a_thread_is_not_linked(pipeline: GitHubPipeline) -> None:
    opened = variant(example("pull_request", "opened"), {"pull_request.title": "UTF-8 PROJ-9"})
    result = pipeline.deliver("pull_request", opened)
    assert (result["status"], result["last_error"]) == (
        "ignored",
        "nothing to post for Codertocat/Hello-World: no subscription takes it, no thread is linked",
    )
    assert pipeline.mappings("pr_issue") == []


# The API ---------------------------------------------------------------------------------


def test_the_card_shows_checks_from_the_api(
    make_pipeline: Callable[..., GitHubPipeline], fake_github: FakeGitHub
) -> None:
    pipeline = make_pipeline(github_token=fake_github.token, github_api_url=fake_github.url)
    fake_github.add_repo(REPO)
    pull = fake_github.add_pull(REPO, number=2, head="changes")
    fake_github.add_check_run(REPO, pull.head_sha, "tests", conclusion="failure")
    pipeline.subscribe()
    pipeline.deliver("pull_request", example("pull_request", "opened"))
    [card] = pipeline.slack.messages(CHANNEL)
    assert card.blocks is not None
    assert card.blocks[-2]["elements"][0]["text"] == f":x: <{PR_URL}/checks|checks failing>"
    assert card.blocks[-1]["type"] == "actions"  # the buttons (`test_github_card_buttons`)


BLOCKED = ":no_entry: merging blocked: it still needs the required reviews or checks"


@pytest.mark.parametrize(
    ("pull", "event", "shown"),
    [
        ({"mergeable": False, "mergeable_state": "dirty"}, "opened", "merge conflicts"),
        ({"mergeable": False, "mergeable_state": "blocked"}, "opened", BLOCKED),
        ({"mergeable": True, "mergeable_state": "clean"}, "opened", None),
        ({"mergeable": None, "mergeable_state": "unknown"}, "opened", None),
        ({"mergeable": False, "mergeable_state": "dirty", "merged": True}, "closed", None),
        ({"mergeable": False, "mergeable_state": "dirty", "state": "closed"}, "closed", None),
    ],
)
def test_the_card_says_what_stands_in_the_way_of_a_merge_only_while_open(
    make_pipeline: Callable[..., GitHubPipeline],
    fake_github: FakeGitHub,
    pull: dict[str, Any],
    event: str,
    shown: str | None,
) -> None:
    pipeline = make_pipeline(github_token=fake_github.token, github_api_url=fake_github.url)
    fake_github.add_repo(REPO)
    fake_github.add_pull(REPO, number=2, head="changes", **pull)
    pipeline.subscribe()
    payload = example("pull_request", event)
    if pull.get("merged"):
        payload = merged(payload)
    assert pipeline.deliver("pull_request", payload)["status"] == "completed"
    [card] = pipeline.slack.messages(CHANNEL)
    assert card.blocks is not None
    lines = [
        element["text"]
        for block in card.blocks[1:]
        if block["type"] == "context"
        for element in block["elements"]
    ]
    assert not any("mergeable" in line for line in lines)
    status_lines = [line for line in lines if line in ("merge conflicts", BLOCKED)]
    assert status_lines == ([shown] if shown else [])
    contexts = [block for block in card.blocks if block["type"] == "context"]
    assert len(contexts) == (2 if shown else 1)  # the card's own, and one for the status


def test_the_card_goes_out_when_the_api_fails(
    make_pipeline: Callable[..., GitHubPipeline], fake_github: FakeGitHub
) -> None:
    pipeline = make_pipeline(github_token="ghp-revoked", github_api_url=fake_github.url)
    # Subscribed while the token was good (the API now refuses to check it).
    pipeline.live.runtime.repos.subscriptions.create(NewSubscription("github", REPO, CHANNEL))
    assert pipeline.deliver("pull_request", example("pull_request", "opened"))["status"] == (
        "completed"
    )
    [card] = pipeline.slack.messages(CHANNEL)
    assert card.blocks is not None
    assert [block["type"] for block in card.blocks] == ["section", "context", "actions"]


# The whole corpus ------------------------------------------------------------------------


def test_every_example_through_the_live_app(pipeline: GitHubPipeline) -> None:
    every = ["issues", "pulls", "reviews", "comments", "commits:*", "releases", "deployments",
             "workflows:all", "branches"]  # fmt: skip
    examples = list(all_examples())
    owners = sorted(
        {p["repository"]["full_name"].split("/")[0] for _, _, p in examples if "repository" in p}
    )
    for owner in owners:
        pipeline.subscribe(owner, events=every)
    statuses: dict[int, tuple[str, int]] = {}
    for name, index, payload in examples:
        response = post_github(pipeline.live, name, payload)
        assert response.status_code < 500, (name, index, response.text)
        assert response.status_code in (200, 202), (name, index, response.text)
        statuses[response.json()["integration_id"]] = (name, index)
    pipeline.drain(timeout=60)
    failed = pipeline.live.get("/api/v1/integrations", params={"status": "failed"}).json()
    assert failed["total"] == 0, failed
    completed = pipeline.integrations(status="completed")
    done = {statuses[item["id"]][0] for item in completed}
    assert done == {
        "create",
        "delete",
        "deployment_status",
        "issue_comment",
        "issues",
        "pull_request",
        "pull_request_review",
        "pull_request_review_comment",
        "push",
        "release",
        "workflow_run",
    }
    assert pipeline.slack.posted
