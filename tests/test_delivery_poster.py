"""The Slack poster's keyed replies and partial cards, end to end: signed webhooks to the
live app, the delivery worker in the test thread, the real slack_sdk client against the
fake Slack.

- `reply_key`: an edited comment edits its reply in place (in every thread that shows it);
  a deleted one marks it; nothing is posted where no reply is known; retries stay single.
- `refresh_card=False`: a PR comment (which knows no branches) starts a thread with its card
  where the PR has none, and never overwrites a full card.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from slack_sdk import WebClient

from integrations.delivery.worker import WorkerConfig
from playground.fakes.base import RecordedRequest
from playground.fakes.slack import FakeSlack
from playground.github_payloads import example, variant
from storage.domain import slack_ref
from tests.support.live import LiveApp
from tests.support.pipeline import DeliveryPipeline
from tests.support.webhooks import GITHUB_SECRET, JIRA_SECRET, jira_payload
from tests.support.workers import worker_for

CHANNEL = "C0GENERAL"
OTHER = "C0OTHER"
REPO = "Codertocat/Hello-World"
ISSUE_URL = "https://github.com/Codertocat/Hello-World/issues/1"
PR_URL = "https://github.com/Codertocat/Hello-World/pull/2"
COMMENT_KEY = "Codertocat/Hello-World#1/issuecomment-492700400"
COMMENTED = f":speech_balloon: Codertocat <{ISSUE_URL}#issuecomment-492700400|commented>"


class Pipeline(DeliveryPipeline):
    def send(self, event: str, payload: dict[str, Any]) -> int:
        return self.send_github(event, payload)

    def subscribe(self, channel: str = CHANNEL, source: str = "github", **body: Any) -> int:
        source_id = REPO if source == "github" else "TES"
        response = self.live.post(
            "/api/v1/subscriptions",
            json={"source_service": source, "source_id": source_id, "channel_id": channel, **body},
        )
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def mappings(self, mapping_type: str) -> list[dict[str, Any]]:
        response = self.live.get("/api/v1/mappings", params={"mapping_type": mapping_type})
        return response.json()["mappings"]

    def posts(self) -> int:
        return len(self.slack.calls("chat.postMessage"))


@pytest.fixture
def pipeline(
    make_live_app: Callable[..., LiveApp], sqlite_url: str, fake_slack: FakeSlack
) -> Pipeline:
    live = make_live_app(
        sqlite_url,
        slack_bot_token=fake_slack.bot_token,
        slack_signing_secret="signing-secret",
        slack_api_url=fake_slack.api_url,
        github_webhook_secret=GITHUB_SECRET,
        jira_webhook_secret=JIRA_SECRET,
    )
    client = WebClient(
        token=fake_slack.bot_token, base_url=fake_slack.api_url, timeout=1, retry_handlers=[]
    )
    worker = worker_for(
        live.runtime.settings,
        live.runtime.repos,
        config=WorkerConfig(threads=1, poll_seconds=0.05, backoff_seconds=0.01),
        slack=client,
        name="poster-test-worker",
    )
    fake_slack.add_channel(OTHER, "other")
    return Pipeline(live, fake_slack, worker)


def comment(action: str, **changes: Any) -> dict[str, Any]:
    return variant(example("issue_comment", action), changes)


def on_the_pr(payload: dict[str, Any]) -> dict[str, Any]:
    """An issue comment on pull request #2 (GitHub sends PR conversation comments so)."""
    return variant(
        payload,
        {
            "issue.number": 2,
            "issue.title": "Update the README with new information.",
            "issue.html_url": PR_URL,
            "issue.pull_request": {"html_url": PR_URL},
            "comment.html_url": f"{PR_URL}#issuecomment-492700400",
        },
    )


def only_reply(pipeline: Pipeline, channel: str) -> Any:
    [card] = pipeline.slack.messages(channel)
    [reply] = pipeline.slack.replies(channel, card.ts)
    return reply


# Edited comments ------------------------------------------------------------------------


