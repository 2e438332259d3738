"""What people did from Jira issue cards, kept until Jira's webhook echoes it (SQLite,
PostgreSQL, MariaDB)."""

from __future__ import annotations

from datetime import timedelta

from storage import Repositories
from storage.types import utcnow

THREAD = "C0GENERAL:1700000000.000100"


def record(repos: Repositories, field: str = "status", value: str = "Done") -> int:
    action = repos.card_actions.record("PROJ-1", field, value, slack_user_id="U1", thread=THREAD)
    return action.id


def test_an_action_waits_for_its_echo(repos: Repositories) -> None:
    first = record(repos)
    [waiting] = repos.card_actions.awaiting_echo("PROJ-1", 7)
    assert (waiting.id, waiting.field, waiting.value, waiting.thread) == (
        first,
        "status",
        "Done",
        THREAD,
    )
    assert waiting.echo_integration_id is None
    assert repos.card_actions.awaiting_echo("PROJ-2", 7) == []


def test_an_echoed_action_is_not_matched_by_another_webhook(repos: Repositories) -> None:
    first = record(repos)
    second = record(repos, "assignee", "712020:abc")
    repos.card_actions.mark_echoed([first], 7)
    assert [a.id for a in repos.card_actions.awaiting_echo("PROJ-1", 8)] == [second]
    # The same webhook again (a retry) still finds what it matched.
    assert [a.id for a in repos.card_actions.awaiting_echo("PROJ-1", 7)] == [first, second]


def test_an_old_action_is_no_longer_an_echo(repos: Repositories) -> None:
    record(repos)
    later = utcnow() + timedelta(minutes=16)
    assert repos.card_actions.awaiting_echo("PROJ-1", 7, now=later) == []


def test_an_action_that_did_not_happen_is_forgotten(repos: Repositories) -> None:
    first = record(repos)
    second = record(repos, "assignee", "712020:abc")
    repos.card_actions.forget(first)
    assert [a.id for a in repos.card_actions.awaiting_echo("PROJ-1", 7)] == [second]


def test_key_previews_are_off_until_a_channel_turns_them_on(repos: Repositories) -> None:
    assert not repos.key_replies.enabled("C1")
    repos.key_replies.set_enabled("C1", True)
    assert repos.key_replies.enabled("C1")
    assert not repos.key_replies.enabled("C2")
    repos.key_replies.set_enabled("C1", False)
    assert not repos.key_replies.enabled("C1")


def test_a_key_is_shown_once_per_channel_and_cooldown(repos: Repositories) -> None:
    cooldown = timedelta(minutes=30)
    long_ago = utcnow() - timedelta(minutes=31)
    assert repos.key_replies.claim("C1", "PROJ-1", cooldown, now=long_ago)
    assert repos.key_replies.claim("C1", "PROJ-1", cooldown)
    assert not repos.key_replies.claim("C1", "PROJ-1", cooldown)
    assert repos.key_replies.claim("C2", "PROJ-1", cooldown)
    assert repos.key_replies.claim("C1", "PROJ-2", cooldown)
