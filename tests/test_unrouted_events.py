"""Every event ends somewhere: the API refuses a `(source, target)` pair no handler serves,
and an event stored nonetheless (by an older version, or before its route was removed) is
ended `ignored` with the reason by the worker's sweep, not left pending for ever."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from slack_sdk import WebClient

from integrations.container import build_container
from integrations.delivery.worker import Worker, WorkerConfig
from integrations.routes import routes, unsupported
from storage import Repositories
from storage.domain import MappingType, NewIntegration, Status, slack_ref
from storage.types import utcnow
from tests.fakes.slack import FakeSlack
from tests.support.live import LiveApp
from tests.support.pipeline import DeliveryPipeline
from tests.support.webhooks import JIRA_SECRET, jira_payload

SERVICES = ("slack", "jira", "github")
UNSUPPORTED = [p for p in itertools.product(SERVICES, SERVICES) if p not in routes()]
SUPPORTED_ROUTES = [{"source_service": s, "target_service": t} for s, t in routes()]


@pytest.mark.parametrize(("source", "target"), UNSUPPORTED)
def test_the_api_refuses_a_pair_no_handler_serves(
    make_live_app: Callable[..., LiveApp], sqlite_url: str, source: str, target: str
) -> None:
    live = make_live_app(sqlite_url)
    body = {"source_service": source, "target_service": target, "event_type": "x"}
    response = live.post("/api/v1/integrations", json=body)
    assert response.status_code == 400
    assert response.json() == {
        "error": f"no handler delivers {source} → {target} events; supported: github → jira, "
        "github → slack, jira → slack, slack → github, slack → jira, slack → slack",
        "code": "unsupported_route",
        "supported_routes": SUPPORTED_ROUTES,
    }
    assert live.get("/api/v1/integrations").json()["total"] == 0


@pytest.mark.parametrize(("source", "target"), routes())
def test_the_api_records_every_supported_pair(
    make_live_app: Callable[..., LiveApp], sqlite_url: str, source: str, target: str
) -> None:
    body = {"source_service": source, "target_service": target, "event_type": "x"}
    assert make_live_app(sqlite_url).post("/api/v1/integrations", json=body).status_code == 202


def test_pending_events_without_a_route_are_ignored_with_the_reason_on_every_database(
    repos: Repositories,
) -> None:
    record = repos.integrations.record
    stray, _ = record(NewIntegration("jira", "jira", "jira:issue_updated"))
    other, _ = record(NewIntegration("jira", "github", "x"))
    routed, _ = record(NewIntegration("jira", "slack", "jira:issue_updated"))
    done, _ = record(NewIntegration("github", "github", "x", status=Status.FAILED))
    leased, _ = record(NewIntegration("jira", "jira", "x"))
    [claim] = repos.queue.claim("old-version", [("jira", "jira")], lease_seconds=60)
    assert claim.id == stray.id  # an older version's worker holds this one
    repos.queue.claim("old-version-2", [("jira", "jira")], lease_seconds=60)

    ended = repos.queue.end_unrouted(routes(), unsupported)

    assert ended == {("jira", "github"): 1}
    later = utcnow() + timedelta(seconds=120)  # the old version's leases have expired
    assert repos.queue.end_unrouted(routes(), unsupported, now=later) == {("jira", "jira"): 2}
    assert [a.outcome for a in repos.integrations.attempts(stray.id)] == ["abandoned"]
    for event in (stray, other, leased):
        found = repos.integrations.get(event.id)
        assert found is not None
        assert found.status is Status.IGNORED
        assert found.error_message == unsupported(event.source_service, event.target_service)
        assert found.next_attempt_at is None
    assert repos.integrations.get(routed.id).status is Status.PENDING  # type: ignore[union-attr]
    assert repos.integrations.get(done.id).status is Status.FAILED  # type: ignore[union-attr]
    assert repos.queue.end_unrouted(routes(), unsupported, now=later) == {}


def test_a_stray_event_no_longer_holds_back_its_thread(
    make_live_app: Callable[..., LiveApp], sqlite_url: str, fake_slack: FakeSlack
) -> None:
    """An event of a removed route heading an issue's thread: the worker's sweep ends it,
    and the issue's next event is delivered behind it."""
    live = make_live_app(
        sqlite_url,
        slack_bot_token=fake_slack.bot_token,
        slack_signing_secret="signing-secret",
        slack_api_url=fake_slack.api_url,
        jira_webhook_secret=JIRA_SECRET,
    )
    repos = live.runtime.repos
    stray, _ = repos.integrations.record(
        NewIntegration("jira", "github", "jira:issue_updated", ordering_key="jira:TES-41")
    )
    root = fake_slack.add_message("C0GENERAL", "TES-41 here")
    repos.mappings.link(
        MappingType.ISSUE_THREAD, "jira", "TES-41", "slack", slack_ref("C0GENERAL", root.ts)
    )
    client = WebClient(token=fake_slack.bot_token, base_url=fake_slack.api_url, timeout=2)
    outcomes: list[tuple[str, str]] = []
    worker = Worker(
        build_container(live.runtime.settings, repos, slack_delivery=client),
        config=WorkerConfig(threads=1, poll_seconds=0.05, backoff_seconds=0.01),
        on_outcome=lambda target, outcome: outcomes.append((target, outcome)),
    )
    pipeline = DeliveryPipeline(live, fake_slack, worker)
    comment = pipeline.send_jira(jira_payload("cloud-comment-created"))

    pipeline.drain()

    ended: dict[str, Any] = pipeline.event(stray.id)
    assert ended["status"] == "ignored"
    assert ended["error_message"] == unsupported("jira", "github")
    assert ended["attempt_log"] == []
    assert pipeline.event(comment)["status"] == "completed"
    assert len(fake_slack.replies("C0GENERAL", root.ts)) == 1
    assert ("github", "ignored") in outcomes
