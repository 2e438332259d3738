"""Listeners of the buttons on the messages the app posts (`block_actions`) and of the
modals they open."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import App

from bot.actions import github_cards, home, jira_card

if TYPE_CHECKING:
    from bot.services import BotServices


def register(app: App, services: BotServices) -> None:
    jira_card.register(app, services)
    home.register(app, services)  # the App Home's checkboxes and Retry
    github_cards.register(app, services)
