"""`JiraGateway` with the real `jira` library against the fake Jira, Cloud and Server/DC:
createmeta (paged endpoints, and the old one where they are missing), issues, users,
comments in wiki markup (REST v2) and ADF (v3), and failures that never leak credentials."""

from __future__ import annotations

import pytest

from integrations.jira_api import (
    JiraConfig,
    JiraGateway,
    JiraNotConfigured,
    JiraNotFound,
    JiraRejected,
    JiraUnavailable,
)
from integrations.slack_to_jira import to_adf
from playground.fakes.jira import FakeJira


def gateway(fake: FakeJira, **options: object) -> JiraGateway:
    if fake.is_cloud:
        config = JiraConfig(fake.url, fake.api_token, fake.email, **options)  # type: ignore[arg-type]
    else:
        config = JiraConfig(fake.url, fake.pat, None, **options)  # type: ignore[arg-type]
    return JiraGateway(config)


@pytest.fixture(params=["cloud", "server"])
def fake(request: pytest.FixtureRequest) -> FakeJira:
    name = "fake_jira" if request.param == "cloud" else "fake_jira_server"
    return request.getfixturevalue(name)


def test_auth_is_basic_on_cloud_and_a_bearer_token_on_server(fake: FakeJira) -> None:
    gateway(fake).projects()
    auth = fake.last_call("GET /rest/api/2/project").header("Authorization") or ""
    assert auth.startswith("Basic " if fake.is_cloud else f"Bearer {fake.pat}")


def test_issue_types_and_fields_come_from_the_paged_createmeta(fake: FakeJira) -> None:
    jira = gateway(fake)
    types = jira.issue_types("PROJ")
    assert [t.name for t in types] == ["Task", "Bug", "Story"]
    fields = {f.id: f for f in jira.create_fields("PROJ", types[0].id)}
    assert fields["summary"].required is True
    assert [v.label for v in fields["priority"].allowed] == [
        "Highest",
        "High",
        "Medium",
        "Low",
        "Lowest",
    ]
    assert ("reporter" in fields) is (not fake.is_cloud)
    paths = [r.path for r in fake.calls("GET /rest/api/2/issue/createmeta*")]
    assert paths == [
        "/rest/api/2/issue/createmeta/PROJ/issuetypes",
        f"/rest/api/2/issue/createmeta/PROJ/issuetypes/{types[0].id}",
    ]


def test_corpus_createmeta_marks_required_custom_fields(fake_jira: FakeJira) -> None:
    jira = gateway(fake_jira)
    epic = next(t for t in jira.issue_types("KT") if t.name == "Epic")
    required = [f.name for f in jira.create_fields("KT", epic.id) if f.needs_value]
    assert sorted(required) == ["Description", "Epic Name", "Issue Type", "Project", "Summary"]


def test_server_before_8_4_falls_back_to_the_old_createmeta(
    request: pytest.FixtureRequest,
) -> None:
    old = FakeJira("server", server_version="8.3.0").start()
    request.addfinalizer(old.stop)
    old.fail("GET /rest/api/2/issue/createmeta/*", status=404, times=None)  # not there yet
    jira = gateway(old)
    types = jira.issue_types("PROJ")
    assert [t.name for t in types] == ["Task", "Bug", "Story"]
    fields = {f.id for f in jira.create_fields("PROJ", types[1].id)}
    assert {"summary", "description", "reporter"} <= fields
    legacy = old.calls(lambda r: r.path == "/rest/api/2/issue/createmeta")
    assert legacy[-1].query["expand"] == "projects.issuetypes.fields"


def test_an_unknown_project_is_not_found(fake: FakeJira) -> None:
    with pytest.raises(JiraNotFound, match="No project could be found with key 'NOPE'"):
        gateway(fake).issue_types("NOPE")


def test_create_issue_reads_back_type_and_status(fake: FakeJira) -> None:
    jira = gateway(fake)
    task = jira.issue_types("PROJ")[0]
    created = jira.create_issue(
        {"project": {"key": "PROJ"}, "issuetype": {"id": task.id}, "summary": "Hello"}
    )
    assert (created.key, created.summary, created.issue_type, created.status) == (
        "PROJ-1",
        "Hello",
        "Task",
        "To Do",
    )
    assert created.url == f"{fake.url}/browse/PROJ-1"
    assert jira.get_issue("PROJ-1") == created


