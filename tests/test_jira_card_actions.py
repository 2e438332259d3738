"""The buttons on Jira issue cards, end to end: signed `block_actions`, `block_suggestion` and
`view_submission` requests against the fake Slack and the fake Jira (Cloud and Server).

A person acts only when their Slack user maps to a Jira account that holds the permission
itself (Jira's permission search); the card is updated at once, one reply says it in the
thread naming the person, Jira gets a comment saying who did it, and Jira's webhooks for
the change are not said again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from integrations.delivery.worker import Worker
from playground.fakes.base import RecordedRequest
from playground.fakes.jira import FakeJira
from playground.fakes.slack_models import Message
from storage.domain import Status
from tests.support import cards, home
from tests.support.live import LiveApp
from tests.support.slack import TicketEnv, settle, start_ticket_env, wait_for
from tests.support.webhooks import JIRA_SECRET, post_jira
from tests.support.workers import hand_worker


@pytest.fixture
def env(
    make_live_app: Callable[..., LiveApp],
    sqlite_url: str,
    fake_slack: Any,
    fake_jira_either: FakeJira,
) -> TicketEnv:
    return start_ticket_env(
        make_live_app,
        sqlite_url,
        fake_slack,
        fake_jira_either,
        jira_default_project="PROJ",
        jira_webhook_secret=JIRA_SECRET,
    )


@pytest.fixture
def worker(env: TicketEnv) -> Worker:
    return hand_worker(env)


def subscribed_card(env: TicketEnv, worker: Worker, *channels: str) -> Message:
    """PROJ-1's card, posted in #general (and `channels`) by its subscription to PROJ (a
    thread's parent); the one in #general."""
    for channel in ("C0GENERAL", *channels):
        response = env.live.post(
            "/api/v1/subscriptions",
            json={"source_service": "jira", "source_id": "PROJ", "channel_id": channel},
        )
        assert response.status_code == 201, response.text
    env.jira.create_issue("PROJ", "Checkout is slow")
    hook = cards.issue_updated(env.jira, "PROJ-1", [])
    hook["webhookEvent"] = "jira:issue_created"
    hook.pop("changelog")
    hook.pop("issue_event_type_name")
    assert post_jira(env.live, hook).status_code == 202
    assert worker.run_until_idle() == 1
    [card] = env.slack.messages("C0GENERAL")
    return card


def ticket_card(env: TicketEnv) -> Message:
    """PROJ-1's card as `/ticket Checkout is slow` posts it."""
    env.send.command("Checkout is slow")
    return wait_for(lambda: env.slack.posted and env.slack.posted[0], what="the ticket card")


def act(env: TicketEnv, card: Message, action_id: str, **kwargs: Any) -> None:
    response = env.send.send("interactive", cards.click(env.slack, card, action_id, **kwargs))
    assert response.status_code == 200, response.text


def replies(env: TicketEnv, card: Message) -> list[str]:
    return [m.text for m in env.slack.replies(card.channel, card.thread_ts or card.ts)]


def updates(env: TicketEnv) -> int:
    return len(env.slack.calls("chat.update"))


def ephemeral(env: TicketEnv) -> str:
    return wait_for(lambda: env.slack.ephemerals and env.slack.ephemerals[-1].text, what="notice")


def facts(env: TicketEnv, card: Message) -> str:
    """The card's text as people read it now (its sections and context lines)."""
    current = env.slack.message(card.channel, card.ts)
    assert current is not None
    assert current.blocks is not None
    lines = []
    for block in current.blocks:
        if block["type"] == "section":
            lines.append(block["text"]["text"])
        elif block["type"] == "context":
            lines += [e["text"] for e in block["elements"]]
    return "\n".join(lines)


def deliver(env: TicketEnv, worker: Worker, hook: dict[str, Any]) -> Any:
    response = post_jira(env.live, hook)
    assert response.status_code == 202, response.text
    integration_id = response.json()["integration_id"]
    worker.run_until_idle()
    return next(i for i in env.integrations() if i.id == integration_id)


def alice(env: TicketEnv) -> Any:
    user = env.jira.user_by_email("alice@example.com")
    assert user is not None
    return user


def ref_of(env: TicketEnv, user: Any) -> str:
    return user.account_id if env.jira.is_cloud else user.name


# --- the cards ------------------------------------------------------------------------------


BUTTONS = [
    ("external_select", "Transition…"),
    ("button", "Assign to me"),
    ("button", "Comment"),
    ("button", "Open in Jira"),
]


