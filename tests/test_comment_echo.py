"""A Jira comment made from a Slack reply is never posted back into Slack, and never made twice.

Jira's `comment_created` webhook for the new comment can arrive before Jira has answered the
request that made it. The Slack → Jira row shares the issue's ordering key (`jira:PROJ-1`)
with Jira's webhooks, so the webhook waits until the row has ended and stored the comment's
mapping, and is then recognised as made from Slack. When Jira made the comment but its answer
never came (a timeout), the retry finds that comment instead of adding a second one.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from integrations.delivery.worker import Worker
from integrations.jira_api import JiraConfig, JiraGateway
from integrations.tickets import formatting
from playground.fakes.jira import FakeJira
from playground.fakes.slack_models import Message
from storage.domain import Integration, MappingType, Status, slack_ref
from storage.types import utcnow
from tests.support.slack import TicketEnv, wait_for
from tests.support.webhooks import JIRA_SECRET, jira_payload, post_jira
from tests.support.workers import hand_worker
from tests.test_slack_thread_comments import (  # noqa: F401 - `make_env` is a fixture
    MakeEnv,
    comment_body,
    comments,
    done,
    linked_thread,
    make_env,
)

COMMENT_POST = "POST /rest/api/2/issue/PROJ-1/comment"


@pytest.fixture
def env(make_env: MakeEnv) -> TicketEnv:  # noqa: F811
    return make_env(jira_webhook_secret=JIRA_SECRET)


@pytest.fixture
def worker(env: TicketEnv) -> Worker:
    """A worker the test runs by hand (`run_until_idle`, `deliver`): nothing in the background."""
    return hand_worker(env)


def comment_created_webhook(env: TicketEnv) -> Integration:
    """Jira's `comment_created` for the comment on PROJ-1, as Jira sends it (stored pending)."""
    [made] = env.jira.comments("PROJ-1")
    hook: dict[str, Any] = jira_payload("cloud-comment-created")
    hook["issue"]["key"] = "PROJ-1"
    hook["comment"]["id"] = made.id
    hook["comment"]["body"] = made.text
    response = post_jira(env.live, hook)
    assert response.status_code == 202
    return next(i for i in env.integrations(source_service="jira") if i.status is Status.PENDING)


def slack_thread(env: TicketEnv, root: Message) -> list[str]:
    return [m.text for m in env.slack.replies("C0GENERAL", root.ts)]


def test_the_webhook_of_a_comment_made_from_slack_waits_and_is_not_posted_back(
    env: TicketEnv, worker: Worker
) -> None:
    root = linked_thread(env)
    env.jira.slow_after_apply(COMMENT_POST, 1.0)  # made at once, answered 1 s later
    reply = env.slack.add_message("C0GENERAL", "From Slack", thread_ts=root.ts)
    env.send.message(reply)
    wait_for(lambda: env.jira.comments("PROJ-1"), what="the comment in Jira")

    hook = comment_created_webhook(env)  # while the Slack → Jira attempt waits for Jira
    assert hook.ordering_key == "jira:PROJ-1"
    assert worker.run_until_idle() == 0  # held behind the unfinished Slack → Jira row
    [slack_row] = env.integrations(source_service="slack")
    assert (slack_row.status, slack_row.ordering_key) == (Status.PENDING, "jira:PROJ-1")

    wait_for(
        lambda: env.integrations(source_service="slack", status="completed"),
        what="the Slack → Jira attempt to end",
    )
    assert worker.run_until_idle() == 1
    [ended] = [i for i in env.integrations() if i.id == hook.id]
    assert (ended.status, ended.error_message) == (
        Status.IGNORED,
        "comment PROJ-1/10001 was made from Slack: not posted back",
    )
    assert slack_thread(env, root) == ["From Slack"]
    assert comments(env) == [comment_body("alice", "From Slack", reply)]
    assert len(env.jira.calls(COMMENT_POST)) == 1