def test_an_edited_comment_edits_its_reply_in_every_thread(pipeline: Pipeline) -> None:
    pipeline.subscribe(events=["issues", "comments"])
    pipeline.subscribe(OTHER, events=["issues", "comments"])
    created = pipeline.deliver("issue_comment", comment("created"))
    assert created["status"] == "completed"
    assert pipeline.posts() == 4  # a card and a reply in each channel

    edited = pipeline.deliver(
        "issue_comment", comment("edited", **{"comment.body": "Fixed in the next release."})
    )
    assert edited["status"] == "completed"
    assert edited["last_error"] == "0 posted, 2 edited"
    assert pipeline.posts() == 4
    for channel in (CHANNEL, OTHER):
        reply = only_reply(pipeline, channel)
        assert reply.edited is not None
        assert reply.text == COMMENTED
        assert reply.blocks is not None
        assert reply.blocks[0]["text"]["text"] == f"{COMMENTED}\n&gt; Fixed in the next release."
        # The edit keeps the tag of the event that posted the reply.
        assert reply.metadata is not None
        assert reply.metadata["event_payload"]["integration_id"] == created["id"]
    stored = pipeline.mappings("github_comment_message")
    assert {(m["source_id"], m["target_service"]) for m in stored} == {(COMMENT_KEY, "slack")}
    assert [m["extra_data"] for m in stored] == [
        {"origin": "github", "integration_id": created["id"]}
    ] * 2


def test_a_failed_edit_is_retried_without_posting(pipeline: Pipeline) -> None:
    pipeline.subscribe(events=["issues", "comments"])
    pipeline.deliver("issue_comment", comment("created"))
    pipeline.slack.fail("chat.update", status=500, times=1)
    edited = pipeline.deliver(
        "issue_comment", comment("edited", **{"comment.body": "Second thoughts."})
    )
    assert [a["outcome"] for a in edited["attempt_log"]] == ["retry", "completed"]
    assert pipeline.posts() == 2
    reply = only_reply(pipeline, CHANNEL)
    assert reply.blocks is not None
    assert reply.blocks[0]["text"]["text"].endswith("&gt; Second thoughts.")


def test_an_edit_of_a_comment_never_posted_posts_it_once(pipeline: Pipeline) -> None:
    pipeline.subscribe(events=["issues", "comments"])
    first = pipeline.deliver("issue_comment", comment("edited", **{"comment.body": "One"}))
    second = pipeline.deliver("issue_comment", comment("edited", **{"comment.body": "Two"}))
    assert (first["status"], second["status"]) == ("completed", "completed")
    assert pipeline.posts() == 2
    reply = only_reply(pipeline, CHANNEL)
    assert reply.blocks is not None
    assert reply.blocks[0]["text"]["text"] == f"{COMMENTED}\n&gt; Two"


# Deleted comments -----------------------------------------------------------------------


def test_a_deleted_comment_marks_its_reply(pipeline: Pipeline) -> None:
    pipeline.subscribe(events=["issues", "comments"])
    pipeline.deliver("issue_comment", comment("created"))
    deleted = pipeline.deliver("issue_comment", comment("deleted"))
    assert (deleted["status"], deleted["last_error"]) == ("completed", "0 posted, 1 edited")
    reply = only_reply(pipeline, CHANNEL)
    assert reply.text == ":speech_balloon: Codertocat commented: _comment deleted_"
    assert reply.blocks is not None
    assert reply.blocks[0]["text"]["text"] == reply.text
    assert pipeline.posts() == 2


def test_a_deleted_comment_without_a_reply_posts_nothing(pipeline: Pipeline) -> None:
    pipeline.subscribe(events=["issues", "comments"])
    deleted = pipeline.deliver("issue_comment", comment("deleted"))
    assert (deleted["status"], deleted["last_error"]) == (
        "ignored",
        f"nothing to post for {REPO}: no reply of github:{COMMENT_KEY} to edit; "
        "C0GENERAL: nothing to start a thread with",
    )
    assert pipeline.slack.posted == []
    assert pipeline.mappings("github_thread") == []