def buttons(card: Message) -> list[tuple[str, str]]:
    block = cards.card_block(card)
    assert block["block_id"] == "jira_card:PROJ-1"
    return [(e["type"], e.get("text", e.get("placeholder"))["text"]) for e in block["elements"]]


def test_the_card_of_an_issue_made_from_slack_has_the_buttons(env: TicketEnv) -> None:
    card = ticket_card(env)
    assert buttons(card) == BUTTONS
    assert cards.element(card, "jira_card_open")["url"] == f"{env.jira.url}/browse/PROJ-1"
    act(env, card, "jira_card_open")  # Slack opens the link, and says so: acked, nothing else
    settle(lambda: env.slack.ephemerals or env.slack.views_opened or updates(env))


def test_the_card_of_a_subscribed_project_s_issue_has_the_buttons(
    env: TicketEnv, worker: Worker
) -> None:
    card = subscribed_card(env, worker)
    assert buttons(card) == BUTTONS
    assert facts(env, card) == (
        f"*<{env.jira.url}/browse/PROJ-1|PROJ-1>: Checkout is slow*\n"
        "Task · Status: *To Do* · Priority: Medium · Assignee: Unassigned"
    )


def test_the_transition_select_offers_what_jira_offers_now(env: TicketEnv) -> None:
    card = ticket_card(env)
    response = env.send.send("interactive", cards.suggest(env.slack, card, "jira_card_transition"))
    assert response.status_code == 200
    assert [o["text"]["text"] for o in response.json()["options"]] == ["In Progress", "Done"]
    typed = env.send.send(
        "interactive", cards.suggest(env.slack, card, "jira_card_transition", "do")
    )
    assert [o["value"] for o in typed.json()["options"]] == ["31"]


# --- a permitted person ---------------------------------------------------------------------


def test_a_transition_moves_the_issue_updates_the_card_once_and_is_said_once(
    env: TicketEnv, worker: Worker
) -> None:
    card = subscribed_card(env, worker)
    act(env, card, "jira_card_transition", selected=("31", "Done"))

    wait_for(lambda: env.jira.issue("PROJ-1").status == "Done", what="PROJ-1 done")
    wait_for(lambda: len(replies(env, card)) == 1, what="the reply")
    assert replies(env, card) == [
        f"<@U0ALICE> moved <{env.jira.url}/browse/PROJ-1|PROJ-1> to *Done*."
    ]
    assert "Status: *Done*" in facts(env, card)
    assert updates(env) == 1
    wait_for(lambda: env.jira.comments("PROJ-1"), what="the note in Jira")
    assert [c.text for c in env.jira.comments("PROJ-1")] == [
        "Transitioned to Done by Alice Example from Slack"
    ]
    permission = "user/permission/search"
    [search] = [c for c in env.jira.requests if permission in c.path]
    who = "accountId" if env.jira.is_cloud else "username"
    assert search.query[who] == ref_of(env, alice(env))
    assert (search.query["permissions"], search.query["issueKey"]) == (
        "TRANSITION_ISSUES",
        "PROJ-1",
    )

    # Jira's webhooks for the change and for the note: nothing new in Slack.
    status = deliver(
        env, worker, cards.issue_updated(env.jira, "PROJ-1", [cards.status_change("To Do", "Done")])
    )
    note = deliver(env, worker, cards.comment_created(env.jira, "PROJ-1"))
    assert status.status is Status.IGNORED
    assert status.error_message == (
        "the change made from Slack (status → Done) is already said in its thread"
    )
    assert note.status is Status.IGNORED
    assert "was made from Slack" in (note.error_message or "")
    settle(lambda: len(replies(env, card)) > 1)
    assert updates(env) == 1


def test_jira_s_webhook_delivered_before_jira_answers_is_still_known_as_the_button_s(
    env: TicketEnv, worker: Worker
) -> None:
    """Jira sends its webhooks as a change commits: the one for a transition can be stored
    and delivered before Jira has answered the request that made it."""
    card = subscribed_card(env, worker)
    delivered: list[Any] = []

    def webhook_first(request: RecordedRequest, status: int) -> None:
        if request.method == "POST" and request.path.endswith("/transitions") and status == 204:
            hook = cards.issue_updated(env.jira, "PROJ-1", [cards.status_change("To Do", "Done")])
            delivered.append(deliver(env, worker, hook))

    env.jira.before_answer = webhook_first
    act(env, card, "jira_card_transition", selected=("31", "Done"))

    wait_for(lambda: replies(env, card), what="the reply")
    [status] = delivered
    assert status.status is Status.IGNORED
    assert status.error_message == (
        "the change made from Slack (status → Done) is already said in its thread"
    )
    settle(lambda: len(replies(env, card)) > 1)
    assert replies(env, card) == [
        f"<@U0ALICE> moved <{env.jira.url}/browse/PROJ-1|PROJ-1> to *Done*."
    ]