def test_a_retry_after_jira_made_the_comment_but_never_said_so_adopts_it(
    env: TicketEnv, worker: Worker
) -> None:
    root = linked_thread(env)
    # Jira makes the comment, then its proxy gives up on the answer (504 after a while).
    env.jira.fail(COMMENT_POST, status=504, apply=True, delay=0.2)
    reply = env.slack.add_message("C0GENERAL", "Exactly once", thread_ts=root.ts)
    env.send.message(reply)
    pending = wait_for(
        lambda: next((i for i in env.integrations() if i.error_message), None),
        what="the first attempt to end",
    )
    assert pending.status is Status.PENDING
    assert env.mappings(MappingType.COMMENT_MESSAGE) == []
    hook = comment_created_webhook(env)

    # The retry, when it is due (the listener's attempt asked for 30 s).
    later = utcnow() + timedelta(seconds=60)
    [claim] = env.repos.queue.claim("test:1", worker.routes(), lease_seconds=30, now=later)
    assert (claim.id, claim.attempt) == (pending.id, 2)
    worker.deliver(claim, "test:1")

    [retried] = [i for i in env.integrations() if i.id == pending.id]
    assert (retried.status, retried.target_id, retried.error_message) == (
        Status.COMPLETED,
        "PROJ-1/10001",
        "found the comment an earlier attempt made",
    )
    assert comments(env) == [comment_body("alice", "Exactly once", reply)]
    assert len(env.jira.calls(COMMENT_POST)) == 1
    [mapping] = env.mappings(MappingType.COMMENT_MESSAGE)
    assert (mapping.source_id, mapping.target_id, mapping.extra_data) == (
        "PROJ-1/10001",
        slack_ref("C0GENERAL", reply.ts),
        {"origin": "slack"},
    )
    assert worker.run_until_idle() == 1  # the held webhook: recognised, not posted back
    [ended] = [i for i in env.integrations() if i.id == hook.id]
    assert ended.status is Status.IGNORED
    assert slack_thread(env, root) == ["Exactly once"]


def test_a_retry_adds_the_comment_when_the_earlier_attempt_made_none(
    env: TicketEnv, worker: Worker
) -> None:
    root = linked_thread(env)
    other = env.slack.add_message("C0GENERAL", "Mirrored earlier", thread_ts=root.ts)
    env.send.message(other)
    done(env)
    env.jira.fail(COMMENT_POST, status=504, delay=0.2)  # refused before anything was made
    reply = env.slack.add_message("C0GENERAL", "Second reply", thread_ts=root.ts)
    env.send.message(reply)
    wait_for(
        lambda: next((i for i in env.integrations() if i.error_message), None),
        what="the first attempt to end",
    )
    later = utcnow() + timedelta(seconds=60)
    [claim] = env.repos.queue.claim("test:1", worker.routes(), lease_seconds=30, now=later)
    assert claim.attempt == 2
    worker.deliver(claim, "test:1")

    assert comments(env) == [
        comment_body("alice", "Mirrored earlier", other),
        comment_body("alice", "Second reply", reply),
    ]
    assert len(env.jira.calls("GET /rest/api/2/issue/PROJ-1/comment")) == 1  # looked first
    assert {m.source_id for m in env.mappings(MappingType.COMMENT_MESSAGE)} == {
        "PROJ-1/10001",
        "PROJ-1/10002",
    }


@pytest.mark.parametrize("api_version", ["2", "3"])
def test_the_comments_of_an_issue_read_back_as_searchable_text(
    fake_jira: FakeJira, api_version: str
) -> None:
    """What the look-back searches: the permalink and `via Slack:`, in wiki markup and ADF."""
    fake_jira.create_issue("PROJ", "Commented")
    jira = JiraGateway(
        JiraConfig(fake_jira.url, fake_jira.api_token, fake_jira.email, api_version=api_version)
    )
    link = "https://connect-test.slack.com/archives/C0GENERAL/p1700000000000200?thread_ts=1"
    body = formatting.comment("alice", "*bold* words", link, mentions={}, v3=api_version == "3")
    made = jira.add_comment("PROJ-1", body)
    [found] = jira.comments("PROJ-1")
    assert found.id == made
    assert "/archives/C0GENERAL/p1700000000000200" in found.text
    assert "alice via Slack: " in found.text


@pytest.mark.slow
def test_a_real_client_timeout_after_jira_made_the_comment(env: TicketEnv, worker: Worker) -> None:
    """The listener's Jira client gives up after its 10 s timeout; the comment exists."""
    root = linked_thread(env)
    env.jira.slow_after_apply(COMMENT_POST, 11.0)
    reply = env.slack.add_message("C0GENERAL", "Timed out", thread_ts=root.ts)
    env.send.message(reply)
    wait_for(lambda: env.jira.comments("PROJ-1"), what="the comment in Jira")
    hook = comment_created_webhook(env)
    pending = wait_for(
        lambda: next((i for i in env.integrations() if i.error_message), None),
        timeout=15.0,
        what="the attempt to time out",
    )
    assert pending.status is Status.PENDING
    env.jira.clear_faults()
    later = utcnow() + timedelta(seconds=60)
    [claim] = env.repos.queue.claim("test:1", worker.routes(), lease_seconds=30, now=later)
    worker.deliver(claim, "test:1")
    assert worker.run_until_idle() == 1
    assert len(env.jira.comments("PROJ-1")) == 1
    [ended] = [i for i in env.integrations() if i.id == hook.id]
    assert ended.status is Status.IGNORED
    assert slack_thread(env, root) == ["Timed out"]
