"""The Workflow Builder step `create_jira_issue` over signed `function_executed` events: the
outputs on success, and `functions.completeError` with a message a workflow builder can act
on for every failure — with the same creation path and audit event as `/ticket`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from playground.fakes.slack_models import FunctionRun
from storage.domain import Status
from tests.support.slack import TicketEnv, settle, wait_for

MakeEnv = Callable[..., TicketEnv]


@pytest.fixture
def env(make_ticket_env: Callable[..., TicketEnv], monkeypatch: pytest.MonkeyPatch) -> TicketEnv:
    monkeypatch.setattr("bot.functions.create_issue.RETRY_DELAYS", (0.05, 0.05))
    return make_ticket_env()


def run_step(env: TicketEnv, **inputs: Any) -> FunctionRun:
    payload, execution_id = env.slack.function_executed_payload("create_jira_issue", inputs)
    assert env.send.event(payload).status_code == 200
    return wait_for(
        lambda: (run := env.slack.function_runs[execution_id]).done and run,
        what="functions.completeSuccess or completeError",
    )


def test_the_step_creates_the_issue_and_gives_its_key_and_link(env: TicketEnv) -> None:
    done = run_step(
        env,
        project="proj",
        summary="New laptop for Grace",
        description="Needs *16 GB*",
        reporter="U0ALICE",
    )
    assert done.error is None
    assert done.outputs == {"issue_key": "PROJ-1", "issue_url": f"{env.jira.url}/browse/PROJ-1"}
    issue = env.jira.issues["PROJ-1"]
    assert issue.summary == "New laptop for Grace"
    assert issue.issue_type.name == "Task"
    assert issue.fields["description"] == "Needs *16 GB*\n\nReported from Slack by alice."
    [logged] = env.integrations()
    assert (logged.event_type, logged.status, logged.target_id) == (
        "slack:create_issue",
        Status.COMPLETED,
        "PROJ-1",
    )
    assert logged.payload["request"]["origin"] == "workflow"
    assert logged.source_id == f"workflow:{done.execution_id}"
    assert env.slack.posted == []  # the workflow's next steps use the outputs


def test_a_named_issue_type_and_no_reporter(env: TicketEnv) -> None:
    done = run_step(env, project="PROJ", summary="Crash on start", issue_type="bug")
    assert done.outputs is not None
    issue = env.jira.issues[done.outputs["issue_key"]]
    assert issue.issue_type.name == "Bug"
    assert issue.fields["description"] == "Reported from Slack by a Slack workflow."


def test_slack_delivering_the_run_twice_creates_one_issue(env: TicketEnv) -> None:
    payload, execution_id = env.slack.function_executed_payload(
        "create_jira_issue", {"project": "PROJ", "summary": "Once"}
    )
    assert env.send.event(payload).status_code == 200
    wait_for(lambda: env.slack.function_runs[execution_id].done)
    assert env.send.event(payload, retry_num=1).status_code == 200
    settle(lambda: len(env.jira.issues) > 1)
    assert len(env.integrations()) == 1


FAILURES = {
    "no project": (
        {"summary": "No project"},
        "Give the Jira project key (such as PROJ) in the Project input.",
    ),
    "empty summary": (
        {"project": "PROJ", "summary": "  "},
        "The Summary input is empty: give the issue a one-line summary.",
    ),
    "unknown project": (
        {"project": "NOPE", "summary": "x"},
        "Jira has no project NOPE that Connect can create issues in.",
    ),
    "unknown type": (
        {"project": "PROJ", "summary": "x", "issue_type": "Saga"},
        "PROJ has no issue type “Saga”. Its types are: Task, Bug, Story.",
    ),
    "long summary": (
        {"project": "PROJ", "summary": "x" * 256},
        "The summary is longer than Jira's 255 characters.",
    ),
}


@pytest.mark.parametrize(("inputs", "error"), FAILURES.values(), ids=FAILURES.keys())
def test_what_the_step_cannot_do_is_said_to_the_workflow(
    env: TicketEnv, inputs: dict[str, Any], error: str
) -> None:
    done = run_step(env, **inputs)
    assert (done.outputs, done.error) == (None, error)
    assert env.jira.issues == {}


def test_a_field_jira_requires_that_the_step_cannot_fill(env: TicketEnv) -> None:
    env.jira.set_required("PROJ", "duedate")
    done = run_step(env, project="PROJ", summary="Needs a date")
    assert done.error is not None
    assert done.error.startswith("Jira requires Due date to create this issue in PROJ")
    assert done.error.endswith("or create the issue with /ticket.")


def test_jira_down_ends_the_step_with_an_error_after_retries(env: TicketEnv) -> None:
    env.jira.fail("GET /rest/api/2/issue/createmeta/PROJ/issuetypes", status=503, times=None)
    done = run_step(env, project="PROJ", summary="While Jira sleeps")
    assert done.error == (
        "Jira is not answering (Jira failed (503): Service Unavailable). "
        "Run the workflow again later."
    )
    calls = env.jira.calls("GET /rest/api/2/issue/createmeta/PROJ/issuetypes")
    assert len(calls) == 3


def test_jira_refusing_the_issue_is_said_and_the_request_kept(env: TicketEnv) -> None:
    env.jira.fail("POST /rest/api/2/issue", status=503, times=None)
    done = run_step(env, project="PROJ", summary="Refused")
    [failed] = env.integrations()
    assert failed.status is Status.FAILED
    assert done.error == (
        "Jira did not create the issue in PROJ: Jira failed (503): Service Unavailable. "
        f"Connect kept the request as integration #{failed.id}."
    )