def test_a_change_jira_refuses_is_not_taken_for_a_later_one_s_echo(
    env: TicketEnv, worker: Worker
) -> None:
    """The button's change is recorded before Jira is asked, and forgotten when Jira says
    no: the same change made in Jira afterwards is news, told in the thread."""
    env.jira.transition_validator("Done", "Close the sub-tasks of this issue first.")
    card = subscribed_card(env, worker)
    act(env, card, "jira_card_transition", selected=("31", "Done"))
    ephemeral(env)

    hook = cards.issue_updated(env.jira, "PROJ-1", [cards.status_change("To Do", "Done")])
    assert deliver(env, worker, hook).status is Status.COMPLETED
    [reply] = replies(env, card)
    assert "Status:* To Do → Done" in reply
    assert "from Slack" not in reply


def test_the_issue_s_other_threads_hear_it_once_naming_the_person(
    env: TicketEnv, worker: Worker
) -> None:
    env.slack.add_channel("C0OTHER", "other", members=["U0ALICE", "U0BOT"])
    card = subscribed_card(env, worker, "C0OTHER")
    [other] = env.slack.messages("C0OTHER")
    act(env, card, "jira_card_transition", selected=("31", "Done"))
    wait_for(lambda: replies(env, card), what="the reply")

    hook = cards.issue_updated(env.jira, "PROJ-1", [cards.status_change("To Do", "Done")])
    assert deliver(env, worker, hook).status is Status.COMPLETED
    assert len(replies(env, card)) == 1
    assert replies(env, other) == [
        f"<@U0ALICE> updated <{env.jira.url}/browse/PROJ-1|PROJ-1> from Slack:\n"
        "• *Status:* To Do → Done"
    ]
    assert "Status: *Done*" in facts(env, other)
    assert updates(env) == 2  # the card clicked, at once; the other one, by the webhook


def test_assign_to_me_assigns_the_issue_and_names_the_person(
    env: TicketEnv, worker: Worker
) -> None:
    card = subscribed_card(env, worker)
    act(env, card, "jira_card_assign")

    person = alice(env)
    wait_for(lambda: env.jira.issue("PROJ-1").fields.get("assignee"), what="an assignee")
    assert env.jira.issue("PROJ-1").fields["assignee"] == (
        {"accountId": person.account_id} if env.jira.is_cloud else {"name": person.name}
    )
    wait_for(lambda: replies(env, card), what="the reply")
    assert replies(env, card) == [
        f"<@U0ALICE> assigned <{env.jira.url}/browse/PROJ-1|PROJ-1> to themselves."
    ]
    assert facts(env, card) == (
        f"*<{env.jira.url}/browse/PROJ-1|PROJ-1>: Checkout is slow*\n"
        "Task · Status: *To Do* · Priority: Medium · Assignee: <@U0ALICE>"
    )
    wait_for(lambda: env.jira.comments("PROJ-1"), what="the note in Jira")
    assert env.jira.comments("PROJ-1")[0].text == "Assigned to Alice Example from Slack"

    hook = cards.issue_updated(
        env.jira, "PROJ-1", [cards.assignee_change(ref_of(env, person), "Alice Example")],
        event_type="issue_assigned",
    )  # fmt: skip
    assert deliver(env, worker, hook).status is Status.IGNORED
    settle(lambda: len(replies(env, card)) > 1)
    assert updates(env) == 1


def test_a_webhook_with_more_than_the_button_did_is_posted_naming_the_person(
    env: TicketEnv, worker: Worker
) -> None:
    card = subscribed_card(env, worker)
    act(env, card, "jira_card_transition", selected=("21", "In Progress"))
    wait_for(lambda: replies(env, card), what="the reply")
    items = [
        cards.status_change("To Do", "In Progress"),
        {"field": "labels", "fieldtype": "jira", "fromString": "", "toString": "urgent"},
    ]
    posted = deliver(env, worker, cards.issue_updated(env.jira, "PROJ-1", items))
    assert posted.status is Status.COMPLETED
    assert replies(env, card)[-1].startswith("Connect Bot updated")


