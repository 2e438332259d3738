"""The Workflow Builder step `create_jira_issue`: a team's intake form workflow files issues.

Inputs `project`, `summary`, `description` (optional), `issue_type` (optional: a type name
or id; the project's default type otherwise) and `reporter` (optional: a Slack user, whose
Jira account reports the issue where Jira lets us set it); outputs `issue_key` and
`issue_url`. The issue is created by the same `TicketService` as `/ticket`, as the same
audit event (`slack:create_issue`, origin `workflow`); no card is posted, the workflow's next
steps use the outputs.

Success calls `functions.completeSuccess`; every failure calls `functions.completeError` with
a sentence a workflow builder can act on: an unknown project or type, a field Jira requires
that the step cannot fill, Jira not answering after the retries the step can afford.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, BoltContext, Complete, Fail

from bot.errors import lazy_guard
from integrations.jira_api import (
    FieldInfo,
    IssueTypeInfo,
    JiraError,
    JiraNotFound,
    JiraUnavailable,
)
from integrations.tickets.models import SUMMARY_MAX, TicketRequest
from integrations.tickets.service import default_issue_type

if TYPE_CHECKING:
    from bot.services import BotServices

log = logging.getLogger(__name__)

CALLBACK_ID = "create_jira_issue"
RETRY_DELAYS = (1.0, 3.0)
"""Waits before the second and third try when Jira does not answer (the step may take a
while, but a workflow should not hang on an outage)."""
FILLED = frozenset({"project", "issuetype", "summary", "description", "reporter"})
"""Create-screen fields the step fills in (or Jira does: the reporter)."""


class StepFailed(Exception):
    """The step cannot create the issue; `str()` is the message for the workflow builder."""


@dataclass(frozen=True, slots=True)
class StepInputs:
    project: str
    summary: str
    description: str = ""
    issue_type: str = ""
    reporter: str | None = None

    @classmethod
    def read(cls, inputs: Mapping[str, Any]) -> StepInputs:
        def text(name: str) -> str:
            value = inputs.get(name)
            return value.strip() if isinstance(value, str) else ""

        project, summary = text("project").upper(), " ".join(text("summary").split())
        if not project:
            raise StepFailed("Give the Jira project key (such as PROJ) in the Project input.")
        if not summary:
            raise StepFailed("The Summary input is empty: give the issue a one-line summary.")
        if len(summary) > SUMMARY_MAX:
            raise StepFailed(f"The summary is longer than Jira's {SUMMARY_MAX} characters.")
        reporter = text("reporter") or None
        return cls(project, summary, text("description"), text("issue_type"), reporter)


@dataclass(frozen=True, slots=True)
class Plan:
    """What Jira's create screen says about the project and type."""

    issue_type_id: str
    reporter_field: bool
    missing: tuple[str, ...] = field(default=())


