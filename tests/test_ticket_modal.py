"""The create-issue modal over signed HTTP: options, project → type updates, fields from
createmeta, inline validation errors, and what the submitted issue looks like in Jira."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from playground.fakes.jira import FakeJira
from playground.fakes.slack import FakeSlack
from storage.domain import MappingType, Status
from tests.support.live import LiveApp
from tests.support.slack import (
    TicketEnv,
    initial_state,
    merge_state,
    metadata,
    modal_values,
    option,
    settle,
    start_ticket_env,
    wait_for,
)

MakeEnv = Callable[..., TicketEnv]


@pytest.fixture
def env(
    make_live_app: Callable[..., LiveApp],
    sqlite_url: str,
    fake_slack: FakeSlack,
    fake_jira: FakeJira,
) -> TicketEnv:
    return start_ticket_env(make_live_app, sqlite_url, fake_slack, fake_jira)


def open_modal(env: TicketEnv, text: str = "") -> dict[str, Any]:
    """`/ticket` in a channel without a default project: the modal, before any Jira call."""
    env.send.command(text)
    return wait_for(lambda: env.slack.views_opened and env.slack.views_opened[-1])


def updates(env: TicketEnv) -> list[dict[str, Any]]:
    return [c.view for c in env.slack.view_calls if c.method == "views.update"]


def choose_project(env: TicketEnv, view: dict[str, Any], project: str) -> dict[str, Any]:
    """Pick a project in the open modal; returns the view once Slack has the update."""
    before = len(updates(env))
    current = env.slack.views[view["id"]]
    response = env.send.action(
        current,
        {
            "type": "external_select",
            "action_id": "project",
            "block_id": "project",
            "selected_option": option(project, project),
        },
        values=merge_state(initial_state(current), modal_values(project=project)),
    )
    assert response.status_code == 200
    wait_for(lambda: len(updates(env)) > before, what="views.update")
    return env.slack.views[view["id"]]


def choose_type(
    env: TicketEnv, view: dict[str, Any], project: str, type_name: str
) -> dict[str, Any]:
    current = env.slack.views[view["id"]]
    type_id = type_ids(current)[type_name]
    before = len(updates(env))
    env.send.action(
        current,
        {
            "type": "static_select",
            "action_id": "issue_type",
            "block_id": f"issue_type:{project}",
            "selected_option": option(type_id, type_name),
        },
        values=merge_state(
            initial_state(current), modal_values(project=project, issue_type=(project, type_id))
        ),
    )
    wait_for(lambda: len(updates(env)) > before, what="views.update")
    return env.slack.views[view["id"]]


def type_ids(view: dict[str, Any]) -> dict[str, str]:
    block = next(b for b in view["blocks"] if str(b.get("block_id", "")).startswith("issue_type:"))
    return {o["text"]["text"]: o["value"] for o in block["element"]["options"]}


def block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def submit(env: TicketEnv, view: dict[str, Any], **values: Any) -> dict[str, Any] | None:
    response = env.send.submit(view["id"], modal_values(**values))
    assert response.status_code == 200
    return response.json() if response.text else None


# --- options and updates ------------------------------------------------------------------


def test_project_options_come_from_jira_filtered_by_what_was_typed(env: TicketEnv) -> None:
    view = open_modal(env)
    everything = env.send.suggest(view, "project", "project", "").json()["options"]
    assert {o["value"] for o in everything} >= {"KT", "DP", "PROJ"}
    typed = env.send.suggest(view, "project", "project", "koch").json()["options"]
    assert typed == [{"text": {"type": "plain_text", "text": "Koch Testing (KT)"}, "value": "KT"}]


def test_project_options_when_jira_is_down_say_so(env: TicketEnv) -> None:
    view = open_modal(env)
    env.jira.fail("*", status=503, times=None)
    options = env.send.suggest(view, "project", "project", "").json()["options"]
    assert [o["value"] for o in options] == ["!unavailable"]
    assert options[0]["text"]["text"].startswith("Jira is not answering")


def test_choosing_a_project_loads_its_issue_types_and_fields(env: TicketEnv) -> None:
    view = choose_project(env, open_modal(env, "Summary kept"), "KT")
    assert list(type_ids(view)) == ["Task", "Sub-task", "Story", "Bug", "Epic"]
    assert block(view, "issue_type:KT")["element"]["initial_option"]["text"]["text"] == "Task"
    assert block(view, "summary")["element"]["initial_value"] == "Summary kept"
    # KT's create screen requires a description (the real Cloud createmeta says so).
    assert block(view, "description")["optional"] is False
    assert metadata(view)["project"] == "KT"


def test_changing_the_project_updates_the_issue_types(env: TicketEnv) -> None:
    view = open_modal(env)
    choose_project(env, view, "KT")
    view = choose_project(env, view, "PROJ")
    assert list(type_ids(view)) == ["Task", "Bug", "Story"]
    assert not any(b.get("block_id") == "issue_type:KT" for b in view["blocks"])


def pick_project(env: TicketEnv, view: dict[str, Any], project: str) -> None:
    """The user picks `project` on `view` as they see it (its hash), without waiting."""
    env.send.action(
        view,
        {
            "type": "external_select",
            "action_id": "project",
            "block_id": "project",
            "selected_option": option(project, project),
        },
        values=merge_state(initial_state(view), modal_values(project=project)),
    )


def view_updates(env: TicketEnv) -> int:
    """`views.update` calls Slack received, applied or refused (`hash_conflict`)."""
    return len([r for r in env.slack.requests if r.api_method == "views.update"])


def test_a_project_change_during_the_initial_load_is_not_lost(
    make_live_app: Callable[..., LiveApp],
    sqlite_url: str,
    fake_slack: FakeSlack,
    fake_jira: FakeJira,
) -> None:
    env = start_ticket_env(
        make_live_app, sqlite_url, fake_slack, fake_jira, jira_default_project="PROJ"
    )
    env.jira.delay("*/createmeta/PROJ/issuetypes", 1.0)
    env.jira.delay("*/createmeta/KT/issuetypes", 1.6)
    env.send.command("")
    opened = wait_for(lambda: env.slack.views_opened and env.slack.views_opened[-1])
    pick_project(env, opened, "KT")  # at once, on the view as opened
    wait_for(lambda: view_updates(env) >= 2, timeout=5, what="the fill and the KT refresh")
    view = env.slack.views[opened["id"]]
    assert metadata(view)["project"] == "KT"
    assert list(type_ids(view)) == ["Task", "Sub-task", "Story", "Bug", "Epic"]


def test_an_older_project_change_never_overwrites_a_newer_one(
    env: TicketEnv, caplog: pytest.LogCaptureFixture
) -> None:
    """User changes carry no view hash (see above): the latest action wins instead."""
    caplog.set_level(logging.INFO, logger="bot.views.modal_service")
    view = open_modal(env)
    env.jira.delay("*/createmeta/KT/issuetypes", 1.0)
    pick_project(env, view, "KT")  # slow
    pick_project(env, view, "PROJ")  # fast, and later
    wait_for(
        lambda: (
            (u := updates(env))
            and any(b.get("block_id") == "issue_type:PROJ" for b in u[-1]["blocks"])
        ),
        what="PROJ's types",
    )
    wait_for(
        lambda: [r for r in caplog.records if "reason=newer_action" in r.getMessage()],
        what="KT's refresh dropped",
    )
    current = env.slack.views[view["id"]]
    assert metadata(current)["project"] == "PROJ"
    assert view_updates(env) == 1


def test_choosing_an_issue_type_renders_its_required_fields(env: TicketEnv) -> None:
    view = open_modal(env)
    choose_project(env, view, "KT")
    view = choose_type(env, view, "KT", "Epic")
    epic_name = block(view, "field:customfield_10011")
    assert epic_name["label"]["text"] == "Epic Name"
    assert epic_name["element"]["type"] == "plain_text_input"
    assert metadata(view)["fields"] == {"customfield_10011": "text"}


def test_a_required_field_the_form_cannot_fill_is_named(env: TicketEnv) -> None:
    env.jira.add_project("CAS", "Cascading")
    env.jira.set_required("CAS", "duedate")  # a date: rendered
    for it in env.jira.projects["CAS"].issue_types:
        it.fields["customfield_10074"] = {
            "required": True,
            "schema": {"type": "option-with-child", "custom": "x:cascadingselect"},
            "name": "Region / City",
            "hasDefaultValue": False,
            "operations": ["set"],
        }
    view = choose_project(env, open_modal(env), "CAS")
    assert block(view, "field:duedate")["element"]["type"] == "datepicker"
    warning = next(b for b in view["blocks"] if b["type"] == "section")
    assert warning["text"]["text"] == (
        ":no_entry: Jira requires *Region / City* for Task in CAS, which this form cannot "
        "fill in. Choose another issue type, or create this one in Jira."
    )
    type_id = type_ids(view)["Task"]
    answer = submit(
        env,
        view,
        project="CAS",
        issue_type=("CAS", type_id),
        summary="Blocked",
        fields={"duedate": {"type": "datepicker", "selected_date": "2025-01-31"}},
    )
    assert answer == {
        "response_action": "errors",
        "errors": {
            "issue_type:CAS": "Jira requires Region / City, which this form cannot fill in."
        },
    }
    assert env.jira.issues == {}


# --- validation ---------------------------------------------------------------------------


def test_blank_summary_is_an_inline_error(env: TicketEnv) -> None:
    view = choose_project(env, open_modal(env), "PROJ")
    answer = submit(
        env, view, project="PROJ", issue_type=("PROJ", type_ids(view)["Task"]), summary="   "
    )
    assert answer == {"response_action": "errors", "errors": {"summary": "Enter a summary."}}
    assert env.integrations() == []


def test_summary_over_255_characters_is_an_inline_error(env: TicketEnv) -> None:
    view = choose_project(env, open_modal(env), "PROJ")
    answer = submit(
        env, view, project="PROJ", issue_type=("PROJ", type_ids(view)["Task"]), summary="x" * 256
    )
    assert answer == {
        "response_action": "errors",
        "errors": {"summary": "Keep the summary to 255 characters (it has 256)."},
    }


def test_missing_project_is_an_inline_error(env: TicketEnv) -> None:
    view = open_modal(env)
    assert submit(env, view, summary="No project") == {
        "response_action": "errors",
        "errors": {"project": "Choose a project."},
    }


def test_submitting_before_the_types_loaded_asks_to_wait(env: TicketEnv) -> None:
    view = open_modal(env)
    answer = submit(env, view, project="KT", summary="Too quick")
    assert answer == {
        "response_action": "errors",
        "errors": {"project": "Loading the issue types of KT from Jira… try again in a moment."},
    }


def test_a_required_custom_field_left_empty_is_an_inline_error(env: TicketEnv) -> None:
    view = open_modal(env)
    choose_project(env, view, "KT")
    view = choose_type(env, view, "KT", "Epic")
    answer = submit(
        env,
        view,
        project="KT",
        issue_type=("KT", type_ids(view)["Epic"]),
        summary="Big thing",
        description="Why",
        fields={"customfield_10011": {"type": "plain_text_input", "value": " "}},
    )
    assert answer == {
        "response_action": "errors",
        "errors": {"field:customfield_10011": "Jira requires Epic Name."},
    }


# --- what gets created --------------------------------------------------------------------


def test_submission_creates_the_issue_with_every_field(env: TicketEnv) -> None:
    view = open_modal(env)
    choose_project(env, view, "KT")
    view = choose_type(env, view, "KT", "Epic")
    assert (
        submit(
            env,
            view,
            project="KT",
            issue_type=("KT", type_ids(view)["Epic"]),
            summary="Checkout rewrite",
            description="Steps:\n• pay\n• <ship> & *done*",
            priority="2",
            labels="checkout, payments  q3",
            assignee="U0BOB",
            fields={"customfield_10011": {"type": "plain_text_input", "value": "Checkout"}},
        )
        is None
    )  # an empty 200 closes the modal
    issue = wait_for(lambda: env.jira.issues.get("KT-1"), what="KT-1")
    bob = env.jira.user_by_email("bob@example.com")
    assert bob is not None
    assert issue.issue_type.name == "Epic"
    assert issue.fields["summary"] == "Checkout rewrite"
    assert issue.fields["description"] == (
        "Steps:\n\n* pay\n* <ship> & *done*\n\nReported from Slack by alice."
    )
    assert issue.fields["priority"] == {"id": "2"}
    assert issue.fields["labels"] == ["checkout", "payments", "q3"]
    assert issue.fields["assignee"] == {"accountId": bob.account_id}
    assert issue.fields["customfield_10011"] == "Checkout"
    card = wait_for(lambda: env.slack.posted)[0]
    assert card.text == "<@U0ALICE> created KT-1: Checkout rewrite"
    assert card.blocks is not None
    assert card.blocks[0]["text"]["text"].endswith("*Type:* Epic · *Status:* To Do")
    [logged] = wait_for(lambda: [i for i in env.integrations() if i.status is Status.COMPLETED])
    assert logged.delivery_key == f"view:{view['id']}"


def test_assignee_without_a_jira_account_is_left_out_and_said(env: TicketEnv) -> None:
    env.slack.add_user("U0CAROL", "carol", real_name="Carol", email="carol@elsewhere.example")
    view = choose_project(env, open_modal(env), "PROJ")
    submit(
        env,
        view,
        project="PROJ",
        issue_type=("PROJ", type_ids(view)["Task"]),
        summary="Unassigned",
        assignee="U0CAROL",
    )
    issue = wait_for(lambda: env.jira.issues.get("PROJ-1"))
    assert issue.fields.get("assignee") is None
    card = wait_for(lambda: env.slack.posted)[0]
    assert card.blocks is not None
    assert card.blocks[1]["elements"][0]["text"] == (
        "Created from Slack by <@U0ALICE> · <@U0CAROL> has no Jira account I can find, "
        "so the issue is unassigned"
    )


def test_on_server_the_reporter_is_the_slack_users_jira_account(
    make_live_app: Callable[..., LiveApp],
    sqlite_url: str,
    fake_slack: FakeSlack,
    fake_jira_server: FakeJira,
) -> None:
    env = start_ticket_env(make_live_app, sqlite_url, fake_slack, fake_jira_server)
    view = choose_project(env, open_modal(env), "PROJ")
    assert metadata(view)["reporter_field"] is True
    submit(
        env,
        view,
        project="PROJ",
        issue_type=("PROJ", type_ids(view)["Task"]),
        summary="Reported by Alice",
        description="From the *server*",
    )
    issue = wait_for(lambda: fake_jira_server.issues.get("PROJ-1"))
    assert issue.fields["reporter"] == {"name": "alice"}
    assert issue.fields["description"] == "From the *server*"
    auth = fake_jira_server.last_call("POST /rest/api/2/issue").header("Authorization")
    assert auth == f"Bearer {fake_jira_server.pat}"


def test_double_submission_creates_one_issue(env: TicketEnv) -> None:
    view = choose_project(env, open_modal(env), "PROJ")
    values = {"project": "PROJ", "issue_type": ("PROJ", type_ids(view)["Task"]), "summary": "Once"}
    submit(env, view, **values)
    submit(env, view, **values)
    wait_for(lambda: env.jira.issues.get("PROJ-1"))
    settle(lambda: env.jira.issues.get("PROJ-2"))
    assert len(env.integrations()) == 1
    assert len(env.mappings(MappingType.ISSUE_THREAD)) == 1
