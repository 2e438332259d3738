"""The buttons of GitHub cards end to end: signed `block_actions` and `view_submission`
requests, the real PyGithub against the fake GitHub. Comment, Close and Reopen for a person
whose GitHub login may do it; an unmapped person and one without the role are told why, and
nothing changes on GitHub."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from integrations.delivery.worker import Worker
from playground.fakes import slack_payloads as payloads
from playground.fakes.github import FakeGitHub
from playground.fakes.slack_models import Message
from playground.github_payloads import example, variant
from tests.support.slack import TicketEnv, settle, wait_for
from tests.support.webhooks import post_github
from tests.support.workers import hand_worker
from tests.test_slack_github_comments import (  # noqa: F401 - `make_env` is a fixture
    CHANNEL,
    REPO,
    MakeEnv,
    issue_thread,
    make_env,
)

ISSUE_PATCH = "PATCH /repos/Codertocat/Hello-World/issues/1"
COMMENT_POST = "POST /repos/Codertocat/Hello-World/issues/1/comments"


def click(env: TicketEnv, card: Message, action_id: str, *, user: str = "U0ADA") -> str:
    """Press a button of the card, as Slack sends it; the click's response URL."""
    [button] = [
        element
        for block in card.blocks or []
        if block.get("type") == "actions"
        for element in block["elements"]
        if element["action_id"] == action_id
    ]
    response_url = env.slack.new_response_url(channel=CHANNEL, message_ts=card.ts, user=user)
    name = env.slack.users[user].name
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user, "username": name, "name": name, "team_id": payloads.TEAM_ID},
        "api_app_id": payloads.APP_ID,
        "token": payloads.VERIFICATION_TOKEN,
        "container": {
            "type": "message",
            "message_ts": card.ts,
            "channel_id": CHANNEL,
            "is_ephemeral": False,
        },
        "trigger_id": env.slack.new_trigger_id(),
        "team": {"id": payloads.TEAM_ID, "domain": payloads.TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": CHANNEL, "name": "general"},
        "message": card.to_api(),
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "block_id": "github_card_actions",
                "action_id": action_id,
                "text": button["text"],
                "value": button["value"],
                "action_ts": "1700000100.000100",
            }
        ],
    }
    response: requests.Response = env.send.send("interactive", payload)
    assert response.status_code == 200, response.text
    return response_url


def told(env: TicketEnv, response_url: str) -> str:
    return wait_for(lambda: env.slack.response_posts(response_url), what="the ephemeral")[0].text


def buttons(card: Message | None) -> list[str]:
    assert card is not None
    return [
        element["text"]["text"]
        for block in card.blocks or []
        if block.get("type") == "actions"
        for element in block["elements"]
    ]


def link_github(env: TicketEnv, user: str, login: str) -> None:
    response = env.live.put(f"/api/v1/people/{user}", json={"github_login": login})
    assert response.status_code == 200, response.text


@pytest.fixture
def env(make_env: MakeEnv) -> TicketEnv:  # noqa: F811
    return make_env()


@pytest.fixture
def worker(env: TicketEnv) -> Worker:
    return hand_worker(env)


@pytest.fixture
def card(env: TicketEnv, worker: Worker) -> Message:
    return issue_thread(env, worker, "issues comments")


def test_issue_cards_have_comment_and_close_buttons(card: Message) -> None:
    assert buttons(card) == ["Comment", "Close"]


def test_pull_request_cards_have_a_comment_button(env: TicketEnv, worker: Worker) -> None:
    env.send.command(f"subscribe github {REPO} pulls")
    wait_for(lambda: env.live.get("/api/v1/subscriptions").json()["subscriptions"])
    assert post_github(env.live, "pull_request", example("pull_request", "opened")).ok
    assert worker.run_until_idle() == 1
    pr_card = next(m for m in env.slack.messages(CHANNEL) if m.text.startswith("Pull request"))
    assert buttons(pr_card) == ["Comment"]


# --- Comment -------------------------------------------------------------------------------


def comment_through_the_modal(env: TicketEnv, card: Message, text: str) -> dict[str, Any]:
    click(env, card, "github_comment")
    view = wait_for(lambda: env.slack.views_opened and env.slack.views_opened[-1])
    response = env.send.submit(
        view["id"],
        {"comment": {"comment": {"type": "plain_text_input", "value": text}}},
        user="U0ADA",
    )
    assert response.status_code == 200
    return view


