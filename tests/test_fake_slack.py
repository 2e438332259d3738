"""The fake Slack answers the real slack_sdk clients as Slack does."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web import SlackResponse
from slack_sdk.webhook import WebhookClient

from playground.fakes.slack import FakeSlack
from playground.fakes.slack_payloads import signature

MODAL = {
    "type": "modal",
    "callback_id": "create_jira_issue",
    "title": {"type": "plain_text", "text": "Create Jira issue"},
    "submit": {"type": "plain_text", "text": "Create"},
    "blocks": [
        {
            "type": "input",
            "block_id": "summary",
            "label": {"type": "plain_text", "text": "Summary"},
            "element": {"type": "plain_text_input", "action_id": "value"},
        }
    ],
}


def ok(response: SlackResponse) -> dict[str, Any]:
    """The JSON body of a successful Web API call."""
    assert isinstance(response.data, dict)
    return response.data


@pytest.fixture
def client(fake_slack: FakeSlack) -> WebClient:
    return WebClient(token=fake_slack.bot_token, base_url=fake_slack.api_url, timeout=5)


def test_post_reply_update_and_permalinks(fake_slack: FakeSlack, client: WebClient) -> None:
    parent = ok(client.chat_postMessage(channel="C0GENERAL", text="Deploy failed"))
    reply = ok(client.chat_postMessage(channel="C0GENERAL", text="Looking", thread_ts=parent["ts"]))
    client.chat_update(channel="C0GENERAL", ts=reply["ts"], text="Fixed")

    assert parent["ts"] == "1700000000.000100"
    assert float(reply["ts"]) > float(parent["ts"])
    assert [m.text for m in fake_slack.messages("C0GENERAL")] == ["Deploy failed"]
    thread = fake_slack.thread("C0GENERAL", parent["ts"])
    assert [(m.text, m.thread_ts) for m in thread] == [
        ("Deploy failed", None),
        ("Fixed", parent["ts"]),
    ]
    assert thread[1].edited is not None

    top = ok(client.chat_getPermalink(channel="C0GENERAL", message_ts=parent["ts"]))
    nested = ok(client.chat_getPermalink(channel="C0GENERAL", message_ts=reply["ts"]))
    assert top["permalink"] == "https://connect-test.slack.com/archives/C0GENERAL/p1700000000000100"
    assert nested["permalink"] == (
        "https://connect-test.slack.com/archives/C0GENERAL/p1700000000000200"
        "?thread_ts=1700000000.000100&cid=C0GENERAL"
    )
    assert fake_slack.last_call("chat.update").json == {
        "channel": "C0GENERAL",
        "ts": reply["ts"],
        "text": "Fixed",
    }


def test_replies_carry_metadata_only_when_asked(fake_slack: FakeSlack, client: WebClient) -> None:
    root = fake_slack.add_message("C0GENERAL", "Can someone look at the login bug?")
    metadata = {"event_type": "jira_issue_linked", "event_payload": {"issue": "PROJ-1"}}
    client.chat_postMessage(
        channel="C0GENERAL", text="Created PROJ-1", thread_ts=root.ts, metadata=metadata
    )

    plain = ok(client.conversations_replies(channel="C0GENERAL", ts=root.ts))
    full = ok(
        client.conversations_replies(channel="C0GENERAL", ts=root.ts, include_all_metadata=True)
    )

    assert [m["text"] for m in plain["messages"]] == [root.text, "Created PROJ-1"]
    assert plain["messages"][0]["reply_count"] == 1
    assert "metadata" not in plain["messages"][1]
    assert full["messages"][1]["metadata"] == metadata
    assert full["messages"][1]["bot_id"] == "B0BOT"


def test_history_pages_newest_first(fake_slack: FakeSlack, client: WebClient) -> None:
    for n in range(3):
        fake_slack.add_message("C0GENERAL", f"message {n}")

    first = ok(client.conversations_history(channel="C0GENERAL", limit=2))
    second = ok(
        client.conversations_history(
            channel="C0GENERAL", limit=2, cursor=first["response_metadata"]["next_cursor"]
        )
    )

    assert [m["text"] for m in first["messages"]] == ["message 2", "message 1"]
    assert first["has_more"] is True
    assert [m["text"] for m in second["messages"]] == ["message 0"]
    assert second["has_more"] is False


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda c: c.chat_postMessage(channel="C0NOPE", text="x"), "channel_not_found"),
        pytest.param(
            lambda c: c.chat_postMessage(channel="C0GENERAL"),
            "no_text",
            marks=pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing"),
        ),
        (
            lambda c: c.chat_postMessage(channel="C0GENERAL", text="x", thread_ts="1.000001"),
            "invalid_thread_ts",
        ),
        (
            lambda c: c.chat_update(channel="C0GENERAL", ts="1.000001", text="x"),
            "message_not_found",
        ),
        (lambda c: c.conversations_replies(channel="C0GENERAL", ts="1.000001"), "thread_not_found"),
        (lambda c: c.users_lookupByEmail(email="nobody@example.com"), "users_not_found"),
        (lambda c: c.users_info(user="U0NOBODY"), "user_not_found"),
    ],
)
def test_api_errors_raise_with_slack_error_code(client: WebClient, call, error: str) -> None:
    with pytest.raises(SlackApiError) as raised:
        call(client)
    assert raised.value.response.status_code == 200
    assert raised.value.response["error"] == error


def test_auth_and_scope_errors(fake_slack: FakeSlack) -> None:
    wrong = WebClient(token="xoxb-wrong", base_url=fake_slack.api_url)
    app_level = WebClient(token=fake_slack.app_token, base_url=fake_slack.api_url)
    bot = WebClient(token=fake_slack.bot_token, base_url=fake_slack.api_url)
    fake_slack.bot_scopes.discard("users:read.email")

    with pytest.raises(SlackApiError, match="invalid_auth"):
        wrong.auth_test()
    with pytest.raises(SlackApiError, match="not_allowed_token_type"):
        app_level.chat_postMessage(channel="C0GENERAL", text="x")
    with pytest.raises(SlackApiError, match="missing_scope") as raised:
        bot.users_lookupByEmail(email="alice@example.com")
    assert raised.value.response["needed"] == "users:read.email"
    assert "email" not in ok(bot.users_info(user="U0ALICE"))["user"]["profile"]


def test_not_in_channel_and_private_channels(fake_slack: FakeSlack, client: WebClient) -> None:
    fake_slack.add_channel("C0OUTSIDE", "outside", members=["U0ALICE"], is_member=False)
    fake_slack.add_channel("G0SECRET", "secret", is_member=False, is_private=True)

    with pytest.raises(SlackApiError, match="not_in_channel"):
        client.chat_postMessage(channel="C0OUTSIDE", text="x")
    with pytest.raises(SlackApiError, match="channel_not_found"):
        client.conversations_info(channel="G0SECRET")
    client.conversations_join(channel="C0OUTSIDE")
    assert client.chat_postMessage(channel="#outside", text="now in")["channel"] == "C0OUTSIDE"


def test_form_bodies_and_token_argument(fake_slack: FakeSlack) -> None:
    answer = requests.post(
        fake_slack.api_url + "chat.postMessage",
        data={
            "token": fake_slack.bot_token,
            "channel": "C0GENERAL",
            "text": "as a form",
            "blocks": '[{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]',
        },
        timeout=5,
    )

    assert answer.json()["ok"] is True
    assert answer.headers["X-OAuth-Scopes"].startswith("app_mentions:read,")
    (message,) = fake_slack.messages("C0GENERAL")
    assert message.blocks == [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]
    assert fake_slack.last_call("chat.postMessage").form["text"] == "as a form"
    no_token = requests.post(fake_slack.api_url + "auth.test", timeout=5).json()
    assert no_token == {"ok": False, "error": "not_authed"}


def test_delay_holds_the_answer(fake_slack: FakeSlack, client: WebClient) -> None:
    fake_slack.delay("auth.test", 0.3)

    started = time.monotonic()
    client.auth_test()

    assert time.monotonic() - started >= 0.3


def test_rate_limit_retry_after_is_honoured(fake_slack: FakeSlack) -> None:
    client = WebClient(
        token=fake_slack.bot_token,
        base_url=fake_slack.api_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    fake_slack.fail("chat.postMessage", status=429, retry_after=1)

    client.chat_postMessage(channel="C0GENERAL", text="eventually")

    first, second = fake_slack.calls("chat.postMessage")
    assert second.received_at - first.received_at >= 1.0
    assert [m.text for m in fake_slack.messages("C0GENERAL")] == ["eventually"]


def test_429_without_retry_handler_reports_ratelimited(fake_slack: FakeSlack) -> None:
    client = WebClient(token=fake_slack.bot_token, base_url=fake_slack.api_url, retry_handlers=[])
    fake_slack.fail("chat.postMessage", status=429, retry_after=7)

    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C0GENERAL", text="x")

    assert raised.value.response.status_code == 429
    assert raised.value.response["error"] == "ratelimited"
    assert raised.value.response.headers["Retry-After"] == "7"
    assert fake_slack.messages("C0GENERAL") == []


def test_the_per_channel_post_limit_answers_429_as_slack_does(fake_slack: FakeSlack) -> None:
    client = WebClient(token=fake_slack.bot_token, base_url=fake_slack.api_url, retry_handlers=[])
    fake_slack.add_channel("C0OTHER", "other")
    limit = fake_slack.limit_posts(per_second=1.0, burst=2)

    client.chat_postMessage(channel="C0GENERAL", text="one")
    client.chat_postMessage(channel="C0GENERAL", text="two")  # the burst
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C0GENERAL", text="three")
    client.chat_postMessage(channel="C0OTHER", text="another channel has its own budget")

    assert raised.value.response.status_code == 429
    assert raised.value.response["error"] == "ratelimited"
    assert raised.value.response.headers["Retry-After"] == "1"
    assert [m.text for m in fake_slack.messages("C0GENERAL")] == ["one", "two"]
    assert [(r.channel, r.retry_after) for r in limit.refused()] == [("C0GENERAL", 1)]
    time.sleep(1.0)
    client.chat_postMessage(channel="C0GENERAL", text="a second later")
    assert len(fake_slack.messages("C0GENERAL")) == 3
    fake_slack.reset()
    assert fake_slack.post_limit is None  # off again for the next test


def test_faults_are_consumed_in_order(fake_slack: FakeSlack) -> None:
    quick = FixedValueRetryIntervalCalculator(0.01)
    client = WebClient(
        token=fake_slack.bot_token,
        base_url=fake_slack.api_url,
        retry_handlers=[
            ServerErrorRetryHandler(max_retry_count=2, interval_calculator=quick),
            # the handlers share one attempt counter: the 429 retry is attempt 3
            RateLimitErrorRetryHandler(max_retry_count=3),
        ],
    )
    fake_slack.fail("chat.postMessage", status=500, times=2)
    fake_slack.fail("chat.postMessage", status=429, retry_after=0)

    client.chat_postMessage(channel="C0GENERAL", text="after four tries")

    assert [c.api_method for c in fake_slack.calls("chat.postMessage")] == ["chat.postMessage"] * 4
    assert len(fake_slack.messages("C0GENERAL")) == 1
    assert fake_slack.pending_faults == []


def test_timeout_after_the_post_was_applied(fake_slack: FakeSlack) -> None:
    client = WebClient(
        token=fake_slack.bot_token, base_url=fake_slack.api_url, timeout=1, retry_handlers=[]
    )
    fake_slack.slow_after_apply("chat.postMessage", 5)

    with pytest.raises(TimeoutError):
        client.chat_postMessage(channel="C0GENERAL", text="did it post?")

    assert [m.text for m in fake_slack.messages("C0GENERAL")] == ["did it post?"]


def test_api_error_fault_and_forced_answers(fake_slack: FakeSlack, client: WebClient) -> None:
    fake_slack.api_error("chat.postMessage", "is_archived")

    with pytest.raises(SlackApiError, match="is_archived"):
        client.chat_postMessage(channel="C0GENERAL", text="x")
    assert client.chat_postMessage(channel="C0GENERAL", text="x")["ok"] is True


def test_views_open_trigger_rules(fake_slack: FakeSlack, client: WebClient) -> None:
    expired = fake_slack.new_trigger_id(age=3.5)
    fresh = fake_slack.new_trigger_id()

    with pytest.raises(SlackApiError, match="expired_trigger_id"):
        client.views_open(trigger_id=expired, view=MODAL)
    with pytest.raises(SlackApiError, match="invalid_trigger_id"):
        client.views_open(trigger_id="12345.67890.abcdef", view=MODAL)
    opened = ok(client.views_open(trigger_id=fresh, view=MODAL))["view"]
    with pytest.raises(SlackApiError, match="exchanged_trigger_id"):
        client.views_open(trigger_id=fresh, view=MODAL)

    assert opened["id"].startswith("V")
    assert fake_slack.views_opened == [opened]
    updated = ok(client.views_update(view_id=opened["id"], view=MODAL, hash=opened["hash"]))
    assert updated["view"]["hash"] != opened["hash"]
    with pytest.raises(SlackApiError, match="hash_conflict"):
        client.views_update(view_id=opened["id"], view=MODAL, hash=opened["hash"])


def test_invalid_view_lists_problems(client: WebClient, fake_slack: FakeSlack) -> None:
    too_long = {**MODAL, "title": {"type": "plain_text", "text": "A title far over the limit"}}

    with pytest.raises(SlackApiError, match="invalid_arguments") as raised:
        client.views_open(trigger_id=fake_slack.new_trigger_id(), view=too_long)

    assert raised.value.response["response_metadata"]["messages"] == [
        "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]"
    ]


def test_response_url_posts_are_recorded_and_applied(fake_slack: FakeSlack) -> None:
    command = fake_slack.slash_command_payload("help")

    WebhookClient(command["response_url"]).send(text="How to use /ticket")
    WebhookClient(command["response_url"]).send(text="Posted for all", response_type="in_channel")

    posts = fake_slack.response_posts(command["response_url"])
    assert [(p.response_type, p.text) for p in posts] == [
        ("ephemeral", "How to use /ticket"),
        ("in_channel", "Posted for all"),
    ]
    assert fake_slack.ephemerals[0].user == "U0ALICE"
    assert [m.text for m in fake_slack.messages("C0GENERAL")] == ["Posted for all"]
    unknown = requests.post(
        fake_slack.url + "/response/T0TEST/0/nope", json={"text": "x"}, timeout=5
    )
    assert unknown.status_code == 404


def test_signature_helper_matches_slack_sdk() -> None:
    from slack_sdk.signature import SignatureVerifier

    body, ts = b"token=x&command=%2Fticket", int(time.time())
    headers = {"x-slack-request-timestamp": str(ts), "x-slack-signature": signature(body, "s3", ts)}

    assert SignatureVerifier("s3").is_valid_request(body, headers)


# --- Socket Mode -------------------------------------------------------------------------


@pytest.fixture
def socket_client(fake_slack: FakeSlack, client: WebClient) -> Iterator[SocketModeClient]:
    socket = SocketModeClient(app_token=fake_slack.app_token, web_client=client)

    def ack(sm: SocketModeClient, req: SocketModeRequest) -> None:
        sm.send_socket_mode_response(
            SocketModeResponse(envelope_id=req.envelope_id, payload={"text": "got it"})
        )

    socket.socket_mode_request_listeners.append(ack)  # type: ignore[arg-type]
    socket.connect()
    yield socket
    socket.close()


def test_socket_mode_delivers_envelopes_and_records_acks(
    fake_slack: FakeSlack, socket_client: SocketModeClient
) -> None:
    fake_slack.socket.wait_for_clients(1)
    command = fake_slack.slash_command_payload("Printer on fire")

    envelope_id = fake_slack.send_envelope("slash_commands", command)
    ack = fake_slack.wait_for_ack(envelope_id, timeout=5)

    assert ack.payload == {"text": "got it"}
    hello, envelope = fake_slack.socket.sent[:2]
    assert hello["type"] == "hello"
    assert envelope["accepts_response_payload"] is True
    assert envelope["payload"]["text"] == "Printer on fire"
    assert fake_slack.calls("apps.connections.open")[0].header("Authorization") == (
        "Bearer xapp-test"
    )


def test_socket_mode_client_reconnects_after_disconnect(
    fake_slack: FakeSlack, socket_client: SocketModeClient
) -> None:
    fake_slack.socket.wait_for_clients(1)

    assert fake_slack.disconnect_all() == 1
    fake_slack.socket.wait_for_handshakes(2, timeout=10)
    fake_slack.socket.wait_for_clients(1, timeout=5)

    event = fake_slack.message_event_payload(fake_slack.add_message("C0GENERAL", "hi"))
    envelope_id = fake_slack.send_envelope("events_api", event)
    assert fake_slack.wait_for_ack(envelope_id).envelope_id == envelope_id
    assert len(fake_slack.calls("apps.connections.open")) == 2


def test_socket_mode_url_is_single_use(fake_slack: FakeSlack, client: WebClient) -> None:
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    url = ok(client.apps_connections_open(app_token=fake_slack.app_token))["url"]
    with connect(url) as ws:
        assert '"type": "hello"' in str(ws.recv(timeout=5))
    with pytest.raises(InvalidStatus):
        connect(url)


@pytest.mark.parametrize("variant", ["websockets", "aiohttp"])
def test_async_socket_mode_clients_work_too(fake_slack: FakeSlack, variant: str) -> None:
    """slack_sdk's asyncio clients (they need aiohttp for their AsyncWebClient)."""
    pytest.importorskip("aiohttp")
    import importlib

    from slack_sdk.web.async_client import AsyncWebClient

    module = importlib.import_module(f"slack_sdk.socket_mode.{variant}")

    async def scenario() -> str:
        web = AsyncWebClient(token=fake_slack.bot_token, base_url=fake_slack.api_url)
        socket = module.SocketModeClient(app_token=fake_slack.app_token, web_client=web)

        async def ack(sm: Any, req: SocketModeRequest) -> None:
            await sm.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))

        socket.socket_mode_request_listeners.append(ack)
        await socket.connect()
        loop = asyncio.get_running_loop()
        envelope_id = await loop.run_in_executor(
            None, fake_slack.send_envelope, "interactive", {"type": "block_actions"}
        )
        ack_seen = await loop.run_in_executor(None, fake_slack.wait_for_ack, envelope_id)
        await socket.close()
        return ack_seen.envelope_id

    assert asyncio.run(scenario()).endswith("fake-envelope")


