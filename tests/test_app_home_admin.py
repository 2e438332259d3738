"""The App Home of an admin (`CONNECT_ADMINS`), end to end: delivery health (events of the
last day by status, the oldest pending one, the latest failed ones) and *Retry*, which
re-queues a failed event so that it is delivered again; a non-admin's *Retry* is refused."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from playground.fakes.jira import FakeJira
from playground.fakes.slack import FakeSlack
from playground.github_payloads import example, variant
from storage.domain import Status
from tests.support.home import (
    REPO,
    deliver,
    make_worker,
    open_home,
    press,
    publishes,
    start_home_env,
    subscribe_repo,
    text,
)
from tests.support.live import LiveApp
from tests.support.slack import TicketEnv, wait_for
from tests.support.webhooks import post_github


@pytest.fixture
def env(
    make_live_app: Callable[..., LiveApp],
    sqlite_url: str,
    fake_slack: FakeSlack,
    fake_jira: FakeJira,
) -> TicketEnv:
    return start_home_env(make_live_app, sqlite_url, fake_slack, fake_jira)


def status_of(env: TicketEnv, event_id: int) -> Status:
    event = env.repos.integrations.get(event_id)
    assert event is not None
    return event.status


def failed_event(env: TicketEnv) -> int:
    """A pull request's card that Slack refused until the attempts ran out: failed."""
    subscribe_repo(env)
    worker = make_worker(env, max_attempts=1)
    env.slack.api_error("chat.postMessage", "internal_error", times=None)
    deliver(env, worker, "pull_request", example("pull_request", "opened"))
    env.slack.clear_faults()
    [event] = env.integrations(status="failed")
    return event.id


def test_an_admin_sees_delivery_health_and_retry_delivers_again(env: TicketEnv) -> None:
    event_id = failed_event(env)
    ignored = variant(example("pull_request", "opened"), {"action": "locked"})
    assert post_github(env.live, "pull_request", ignored).status_code == 200

    view = open_home(env, "U0ADA")
    health = text(view).split("\n---\n")[-1].splitlines()
    assert health[:4] == [
        "Delivery health (admins)",
        "*Last 24 hours:* 1 failed · 1 ignored",
        "Nothing is waiting to be delivered.",
        "The latest failed event:",
    ]
    assert health[4] == (
        f"*#{event_id}* github → slack · `pull_request.opened` {REPO}#2 · "
        "failed 0 s ago after 1 attempt"
    ), health
    press(env, "U0ADA", f"home_failed:{event_id}", "home_retry")

    assert status_of(env, event_id) is Status.PENDING
    view = env.slack.home_view("U0ADA")
    assert view is not None
    lines = text(view).splitlines()
    assert lines[0] == f":repeat: Event #{event_id} is queued again: it is delivered in a moment."
    assert "*Last 24 hours:* 1 pending · 1 ignored" in lines
    assert any(line.startswith("The oldest pending event arrived") for line in lines)

    make_worker(env).run_until_idle()
    assert status_of(env, event_id) is Status.COMPLETED
    [card] = env.slack.messages("C0GENERAL")
    assert "Update the README with new information." in (card.text or "") + str(card.blocks)


def test_a_non_admin_s_retry_is_refused(env: TicketEnv) -> None:
    event_id = failed_event(env)
    open_home(env, "U0ADA")
    assert "Delivery health" not in text(open_home(env))  # Alice is no admin

    forged = env.slack.home_action_payload("U0ADA", f"home_failed:{event_id}", "home_retry")
    forged["user"] = {"id": "U0ALICE", "username": "alice", "name": "alice", "team_id": "T0TEST"}
    before = publishes(env, "U0ALICE")
    assert env.send.send("interactive", forged).status_code == 200
    wait_for(lambda: publishes(env, "U0ALICE") > before, what="Alice's Home drawn again")
    view = env.slack.home_view("U0ALICE")
    assert view is not None
    assert text(view).splitlines()[0] == (
        ":no_entry: Only the app's admins (`CONNECT_ADMINS`) may retry events."
    )
    assert status_of(env, event_id) is Status.FAILED
