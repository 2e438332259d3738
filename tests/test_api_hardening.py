"""Input that parses but no database stores, sizes and ids at the edges, odd encodings:
always the documented 4xx JSON, on every database — never a 500."""

from __future__ import annotations

import base64
import json
import multiprocessing as mp
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from storage.domain import NewSubscription
from tests.support.live import LiveApp
from tests.support.webhooks import GITHUB_SECRET, JIRA_SECRET, post_jira, signature

BODY = '{"source_service":"jira","target_service":"slack","event_type":%s,"payload":%s}'


def cursor_of(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


EDGE_CASES = {
    "id over BIGINT": ("get", "/api/v1/integrations/99999999999999999999", None, 404),
    "retry id over BIGINT": ("post", "/api/v1/integrations/99999999999999999999/retry", None, 404),
    "delete id over BIGINT": ("delete", "/api/v1/subscriptions/99999999999999999999", None, 404),
    "cursor over BIGINT": (
        "get",
        "/api/v1/integrations?cursor=" + cursor_of("id:99999999999999999999"),
        None,
        400,
    ),
    "negative cursor": ("get", "/api/v1/integrations?cursor=" + cursor_of("id:-5"), None, 400),
    "NUL in a filter": ("get", "/api/v1/integrations?event_type=a%00b", None, 400),
    "NUL in a string": ("post", "/api/v1/integrations", BODY % ('"a\\u0000b"', "{}"), 400),
    "NUL in a key": ("post", "/api/v1/integrations", BODY % ('"x"', '{"a\\u0000": 1}'), 400),
    "NaN": ("post", "/api/v1/integrations", BODY % ('"x"', '{"n": NaN}'), 400),
    "Infinity": ("post", "/api/v1/integrations", BODY % ('"x"', '{"n": 1e999}'), 400),
    "lone surrogate": ("post", "/api/v1/integrations", BODY % ('"x"', '{"k": "\\udfff"}'), 400),
    "5000-digit number": ("post", "/api/v1/integrations", BODY % ('"x"', "9" * 5000), 400),
    "nesting 100000": ("post", "/api/v1/integrations", "[" * 100000 + "]" * 100000, 400),
    "nesting 40": (
        "post",
        "/api/v1/integrations",
        BODY % ('"x"', '{"a":' + "[" * 39 + "]" * 39 + "}"),
        400,
    ),
    "source_id over 255": (
        "post",
        "/api/v1/integrations",
        json.dumps(
            {
                "source_service": "jira",
                "target_service": "slack",
                "event_type": "x",
                "source_id": "P-" + "1" * 300,
            }
        ),
        400,
    ),
}


@pytest.mark.parametrize("case", EDGE_CASES)
def test_edge_input_is_a_4xx_on_every_database(live_app: LiveApp, case: str) -> None:
    method, path, data, status = EDGE_CASES[case]
    response = live_app.http.request(method, live_app.url + path, data=data, timeout=10)
    assert response.status_code == status, response.text
    assert set(response.json()) >= {"error", "code"}


def test_unicode_round_trips_on_every_database(live_app: LiveApp) -> None:
    body = {
        "source_service": "jira",
        "target_service": "slack",
        "event_type": "x ✓ 🚀",
        "payload": {"text": "café — ✓ 🚀 \\u0000 is just text"},
    }
    created = live_app.post("/api/v1/integrations", json=body)
    assert created.status_code == 202
    one = live_app.get(f"/api/v1/integrations/{created.json()['integration_id']}").json()
    assert one["event_type"] == "x ✓ 🚀"
    assert one["payload"] == body["payload"]


def test_a_chunked_body_over_the_limit_is_413(
    make_live_app: Callable[..., LiveApp], sqlite_url: str
) -> None:
    live = make_live_app(sqlite_url, connect_max_body_bytes=64 * 1024)
    body = json.dumps({"source_service": "jira", "target_service": "slack", "event_type": "x"})
    padded = body.encode() + b" " * (2 * 1024 * 1024)
    chunks = (padded[i : i + 65536] for i in range(0, len(padded), 65536))
    response = requests.post(live.url + "/api/v1/integrations", data=chunks, timeout=30)
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_a_chunked_body_under_the_limit_is_accepted(
    make_live_app: Callable[..., LiveApp], sqlite_url: str
) -> None:
    live = make_live_app(sqlite_url, connect_max_body_bytes=64 * 1024)
    body = json.dumps({"source_service": "jira", "target_service": "slack", "event_type": "x"})
    response = requests.post(
        live.url + "/api/v1/integrations", data=iter([body.encode()]), timeout=30
    )
    assert response.status_code == 202


def test_idempotency_keys_are_case_sensitive_on_every_database(live_app: LiveApp) -> None:
    body = {"source_service": "github", "target_service": "slack", "event_type": "push"}
    a = live_app.post("/api/v1/integrations", json=body, headers={"Idempotency-Key": "Req-ABC"})
    b = live_app.post("/api/v1/integrations", json=body, headers={"Idempotency-Key": "req-abc"})
    c = live_app.post("/api/v1/integrations", json=body, headers={"Idempotency-Key": "req-abç"})
    ids = {r.json()["integration_id"] for r in (a, b, c)}
    assert len(ids) == 3


def test_a_channel_cannot_subscribe_twice_to_one_repo_by_case(live_app: LiveApp) -> None:
    live_app.runtime.repos.subscriptions.create(
        NewSubscription("github", "Octo/Hello", "C0123ABCD")
    )
    again = live_app.post(
        "/api/v1/subscriptions",
        json={"source_service": "github", "source_id": "octo/hello", "channel_id": "C0123ABCD"},
    )
    assert again.status_code == 409
    assert len(live_app.runtime.repos.subscriptions.matching("github", "OCTO/hello")) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"source_service": "jira", "source_id": "PROJ", "channel_id": "C0123ABCD\n"},
        {"source_service": "github", "source_id": "octo/hello\n", "channel_id": "C0123ABCD"},
        {
            "source_service": "github",
            "source_id": "octo/hello",
            "channel_id": "C0123ABCD",
            "events": ["commits:"],
        },
    ],
    ids=["channel newline", "repo newline", "empty branch"],
)
def test_near_miss_subscriptions_are_rejected(
    make_live_app: Callable[..., LiveApp], sqlite_url: str, body: dict
) -> None:
    response = make_live_app(sqlite_url).post("/api/v1/subscriptions", json=body)
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


