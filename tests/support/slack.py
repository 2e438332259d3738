"""Signed Slack requests to the live app, as Slack's servers send them, and polling helpers.

`SlackSender` builds each payload with the fake Slack (so trigger ids, response URLs, views
and messages are ones the fake knows) and POSTs it to `/slack/events` with Slack's
`X-Slack-Signature` (`slack_sdk.signature.SignatureVerifier` accepts it). The same payloads go
over Socket Mode with `fake.send_envelope(type, payload)`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from playground.fakes import slack_payloads as payloads
from playground.fakes.jira import FakeJira
from playground.fakes.slack import FakeSlack
from playground.fakes.slack_models import Message
from storage import IntegrationFilter, MappingFilter, Repositories
from storage.domain import Integration, MappingType, ServiceMapping
from tests.support.live import LiveApp

SIGNING_SECRET = "test-signing-secret"


def wait_for(
    probe: Callable[[], Any], *, timeout: float = 15.0, interval: float = 0.02, what: str = ""
) -> Any:
    """Poll `probe` until it returns something truthy, and return that; AssertionError after
    `timeout` s. (Typed `Any`: probes are `a and b and value` chains.)

    Lazy listeners run in threads after the ack: tests wait for their outcome this way,
    never with fixed sleeps.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or probe}")
        time.sleep(interval)


def settle(probe: Callable[[], object], *, duration: float = 0.3, interval: float = 0.02) -> None:
    """Assert that `probe` stays falsy for `duration` seconds (nothing more happens)."""
    deadline = time.monotonic() + duration
    while time.monotonic() < deadline:
        assert not probe(), f"unexpected: {probe()!r}"
        time.sleep(interval)


def _user_ref(fake: FakeSlack, user: str) -> dict[str, Any]:
    name = fake.users[user].name if user in fake.users else user
    return {"id": user, "username": name, "name": name, "team_id": payloads.TEAM_ID}


