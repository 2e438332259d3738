"""Slack → Jira: issues created from Slack, and Slack thread replies mirrored as comments.

`TicketDeps.build(settings, repos)` wires the services; the Bolt listeners (`bot/`) and the
delivery handler (`integrations/tickets/delivery.py`) both use them.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

from slack_sdk import WebClient

from integrations.jira_api import JiraConfig, JiraGateway
from integrations.tickets.comments import CommentSync
from integrations.tickets.people import Directory
from integrations.tickets.service import TicketService
from settings import Settings
from storage import Repositories

INTERACTIVE_TIMEOUT = 2.5
"""Seconds Jira gets on paths Slack waits for (options, modal updates): under its 3 s."""
WORK_TIMEOUT = 10.0


def inline_worker_id() -> str:
    """Who holds the lease of an event a listener delivers itself (fits `locked_by`)."""
    return f"slack:{socket.gethostname()[:40]}:{os.getpid()}"


@dataclass(frozen=True)
class TicketDeps:
    settings: Settings
    repos: Repositories
    slack: WebClient
    jira: JiraGateway
    jira_interactive: JiraGateway
    directory: Directory
    tickets: TicketService
    comments: CommentSync

    @classmethod
    def build(
        cls, settings: Settings, repos: Repositories, *, slack: WebClient | None = None
    ) -> TicketDeps:
        if slack is None:
            from bot import slack_client

            slack = slack_client(settings)
        jira = JiraGateway(JiraConfig.from_settings(settings, timeout=WORK_TIMEOUT))
        interactive = JiraGateway(JiraConfig.from_settings(settings, timeout=INTERACTIVE_TIMEOUT))
        directory = Directory(slack, jira)
        worker = inline_worker_id()
        return cls(
            settings=settings,
            repos=repos,
            slack=slack,
            jira=jira,
            jira_interactive=interactive,
            directory=directory,
            tickets=TicketService(
                jira=jira, slack=slack, repos=repos, directory=directory, worker_id=worker
            ),
            comments=CommentSync(
                jira=jira,
                slack=slack,
                repos=repos,
                directory=directory,
                worker_id=worker,
                retry_seconds=settings.connect_delivery_backoff_seconds,
            ),
        )


# Registers the slack → jira delivery handler (`@handles("slack", "jira")`) on import.
from integrations.tickets import delivery  # noqa: E402, F401