def test_a_collaborator_comments_from_the_card(
    env: TicketEnv, worker: Worker, card: Message, fake_github: FakeGitHub
) -> None:
    fake_github.add_collaborator(REPO, "ada-l", "read")
    link_github(env, "U0ADA", "ada-l")
    view = comment_through_the_modal(env, card, "Reproduced on *main* <!channel>")
    assert view["title"]["text"] == "Comment on GitHub"

    [made] = wait_for(lambda: fake_github.repos[REPO].issues[1].comments, what="the comment")
    thread_link = f"https://connect-test.slack.com/archives/{CHANNEL}/p{card.ts.replace('.', '')}"
    assert made.body.startswith(
        "**Ada Lovelace** via Slack: Reproduced on **main** \\<!channel\\>\n\n[View in Slack]("
        + thread_link
    )
    reply = wait_for(
        lambda: [m for m in env.slack.replies(CHANNEL, card.ts) if "from Slack" in m.text]
    )[0]
    assert reply.text == (
        f":speech_balloon: *Ada Lovelace* <https://github.com/{REPO}/issues/1"
        f"#issuecomment-{made.id}|commented on GitHub> from Slack:\n"
        "> Reproduced on *main* &lt;!channel&gt;"
    )

    # GitHub's webhook of that comment: not posted again.
    hook = variant(
        example("issue_comment", "created"), {"comment.id": made.id, "comment.body": made.body}
    )
    response = post_github(env.live, "issue_comment", hook)
    assert worker.run_until_idle() == 1
    ended = env.live.get(f"/api/v1/integrations/{response.json()['integration_id']}").json()
    assert ended["status"] == "ignored"
    assert [m.text for m in env.slack.replies(CHANNEL, card.ts)].count(reply.text) == 1
    assert len(env.slack.replies(CHANNEL, card.ts)) == 2  # "opened", and the comment


def test_an_empty_comment_is_refused_in_the_modal(
    env: TicketEnv, card: Message, fake_github: FakeGitHub
) -> None:
    fake_github.add_collaborator(REPO, "ada-l", "read")
    link_github(env, "U0ADA", "ada-l")
    click(env, card, "github_comment")
    view = wait_for(lambda: env.slack.views_opened and env.slack.views_opened[-1])
    response = env.send.submit(
        view["id"], {"comment": {"comment": {"type": "plain_text_input", "value": "  "}}}
    )
    assert response.json() == {
        "response_action": "errors",
        "errors": {"comment": "Write a comment first."},
    }
    settle(lambda: fake_github.calls(COMMENT_POST))


def test_an_unmapped_person_is_told_to_link_their_login(
    env: TicketEnv, card: Message, fake_github: FakeGitHub
) -> None:
    url = click(env, card, "github_comment")
    assert told(env, url) == (
        f":lock: I can't comment on {REPO}#1 for you: I don't know your GitHub login. "
        "Tell me with `/ticket link github <your login>`, then try again."
    )
    settle(lambda: env.slack.views_opened)
    assert fake_github.calls(COMMENT_POST) == []


def test_a_login_that_is_no_collaborator_may_not_comment(
    env: TicketEnv, card: Message, fake_github: FakeGitHub
) -> None:
    fake_github.add_user("ada-l")
    link_github(env, "U0ADA", "ada-l")
    url = click(env, card, "github_comment")
    assert told(env, url) == (
        f":lock: I can't comment on {REPO}#1 for you: GitHub says `ada-l` is not a "
        f"collaborator of {REPO}. Commenting through the app needs a role in the repository "
        "(read or more). Ask a repository admin, or do it on GitHub."
    )
    settle(lambda: env.slack.views_opened)
    assert fake_github.calls(COMMENT_POST) == []


# --- Close and Reopen ---------------------------------------------------------------------


def test_a_writer_closes_then_reopens_the_issue_and_the_card_follows(
    env: TicketEnv, worker: Worker, card: Message, fake_github: FakeGitHub
) -> None:
    fake_github.add_collaborator(REPO, "ada-l", "write")
    link_github(env, "U0ADA", "ada-l")
    click(env, card, "github_close")
    issue = fake_github.repos[REPO].issues[1]
    wait_for(lambda: issue.state == "closed", what="the issue closed")
    assert issue.state_reason == "completed"
    wait_for(
        lambda: buttons(env.slack.message(CHANNEL, card.ts)) == ["Comment", "Reopen"],
        what="the card updated in place",
    )
    closed = env.slack.message(CHANNEL, card.ts)
    assert closed is not None
    assert ":large_purple_circle: *Closed as completed*" in str(closed.blocks)
    wait_for(
        lambda: any(
            m.text == ":heavy_check_mark: *Ada Lovelace* closed this issue from Slack"
            for m in env.slack.replies(CHANNEL, card.ts)
        ),
        what="the thread note",
    )

    # GitHub's webhook of that close: the card and the thread already say it.
    hook = variant(
        example("issues", "opened"),
        {
            "action": "closed",
            "issue.state": "closed",
            "issue.state_reason": "completed",
            "sender.login": "connect-bot",
        },
    )
    response = post_github(env.live, "issues", hook)
    assert worker.run_until_idle() == 1
    ended = env.live.get(f"/api/v1/integrations/{response.json()['integration_id']}").json()
    assert ended["status"] == "ignored"
    assert f"{CHANNEL}:{card.ts}: already said there, from Slack" in ended["last_error"]
    assert [m.text for m in env.slack.replies(CHANNEL, card.ts)][1:] == [
        ":heavy_check_mark: *Ada Lovelace* closed this issue from Slack"
    ]

    click(env, closed, "github_reopen")
    wait_for(lambda: issue.state == "open", what="the issue reopened")
    assert issue.state_reason == "reopened"
    wait_for(lambda: buttons(env.slack.message(CHANNEL, card.ts)) == ["Comment", "Close"])