def test_comment_opens_a_modal_and_the_submission_comments(env: TicketEnv, worker: Worker) -> None:
    card = ticket_card(env)
    act(env, card, "jira_card_comment")
    view = wait_for(lambda: env.slack.views_opened and env.slack.views_opened[-1], what="modal")
    assert view["title"]["text"] == "Comment on PROJ-1"
    assert view["blocks"][0]["element"]["type"] == "plain_text_input"

    typed = "Ship *it* <!channel> & go\nsecond line"
    values = {"comment": {"comment": {"type": "plain_text_input", "value": typed}}}
    response = env.send.submit(view["id"], values)
    assert response.status_code == 200
    wait_for(lambda: env.jira.comments("PROJ-1"), what="the comment")
    assert env.jira.comments("PROJ-1")[0].body == (  # wiki markup: `\!` is a literal "!"
        "alice via Slack: Ship *it* <\\!channel> & go\nsecond line"
    )
    wait_for(lambda: replies(env, card), what="the reply")
    assert replies(env, card) == [
        f"<@U0ALICE> commented on <{env.jira.url}/browse/PROJ-1|PROJ-1>:\n"
        ">Ship *it* &lt;!channel&gt; &amp; go\n>second line"
    ]
    echoed = deliver(env, worker, cards.comment_created(env.jira, "PROJ-1"))
    assert echoed.status is Status.IGNORED
    settle(lambda: len(replies(env, card)) > 1)


def test_a_comment_jira_refuses_is_not_said_in_the_thread(env: TicketEnv) -> None:
    card = ticket_card(env)
    act(env, card, "jira_card_comment")
    view = wait_for(lambda: env.slack.views_opened and env.slack.views_opened[-1], what="modal")
    refusal = "You do not have the permission to comment on this issue."
    env.jira.fail(
        "POST /rest/api/2/issue/PROJ-1/comment",
        status=403,
        body={"errorMessages": [refusal], "errors": {}},
    )
    values = {"comment": {"comment": {"type": "plain_text_input", "value": "Refused"}}}
    assert env.send.submit(view["id"], values).status_code == 200

    assert ephemeral(env) == f":warning: Jira did not let me comment on PROJ-1: {refusal}"
    assert replies(env, card) == []
    assert env.jira.comments("PROJ-1") == []


# --- people who may not -------------------------------------------------------------------


def test_someone_without_a_jira_account_is_told_how_to_link_it(env: TicketEnv) -> None:
    env.slack.add_user("U0CAROL", "carol", real_name="Carol Nobody", email="carol@else.where")
    env.slack.channels["C0GENERAL"].members.add("U0CAROL")
    card = ticket_card(env)
    act(env, card, "jira_card_assign", user="U0CAROL")
    act(env, card, "jira_card_transition", user="U0CAROL", selected=("31", "Done"))

    assert ephemeral(env).startswith("I don't know your Jira account, so I can't")
    wait_for(lambda: len(env.slack.ephemerals) == 2, what="two notices")
    notices = [e.text for e in env.slack.ephemerals]
    assert all("`/ticket link jira <your Jira email or account id>`" in n for n in notices)
    assert {e.user for e in env.slack.ephemerals} == {"U0CAROL"}
    issue = env.jira.issue("PROJ-1")
    assert (issue.status, issue.fields.get("assignee"), issue.comments) == ("To Do", None, [])
    assert updates(env) == 0
    assert replies(env, card) == []


def test_someone_without_the_permission_changes_nothing(env: TicketEnv) -> None:
    env.jira.deny(alice(env), "TRANSITION_ISSUES")
    card = ticket_card(env)
    act(env, card, "jira_card_transition", selected=("31", "Done"))

    assert ephemeral(env) == (
        "Your Jira account (Alice Example) doesn't have the *Transition Issues* permission on "
        "PROJ-1, so I didn't move it. A Jira admin of the project can grant it; if that is not "
        "your account, link the right one with "
        "`/ticket link jira <your Jira email or account id>`."
    )
    assert env.jira.issue("PROJ-1").status == "To Do"
    assert env.jira.calls("POST /rest/api/2/issue/PROJ-1/transitions") == []
    assert env.jira.comments("PROJ-1") == []
    assert updates(env) == 0


