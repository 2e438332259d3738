"""The create-issue modal's listeners: project options, project/type changes, submission."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from slack_bolt import Ack, App, BoltContext

from bot.errors import lazy_guard
from bot.payloads import BlockAction, BlockSuggestion, InvalidPayload, ModalAction, ModalView, read
from bot.views.ticket_modal import (
    CALLBACK_ID,
    ISSUE_TYPE,
    PROJECT,
    UNAVAILABLE,
    ModalContext,
    current_values,
    read_submission,
)
from integrations.tickets.models import TicketRequest

if TYPE_CHECKING:
    from bot.services import BotServices
    from bot.views.modal_service import ModalService
    from integrations.tickets.service import TicketService

_arrivals = itertools.count()
"""Order of the acks of modal changes: ties on Slack's `action_ts` go to the later one."""


def action_order(action: BlockAction, context: BoltContext) -> tuple[float, int]:
    """When the user made this change (`ModalService.refresh`'s `action`)."""
    try:
        ts = float(action.action_ts or 0.0)
    except ValueError:
        ts = 0.0
    return ts, int(context.get("modal_action_seq") or 0)


def modal_context(view: ModalView) -> ModalContext:
    """The modal's state (`private_metadata`), which the app wrote into the view."""
    try:
        return ModalContext.load(view.private_metadata)
    except ValidationError:
        raise InvalidPayload("ModalView", ["private_metadata"]) from None


def selected_value(action: BlockAction) -> str | None:
    return action.selected_option.value if action.selected_option else None


def register(app: App, services: BotServices) -> None:
    _register_changes(app, services.modal)
    _register_submission(app, services.modal, services.container.tickets)


def _register_changes(app: App, modal: ModalService) -> None:
    """The project search, and the project and issue type choices that rebuild the form."""

    def project_options(ack: Ack, body: dict[str, Any]) -> None:
        ack(options=modal.project_options(read(BlockSuggestion, body).value))

    def ack_change(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext
    ) -> None:
        modal_context(read(ModalAction, body).view)  # a 400 now, not a failure when lazy
        read(BlockAction, action)
        context["modal_action_seq"] = next(_arrivals)
        ack()

    @lazy_guard
    def project_changed(body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
        view, chosen = body["view"], read(BlockAction, action)
        project = selected_value(chosen) or None
        if project == UNAVAILABLE:
            project = None
        changed = modal_context(read(ModalView, view)).model_copy(
            update={"project": project, "issue_type_id": None, "load_error": None}
        )
        modal.refresh(view, changed, current_values(view), action=action_order(chosen, context))

    @lazy_guard
    def issue_type_changed(
        body: dict[str, Any], action: dict[str, Any], context: BoltContext
    ) -> None:
        view, chosen = body["view"], read(BlockAction, action)
        ctx = modal_context(read(ModalView, view))
        modal.refresh(
            view,
            ctx.model_copy(update={"issue_type_id": selected_value(chosen)}),
            current_values(view),
            action=action_order(chosen, context),
        )

    app.options(PROJECT)(project_options)
    app.action(PROJECT)(ack=ack_change, lazy=[project_changed])
    app.action(ISSUE_TYPE)(ack=ack_change, lazy=[issue_type_changed])


def _register_submission(app: App, modal: ModalService, tickets: TicketService) -> None:
    """The submission: stored before the ack, created in Jira after it."""

    def ack_submission(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        submitted = read(ModalView, view)  # a view Slack never sends is refused here (400)
        ctx = modal.complete(submitted.id, modal_context(submitted))
        submission = read_submission(view, ctx)
        if submission.request is None:
            ack(response_action="errors", errors=submission.errors)
            return
        # Stored (and leased to this process) before Slack hears back: kept even if
        # Jira is down or this process dies before the issue is created.
        _, claim = tickets.accept(submission.request, delivery_key=f"view:{submitted.id}")
        context["ticket_claim"] = claim
        context["ticket_request"] = submission.request.model_dump(mode="json")
        context["ticket_response_url"] = ctx.response_url
        ack()

    @lazy_guard
    def create_issue(body: dict[str, Any], context: BoltContext) -> None:
        claim = context.get("ticket_claim")
        if claim is None:
            return  # invalid input, or a duplicate submission
        request = TicketRequest.model_validate(context["ticket_request"])
        tickets.first_attempt(claim, request, response_url=context.get("ticket_response_url"))

    app.view(CALLBACK_ID)(ack=ack_submission, lazy=[create_issue])
