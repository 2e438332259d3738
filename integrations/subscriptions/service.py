"""`SubscriptionService`: the one way to subscribe a channel to a GitHub repository (or
owner) or a Jira project, to unsubscribe it, and to list what it receives.

Used by `/ticket subscribe|unsubscribe|subscriptions` (text in, Slack mrkdwn out, every
refusal saying what to do instead) and by `/api/v1/subscriptions` (a validated request in,
typed errors out), with the same rules:

- the source is checked first where we can: with `GITHUB_TOKEN`, a repository or account the
  token cannot see is refused with GitHub's reason (not found or not visible, bad token, rate
  limit); with Jira configured, a Jira project must exist;
- replace or create: a channel has at most one subscription per source; subscribing again
  replaces it (with the new events and filters), and the same request twice changes nothing.
  The API asks for that explicitly (`"replace": true`); by default it only creates, and a
  source the channel already has is a conflict, as REST clients expect of a `POST`;
- the answer to a new subscription says where to add the webhook, its URL and its events.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from integrations.github.api import (
    GitHubApi,
    GitHubApiError,
    NotVisible,
    RateLimited,
    Unavailable,
    web_host,
)
from integrations.github.text import escape
from integrations.github.webhook_setup import EVENT_LABELS, hooks_page, webhook_events
from integrations.jira_api import JiraError, JiraGateway, JiraUnavailable
from integrations.subscriptions.syntax import (
    SubscriptionRequest,
    SubscriptionSyntaxError,
    describe_subscription,
    parse_subscription,
    source_name,
)
from integrations.ttl_cache import TtlCache
from settings import Settings
from storage import Repositories, SubscriptionFilter
from storage.domain import NewSubscription, Subscription

log = logging.getLogger(__name__)

SERVICES = ("github", "jira")
USAGE = {
    "subscribe": (
        "/ticket subscribe github owner/repo [features] [filters]",
        "/ticket subscribe jira PROJ [events] [filters]",
    ),
    "unsubscribe": ("/ticket unsubscribe github owner/repo", "/ticket unsubscribe jira PROJ"),
}
GITHUB_HELP = (
    "Features: `issues` `pulls` `reviews` `comments` `commits` (default branch; "
    "`commits:branch` or `commits:*` for others) `releases` `deployments` `workflows` "
    "(failures; `workflows:all` for every run) `branches`. Filters: `label:bug` "
    "`-label:wontfix` `-author:dependabot[bot]` `-bots` `-drafts` `broadcast:merged,approved`."
)
JIRA_HELP = (
    "Events: `issue_created` `issue_updated` `issue_deleted` `comment_created` "
    "`comment_updated` `comment_deleted`. Filters: `type:Bug` `priority:High` `label:x` "
    "`-label:y` `broadcast:status`."
)
DEFAULT_PROJECT_TTL = 5.0


def _usage(verb: str) -> str:
    return " or ".join(f"`{form}`" for form in USAGE[verb])


class Refused(Exception):
    """The request cannot be done; `str()` is the answer for the user in Slack, `detail`
    the same in plain words for the API."""

    def __init__(self, answer: str, detail: str | None = None) -> None:
        super().__init__(answer)
        self.detail = detail or answer


class SourceNotFound(Refused):
    """The repository, account or project does not exist, or we may not see it."""


class SourceCheckUnavailable(Refused):
    """GitHub or Jira could not tell now (rate limit, outage): try again later."""


class SourceCheckFailed(Refused):
    """GitHub or Jira refused the check for another reason (a bad token, ...)."""


class AlreadySubscribed(Refused):
    """The channel has a subscription to this source, and replacing it was not asked for."""

    def __init__(self, existing: Subscription) -> None:
        detail = (
            f"{existing.channel_id} is already subscribed to {existing.source_service} "
            f"{existing.source_id}"
        )
        super().__init__(detail, detail)
        self.existing = existing


@dataclass(frozen=True, slots=True)
class Subscribed:
    """What `subscribe` did: `created`, `replaced` an earlier one, or found it `unchanged`."""

    subscription: Subscription
    outcome: Literal["created", "replaced", "unchanged"]
    name: str  # the source as GitHub or Jira spells it (the stored id may be lower-cased)
    kind: str | None  # the GitHub account or repository kind; None when not checked


@dataclass(frozen=True, slots=True)
class DefaultProject:
    key: str
    source: Literal["subscription", "setting"]


class SubscriptionService:
    def __init__(
        self,
        settings: Settings,
        repos: Repositories,
        github: GitHubApi | None,
        jira: JiraGateway,
    ) -> None:
        self._settings = settings
        self._repos = repos
        self._github = github
        self._jira = jira
        self._defaults: TtlCache[str, DefaultProject | None] = TtlCache(DEFAULT_PROJECT_TTL)

    # The rule -----------------------------------------------------------------------------

    def subscribe(
        self,
        request: SubscriptionRequest,
        channel_id: str,
        user_id: str | None = None,
        *,
        replace: bool = True,
    ) -> Subscribed:
        """Check the source, then replace the channel's subscription to it, or create one.

        `replace=False`: only create; raises `AlreadySubscribed` when there is one."""
        source_id, kind = self._checked_source(request)
        existing = self._existing(channel_id, request.source_service, source_id)
        if existing and not replace:
            raise AlreadySubscribed(existing[0])
        if len(existing) == 1 and _same(existing[0], request):
            return Subscribed(existing[0], "unchanged", source_id, kind)
        for old in existing:
            self._repos.subscriptions.delete(old.id)
        subscription = self._repos.subscriptions.create(
            NewSubscription(
                source_service=request.source_service,
                source_id=source_id,
                channel_id=channel_id,
                events=request.events,
                filters=request.filters,
                created_by=user_id,
            )
        )
        self._defaults.forget(channel_id)
        log.info(
            "subscription.created id=%s service=%s source=%s channel=%s replaced=%s",
            subscription.id,
            request.source_service,
            source_id,
            channel_id,
            len(existing),
        )
        return Subscribed(subscription, "replaced" if existing else "created", source_id, kind)

    def unsubscribe(self, service: str, source_id: str, channel_id: str) -> list[Subscription]:
        """Delete the channel's subscriptions to the source; returns those deleted."""
        found = self._existing(channel_id, service, source_id)
        for subscription in found:
            self._repos.subscriptions.delete(subscription.id)
            log.info("subscription.deleted id=%s channel=%s", subscription.id, channel_id)
        if found:
            self._defaults.forget(channel_id)
        return found

    def default_project(self, channel_id: str) -> DefaultProject | None:
        """The channel's Jira project: its one Jira subscription, else JIRA_DEFAULT_PROJECT.

        A channel subscribed to several projects has no default (the modal asks). Cached for
        a few seconds: `/ticket help` answers in the ack, and under load the read dominated
        its latency.
        """
        return self._defaults.get_or_load(channel_id, lambda: self._default_project(channel_id))

    # The slash command --------------------------------------------------------------------

    def subscribe_command(self, text: str, channel_id: str, user_id: str | None = None) -> str:
        """`/ticket subscribe <text>`: the answer for the channel; raises `Refused`."""
        service, rest = self._service(text, "subscribe")
        try:
            request = parse_subscription(service, rest)
        except SubscriptionSyntaxError as exc:
            raise Refused(
                f"Could not subscribe: {escape(str(exc))}.\n"
                + (GITHUB_HELP if service == "github" else JIRA_HELP)
            ) from None
        done = self.subscribe(request, channel_id, user_id)
        subscription = done.subscription
        verb = "Subscribed" if done.outcome == "created" else "Updated the subscription of"
        described = describe_subscription(done.name, subscription.events, subscription.filters)
        said = f"{verb} this channel to {service} `{escape(described)}`."
        return said + "\n" + self._setup(subscription, done.name, done.kind)

    def unsubscribe_command(self, text: str, channel_id: str) -> str:
        """`/ticket unsubscribe <text>`: the answer for the channel; raises `Refused`."""
        service, rest = self._service(text, "unsubscribe")
        token = rest.split()[0] if rest.split() else ""
        if not token:
            raise Refused(f"Name what to unsubscribe from: {_usage('unsubscribe')}.")
        try:
            source_id = source_name(service, token)
        except SubscriptionSyntaxError as exc:
            raise Refused(str(exc)) from None
        found = self.unsubscribe(service, source_id, channel_id)
        if not found:
            raise Refused(
                f"This channel is not subscribed to {service} `{escape(source_id)}`. "
                "`/ticket subscriptions` lists what it is subscribed to."
            )
        return f"Unsubscribed this channel from {service} `{escape(found[0].source_id)}`."

    def listing(self, channel_id: str) -> str:
        """`/ticket subscriptions`: what the channel receives, in the command syntax."""
        subscriptions = self._channel_subscriptions(channel_id)
        if not subscriptions:
            return f"This channel has no subscriptions: {_usage('subscribe')} adds one."
        lines = ["This channel receives:"]
        for s in subscriptions:
            described = describe_subscription(s.source_id, s.events, s.filters)
            lines.append(f"• {s.source_service} `{escape(described)}`")
        return "\n".join(lines)

    # Helpers ------------------------------------------------------------------------------

    def _service(self, text: str, verb: str) -> tuple[str, str]:
        service, _, rest = text.strip().partition(" ")
        service = service.lower()
        if service not in SERVICES:
            raise Refused(f"Usage: {_usage(verb)}.")
        return service, rest.strip()

    def _channel_subscriptions(self, channel_id: str) -> list[Subscription]:
        found: list[Subscription] = []
        cursor = None
        while True:
            page = self._repos.subscriptions.list(
                SubscriptionFilter(channel_id=channel_id), limit=200, cursor=cursor
            )
            found += page.items
            if page.next_cursor is None:
                return sorted(found, key=lambda s: (s.source_service, s.source_id.lower()))
            cursor = page.next_cursor

    def _existing(self, channel_id: str, service: str, source_id: str) -> list[Subscription]:
        return [
            s
            for s in self._channel_subscriptions(channel_id)
            if s.source_service == service and s.source_id.lower() == source_id.lower()
        ]

    def _default_project(self, channel_id: str) -> DefaultProject | None:
        subscribed = self._repos.subscriptions.list(
            SubscriptionFilter(source_service="jira", channel_id=channel_id), limit=2
        ).items
        if len(subscribed) == 1:
            return DefaultProject(subscribed[0].source_id.upper(), "subscription")
        if not subscribed and self._settings.jira_default_project:
            return DefaultProject(self._settings.jira_default_project.upper(), "setting")
        return None

    def _checked_source(self, request: SubscriptionRequest) -> tuple[str, str | None]:
        """The source as GitHub or Jira names it, after checking it exists (when we can),
        and what kind of GitHub account or repository it is (None when not checked)."""
        if request.source_service == "github":
            return self._checked_github(request.source_id)
        if not self._jira.configured:
            return request.source_id, None
        try:
            keys = {project.key.upper() for project in self._jira.projects()}
        except JiraError as exc:
            failure = (
                SourceCheckUnavailable if isinstance(exc, JiraUnavailable) else SourceCheckFailed
            )
            answer = f"Could not check the Jira project: {escape(str(exc))}."
            raise failure(answer, f"Could not check the Jira project: {exc}") from None
        if request.source_id not in keys:
            missing = (
                f"Jira project {request.source_id} was not found, or the Jira account of this "
                "app cannot see it"
            )
            raise SourceNotFound(f"Could not subscribe: {missing}.", missing)
        return request.source_id, None

    def _checked_github(self, source_id: str) -> tuple[str, str | None]:
        if self._github is None:
            return source_id, None
        try:
            info = self._github.check_source(source_id)
        except GitHubApiError as exc:
            failure: type[Refused] = SourceCheckFailed
            if isinstance(exc, NotVisible):
                failure = SourceNotFound
            elif isinstance(exc, RateLimited | Unavailable):
                failure = SourceCheckUnavailable
            raise failure(f"Could not subscribe: {escape(str(exc))}.", str(exc)) from None
        return info.name, info.kind

    def _webhook_url(self, service: str) -> str:
        base = self._settings.connect_public_url
        if base is None:
            return f"`https://<this app>/webhooks/{service}` (set CONNECT_PUBLIC_URL to show it)"
        return f"`{base}/webhooks/{service}`"

    def _setup(self, subscription: Subscription, source_id: str, kind: str | None) -> str:
        """What to configure on the sender; `source_id` as GitHub spells it."""
        if subscription.source_service == "jira":
            return (
                "If Jira does not send webhooks here yet: Jira settings → System → WebHooks, "
                f"URL {self._webhook_url('jira')}, secret = JIRA_WEBHOOK_SECRET, events: "
                "issue created, updated and deleted; comment created, updated and deleted."
            )
        if kind == "user":  # a personal account has no account-wide webhooks
            page = "each of its repositories (Settings → Webhooks)"
        else:
            web_url = f"https://{web_host(self._settings.github_api_url)}"
            page = hooks_page(source_id, web_url)
        events = ", ".join(EVENT_LABELS[e] for e in webhook_events(subscription.events))
        return (
            f"If GitHub does not send webhooks here yet, add one at {page}: Payload URL "
            f"{self._webhook_url('github')}, content type `application/json`, secret = "
            f'GITHUB_WEBHOOK_SECRET, events ("Let me select individual events"): {events}.'
        )


def _same(subscription: Subscription, request: SubscriptionRequest) -> bool:
    return tuple(subscription.events) == tuple(request.events) and dict(
        subscription.filters
    ) == dict(request.filters)