def closed_card(env: TicketEnv, worker: Worker, fake_github: FakeGitHub) -> Message:
    """The card of an issue closed on GitHub (its `issues.closed` webhook delivered)."""
    fake_github.repos[REPO].issues[1].state = "closed"
    hook = variant(
        example("issues", "opened"),
        {"action": "closed", "issue.state": "closed", "issue.state_reason": "completed"},
    )
    assert post_github(env.live, "issues", hook).ok
    assert worker.run_until_idle() == 1
    card = next(m for m in env.slack.messages(CHANNEL) if m.text.startswith("Issue #1"))
    assert buttons(card) == ["Comment", "Reopen"]
    return card


@pytest.mark.parametrize("role", ["read", "triage"])
@pytest.mark.parametrize("act", ["close", "reopen"])
def test_closing_and_reopening_need_write(
    env: TicketEnv,
    worker: Worker,
    card: Message,
    fake_github: FakeGitHub,
    role: str,
    act: str,
) -> None:
    fake_github.add_collaborator(REPO, "ada-l", role)
    link_github(env, "U0ADA", "ada-l")
    state = "open"
    if act == "reopen":
        card, state = closed_card(env, worker, fake_github), "closed"
    url = click(env, card, f"github_{act}")
    assert told(env, url) == (
        f":lock: I can't {act} {REPO}#1 for you: `ada-l` has the {role} role in {REPO}. "
        f"{'Closing' if act == 'close' else 'Reopening'} an issue needs the write, maintain "
        "or admin role. Ask a repository admin, or do it on GitHub."
    )
    assert fake_github.calls(ISSUE_PATCH) == []
    assert fake_github.repos[REPO].issues[1].state == state


@pytest.mark.parametrize("act", ["close", "reopen"])
def test_an_unmapped_person_may_not_close_or_reopen(
    env: TicketEnv, worker: Worker, card: Message, fake_github: FakeGitHub, act: str
) -> None:
    if act == "reopen":
        card = closed_card(env, worker, fake_github)
    url = click(env, card, f"github_{act}", user="U0BOB")
    assert told(env, url) == (
        f":lock: I can't {act} {REPO}#1 for you: I don't know your GitHub login. "
        "Tell me with `/ticket link github <your login>`, then try again."
    )
    assert fake_github.calls(ISSUE_PATCH) == []


def test_another_channel_still_hears_a_close_made_from_slack(
    env: TicketEnv, worker: Worker, card: Message, fake_github: FakeGitHub
) -> None:
    env.slack.add_channel("C0OTHER", "other", members=["U0ADA"])
    _, payload = env.send.command(f"subscribe github {REPO} issues", channel="C0OTHER")
    wait_for(lambda: env.slack.response_posts(payload["response_url"]))
    opened = variant(example("issues", "opened"), {"action": "labeled"})
    assert post_github(env.live, "issues", opened).ok  # starts the other channel's thread
    assert worker.run_until_idle() == 1
    other = next(m for m in env.slack.messages("C0OTHER") if m.text.startswith("Issue #1"))

    fake_github.add_collaborator(REPO, "ada-l", "write")
    link_github(env, "U0ADA", "ada-l")
    said = len(env.slack.replies(CHANNEL, card.ts)) + 1
    click(env, card, "github_close")
    wait_for(lambda: len(env.slack.replies(CHANNEL, card.ts)) == said, what="the thread note")
    hook = variant(
        example("issues", "opened"),
        {"action": "closed", "issue.state": "closed", "issue.state_reason": "completed"},
    )
    assert post_github(env.live, "issues", hook).ok
    assert worker.run_until_idle() == 1
    assert env.slack.replies("C0OTHER", other.ts)[-1].text.startswith(
        ":large_purple_circle: Codertocat closed issue"
    )
    assert len(env.slack.replies(CHANNEL, card.ts)) == said  # who closed it, said once
