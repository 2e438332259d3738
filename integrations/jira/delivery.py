"""Jira → Slack delivery: the worker's handler of `jira → slack` events.

Where an event goes:

- the Slack threads linked to the issue (mappings) — every thread linked by a person, and the
  threads a subscription started while that subscription still takes the event;
- each channel subscribed to the issue's project (`/api/v1/subscriptions`, source `jira`)
  whose subscription takes the event (its `events`, and the filters `issue_types`,
  `priorities`, `labels`, `exclude_labels`); there the issue's first event starts a thread:
  the card is posted as the parent and the thread mapping stored;
- the `/ticket` card of an issue made from Slack is edited in place by `issue_updated` (status,
  assignee, summary…) when it changed, keeping its look (`integrations.tickets.announced`);
- replies stay in the thread unless the subscription's `broadcast` names what changed
  (`status`, `assignee`, `priority`, `resolution`, `summary`, `labels`, `fix_versions`,
  `sprint`, `issue_type`, `comment`) — then they are also shown in the channel.

Comments. A comment the app itself made elsewhere — from a Slack message, or linking a GitHub
pull request (a `comment_message` mapping whose `extra_data.origin` is not `jira`) — is never
posted back. A comment's reply carries a `reply_key` (`jira:PROJ-1/10042`): the poster
remembers it (`comment_message`, origin `jira`), so an edit in Jira edits that reply and a
deletion marks it; a comment Jira sends twice (Cloud's `comment_created` plus
`issue_commented`) is posted once.

DMs. After posting, the new assignee and the people a new comment mentions get a DM if they
opted in (`integrations.notifications`), queued as their own `slack → slack` events with a
link to the reply posted here; never the person who made the change.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from integrations.delivery import DeliveryContext, Done, Fail
from integrations.jira import dispatch
from integrations.jira.echo import card_echo
from integrations.jira.formatters import Context, change_kinds, issue_card, slack_mentions
from integrations.jira.mentions import resolve
from integrations.jira.models import Issue, JiraWebhook, unreadable
from integrations.messages import Delivery, Ignored, OwnCard
from integrations.notifications import outbox
from integrations.notifications.messages import jira_notices
from integrations.subscriptions import JIRA_DEFAULT_EVENTS
from integrations.tickets.announced import announcements, ticket_card
from storage import Repositories
from storage.domain import Integration, MappingType, Service, Subscription, parse_slack_ref

ORIGINS = {"slack": "Slack", "github": "GitHub"}
"""Where a Jira comment the app made came from (`comment_message` `extra_data.origin`)."""


def deliver(event: Integration, context: DeliveryContext) -> Done:
    try:
        webhook = JiraWebhook.model_validate(event.payload)
    except ValidationError as exc:  # a parse error is permanent: no retry reads it better
        raise Fail(unreadable(event.event_type, exc)) from None
    decision = _decision(event, webhook)
    if isinstance(decision, Ignored):
        return Done("ignored", decision.reason)
    spec = decision.spec
    issue = webhook.issue
    assert issue is not None  # intake's classification ignores events without one
    repos = context.container.repos
    if (repeat := _comment_repeat(event, webhook, spec, repos)) is not None:
        return Done("ignored", repeat)
    mentions = resolve(webhook, context.container.people)
    echo = card_echo(repos, event.id, webhook) if spec is dispatch.ISSUE_UPDATED else None
    ctx = Context(
        mentions=mentions, people=slack_mentions(mentions), actor=echo.actor if echo else None
    )
    rendered = spec.formatter(webhook, ctx)
    if isinstance(rendered, Ignored):
        return Done("ignored", rendered.reason)
    subscriptions = repos.subscriptions.matching(Service.JIRA, issue.project_key)
    channels, broadcast = _route(subscriptions, webhook, issue, spec)
    report = context.poster.deliver(
        Delivery(
            rendered,
            channels=tuple(channels),
            broadcast_channels=tuple(broadcast),
            start_threads=spec.starts_thread,
            said_in=tuple(sorted(echo.threads)) if echo is not None else (),
            own_cards=_ticket_cards(context, webhook, spec, ctx),
        )
    )
    notices = jira_notices(
        webhook,
        mentions,
        new_comment=spec.comment_action == "post",
        from_slack=echo.people if echo is not None else (),
    )
    dms = outbox.summary(outbox.queue(repos, event.id, notices, report.telling))
    if not report.did_anything and echo is not None:
        return Done("ignored", "; ".join(p for p in (echo.detail, dms) if p))
    if not report.did_anything:
        detail = _nothing_to_do(repos, issue, spec)
        if report.skipped:
            detail += " (" + "; ".join(report.skipped) + ")"
        if dms:
            return Done("completed", f"{dms}; {detail}")
        return Done("ignored", detail)
    first = report.posted[0].ref if report.posted else report.edited[0]
    return Done("completed", "; ".join(p for p in (report.summary(), dms) if p), first)


def _ticket_cards(
    context: DeliveryContext, webhook: JiraWebhook, spec: dispatch.Spec, ctx: Context
) -> tuple[OwnCard, ...]:
    """The `/ticket` cards of an issue made from Slack, as the update leaves them: edited in
    place, keeping their look (only `issue_updated` carries the whole issue)."""
    issue = webhook.issue
    if spec is not dispatch.ISSUE_UPDATED or issue is None or issue_card(issue, ctx) is None:
        return ()
    made = announcements(context.container.repos, issue.key)
    if not made:
        return ()
    url = issue.browse_url or context.container.jira.browse_url(issue.key)
    return tuple(
        OwnCard(card.thread, card.ts, ticket_card(issue, url, card.request, ctx)) for card in made
    )


def _nothing_to_do(repos: Repositories, issue: Issue, spec: dispatch.Spec) -> str:
    """Why the event reached no one, as the audit log says it."""
    made = announcements(repos, issue.key)
    if made and spec.subscription_event == "issue_created":
        where = ", ".join(dict.fromkeys(parse_slack_ref(a.thread)[0] for a in made))
        return f"{issue.key} was created from Slack; its card is already in {where}"
    return (
        f"no Slack thread is linked to {issue.key} and no subscription of "
        f"{issue.project_key} takes {spec.subscription_event}"
    )


def _decision(event: Integration, webhook: JiraWebhook) -> dispatch.Handled | Ignored:
    """The table entry of the key intake stored; classified here only for events that did
    not come through the webhook intake (the API, rows stored before keys were)."""
    if event.event_key is not None and (spec := dispatch.EVENT_TABLE.get(event.event_key)):
        return dispatch.Handled(event.event_key, spec)
    return dispatch.classify(webhook)


def _comment_repeat(
    event: Integration, webhook: JiraWebhook, spec: dispatch.Spec, repos: Repositories
) -> str | None:
    """Why a comment event is not posted: the app made the comment itself (from Slack or
    GitHub: never echoed back), or its reply is already in Slack (Jira sent it twice)."""
    if webhook.comment is None or webhook.issue is None:
        return None
    comment_id = f"{webhook.issue.key}/{webhook.comment.id}"
    linked = repos.mappings.targets_of(MappingType.COMMENT_MESSAGE, Service.JIRA, comment_id)
    made_elsewhere = [str(m.extra_data.get("origin")) for m in linked]
    made_elsewhere = [origin for origin in made_elsewhere if origin != "jira"]
    if made_elsewhere:
        where = ORIGINS.get(made_elsewhere[0], made_elsewhere[0])
        return f"comment {comment_id} was made from {where}: not posted back"
    if spec.comment_action == "post" and any(
        m.extra_data.get("integration_id") != event.id for m in linked
    ):  # replies linked by this very event are an earlier attempt's progress, not a repeat
        return f"comment {comment_id} is already in Slack (Jira sent it twice)"
    return None


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
