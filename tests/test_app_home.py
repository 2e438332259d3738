"""The App Home, end to end: signed `app_home_opened` and `block_actions` requests to the
live app, against the fake Slack, the fake Jira (Cloud and Server) and GitHub's real webhook
payloads.

A person sees their open Jira issues (assigned, reported; with the card buttons), the pull
requests awaiting their review in subscribed repositories, and their notification settings
as checkboxes; someone unknown sees how to link; a Jira outage is one line; an admin also
sees delivery health and may retry a failed event, which is delivered again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from slack_sdk import WebClient

from integrations.delivery.worker import Worker, WorkerConfig
from storage.domain import NotifyKind, Status
from tests.fakes.jira import FakeJira
from tests.fakes.slack import FakeSlack
from tests.support.github_payloads import example, variant
from tests.support.live import LiveApp
from tests.support.slack import TicketEnv, settle, start_ticket_env, wait_for
from tests.support.webhooks import GITHUB_SECRET, post_github
from tests.support.workers import worker_for

REPO = "Codertocat/Hello-World"
PR = "<https://github.com/Codertocat/Hello-World/pull/2|Codertocat/Hello-World#2>"


@pytest.fixture(params=["cloud", "server"])
def env(
    request: pytest.FixtureRequest,
    make_live_app: Callable[..., LiveApp],
    sqlite_url: str,
    fake_slack: FakeSlack,
) -> TicketEnv:
    jira: FakeJira = request.getfixturevalue(
        "fake_jira" if request.param == "cloud" else "fake_jira_server"
    )
    fake_slack.add_user("U0ADA", "ada", real_name="Ada Admin", email="ada@example.com")
    return start_ticket_env(
        make_live_app,
        sqlite_url,
        fake_slack,
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


# --- helpers ------------------------------------------------------------------------------


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


# --- a linked person ----------------------------------------------------------------------


def test_a_linked_person_sees_their_issues_reviews_and_settings(env: TicketEnv) -> None:
    seed_issues(env)
    subscribe_repo(env)
    link(env, "U0ALICE", "octocat")
    worker = make_worker(env)
    deliver(env, worker, "pull_request", example("pull_request", "review_requested"))

    view = open_home(env)
    url = env.jira.url
    assert text(view) == "\n".join(
        [
            "Your Jira issues",
            "*Assigned to you* (2)",
            f"*<{url}/browse/PROJ-2|PROJ-2>* Login loops\n*To Do* · Medium · Task",
            f"*<{url}/browse/PROJ-1|PROJ-1>* Checkout is slow\n*To Do* · Medium · Task",
            "*Reported by you* (2)",
            "Also assigned to you, so listed above: PROJ-2.",
            f"*<{url}/browse/PROJ-3|PROJ-3>* Dark mode\n*To Do* · Medium · Task",
            "---",
            "Pull requests awaiting your review",
            f"• {PR} Update the README with new information. — by Codertocat",
            "---",
            "Your notifications",
            "Direct messages are *off*: tick the first box to get them, for the kinds ticked. "
            "(`/ticket notify` does the same.)",
        ]
    )
    # Each issue once, with the Jira card's buttons (the same action ids as on a card).
    assert buttons_of(view) == ["jira_card:PROJ-2", "jira_card:PROJ-1", "jira_card:PROJ-3"]
    card = next(b for b in view["blocks"] if b.get("block_id") == "jira_card:PROJ-3")
    assert [e["action_id"] for e in card["elements"]] == [
        "jira_card_transition",
        "jira_card_assign",
        "jira_card_comment",
        "jira_card_open",
    ]
    search = env.jira.last_call("GET /rest/api/?/search*")
    assert search.path.endswith("/search/jql" if env.jira.is_cloud else "/search")


def test_the_review_list_follows_github(env: TicketEnv) -> None:
    subscribe_repo(env)
    link(env, "U0ALICE", "octocat")
    link(env, "U0BOB", "Codertocat")  # the author: named as in Slack
    worker = make_worker(env)
    deliver(env, worker, "pull_request", example("pull_request", "review_requested"))
    assert f"• {PR} Update the README with new information. — by <@U0BOB>" in text(open_home(env))

    deliver(env, worker, "pull_request", example("pull_request", "review_request_removed"))
    assert PR not in text(open_home(env))
    assert "None in the subscribed repositories that I know of (GitHub: `octocat`)." in text(
        open_home(env)
    )


def test_a_review_in_an_unsubscribed_repository_is_not_listed(env: TicketEnv) -> None:
    link(env, "U0ALICE", "octocat")
    worker = make_worker(env)
    deliver(env, worker, "pull_request", example("pull_request", "review_requested"))
    assert env.repos.reviews.awaiting("octocat")  # seen: it is the subscription that lacks
    assert PR not in text(open_home(env))


def test_the_notification_checkboxes_set_the_settings(env: TicketEnv) -> None:
    open_home(env)
    press(env, "U0ALICE", "home_notify", "home_notify", selected=["on", "assigned", "mentions"])

    person = env.repos.people.get("U0ALICE")
    assert person is not None
    assert person.notifications.enabled
    assert person.notifications.off == {NotifyKind.REVIEW_REQUESTS, NotifyKind.MY_PRS}
    view = env.slack.home_view("U0ALICE")
    assert view is not None
    lines = text(view).splitlines()
    assert lines[0] == ":white_check_mark: Direct messages are on."
    assert (
        "Direct messages are *on*, for the kinds ticked below. (`/ticket notify` does the same.)"
        in lines
    )
    [checks] = [b for b in view["blocks"] if b.get("block_id") == "home_notify"]
    ticked = [o["value"] for o in checks["elements"][0]["initial_options"]]
    assert ticked == ["on", "assigned", "mentions"]

    press(env, "U0ALICE", "home_notify", "home_notify", selected=["assigned", "mentions"])
    person = env.repos.people.get("U0ALICE")
    assert person is not None
    assert not person.notifications.enabled
    view = env.slack.home_view("U0ALICE")
    assert view is not None
    assert text(view).startswith("Direct messages are off: I will not DM you.")


def test_assign_to_me_from_the_home(env: TicketEnv) -> None:
    seed_issues(env)
    open_home(env)
    press(env, "U0ALICE", "jira_card:PROJ-3", "jira_card_assign")

    assignee = env.jira.issue("PROJ-3").fields["assignee"]
    assert assignee == ref(env, "alice@example.com")
    [dm] = env.slack.messages("D0ALICE")
    assert dm.text == f"<@U0ALICE> assigned <{env.jira.url}/browse/PROJ-3|PROJ-3> to themselves."
    view = env.slack.home_view("U0ALICE")
    assert view is not None
    assert "*Assigned to you* (3)\n*<" in text(view)  # PROJ-1, PROJ-2 and now PROJ-3
    assert text(view).index("PROJ-3|PROJ-3") < text(view).index("Reported by you")
    assert "Assigned to Alice Example from Slack" in env.jira.comments("PROJ-3")[-1].text


def test_a_transition_from_the_home(env: TicketEnv) -> None:
    seed_issues(env)
    open_home(env)
    choice = {"text": {"type": "plain_text", "text": "Done"}, "value": "31"}
    press(env, "U0ALICE", "jira_card:PROJ-1", "jira_card_transition", selected_option=choice)

    assert env.jira.issue("PROJ-1").status == "Done"
    [dm] = env.slack.messages("D0ALICE")
    assert dm.text == f"<@U0ALICE> moved <{env.jira.url}/browse/PROJ-1|PROJ-1> to *Done*."
    view = env.slack.home_view("U0ALICE")
    assert view is not None
    assert "jira_card:PROJ-1" not in buttons_of(view)  # done: no longer open


def test_a_comment_from_the_home(env: TicketEnv) -> None:
    seed_issues(env)
    open_home(env)
    payload = env.slack.home_action_payload("U0ALICE", "jira_card:PROJ-2", "jira_card_comment")
    assert env.send.send("interactive", payload).status_code == 200
    view = wait_for(lambda: env.slack.views_opened and env.slack.views_opened[-1], what="modal")
    assert view["title"]["text"] == "Comment on PROJ-2"

    values = {"comment": {"comment": {"type": "plain_text_input", "value": "On it"}}}
    assert env.send.submit(view["id"], values).status_code == 200
    wait_for(lambda: env.jira.comments("PROJ-2"), what="the comment")
    assert env.jira.comments("PROJ-2")[0].body == "alice via Slack: On it"
    dm = wait_for(lambda: env.slack.messages("D0ALICE"), what="the DM")[-1]
    assert dm.text == f"<@U0ALICE> commented on <{env.jira.url}/browse/PROJ-2|PROJ-2>:\n>On it"


def test_someone_without_a_jira_account_is_told_in_the_dm(env: TicketEnv) -> None:
    seed_issues(env)
    open_home(env)  # Alice's Home, with PROJ-1's buttons
    payload = env.slack.home_action_payload("U0ALICE", "jira_card:PROJ-1", "jira_card_assign")
    env.slack.add_user("U0CAROL", "carol", real_name="Carol Nobody", email="carol@example.com")
    payload["user"] = {"id": "U0CAROL", "username": "carol", "name": "carol", "team_id": "T0TEST"}
    assert env.send.send("interactive", payload).status_code == 200
    dm = wait_for(lambda: env.slack.messages("D0CAROL"), what="the DM")[-1]
    assert dm.text.startswith("I don't know your Jira account, so I can't assign PROJ-1 for you.")
    assert env.jira.issue("PROJ-1").fields["assignee"] == ref(env, "alice@example.com")


# --- someone unknown, and Jira down ----------------------------------------------------------


def test_an_unlinked_person_sees_how_to_link(env: TicketEnv) -> None:
    env.slack.add_user("U0CAROL", "carol", real_name="Carol Nobody", email="carol@example.com")
    view = open_home(env, "U0CAROL")
    assert text(view).split("\n---\n")[:2] == [
        "Your Jira issues\nI don't know your Jira account yet, so I can't list your issues. "
        "Tell me who you are in Jira: `/ticket link jira <your Jira email or account id>`.",
        "Pull requests awaiting your review\nGitHub cannot tell me who you are: link your "
        "login with `/ticket link github <your GitHub login>` to see the pull requests "
        "awaiting your review here.",
    ]
    assert not env.jira.calls("GET /rest/api/?/search*")


def test_a_jira_outage_is_one_line(env: TicketEnv) -> None:
    seed_issues(env)
    open_home(env)  # Alice's account is matched and stored
    env.jira.fail("GET /rest/api/?/search*", status=503, times=None)
    view = open_home(env)
    assert text(view).split("\n---\n")[0] == (
        "Your Jira issues\n:warning: Jira did not answer just now, so your issues are not "
        "shown. Open this tab again in a moment."
    )
    assert "Your notifications" in text(view)

    # Someone not matched yet: matching needs Jira too, and it is down.
    env.jira.fail("GET /rest/api/?/user/search*", status=503, times=None)
    env.slack.add_user("U0CAROL", "carol", real_name="Carol Nobody", email="carol@example.com")
    assert text(open_home(env, "U0CAROL")).startswith("Your Jira issues\n:warning: Jira did not")


def test_the_messages_tab_publishes_nothing(env: TicketEnv) -> None:
    response = env.send.event(env.slack.app_home_opened_payload("U0ALICE", tab="messages"))
    assert response.status_code == 200
    settle(lambda: publishes(env, "U0ALICE"))  # nothing published for the Messages tab


# --- an admin -----------------------------------------------------------------------------


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
