"""`/slack/events` only acts on requests Slack signed: the test helpers sign as Slack does
(`SignatureVerifier` agrees), and a bad or stale signature is refused before any listener."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from slack_sdk.signature import SignatureVerifier

from playground.fakes import slack_payloads as payloads
from playground.fakes.jira import FakeJira
from playground.fakes.slack import FakeSlack
from tests.support.live import LiveApp
from tests.support.slack import SIGNING_SECRET, TicketEnv, settle, start_ticket_env


@pytest.fixture
def env(
    make_live_app: Callable[..., LiveApp],
    sqlite_url: str,
    fake_slack: FakeSlack,
    fake_jira: FakeJira,
) -> TicketEnv:
    return start_ticket_env(make_live_app, sqlite_url, fake_slack, fake_jira)


def test_the_helpers_sign_as_slack_does(fake_slack: FakeSlack) -> None:
    body, content_type = payloads.http_body(
        "slash_commands", fake_slack.slash_command_payload("help")
    )
    headers = payloads.signed_headers(body, SIGNING_SECRET, content_type=content_type)
    verifier = SignatureVerifier(SIGNING_SECRET)
    assert verifier.is_valid_request(body, headers)
    assert not SignatureVerifier("another-secret").is_valid_request(body, headers)


def test_a_wrong_signature_is_refused_before_any_listener(env: TicketEnv) -> None:
    env.send.signing_secret = "not-the-secret"
    response, _ = env.send.command("Printer on fire")
    assert response.status_code == 401
    settle(lambda: env.slack.requests or env.integrations())


def test_a_stale_timestamp_is_refused(env: TicketEnv) -> None:
    payload = env.slack.slash_command_payload("help")
    response = env.send.send("slash_commands", payload, timestamp=int(time.time()) - 10 * 60)
    assert response.status_code == 401


def test_url_verification_answers_the_challenge(env: TicketEnv) -> None:
    challenge = {
        "token": "x",
        "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
        "type": "url_verification",
    }
    response = env.send.send("events_api", challenge)
    assert response.status_code == 200
    assert response.json() == {"challenge": challenge["challenge"]}
