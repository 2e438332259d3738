"""What the listeners share: settings, repositories and the ticket services, built once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from slack_sdk import WebClient

from bot.views.modal_service import ModalService
from integrations.tickets import TicketDeps
from settings import Settings
from storage import Repositories, SubscriptionFilter


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

    @classmethod
    def build(cls, settings: Settings, repos: Repositories, slack: WebClient) -> BotServices:
        deps = TicketDeps.build(settings, repos, slack=slack)
        return cls(settings, repos, deps, ModalService(deps.jira_interactive, slack))

    @property
    def slack(self) -> WebClient:
        return self.deps.slack

    def default_project(self, channel_id: str) -> DefaultProject | None:
        """The channel's Jira project: its one Jira subscription, else JIRA_DEFAULT_PROJECT.

        A channel subscribed to several projects has no default (the modal asks).
        """
        subscribed = self.repos.subscriptions.list(
            SubscriptionFilter(source_service="jira", channel_id=channel_id), limit=2
        ).items
        if len(subscribed) == 1:
            return DefaultProject(subscribed[0].source_id.upper(), "subscription")
        if not subscribed and self.settings.jira_default_project:
            return DefaultProject(self.settings.jira_default_project.upper(), "setting")
        return None