class CreateIssueStep:
    def __init__(self, services: BotServices, *, sleep: Any = time.sleep) -> None:
        self._container = services.container
        self._sleep = sleep

    def run(self, raw: Mapping[str, Any], execution_id: str) -> dict[str, str]:
        """The step's outputs; raises `StepFailed`."""
        jira = self._container.jira
        if not jira.configured:
            raise StepFailed(
                "Connect is not connected to Jira yet: an admin must set JIRA_BASE_URL and "
                "JIRA_API_TOKEN."
            )
        inputs = StepInputs.read(raw)
        plan = self._with_retries(lambda: self._plan(inputs))
        if plan.missing:
            raise StepFailed(
                f"Jira requires {', '.join(plan.missing)} to create this issue in "
                f"{inputs.project}, which this step cannot fill in. Give the field a default "
                "value in Jira, or create the issue with /ticket."
            )
        request = TicketRequest(
            origin="workflow",
            user_id=inputs.reporter,
            channel_id=None,
            project=inputs.project,
            issue_type_id=plan.issue_type_id,
            summary=inputs.summary,
            description=inputs.description,
            reporter_field=plan.reporter_field,
            workflow_execution_id=execution_id,
        )
        return self._create(request, execution_id)

    def _create(self, request: TicketRequest, execution_id: str) -> dict[str, str]:
        tickets = self._container.tickets
        stored, claim = tickets.accept(request, delivery_key=f"function:{execution_id}")
        if claim is None:  # Slack delivered this execution twice: the first one answers
            raise _AlreadyRunning(stored.id)
        outcome = tickets.first_attempt(claim, request)
        if outcome.created is None:
            raise StepFailed(
                f"Jira did not create the issue in {request.project}: {outcome.error}. "
                f"Connect kept the request as integration #{outcome.integration_id}."
            )
        return {"issue_key": outcome.created.key, "issue_url": outcome.created.url}

    def _plan(self, inputs: StepInputs) -> Plan:
        jira = self._container.jira
        try:
            types = jira.issue_types(inputs.project)
        except JiraNotFound:
            raise StepFailed(
                f"Jira has no project {inputs.project} that Connect can create issues in."
            ) from None
        type_id = _chosen_type(types, inputs)
        if type_id is None:
            type_id = default_issue_type(jira, inputs.project)
        fields = jira.create_fields(inputs.project, type_id)
        missing = tuple(f.name for f in fields if f.needs_value and f.id not in FILLED)
        if _needs(fields, "description") and not inputs.description:
            missing = ("Description", *missing)
        reporter = any(f.id == "reporter" for f in fields)
        return Plan(type_id, reporter, missing)

    def _with_retries(self, load: Any) -> Plan:
        for delay in (*RETRY_DELAYS, None):
            try:
                return load()
            except JiraUnavailable as error:
                if delay is None:
                    raise StepFailed(
                        f"Jira is not answering ({error}). Run the workflow again later."
                    ) from None
                log.info("workflow_step.jira_retry in=%ss error=%s", delay, error)
                self._sleep(delay)
            except JiraError as error:
                raise StepFailed(f"Jira refused to show the project: {error}.") from None
        raise AssertionError("unreachable")


class _AlreadyRunning(Exception):
    """A repeated delivery of an execution this process is already answering."""


def _chosen_type(types: list[IssueTypeInfo], inputs: StepInputs) -> str | None:
    """The type the workflow named (by name, any case, or id); None: the project's default."""
    if not inputs.issue_type:
        return None
    wanted = inputs.issue_type.lower()
    for issue_type in types:
        if wanted in (issue_type.name.lower(), issue_type.id):
            return issue_type.id
    names = ", ".join(t.name for t in types if not t.subtask)
    raise StepFailed(
        f"{inputs.project} has no issue type “{inputs.issue_type}”. Its types are: {names}."
    )


def _needs(fields: list[FieldInfo], field_id: str) -> bool:
    return any(f.id == field_id and f.needs_value for f in fields)


def register(app: App, services: BotServices) -> None:
    step = CreateIssueStep(services)

    def ack_step(ack: Ack) -> None:
        ack()

    @lazy_guard
    def run_step(
        inputs: dict[str, Any], complete: Complete, fail: Fail, context: BoltContext
    ) -> None:
        execution_id = str(context.function_execution_id or "")
        try:
            outputs = step.run(inputs, execution_id)
        except _AlreadyRunning as running:
            log.info("workflow_step.duplicate execution=%s integration=%s", execution_id, running)
            return
        except StepFailed as failed:
            log.info("workflow_step.failed execution=%s reason=%s", execution_id, failed)
            fail(error=str(failed))
            return
        except Exception:  # the workflow must hear back, or it waits for ever
            fail(error="Connect could not create the issue (an internal error, in its log).")
            raise
        log.info("workflow_step.completed execution=%s key=%s", execution_id, outputs["issue_key"])
        complete(outputs=outputs)

    app.function(CALLBACK_ID, auto_acknowledge=False)(ack=ack_step, lazy=[run_step])
