"""The live app, the fake Slack and a delivery worker the test drives: the webhook pipeline
end to end, for tests that need to say "deliver everything now"."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from integrations.delivery.worker import Worker
from playground.fakes.slack import FakeSlack
from tests.support.live import LiveApp
from tests.support.webhooks import post_github, post_jira


@dataclass
class DeliveryPipeline:
    live: LiveApp
    slack: FakeSlack
    worker: Worker

    def send_github(self, event: str, payload: dict[str, Any]) -> int:
        """A signed GitHub webhook, accepted; returns its integration id."""
        response = post_github(self.live, event, payload)
        assert response.status_code in (200, 202), response.text
        return response.json()["integration_id"]

    def send_jira(self, payload: dict[str, Any], **kwargs: Any) -> int:
        """A signed Jira webhook, accepted; returns its integration id."""
        response = post_jira(self.live, payload, **kwargs)
        assert response.status_code in (200, 202), response.text
        return response.json()["integration_id"]

    def drain(self, timeout: float = 10.0) -> None:
        """Deliver until nothing is pending (waiting out backoffs and Retry-After)."""
        deadline = time.monotonic() + timeout
        while True:
            self.worker.run_until_idle()
            pending = self.live.get("/api/v1/integrations", params={"status": "pending"})
            if pending.json()["total"] == 0:
                return
            assert time.monotonic() < deadline, pending.json()
            time.sleep(0.02)

    def event(self, integration_id: int) -> dict[str, Any]:
        """One integration event as the API shows it, with its attempt log."""
        return self.live.get(f"/api/v1/integrations/{integration_id}").json()

    def deliver(self, event: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Send one GitHub event, deliver it, and return its audit-log entry."""
        integration_id = self.send_github(event, payload)
        self.drain()
        return self.event(integration_id)
