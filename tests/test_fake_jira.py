"""The fake Jira answers the real ``jira`` client as Jira Cloud and Server do."""

from __future__ import annotations

import warnings

import pytest
from jira import JIRA, JIRAError

from playground.fakes.jira import FakeJira


def error_body(error: JIRAError) -> dict:
    assert error.response is not None
    return error.response.json()


@pytest.fixture
def cloud(fake_jira: FakeJira) -> JIRA:
    return JIRA(server=fake_jira.url, basic_auth=(fake_jira.email, fake_jira.api_token))


@pytest.fixture
def server(fake_jira_server: FakeJira) -> JIRA:
    return JIRA(server=fake_jira_server.url, token_auth=fake_jira_server.pat)


def test_cloud_client_sees_cloud(fake_jira: FakeJira, cloud: JIRA) -> None:
    info = cloud.server_info()

    assert info["deploymentType"] == "Cloud"
    assert cloud.myself()["accountId"] == fake_jira.api_user.account_id
    assert (
        fake_jira.calls("/rest/api/2/serverInfo")[0]
        .header("Authorization", "")
        .startswith("Basic ")
    )


def test_create_issue_and_read_it_back(fake_jira: FakeJira, cloud: JIRA) -> None:
    issue = cloud.create_issue(
        project="PROJ",
        issuetype={"name": "Bug"},
        summary="Login fails",
        description="Steps:\nopen the page",
        labels=["slack"],
    )

    assert issue.key == "PROJ-1"
    assert issue.fields.summary == "Login fails"
    assert issue.fields.status.name == "To Do"
    assert issue.fields.reporter.displayName == "Connect Bot"
    assert fake_jira.issue("PROJ-1").description == "Steps:\nopen the page"
    assert issue.permalink() == f"{fake_jira.url}/browse/PROJ-1"


def test_missing_summary_is_a_400_like_jira(cloud: JIRA) -> None:
    with pytest.raises(JIRAError) as raised:
        cloud.create_issue(fields={"project": {"key": "PROJ"}, "issuetype": {"name": "Task"}})

    assert raised.value.status_code == 400
    assert error_body(raised.value) == {
        "errorMessages": [],
        "errors": {"summary": "You must specify a summary of the issue."},
    }


def test_corpus_project_required_fields_and_screens(fake_jira: FakeJira, cloud: JIRA) -> None:
    with pytest.raises(JIRAError) as raised:
        cloud.create_issue(
            fields={
                "project": {"key": "KT"},
                "issuetype": {"name": "Epic"},
                "summary": "Epic",
                "reporter": {"accountId": fake_jira.api_user.account_id},
            }
        )

    assert error_body(raised.value)["errors"] == {
        "reporter": "Field 'reporter' cannot be set. "
        "It is not on the appropriate screen, or unknown.",
        "customfield_10011": "Epic Name is required.",
        "description": "Description is required.",
    }


def test_custom_required_field(fake_jira: FakeJira, cloud: JIRA) -> None:
    fake_jira.add_custom_field(
        "PROJ", "customfield_12000", "Team", required=True, allowed_values=["Web", "Mobile"]
    )

    with pytest.raises(JIRAError, match="Team is required"):
        cloud.create_issue(project="PROJ", issuetype={"name": "Task"}, summary="x")
    with pytest.raises(JIRAError, match="Specify a valid value for Team"):
        cloud.create_issue(
            project="PROJ",
            issuetype={"name": "Task"},
            summary="x",
            customfield_12000={"value": "Desktop"},
        )
    issue = cloud.create_issue(
        project="PROJ",
        issuetype={"name": "Task"},
        summary="x",
        customfield_12000={"value": "Web"},
    )
    assert issue.raw["fields"]["customfield_12000"] == {"value": "Web"}


def test_comment_add_update_delete(fake_jira: FakeJira, cloud: JIRA) -> None:
    fake_jira.create_issue("PROJ", "Existing")

    comment = cloud.add_comment("PROJ-1", "From Slack: it broke")
    comment.update(body="From Slack: it broke (edited)")
    assert cloud.comment("PROJ-1", comment.id).body == "From Slack: it broke (edited)"
    assert [c.text for c in fake_jira.comments("PROJ-1")] == ["From Slack: it broke (edited)"]

    comment.delete()
    assert cloud.comments("PROJ-1") == []
    with pytest.raises(JIRAError) as raised:
        cloud.comment("PROJ-1", comment.id)
    assert raised.value.status_code == 404


def test_unknown_issue_is_404(cloud: JIRA) -> None:
    with pytest.raises(JIRAError) as raised:
        cloud.issue("PROJ-999")

    assert raised.value.status_code == 404
    assert raised.value.text == "Issue does not exist or you do not have permission to see it."


