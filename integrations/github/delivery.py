"""GitHub → Slack delivery: the worker's handler of `github → slack` events.

Where an event goes:

- the Slack threads linked to the pull request or issue (`github_thread` mappings): those a
  person linked get every event, those a subscription started only what that subscription
  still takes;
- each channel subscribed to the repository or its owner whose features and filters take
  the event (`filters.matches`); there the first event of a PR or issue posts its card as
  the thread's parent, and later events reply in that thread and edit the card;
- replies stay in the thread unless the subscription's `broadcast` names the change
  (`merged`, `approved`, ...); channel posts (pushes, releases, ...) go to each channel.

Comments and reviews carry a `reply_key`: the poster keeps their reply
(`github_comment_message` mapping from `owner/repo#42/issuecomment-1` to the Slack message),
so an edit on GitHub edits that reply and a deletion marks it. A comment on a pull request
knows no branches: its card starts a thread where there is none, but never overwrites one.

Jira. A pull request naming a Jira key (title, branch, description) whose issue has a Slack
thread is linked to it (`pr_issue` mapping) and its opening, review outcome and closing are
also posted into the issue's thread; so are commits naming the key. With
`GITHUB_JIRA_COMMENTS=true` its opening and merge are also commented on the Jira issue,
through a queued `github → jira` event (`jira_comments`), never inline.

People. The logins the event shows (sender, author, reviewers, assignees, review and
comment authors, `@login`s in bodies) are looked up in the people directory in one indexed
query (no network call) and the formatters show the linked ones as `<@U…>`. After posting, the
DMs the event owes (`integrations.notifications`) are queued for the people who opted in,
each as its own `slack → slack` event linking to the thread posted here.

Reviews. Before anything else, each pull request event's requested reviewers are kept
(`integrations.github.reviews`) for the App Home's "awaiting your review".

Comments made from Slack (a thread reply with `sync_comments`, the card's *Comment* button:
a `github_comment_message` mapping with `extra_data.origin = "slack"`) are never posted back:
their `issue_comment` webhooks are ignored. The Slack → GitHub row shares the item's
ordering key (`github:owner/repo#42`), so a webhook that arrives before that row has stored
the mapping waits for it.

With `GITHUB_TOKEN`, pull request cards show mergeability and checks from the API; an API
failure leaves the card as the payload has it (the event is not held back for it).
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass

from integrations.delivery import DeliveryContext, Done, Fail
from integrations.github.api import GitHubApi, GitHubApiError
from integrations.github.card_actions import forget_said, said_in
from integrations.github.card_buttons import with_buttons
from integrations.github.cards import object_id, with_status
from integrations.github.dispatch import GitHubEvent, InvalidPayload, parse, render
from integrations.github.filters import EventFacts, broadcast, facts, matches
from integrations.github.jira_comments import record_links
from integrations.github.jira_links import jira_mentions, pr_jira_keys
from integrations.github.markdown import made_from_slack
from integrations.github.models import (
    IssueCommentEvent,
    IssuesEvent,
    PullRequestEvent,
    PullRequestReviewCommentEvent,
    PullRequestReviewEvent,
)
from integrations.github.people import GitHubPeople, logins_of
from integrations.github.reviews import remember as remember_reviews
from integrations.messages import Delivery, Ignored, ThreadPost
from integrations.notifications import outbox
from integrations.notifications.messages import github_notices
from integrations.slack.posts import Report
from integrations.subscriptions import GITHUB_DEFAULT_FEATURES
from storage import Repositories
from storage.domain import Integration, MappingType, Service, parse_slack_ref

log = logging.getLogger(__name__)

THREAD_PREFIX = "github:"


def deliver(event: Integration, context: DeliveryContext) -> Done:
    remember_reviews(context.container.repos.reviews, event.event_type, event.payload)
    try:
        parsed = parse(event.event_type, event.payload)
    except InvalidPayload as exc:
        raise Fail(str(exc)) from None
    if isinstance(parsed, Ignored):
        return Done("ignored", parsed.reason)
    if (echo := _made_from_slack(context.container.repos, parsed)) is not None:
        return Done("ignored", echo)
    people = GitHubPeople(context.container.people.slack_ids_of_github(logins_of(parsed.model)))
    rendered = render(parsed, people)
    if isinstance(rendered, Ignored):
        return Done("ignored", rendered.reason)
    event_facts = facts(parsed)
    repos = context.container.repos
    channels, broadcast_channels, refused = _route(repos, event_facts)

    # Queued first: the Jira comments do not wait for Slack (nor fail with it).
    jira_queued = record_links(context.container.settings, repos, parsed)
    jira_posted = _to_jira_threads(context, parsed, people)
    if isinstance(rendered, ThreadPost):
        outcome = _deliver_thread_post(context, parsed, rendered, channels, broadcast_channels)
    else:
        outcome = _Outcome.of(context.poster.deliver(Delivery(rendered, tuple(channels))))

    first = outcome.first or next((ref for ref in jira_posted.values() if ref), None)
    notices = github_notices(parsed, people)
    dms = outbox.summary(outbox.queue(repos, event.id, notices, outcome.telling or first))
    queued = "; ".join(q for q in (_jira_queued(jira_queued), dms) if q) or None
    if outcome.summary is None and not jira_posted:
        reasons = [*refused, *outcome.skipped] or ["no subscription takes it, no thread is linked"]
        nothing = f"nothing to post for {event_facts.repository}: " + "; ".join(reasons)
        if queued:
            return Done("completed", f"{queued}; {nothing}")
        return Done("ignored", nothing)
    parts = [outcome.summary] if outcome.summary else []
    if jira_posted:
        parts.append(f"posted in the threads of Jira {', '.join(jira_posted)}")
    if queued:
        parts.append(queued)
    return Done("completed", "; ".join(parts), first)


def _jira_queued(keys: list[str]) -> str | None:
    return f"Jira comments queued on {', '.join(keys)}" if keys else None


@dataclass(frozen=True, slots=True)
class _Outcome:
    """What the posts of one event did: a summary (None: nothing), the first Slack message
    touched, and why targets were skipped."""

    summary: str | None
    first: str | None = None
    skipped: tuple[str, ...] = ()
    telling: str | None = None  # the reply that tells the event, for DMs to link to

    @classmethod
    def of(cls, report: Report) -> _Outcome:
        if not report.did_anything:
            return cls(None, skipped=report.skipped)
        refs = [posted.ref for posted in report.posted] + list(report.edited)
        return cls(report.summary(), refs[0] if refs else None, report.skipped, report.telling)


def _made_from_slack(repos: Repositories, parsed: GitHubEvent) -> str | None:
    """Why a comment event is not posted: the app made the comment from Slack."""
    model = parsed.model
    if not isinstance(model, IssueCommentEvent):
        return None
    comment = f"{object_id(model.repository, model.issue.number)}/issuecomment-{model.comment.id}"
    linked = repos.mappings.targets_of(MappingType.GITHUB_COMMENT_MESSAGE, Service.GITHUB, comment)
    if any(m.extra_data.get("origin") == "slack" for m in linked):
        return f"comment {comment} was made from Slack: not posted back"
    if made_from_slack(model.comment.body):
        # The Comment button's mapping is stored once the thread note is posted: a webhook
        # delivered in between is known by what the app wrote.
        return f"comment {comment} was made from Slack (its text says so): not posted back"
    return None


# Routing --------------------------------------------------------------------------------


def _route(repos: Repositories, event_facts: EventFacts) -> tuple[list[str], list[str], list[str]]:
    """Channels whose subscription takes the event, those that broadcast it, and why the
    others do not (for the audit log)."""
    channels: list[str] = []
    broadcasting: list[str] = []
    refused: list[str] = []
    for subscription in repos.subscriptions.matching(Service.GITHUB, event_facts.repository):
        features = subscription.events or GITHUB_DEFAULT_FEATURES
        verdict = matches(features, subscription.filters, event_facts)
        if not verdict:
            refused.append(f"{subscription.channel_id}: {verdict.reason}")
            continue
        channel = subscription.channel_id  # may be subscribed to the repo and to its owner
        if channel not in channels:
            channels.append(channel)
        if broadcast(subscription.filters, event_facts) and channel not in broadcasting:
            broadcasting.append(channel)
    return channels, broadcasting, refused


def _deliver_thread_post(
    context: DeliveryContext,
    parsed: GitHubEvent,
    post: ThreadPost,
    channels: list[str],
    broadcasting: list[str],
) -> _Outcome:
    """Post to the PR's or issue's threads; the poster decides card, reply or edit."""
    object_id = post.thread_key.removeprefix(THREAD_PREFIX)
    if channels or context.container.repos.mappings.targets_of(
        MappingType.GITHUB_THREAD, Service.GITHUB, object_id
    ):
        post = _with_api_status(context.container.github, parsed, post)
        post = _with_buttons(context.container.github, parsed, post)
    repos = context.container.repos
    model = parsed.model
    said = (
        said_in(repos, object_id, model.action)
        if isinstance(model, IssuesEvent) and model.action in ("closed", "reopened")
        else []
    )
    delivery = Delivery(
        post,
        channels=tuple(channels),
        broadcast_channels=tuple(broadcasting),
        said_in=tuple(thread.target_id for thread in said),
    )
    outcome = _Outcome.of(context.poster.deliver(delivery))
    forget_said(repos, said)
    return outcome


def _with_api_status(api: GitHubApi | None, parsed: GitHubEvent, post: ThreadPost) -> ThreadPost:
    """The PR card with mergeability and checks, when a token is set."""
    model = parsed.model
    if api is None or (
        post.card is None
        or not isinstance(
            model, PullRequestEvent | PullRequestReviewEvent | PullRequestReviewCommentEvent
        )
    ):
        return post
    try:
        status = api.pull_status(model.repository.full_name, model.pull_request.number)
    except GitHubApiError as exc:
        log.info("github.card_status_skipped thread=%s reason=%s", post.thread_key, exc)
        return post
    return dataclasses.replace(post, card=with_status(post.card, status))


def _with_buttons(api: GitHubApi | None, parsed: GitHubEvent, post: ThreadPost) -> ThreadPost:
    """The card with its buttons (`card_buttons`), when a token lets them work."""
    model = parsed.model
    if api is None or post.card is None:
        return post
    if isinstance(model, IssuesEvent | IssueCommentEvent):
        item, issue = object_id(model.repository, model.issue.number), model.issue
        buttons = with_buttons(
            post.card,
            item,
            issue=not issue.is_pull_request,
            is_open=issue.state != "closed",
        )
    elif isinstance(
        model, PullRequestEvent | PullRequestReviewEvent | PullRequestReviewCommentEvent
    ):
        item = object_id(model.repository, model.pull_request.number)
        buttons = with_buttons(post.card, item, issue=False, is_open=True)
    else:
        return post
    return dataclasses.replace(post, card=buttons)


# Jira issue threads ---------------------------------------------------------------------


def _to_jira_threads(
    context: DeliveryContext, parsed: GitHubEvent, people: GitHubPeople
) -> dict[str, str | None]:
    """Post into the Slack threads of the Jira issues this event names; link the PR to them.

    Returns the keys whose threads got a post, each with the first Slack message posted.
    """
    mappings = context.container.repos.mappings
    model = parsed.model
    if isinstance(model, PullRequestEvent | PullRequestReviewEvent):
        pr_id = f"{model.repository.full_name}#{model.pull_request.number}"
        for key in pr_jira_keys(model.pull_request):
            if mappings.targets_of(MappingType.ISSUE_THREAD, Service.JIRA, key):
                mappings.link(MappingType.PR_ISSUE, Service.GITHUB, pr_id, Service.JIRA, key)
    posted: dict[str, str | None] = {}
    for mention in jira_mentions(parsed, people=people):
        threads = mappings.targets_of(MappingType.ISSUE_THREAD, Service.JIRA, mention.key)
        if not threads:
            continue
        channels = tuple(dict.fromkeys(parse_slack_ref(t.target_id)[0] for t in threads))
        report = context.poster.deliver(
            Delivery(
                ThreadPost(thread_key=f"jira:{mention.key}", reply=mention.message),
                channels=channels,
                start_threads=False,
            )
        )
        if report.did_anything:
            posted[mention.key] = report.posted[0].ref if report.posted else None
    return posted
