"""The container: every client and service of one process, built once, typed and frozen.

`app.py` (the HTTP service and `python app.py worker`) builds it with `build_container`
and hands it down: the Bolt listeners (`bot.services.BotServices`), the HTTP routes
(`web.runtime.Runtime`) and the delivery worker (`integrations.delivery.worker.Worker`, whose
handlers get it in their `DeliveryContext`). Nothing below builds a client of its own or
keeps a cache of built services.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

from slack_sdk import WebClient

from integrations.github.api import GitHubApi
from integrations.github.card_actions import GitHubCards
from integrations.home import HomeService
from integrations.jira.actions import CardActions
from integrations.jira.key_replies import KeyReplies
from integrations.jira.previews import IssuePreviews
from integrations.jira_api import JiraConfig, JiraGateway
from integrations.people import Directory, NotifySettings, PeopleLinks, SlackUsersByEmail
from integrations.slack.clients import delivery_client, listener_client
from integrations.slack.pacer import ChannelPacer
from integrations.slack.writer import SlackWriter
from integrations.subscriptions.service import SubscriptionService
from integrations.tickets.comments import CommentSync
from integrations.tickets.service import TicketService
from integrations.tickets.transcript import Transcripts
from settings import Settings
from storage import Repositories

INTERACTIVE_TIMEOUT = 2.5
"""Seconds Jira gets on paths Slack waits for (options, modal updates): under its 3 s."""
WORK_TIMEOUT = 10.0
"""Seconds Jira gets elsewhere; then the outcome is unknown and the work is retried."""


def inline_worker_id() -> str:
    """Who holds the lease of an event a listener delivers itself (fits `locked_by`)."""
    return f"slack:{socket.gethostname()[:40]}:{os.getpid()}"


@dataclass(frozen=True)
class Container:
    """What listeners, routes and delivery handlers are given.

    `slack` writes for the listeners (its client retries rate limits and 5xx itself);
    `slack_delivery` for the worker (no retries: the queue retries the whole event, after
    checking what landed; its posts paced per channel, `CONNECT_SLACK_CHANNEL_POSTS_PER_SECOND`).
    `jira` has the work timeout, `jira_interactive` the short one for paths Slack waits on.
    `github` is None without `GITHUB_TOKEN`.
    """

    settings: Settings
    repos: Repositories
    slack: SlackWriter
    slack_delivery: SlackWriter
    jira: JiraGateway
    jira_interactive: JiraGateway
    github: GitHubApi | None
    people: Directory
    people_links: PeopleLinks
    notify: NotifySettings
    slack_users: SlackUsersByEmail
    transcripts: Transcripts
    tickets: TicketService
    comments: CommentSync
    subscriptions: SubscriptionService
    card_actions: CardActions
    jira_previews: IssuePreviews
    key_replies: KeyReplies
    home: HomeService
    github_cards: GitHubCards

    @property
    def slack_configured(self) -> bool:
        """Whether anything can be posted (`SLACK_BOT_TOKEN` is set)."""
        return self.settings.slack_bot_token is not None


def build_container(
    settings: Settings, repos: Repositories, *, slack_delivery: WebClient | None = None
) -> Container:
    """Build every client and service once. `slack_delivery` replaces the worker's Slack
    client (tests give one with a short timeout)."""
    slack = SlackWriter(listener_client(settings))
    jira = JiraGateway(JiraConfig.from_settings(settings, timeout=WORK_TIMEOUT))
    interactive = JiraGateway(JiraConfig.from_settings(settings, timeout=INTERACTIVE_TIMEOUT))
    github = GitHubApi.from_settings(settings)
    pace = settings.connect_slack_channel_posts_per_second
    delivery = SlackWriter(
        slack_delivery or delivery_client(settings), pacer=ChannelPacer(pace) if pace else None
    )
    slack_users = SlackUsersByEmail(delivery.client)
    people = Directory(slack.client, jira, repos.people, slack_users)
    transcripts = Transcripts(slack)
    worker_id = inline_worker_id()
    previews = IssuePreviews(jira, people)
    return Container(
        settings=settings,
        repos=repos,
        slack=slack,
        slack_delivery=delivery,
        jira=jira,
        jira_interactive=interactive,
        github=github,
        people=people,
        people_links=PeopleLinks(people, repos.people, jira),
        notify=NotifySettings(people, repos.people),
        slack_users=slack_users,
        transcripts=transcripts,
        tickets=TicketService(
            jira=jira,
            slack=slack,
            repos=repos,
            people=people,
            transcripts=transcripts,
            worker_id=worker_id,
        ),
        comments=CommentSync(
            jira=jira,
            slack=slack,
            repos=repos,
            people=people,
            worker_id=worker_id,
            github=github,
            retry_seconds=settings.connect_delivery_backoff_seconds,
        ),
        subscriptions=SubscriptionService(settings, repos, github, interactive),
        card_actions=CardActions(
            jira=jira, slack=slack, repos=repos, people=people, previews=previews
        ),
        jira_previews=previews,
        key_replies=KeyReplies(previews, slack, repos),
        home=HomeService(
            settings=settings, repos=repos, jira=interactive, people=people, slack=slack
        ),
        github_cards=GitHubCards(github, people, slack, repos),
    )