def test_v3_speaks_adf(fake_jira: FakeJira) -> None:
    v3 = JIRA(
        server=fake_jira.url,
        basic_auth=(fake_jira.email, fake_jira.api_token),
        options={"rest_api_version": "3"},
    )
    adf = {
        "type": "doc",
        "version": 1,
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": "In ADF"}]}],
    }

    with pytest.raises(JIRAError, match="Atlassian Document"):
        v3.create_issue(project="PROJ", issuetype={"name": "Task"}, summary="x", description="no")
    issue = v3.create_issue(
        project="PROJ", issuetype={"name": "Task"}, summary="x", description=adf
    )

    assert issue.raw["fields"]["description"] == adf
    assert fake_jira.issue(issue.key).description == "In ADF"


def test_old_createmeta_from_the_corpus(cloud: JIRA) -> None:
    meta = cloud.createmeta(projectKeys="KT", expand="projects.issuetypes.fields")

    (project,) = meta["projects"]
    assert project["key"] == "KT"
    assert [t["name"] for t in project["issuetypes"]] == [
        "Task",
        "Sub-task",
        "Story",
        "Bug",
        "Epic",
    ]
    bug = project["issuetypes"][3]
    assert bug["fields"]["summary"]["required"] is True
    assert bug["fields"]["assignee"]["autoCompleteUrl"].startswith(cloud.server_url)


def test_metadata_endpoints(cloud: JIRA) -> None:
    keys = [p.key for p in cloud.projects()]
    kt = cloud.project("KT")

    assert {"KT", "PROJ", "DP", "SCRUM1"} <= set(keys)
    assert [t.name for t in kt.issueTypes] == ["Task", "Sub-task", "Story", "Bug", "Epic"]
    assert [p.name for p in cloud.priorities()] == ["Highest", "High", "Medium", "Low", "Lowest"]
    fields = {f["id"]: f for f in cloud.fields()}
    assert fields["customfield_10011"]["custom"] is True
    assert fields["summary"]["custom"] is False


def test_cloud_user_search(cloud: JIRA) -> None:
    found = cloud.search_users(query="alice@example.com")
    assignable = cloud.search_assignable_users_for_issues(query="bob", project="PROJ")

    assert [u.displayName for u in found] == ["Alice Example"]
    assert found[0].accountId.startswith("712020:")
    assert [u.displayName for u in assignable] == ["Bob Builder"]


def test_transition_to_done(fake_jira: FakeJira, cloud: JIRA) -> None:
    fake_jira.create_issue("PROJ", "Ship it")

    cloud.transition_issue("PROJ-1", "Done")

    assert cloud.issue("PROJ-1").fields.status.name == "Done"


def test_wrong_credentials_are_401(fake_jira: FakeJira) -> None:
    with pytest.raises(JIRAError) as raised:
        JIRA(server=fake_jira.url, basic_auth=(fake_jira.email, "wrong-token"))
    assert raised.value.status_code == 401

    with pytest.raises(JIRAError) as raised:  # Cloud API tokens are not bearer tokens
        JIRA(server=fake_jira.url, token_auth=fake_jira.api_token).myself()
    assert raised.value.status_code == 401


def test_rate_limit_is_retried_after_retry_after(fake_jira: FakeJira, cloud: JIRA) -> None:
    fake_jira.create_issue("PROJ", "Busy")
    fake_jira.fail("/rest/api/2/issue/PROJ-1", status=429, retry_after=0)

    assert cloud.issue("PROJ-1").fields.summary == "Busy"
    first, second = fake_jira.calls("/rest/api/2/issue/PROJ-1")
    assert second.received_at - first.received_at >= 0.9


# --- Server / Data Center ----------------------------------------------------------------


def test_server_with_personal_access_token(fake_jira_server: FakeJira, server: JIRA) -> None:
    assert server.server_info()["deploymentType"] == "Server"
    assert fake_jira_server.last_call("*/serverInfo").header("Authorization") == "Bearer jira-pat"
    assert server.myself()["name"] == "connect-bot"

    issue = server.create_issue(project="HEY", issuetype={"name": "Task"}, summary="From Slack")
    assert issue.key == "HEY-1"
    assert issue.fields.reporter.name == "connect-bot"


def test_server_new_createmeta_endpoints(server: JIRA) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        types = server.createmeta_issuetypes("HEY")
        fields = server.createmeta_fieldtypes("HEY", "10001")

    assert [t["name"] for t in types["values"]] == ["Task", "Sub-task", "Story", "Bug", "Epic"]
    required = {f["fieldId"] for f in fields["values"] if f["required"]}
    assert required == {"issuetype", "project", "reporter", "summary"}
    assert [f.name for f in server.project_issue_fields("HEY", "10001")][:2] == [
        "Assignee",
        "Component/s",
    ]
    with pytest.raises(JIRAError, match="Unsupported JIRA version"):
        server.createmeta(projectKeys="HEY")  # removed in Jira 9


