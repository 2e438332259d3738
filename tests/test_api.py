"""`/health`, `/metrics` and `/api/v1` over real HTTP, on each database kind."""

from __future__ import annotations

import functools
from collections.abc import Callable

import pytest
import werkzeug.test
from flask import Flask

from storage.domain import MappingType, NewIntegration, Status
from tests.support.live import LiveApp


def test_health_reports_the_seed_json(live_app: LiveApp) -> None:
    response = live_app.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "healthy", "service": "connect", "database": "connected"}


def test_health_is_503_when_the_database_is_unreachable(
    make_live_app: Callable[..., LiveApp],
) -> None:
    live = make_live_app("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    response = live.get("/health")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unhealthy",
        "service": "connect",
        "database": "disconnected",
    }


def test_create_list_get_an_integration(live_app: LiveApp) -> None:
    body = {
        "source_service": "jira",
        "target_service": "slack",
        "event_type": "jira:issue_updated",
        "payload": {"issue": {"key": "PROJ-1"}},
    }
    created = live_app.post("/api/v1/integrations", json=body)
    assert created.status_code == 202
    integration_id = created.json()["integration_id"]
    assert created.json() == {
        "success": True,
        "message": "Integration created",
        "integration_id": integration_id,
    }

    listing = live_app.get("/api/v1/integrations", params={"source_service": "jira"}).json()
    assert listing["total"] == 1
    assert listing["next_cursor"] is None
    [item] = listing["integrations"]
    assert item["id"] == integration_id
    assert item["status"] == "pending"
    assert "payload" not in item

    one = live_app.get(f"/api/v1/integrations/{integration_id}").json()
    assert one["payload"] == {"issue": {"key": "PROJ-1"}}
    assert one["attempt_log"] == []
    assert one["last_error"] is None


def test_idempotency_key_records_once(live_app: LiveApp) -> None:
    body = {"source_service": "github", "target_service": "slack", "event_type": "push"}
    headers = {"Idempotency-Key": "req-42"}
    first = live_app.post("/api/v1/integrations", json=body, headers=headers).json()
    second = live_app.post("/api/v1/integrations", json=body, headers=headers).json()
    assert second["integration_id"] == first["integration_id"]
    assert second["message"] == "Integration already recorded"


def test_creating_an_integration_answers_alike_in_front_of_flask_and_through_it(
    live_app: LiveApp,
) -> None:
    """`POST /api/v1/integrations` is served in front of Flask (`web.front`); Flask's own
    route (its URL map, an app served without the front) gives the same answers, and the
    path's other methods are still Flask's, which names them all."""
    through_flask = werkzeug.test.Client(functools.partial(Flask.wsgi_app, live_app.app))
    good = {"source_service": "github", "target_service": "slack", "event_type": "push"}
    for body, status in ((good, 202), ({**good, "event_type": ""}, 400), ([1], 400)):
        front = live_app.post("/api/v1/integrations", json=body)
        flask = through_flask.post(
            "/api/v1/integrations", json=body, environ_base={"REMOTE_ADDR": "127.0.0.1"}
        )
        assert (flask.status_code, flask.mimetype) == (status, "application/json")
        assert (front.status_code, front.headers["Content-Type"]) == (status, "application/json")
        flask_answer, front_answer = flask.get_json(), front.json()
        assert isinstance(flask_answer, dict)
        if status == 202:
            assert flask_answer.pop("integration_id") == front_answer.pop("integration_id") + 1
        assert flask_answer == front_answer

    allowed = live_app.http.options(live_app.url + "/api/v1/integrations", timeout=10)
    assert {"GET", "POST"} <= set(allowed.headers["Allow"].replace(" ", "").split(","))
    listing = live_app.get("/api/v1/integrations").json()
    assert listing["total"] == 2


