"""`/slack/events` against what issue 12 saw answered 500: each case now gets its 4xx JSON
(or Slack's 200 ack) and one greppable log line, never a traceback. Plus the pure pieces:
the body parser agrees with Bolt's, the error path's `request_kind` and the `message`
classifier take any shape."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st
from slack_bolt.request.internals import parse_body

from bot.errors import request_kind
from integrations.messages import Ignored
from integrations.tickets.thread_events import classify
from tests.fakes import slack_payloads as payloads
from tests.support import hostile
from tests.support.slack import SIGNING_SECRET, TicketEnv, settle, wait_for
from web import slack_envelope
from web.errors import ApiError

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def env(make_ticket_env: Callable[..., TicketEnv], caplog: pytest.LogCaptureFixture) -> TicketEnv:
    caplog.set_level(logging.INFO)
    return make_ticket_env()


def post(
    env: TicketEnv,
    body: bytes,
    content_type: str = "application/json",
    *,
    signed: bool = True,
    headers: dict[str, str] | None = None,
) -> Any:
    sent = {"Content-Type": content_type}
    if signed:
        sent = payloads.signed_headers(body, SIGNING_SECRET, content_type=content_type)
    return env.live.http.post(env.send.url, data=body, headers={**sent, **(headers or {})})


def no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    assert [
        r.getMessage() for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR
    ] == []


def lines(caplog: pytest.LogCaptureFixture, event: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith(event)]


def interactive(payload: Any) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"this is not json", "application/json"),
        (b"[]", "application/json"),
        (b"payload=%7Bbad", FORM),
        (b"payload=%5B%5D", FORM),
    ],
)
def test_unsigned_malformed_bodies_are_401_with_one_line(
    env: TicketEnv, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str
) -> None:
    response = post(env, body, content_type, signed=False)
    assert response.status_code == 401
    assert response.json()["code"] == "missing_signature"
    assert lines(caplog, "slack.missing_signature") == ["slack.missing_signature"]
    no_traceback(caplog)


@pytest.mark.parametrize("timestamp", ["abc", "1.5", "", "-5", "¹²³", "9" * 40])
def test_a_timestamp_that_is_not_unix_seconds_is_401(
    env: TicketEnv, caplog: pytest.LogCaptureFixture, timestamp: str
) -> None:
    headers = {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": "v0=" + "0" * 64}
    response = post(env, b"{}", signed=False, headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] in {"invalid_timestamp", "missing_signature"}
    no_traceback(caplog)


@pytest.mark.parametrize(
    ("body", "content_type", "code"),
    [
        (b"this is not json", "application/json", "invalid_body"),
        (b"[]", "application/json", "invalid_body"),
        (b'{"a": NaN}', "application/json", "invalid_body"),
        (b"payload=%7Bbad", FORM, "invalid_body"),
        (b"payload=%5B%5D", FORM, "invalid_body"),
        (b'{"type": "event_callback", "event": "x"}', "application/json", "invalid_payload"),
        (b'{"type": "event_callback", "event": null}', "application/json", "invalid_payload"),
        (b'{"type": "event_callback", "event": {}}', "application/json", "invalid_payload"),
        (interactive({"type": "block_actions", "actions": []}), FORM, "invalid_payload"),
        (interactive({"type": "block_actions", "actions": ["x"]}), FORM, "invalid_payload"),
        (interactive({"type": "view_submission", "view": "x"}), FORM, "invalid_payload"),
        (
            interactive({"type": "view_submission", "view": {"callback_id": "create_jira_issue"}}),
            FORM,
            "invalid_payload",
        ),
        (interactive({"type": "shortcut", "user": 5}), FORM, "invalid_payload"),
        (interactive({"type": "shortcut", "authorizations": "ab"}), FORM, "invalid_payload"),
        (interactive({"type": "shortcut", "authorizations": True}), FORM, "invalid_payload"),
        (interactive({"type": "block_actions", "response_urls": 1}), FORM, "invalid_payload"),
    ],
)
def test_signed_malformed_bodies_are_400_with_one_line(
    env: TicketEnv, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str, code: str
) -> None:
    response = post(env, body, content_type)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == code
    assert len(lines(caplog, f"slack.{code}")) == 1
    no_traceback(caplog)


def test_a_signed_command_without_its_fields_is_400(
    env: TicketEnv, caplog: pytest.LogCaptureFixture
) -> None:
    body = urlencode({"command": "/ticket", "text": "subscribe github a/b"}).encode()
    response = post(env, body, FORM)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_payload"
    [line] = lines(caplog, "slack.invalid_payload")
    assert line == (
        "slack.invalid_payload kind=command:/ticket payload=Command "
        "fields=channel_id,trigger_id,user_id"
    )
    settle(lambda: [r for r in env.slack.requests if r.api_method != "auth.test"], duration=0.3)
    no_traceback(caplog)


@pytest.mark.parametrize(
    "event",
    [
        {"subtype": "message_changed", "message": "s", "previous_message": {"text": "t"}},
        {"subtype": "message_deleted", "previous_message": "s", "deleted_ts": "1.2"},
        {"subtype": ["a"], "text": "x"},
        {"text": "x", "ts": {"a": 1}, "thread_ts": ["1"]},
    ],
)
def test_signed_message_events_of_odd_shapes_are_acked_and_ignored(
    env: TicketEnv, caplog: pytest.LogCaptureFixture, event: dict[str, Any]
) -> None:
    inner = {"type": "message", "channel": "C0GENERAL", **event}
    response = env.send.event(payloads.event_callback(inner, event_id="Ev1", event_time=1))
    assert response.status_code == 200
    settle(lambda: env.integrations(), duration=0.3)
    no_traceback(caplog)


def test_bolts_own_headers_are_refused(env: TicketEnv) -> None:
    body, content_type = payloads.http_body("slash_commands", env.slack.slash_command_payload())
    headers = {"X-Slack-Bolt-Lazy-Only": "1", "X-Slack-Bolt-Lazy-Function-Name": "run_ticket"}
    response = post(env, body, content_type, headers=headers)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_header"


def test_an_unhandled_request_is_404_json_and_one_line(
    env: TicketEnv, caplog: pytest.LogCaptureFixture
) -> None:
    response = post(env, json.dumps({"type": "app_rate_limited", "team_id": "T0"}).encode())
    assert response.status_code == 404
    assert response.json() == {
        "error": "no listener handles this request",
        "code": "unhandled_request",
    }
    assert lines(caplog, "slack.unhandled_request") == [
        "slack.unhandled_request kind=app_rate_limited"
    ]
    no_traceback(caplog)


def without_response_url(env: TicketEnv, text: str) -> dict[str, Any]:
    payload = env.slack.slash_command_payload(text)
    del payload["response_url"]
    response = env.send.send("slash_commands", payload)
    assert response.status_code == 200
    return payload


def test_a_subscribe_refusal_without_a_response_url_reaches_the_person(
    env: TicketEnv, caplog: pytest.LogCaptureFixture
) -> None:
    without_response_url(env, "unsubscribe github octo/nothing")
    [ephemeral] = wait_for(lambda: env.slack.ephemerals, what="the refusal")
    assert (ephemeral.channel, ephemeral.user) == ("C0GENERAL", "U0ALICE")
    assert ephemeral.text == (
        "This channel is not subscribed to github `octo/nothing`. "
        "`/ticket subscriptions` lists what it is subscribed to."
    )
    no_traceback(caplog)


def test_a_subscription_without_a_response_url_is_announced_in_the_channel(
    env: TicketEnv, caplog: pytest.LogCaptureFixture
) -> None:
    without_response_url(env, "subscribe github octo/hello")
    posted = wait_for(
        lambda: [m for m in env.slack.messages("C0GENERAL") if "octo/hello" in m.text],
        what="the announcement",
    )
    assert posted[0].text.startswith("<@U0ALICE>: Subscribed this channel to github")
    no_traceback(caplog)


# --- the pure pieces ------------------------------------------------------------------------

form_bodies = st.dictionaries(st.text(max_size=8), st.text(max_size=20), max_size=4).map(urlencode)
slack_texts = st.one_of(
    st.text(max_size=200),
    form_bodies,
    form_bodies.map(lambda b: b + "&payload=" + "%7B%7D"),
    hostile.json_values.map(json.dumps),
    hostile.json_values.map(lambda v: urlencode({"payload": json.dumps(v)})),
)


@given(text=slack_texts, content_type=st.sampled_from([None, "application/json", FORM]))
def test_the_body_parser_reads_what_bolt_reads(text: str, content_type: str | None) -> None:
    """Where `slack_envelope.parse` accepts a body, Bolt's `parse_body` gives the same dict."""
    try:
        ours = slack_envelope.parse(text, content_type)
    except ApiError as exc:
        refused = (exc.status, exc.code)
    else:
        assert parse_body(text, content_type) == ours
        return
    assert refused == (400, "invalid_body")


@given(body=hostile.json_values)
def test_request_kind_takes_any_body(body: Any) -> None:
    kind = request_kind(body)
    assert kind
    assert kind.isprintable()


@given(event=hostile.json_values.filter(lambda v: isinstance(v, dict)), data=st.data())
def test_the_message_classifier_takes_any_event(event: dict[str, Any], data: Any) -> None:
    for key in ("subtype", "message", "previous_message", "channel", "ts", "thread_ts"):
        if data.draw(st.booleans()):
            event[key] = data.draw(hostile.json_values)
    assert classify(event, bot_user_id="U0BOT") is not None


def test_a_string_message_is_ignored_with_its_reason() -> None:
    event = {"type": "message", "subtype": "message_changed", "channel": "C1", "message": "s"}
    assert classify(event, bot_user_id=None) == Ignored("message: not a message object")
    event = {"type": "message", "subtype": "message_deleted", "channel": "C1"}
    event["previous_message"] = "s"
    assert classify(event, bot_user_id=None) == Ignored("previous_message: not a message object")
