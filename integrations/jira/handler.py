"""Jira → Slack delivery: the intake triage and the worker handler.

Where an event goes:

- the Slack threads linked to the issue (mappings) — every thread linked by a person, and the
  threads a subscription started while that subscription still takes the event;
- each channel subscribed to the issue's project (`/api/v1/subscriptions`, source `jira`)
  whose subscription takes the event (its `events`, and the filters `issue_types`,
  `priorities`, `labels`, `exclude_labels`); there the issue's first event starts a thread:
  the card is posted as the parent and the thread mapping stored;
- replies stay in the thread unless the subscription's `broadcast` names what changed
  (`status`, `assignee`, `priority`, `resolution`, `summary`, `labels`, `fix_versions`,
  `sprint`, `issue_type`, `comment`) — then they are also shown in the channel.

Comments. A comment the app itself made elsewhere — from a Slack message, or linking a GitHub
pull request (a `comment_message` mapping whose `extra_data.origin` is not `jira`) — is never
posted back. A comment's reply carries a `reply_key` (`jira:PROJ-1/10042`): the poster
remembers it (`comment_message`, origin `jira`), so an edit in Jira edits that reply and a
deletion marks it; a comment Jira sends twice (Cloud's `comment_created` plus
`issue_commented`) is posted once.
"""

from __future__ import annotations

import dataclasses
import weakref
from typing import Any

from pydantic import ValidationError
from slack_sdk import WebClient

from integrations.delivery import Done, Fail, handles, triages
from integrations.jira import dispatch
from integrations.jira.formatters import (
    Context,
    change_kinds,
    deleted_comment_message,
    edited_comment_message,
)
from integrations.jira.mentions import SlackUsersByEmail, resolve
from integrations.jira.models import Issue, JiraWebhook
from integrations.messages import Delivery, Ignored, ThreadPost
from integrations.subscriptions import JIRA_DEFAULT_EVENTS
from storage.domain import Integration, MappingType, Service, ServiceMapping, Subscription

_slack_users: weakref.WeakKeyDictionary[WebClient, SlackUsersByEmail] = weakref.WeakKeyDictionary()

ORIGINS = {"slack": "Slack", "github": "GitHub"}
"""Where a Jira comment the app made came from (`comment_message` `extra_data.origin`)."""


@triages(Service.JIRA)
def triage(event_type: str, payload: Any) -> str | None:
    return dispatch.triage(payload)


@handles(Service.JIRA, Service.SLACK)
def deliver(event: Integration, services: Any) -> Done:
    try:
        webhook = JiraWebhook.model_validate(event.payload)
    except ValidationError as exc:
        raise Fail(f"not a Jira webhook payload ({exc.error_count()} field errors)") from None
    decision = dispatch.classify(webhook)
    if isinstance(decision, Ignored):
        return Done("ignored", decision.reason)
    spec = decision.spec
    issue = webhook.issue
    assert issue is not None  # classify() ignores events without one

    comment_id = f"{issue.key}/{webhook.comment.id}" if webhook.comment else None
    our_replies: list[ServiceMapping] = []
    if comment_id is not None:
        linked = services.repos.mappings.targets_of(
            MappingType.COMMENT_MESSAGE, Service.JIRA, comment_id
        )
        origins = [str(m.extra_data.get("origin")) for m in linked]
        made_elsewhere = [origin for origin in origins if origin != "jira"]
        if made_elsewhere:
            where = ORIGINS.get(made_elsewhere[0], made_elsewhere[0])
            return Done("ignored", f"comment {comment_id} was made from {where}: not posted back")
        our_replies = linked

    ctx = Context(mentions=resolve(webhook, _users(services.slack)))

    if spec.comment_action == "post" and any(
        m.extra_data.get("integration_id") != event.id for m in our_replies
    ):  # replies linked by this very event are an earlier attempt's progress, not a repeat
        return Done("ignored", f"comment {comment_id} is already in Slack (Jira sent it twice)")

    rendered = spec.formatter(webhook, ctx)
    if isinstance(rendered, Ignored):
        return Done("ignored", rendered.reason)
    if comment_id is not None and isinstance(rendered, ThreadPost):
        # The reply of a comment edits in place: to its edited text, or marked as deleted.
        if spec.comment_action == "edit":
            assert webhook.comment is not None
            replacement = edited_comment_message(issue, webhook.comment, ctx)
        elif spec.comment_action == "delete":
            replacement = deleted_comment_message(issue, webhook.comment)
        else:
            replacement = None
        rendered = dataclasses.replace(
            rendered, reply_key=f"jira:{comment_id}", reply_edit=replacement
        )
    subscriptions = services.repos.subscriptions.matching(Service.JIRA, issue.project_key)
    channels, broadcast = _route(subscriptions, webhook, issue, spec)
    report = services.poster.deliver(
        Delivery(
            rendered,
            channels=tuple(channels),
            extra={"broadcast_channels": tuple(broadcast), "start_threads": spec.starts_thread},
        )
    )
    if not report.did_anything:
        detail = (
            f"no Slack thread is linked to {issue.key} and no subscription of "
            f"{issue.project_key} takes {spec.subscription_event}"
        )
        if report.skipped:
            detail += " (" + "; ".join(report.skipped) + ")"
        return Done("ignored", detail)
    first = report.posted[0].ref if report.posted else report.edited[0]
    return Done("completed", report.summary(), first)


def _users(client: WebClient) -> SlackUsersByEmail:
    found = _slack_users.get(client)
    if found is None:
        found = _slack_users[client] = SlackUsersByEmail(client)
    return found


def _route(
    subscriptions: list[Subscription], webhook: JiraWebhook, issue: Issue, spec: dispatch.Spec
) -> tuple[list[str], list[str]]:
    """The channels whose subscription takes this event, and those that also broadcast it."""
    channels: list[str] = []
    broadcast: list[str] = []
    kinds = change_kinds(webhook)
    if spec.subscription_event == "comment_created":
        kinds.add("comment")
    for subscription in subscriptions:
        if not takes(subscription, spec.subscription_event, issue):
            continue
        channels.append(subscription.channel_id)
        wanted = {b.lower() for b in subscription.filters.get("broadcast", [])}
        if wanted & kinds:
            broadcast.append(subscription.channel_id)
    return channels, broadcast


def _names(values: Any) -> set[str]:
    return {str(v).lower() for v in values or []}


def takes(subscription: Subscription, event_name: str, issue: Issue) -> bool:
    """Whether a subscription wants this event of this issue.

    A filter on a field the payload does not carry (Cloud comment events omit labels) does
    not exclude the event: the subscription asked about the issue, not the payload.
    """
    events = subscription.events or JIRA_DEFAULT_EVENTS
    if event_name not in events:
        return False
    filters = subscription.filters
    fields = issue.fields
    issue_types = _names(filters.get("issue_types"))
    type_name = fields.issuetype.name if fields.issuetype else None
    if issue_types and type_name and type_name.lower() not in issue_types:
        return False
    priorities = _names(filters.get("priorities"))
    priority = fields.priority.name if fields.priority else None
    if priorities and priority and priority.lower() not in priorities:
        return False
    if fields.labels is not None:
        labels = _names(fields.labels)
        wanted = _names(filters.get("labels"))
        if wanted and not labels & wanted:
            return False
        if labels & _names(filters.get("exclude_labels")):
            return False
    return True
