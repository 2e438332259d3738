"""The App Home, end to end: signed `app_home_opened` and `block_actions` requests to the
live app, against the fake Slack, the fake Jira (Cloud and Server) and GitHub's real webhook
payloads.

A person sees their open Jira issues (assigned, reported; with the card buttons), the pull
requests awaiting their review in subscribed repositories, and their notification settings
as checkboxes; someone unknown sees how to link; a Jira outage is one line. (Admins:
`tests/test_app_home_admin.py`.)
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from playground.fakes.jira import FakeJira
from playground.fakes.slack import FakeSlack
from playground.github_payloads import example
from storage.domain import NotifyKind
from tests.support.home import (
    PR,
    buttons_of,
    deliver,
    link,
    make_worker,
    open_home,
    press,
    publishes,
    ref,
    seed_issues,
    start_home_env,
    subscribe_repo,
    text,
)
from tests.support.live import LiveApp
from tests.support.slack import TicketEnv, settle, wait_for


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
    return start_home_env(make_live_app, sqlite_url, fake_slack, jira)


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
