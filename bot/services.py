"""What the listeners share: the container, and the create-issue modal's service."""

from __future__ import annotations

from dataclasses import dataclass

from bot.views.modal_service import ModalService
from integrations.container import Container
from integrations.subscriptions.service import DefaultProject
from settings import Settings


@dataclass(frozen=True)
class BotServices:
    container: Container
    modal: ModalService

    @classmethod
    def build(cls, container: Container) -> BotServices:
        return cls(container, ModalService(container.jira_interactive, container.slack))

    @property
    def settings(self) -> Settings:
        return self.container.settings

    def default_project(self, channel_id: str) -> DefaultProject | None:
        """The channel's Jira project (`SubscriptionService.default_project`)."""
        return self.container.subscriptions.default_project(channel_id)
