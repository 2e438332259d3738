"""Block actions on the messages the app posts (buttons and selects of its cards)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import App

from bot.actions import home, jira_card

if TYPE_CHECKING:
    from bot.services import BotServices


def register(app: App, services: BotServices) -> None:
    jira_card.register(app, services)
    home.register(app, services)  # the App Home's checkboxes and Retry