def block_actions(
    fake: FakeSlack,
    view: dict[str, Any],
    action: dict[str, Any],
    *,
    values: dict[str, dict[str, dict[str, Any]]] | None = None,
    user: str = "U0ALICE",
) -> dict[str, Any]:
    """A `block_actions` payload for an element of an open modal (`dispatch_action`)."""
    current = dict(view)
    current["state"] = {"values": values or {}}
    return {
        "type": "block_actions",
        "user": _user_ref(fake, user),
        "api_app_id": payloads.APP_ID,
        "token": payloads.VERIFICATION_TOKEN,
        "container": {"type": "view", "view_id": view["id"]},
        "trigger_id": fake.new_trigger_id(),
        "team": {"id": payloads.TEAM_ID, "domain": payloads.TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "view": current,
        "actions": [{**action, "action_ts": "1700000100.000100"}],
    }


def block_suggestion(
    fake: FakeSlack, view: dict[str, Any], action_id: str, block_id: str, value: str = ""
) -> dict[str, Any]:
    """A `block_suggestion` payload: an `external_select` asking for options."""
    return {
        "type": "block_suggestion",
        "user": _user_ref(fake, "U0ALICE"),
        "container": {"type": "view", "view_id": view["id"]},
        "api_app_id": payloads.APP_ID,
        "token": payloads.VERIFICATION_TOKEN,
        "action_id": action_id,
        "block_id": block_id,
        "value": value,
        "team": {"id": payloads.TEAM_ID, "domain": payloads.TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "view": view,
    }


def option(value: str, label: str | None = None) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": label or value}, "value": value}


class SlackSender:
    """Sends what Slack would send to the app at `app_url`, signed with `signing_secret`."""

    def __init__(self, app_url: str, fake: FakeSlack, signing_secret: str = SIGNING_SECRET) -> None:
        self.url = app_url.rstrip("/") + "/slack/events"
        self.fake = fake
        self.signing_secret = signing_secret
        self.http = requests.Session()

    def send(
        self,
        envelope_type: str,
        payload: dict[str, Any],
        *,
        headers: dict[str, str] | None = None,
        timestamp: int | None = None,
    ) -> requests.Response:
        body, content_type = payloads.http_body(envelope_type, payload)
        signed = payloads.signed_headers(
            body, self.signing_secret, timestamp=timestamp, content_type=content_type
        )
        return self.http.post(
            self.url, data=body, headers={**signed, **(headers or {})}, timeout=10
        )

    # --- slash commands, shortcuts, modals ------------------------------------------------

    def command(
        self, text: str = "", *, user: str = "U0ALICE", channel: str = "C0GENERAL"
    ) -> tuple[requests.Response, dict[str, Any]]:
        payload = self.fake.slash_command_payload(text, user=user, channel=channel)
        return self.send("slash_commands", payload), payload

    def shortcut(
        self,
        channel: str,
        ts: str,
        *,
        user: str = "U0ALICE",
        callback_id: str = "create_jira_issue",
    ) -> tuple[requests.Response, dict[str, Any]]:
        payload = self.fake.message_shortcut_payload(
            channel, ts, user=user, callback_id=callback_id
        )
        return self.send("interactive", payload), payload

    def submit(
        self,
        view_id: str,
        values: dict[str, dict[str, dict[str, Any]]],
        *,
        user: str = "U0ALICE",
    ) -> requests.Response:
        return self.send(
            "interactive", self.fake.view_submission_payload(view_id, values, user=user)
        )

    def action(
        self,
        view: dict[str, Any],
        action: dict[str, Any],
        *,
        values: dict[str, dict[str, dict[str, Any]]] | None = None,
    ) -> requests.Response:
        return self.send("interactive", block_actions(self.fake, view, action, values=values))

    def suggest(
        self, view: dict[str, Any], action_id: str, block_id: str, value: str = ""
    ) -> requests.Response:
        return self.send(
            "interactive", block_suggestion(self.fake, view, action_id, block_id, value)
        )

    # --- events ---------------------------------------------------------------------------

    def message(
        self, message: Message, *, retry_num: int | None = None, event_id: str | None = None
    ) -> tuple[requests.Response, dict[str, Any]]:
        payload = self.fake.message_event_payload(message)
        if event_id is not None:
            payload["event_id"] = event_id
        return self.event(payload, retry_num=retry_num), payload

    def event(self, payload: dict[str, Any], *, retry_num: int | None = None) -> requests.Response:
        headers = {}
        if retry_num:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        return self.send("events_api", payload, headers=headers)


def modal_values(
    *,
    project: str | None = None,
    issue_type: tuple[str, str] | None = None,
    summary: str | None = None,
    description: str | None = None,
    assignee: str | None = None,
    labels: str | None = None,
    priority: str | None = None,
    fields: dict[str, dict[str, Any]] | None = None,
) -> dict[str, dict[str, dict[str, Any]]]:
    """`view.state.values` of the create-issue modal, block by block, as Slack sends them.

    `issue_type` is `(project, type id)`: its block id is per project.
    """
    values: dict[str, dict[str, dict[str, Any]]] = {}
    if project is not None:
        values["project"] = {
            "project": {"type": "external_select", "selected_option": option(project)}
        }
    if issue_type is not None:
        values[f"issue_type:{issue_type[0]}"] = {
            "issue_type": {"type": "static_select", "selected_option": option(issue_type[1])}
        }
    if summary is not None:
        values["summary"] = {"summary": {"type": "plain_text_input", "value": summary}}
    if description is not None:
        values["description"] = {"description": {"type": "plain_text_input", "value": description}}
    if assignee is not None:
        values["assignee"] = {"assignee": {"type": "users_select", "selected_user": assignee}}
    if labels is not None:
        values["labels"] = {"labels": {"type": "plain_text_input", "value": labels}}
    if priority is not None:
        values["priority"] = {
            "priority": {"type": "static_select", "selected_option": option(priority)}
        }
    for field_id, state in (fields or {}).items():
        values[f"field:{field_id}"] = {f"field:{field_id}": state}
    return values


def metadata(view: dict[str, Any]) -> dict[str, Any]:
    return json.loads(view.get("private_metadata") or "{}")


# --- the app wired to the fakes ------------------------------------------------------------


@dataclass
class TicketEnv:
    """The live app talking to the fake Slack and fake Jira, and a sender of signed requests."""

    live: LiveApp
    slack: FakeSlack
    jira: FakeJira
    send: SlackSender

    @property
    def repos(self) -> Repositories:
        return self.live.runtime.repos

    def integrations(self, **filters: Any) -> list[Integration]:
        return list(self.repos.integrations.list(IntegrationFilter(**filters), limit=200).items)

    def mappings(self, mapping_type: MappingType) -> list[ServiceMapping]:
        return self.repos.mappings.find(MappingFilter(mapping_type=mapping_type.value))


def jira_settings(jira: FakeJira) -> dict[str, Any]:
    if jira.is_cloud:
        return {
            "jira_base_url": jira.url,
            "jira_email": jira.email,
            "jira_api_token": jira.api_token,
        }
    return {"jira_base_url": jira.url, "jira_api_token": jira.pat}


def start_ticket_env(
    make_live_app: Callable[..., LiveApp],
    database_url: str,
    slack: FakeSlack,
    jira: FakeJira,
    **overrides: Any,
) -> TicketEnv:
    settings: dict[str, Any] = {
        "slack_bot_token": slack.bot_token,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": slack.api_url,
        "connect_worker": "off",
        **jira_settings(jira),
        **overrides,
    }
    live = make_live_app(database_url, **settings)
    return TicketEnv(live, slack, jira, SlackSender(live.url, slack))


def initial_state(view: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """`state.values` as Slack reports an untouched view: each input's initial value."""
    values: dict[str, dict[str, dict[str, Any]]] = {}
    for block in view.get("blocks", []):
        element = block.get("element") or {}
        if block.get("type") != "input" or "action_id" not in element:
            continue
        state: dict[str, Any] = {"type": element["type"]}
        if "initial_value" in element:
            state["value"] = element["initial_value"]
        elif "initial_option" in element:
            state["selected_option"] = element["initial_option"]
        elif "initial_options" in element:
            state["selected_options"] = element["initial_options"]
        elif "initial_user" in element:
            state["selected_user"] = element["initial_user"]
        elif "initial_date" in element:
            state["selected_date"] = element["initial_date"]
        elif element["type"] in ("plain_text_input", "number_input"):
            state["value"] = None
        elif element["type"] in ("static_select", "external_select"):
            state["selected_option"] = None
        values[block["block_id"]] = {element["action_id"]: state}
    return values


def merge_state(
    base: dict[str, dict[str, dict[str, Any]]], changes: dict[str, dict[str, dict[str, Any]]]
) -> dict[str, dict[str, dict[str, Any]]]:
    merged = {block_id: dict(actions) for block_id, actions in base.items()}
    for block_id, actions in changes.items():
        merged.setdefault(block_id, {}).update(actions)
    return merged
