"""Replies in the Slack thread of a GitHub issue or pull request become GitHub comments when
the channel's subscription has `sync_comments` (signed Events API requests, the real PyGithub
against the fake GitHub): attributed, edits edit, deletions delete, retries never duplicate,
and GitHub's `issue_comment` webhook of the comment is never posted back into the thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from slack_sdk import WebClient

from integrations.delivery.worker import Worker, WorkerConfig
from playground.fakes.github import FakeGitHub
from playground.fakes.slack_models import Message
from playground.github_payloads import example, variant
from storage.domain import Integration, MappingType, Status, slack_ref
from tests.support.slack import TicketEnv, settle, wait_for
from tests.support.webhooks import GITHUB_SECRET, post_github
from tests.support.workers import hand_worker, worker_for
from tests.test_slack_thread_comments import delete, edit, permalink

REPO = "Codertocat/Hello-World"
CHANNEL = "C0GENERAL"
COMMENT_POST = "POST /repos/Codertocat/Hello-World/issues/1/comments"
MakeEnv = Callable[..., TicketEnv]


@pytest.fixture
def make_env(make_ticket_env: Callable[..., TicketEnv], fake_github: FakeGitHub) -> MakeEnv:
    """The app with Slack, Jira and GitHub (`GITHUB_TOKEN`, webhook secret) on the fakes; the
    issue of the octokit examples exists on GitHub, Ada Lovelace is in Slack."""

    def make(**overrides: Any) -> TicketEnv:
        fake_github.add_repo(REPO)
        fake_github.add_issue(
            REPO, number=1, title="Spelling error in the README file", user="Codertocat"
        )
        env = make_ticket_env(
            github_token=fake_github.token,
            github_api_url=fake_github.url,
            github_webhook_secret=GITHUB_SECRET,
            **overrides,
        )
        env.slack.add_user(
            "U0ADA", "ada", real_name="Ada Lovelace", display_name="", email="ada@example.com"
        )
        env.slack.channels[CHANNEL].members.add("U0ADA")
        return env

    return make


def may_comment(
    env: TicketEnv, github: FakeGitHub, user: str = "U0ADA", login: str = "ada-l"
) -> None:
    """`user`'s GitHub login is linked, and a collaborator of the repository (read role)."""
    github.add_collaborator(REPO, login, "read")
    linked = env.live.put(f"/api/v1/people/{user}", json={"github_login": login})
    assert linked.status_code == 200, linked.text


@pytest.fixture
def env(make_env: MakeEnv, fake_github: FakeGitHub) -> TicketEnv:
    env = make_env()
    may_comment(env, fake_github)
    return env


@pytest.fixture
def worker(env: TicketEnv) -> Worker:
    return hand_worker(env)


def subscribe(env: TicketEnv, options: str) -> str:
    """`/ticket subscribe github <repo> <options>`; the answer's text."""
    response, payload = env.send.command(f"subscribe github {REPO} {options}")
    assert response.status_code == 200
    return wait_for(lambda: env.slack.response_posts(payload["response_url"]))[0].text


def issue_thread(env: TicketEnv, worker: Worker, options: str = "issues sync_comments") -> Message:
    """The channel subscribes; GitHub's `issues.opened` posts the issue's card: the thread."""
    subscribe(env, options)
    response = post_github(env.live, "issues", example("issues", "opened"))
    assert response.status_code == 202, response.text
    assert worker.run_until_idle() == 1
    return next(m for m in env.slack.messages(CHANNEL) if m.text.startswith("Issue #1"))


def comments(github: FakeGitHub) -> list[str]:
    return [c.body for c in github.repos[REPO].issues[1].comments]


def body(name: str, text: str, message: Message) -> str:
    return f"**{name}** via Slack: {text}\n\n[View in Slack]({permalink(message)})"


def finished(env: TicketEnv, count: int = 1) -> list[Integration]:
    return wait_for(
        lambda: (
            len(found := env.integrations(source_service="slack", status="completed")) >= count
            and found
        ),
        what=f"{count} Slack → GitHub change(s)",
    )