def test_server_user_search_by_username(server: JIRA) -> None:
    found = server.search_users(user="alice")

    assert [(u.name, u.emailAddress) for u in found] == [("alice", "alice@example.com")]
    server.create_issue(project="HEY", issuetype={"name": "Task"}, summary="Assign me")
    server.assign_issue("HEY-1", "alice")
    assignee = server.issue("HEY-1").fields.assignee
    assert assignee is not None
    assert assignee.name == "alice"


def test_server_has_no_api_v3(fake_jira_server: FakeJira) -> None:
    import requests

    answer = requests.get(
        fake_jira_server.url + "/rest/api/3/myself",
        headers={"Authorization": f"Bearer {fake_jira_server.pat}"},
        timeout=5,
    )
    assert answer.status_code == 404


def test_permission_search_names_who_holds_a_permission(fake_jira: FakeJira, cloud: JIRA) -> None:
    fake_jira.create_issue("PROJ", "Guarded")
    alice = fake_jira.user_by_email("alice@example.com")
    assert alice is not None
    params = {"permissions": "TRANSITION_ISSUES", "issueKey": "PROJ-1"}
    found = cloud._get_json("user/permission/search", {**params, "accountId": alice.account_id})
    assert [u["accountId"] for u in found] == [alice.account_id]
    fake_jira.deny(alice, "TRANSITION_ISSUES")
    assert (
        cloud._get_json("user/permission/search", {**params, "accountId": alice.account_id}) == []
    )
    with pytest.raises(JIRAError, match="not supported in GDPR strict mode"):
        cloud._get_json("user/permission/search", {**params, "username": "alice"})
    with pytest.raises(JIRAError, match="permissions query parameter"):
        cloud._get_json("user/permission/search", {"issueKey": "PROJ-1", "query": "alice"})


def test_transitions_leave_out_the_current_status_and_check_their_screen(
    fake_jira: FakeJira, cloud: JIRA
) -> None:
    fake_jira.create_issue("PROJ", "Screened")
    fake_jira.transition_screen("Done", "resolution", "Resolution", ["Fixed"])
    answer = cloud._get_json("issue/PROJ-1/transitions", {"expand": "transitions.fields"})
    offered = {t["name"]: t for t in answer["transitions"]}
    assert sorted(offered) == ["Done", "In Progress"]
    assert offered["Done"]["hasScreen"] is True
    assert offered["Done"]["fields"]["resolution"]["required"] is True
    with pytest.raises(JIRAError, match="Resolution is required"):
        cloud.transition_issue("PROJ-1", "31")
    cloud.transition_issue("PROJ-1", "31", fields={"resolution": {"name": "Fixed"}})
    assert fake_jira.issue("PROJ-1").status == "Done"
    assert cloud.issue("PROJ-1").raw["fields"]["resolution"]["name"] == "Fixed"


def test_jql_search_cloud_and_server(
    fake_jira: FakeJira, cloud: JIRA, fake_jira_server: FakeJira, server: JIRA
) -> None:
    alice = fake_jira.user_by_email("alice@example.com")
    assert alice is not None
    fake_jira.create_issue("PROJ", "Mine", assignee={"accountId": alice.account_id})
    fake_jira.create_issue("PROJ", "Not mine")
    jql = f'assignee = "{alice.account_id}" AND statusCategory != Done ORDER BY updated DESC'
    found = cloud.enhanced_search_issues(jql, maxResults=20, fields="summary", json_result=True)
    assert isinstance(found, dict)
    assert [i["key"] for i in found["issues"]] == ["PROJ-1"]
    assert found["isLast"] is True
    with pytest.raises(JIRAError) as removed:  # Cloud's old search is gone
        cloud._get_json("search", params={"jql": jql})
    assert removed.value.status_code == 410
    with pytest.raises(JIRAError) as unreadable:
        cloud.enhanced_search_issues("assignee in membersOf(x)", json_result=True)
    assert unreadable.value.status_code == 400
    assert error_body(unreadable.value)["errorMessages"][0].startswith("Error in the JQL Query")

    fake_jira_server.create_issue("PROJ", "Reported", reporter={"name": "alice"})
    served = server.search_issues(
        'reporter = "alice" AND resolution = Unresolved', json_result=True
    )
    assert isinstance(served, dict)
    assert ([i["key"] for i in served["issues"]], served["total"]) == (["PROJ-1"], 1)
