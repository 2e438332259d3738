"""`/webhooks/jira` and `/webhooks/github` over real HTTP: the intake status policy."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from integrations.routes import handler_for
from tests.support.live import LiveApp
from tests.support.webhooks import (
    GITHUB_SECRET,
    JIRA_SECRET,
    jira_corpus_files,
    jira_payload,
    post_github,
    post_jira,
    signature,
)
from web import webhooks

SECRETS = {"jira_webhook_secret": JIRA_SECRET, "github_webhook_secret": GITHUB_SECRET}


@pytest.fixture
def app(make_live_app: Callable[..., LiveApp], sqlite_url: str) -> LiveApp:
    return make_live_app(sqlite_url, **SECRETS)


def _stored(live: LiveApp, integration_id: int) -> dict:
    return live.get(f"/api/v1/integrations/{integration_id}").json()


def test_an_unset_secret_refuses_everything_and_says_why_in_the_log(
    make_live_app: Callable[..., LiveApp],
    sqlite_url: str,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(webhooks, "_warned_unset", set())  # logged once per process
    live = make_live_app(sqlite_url)
    for response in (
        post_jira(live, jira_payload("issue-created"), secret="anything"),
        post_jira(live, jira_payload("issue-created"), secret=None),
        post_github(live, "ping", {"zen": "hi"}, secret="anything"),
    ):
        assert response.status_code == 401
        assert response.json()["code"] == "webhook_secret_unset"
    assert live.get("/api/v1/integrations").json()["total"] == 0
    [jira_line] = [r.getMessage() for r in caplog.records if "source=jira" in r.getMessage()]
    assert jira_line.startswith("webhook.secret_unset source=jira: JIRA_WEBHOOK_SECRET is not set")


def test_unsigned_and_badly_signed_requests_are_401(app: LiveApp) -> None:
    payload = jira_payload("issue-created")
    unsigned = post_jira(app, payload, secret=None)
    assert unsigned.status_code == 401
    assert unsigned.json() == {
        "error": "request is not signed: X-Hub-Signature or Authorization: Bearer is required",
        "code": "missing_signature",
    }
    wrong = post_jira(app, payload, secret="not-the-secret")
    assert (wrong.status_code, wrong.json()["code"]) == (401, "bad_signature")
    github = post_github(app, "ping", {"zen": "x"}, secret="not-the-secret")
    assert (github.status_code, github.json()["code"]) == (401, "bad_signature")
    tampered = post_jira(
        app,
        json.dumps(payload).encode(),
        secret=None,
        headers={"X-Hub-Signature": signature(JIRA_SECRET, b"{}")},
    )
    assert tampered.status_code == 401
    assert app.get("/api/v1/integrations").json()["total"] == 0


def test_jira_senders_that_cannot_sign_may_send_the_secret_as_a_bearer_token(
    app: LiveApp,
) -> None:
    payload = jira_payload("issue-created")
    good = post_jira(app, payload, secret=None, headers={"Authorization": f"Bearer {JIRA_SECRET}"})
    assert good.status_code == 202
    bad = post_jira(app, payload, secret=None, headers={"Authorization": "Bearer guess"})
    assert (bad.status_code, bad.json()["code"]) == (401, "bad_signature")
    github = app.post(
        "/webhooks/github",
        json={"zen": "x"},
        headers={"X-GitHub-Event": "ping", "Authorization": f"Bearer {GITHUB_SECRET}"},
    )
    assert (github.status_code, github.json()["code"]) == (401, "missing_signature")


def test_a_body_over_the_limit_is_413_but_only_once_signed(
    make_live_app: Callable[..., LiveApp], sqlite_url: str
) -> None:
    live = make_live_app(sqlite_url, connect_webhook_max_body_bytes=4096, **SECRETS)
    big = json.dumps({"webhookEvent": "jira:issue_created", "pad": "x" * 5000}).encode()
    signed = post_jira(live, big)
    assert signed.status_code == 413
    assert signed.json()["code"] == "payload_too_large"
    assert post_jira(live, big, secret=None).status_code == 401
    assert post_jira(live, jira_payload("issue-created")).status_code == 413  # 8 KB > 4 KB
    small = {"webhookEvent": "jira:issue_deleted", "issue": {"key": "A-1"}}
    assert post_jira(live, small).status_code in (200, 202)


def test_the_webhook_limit_is_not_the_api_limit(
    make_live_app: Callable[..., LiveApp], sqlite_url: str
) -> None:
    live = make_live_app(sqlite_url, connect_max_body_bytes=1024, **SECRETS)
    response = post_jira(live, jira_payload("cloud-issue-created-many-fields"))  # ~25 KB
    assert response.status_code == 202


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", "invalid_json"),
        (b"[1, 2]", "invalid_json"),
        (b"\xff\xfe", "invalid_json"),
        (b'{"issue": {"key": "A-1"}}', "not_a_webhook"),
    ],
)
def test_signed_bodies_that_are_not_jira_webhooks_are_400(
    app: LiveApp, body: bytes, code: str
) -> None:
    response = post_jira(app, body)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert set(response.json()) == {"error", "code"}


def test_github_without_an_event_header_is_400(app: LiveApp) -> None:
    body = b'{"zen": "x"}'
    response = app.post(
        "/webhooks/github",
        data=body,
        headers={"X-Hub-Signature-256": signature(GITHUB_SECRET, body)},
    )
    assert (response.status_code, response.json()["code"]) == (400, "not_a_webhook")


def test_an_accepted_event_is_stored_pending_with_its_thread(app: LiveApp) -> None:
    response = post_jira(app, jira_payload("issue-updated-assigned"), delivery_id="d-1")
    assert response.status_code == 202
    body = response.json()
    assert body == {
        "success": True,
        "integration_id": body["integration_id"],
        "message": "Webhook accepted",
        "status": "pending",
    }
    stored = _stored(app, body["integration_id"])
    assert stored["status"] == "pending"
    assert stored["source_service"] == "jira"
    assert stored["target_service"] == "slack"
    assert stored["event_type"] == "jira:issue_updated"
    assert stored["source_id"] == "TES-41"
    assert stored["payload"] == jira_payload("issue-updated-assigned")


def test_redelivered_events_are_stored_once_on_every_database(
    make_live_app: Callable[..., LiveApp], database_url: str
) -> None:
    live = make_live_app(database_url, **SECRETS)
    payload = jira_payload("issue-updated-renamed")
    first = post_jira(live, payload, delivery_id="same-id")
    again = post_jira(live, payload, delivery_id="same-id")
    assert first.status_code == 202
    assert again.status_code == 200
    assert again.json()["integration_id"] == first.json()["integration_id"]
    assert again.json()["message"] == "Already received"

    unnamed = post_jira(live, payload, delivery_id=None)
    unnamed_again = post_jira(live, payload, delivery_id=None)
    assert unnamed_again.json()["integration_id"] == unnamed.json()["integration_id"]
    assert unnamed.json()["integration_id"] != first.json()["integration_id"]

    changed = dict(payload, timestamp=1)
    other = post_jira(live, changed, delivery_id=None)
    assert other.status_code == 202
    assert live.get("/api/v1/integrations").json()["total"] == 3


def test_known_but_unhandled_jira_events_are_stored_as_ignored(app: LiveApp) -> None:
    worklog = {"webhookEvent": "worklog_created", "worklog": {"id": "1", "issueId": "10"}}
    response = post_jira(app, worklog)
    assert response.status_code == 200
    assert response.json()["status"] == "ignored"
    assert (
        response.json()["message"]
        == "Ignored: worklog_created: time tracking (worklogs) is not posted"
    )
    stored = _stored(app, response.json()["integration_id"])
    assert stored["status"] == "ignored"

    rank = post_jira(app, jira_payload("issue-updated-rank"))
    assert rank.json()["status"] == "ignored"
    assert "Rank" in rank.json()["message"]
    unknown = post_jira(app, {"webhookEvent": "jira:something_new"})
    assert unknown.json()["message"] == "Ignored: jira:something_new: not an event this app posts"


def test_github_ping_is_answered_and_stored_as_ignored(app: LiveApp) -> None:
    response = post_github(app, "ping", {"zen": "Keep it logically awesome.", "hook_id": 1})
    assert response.status_code == 200
    assert response.json()["status"] == "ignored"
    assert _stored(app, response.json()["integration_id"])["event_type"] == "ping"


def test_github_events_are_keyed_by_their_pull_request(app: LiveApp) -> None:
    payload = {
        "action": "opened",
        "number": 42,
        "pull_request": {"number": 42, "title": "x"},
        "repository": {"full_name": "octo/repo"},
    }
    response = post_github(app, "pull_request", payload)
    assert response.status_code in (200, 202)
    stored = _stored(app, response.json()["integration_id"])
    assert stored["source_id"] == "octo/repo#42"
    if handler_for("github", "slack") is None:
        assert stored["status"] == "ignored"


@pytest.mark.parametrize("path", jira_corpus_files(), ids=lambda p: Path(p).stem)
def test_every_corpus_payload_is_accepted_without_a_server_error(app: LiveApp, path: Path) -> None:
    response = post_jira(app, path.read_bytes())
    assert response.status_code in (200, 202), response.text
    assert response.json()["status"] in ("pending", "ignored")
