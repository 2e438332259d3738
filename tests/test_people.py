"""The people directory end to end: signed `/ticket link|unlink|whoami` commands and the
people API, with the real slack_sdk and jira clients against the fake Slack and Jira
(Cloud and Server)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from playground.fakes.jira import FakeJira
from playground.fakes.slack import FakeSlack
from storage.domain import Match
from tests.support.live import LiveApp
from tests.support.slack import TicketEnv, start_ticket_env, wait_for
from tests.test_ticket_modal import choose_project, open_modal, submit, type_ids

MakeEnv = Callable[..., TicketEnv]


def answer(env: TicketEnv, text: str, user: str = "U0ALICE") -> str:
    """`/ticket <text>` as `user`; the ephemeral answer posted to its response URL."""
    response, payload = env.send.command(text, user=user)
    assert response.status_code == 200
    post = wait_for(lambda: env.slack.response_posts(payload["response_url"]), what=text)[0]
    assert post.body["response_type"] == "ephemeral"
    return post.text


@pytest.fixture
def server_env(
    make_live_app: Callable[..., LiveApp],
    sqlite_url: str,
    fake_slack: FakeSlack,
    fake_jira_server: FakeJira,
) -> TicketEnv:
    return start_ticket_env(make_live_app, sqlite_url, fake_slack, fake_jira_server)


def test_whoami_matches_by_email_on_cloud_and_stores_it(
    make_ticket_env: MakeEnv, fake_jira: FakeJira
) -> None:
    env = make_ticket_env()
    alice = fake_jira.user_by_email("alice@example.com")
    assert alice is not None
    assert answer(env, "whoami") == (
        "*Slack:* <@U0ALICE> (alice@example.com)\n"
        f"*Jira:* Alice Example (`{alice.account_id}`), matched by email\n"
        "*GitHub:* not linked — `/ticket link github <login>`\n"
        "*Notifications:* off — `/ticket notify on` for DMs about your reviews, assignments "
        "and mentions"
    )
    person = env.repos.people.get("U0ALICE")
    assert person is not None
    assert (person.jira_account_id, person.jira_match) == (alice.account_id, Match.EMAIL)
    assert (person.slack_name, person.email) == ("alice", "alice@example.com")


def test_on_server_the_user_name_and_key_are_stored(server_env: TicketEnv) -> None:
    alice = server_env.jira.user_by_email("alice@example.com")
    assert alice is not None
    assert "*Jira:* Alice Example (`alice`), matched by email" in answer(server_env, "whoami")
    person = server_env.repos.people.get("U0ALICE")
    assert person is not None
    assert (person.jira_account_id, person.jira_key) == ("alice", alice.key)
    found = server_env.repos.people.by_jira_account(alice.key)
    assert found is not None
    assert found.slack_user_id == "U0ALICE"


def test_a_hidden_email_is_matched_by_a_unique_display_name_marked_weak(
    make_ticket_env: MakeEnv, fake_jira: FakeJira
) -> None:
    env = make_ticket_env()
    env.slack.add_user("U0GRACE", "grace", real_name="Grace Hopper", email="grace@navy.example")
    grace = fake_jira.add_user("Grace Hopper", None)
    text = answer(env, "whoami", user="U0GRACE")
    assert f"*Jira:* Grace Hopper (`{grace.account_id}`), matched by display name only" in text
    person = env.repos.people.get("U0GRACE")
    assert person is not None
    assert person.jira_match is Match.NAME


def test_a_display_name_two_jira_users_share_matches_nobody(
    make_ticket_env: MakeEnv, fake_jira: FakeJira
) -> None:
    env = make_ticket_env()
    env.slack.add_user("U0SAM", "sam", real_name="Sam Smith", email="sam@one.example")
    fake_jira.add_user("Sam Smith", None)
    fake_jira.add_user("Sam Smith", None)
    text = answer(env, "whoami", user="U0SAM")
    assert "*Jira:* not linked — `/ticket link jira <email or account id>`" in text
    person = env.repos.people.get("U0SAM")
    assert person is not None
    assert person.jira_account_id is None


def test_a_known_person_costs_no_user_search(make_ticket_env: MakeEnv, fake_jira: FakeJira) -> None:
    env = make_ticket_env()
    answer(env, "whoami")
    searches = len(fake_jira.calls("GET /rest/api/*/user/search"))
    assert searches >= 1
    restarted = make_ticket_env()  # a second process: empty caches, the same database
    assert "matched by email" in answer(restarted, "whoami")
    assert len(fake_jira.calls("GET /rest/api/*/user/search")) == searches


def test_link_jira_by_email_or_account_overrides_the_match(
    make_ticket_env: MakeEnv, fake_jira: FakeJira
) -> None:
    env = make_ticket_env()
    bob = fake_jira.user_by_email("bob@example.com")
    assert bob is not None
    assert answer(env, "link jira bob@example.com") == (
        f"Linked: you are Bob Builder (`{bob.account_id}`) in Jira."
    )
    assert f"Bob Builder (`{bob.account_id}`), linked by hand" in answer(env, "whoami")
    carol = fake_jira.add_user("Carol Jones", "carol@example.com")
    assert answer(env, f"link jira {carol.account_id}") == (
        f"Linked: you are Carol Jones (`{carol.account_id}`) in Jira."
    )
    assert answer(env, "link jira nobody@example.com") == (
        "Jira has no user `nobody@example.com` that I can see."
    )
    person = env.repos.people.get("U0ALICE")
    assert person is not None
    assert (person.jira_account_id, person.jira_match) == (carol.account_id, Match.MANUAL)


def test_link_jira_on_server_by_user_name(server_env: TicketEnv) -> None:
    assert answer(server_env, "link jira bob") == "Linked: you are Bob Builder (`bob`) in Jira."


def test_unlink_jira_stops_matching_by_email(make_ticket_env: MakeEnv) -> None:
    env = make_ticket_env()
    assert answer(env, "unlink jira") == (
        "Unlinked your Jira account; I will not match it by email again."
    )
    assert "*Jira:* not linked" in answer(env, "whoami")


def test_link_github_and_a_conflicting_link_is_refused(make_ticket_env: MakeEnv) -> None:
    env = make_ticket_env()
    assert answer(env, "link github @Octo-Cat") == "Linked: you are `octo-cat` on GitHub."
    assert "*GitHub:* `octo-cat`, linked by hand" in answer(env, "whoami")
    assert answer(env, "link github OCTO-cat", user="U0BOB") == (
        "GitHub login `OCTO-cat` is already linked to someone else: ask them to "
        "`/ticket unlink github`, or an admin."
    )
    assert answer(env, "link github not_a_login") == "`not_a_login` is not a GitHub login."
    assert answer(env, "unlink github") == (
        "Unlinked your GitHub account; I will not match it by email again."
    )
    assert answer(env, "link github octo-cat", user="U0BOB") == (
        "Linked: you are `octo-cat` on GitHub."
    )


def test_link_without_a_side_explains_itself(make_ticket_env: MakeEnv) -> None:
    env = make_ticket_env()
    assert answer(env, "link bitbucket me") == (
        "Use `/ticket link jira <email or account id>` or `/ticket link github <login>`."
    )
    assert answer(env, "unlink") == "Use `/ticket unlink jira` or `/ticket unlink github`."


def test_help_lists_the_people_subcommands(make_ticket_env: MakeEnv) -> None:
    env = make_ticket_env()
    response, _ = env.send.command("help")
    text = response.json()["text"]
    assert "• `/ticket link jira <email or account id>` (or `link github <login>`)" in text
    assert "• `/ticket unlink jira|github` forgets" in text
    assert "• `/ticket whoami` shows what the app knows about you (only to you)." in text


def test_on_cloud_a_hidden_email_is_still_matched_by_the_email_search(
    make_ticket_env: MakeEnv, fake_jira: FakeJira
) -> None:
    env = make_ticket_env()
    env.slack.add_user("U0ADA", "ada", real_name="Ada L.", email="ada@example.com")
    ada = fake_jira.add_user("Ada Lovelace", "ada@example.com", email_visible=False)
    assert f"*Jira:* Ada Lovelace (`{ada.account_id}`), matched by email" in answer(
        env, "whoami", user="U0ADA"
    )


def test_a_link_made_by_hand_is_the_reporter_of_the_next_issue(server_env: TicketEnv) -> None:
    assert answer(server_env, "link jira bob") == "Linked: you are Bob Builder (`bob`) in Jira."
    view = choose_project(server_env, open_modal(server_env), "PROJ")
    submit(
        server_env,
        view,
        project="PROJ",
        issue_type=("PROJ", type_ids(view)["Task"]),
        summary="Reported as Bob",
    )
    issue = wait_for(lambda: server_env.jira.issues.get("PROJ-1"))
    assert issue.fields["reporter"] == {"name": "bob"}
