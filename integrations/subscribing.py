"""Subscribing a channel to a GitHub repository (or owner) or a Jira project, from Slack.

`/ticket subscribe github owner/repo [features] [filters]`, `/ticket subscribe jira PROJ
[events] [filters]`, `/ticket unsubscribe github owner/repo`, `/ticket subscriptions`. The
answers are Slack mrkdwn for the person who asked; every refusal says what to do instead.

With `GITHUB_TOKEN`, a GitHub subscription is checked first: a repository or account the
token cannot see is refused with GitHub's reason (not found or not visible, bad token, rate
limit). With Jira configured, a Jira project must exist. The answer to a new subscription
says where to add the webhook, its URL and which events to enable.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from integrations.github.api import GitHubApi, GitHubApiError, web_host
from integrations.github.text import escape
from integrations.github.webhook_setup import EVENT_LABELS, hooks_page, webhook_events
from integrations.jira_api import JiraError, JiraGateway
from integrations.subscriptions import (
    SubscriptionRequest,
    SubscriptionSyntaxError,
    describe_subscription,
    parse_subscription,
    source_name,
)
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


def _usage(verb: str) -> str:
    return " or ".join(f"`{form}`" for form in USAGE[verb])


class Refused(Exception):
    """The request cannot be done; `str()` is the answer for the user."""


@dataclass(frozen=True)
class SubscriptionService:
    settings: Settings
    repos: Repositories
    github: GitHubApi | None = None
    jira: JiraGateway | None = None

    @classmethod
    def build(
        cls, settings: Settings, repos: Repositories, jira: JiraGateway | None = None
    ) -> SubscriptionService:
        return cls(settings, repos, GitHubApi.from_settings(settings), jira)

    # Commands -----------------------------------------------------------------------------

    def subscribe(self, text: str, channel_id: str, user_id: str | None = None) -> str:
        service, rest = self._service(text, "subscribe")
        try:
            request = parse_subscription(service, rest)
        except SubscriptionSyntaxError as exc:
            raise Refused(
                f"Could not subscribe: {escape(str(exc))}.\n"
                + (GITHUB_HELP if service == "github" else JIRA_HELP)
            ) from None
        source_id, kind = self._checked_source(request)
        replaced = self._existing(channel_id, service, source_id)
        for old in replaced:
            self.repos.subscriptions.delete(old.id)
        subscription = self.repos.subscriptions.create(
            NewSubscription(
                source_service=service,
                source_id=source_id,
                channel_id=channel_id,
                events=request.events,
                filters=request.filters,
                created_by=user_id,
            )
        )
        log.info(
            "subscription.created id=%s service=%s source=%s channel=%s replaced=%s",
            subscription.id,
            service,
            source_id,
            channel_id,
            len(replaced),
        )
        verb = "Updated the subscription of" if replaced else "Subscribed"
        described = describe_subscription(source_id, subscription.events, subscription.filters)
        said = f"{verb} this channel to {service} `{escape(described)}`."
        return said + "\n" + self._setup(subscription, source_id, kind)

    def unsubscribe(self, text: str, channel_id: str) -> str:
        service, rest = self._service(text, "unsubscribe")
        token = rest.split()[0] if rest.split() else ""
        if not token:
            raise Refused(f"Name what to unsubscribe from: {_usage('unsubscribe')}.")
        try:
            source_id = source_name(service, token)
        except SubscriptionSyntaxError as exc:
            raise Refused(str(exc)) from None
        found = self._existing(channel_id, service, source_id)
        if not found:
            raise Refused(
                f"This channel is not subscribed to {service} `{escape(source_id)}`. "
                "`/ticket subscriptions` lists what it is subscribed to."
            )
        for subscription in found:
            self.repos.subscriptions.delete(subscription.id)
            log.info("subscription.deleted id=%s channel=%s", subscription.id, channel_id)
        return f"Unsubscribed this channel from {service} `{escape(found[0].source_id)}`."

    def listing(self, channel_id: str) -> str:
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
            page = self.repos.subscriptions.list(
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

    def _checked_source(self, request: SubscriptionRequest) -> tuple[str, str | None]:
        """The source as GitHub or Jira names it, after checking it exists (when we can),
        and what kind of GitHub account or repository it is (None when not checked)."""
        if request.source_service == "github":
            if self.github is None:
                return request.source_id, None
            try:
                info = self.github.check_source(request.source_id)
            except GitHubApiError as exc:
                raise Refused(f"Could not subscribe: {escape(str(exc))}.") from None
            return info.name, info.kind
        if self.jira is None or not self.jira.configured:
            return request.source_id, None
        try:
            keys = {project.key.upper() for project in self.jira.projects()}
        except JiraError as exc:
            raise Refused(f"Could not check the Jira project: {escape(str(exc))}.") from None
        if request.source_id not in keys:
            raise Refused(
                f"Could not subscribe: Jira project {request.source_id} was not found, or "
                "the Jira account of this app cannot see it."
            )
        return request.source_id, None

    def _webhook_url(self, service: str) -> str:
        base = self.settings.connect_public_url
        if base is None:
            return f"`https://<this app>/webhooks/{service}` (set CONNECT_PUBLIC_URL to show it)"
        return f"`{base}/webhooks/{service}`"

    def _setup(self, subscription: Subscription, source_id: str, kind: str | None) -> str:
        """What to configure on the sender; `source_id` as GitHub spells it (the stored one
        may be lower-cased)."""
        if subscription.source_service == "jira":
            return (
                "If Jira does not send webhooks here yet: Jira settings → System → WebHooks, "
                f"URL {self._webhook_url('jira')}, secret = JIRA_WEBHOOK_SECRET, events: "
                "issue created, updated and deleted; comment created, updated and deleted."
            )
        if kind == "user":  # a personal account has no account-wide webhooks
            page = "each of its repositories (Settings → Webhooks)"
        else:
            web_url = f"https://{web_host(self.settings.github_api_url)}"
            page = hooks_page(source_id, web_url)
        events = ", ".join(EVENT_LABELS[e] for e in webhook_events(subscription.events))
        return (
            f"If GitHub does not send webhooks here yet, add one at {page}: Payload URL "
            f"{self._webhook_url('github')}, content type `application/json`, secret = "
            f'GITHUB_WEBHOOK_SECRET, events ("Let me select individual events"): {events}.'
        )