def test_someone_who_may_not_comment_gets_no_form(env: TicketEnv) -> None:
    env.jira.deny(alice(env), "ADD_COMMENTS")
    card = ticket_card(env)
    act(env, card, "jira_card_comment")
    assert "doesn't have the *Add Comments* permission on PROJ-1" in ephemeral(env)
    assert env.slack.views_opened == []


# --- transition screens and Jira's errors --------------------------------------------------


def test_a_transition_with_a_required_field_asks_for_it_in_a_modal(env: TicketEnv) -> None:
    env.jira.transition_screen("Done", "resolution", "Resolution", ["Fixed", "Won't Do"])
    card = ticket_card(env)
    act(env, card, "jira_card_transition", selected=("31", "Done"))

    view = wait_for(lambda: env.slack.views_opened and env.slack.views_opened[-1], what="modal")
    assert view["title"]["text"] == "Move PROJ-1"
    [intro, field] = view["blocks"]
    assert intro["elements"][0]["text"] == "Jira asks for these to move *PROJ-1* to *Done*."
    assert field["label"]["text"] == "Resolution"
    assert [o["text"]["text"] for o in field["element"]["options"]] == ["Fixed", "Won't Do"]
    assert env.jira.issue("PROJ-1").status == "To Do"

    empty = env.send.submit(
        view["id"],
        {
            "field:resolution": {
                "field:resolution": {"type": "static_select", "selected_option": None}
            }
        },
    )
    assert empty.json() == {
        "response_action": "errors",
        "errors": {"field:resolution": "Jira requires this to make the move."},
    }
    chosen = {
        "type": "static_select",
        "selected_option": {"text": {"type": "plain_text", "text": "Fixed"}, "value": "1"},
    }
    assert (
        env.send.submit(view["id"], {"field:resolution": {"field:resolution": chosen}}).status_code
        == 200
    )
    wait_for(lambda: env.jira.issue("PROJ-1").status == "Done", what="PROJ-1 done")
    assert env.jira.issue("PROJ-1").fields["resolution"] == {"id": "1", "name": "Fixed"}
    wait_for(lambda: updates(env) == 1, what="the card update")
    assert facts(env, card) == (
        f":ticket: *<{env.jira.url}/browse/PROJ-1|PROJ-1> Checkout is slow*\n"
        "*Type:* Task · *Status:* Done · *Resolution:* Fixed\n"
        "Created from Slack by <@U0ALICE>"
    )


def test_jira_s_own_error_text_comes_back_to_the_person(env: TicketEnv) -> None:
    env.jira.transition_validator("Done", "Close the sub-tasks of this issue first.")
    card = ticket_card(env)
    act(env, card, "jira_card_transition", selected=("31", "Done"))

    assert ephemeral(env) == (
        ":warning: Jira did not let me move PROJ-1: Close the sub-tasks of this issue first."
    )
    assert env.jira.issue("PROJ-1").status == "To Do"
    assert updates(env) == 0
    assert replies(env, card) == []


def test_the_person_who_assigned_themselves_from_the_card_is_not_dmed_about_it(
    env: TicketEnv, worker: Worker
) -> None:
    env.repos.people.set_notifications("U0ALICE", enabled=True)
    card = subscribed_card(env, worker)
    act(env, card, "jira_card_assign")
    wait_for(lambda: env.jira.issue("PROJ-1").fields.get("assignee"), what="an assignee")
    wait_for(lambda: replies(env, card), what="the reply")

    person = alice(env)
    hook = cards.issue_updated(
        env.jira, "PROJ-1", [cards.assignee_change(ref_of(env, person), "Alice Example")],
        event_type="issue_assigned",
    )  # fmt: skip
    assert deliver(env, worker, hook).status is Status.IGNORED
    worker.run_until_idle()
    assert env.slack.calls("conversations.open") == []


