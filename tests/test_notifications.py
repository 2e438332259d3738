"""Personal notifications end to end: `/ticket notify` as signed slash commands, GitHub and
Jira webhooks signed and delivered by the worker, DMs opened (`conversations.open`) and posted
in the fake Slack through the durable queue (`slack → slack` events)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from slack_sdk import WebClient

from integrations.delivery.worker import WorkerConfig
from integrations.github import delivery as github_to_slack
from playground.fakes.base import RecordedRequest
from playground.fakes.slack import FakeSlack
from playground.fakes.slack_models import Message
from playground.github_payloads import example, variant
from tests.support.pipeline import DeliveryPipeline
from tests.support.slack import TicketEnv, wait_for
from tests.support.webhooks import GITHUB_SECRET, JIRA_SECRET, jira_payload
from tests.support.workers import replay_context, worker_for

CHANNEL = "C0GENERAL"
REPO = "Codertocat/Hello-World"
PR_URL = "https://github.com/Codertocat/Hello-World/pull/2"
PR = f"*<{PR_URL}|Codertocat/Hello-World#2 Update the README with new information.>*"
GITHUB_EVENTS = ["pulls", "reviews", "comments", "issues"]
TEST_USER = "5c5f880629be9642ba529340"  # the Jira corpus payloads' actor, "Test User"
JIRA_ISSUE = "*<https://some-instance-test.atlassian.net/browse/PROJ-1|PROJ-1 Unit test summary 1>*"


class Env(DeliveryPipeline):
    ticket: TicketEnv

    def command(self, text: str, user: str) -> str:
        """`/ticket <text>` as `user`: the ephemeral answer."""
        response, payload = self.ticket.send.command(text, user=user)
        assert response.status_code == 200
        url = payload["response_url"]
        post = wait_for(lambda: self.slack.response_posts(url), what=text)[0]
        assert post.body["response_type"] == "ephemeral"
        return post.text

    def opt_in(self, user: str, *kinds_off: str) -> None:
        assert self.command("notify on", user).startswith("*Notifications:* on")
        for kind in kinds_off:
            assert self.command(f"notify {kind} off", user).startswith(f"`{kind}` notifications")

    def link_github(self, user: str, login: str) -> None:
        linked = self.command(f"link github {login}", user)
        assert linked == f"Linked: you are `{login.lower()}` on GitHub."

    def dms(self, user: str) -> list[Message]:
        return self.slack.messages("D" + user[1:])

    def dm_events(self) -> list[dict[str, Any]]:
        params = {"source_service": "slack", "target_service": "slack", "limit": 100}
        return self.live.get("/api/v1/integrations", params=params).json()["integrations"]

    def permalink(self, channel: str = CHANNEL) -> str:
        """The permalink of the newest reply in the newest thread of `channel`."""
        card = self.slack.messages(channel)[-1]
        reply = self.slack.replies(channel, card.ts)[-1]
        ts = reply.ts.replace(".", "")
        return (
            f"https://connect-test.slack.com/archives/{channel}/p{ts}"
            f"?thread_ts={card.ts}&cid={channel}"
        )


@pytest.fixture
def env(make_ticket_env: Callable[..., TicketEnv], fake_slack: FakeSlack) -> Env:
    ticket = make_ticket_env(jira_webhook_secret=JIRA_SECRET, github_webhook_secret=GITHUB_SECRET)
    client = WebClient(
        token=fake_slack.bot_token, base_url=fake_slack.api_url, timeout=2, retry_handlers=[]
    )
    worker = worker_for(
        ticket.live.runtime.settings,
        ticket.repos,
        config=WorkerConfig(threads=1, poll_seconds=0.05, backoff_seconds=0.01),
        slack=client,
        name="notifications-test",
    )
    found = Env(ticket.live, fake_slack, worker)
    found.ticket = ticket
    fake_slack.add_user("U0OCTO", "octocat", real_name="Octo Cat")
    fake_slack.add_user("U0CODER", "codertocat", real_name="Coder Cat")
    for body in (
        {"source_service": "github", "source_id": REPO, "events": GITHUB_EVENTS},
        {"source_service": "jira", "source_id": "PROJ"},
    ):
        response = found.live.post("/api/v1/subscriptions", json={**body, "channel_id": CHANNEL})
        assert response.status_code == 201, response.text
    found.link_github("U0OCTO", "octocat")
    found.link_github("U0CODER", "Codertocat")
    return found


def review_requested() -> dict[str, Any]:
    return example("pull_request", "review_requested")  # Codertocat asks octocat


def reviewed(state: str) -> dict[str, Any]:
    return variant(
        example("pull_request_review", "submitted"),
        {"review.state": state, "review.user.login": "octocat", "sender.login": "octocat"},
    )


def merged(payload: dict[str, Any], by: str = "Codertocat") -> dict[str, Any]:
    return variant(
        payload,
        {
            "pull_request.state": "closed",
            "pull_request.merged": True,
            "pull_request.merged_at": "2019-05-15T15:21:00Z",
            "sender.login": by,
        },
    )


def on_proj(payload: dict[str, Any]) -> dict[str, Any]:
    payload["issue"]["key"] = "PROJ-1"
    payload["issue"]["fields"]["project"]["key"] = "PROJ"
    return payload


# The command --------------------------------------------------------------------------------


def test_notify_alone_shows_the_defaults_off_until_the_person_opts_in(env: Env) -> None:
    assert env.command("notify", "U0ALICE") == (
        "*Notifications:* off — `/ticket notify on` and I DM you when:\n"
        "• `review-requests` (on): your review is requested on a pull request\n"
        "• `assigned` (on): a Jira issue (or a GitHub issue or pull request) is assigned to you\n"
        "• `mentions` (on): you are mentioned in a Jira or GitHub comment\n"
        "• `my-prs` (on): a pull request of yours is approved, gets changes requested, or is "
        "merged\n"
        "Use `/ticket notify on|off`, or `/ticket notify <kind> on|off` with a kind of "
        "`review-requests`, `assigned`, `mentions`, `my-prs`."
    )


def test_notify_on_then_a_kind_off_then_off(env: Env) -> None:
    assert env.command("notify on", "U0ALICE") == (
        "*Notifications:* on — I DM you when (`/ticket notify off` stops them):\n"
        "• `review-requests` (on): your review is requested on a pull request\n"
        "• `assigned` (on): a Jira issue (or a GitHub issue or pull request) is assigned to you\n"
        "• `mentions` (on): you are mentioned in a Jira or GitHub comment\n"
        "• `my-prs` (on): a pull request of yours is approved, gets changes requested, or is "
        "merged\n"
        "To be found: `/ticket link github <login>` (GitHub cannot tell me who you are)."
    )
    alice = env.ticket.repos.people.get("U0ALICE")  # matched in Jira by email as she opted in
    assert alice is not None
    assert alice.jira_display_name == "Alice Example"
    answer = env.command("notify Mentions OFF", "U0ALICE")
    assert answer.startswith("`mentions` notifications are off.\n*Notifications:* on")
    assert "• `mentions` (off): you are mentioned" in answer
    whoami = env.command("whoami", "U0ALICE")
    assert whoami.endswith(
        "*Notifications:* on for `review-requests`, `assigned`, `my-prs` — `/ticket notify`"
    )
    assert env.command("notify off", "U0ALICE") == (
        "Notifications are off: I will not DM you (`/ticket notify on` again)."
    )
    answer = env.command("notify my-prs on", "U0ALICE")
    assert answer.startswith(
        "`my-prs` notifications are on. Notifications are off for you as a whole: "
        "`/ticket notify on`.\n"
    )
    assert "• `mentions` (off)" in answer  # kept while off


def test_notify_with_unknown_words_explains_itself(env: Env) -> None:
    for text in ("notify maybe", "notify reviews on", "notify mentions sometimes"):
        assert env.command(text, "U0ALICE") == (
            "Use `/ticket notify on|off`, or `/ticket notify <kind> on|off` with a kind of "
            "`review-requests`, `assigned`, `mentions`, `my-prs`."
        )


def test_help_lists_notify(env: Env) -> None:
    response, _ = env.ticket.send.command("help")
    assert (
        "• `/ticket notify on|off` (or `notify <kind> on|off`) DMs when"
        in (response.json()["text"])
    )


# GitHub ---------------------------------------------------------------------------------------


def test_a_review_request_dms_the_reviewer_with_a_link_to_the_thread(env: Env) -> None:
    env.opt_in("U0OCTO")
    entry = env.deliver("pull_request", review_requested())
    assert entry["status"] == "completed"
    assert entry["error_message"] == "2 posted, 0 edited; DMs queued for U0OCTO (review-requests)"
    [dm] = env.dms("U0OCTO")
    assert dm.text == (
        f":eyes: <@U0CODER> requested your review on {PR} · <{env.permalink()}|view thread>"
    )
    [queued] = env.dm_events()
    assert queued["status"] == "completed"
    assert queued["event_type"] == "slack:dm"


def test_an_event_posted_nowhere_still_dms_without_a_thread_link(env: Env) -> None:
    env.opt_in("U0OCTO")
    elsewhere = variant(review_requested(), {"repository.full_name": "Codertocat/Elsewhere"})
    entry = env.deliver("pull_request", elsewhere)
    assert entry["status"] == "completed"
    assert entry["error_message"].startswith("DMs queued for U0OCTO (review-requests); nothing")
    [dm] = env.dms("U0OCTO")
    assert dm.text == (
        ":eyes: <@U0CODER> requested your review on "
        f"*<{PR_URL}|Codertocat/Elsewhere#2 Update the README with new information.>*"
    )


def test_a_dm_queued_before_the_person_switched_off_is_not_sent(env: Env) -> None:
    env.opt_in("U0OCTO")
    env.send_github("pull_request", review_requested())
    assert env.worker.run_once() == 1  # the webhook: posted, and the DM queued
    env.command("notify off", "U0OCTO")
    env.drain()
    assert env.dms("U0OCTO") == []
    [queued] = env.dm_events()
    assert (queued["status"], queued["error_message"]) == (
        "ignored",
        "U0OCTO takes no review-requests notifications now",
    )


def test_no_dm_without_opting_in_or_with_the_kind_off(env: Env) -> None:
    env.deliver("pull_request", review_requested())
    env.opt_in("U0OCTO", "review-requests")
    env.deliver("pull_request", review_requested())
    assert env.dms("U0OCTO") == []
    assert env.dm_events() == []


def test_the_author_hears_of_approval_changes_requested_and_the_merge(env: Env) -> None:
    env.opt_in("U0CODER")
    review_url = "https://github.com/Codertocat/Hello-World/pull/2#pullrequestreview-237895671"
    reviewed_pr = PR.replace(PR_URL, review_url)
    env.deliver("pull_request_review", reviewed("approved"))
    env.deliver("pull_request_review", reviewed("changes_requested"))
    env.deliver("pull_request", merged(example("pull_request", "closed"), by="octocat"))
    assert [dm.text.split(" · ")[0] for dm in env.dms("U0CODER")] == [
        f":white_check_mark: <@U0OCTO> approved your pull request {reviewed_pr}",
        f":x: <@U0OCTO> requested changes on your pull request {reviewed_pr}",
        f":large_purple_circle: <@U0OCTO> merged your pull request {PR} into `master`",
    ]


def test_the_author_opted_out_of_my_prs_hears_nothing(env: Env) -> None:
    env.opt_in("U0CODER", "my-prs")
    env.deliver("pull_request_review", reviewed("approved"))
    assert env.dms("U0CODER") == []


def test_a_mention_in_a_github_comment_dms_the_person_with_the_comment(env: Env) -> None:
    env.opt_in("U0OCTO")
    comment = variant(example("issue_comment", "created"), {"comment.body": "@octocat thoughts?"})
    env.deliver("issue_comment", comment)
    [dm] = env.dms("U0OCTO")
    comment_url = "https://github.com/Codertocat/Hello-World/issues/1#issuecomment-492700400"
    assert dm.text == (
        ":speech_balloon: <@U0CODER> mentioned you in a comment on "
        f"*<{comment_url}|Codertocat/Hello-World#1 Spelling error in the README file>* · "
        f"<{env.permalink()}|view thread>"
    )
    assert dm.blocks is not None
    assert dm.blocks[0]["text"]["text"].endswith("\n&gt; <@U0OCTO> thoughts?")


def test_mentions_off_means_no_dm_for_a_mention(env: Env) -> None:
    env.opt_in("U0OCTO", "mentions")
    comment = variant(example("issue_comment", "created"), {"comment.body": "@octocat hi"})
    env.deliver("issue_comment", comment)
    assert env.dms("U0OCTO") == []


def test_an_assignment_dms_the_assignee(env: Env) -> None:
    env.opt_in("U0CODER")
    env.deliver("issues", variant(example("issues", "assigned"), {"sender.login": "octocat"}))
    [dm] = env.dms("U0CODER")
    assert dm.text.startswith(
        ":bust_in_silhouette: <@U0OCTO> assigned you issue "
        "*<https://github.com/Codertocat/Hello-World/issues/1|Codertocat/Hello-World#1 "
        "Spelling error in the README file>* · <https://connect-test.slack.com/archives/"
    )


def test_the_person_who_caused_the_event_gets_no_dm(env: Env) -> None:
    env.opt_in("U0CODER")
    env.opt_in("U0OCTO")
    env.deliver("issues", example("issues", "assigned"))  # Codertocat assigns themselves
    own = variant(example("issue_comment", "created"), {"comment.body": "note to @Codertocat"})
    env.deliver("issue_comment", own)  # Codertocat mentions themselves
    merged_own = merged(example("pull_request", "closed"))
    env.deliver("pull_request", merged_own)  # Codertocat merges their own pull request
    assert env.dms("U0CODER") == []
    assert env.dm_events() == []


def test_a_redelivered_webhook_dms_once(env: Env) -> None:
    env.opt_in("U0OCTO")
    entry = env.deliver("pull_request", review_requested())
    replayed = env.ticket.repos.integrations.get(entry["id"])
    assert replayed is not None
    github_to_slack.deliver(replayed, replay_context(env.worker.container, replayed))
    env.drain()
    assert len(env.dms("U0OCTO")) == 1
    assert len(env.dm_events()) == 1


# Jira -----------------------------------------------------------------------------------------


def test_a_jira_assignment_dms_the_new_assignee(env: Env) -> None:
    env.live.put("/api/v1/people/U0BOB", json={"jira_account_id": TEST_USER})
    env.opt_in("U0BOB")
    payload = on_proj(jira_payload("issue-updated-assigned"))
    payload["user"] = {"accountId": "acc-carol", "displayName": "Carol Shaw"}
    payload["changelog"]["items"][0]["to"] = TEST_USER
    env.send_jira(payload)
    env.drain()
    [dm] = env.dms("U0BOB")
    assert dm.text == (
        f":bust_in_silhouette: Carol Shaw assigned you {JIRA_ISSUE} · "
        f"<{env.permalink()}|view thread>"
    )


def test_assigning_yourself_in_jira_dms_nobody(env: Env) -> None:
    env.live.put("/api/v1/people/U0BOB", json={"jira_account_id": TEST_USER})
    env.opt_in("U0BOB")
    payload = on_proj(jira_payload("issue-updated-assigned"))
    payload["changelog"]["items"][0]["to"] = TEST_USER
    env.send_jira(payload)
    env.drain()
    assert env.dms("U0BOB") == []


def test_a_jira_comment_mention_dms_the_person_once(env: Env) -> None:
    env.live.put("/api/v1/people/U0BOB", json={"jira_account_id": "acc-bob"})
    env.opt_in("U0BOB")
    payload = on_proj(jira_payload("cloud-comment-created"))
    payload["comment"]["body"] = "[~accountid:acc-bob] can you look?"
    env.send_jira(payload)
    env.send_jira(payload)  # Jira sends it again (a new delivery id)
    env.drain()
    [dm] = env.dms("U0BOB")
    assert dm.text == (
        f":speech_balloon: Test User mentioned you in a comment on {JIRA_ISSUE} · "
        f"<{env.permalink()}|view thread>"
    )
    assert dm.blocks is not None
    assert dm.blocks[0]["text"]["text"].endswith("\n&gt; <@U0BOB> can you look?")


def test_a_mention_by_user_name_on_jira_server_dms_the_person(env: Env) -> None:
    env.live.put("/api/v1/people/U0BOB", json={"jira_account_id": "user"})
    env.opt_in("U0BOB")
    env.send_jira(on_proj(jira_payload("server-issue-updated-commented-mention-user")))
    env.drain()
    [dm] = env.dms("U0BOB")
    assert dm.text.startswith(":speech_balloon: Lev Brouk mentioned you in a comment on *<")
    assert dm.blocks is not None
    assert dm.blocks[0]["text"]["text"].endswith("\n&gt; unik with mentioned user <@U0BOB>")


def test_jira_mentions_off_means_no_dm(env: Env) -> None:
    env.live.put("/api/v1/people/U0BOB", json={"jira_account_id": "acc-bob"})
    env.opt_in("U0BOB", "mentions")
    payload = on_proj(jira_payload("cloud-comment-created"))
    payload["comment"]["body"] = "[~accountid:acc-bob] can you look?"
    env.send_jira(payload)
    env.drain()
    assert env.dms("U0BOB") == []


# Through Slack failures -----------------------------------------------------------------------


def _dm_post(request: RecordedRequest) -> bool:
    args = {**request.form, **(request.json if isinstance(request.json, dict) else {})}
    return request.api_method == "chat.postMessage" and str(args.get("channel")) == "D0OCTO"


@pytest.mark.parametrize("posted_before_the_500", [False, True])
def test_a_dm_is_retried_through_a_slack_500_and_sent_once(
    env: Env, posted_before_the_500: bool
) -> None:
    env.opt_in("U0OCTO")
    env.slack.fail(_dm_post, status=500, apply=posted_before_the_500)
    env.deliver("pull_request", review_requested())
    [dm] = env.dms("U0OCTO")
    assert dm.text.startswith(":eyes: <@U0CODER> requested your review on ")
    [queued] = env.dm_events()
    entry = env.event(queued["id"])
    assert entry["status"] == "completed"
    assert [a["outcome"] for a in entry["attempt_log"]] == ["retry", "completed"]


def test_a_person_who_cannot_get_a_dm_is_skipped_with_the_reason(env: Env) -> None:
    env.opt_in("U0OCTO")
    env.slack.users["U0OCTO"].deleted = True
    env.deliver("pull_request", review_requested())
    [queued] = env.dm_events()
    assert queued["status"] == "ignored"
    assert queued["error_message"] == "U0OCTO cannot get a DM"