def test_conversations_open_opens_the_dm_once(fake_slack: FakeSlack, client: WebClient) -> None:
    fake_slack.add_user("U0ADA", "ada")
    opened = client.conversations_open(users="U0ADA")
    assert opened.data == {"ok": True, "channel": {"id": "D0ADA"}}
    again = client.conversations_open(users="U0ADA", return_im=True)
    assert again["already_open"] is True
    assert again["no_op"] is True
    im = again.get("channel") or {}
    assert (im["is_im"], im["user"]) == (True, "U0ADA")
    client.chat_postMessage(channel="D0ADA", text="hello")
    assert [m.text for m in fake_slack.messages("D0ADA")] == ["hello"]


def test_conversations_open_errors(fake_slack: FakeSlack, client: WebClient) -> None:
    fake_slack.add_user("U0GONE", "gone").deleted = True
    fake_slack.add_user("U0BOT", "robot", is_bot=True, bot_id="B0ROBOT")
    for users, error in [
        ("", "users_list_not_supplied"),
        ("U0NOBODY", "user_not_found"),
        ("U0GONE", "user_disabled"),
        ("U0BOT", "cannot_dm_bot"),
    ]:
        with pytest.raises(SlackApiError, match=error):
            client.conversations_open(users=users)
    fake_slack.bot_scopes = fake_slack.bot_scopes - {"im:write"}
    with pytest.raises(SlackApiError, match="missing_scope"):
        client.conversations_open(users="U0ADA")