def comment_webhook(github: FakeGitHub, action: str, comment_id: int) -> dict[str, Any]:
    """GitHub's `issue_comment.<action>` for the comment, as GitHub sends it."""
    made = github.comment(REPO, comment_id)
    return variant(
        example("issue_comment", action),
        {"comment.id": comment_id, "comment.body": made.body if made else "(deleted)"},
    )


# --- the subscription ---------------------------------------------------------------------


def test_sync_comments_is_a_subscription_filter(env: TicketEnv) -> None:
    answer = subscribe(env, "issues pulls sync_comments")
    assert "`Codertocat/Hello-World issues pulls sync_comments`" in answer
    [stored] = env.live.get("/api/v1/subscriptions").json()["subscriptions"]
    assert stored["filters"] == {"sync_comments": True}


# --- replies become comments --------------------------------------------------------------


def test_a_reply_becomes_an_attributed_comment(
    env: TicketEnv, worker: Worker, fake_github: FakeGitHub
) -> None:
    card = issue_thread(env, worker)
    linked = env.live.put("/api/v1/people/U0BOB", json={"github_login": "builder-bob"})
    assert linked.status_code == 200, linked.text
    reply = env.slack.add_message(
        CHANNEL,
        "Fixed in *main*, thanks <@U0BOB> &amp; <@U0ALICE>: see <https://example.com/x|the docs>",
        user="U0ADA",
        thread_ts=card.ts,
    )
    response, payload = env.send.message(reply)
    assert response.status_code == 200

    [logged] = finished(env)
    comment_id = fake_github.repos[REPO].issues[1].comments[0].id
    assert (logged.event_type, logged.target_service, logged.delivery_key) == (
        "slack:comment",
        "github",
        payload["event_id"],
    )
    assert logged.target_id == f"{REPO}#1/issuecomment-{comment_id}"
    assert logged.ordering_key == f"github:{REPO}#1"  # behind GitHub's webhooks of the issue
    assert comments(fake_github) == [
        body(
            "Ada Lovelace",
            "Fixed in **main**, thanks @builder-bob & alice: see [the docs](https://example.com/x)",
            reply,
        )
    ]
    [mapping] = env.mappings(MappingType.GITHUB_COMMENT_MESSAGE)
    assert (mapping.source_id, mapping.target_id, mapping.extra_data) == (
        f"{REPO}#1/issuecomment-{comment_id}",
        slack_ref(CHANNEL, reply.ts),
        {"origin": "slack"},
    )


def test_sync_is_off_by_default(env: TicketEnv, worker: Worker, fake_github: FakeGitHub) -> None:
    card = issue_thread(env, worker, "issues")
    reply = env.slack.add_message(CHANNEL, "Just between us", user="U0ADA", thread_ts=card.ts)
    assert env.send.message(reply)[0].status_code == 200
    settle(lambda: comments(fake_github) or env.integrations(source_service="slack"))


def test_an_edit_edits_the_comment_and_a_deletion_deletes_it(
    env: TicketEnv, worker: Worker, fake_github: FakeGitHub
) -> None:
    card = issue_thread(env, worker)
    reply = env.slack.add_message(CHANNEL, "first words", user="U0ADA", thread_ts=card.ts)
    env.send.message(reply)
    finished(env, 1)

    env.send.event(edit(env, reply, "better _words_"))
    finished(env, 2)
    assert comments(fake_github) == [body("Ada Lovelace", "better _words_", reply)]

    env.send.event(delete(env, reply))
    finished(env, 3)
    assert comments(fake_github) == []
    assert env.mappings(MappingType.GITHUB_COMMENT_MESSAGE) == []
    assert [e.event_type for e in env.integrations(source_service="slack")] == [
        "slack:comment_delete",
        "slack:comment_edit",
        "slack:comment",
    ]


