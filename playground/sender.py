"""What Slack, Jira and GitHub send to the app, signed as they sign it, over real HTTP.

Everything goes through the app's public routes (`/slack/events`, `/webhooks/jira`,
`/webhooks/github`), so the app cannot tell the playground from the real services. Each
request is remembered in a short log the page shows ("sent to the app").
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Any

import requests

from playground.fakes import slack_payloads
from playground.world import World


@dataclass(frozen=True)
class Sent:
    at: float
    route: str
    what: str
    status: int


class AppSender:
    def __init__(self, world: World, app_url: str) -> None:
        self.world = world
        self.app_url = app_url.rstrip("/")
        self.http = requests.Session()
        self._log: deque[Sent] = deque(maxlen=40)
        self._lock = threading.Lock()

    @property
    def log(self) -> list[Sent]:
        with self._lock:
            return list(self._log)

    def _post(self, route: str, what: str, body: bytes, headers: dict[str, str]):
        response = self.http.post(self.app_url + route, data=body, headers=headers, timeout=15)
        with self._lock:
            self._log.append(Sent(time.time(), route, what, response.status_code))
        return response

    # --- Slack ----------------------------------------------------------------------------

    def slack(self, envelope_type: str, payload: dict[str, Any], what: str) -> requests.Response:
        """A Slack request (`events_api`, `slash_commands`, `interactive`) signed with the
        signing secret, as Slack sends it over HTTP."""
        body, content_type = slack_payloads.http_body(envelope_type, payload)
        headers = slack_payloads.signed_headers(
            body, self.world.secrets.slack_signing_secret, content_type=content_type
        )
        return self._post("/slack/events", what, body, headers)

    # --- webhooks -------------------------------------------------------------------------

    def jira(self, payload: dict[str, Any]) -> requests.Response:
        body = json.dumps(payload).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature": _hmac(self.world.secrets.jira_webhook_secret, body),
            "X-Atlassian-Webhook-Identifier": str(uuid.uuid4()),
        }
        what = payload.get("issue_event_type_name") or payload.get("webhookEvent", "?")
        return self._post("/webhooks/jira", f"Jira {what}", body, headers)

    def github(self, event: str, payload: dict[str, Any]) -> requests.Response:
        body = json.dumps(payload).encode()
        headers = {
            "Content-Type": "application/json",
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": str(uuid.uuid4()),
            "X-Hub-Signature-256": _hmac(self.world.secrets.github_webhook_secret, body),
        }
        action = payload.get("action")
        return self._post(
            "/webhooks/github", f"GitHub {event} {action or ''}".strip(), body, headers
        )

    # --- the app's own API (people) -------------------------------------------------------

    def put(self, path: str, payload: dict[str, Any]) -> requests.Response:
        return self.http.put(self.app_url + path, json=payload, timeout=15)


def _hmac(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