# --- the App Home ----------------------------------------------------------------------------


def test_views_publish_draws_a_home_and_refuses_bad_ones(
    fake_slack: FakeSlack, client: WebClient
) -> None:
    home = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}],
    }
    first: Any = client.views_publish(user_id="U0ALICE", view=home)["view"]
    assert (first["type"], first["blocks"]) == ("home", home["blocks"])
    again: Any = client.views_publish(user_id="U0ALICE", view=home)["view"]
    assert again["id"] == first["id"]  # one Home per person
    with pytest.raises(SlackApiError, match="hash_conflict"):
        client.views_publish(user_id="U0ALICE", view=home, hash=first["hash"])
    with pytest.raises(SlackApiError, match="user_not_found"):
        client.views_publish(user_id="U0NOBODY", view=home)
    too_long = {"type": "home", "blocks": [{"type": "divider"}] * 101}
    with pytest.raises(SlackApiError, match="invalid_arguments"):
        client.views_publish(user_id="U0ALICE", view=too_long)
    with pytest.raises(SlackApiError, match="invalid_arguments"):
        client.views_publish(user_id="U0ALICE", view={**home, "type": "modal"})


def test_app_home_opened_and_a_home_click(fake_slack: FakeSlack, client: WebClient) -> None:
    first = fake_slack.app_home_opened_payload("U0ALICE")
    event = first["event"]
    assert (first["type"], event["type"], event["user"], event["tab"]) == (
        "event_callback",
        "app_home_opened",
        "U0ALICE",
        "home",
    )
    assert event["channel"].startswith("D")
    assert "view" not in event  # nothing published yet

    button = {"type": "button", "action_id": "go", "text": {"type": "plain_text", "text": "Go"}}
    blocks = [{"type": "actions", "block_id": "b1", "elements": [{**button, "value": "7"}]}]
    published: Any = client.views_publish(
        user_id="U0ALICE", view={"type": "home", "blocks": blocks}
    ).data
    assert (
        fake_slack.app_home_opened_payload("U0ALICE")["event"]["view"]["id"]
        == (published["view"]["id"])
    )
    click = fake_slack.home_action_payload("U0ALICE", "b1", "go")
    assert click["container"] == {"type": "view", "view_id": published["view"]["id"]}
    assert click["actions"][0]["value"] == "7"
    assert "message" not in click
    assert "channel" not in click