@pytest.mark.parametrize(
    ("linked", "told"),
    [
        (
            None,
            "I don't know your GitHub login. Tell me with `/ticket link github <your login>`, "
            "then try again.",
        ),
        (
            "stranger",
            "GitHub says `stranger` is not a collaborator of Codertocat/Hello-World. Commenting "
            "through the app needs a role in the repository (read or more). Ask a repository "
            "admin, or do it on GitHub.",
        ),
    ],
)
def test_a_reply_of_someone_without_a_role_in_the_repository_stays_in_slack(
    make_env: MakeEnv, fake_github: FakeGitHub, linked: str | None, told: str
) -> None:
    """As for the card's Comment button: the app comments only for a person whose linked
    GitHub login holds a role in the repository; the others are told why, only they see it."""
    env = make_env()
    worker = hand_worker(env)
    if linked is not None:
        fake_github.add_user(linked)
        assert env.live.put("/api/v1/people/U0ADA", json={"github_login": linked}).ok
    card = issue_thread(env, worker)
    reply = env.slack.add_message(CHANNEL, "Ship it", user="U0ADA", thread_ts=card.ts)
    env.send.message(reply)

    [notice] = wait_for(lambda: env.slack.ephemerals, what="the notice")
    assert (notice.user, notice.thread_ts) == ("U0ADA", card.ts)
    assert notice.text == (
        ":lock: Your reply stayed in Slack: I can't comment on Codertocat/Hello-World#1 for "
        f"you: {told}"
    )
    [logged] = wait_for(
        lambda: env.integrations(source_service="slack", status="ignored"), what="the row"
    )
    assert logged.error_message == notice.text.removeprefix(":lock: ")
    assert comments(fake_github) == []
    assert env.mappings(MappingType.GITHUB_COMMENT_MESSAGE) == []


def test_a_slack_retry_never_makes_a_second_comment(
    env: TicketEnv, worker: Worker, fake_github: FakeGitHub
) -> None:
    card = issue_thread(env, worker)
    fake_github.delay(COMMENT_POST, 0.5)  # the retry arrives while the first is in flight
    reply = env.slack.add_message(CHANNEL, "Once only", user="U0ADA", thread_ts=card.ts)
    _, payload = env.send.message(reply)
    assert env.send.event(payload, retry_num=1).status_code == 200
    finished(env)
    assert env.send.event(payload, retry_num=2).status_code == 200
    settle(lambda: len(comments(fake_github)) > 1)
    assert len(env.integrations(source_service="slack")) == 1
    assert len(fake_github.calls(COMMENT_POST)) == 1


def test_the_webhooks_of_a_comment_made_from_slack_are_not_posted_back(
    env: TicketEnv, worker: Worker, fake_github: FakeGitHub
) -> None:
    card = issue_thread(env, worker, "issues comments sync_comments")
    before = [m.text for m in env.slack.replies(CHANNEL, card.ts)]
    reply = env.slack.add_message(CHANNEL, "From Slack", user="U0ADA", thread_ts=card.ts)
    env.send.message(reply)
    finished(env)
    comment_id = fake_github.repos[REPO].issues[1].comments[0].id

    created = post_github(
        env.live, "issue_comment", comment_webhook(fake_github, "created", comment_id)
    )
    assert created.status_code == 202
    assert worker.run_until_idle() == 1
    env.send.event(edit(env, reply, "From Slack, edited"))
    finished(env, 2)
    edited = post_github(
        env.live, "issue_comment", comment_webhook(fake_github, "edited", comment_id)
    )
    assert edited.status_code == 202
    assert worker.run_until_idle() == 1

    for response in (created, edited):
        ended = env.live.get(f"/api/v1/integrations/{response.json()['integration_id']}").json()
        assert (ended["status"], ended["error_message"]) == (
            "ignored",
            f"comment {REPO}#1/issuecomment-{comment_id} was made from Slack: not posted back",
        )
    assert [m.text for m in env.slack.replies(CHANNEL, card.ts)] == [*before, "From Slack, edited"]


