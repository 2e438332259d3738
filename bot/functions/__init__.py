"""Workflow Builder steps ("custom steps for Bolt apps"). `FUNCTIONS` is what `manifest.yml`
must declare under `functions`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import App

from bot.functions import create_issue

if TYPE_CHECKING:
    from bot.services import BotServices

FUNCTIONS = (create_issue.CALLBACK_ID,)
BOT_EVENTS = ("function_executed",)
"""How Slack runs a step of this app: the `function_executed` event."""


def register(app: App, services: BotServices) -> None:
    create_issue.register(app, services)
