"""Jira → Slack mentions through the people directory: signed Jira webhooks, the delivery
worker, the fake Slack. People the directory knows become `<@U…>`; others keep their
display name (never a raw account id)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from slack_sdk import WebClient

from integrations.delivery.worker import Worker, WorkerConfig
from playground.fakes.slack_models import Message
from storage.domain import Match
from tests.support.slack import TicketEnv
from tests.support.webhooks import JIRA_SECRET, jira_payload, post_jira
from tests.support.workers import worker_for

TEST_USER = "5c5f880629be9642ba529340"  # the corpus payloads' actor, "Test User"


@pytest.fixture
def env(make_ticket_env: Callable[..., TicketEnv]) -> TicketEnv:
    env = make_ticket_env(jira_webhook_secret=JIRA_SECRET)
    response = env.live.post(
        "/api/v1/subscriptions",
        json={"source_service": "jira", "source_id": "PROJ", "channel_id": "C0GENERAL"},
    )
    assert response.status_code == 201
    return env


@pytest.fixture
def worker(env: TicketEnv) -> Worker:
    client = WebClient(token=env.slack.bot_token, base_url=env.slack.api_url, retry_handlers=[])
    return worker_for(
        env.live.runtime.settings,
        env.repos,
        config=WorkerConfig(threads=1),
        slack=client,
        name="mentions-test",
    )


def on_proj(payload: dict[str, Any]) -> dict[str, Any]:
    payload["issue"]["key"] = "PROJ-1"
    payload["issue"]["fields"]["project"]["key"] = "PROJ"
    return payload


def delivered(env: TicketEnv, worker: Worker, payload: dict[str, Any]) -> list[Message]:
    """Post the webhook, deliver it; the channel's thread (card first)."""
    assert post_jira(env.live, payload).status_code == 202
    assert worker.run_until_idle() == 1
    [card] = env.slack.messages("C0GENERAL")
    return env.slack.thread("C0GENERAL", card.ts)


def test_actor_and_old_and_new_assignee_become_slack_mentions(
    env: TicketEnv, worker: Worker
) -> None:
    env.slack.add_user("U0TEST", "test", email="some-instance-test@gmail.com")
    env.live.put("/api/v1/people/U0BOB", json={"jira_account_id": "old-assignee"})
    payload = on_proj(jira_payload("issue-updated-assigned"))
    [item] = payload["changelog"]["items"]
    item.update({"from": "old-assignee", "fromString": "Bob Builder"})
    card, reply = delivered(env, worker, payload)
    assert reply.text.startswith("<@U0TEST> updated <")
    assert reply.text.endswith("|PROJ-1>:\n• *Assignee:* <@U0BOB> → <@U0TEST>")
    assert card.blocks is not None
    assert "Assignee: <@U0TEST>" in card.blocks[1]["elements"][0]["text"]
    found = env.repos.people.get("U0TEST")  # matched by the email Jira showed, and stored
    assert found is not None
    assert (found.jira_account_id, found.jira_match) == (TEST_USER, Match.EMAIL)


def test_people_the_directory_does_not_know_keep_their_display_name(
    env: TicketEnv, worker: Worker
) -> None:
    payload = on_proj(jira_payload("issue-updated-assigned"))
    [item] = payload["changelog"]["items"]
    item.update({"from": "old-assignee", "fromString": "Bob Builder"})
    _, reply = delivered(env, worker, payload)
    assert reply.text.startswith("Test User updated <")
    assert reply.text.endswith("|PROJ-1>:\n• *Assignee:* Bob Builder → Test User")
    assert "old-assignee" not in reply.text


def test_comment_mentions_of_known_people_and_the_author(env: TicketEnv, worker: Worker) -> None:
    env.live.put("/api/v1/people/U0BOB", json={"jira_account_id": "acc-bob"})
    env.live.put("/api/v1/people/U0TEST", json={"jira_account_id": TEST_USER})
    payload = on_proj(jira_payload("cloud-comment-created"))
    payload["comment"]["body"] = "cc [~accountid:acc-bob] and [~accountid:acc-nobody]"
    payload["comment"]["author"]["accountId"] = TEST_USER
    _, reply = delivered(env, worker, payload)
    assert reply.text.startswith("<@U0TEST> commented on <")
    assert reply.text.endswith(":\ncc <@U0BOB> and @someone")
    assert "acc-nobody" not in reply.text


def test_server_user_name_mentions_and_adf_mentions(env: TicketEnv, worker: Worker) -> None:
    env.live.put("/api/v1/people/U0BOB", json={"jira_account_id": "user"})
    _, reply = delivered(
        env, worker, on_proj(jira_payload("server-issue-updated-commented-mention-user"))
    )
    assert reply.text.endswith(":\nunik with mentioned user <@U0BOB>")
    assert reply.text.startswith("Lev Brouk commented on <")


def test_adf_mentions_resolve_through_the_directory(env: TicketEnv, worker: Worker) -> None:
    env.live.put("/api/v1/people/U0BOB", json={"jira_account_id": "acc-bob"})
    payload = on_proj(jira_payload("cloud-comment-created"))
    payload["comment"]["body"] = {
        "type": "doc",
        "version": 1,
        "content": [
            {
                "type": "paragraph",
                "content": [
                    {"type": "text", "text": "ping "},
                    {"type": "mention", "attrs": {"id": "acc-bob", "text": "@Bob Builder"}},
                    {"type": "text", "text": " and "},
                    {"type": "mention", "attrs": {"id": "acc-x", "text": "@Xavier"}},
                ],
            }
        ],
    }
    _, reply = delivered(env, worker, payload)
    assert reply.text.endswith(":\nping <@U0BOB> and @Xavier")


def test_a_person_who_unlinked_jira_is_not_mentioned_for_that_account(
    env: TicketEnv, worker: Worker
) -> None:
    env.slack.add_user("U0TEST", "test", email="some-instance-test@gmail.com")
    env.live.put("/api/v1/people/U0TEST", json={"jira_account_id": None})
    _, reply = delivered(env, worker, on_proj(jira_payload("issue-updated-assigned")))
    assert reply.text.startswith("Test User updated <")
    person = env.repos.people.get("U0TEST")
    assert person is not None
    assert (person.jira_account_id, person.jira_match) == (None, Match.MANUAL)
