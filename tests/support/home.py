"""The App Home as tests use it: the app wired to the fakes with an admin, opening the Home,
using its elements (signed requests), and reading the Home as a person does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from integrations.delivery.worker import Worker, WorkerConfig
from playground.fakes.jira import FakeJira
from playground.fakes.slack import FakeSlack
from tests.support.live import LiveApp
from tests.support.slack import TicketEnv, start_ticket_env, wait_for
from tests.support.webhooks import GITHUB_SECRET, post_github
from tests.support.workers import worker_for

REPO = "Codertocat/Hello-World"
PR = "<https://github.com/Codertocat/Hello-World/pull/2|Codertocat/Hello-World#2>"


def start_home_env(
    make_live_app: Callable[..., LiveApp], sqlite_url: str, slack: FakeSlack, jira: FakeJira
) -> TicketEnv:
    """The app against the fakes, GitHub webhooks accepted, Ada (`U0ADA`) an admin."""
    slack.add_user("U0ADA", "ada", real_name="Ada Admin", email="ada@example.com")
    return start_ticket_env(
        make_live_app,
        sqlite_url,
        slack,
        jira,
        github_webhook_secret=GITHUB_SECRET,
        connect_admins="U0ADA, U0OTHER",
    )


def make_worker(env: TicketEnv, **config: Any) -> Worker:
    client = WebClient(
        token=env.slack.bot_token, base_url=env.slack.api_url, timeout=5, retry_handlers=[]
    )
    return worker_for(
        env.live.runtime.settings,
        env.repos,
        config=WorkerConfig(threads=1, poll_seconds=0.05, **config),
        slack=client,
        name="home-test",
    )


def publishes(env: TicketEnv, user: str) -> int:
    return sum(1 for c in env.slack.view_calls if c.method == "views.publish" and c.user_id == user)


def open_home(env: TicketEnv, user: str = "U0ALICE") -> dict[str, Any]:
    """Open the Home tab; the view published for it."""
    before = publishes(env, user)
    response = env.send.event(env.slack.app_home_opened_payload(user))
    assert response.status_code == 200, response.text
    wait_for(lambda: publishes(env, user) > before, what="views.publish")
    view = env.slack.home_view(user)
    assert view is not None
    return view


def press(env: TicketEnv, user: str, block_id: str, action_id: str, **kwargs: Any) -> None:
    """Use an element of `user`'s Home, and wait for the Home drawn again."""
    before = publishes(env, user)
    payload = env.slack.home_action_payload(user, block_id, action_id, **kwargs)
    response = env.send.send("interactive", payload)
    assert response.status_code == 200, response.text
    wait_for(lambda: publishes(env, user) > before, what="the Home drawn again")


def text(view: dict[str, Any]) -> str:
    """The Home as a person reads it: headers, sections and context lines."""
    lines = []
    for block in view["blocks"]:
        if block["type"] in ("header", "section"):
            lines.append(block["text"]["text"])
        elif block["type"] == "context":
            lines += [e["text"] for e in block["elements"]]
        elif block["type"] == "divider":
            lines.append("---")
    return "\n".join(lines)


def buttons_of(view: dict[str, Any]) -> list[str]:
    return [b["block_id"] for b in view["blocks"] if b.get("block_id", "").startswith("jira_card:")]


def ref(env: TicketEnv, email: str) -> dict[str, str]:
    user = env.jira.user_by_email(email)
    assert user is not None
    return {"accountId": user.account_id} if env.jira.is_cloud else {"name": user.name}


def link(env: TicketEnv, user: str, login: str) -> None:
    response = env.live.put(f"/api/v1/people/{user}", json={"github_login": login})
    assert response.status_code == 200, response.text


def subscribe_repo(env: TicketEnv) -> None:
    body = {"source_service": "github", "source_id": REPO, "channel_id": "C0GENERAL"}
    assert env.live.post("/api/v1/subscriptions", json=body).status_code == 201


def deliver(env: TicketEnv, worker: Worker, event: str, payload: dict[str, Any]) -> None:
    assert post_github(env.live, event, payload).status_code in (200, 202)
    worker.run_until_idle()


def seed_issues(env: TicketEnv) -> None:
    alice = ref(env, "alice@example.com")
    jira = env.jira
    jira.create_issue("PROJ", "Checkout is slow", assignee=alice)  # PROJ-1: assigned
    jira.create_issue("PROJ", "Login loops", assignee=alice, reporter=alice)  # PROJ-2: both
    jira.create_issue("PROJ", "Dark mode", reporter=alice)  # PROJ-3: reported
    jira.create_issue("PROJ", "Old bug", assignee=alice)  # PROJ-4: done, not shown
    jira.issue("PROJ-4").status = "Done"
    jira.create_issue("PROJ", "Someone else's", assignee=ref(env, "bob@example.com"))
