"""`CommentSync`: replies in a Slack thread linked to a Jira issue become comments on it.

A reply becomes `<name> via Slack: …` plus its permalink; an edit updates that comment; a
deletion deletes it. Each mirrored reply is stored as a `COMMENT_MESSAGE` mapping (source
jira `PROJ-1/10042`, target slack `C0123:1700000000.000200`, `extra_data.origin = "slack"`),
which is also how the Jira → Slack direction knows not to echo the comment back.

Every mirrored change is an `IntegrationLog` row whose `delivery_key` is Slack's `event_id`:
a retried delivery (`X-Slack-Retry-Num`, same `event_id`) finds the row and changes nothing.

Ordering. The row's `ordering_key` is the issue, `jira:PROJ-1`: the key Jira's webhooks of
that issue are queued under (as GitHub's comments on Jira issues are). Jira's
`comment_created` for the new comment can arrive while the attempt still waits for Jira's
answer; it then waits behind this row until the attempt has ended and stored the mapping, so
it is recognised as made from Slack and not posted back. An edit can never overtake the
creation of its comment either: an edit or deletion of a message whose comment is not known
yet is queued for the worker (which delivers one issue's events in order) instead of being
tried at once.

Never twice. An attempt whose answer never came (a timeout) may still have created the
comment. A retry (any attempt after the first, and a replay whose attempt number is unknown)
therefore first looks through the issue's comments for the one this message produced (a
`… via Slack: …` comment naming the message's permalink) and adopts it instead of adding
another.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from integrations.jira_api import (
    JiraError,
    JiraGateway,
    JiraNotFound,
    JiraUnavailable,
    RichText,
)
from integrations.messages import Ignored
from integrations.people import Directory
from integrations.slack.writer import SlackWriter
from integrations.slack_to_jira import mentioned_users
from integrations.tickets import formatting
from integrations.tickets.models import CommentRequest, MessageRef
from integrations.tickets.thread_events import ThreadMessage
from storage import Repositories
from storage.domain import (
    Integration,
    MappingType,
    NewIntegration,
    ServiceMapping,
    Status,
    slack_ref,
)
from storage.queue import Claim

log = logging.getLogger(__name__)

LEASE_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Accepted:
    integration: Integration
    claim: Claim | None  # None: a duplicate delivery, or queued for the worker
    duplicate: bool


@dataclass(frozen=True, slots=True)
class Mirrored:
    status: str  # "completed" or "ignored"
    detail: str | None = None
    comment: str | None = None  # PROJ-1/10042


class CommentSync:
    def __init__(
        self,
        *,
        jira: JiraGateway,
        slack: SlackWriter,
        repos: Repositories,
        people: Directory,
        worker_id: str,
        lease_seconds: float = LEASE_SECONDS,
        retry_seconds: float = 2.0,
    ) -> None:
        self._jira = jira
        self._slack = slack
        self._repos = repos
        self._people = people
        self._worker_id = worker_id
        self._lease_seconds = lease_seconds
        self._retry_seconds = retry_seconds  # the first retry, as the worker's backoff

    # --- intake (at ack time) ---------------------------------------------------------------

    def plan(self, message: ThreadMessage, event_id: str | None) -> CommentRequest | Ignored:
        """Which issue the message belongs to; `Ignored` when its thread is not linked."""
        if not self._jira.configured:
            return Ignored("Jira is not configured")
        mappings = self._repos.mappings
        thread = mappings.source_of(
            MappingType.ISSUE_THREAD, "slack", slack_ref(message.channel_id, message.thread_ts)
        )
        if thread is None or thread.source_service != "jira":
            return Ignored("thread not linked to a Jira issue")
        ref = MessageRef(channel_id=message.channel_id, ts=message.ts, thread_ts=message.thread_ts)
        if message.action == "add" and self._comment_of(ref) is not None:
            return Ignored("message already mirrored")
        return CommentRequest(
            action=message.action,
            issue_key=thread.source_id,
            message=ref,
            user_id=message.user_id,
            text=message.text,
            event_id=event_id,
        )

    def accept(self, request: CommentRequest) -> Accepted:
        """Store the change durably; leased to this process when it can be made at once."""
        new = NewIntegration(
            source_service="slack",
            target_service="jira",
            event_type=request.event_type,
            payload={"comment": request.model_dump(mode="json")},
            source_id=request.message.ref,
            target_id=request.issue_key,
            delivery_key=request.event_id,
            ordering_key=f"jira:{request.issue_key}",
        )
        known = request.action == "add" or self._comment_of(request.message) is not None
        # Made at once only when nothing older of this issue waits: a queued earlier edit
        # replayed later would otherwise overwrite this newer one.
        inline = known and not self._repos.queue.has_undelivered(new.ordering_key or "")
        if inline:
            stored, claim = self._repos.queue.record_claimed(
                new, self._worker_id, lease_seconds=self._lease_seconds
            )
            return Accepted(stored, claim, duplicate=claim is None)
        stored, created = self._repos.integrations.record(new)
        if created:
            log.info(
                "comment.queued integration=%s action=%s message=%s (comment not known yet)",
                stored.id,
                request.action,
                request.message.ref,
            )
        return Accepted(stored, None, duplicate=not created)

    # --- the first attempt ----------------------------------------------------------------

    def first_attempt(self, claim: Claim, request: CommentRequest) -> Mirrored | None:
        """Make the change now; Jira trouble leaves it to the worker's retries."""
        queue, worker = self._repos.queue, self._worker_id
        try:
            result = self.deliver(request, look_back=claim.is_retry)
        except JiraUnavailable as error:
            queue.retry_later(
                claim,
                worker,
                error=str(error),
                delay_seconds=(
                    error.retry_after if error.retry_after is not None else self._retry_seconds
                ),
                outcome="retry",
            )
            log.warning("comment.jira_unavailable integration=%s error=%s", claim.id, error)
            return None
        except JiraError as error:  # rejected (4xx), or not configured: retrying won't help
            queue.fail(claim, worker, error=str(error))
            log.warning("comment.rejected integration=%s error=%s", claim.id, error)
            return None
        queue.complete(
            claim,
            worker,
            status=Status(result.status),
            detail=result.detail,
            target_id=result.comment,
        )
        log.info(
            "comment.%s integration=%s message=%s comment=%s",
            request.action,
            claim.id,
            request.message.ref,
            result.comment,
        )
        return result

    # --- delivery (first attempt and replays) ---------------------------------------------

    def _comment_of(self, message: MessageRef) -> ServiceMapping | None:
        return self._repos.mappings.source_of(MappingType.COMMENT_MESSAGE, "slack", message.ref)

    def deliver(self, request: CommentRequest, *, look_back: bool) -> Mirrored:
        """Idempotent: adding a comment that exists, or deleting one that is gone, is done.

        `look_back`: an earlier attempt may have created the comment without hearing back
        (pass it on every retry, and whenever the attempt number is unknown).
        """
        if request.action == "add":
            return self._add(request, look_back=look_back)
        mapping = self._comment_of(request.message)
        if mapping is None:
            return Mirrored("ignored", "no Jira comment mirrors this message")
        key, _, comment_id = mapping.source_id.partition("/")
        if request.action == "edit":
            try:
                self._jira.update_comment(key, comment_id, self._body(request))
            except JiraNotFound:
                return Mirrored("ignored", f"comment {mapping.source_id} no longer exists")
            return Mirrored("completed", comment=mapping.source_id)
        self._jira.delete_comment(key, comment_id)
        self._repos.mappings.delete(mapping.id)
        return Mirrored("completed", comment=mapping.source_id)

    def _add(self, request: CommentRequest, *, look_back: bool) -> Mirrored:
        existing = self._comment_of(request.message)
        if existing is not None:
            return Mirrored("completed", "already mirrored", existing.source_id)
        comment_id = self._made_earlier(request) if look_back else None
        detail = None
        if comment_id is None:
            comment_id = self._jira.add_comment(request.issue_key, self._body(request))
        else:
            detail = "found the comment an earlier attempt made"
            log.info(
                "comment.adopted issue=%s comment=%s message=%s",
                request.issue_key,
                comment_id,
                request.message.ref,
            )
        comment = f"{request.issue_key}/{comment_id}"
        self._repos.mappings.link(
            MappingType.COMMENT_MESSAGE,
            "jira",
            comment,
            "slack",
            request.message.ref,
            {"origin": "slack"},
        )
        return Mirrored("completed", detail, comment)

    def _made_earlier(self, request: CommentRequest) -> str | None:
        """The id of the comment an earlier attempt made for this message, if there is one.

        It says `… via Slack: …` and links the message: Slack permalinks name it as
        `/archives/<channel>/p<ts without the dot>` (a `ts` always has six decimals, so one
        message's path is never the start of another's). The oldest such comment wins.
        """
        message = request.message
        path = f"/archives/{message.channel_id}/p{message.ts.replace('.', '')}"
        for comment in self._jira.comments(request.issue_key):
            if path in comment.text and formatting.VIA_SLACK in comment.text:
                return comment.id
        return None

    def _body(self, request: CommentRequest) -> RichText:
        name = self._people.slack_person(request.user_id).name if request.user_id else "Someone"
        link = self._slack.permalink(request.message.channel_id, request.message.ts)
        return formatting.comment(
            name,
            request.text,
            link,
            mentions=self._people.mentions(mentioned_users(request.text)),
            v3=self._jira.rich_text_v3,
        )