def test_a_change_made_from_the_app_home_is_told_in_the_threads_naming_the_person(
    env: TicketEnv, worker: Worker
) -> None:
    card = subscribed_card(env, worker)
    env.jira.issue("PROJ-1").fields["reporter"] = home.ref(env, "alice@example.com")
    home.open_home(env, "U0ALICE")  # PROJ-1 is listed there, reported by her
    payload = env.slack.home_action_payload("U0ALICE", "jira_card:PROJ-1", "jira_card_assign")
    assert env.send.send("interactive", payload).status_code == 200
    wait_for(lambda: env.jira.issue("PROJ-1").fields.get("assignee"), what="an assignee")
    assert replies(env, card) == []  # the Home has no thread: Jira's webhook tells it

    person = alice(env)
    hook = cards.issue_updated(
        env.jira, "PROJ-1", [cards.assignee_change(ref_of(env, person), "Alice Example")],
        event_type="issue_assigned",
    )  # fmt: skip
    assert deliver(env, worker, hook).status is Status.COMPLETED
    assert replies(env, card) == [
        f"<@U0ALICE> updated <{env.jira.url}/browse/PROJ-1|PROJ-1> from Slack:\n"
        "• *Assignee:* Unassigned → <@U0ALICE>"
    ]


# --- changes made in Jira -------------------------------------------------------------------


def test_a_change_made_in_jira_updates_the_ticket_card_keeping_its_look(
    env: TicketEnv, worker: Worker
) -> None:
    card = ticket_card(env)
    jira = cards.gateway(env.jira)
    jira.transition("PROJ-1", "31", {})  # someone moves it in Jira itself
    moved = cards.issue_updated(env.jira, "PROJ-1", [cards.status_change("To Do", "Done")])
    assert deliver(env, worker, moved).status is Status.COMPLETED

    assert replies(env, card) == [
        f"Connect Bot updated <{env.jira.url}/browse/PROJ-1|PROJ-1>:\n• *Status:* To Do → Done"
    ]
    assert facts(env, card) == (
        f":ticket: *<{env.jira.url}/browse/PROJ-1|PROJ-1> Checkout is slow*\n"
        "*Type:* Task · *Status:* Done\n"
        "Created from Slack by <@U0ALICE>"
    )
    now = env.slack.message(card.channel, card.ts)
    assert now is not None
    assert cards.card_block(now) == cards.card_block(card)  # the same buttons
    assert updates(env) == 1

    person = alice(env)
    account = jira.find_user_by_email("alice@example.com")
    assert account is not None
    jira.assign("PROJ-1", account)
    assigned = cards.issue_updated(
        env.jira, "PROJ-1", [cards.assignee_change(ref_of(env, person), "Alice Example")],
        event_type="issue_assigned",
    )  # fmt: skip
    assert deliver(env, worker, assigned).status is Status.COMPLETED
    assert "*Status:* Done · *Assignee:* <@U0ALICE>" in facts(env, card)
    assert updates(env) == 2

    # A change the card does not show (labels) is said in the thread; the card stays.
    labelled = cards.issue_updated(
        env.jira,
        "PROJ-1",
        [{"field": "labels", "fieldtype": "jira", "fromString": "", "toString": "urgent"}],
    )
    assert deliver(env, worker, labelled).status is Status.COMPLETED
    assert len(replies(env, card)) == 3
    assert updates(env) == 2


def issue_created(env: TicketEnv) -> dict[str, Any]:
    """Jira's `jira:issue_created` for PROJ-1."""
    hook = cards.issue_updated(env.jira, "PROJ-1", [])
    hook["webhookEvent"] = "jira:issue_created"
    hook.pop("changelog")
    hook.pop("issue_event_type_name")
    return hook


def test_jira_s_issue_created_for_an_issue_made_from_slack_says_where_its_card_is(
    env: TicketEnv, worker: Worker
) -> None:
    card = ticket_card(env)
    created = deliver(env, worker, issue_created(env))
    assert created.status is Status.IGNORED
    assert created.error_message == (
        "PROJ-1 was created from Slack; its card is already in C0GENERAL"
    )
    assert env.slack.messages("C0GENERAL") == [card]
    assert replies(env, card) == []


def test_a_subscription_taking_new_issues_shows_one_made_from_slack_once_per_channel(
    env: TicketEnv, worker: Worker
) -> None:
    env.slack.add_channel("C0OTHER", "other", members=["U0ALICE", "U0BOT"])
    for channel in ("C0GENERAL", "C0OTHER"):
        response = env.live.post(
            "/api/v1/subscriptions",
            json={"source_service": "jira", "source_id": "PROJ", "channel_id": channel},
        )
        assert response.status_code == 201, response.text
    card = ticket_card(env)
    created = deliver(env, worker, issue_created(env))
    assert created.status is Status.COMPLETED
    assert [m.ts for m in env.slack.messages("C0GENERAL")] == [card.ts]  # no second card
    [other] = env.slack.messages("C0OTHER")
    assert other.text.startswith("PROJ-1")
    assert updates(env) == 0