def test_create_issue_survives_a_failed_read_back(fake_jira: FakeJira) -> None:
    jira = gateway(fake_jira)
    task = jira.issue_types("PROJ")[0]
    fake_jira.fail("GET /rest/api/2/issue/PROJ-1", status=503)
    created = jira.create_issue(
        {"project": {"key": "PROJ"}, "issuetype": {"id": task.id}, "summary": "Still made"}
    )
    assert (created.key, created.issue_type, created.status) == ("PROJ-1", None, None)


def test_users_are_found_by_email(fake: FakeJira) -> None:
    jira = gateway(fake)
    alice = jira.find_user_by_email("Alice@Example.com")
    assert alice is not None
    assert alice.display_name == "Alice Example"
    stored = fake.user_by_email("alice@example.com")
    assert stored is not None
    if fake.is_cloud:
        assert alice.field_value() == {"accountId": stored.account_id}
    else:
        assert alice.field_value() == {"name": "alice"}
    assert jira.find_user_by_email("nobody@example.com") is None


def test_a_cloud_user_with_a_hidden_email_is_the_one_match(fake_jira: FakeJira) -> None:
    fake_jira.add_user("Private Pat", "pat@example.com", email_visible=False)
    pat = gateway(fake_jira).find_user_by_email("pat@example.com")
    assert pat is not None
    assert pat.display_name == "Private Pat"


def test_comments_in_wiki_markup(fake: FakeJira) -> None:
    fake.create_issue("PROJ", "Commented")
    jira = gateway(fake)
    comment_id = jira.add_comment("PROJ-1", "*bold* text")
    jira.update_comment("PROJ-1", comment_id, "_edited_")
    assert [c.body for c in fake.comments("PROJ-1")] == ["_edited_"]
    assert jira.delete_comment("PROJ-1", comment_id) is True
    assert jira.delete_comment("PROJ-1", comment_id) is False
    assert fake.comments("PROJ-1") == []


def test_comments_in_adf_on_rest_v3(fake_jira: FakeJira) -> None:
    fake_jira.create_issue("PROJ", "Commented")
    jira = gateway(fake_jira, api_version="3")
    assert jira.rich_text_v3
    body = to_adf("*bold* and <https://x.example|a link>")
    comment_id = jira.add_comment("PROJ-1", body)
    assert fake_jira.comments("PROJ-1")[0].body == body
    jira.update_comment("PROJ-1", comment_id, to_adf("edited"))
    assert fake_jira.comments("PROJ-1")[0].text == "edited"
    posted = fake_jira.last_call("POST /rest/api/3/issue/PROJ-1/comment")
    assert posted.json == {"body": body}


def test_failures_are_translated_without_credentials(fake_jira: FakeJira) -> None:
    jira = gateway(fake_jira, timeout=0.5)
    fake_jira.fail("GET /rest/api/2/project", status=503)
    with pytest.raises(JiraUnavailable) as unavailable:
        jira.projects()
    fake_jira.fail("GET /rest/api/2/project", status=429, retry_after=7)
    with pytest.raises(JiraUnavailable) as limited:
        jira.projects()
    assert limited.value.retry_after == 7
    fake_jira.delay("GET /rest/api/2/project", 2.0)
    with pytest.raises(JiraUnavailable, match=r"^Jira did not answer within 0\.5 s$"):
        jira.projects()
    for error in (unavailable.value, limited.value):
        assert fake_jira.api_token not in str(error)
        assert "Authorization" not in str(error)
    assert str(unavailable.value) == "Jira failed (503): Service Unavailable"


def test_wrong_credentials_are_a_rejection(fake_jira: FakeJira) -> None:
    jira = JiraGateway(JiraConfig(fake_jira.url, "wrong-token", fake_jira.email))
    with pytest.raises(JiraRejected, match=r"Jira refused our credentials \(401\)") as refused:
        jira.projects()
    assert "wrong-token" not in str(refused.value)


def test_jira_down_at_first_use_connects_on_the_next_call(fake_jira: FakeJira) -> None:
    jira = gateway(fake_jira)
    fake_jira.fail("GET /rest/api/2/serverInfo", status=503)
    with pytest.raises(JiraUnavailable):
        jira.projects()
    assert [p.key for p in jira.projects()][-1] == "PROJ"


def test_unconfigured_jira_says_what_to_set() -> None:
    with pytest.raises(JiraNotConfigured, match="JIRA_BASE_URL, JIRA_API_TOKEN"):
        JiraGateway(None).projects()