def test_pagination_with_cursor(live_app: LiveApp) -> None:
    for n in range(5):
        live_app.runtime.repos.integrations.record(
            NewIntegration("github", "slack", "push", {"n": n})
        )
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = live_app.get("/api/v1/integrations", params=params).json()
        assert page["total"] == 5
        seen += [i["id"] for i in page["integrations"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(seen, reverse=True)
    assert len(seen) == 5


def test_retry_a_failed_integration(live_app: LiveApp) -> None:
    repos = live_app.runtime.repos
    failed, _ = repos.integrations.record(
        NewIntegration(
            "jira",
            "slack",
            "jira:issue_updated",
            status=Status.FAILED,
            error_message="slack: ratelimited",
        )
    )
    listing = live_app.get("/api/v1/integrations", params={"status": "failed"}).json()
    assert [i["id"] for i in listing["integrations"]] == [failed.id]
    assert listing["integrations"][0]["error_message"] == "slack: ratelimited"

    response = live_app.post(f"/api/v1/integrations/{failed.id}/retry")
    assert response.status_code == 202
    assert response.json()["status"] == "pending"

    again = live_app.post(f"/api/v1/integrations/{failed.id}/retry")
    assert again.status_code == 409
    assert again.json()["code"] == "conflict"
    missing = live_app.post("/api/v1/integrations/999999999/retry")
    assert missing.status_code == 404
    assert missing.json() == {"error": "integration 999999999 not found", "code": "not_found"}


def test_mappings_with_filters(live_app: LiveApp) -> None:
    mappings = live_app.runtime.repos.mappings
    mappings.link(
        MappingType.ISSUE_THREAD, "jira", "PROJ-1", "slack", "C0123ABCD:1700000000.000100"
    )
    mappings.link(MappingType.GITHUB_THREAD, "github", "octo/hello#42", "slack", "C0123ABCD:1.2")
    mappings.link(MappingType.PR_ISSUE, "github", "octo/hello#42", "jira", "PROJ-1")

    everything = live_app.get("/api/v1/mappings").json()
    assert everything["total"] == 3
    found = live_app.get(
        "/api/v1/mappings", params={"source_service": "jira", "source_id": "PROJ-1"}
    ).json()
    assert found["total"] == 1
    [mapping] = found["mappings"]
    assert set(mapping) == {
        "id",
        "source_service",
        "source_id",
        "target_service",
        "target_id",
        "mapping_type",
        "extra_data",
        "created_at",
    }
    assert mapping["target_id"] == "C0123ABCD:1700000000.000100"
    assert mapping["mapping_type"] == "issue_thread"
    by_type = live_app.get("/api/v1/mappings", params={"mapping_type": "pr_issue"}).json()
    assert [m["target_id"] for m in by_type["mappings"]] == ["PROJ-1"]


def test_subscriptions_lifecycle(live_app: LiveApp) -> None:
    body = {
        "source_service": "github",
        "source_id": "octo/hello",
        "channel_id": "C0123ABCD",
        "filters": {"exclude_authors": ["dependabot[bot]"]},
    }
    created = live_app.post("/api/v1/subscriptions", json=body)
    assert created.status_code == 201
    sub = created.json()
    assert sub["events"] == ["issues", "pulls", "commits", "releases", "deployments"]
    assert sub["filters"] == {"exclude_authors": ["dependabot[bot]"]}

    duplicate = live_app.post("/api/v1/subscriptions", json=body)
    assert duplicate.status_code == 409

    jira = live_app.post(
        "/api/v1/subscriptions",
        json={
            "source_service": "jira",
            "source_id": "PROJ",
            "channel_id": "C0123ABCD",
            "events": ["issue_created", "comment_created"],
            "filters": {"priorities": ["High"]},
        },
    )
    assert jira.status_code == 201

    listing = live_app.get("/api/v1/subscriptions", params={"source_service": "jira"}).json()
    assert [s["source_id"] for s in listing["subscriptions"]] == ["PROJ"]
    assert live_app.get(f"/api/v1/subscriptions/{sub['id']}").json()["source_id"] == "octo/hello"
    assert live_app.delete(f"/api/v1/subscriptions/{sub['id']}").status_code == 204
    gone = live_app.delete(f"/api/v1/subscriptions/{sub['id']}")
    assert gone.status_code == 404
    assert gone.json()["code"] == "not_found"


# Bad input: the documented 4xx JSON, never a 5xx or a trace ------------------------------


BAD_REQUESTS = [
    ("post", "/api/v1/integrations", {"data": b"{not json"}, 400, "invalid_json"),
    ("post", "/api/v1/integrations", {"data": b""}, 400, "invalid_json"),
    ("post", "/api/v1/integrations", {"data": b"\xff\xfe"}, 400, "invalid_json"),
    ("post", "/api/v1/integrations", {"json": ["a", "list"]}, 400, "invalid_json"),
    ("post", "/api/v1/integrations", {"json": {"source_service": "jira"}}, 400, "validation_error"),
    (
        "post",
        "/api/v1/integrations",
        {"json": {"source_service": 5, "target_service": "slack", "event_type": "x"}},
        400,
        "validation_error",
    ),
    (
        "post",
        "/api/v1/integrations",
        {
            "json": {
                "source_service": "jira",
                "target_service": "slack",
                "event_type": "x",
                "payload": "not an object",
            }
        },
        400,
        "validation_error",
    ),
    (
        "post",
        "/api/v1/integrations",
        {
            "json": {
                "source_service": "jira",
                "target_service": "slack",
                "event_type": "x",
                "surprise": 1,
            }
        },
        400,
        "validation_error",
    ),
    ("get", "/api/v1/integrations?colour=blue", {}, 400, "validation_error"),
    ("get", "/api/v1/integrations?limit=0", {}, 400, "validation_error"),
    ("get", "/api/v1/integrations?limit=abc", {}, 400, "validation_error"),
    ("get", "/api/v1/integrations?status=exploded", {}, 400, "validation_error"),
    ("get", "/api/v1/integrations?limit=1&limit=2", {}, 400, "validation_error"),
    ("get", "/api/v1/integrations?cursor=%%%", {}, 400, "invalid_cursor"),
    ("get", "/api/v1/mappings?mapping_type=nope", {}, 400, "validation_error"),
    ("get", "/api/v1/integrations/abc", {}, 404, "not_found"),
    ("get", "/api/v1/integrations/123456789", {}, 404, "not_found"),
    ("get", "/api/v1/nowhere", {}, 404, "not_found"),
    ("put", "/api/v1/integrations", {"json": {}}, 405, "method_not_allowed"),
    (
        "post",
        "/api/v1/subscriptions",
        {"json": {"source_service": "github", "source_id": "not a repo", "channel_id": "C0123"}},
        400,
        "validation_error",
    ),
    (
        "post",
        "/api/v1/subscriptions",
        {"json": {"source_service": "gitlab", "source_id": "a/b", "channel_id": "C0123"}},
        400,
        "validation_error",
    ),
    (
        "post",
        "/api/v1/subscriptions",
        {"json": {"source_service": "jira", "source_id": "PROJ", "channel_id": "#general"}},
        400,
        "validation_error",
    ),
    (
        "post",
        "/api/v1/subscriptions",
        {
            "json": {
                "source_service": "github",
                "source_id": "a/b",
                "channel_id": "C0123",
                "events": ["telepathy"],
            }
        },
        400,
        "validation_error",
    ),
    (
        "post",
        "/api/v1/subscriptions",
        {
            "json": {
                "source_service": "jira",
                "source_id": "PROJ",
                "channel_id": "C0123",
                "filters": {"colour": "red"},
            }
        },
        400,
        "validation_error",
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "code"),
    BAD_REQUESTS,
    ids=[f"{m} {p} {s}" for m, p, _, s, _c in BAD_REQUESTS],
)
def test_bad_input_gets_json_errors(
    make_live_app: Callable[..., LiveApp],
    sqlite_url: str,
    method: str,
    path: str,
    kwargs: dict,
    status: int,
    code: str,
) -> None:
    live = make_live_app(sqlite_url)
    response = live.http.request(method, live.url + path, timeout=10, **kwargs)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["error"], str)
    assert body["error"]
    assert "Traceback" not in response.text


def test_validation_errors_say_which_field(
    make_live_app: Callable[..., LiveApp], sqlite_url: str
) -> None:
    live = make_live_app(sqlite_url)
    response = live.post("/api/v1/integrations", json={"source_service": "jira"})
    fields = {d["field"] for d in response.json()["details"]}
    assert fields == {"target_service", "event_type"}


def test_a_body_over_the_limit_is_413(
    make_live_app: Callable[..., LiveApp], sqlite_url: str
) -> None:
    live = make_live_app(sqlite_url, connect_max_body_bytes=64 * 1024)
    huge = b'{"payload": "' + b"x" * (256 * 1024) + b'"}'
    response = live.post(
        "/api/v1/integrations", data=huge, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_token_is_required_when_configured(
    make_live_app: Callable[..., LiveApp], sqlite_url: str
) -> None:
    live = make_live_app(sqlite_url, connect_api_token="s3cret-token")
    missing = live.get("/api/v1/integrations")
    assert missing.status_code == 401
    assert missing.json() == {"error": "missing or invalid bearer token", "code": "unauthorized"}
    wrong = live.get("/api/v1/integrations", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert "s3cret-token" not in wrong.text
    right = live.get("/api/v1/integrations", headers={"Authorization": "Bearer s3cret-token"})
    assert right.status_code == 200
    # health, metrics and the API description stay public
    assert live.get("/health").status_code == 200
    assert live.get("/api/v1/openapi.json").status_code == 200


def test_without_a_token_only_direct_loopback_clients_are_served(
    make_live_app: Callable[..., LiveApp], sqlite_url: str
) -> None:
    live = make_live_app(sqlite_url)
    assert live.get("/api/v1/integrations").status_code == 200
    proxied = live.get("/api/v1/integrations", headers={"X-Forwarded-For": "203.0.113.9"})
    assert proxied.status_code == 403
    assert proxied.json()["code"] == "forbidden"


def test_openapi_document_is_generated_from_the_models(
    make_live_app: Callable[..., LiveApp], sqlite_url: str
) -> None:
    document = make_live_app(sqlite_url).get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    assert {
        "/integrations",
        "/integrations/{integration_id}/retry",
        "/mappings",
        "/subscriptions",
        "/subscriptions/{subscription_id}",
    } <= set(document["paths"])
    schemas = document["components"]["schemas"]
    assert {"IntegrationCreate", "IntegrationList", "SubscriptionCreate", "ErrorOut"} <= set(
        schemas
    )
    params = {p["name"] for p in document["paths"]["/integrations"]["get"]["parameters"]}
    assert params == {"limit", "cursor", "source_service", "target_service", "status", "event_type"}


def test_metrics_in_prometheus_format(
    make_live_app: Callable[..., LiveApp], sqlite_url: str
) -> None:
    live = make_live_app(sqlite_url)
    live.get("/health")
    response = live.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    assert (
        'connect_http_requests_total{method="GET",route="/health",status="200"} 1.0'
        in response.text
    )
    assert 'connect_integration_events{status="pending"} 0.0' in response.text


def test_slack_routes_answer_503_until_configured(
    make_live_app: Callable[..., LiveApp], sqlite_url: str
) -> None:
    response = make_live_app(sqlite_url).post("/slack/events", data=b"payload=%7B%7D")
    assert response.status_code == 503
    assert response.json() == {
        "error": "Slack is not configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET",
        "code": "slack_not_configured",
    }
