"""What the listeners share: settings, repositories and the ticket services, built once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from slack_sdk import WebClient

from bot.views.modal_service import ModalService
from integrations.tickets import TicketDeps
from integrations.tickets.people import TtlCache
from settings import Settings
from storage import Repositories, SubscriptionFilter

DEFAULT_PROJECT_TTL = 5.0


@dataclass(frozen=True, slots=True)
class DefaultProject:
    key: str
    source: Literal["subscription", "setting"]


@dataclass(frozen=True)
class BotServices:
    settings: Settings
    repos: Repositories
    deps: TicketDeps
    modal: ModalService
    _defaults: TtlCache[str, DefaultProject | None] = field(
        default_factory=lambda: TtlCache(DEFAULT_PROJECT_TTL), repr=False
    )

    @classmethod
    def build(cls, settings: Settings, repos: Repositories, slack: WebClient) -> BotServices:
        deps = TicketDeps.build(settings, repos, slack=slack)
        return cls(settings, repos, deps, ModalService(deps.jira_interactive, slack))

    @property
    def slack(self) -> WebClient:
        return self.deps.slack

    def default_project(self, channel_id: str) -> DefaultProject | None:
        """The channel's Jira project: its one Jira subscription, else JIRA_DEFAULT_PROJECT.

        A channel subscribed to several projects has no default (the modal asks). Cached for
        a few seconds: `/ticket help` answers in the ack, and under load the read dominated
        its latency.
        """
        return self._defaults.get_or_load(channel_id, lambda: self._default_project(channel_id))

    def _default_project(self, channel_id: str) -> DefaultProject | None:
        subscribed = self.repos.subscriptions.list(
            SubscriptionFilter(source_service="jira", channel_id=channel_id), limit=2
        ).items
        if len(subscribed) == 1:
            return DefaultProject(subscribed[0].source_id.upper(), "subscription")
        if not subscribed and self.settings.jira_default_project:
            return DefaultProject(self.settings.jira_default_project.upper(), "setting")
        return None