def test_a_deletion_reaches_a_channel_that_unsubscribed(pipeline: Pipeline) -> None:
    """The reply was shown there: the deletion must reach it, whatever the channel takes now."""
    subscription = pipeline.subscribe(events=["issues", "comments"])
    pipeline.deliver("issue_comment", comment("created"))
    assert pipeline.live.delete(f"/api/v1/subscriptions/{subscription}").status_code == 204
    pipeline.deliver("issue_comment", comment("deleted"))
    assert only_reply(pipeline, CHANNEL).text.endswith("_comment deleted_")


def test_a_jira_comment_edit_reaches_a_thread_whose_subscription_skips_edits(
    pipeline: Pipeline,
) -> None:
    """Default Jira subscriptions take `comment_created` but not `comment_updated`."""
    pipeline.subscribe(source="jira")
    pipeline.send_jira(jira_payload("cloud-comment-created"))
    pipeline.drain()
    pipeline.send_jira(jira_payload("cloud-comment-updated"))
    pipeline.drain()
    reply = only_reply(pipeline, CHANNEL)
    assert reply.edited is not None
    assert reply.text.endswith(" _(edited)_:\nAdded a comment, then edited it")
    assert pipeline.posts() == 2


# Partial cards --------------------------------------------------------------------------


def _card_in_one_channel_then_a_pr_comment(pipeline: Pipeline) -> int:
    pipeline.subscribe(events=["pulls", "comments"])
    pipeline.deliver("pull_request", example("pull_request", "opened"))
    pipeline.subscribe(OTHER, events=["pulls", "comments"])
    return pipeline.send("issue_comment", on_the_pr(example("issue_comment", "created")))


def test_a_pr_comment_starts_a_missing_thread_and_leaves_full_cards_alone(
    pipeline: Pipeline,
) -> None:
    event_id = _card_in_one_channel_then_a_pr_comment(pipeline)
    pipeline.drain()
    assert pipeline.event(event_id)["status"] == "completed"
    reply_text = f":speech_balloon: Codertocat <{PR_URL}#issuecomment-492700400|commented>"

    [full_card] = pipeline.slack.messages(CHANNEL)
    assert full_card.edited is None  # the partial card did not overwrite it
    assert [r.text for r in pipeline.slack.replies(CHANNEL, full_card.ts)] == [
        f":large_green_circle: Codertocat opened pull request <{PR_URL}|#2 Update the README "
        "with new information.>",
        reply_text,
    ]
    [new_card] = pipeline.slack.messages(OTHER)
    assert new_card.text.startswith("Pull request #2: Update the README with new information.")
    assert [r.text for r in pipeline.slack.replies(OTHER, new_card.ts)] == [reply_text]
    threads = pipeline.mappings("github_thread")
    assert sorted(m["target_id"] for m in threads) == sorted(
        [slack_ref(CHANNEL, full_card.ts), slack_ref(OTHER, new_card.ts)]
    )


def test_a_new_thread_whose_post_timed_out_is_not_posted_twice(pipeline: Pipeline) -> None:
    def card_in_other(request: RecordedRequest) -> bool:
        return (
            request.api_method == "chat.postMessage"
            and request.args.get("channel") == OTHER
            and "thread_ts" not in request.args
        )

    pipeline.slack.slow_after_apply(card_in_other, 2.0)  # the client gives up after 1 s
    event_id = _card_in_one_channel_then_a_pr_comment(pipeline)
    pipeline.drain()
    event = pipeline.event(event_id)
    assert [a["outcome"] for a in event["attempt_log"]] == ["retry", "completed"]
    assert "TimeoutError" in event["attempt_log"][0]["error"]
    [card] = pipeline.slack.messages(OTHER)
    assert len(pipeline.slack.replies(OTHER, card.ts)) == 1
    [full_card] = pipeline.slack.messages(CHANNEL)
    assert len(pipeline.slack.replies(CHANNEL, full_card.ts)) == 2  # opened + the comment
    assert len(pipeline.mappings("github_comment_message")) == 2
