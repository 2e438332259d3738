"""The people directory's storage on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import pytest
import sqlalchemy as sa  # noqa: TID251 - checks the schema itself

from storage import PersonFilter, Repositories
from storage.domain import Conflict, JiraLink, Match

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
