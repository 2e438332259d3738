"""What handles what: the delivery routing table and the intake classifiers, as data.

The webhook intake (`web.webhooks`) classifies each event with its source's `INTAKE`
entry and stores the result; the worker (`integrations.delivery.worker`) claims events of
the `(source, target)` pairs in `DELIVERY` and calls their handler. Adding a route is adding
a line here.
"""

from __future__ import annotations

from collections.abc import Mapping

from integrations.delivery import Handler
from integrations.github import delivery as github_to_slack
from integrations.github import intake as github_intake
from integrations.github import jira_comments as github_to_jira
from integrations.intake import Classify
from integrations.jira import delivery as jira_to_slack
from integrations.jira import intake as jira_intake
from integrations.notifications import outbox as direct_messages
from integrations.tickets import delivery as slack_to_jira
from integrations.tickets.delivery import deliver_comment as slack_reply_to_github
from storage.domain import Service

DELIVERY: Mapping[tuple[str, str], Handler] = {
    (Service.JIRA, Service.SLACK): jira_to_slack.deliver,
    (Service.GITHUB, Service.SLACK): github_to_slack.deliver,
    (Service.GITHUB, Service.JIRA): github_to_jira.deliver_link,
    (Service.SLACK, Service.JIRA): slack_to_jira.deliver,
    (Service.SLACK, Service.SLACK): direct_messages.deliver,  # personal notifications (DMs)
    (Service.SLACK, Service.GITHUB): slack_reply_to_github,
}
"""`(source_service, target_service)` → the handler that delivers such events."""

INTAKE: Mapping[str, Classify] = {
    Service.JIRA: jira_intake.classify,
    Service.GITHUB: github_intake.classify,
}
"""Webhook source → how its events are classified when they arrive."""


def handler_for(source_service: str, target_service: str) -> Handler | None:
    return DELIVERY.get((source_service, target_service))


def routes() -> list[tuple[str, str]]:
    """The `(source, target)` pairs that have a handler: what a worker may claim."""
    return sorted(DELIVERY)


def describe_routes() -> str:
    """`github → jira, github → slack, ...`: the supported pairs, for messages."""
    return ", ".join(f"{source} → {target}" for source, target in routes())


def unsupported(source_service: str, target_service: str) -> str:
    """Why an event of a pair without a handler is never delivered (API answer, audit log)."""
    return (
        f"no handler delivers {source_service} → {target_service} events; "
        f"supported: {describe_routes()}"
    )
