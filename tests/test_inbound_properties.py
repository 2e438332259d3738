"""Property tests of every inbound route, over real HTTP: whatever arrives — random bytes and
JSON, wrong content types, truncated and deeply nested JSON, huge strings, real payloads
with fields deleted or given another type, signed where the point is to get past the
signature — the answer is a 2xx or a 4xx with a JSON error, never a 5xx, no listener logs a
traceback, and `/health` still answers 200 afterwards.

Each property runs `hostile.EXAMPLES` examples here and more under `-m slow`; the requests
per route are printed at the end of the run (`hostile.TALLY`).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.views.ticket_modal import CALLBACK_ID, PROJECT, ModalContext
from playground.fakes import slack_payloads as payloads
from playground.github_payloads import example
from tests.support import hostile
from tests.support.hostile import Probe, content_types, mutated, text_bodies, wrong_values
from tests.support.slack import (
    SIGNING_SECRET,
    TicketEnv,
    block_actions,
    block_suggestion,
    modal_values,
    option,
    settle,
)
from tests.support.webhooks import GITHUB_SECRET, JIRA_SECRET, jira_payload, signature

MANY = 1000
"""Examples per property under `-m slow`."""
OUR_LOGGERS = ("bot", "web", "integrations", "connect", "storage")


def properties(examples: int, **strategies: Any) -> Callable[[Callable[..., None]], Any]:
    """`check` as a hypothesis test of `examples` examples (one check, two test sizes)."""

    def make(check: Callable[..., None]) -> Any:
        return settings(hostile.SETTINGS, max_examples=examples)(given(**strategies)(check))

    return make


@pytest.fixture
def env(make_ticket_env: Callable[..., TicketEnv]) -> TicketEnv:
    return make_ticket_env(jira_webhook_secret=JIRA_SECRET, github_webhook_secret=GITHUB_SECRET)


@pytest.fixture
def probe(env: TicketEnv, caplog: pytest.LogCaptureFixture) -> Iterator[Probe]:
    """The probe; afterwards the app is healthy and none of our loggers wrote a traceback."""
    caplog.set_level(logging.INFO)
    probe = Probe(env.live)
    yield probe
    settle(lambda: False, duration=0.5)  # lazy listeners finish what the requests started
    probe.healthy()
    noisy = [
        f"{r.name} {r.levelname} {r.getMessage()[:200]}"
        for r in caplog.records
        if r.name.split(".")[0] in OUR_LOGGERS and (r.exc_info or r.levelno >= logging.ERROR)
    ]
    assert noisy == []


# --- /slack/events --------------------------------------------------------------------------

ROUTE_SLACK = "/slack/events"
VALID_COMMAND = urlencode({"command": "/ticket", "text": "help"}).encode()


def send_signed(
    probe: Probe, body: bytes, content_type: str, headers: dict[str, str] | None = None
) -> Any:
    signed = payloads.signed_headers(body, SIGNING_SECRET, content_type=content_type)
    return probe.send("POST", ROUTE_SLACK, data=body, headers={**signed, **(headers or {})})


def check_unsigned_slack(probe: Probe, body: bytes, content_type: str) -> None:
    response = probe.send("POST", ROUTE_SLACK, data=body, headers={"Content-Type": content_type})
    assert response.status_code == 401


header_text = st.text(
    alphabet=st.characters(min_codepoint=32, max_codepoint=255, exclude_characters="\x7f"),
    max_size=40,
).map(str.strip)  # header values do not start or end with white space


def check_slack_signature_headers(
    probe: Probe, body: bytes, timestamp: str, signature_value: str
) -> None:
    """Any timestamp and signature that Slack did not make: 401."""
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature_value,
    }
    response = probe.send("POST", ROUTE_SLACK, data=body, headers=headers)
    assert response.status_code == 401


def check_signed_slack_body(probe: Probe, body: bytes, content_type: str) -> None:
    send_signed(probe, body, content_type)


def slack_templates(env: TicketEnv) -> list[tuple[str, dict[str, Any]]]:
    """A valid payload of each kind the app handles, as Slack sends it."""
    fake = env.slack
    ctx = ModalContext(origin="command", user_id="U0ALICE", channel_id="C0GENERAL", project="PROJ")
    view = {
        "id": "V0HOSTILE",
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "hash": "1700000000.abc",
        "private_metadata": ctx.dump(),
        "state": {"values": modal_values(project="PROJ", summary="Printer on fire")},
    }
    reply = {
        "type": "message",
        "user": "U0ALICE",
        "text": "a reply",
        "ts": "1700000000.000200",
        "thread_ts": "1700000000.000100",
    }
    edited = {**reply, "text": "an edited reply"}

    def event(inner: dict[str, Any], n: int) -> dict[str, Any]:
        return payloads.event_callback(inner, event_id=f"Ev0HOSTILE{n}", event_time=1700000000)

    link = {
        "type": "link_shared",
        "channel": "C0GENERAL",
        "user": "U0ALICE",
        "message_ts": "1700000000.000300",
        "links": [{"domain": "github.com", "url": "https://github.com/octo/hello/pull/1"}],
        "event_ts": "1700000000.000300",
    }
    return [
        ("slash_commands", fake.slash_command_payload("help")),
        ("slash_commands", fake.slash_command_payload("subscribe jira PROJ")),
        ("slash_commands", fake.slash_command_payload("Printer on fire")),
        (
            "interactive",
            payloads.message_shortcut(
                callback_id="create_jira_issue",
                message=reply,
                user_id="U0ALICE",
                user_name="alice",
                channel_id="C0GENERAL",
                channel_name="general",
                trigger_id=fake.new_trigger_id(),
                response_url=fake.new_response_url(channel="C0GENERAL", user="U0ALICE"),
                action_ts="1700000000.000400",
            ),
        ),
        (
            "interactive",
            payloads.view_submission(
                view=view,
                values=view["state"]["values"],
                user_id="U0ALICE",
                user_name="alice",
                trigger_id=fake.new_trigger_id(),
            ),
        ),
        (
            "interactive",
            block_actions(
                fake, view, {"action_id": PROJECT, "block_id": PROJECT, **_chosen("PROJ")}
            ),
        ),
        ("interactive", block_suggestion(fake, view, PROJECT, PROJECT, "PR")),
        ("events_api", event(payloads.message_event("C0GENERAL", reply), 1)),
        (
            "events_api",
            event(payloads.message_changed_event("C0GENERAL", reply, edited, "1700000001.0"), 2),
        ),
        (
            "events_api",
            event(payloads.message_deleted_event("C0GENERAL", reply, "1700000002.0"), 3),
        ),
        ("events_api", event(link, 4)),
        ("events_api", {"token": "x", "challenge": "abc", "type": "url_verification"}),
    ]


def _chosen(value: str) -> dict[str, Any]:
    return {"type": "external_select", "selected_option": option(value)}


def check_slack_payload(probe: Probe, env: TicketEnv, data: st.DataObject) -> None:
    """A payload the app handles, with fields deleted, nulled or of another type; sent as
    Slack would send it, or under another content type."""
    kind, template = data.draw(st.sampled_from(slack_templates(env)), label="template")
    payload = data.draw(mutated(template), label="payload")
    body, content_type = payloads.http_body(kind, payload)
    if data.draw(st.booleans(), label="other content type"):
        content_type = data.draw(content_types, label="content type")
    send_signed(probe, body, content_type)


def check_interactive_payload_text(probe: Probe, payload: str) -> None:
    """`payload=` holding anything at all."""
    body = ("payload=" + quote(payload)).encode()
    send_signed(probe, body, "application/x-www-form-urlencoded")


test_unsigned_slack_requests_are_401 = properties(
    hostile.EXAMPLES, body=st.binary(max_size=2000), content_type=content_types
)(check_unsigned_slack)
test_made_up_slack_signatures_are_401 = properties(
    hostile.EXAMPLES,
    body=st.just(VALID_COMMAND) | st.binary(max_size=100),
    timestamp=header_text | st.integers(0, 2**40).map(str),
    signature_value=header_text | st.from_regex(r"v0=[0-9a-f]{64}", fullmatch=True),
)(check_slack_signature_headers)
test_signed_slack_bodies = properties(
    hostile.EXAMPLES, body=text_bodies(VALID_COMMAND), content_type=content_types
)(check_signed_slack_body)
test_signed_slack_payloads_with_odd_fields = properties(hostile.EXAMPLES * 2, data=st.data())(
    check_slack_payload
)
test_signed_interactive_payload_text = properties(
    hostile.EXAMPLES, payload=st.one_of(st.text(max_size=200), wrong_values.map(json.dumps))
)(check_interactive_payload_text)
test_signed_slack_payloads_with_odd_fields_many = pytest.mark.slow(
    properties(MANY, data=st.data())(check_slack_payload)
)


# --- /webhooks/jira and /webhooks/github ------------------------------------------------------

JIRA_TEMPLATES = [
    "issue-created",
    "issue-updated-assigned",
    "cloud-comment-created",
    "server-comment-updated",
    "issue-deleted",
    "server-old-issue-updated-no-event-type-commented",
]
GITHUB_TEMPLATES = [
    ("pull_request", "opened"),
    ("issues", "opened"),
    ("issue_comment", "created"),
    ("pull_request_review", "submitted"),
    ("release", "published"),
    ("workflow_run", "completed"),
    ("push", None),
    ("ping", None),
]


def post_webhook(
    probe: Probe, source: str, body: bytes, content_type: str, event: str | None = None
) -> None:
    headers = {"Content-Type": content_type}
    if source == "jira":
        headers["X-Hub-Signature"] = signature(JIRA_SECRET, body)
    else:
        headers["X-Hub-Signature-256"] = signature(GITHUB_SECRET, body)
        headers["X-GitHub-Event"] = event or "pull_request"
    probe.send("POST", f"/webhooks/{source}", data=body, headers=headers)


def check_unsigned_webhook(probe: Probe, source: str, body: bytes, content_type: str) -> None:
    response = probe.send(
        "POST", f"/webhooks/{source}", data=body, headers={"Content-Type": content_type}
    )
    assert response.status_code == 401


def check_signed_webhook_body(probe: Probe, source: str, body: bytes, content_type: str) -> None:
    post_webhook(probe, source, body, content_type)


def check_jira_payload(probe: Probe, data: st.DataObject) -> None:
    template = jira_payload(data.draw(st.sampled_from(JIRA_TEMPLATES), label="template"))
    body = json.dumps(data.draw(mutated(template), label="payload")).encode()
    post_webhook(probe, "jira", body, "application/json")


def check_github_payload(probe: Probe, data: st.DataObject) -> None:
    event, action = data.draw(st.sampled_from(GITHUB_TEMPLATES), label="template")
    body = json.dumps(data.draw(mutated(example(event, action)), label="payload")).encode()
    if data.draw(st.booleans(), label="another event header"):
        event = data.draw(header_text, label="event")
    post_webhook(probe, "github", body, "application/json", event)


sources = st.sampled_from(["jira", "github"])
test_unsigned_webhooks_are_401 = properties(
    hostile.EXAMPLES, source=sources, body=st.binary(max_size=2000), content_type=content_types
)(check_unsigned_webhook)
test_signed_webhook_bodies = properties(
    hostile.EXAMPLES,
    source=sources,
    body=text_bodies(b'{"webhookEvent": "jira:issue_created"}'),
    content_type=content_types,
)(check_signed_webhook_body)
test_jira_payloads_with_odd_fields = properties(hostile.EXAMPLES, data=st.data())(
    check_jira_payload
)
test_github_payloads_with_odd_fields = properties(hostile.EXAMPLES, data=st.data())(
    check_github_payload
)
test_webhook_payloads_with_odd_fields_many = pytest.mark.slow(
    properties(MANY, data=st.data())(check_github_payload)
)


# --- /api/v1 ----------------------------------------------------------------------------------

INTEGRATION = {
    "source_service": "jira",
    "target_service": "slack",
    "event_type": "jira:issue_updated",
    "source_id": "PROJ-1",
    "payload": {"issue": {"key": "PROJ-1"}},
}
SUBSCRIPTIONS = [
    {
        "source_service": "github",
        "source_id": "octo-org/hello-world",
        "channel_id": "C0123ABCD",
        "events": ["pulls", "reviews"],
        "filters": {"exclude_labels": ["wontfix"], "exclude_authors": ["dependabot[bot]"]},
        "replace": True,
    },
    {"source_service": "jira", "source_id": "PROJ", "channel_id": "C0123ABCD", "events": []},
]
LISTS = ["/api/v1/integrations", "/api/v1/mappings", "/api/v1/subscriptions"]
PARAMETERS = [
    "source_service",
    "target_service",
    "status",
    "event_type",
    "limit",
    "cursor",
    "source_id",
    "target_id",
    "mapping_type",
    "channel_id",
]

PLAUSIBLE = ["jira", "slack", "github", "pending", "failed", "ignored", "1", "0", "201", "", "-1"]


def check_api_body(probe: Probe, data: st.DataObject) -> None:
    path, template = data.draw(
        st.sampled_from(
            [("/api/v1/integrations", INTEGRATION)]
            + [("/api/v1/subscriptions", s) for s in SUBSCRIPTIONS]
        ),
        label="route",
    )
    body = data.draw(
        st.one_of(
            mutated(template).map(lambda p: json.dumps(p).encode()),
            text_bodies(json.dumps(template).encode()),
        ),
        label="body",
    )
    headers = {"Content-Type": data.draw(content_types, label="content type")}
    if data.draw(st.booleans(), label="idempotency key"):
        headers["Idempotency-Key"] = data.draw(header_text, label="key")
    probe.send("POST", path, route=f"POST {path}", data=body, headers=headers)


def check_api_query(probe: Probe, data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(LISTS), label="list")
    names = st.sampled_from(PARAMETERS) | st.sampled_from(PARAMETERS) | st.text(max_size=10)
    values = st.sampled_from(PLAUSIBLE) | st.text(max_size=40)
    query = data.draw(st.dictionaries(names, values, max_size=3), label="query")
    probe.send("GET", f"{path}?{urlencode(query)}", route=f"GET {path}")


def check_api_ids(probe: Probe, operation: tuple[str, str], segment: str) -> None:
    method, template = operation
    path = template.format(quote(segment, safe=""))
    route = f"{method} {template.format('<id>')}"
    probe.send(method, path, route=route, data=b"{}", headers={"Content-Type": "application/json"})


segments = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.text(min_size=1, max_size=30),
)
id_routes = st.sampled_from(
    [
        ("GET", "/api/v1/integrations/{}"),
        ("POST", "/api/v1/integrations/{}/retry"),
        ("GET", "/api/v1/subscriptions/{}"),
        ("DELETE", "/api/v1/subscriptions/{}"),
    ]
)
test_api_bodies = properties(hostile.EXAMPLES * 2, data=st.data())(check_api_body)
test_api_queries = properties(hostile.EXAMPLES, data=st.data())(check_api_query)
test_api_ids = properties(hostile.EXAMPLES, operation=id_routes, segment=segments)(check_api_ids)


# --- sizes ------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ["/slack/events", "/api/v1/integrations"])
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_over_the_limit_is_413_either_way(probe: Probe, route: str, chunked: bool) -> None:
    body = b'{"a": "' + b"x" * (1024 * 1024) + b'"}'
    headers = {"Content-Type": "application/json"}
    if route == ROUTE_SLACK:
        stamp = int(time.time())
        headers |= payloads.signed_headers(body, SIGNING_SECRET, timestamp=stamp)
    data = hostile.chunks(body) if chunked else body
    response = probe.send("POST", route, data=data, headers=headers)
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