def test_a_comment_made_on_github_is_still_posted(
    env: TicketEnv, worker: Worker, fake_github: FakeGitHub
) -> None:
    card = issue_thread(env, worker, "issues comments sync_comments")
    response = post_github(env.live, "issue_comment", example("issue_comment", "created"))
    assert response.status_code == 202
    assert worker.run_until_idle() == 1
    posted = env.slack.replies(CHANNEL, card.ts)[-1]
    assert "commented" in posted.text
    assert comments(fake_github) == []  # and the app's own reply is not mirrored back


def test_github_down_leaves_the_comment_pending_then_the_worker_adds_it_once(
    make_env: MakeEnv, fake_github: FakeGitHub
) -> None:
    env = make_env(connect_delivery_backoff_seconds=0.05)
    may_comment(env, fake_github)
    client = WebClient(token=env.slack.bot_token, base_url=env.slack.api_url, retry_handlers=[])
    worker = worker_for(
        env.live.runtime.settings,
        env.repos,
        config=WorkerConfig(threads=1, poll_seconds=0.05, backoff_seconds=0.01),
        slack=client,
    )
    card = issue_thread(env, worker)
    # GitHub makes the comment, then its answer is lost (a 502 from the proxy).
    fake_github.fail(COMMENT_POST, status=502, apply=True)
    reply = env.slack.add_message(CHANNEL, "Exactly once", user="U0ADA", thread_ts=card.ts)
    env.send.message(reply)
    pending = wait_for(
        lambda: next(
            (i for i in env.integrations(source_service="slack") if i.error_message), None
        ),
        what="the first attempt to end",
    )
    assert pending.status is Status.PENDING
    assert pending.error_message == "GitHub answered 502; try again later"
    wait_for(
        lambda: (
            worker.run_until_idle() >= 0
            and env.integrations(source_service="slack", status="completed")
        ),
        what="the retry",
    )
    [done] = env.integrations(source_service="slack")
    assert done.error_message == "found the comment an earlier attempt made"
    assert comments(fake_github) == [body("Ada Lovelace", "Exactly once", reply)]


def test_a_reply_under_a_pull_request_becomes_a_pull_request_comment(
    env: TicketEnv, worker: Worker, fake_github: FakeGitHub
) -> None:
    fake_github.add_pull(REPO, number=2, title="Update the README with new information.")
    subscribe(env, "pulls sync_comments")
    assert post_github(env.live, "pull_request", example("pull_request", "opened")).ok
    assert worker.run_until_idle() == 1
    card = next(m for m in env.slack.messages(CHANNEL) if m.text.startswith("Pull request #2"))
    reply = env.slack.add_message(CHANNEL, "LGTM :tada:", user="U0ADA", thread_ts=card.ts)
    env.send.message(reply)
    [logged] = finished(env)
    assert (logged.target_id or "").startswith(f"{REPO}#2/issuecomment-")
    assert [c.body for c in fake_github.repos[REPO].pulls[2].comments] == [
        body("Ada Lovelace", "LGTM :tada:", reply)
    ]


def test_a_webhook_that_overtakes_the_mapping_is_known_by_the_text(
    env: TicketEnv, worker: Worker
) -> None:
    """The Comment button stores its mapping once its thread note is posted: a webhook
    delivered in between is recognised by what the app wrote."""
    card = issue_thread(env, worker, "issues comments")
    link = f"https://connect-test.slack.com/archives/{CHANNEL}/p{card.ts.replace('.', '')}"
    hook = variant(
        example("issue_comment", "created"),
        {"comment.body": f"**Ada Lovelace** via Slack: hello\n\n[View in Slack]({link})"},
    )
    response = post_github(env.live, "issue_comment", hook)
    assert worker.run_until_idle() == 1
    ended = env.live.get(f"/api/v1/integrations/{response.json()['integration_id']}").json()
    assert ended["status"] == "ignored"
    assert ended["last_error"].endswith("was made from Slack (its text says so): not posted back")
    assert [m.text for m in env.slack.replies(CHANNEL, card.ts)] == [
        ":large_green_circle: Codertocat opened issue "
        f"<https://github.com/{REPO}/issues/1|#1 Spelling error in the README file>"
    ]
