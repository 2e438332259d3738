"""The people directory's storage on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import pytest
import sqlalchemy as sa  # noqa: TID251 - checks the schema itself

from storage import PersonFilter, Repositories
from storage.domain import Conflict, JiraLink, Match, Notifications, NotifyKind

CLOUD_ID = "712020:00000000-0000-4000-8000-000000000001"


def test_a_person_is_created_with_what_slack_says(repos: Repositories) -> None:
    person = repos.people.remember_slack("U1", "Ada", "Ada@Example.com")
    assert (person.slack_user_id, person.slack_name, person.email) == (
        "U1",
        "Ada",
        "ada@example.com",
    )
    assert person.jira_account_id is None
    assert person.jira_match is None
    assert repos.people.get("U1") == person
    assert repos.people.by_email("ADA@example.com") == person
    assert repos.people.get("U2") is None


def test_an_automatic_match_is_stored_and_found_by_account(repos: Repositories) -> None:
    repos.people.match_jira("U1", JiraLink(CLOUD_ID, "Ada Lovelace", Match.EMAIL))
    person = repos.people.by_jira_account(CLOUD_ID)
    assert person is not None
    assert (person.slack_user_id, person.jira_display_name, person.jira_match) == (
        "U1",
        "Ada Lovelace",
        Match.EMAIL,
    )
    repos.people.match_jira("U2", JiraLink("grace", "Grace", Match.NAME, key="JIRAUSER10002"))
    by_key = repos.people.by_jira_account("JIRAUSER10002")
    assert by_key is not None
    assert by_key.slack_user_id == "U2"
    assert by_key.jira_match is Match.NAME


def test_a_manual_link_wins_over_automatic_matches(repos: Repositories) -> None:
    repos.people.match_jira("U1", JiraLink("ada", "Ada", Match.MANUAL))
    kept = repos.people.match_jira("U1", JiraLink("other", "Other", Match.EMAIL))
    assert (kept.jira_account_id, kept.jira_match) == ("ada", Match.MANUAL)
    unlinked = repos.people.match_jira("U1", None)
    assert (unlinked.jira_account_id, unlinked.jira_match) == (None, Match.MANUAL)
    still = repos.people.match_jira("U1", JiraLink("other", "Other", Match.EMAIL))
    assert still.jira_account_id is None


def test_a_manual_link_is_found_first_when_two_people_share_an_account(
    repos: Repositories,
) -> None:
    repos.people.match_jira("U1", JiraLink("shared", "Shared", Match.NAME))
    repos.people.match_jira("U2", JiraLink("shared", "Shared", Match.MANUAL))
    person = repos.people.by_jira_account("shared")
    assert person is not None
    assert person.slack_user_id == "U2"


def test_github_logins_are_case_insensitive_and_held_by_one_person(repos: Repositories) -> None:
    linked = repos.people.link_github("U1", "@Octo-Cat")
    assert (linked.github_login, linked.github_match) == ("octo-cat", Match.MANUAL)
    found = repos.people.by_github_login("OCTO-CAT")
    assert found is not None
    assert found.slack_user_id == "U1"
    with pytest.raises(Conflict, match="octo-cat is linked to U1"):
        repos.people.link_github("U2", "octo-CAT")
    assert repos.people.link_github("U1", "octo-cat").github_login == "octo-cat"
    assert repos.people.link_github("U1", None).github_login is None
    assert repos.people.link_github("U2", "Octo-Cat").slack_user_id == "U2"


def test_people_are_listed_newest_first_with_filters(repos: Repositories) -> None:
    for n in range(3):
        repos.people.remember_slack(f"U{n}", f"Person {n}", None)
    repos.people.link_github("U1", "Hubot")
    page = repos.people.list(PersonFilter(), limit=2)
    assert [p.slack_user_id for p in page.items] == ["U2", "U1"]
    assert page.total == 3
    assert page.next_cursor is not None
    rest = repos.people.list(PersonFilter(), limit=2, cursor=page.next_cursor)
    assert [p.slack_user_id for p in rest.items] == ["U0"]
    by_login = repos.people.list(PersonFilter(github_login="HUBOT"))
    assert [p.slack_user_id for p in by_login.items] == ["U1"]


def test_deleting_a_person_forgets_the_overrides(repos: Repositories) -> None:
    repos.people.match_jira("U1", None)
    assert repos.people.delete("U1")
    assert not repos.people.delete("U1")
    assert repos.people.match_jira("U1", JiraLink("a", "A", Match.EMAIL)).jira_account_id == "a"


def test_github_logins_are_looked_up_in_one_batch(repos: Repositories) -> None:
    repos.people.link_github("U1", "Octo-Cat")
    repos.people.link_github("U2", "hubot")
    repos.people.remember_slack("U3", "Nobody", None)
    found = repos.people.slack_ids_by_github(["octo-cat", "@HUBOT", "stranger", ""])
    assert found == {"octo-cat": "U1", "hubot": "U2"}
    assert repos.people.slack_ids_by_github([]) == {}


def test_notifications_are_off_until_the_person_opts_in(repos: Repositories) -> None:
    person = repos.people.remember_slack("U1", "Ada", None)
    assert person.notifications == Notifications(enabled=False, off=frozenset())
    assert not person.notifications.wants(NotifyKind.MENTIONS)
    on = repos.people.set_notifications("U1", enabled=True)
    assert all(on.notifications.wants(kind) for kind in NotifyKind)
    no_mentions = repos.people.set_notifications("U1", kind=NotifyKind.MENTIONS, on=False)
    repos.people.set_notifications("U1", kind=NotifyKind.MY_PRS, on=False)
    assert not no_mentions.notifications.wants(NotifyKind.MENTIONS)
    stored = repos.people.get("U1")
    assert stored is not None
    assert stored.notifications == Notifications(
        enabled=True, off=frozenset({NotifyKind.MENTIONS, NotifyKind.MY_PRS})
    )
    back = repos.people.set_notifications("U1", kind=NotifyKind.MENTIONS, on=True)
    assert back.notifications.off == frozenset({NotifyKind.MY_PRS})
    off = repos.people.set_notifications("U1", enabled=False)
    assert not off.notifications.wants(NotifyKind.REVIEW_REQUESTS)
    assert off.notifications.off == frozenset({NotifyKind.MY_PRS})  # kept for next time


def test_a_new_person_can_opt_in_before_anything_else_is_known(repos: Repositories) -> None:
    person = repos.people.set_notifications("U9", enabled=True)
    assert (person.slack_user_id, person.notifications.enabled) == ("U9", True)
    assert person.jira_account_id is None


def test_the_notification_settings_come_and_go_with_their_revision(repos: Repositories) -> None:
    repos.people.set_notifications("U1", enabled=True, kind=NotifyKind.MENTIONS, on=False)
    repos.db.downgrade("0004")
    columns = {c["name"] for c in sa.inspect(repos.db.engine).get_columns("people")}
    assert {"notify", "notify_off"}.isdisjoint(columns)
    repos.db.upgrade()
    person = repos.people.get("U1")
    assert person is not None
    assert person.notifications == Notifications()  # the people stay; their settings go


def test_the_people_table_comes_and_goes_with_its_revision(repos: Repositories) -> None:
    repos.people.remember_slack("U1", "Ada", None)
    repos.db.downgrade("0003")
    assert "people" not in sa.inspect(repos.db.engine).get_table_names()
    repos.db.upgrade()
    assert repos.people.get("U1") is None


@pytest.mark.slow
def test_one_person_among_100000_is_found_in_under_a_millisecond(sqlite_url: str) -> None:
    from bench.people import lookup_figures

    figures = lookup_figures(sqlite_url, 100_000)
    for kind, (median, p99) in figures.items():
        print(f"people lookup by {kind}: median {median:.3f} ms, p99 {p99:.3f} ms")
    assert all(median < 1.0 for median, _ in figures.values()), figures
