"""`/api/v1/people` on SQLite, PostgreSQL and MariaDB: the list, one person, overrides."""

from __future__ import annotations

from collections.abc import Callable

from storage.domain import NotifyKind
from tests.support.live import LiveApp
from tests.support.slack import TicketEnv, wait_for


def test_put_links_a_person_and_get_reads_it_back(live_app: LiveApp) -> None:
    response = live_app.put(
        "/api/v1/people/U0ALICE", json={"jira_account_id": "acc-1", "github_login": "Octo"}
    )
    assert response.status_code == 200
    person = response.json()
    assert {k: person[k] for k in ("slack_user_id", "jira_account_id", "jira_match")} == {
        "slack_user_id": "U0ALICE",
        "jira_account_id": "acc-1",
        "jira_match": "manual",
    }
    assert (person["github_login"], person["github_match"]) == ("octo", "manual")
    assert person["notifications"] == {"enabled": False, "off": []}
    assert live_app.get("/api/v1/people/U0ALICE").json() == person


def test_an_absent_field_is_kept_and_null_unlinks(live_app: LiveApp) -> None:
    live_app.put("/api/v1/people/U0ALICE", json={"jira_account_id": "acc-1", "github_login": "o"})
    kept = live_app.put("/api/v1/people/U0ALICE", json={"github_login": None}).json()
    assert (kept["jira_account_id"], kept["github_login"]) == ("acc-1", None)
    unlinked = live_app.put("/api/v1/people/U0ALICE", json={"jira_account_id": None}).json()
    assert (unlinked["jira_account_id"], unlinked["jira_match"]) == (None, "manual")


def test_a_github_login_held_by_someone_else_is_a_conflict(live_app: LiveApp) -> None:
    live_app.put("/api/v1/people/U0ALICE", json={"github_login": "octocat"})
    response = live_app.put("/api/v1/people/U0BOB", json={"github_login": "OctoCat"})
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert live_app.get("/api/v1/people/U0BOB").status_code == 404


def test_the_list_filters_and_pages(live_app: LiveApp) -> None:
    for n, login in enumerate(("a-1", "b-2", "c-3")):
        live_app.put(
            f"/api/v1/people/U0P{n}", json={"github_login": login, "jira_account_id": f"j{n}"}
        )
    page = live_app.get("/api/v1/people", params={"limit": 2}).json()
    assert [p["slack_user_id"] for p in page["people"]] == ["U0P2", "U0P1"]
    assert page["total"] == 3
    rest = live_app.get("/api/v1/people", params={"cursor": page["next_cursor"]}).json()
    assert [p["slack_user_id"] for p in rest["people"]] == ["U0P0"]
    for params in ({"github_login": "B-2"}, {"jira_account_id": "j1"}, {"slack_user_id": "U0P1"}):
        found = live_app.get("/api/v1/people", params=params).json()
        assert [p["slack_user_id"] for p in found["people"]] == ["U0P1"], params


def test_delete_forgets_and_bad_input_is_refused(live_app: LiveApp) -> None:
    live_app.put("/api/v1/people/U0ALICE", json={"github_login": "octocat"})
    assert live_app.delete("/api/v1/people/U0ALICE").status_code == 204
    assert live_app.delete("/api/v1/people/U0ALICE").status_code == 404
    assert live_app.get("/api/v1/people/not-a-user").status_code == 400
    bad = live_app.put("/api/v1/people/U0ALICE", json={"github_login": "-no-"})
    assert bad.status_code == 400
    assert bad.json()["details"][0]["field"] == "github_login"
    assert live_app.put("/api/v1/people/U0ALICE", json={"team": "x"}).status_code == 400
    assert live_app.get("/api/v1/people", params={"email": "x"}).status_code == 400


def test_an_api_override_wins_over_the_email_match(
    make_ticket_env: Callable[..., TicketEnv],
) -> None:
    env = make_ticket_env()
    env.live.put("/api/v1/people/U0ALICE", json={"jira_account_id": "someone-else"})
    response, payload = env.send.command("whoami")
    assert response.status_code == 200
    post = wait_for(lambda: env.slack.response_posts(payload["response_url"]))[0]
    assert "*Jira:* someone-else (`someone-else`), linked by hand" in post.text
    person = env.live.get("/api/v1/people/U0ALICE").json()
    assert (person["jira_account_id"], person["jira_match"]) == ("someone-else", "manual")


def test_the_people_routes_are_in_the_openapi_document(live_app: LiveApp) -> None:
    document = live_app.get("/api/v1/openapi.json").json()
    assert set(document["paths"]["/people/{slack_user_id}"]) == {"get", "put", "delete"}
    assert "PersonPut" in document["components"]["schemas"]


def test_a_persons_notification_settings_are_shown(live_app: LiveApp) -> None:
    people = live_app.runtime.repos.people
    people.set_notifications("U0ALICE", enabled=True, kind=NotifyKind.MY_PRS, on=False)
    people.set_notifications("U0ALICE", kind=NotifyKind.MENTIONS, on=False)
    shown = live_app.get("/api/v1/people/U0ALICE").json()["notifications"]
    assert shown == {"enabled": True, "off": ["mentions", "my-prs"]}
