"""`CommentSync`: replies in a Slack thread linked to a Jira issue, or to a GitHub pull
request or issue whose subscription has `sync_comments`, become comments on it.

A reply becomes `<name> via Slack: …` plus its permalink; an edit updates that comment; a
deletion deletes it. Where the comment goes is a `CommentTarget` (`comment_targets`:
Jira; `integrations.github.slack_comments`: GitHub), found from the thread's mapping. Each
mirrored reply is stored as a mapping from the comment to the message (`comment_message`:
jira `PROJ-1/10042`; `github_comment_message`: github `owner/repo#42/issuecomment-123`;
target slack `C0123:1700000000.000200`, `extra_data.origin = "slack"`), which is also how the
Jira → Slack and GitHub → Slack directions know not to echo the comment back.

Every mirrored change is an `IntegrationLog` row (`slack → jira` or `slack → github`) whose
`delivery_key` is Slack's `event_id`: a retried delivery (`X-Slack-Retry-Num`, same
`event_id`) finds the row and changes nothing.

Ordering. The row's `ordering_key` is the item, `jira:PROJ-1` or `github:owner/repo#42`: the
key that service's webhooks of the item are queued under. The webhook announcing the new
comment can arrive while the attempt still waits for the answer; it then waits behind this
row until the attempt has ended and stored the mapping, so it is recognised as made from
Slack and not posted back. An edit can never overtake the creation of its comment either: an
edit or deletion of a message whose comment is not known yet is queued for the worker (which
delivers one item's events in order) instead of being tried at once.

Never twice. An attempt whose answer never came (a timeout) may still have created the
comment. A retry (any attempt after the first, and a replay whose attempt number is unknown)
therefore first looks through the item's comments for the one this message produced (a
`… via Slack: …` comment naming the message's permalink) and adopts it instead of adding
another.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from integrations.github.api import GitHubApi
from integrations.github.slack_comments import GitHubComments
from integrations.jira_api import JiraGateway
from integrations.messages import Ignored, SlackMessage
from integrations.people import Directory
from integrations.slack.writer import SlackWriter
from integrations.tickets.comment_targets import (
    Authored,
    CommentGone,
    CommentRejected,
    CommentTarget,
    CommentUnavailable,
    JiraComments,
)
from integrations.tickets.models import CommentRequest, MessageRef
from integrations.tickets.thread_events import ThreadMessage
from storage import Repositories
from storage.domain import (
    Integration,
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
        github: GitHubApi | None = None,
        lease_seconds: float = LEASE_SECONDS,
        retry_seconds: float = 2.0,
    ) -> None:
        self._targets: dict[str, CommentTarget] = {
            "jira": JiraComments(jira, people),
            "github": GitHubComments(github, repos, people),
        }
        self._slack = slack
        self._repos = repos
        self._people = people
        self._worker_id = worker_id
        self._lease_seconds = lease_seconds
        self._retry_seconds = retry_seconds  # the first retry, as the worker's backoff

    def _target(self, request: CommentRequest) -> CommentTarget:
        return self._targets[request.service]

    # --- intake (at ack time) ---------------------------------------------------------------

    def plan(self, message: ThreadMessage, event_id: str | None) -> CommentRequest | Ignored:
        """Which item the message belongs to; `Ignored` when its thread is not linked, or
        its target does not take replies (not configured, `sync_comments` off)."""
        thread_ref = slack_ref(message.channel_id, message.thread_ts)
        for target in self._targets.values():
            thread = self._repos.mappings.source_of(target.thread_type, "slack", thread_ref)
            if thread is None or thread.source_service != target.service:
                continue
            refused = target.refuses(thread, message.channel_id)
            if refused is not None:
                return refused
            ref = MessageRef(
                channel_id=message.channel_id, ts=message.ts, thread_ts=message.thread_ts
            )
            request = CommentRequest(
                action=message.action,
                service=target.service,
                issue_key=thread.source_id,
                message=ref,
                user_id=message.user_id,
                text=message.text,
                event_id=event_id,
            )
            if message.action == "add" and self._comment_of(request) is not None:
                return Ignored("message already mirrored")
            return request
        return Ignored("thread not linked to a Jira issue or a GitHub pull request or issue")

    def accept(self, request: CommentRequest) -> Accepted:
        """Store the change durably; leased to this process when it can be made at once."""
        new = NewIntegration(
            source_service="slack",
            target_service=request.service,
            event_type=request.event_type,
            payload={"comment": request.model_dump(mode="json")},
            source_id=request.message.ref,
            target_id=request.issue_key,
            delivery_key=request.event_id,
            ordering_key=f"{request.service}:{request.issue_key}",
        )
        known = request.action == "add" or self._comment_of(request) is not None
        # Made at once only when nothing older of this item waits: a queued earlier edit
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
        """Make the change now; trouble on the other side leaves it to the worker's retries."""
        queue, worker = self._repos.queue, self._worker_id
        service = request.service
        try:
            result = self.deliver(request, look_back=claim.is_retry)
        except CommentUnavailable as error:
            queue.retry_later(
                claim,
                worker,
                error=str(error),
                delay_seconds=(
                    error.retry_after if error.retry_after is not None else self._retry_seconds
                ),
                outcome="retry",
            )
            log.warning(
                "comment.unavailable service=%s integration=%s error=%s", service, claim.id, error
            )
            return None
        except CommentRejected as error:  # rejected (4xx), or not configured: retrying won't help
            queue.fail(claim, worker, error=str(error))
            log.warning(
                "comment.rejected service=%s integration=%s error=%s", service, claim.id, error
            )
            return None
        queue.complete(
            claim,
            worker,
            status=Status(result.status),
            detail=result.detail,
            target_id=result.comment,
        )
        log.info(
            "comment.%s service=%s integration=%s message=%s comment=%s",
            request.action,
            service,
            claim.id,
            request.message.ref,
            result.comment,
        )
        return result

    # --- delivery (first attempt and replays) ---------------------------------------------

    def _comment_of(self, request: CommentRequest) -> ServiceMapping | None:
        """The comment this message made (mappings of other origins are not ours)."""
        found = self._repos.mappings.source_of(
            self._target(request).comment_type, "slack", request.message.ref
        )
        return found if found is not None and found.extra_data.get("origin") == "slack" else None

    def deliver(self, request: CommentRequest, *, look_back: bool) -> Mirrored:
        """Idempotent: adding a comment that exists, or deleting one that is gone, is done.

        `look_back`: an earlier attempt may have created the comment without hearing back
        (pass it on every retry, and whenever the attempt number is unknown).
        Raises `CommentUnavailable` (retry) or `CommentRejected` (fail).
        """
        if request.action == "add":
            try:
                return self._add(request, look_back=look_back)
            except CommentGone as gone:  # the issue or item itself is gone
                raise CommentRejected(str(gone)) from None
        target = self._target(request)
        mapping = self._comment_of(request)
        if mapping is None:
            return Mirrored("ignored", f"no {target.label} comment mirrors this message")
        if request.action == "edit":
            try:
                target.update(mapping.source_id, request, self._author(request))
            except CommentGone:
                return Mirrored("ignored", f"comment {mapping.source_id} no longer exists")
            return Mirrored("completed", comment=mapping.source_id)
        target.delete(mapping.source_id)
        self._repos.mappings.delete(mapping.id)
        return Mirrored("completed", comment=mapping.source_id)

    def _add(self, request: CommentRequest, *, look_back: bool) -> Mirrored:
        existing = self._comment_of(request)
        if existing is not None:
            return Mirrored("completed", "already mirrored", existing.source_id)
        target = self._target(request)
        comment = self._made_earlier(target, request) if look_back else None
        detail = None
        if comment is None:
            refusal = target.forbids(request)
            if refusal is not None:
                self._tell(request, refusal)
                return Mirrored("ignored", refusal.text.removeprefix(":lock: "))
            comment = target.add(request, self._author(request))
        else:
            detail = "found the comment an earlier attempt made"
            log.info(
                "comment.adopted service=%s item=%s comment=%s message=%s",
                target.service,
                request.issue_key,
                comment,
                request.message.ref,
            )
        self._repos.mappings.link(
            target.comment_type,
            target.service,
            comment,
            "slack",
            request.message.ref,
            {"origin": "slack"},
        )
        return Mirrored("completed", detail, comment)

    @staticmethod
    def _made_earlier(target: CommentTarget, request: CommentRequest) -> str | None:
        """Slack permalinks name a message as `/archives/<channel>/p<ts without the dot>` (a
        `ts` always has six decimals, so one message's path is never the start of
        another's). The oldest such comment wins."""
        message = request.message
        path = f"/archives/{message.channel_id}/p{message.ts.replace('.', '')}"
        return target.made_earlier(request, path)

    def _tell(self, request: CommentRequest, message: SlackMessage) -> None:
        """`message` to the reply's author alone, in its thread."""
        if request.user_id:
            ref = request.message
            self._slack.tell_user(request.user_id, ref.channel_id, message, thread_ts=ref.thread_ts)

    def _author(self, request: CommentRequest) -> Authored:
        name = self._people.slack_person(request.user_id).name if request.user_id else "Someone"
        link = self._slack.permalink(request.message.channel_id, request.message.ts)
        return Authored(name, link)