def test_ipv4_mapped_loopback_is_loopback_but_local_proxies_are_not(
    make_live_app: Callable[..., LiveApp], sqlite_url: str
) -> None:
    live = make_live_app(sqlite_url)
    for header in ("X-Real-IP", "Via", "X-Forwarded-Host"):
        response = live.get("/api/v1/integrations", headers={header: "203.0.113.7"})
        assert response.status_code == 403, header


def _start_app(url: str, errors: mp.Queue) -> None:
    from app import create_app
    from tests.support.live import settings_for

    try:
        create_app(settings_for(url))
    except Exception as exc:  # reported to the parent, which fails the test
        errors.put(repr(exc))


def test_workers_starting_together_on_a_fresh_sqlite_file(tmp_path: Path) -> None:
    """gunicorn forks its workers at once; each migrates the SQLite file on start."""
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    context = mp.get_context("fork")
    errors: mp.Queue = context.Queue()
    processes = [context.Process(target=_start_app, args=(url, errors)) for _ in range(4)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
    failures = [errors.get() for _ in range(errors.qsize())] if not errors.empty() else []
    assert failures == []
    assert all(p.exitcode == 0 for p in processes)


WEBHOOK_EDGE_BODIES = {
    "NaN": b'{"webhookEvent": "jira:issue_updated", "n": NaN}',
    "lone surrogate": b'{"webhookEvent": "jira:issue_updated", "k": "\\udfff"}',
    "NUL": b'{"webhookEvent": "jira:issue_updated", "k": "a\\u0000b"}',
    "nesting 100000": b"[" * 100000 + b"]" * 100000,
}


@pytest.mark.parametrize("case", WEBHOOK_EDGE_BODIES)
def test_signed_webhooks_that_no_database_stores_are_400(
    make_live_app: Callable[..., LiveApp], database_url: str, case: str
) -> None:
    live = make_live_app(database_url, jira_webhook_secret=JIRA_SECRET)
    response = post_jira(live, WEBHOOK_EDGE_BODIES[case])
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "invalid_json"


def test_a_chunked_webhook_over_the_limit_is_413(
    make_live_app: Callable[..., LiveApp], sqlite_url: str
) -> None:
    live = make_live_app(
        sqlite_url, github_webhook_secret=GITHUB_SECRET, connect_webhook_max_body_bytes=64 * 1024
    )
    body = b'{"zen": "' + b"x" * (512 * 1024) + b'"}'
    headers = {
        "X-GitHub-Event": "ping",
        "X-GitHub-Delivery": "chunked-1",
        "X-Hub-Signature-256": signature(GITHUB_SECRET, body),
    }
    chunks = (body[i : i + 65536] for i in range(0, len(body), 65536))
    response = requests.post(
        live.url + "/webhooks/github", data=chunks, headers=headers, timeout=30
    )
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
