"""`TicketService`: create a Jira issue for a Slack user, link it to a Slack thread, say so.

Every request is an `IntegrationLog` row (slack → jira, `slack:create_issue`) with the
complete `TicketRequest` as its payload. The row is written *before* Slack gets its ack,
already leased to this process with its first attempt running (`accept`), so no worker
races the listener, and if the process dies mid-attempt the lease expires and a worker
replays it. The listener's lazy thread then makes the attempt (`first_attempt`):

- Jira fails or times out → the row is `failed` with the error, the user is told what
  failed and that the request is kept; `POST /api/v1/integrations/<id>/retry` replays it
  through the delivery handler (`integrations/tickets/delivery.py`), which calls `deliver`.
- the issue is created but Slack cannot be told → the key is stored on the row first
  (`set_target`), the row stays pending for a later retry, and a replay only announces.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from integrations.jira_api import CreatedIssue, JiraError, JiraGateway, JiraRejected, RichText
from integrations.messages import SlackMessage
from integrations.people import Directory
from integrations.slack.errors import SlackFailure, SlackRefused, SlackUnavailable
from integrations.slack.posts import card_hash
from integrations.slack.writer import SlackWriter
from integrations.slack_to_jira import mentioned_users
from integrations.tickets import formatting
from integrations.tickets.models import CREATE_ISSUE, TicketRequest
from integrations.tickets.transcript import Transcripts
from storage import Repositories
from storage.domain import Conflict, Integration, MappingType, NewIntegration, slack_ref
from storage.queue import Claim

log = logging.getLogger(__name__)

LEASE_SECONDS = 120.0
SLACK_RETRY_SECONDS = 30.0
DEFAULT_TYPES = ("Task", "Story", "Bug")


@dataclass(frozen=True, slots=True)
class Announced:
    created: CreatedIssue
    thread: str | None  # the Slack thread now linked to the issue


@dataclass(frozen=True, slots=True)
class Outcome:
    integration_id: int
    created: CreatedIssue | None = None
    error: str | None = None


class TicketService:
    def __init__(
        self,
        *,
        jira: JiraGateway,
        slack: SlackWriter,
        repos: Repositories,
        people: Directory,
        transcripts: Transcripts,
        worker_id: str,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        self._jira = jira
        self._slack = slack
        self._repos = repos
        self._people = people
        self._transcripts = transcripts
        self._worker_id = worker_id
        self._lease_seconds = lease_seconds

    # --- intake (at ack time) ---------------------------------------------------------------

    def accept(
        self, request: TicketRequest, *, delivery_key: str | None
    ) -> tuple[Integration, Claim | None]:
        """Store the request durably, leased to this process; `(stored, None)` for a duplicate."""
        return self._repos.queue.record_claimed(
            NewIntegration(
                source_service="slack",
                target_service="jira",
                event_type=CREATE_ISSUE,
                payload={"request": request.model_dump(mode="json")},
                source_id=request.source_ref,
                delivery_key=delivery_key,
            ),
            self._worker_id,
            lease_seconds=self._lease_seconds,
        )

    # --- the first attempt (in the listener's lazy thread) --------------------------------

    def first_attempt(
        self,
        claim: Claim,
        request: TicketRequest,
        *,
        response_url: str | None = None,
    ) -> Outcome:
        """Make the first attempt of an accepted request and end it on the row."""
        queue, worker = self._repos.queue, self._worker_id
        try:
            announced = self.deliver(request, claim.integration)
        except JiraError as error:
            queue.fail(claim, worker, error=str(error))
            log.warning(
                "ticket.create_failed integration=%s project=%s error=%s",
                claim.id,
                request.project,
                error,
            )
            if request.user_id is not None:  # a workflow reports its failure itself
                self._slack.tell_user(
                    request.user_id,
                    request.channel_id,
                    formatting.creation_failed(request, error, claim.id),
                    response_url=response_url,
                    thread_ts=request.thread_ts,
                )
            return Outcome(claim.id, error=str(error))
        except SlackUnavailable as error:
            queue.retry_later(
                claim,
                worker,
                error=f"issue created; announcing it failed: {error}",
                delay_seconds=SLACK_RETRY_SECONDS,
                outcome="retry",
            )
            log.warning("ticket.announce_failed integration=%s error=%s", claim.id, error)
            return Outcome(claim.id, error=str(error))
        queue.complete(claim, worker, target_id=announced.created.key)
        log.info(
            "ticket.created integration=%s key=%s origin=%s thread=%s",
            claim.id,
            announced.created.key,
            request.origin,
            announced.thread,
        )
        return Outcome(claim.id, created=announced.created)

    # --- delivery (first attempt and replays) ---------------------------------------------

    def deliver(self, request: TicketRequest, integration: Integration) -> Announced:
        """Create the issue unless this event already did, then announce it unless done.

        Raises `JiraError` when Jira fails, `SlackUnavailable` when the announcement must
        be retried later.
        """
        notes: tuple[str, ...] = ()
        if integration.target_id:
            created = self._jira.get_issue(integration.target_id)
        else:
            created, notes = self._create(request)
            self._repos.integrations.set_target(integration.id, created.key)
        return self._announce(request, created, integration.id, notes)

    def _issue_type(self, request: TicketRequest) -> str:
        if request.issue_type_id:
            return request.issue_type_id
        return default_issue_type(self._jira, request.project)

    def _create(self, request: TicketRequest) -> tuple[CreatedIssue, tuple[str, ...]]:
        directory = self._people
        notes: list[str] = []
        account = directory.jira_account(request.user_id) if request.user_id else None
        reporter_set = request.reporter_field and account is not None
        v3 = self._jira.rich_text_v3
        fields: dict[str, object] = {
            "project": {"key": request.project},
            "issuetype": {"id": self._issue_type(request)},
            "summary": request.summary,
        }
        if reporter_set and account is not None:
            fields["reporter"] = account.field_value()
        body = self._description(request, reporter_set=reporter_set, v3=v3)
        if body is not None:
            fields["description"] = body
        if request.priority_id:
            fields["priority"] = {"id": request.priority_id}
        if request.labels:
            fields["labels"] = list(request.labels)
        if request.assignee_user_id:
            assignee = directory.jira_account(request.assignee_user_id)
            if assignee is not None:
                fields["assignee"] = assignee.field_value()
            else:
                notes.append(
                    f"<@{request.assignee_user_id}> has no Jira account I can find, "
                    "so the issue is unassigned"
                )
        fields.update(request.custom_fields)
        for field_id, slack_user in request.user_fields.items():
            person = directory.jira_account(slack_user)
            if person is not None:
                fields[field_id] = person.field_value()
        for field_id, text in request.rich_fields.items():
            fields[field_id] = formatting.rich_text(text, v3=v3)
        return self._jira.create_issue(fields), tuple(notes)

    def _description(
        self, request: TicketRequest, *, reporter_set: bool, v3: bool
    ) -> RichText | None:
        """What the person wrote, the whole thread when they asked for it, where it came from
        and who reported it, for Jira."""
        directory = self._people
        text = request.description
        if request.include_thread and request.channel_id and request.thread_ts:
            skip = request.message_ts if request.origin == "mention" else None
            try:
                thread = self._transcripts.read(request.channel_id, request.thread_ts, skip=skip)
                transcript = thread.as_mrkdwn()
            except SlackFailure as error:  # the issue still gets made, pointing at the thread
                log.warning("ticket.thread_unreadable error=%s", error.code)
                transcript = f"_(The Slack thread could not be read: {error.code}.)_"
            text = "\n\n".join(part for part in (text.strip(), transcript) if part)
            request = request.model_copy(update={"description": text})
        if request.user_id:
            reporter = directory.slack_person(request.user_id).name
        else:
            reporter = "a Slack workflow"
        author = (
            directory.slack_person(request.message_author_id).name
            if request.message_author_id
            else None
        )
        return formatting.description(
            request,
            reporter_set=reporter_set,
            reporter_name=reporter,
            author_name=author,
            mentions=directory.mentions(mentioned_users(text)),
            v3=v3,
        )

    def _announce(
        self,
        request: TicketRequest,
        created: CreatedIssue,
        integration_id: int,
        notes: tuple[str, ...],
    ) -> Announced:
        mappings = self._repos.mappings
        for mapping in mappings.targets_of(MappingType.ISSUE_THREAD, "jira", created.key):
            if mapping.extra_data.get("integration_id") == integration_id:
                return Announced(created, mapping.target_id)  # a replay: already announced
        channel = request.channel_id
        if channel is None:
            return Announced(created, None)  # a workflow step: its outputs say it
        card = formatting.issue_card(created, request, notes)
        try:
            ts = self._slack.post(channel, card, thread_ts=request.thread_ts)
        except SlackRefused as error:
            # Not in that channel (or it is gone): tell the user directly, link nothing.
            log.info("ticket.announce_refused channel=%s error=%s", channel, error.code)
            if request.user_id is not None:
                self._dm(request.user_id, card)
            return Announced(created, None)
        thread = slack_ref(channel, request.thread_ts or ts)
        extra = {
            "origin": "slack",
            "integration_id": integration_id,
            "announcement_ts": ts,
            "card_hash": card_hash(card),  # a webhook edits the card only when it changed
        }
        try:
            mappings.link(MappingType.ISSUE_THREAD, "jira", created.key, "slack", thread, extra)
        except Conflict as conflict:
            # The thread already follows another issue: it keeps that link.
            log.info("ticket.thread_already_linked thread=%s detail=%s", thread, conflict)
            return Announced(created, None)
        return Announced(created, thread)

    def _dm(self, user_id: str, card: SlackMessage) -> None:
        try:
            self._slack.post(user_id, card)
        except SlackFailure as error:
            log.warning("ticket.announce_dm_failed user=%s error=%s", user_id, error)


def default_issue_type(jira: JiraGateway, project: str) -> str:
    """Task if the project has it, else the first of Story/Bug, else its first standard type."""
    types = [t for t in jira.issue_types(project) if not t.subtask]
    if not types:
        raise JiraRejected(f"Jira lets us create no issue types in {project}", 400)
    by_name = {t.name.lower(): t for t in types}
    for name in DEFAULT_TYPES:
        if name.lower() in by_name:
            return by_name[name.lower()].id
    return types[0].id
