"""Block Kit limits on the way out: every message the app sends is fitted to Slack's
documented limits (`integrations.slack.blockkit`), and the fake Slack refuses what real
Slack refuses (`invalid_blocks`, `msg_too_long`), so a card with a 200,000-character label
still goes out, cut with "…"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    OverflowMenuElement,
    SectionBlock,
    StaticSelectElement,
)

from integrations.delivery.worker import WorkerConfig
from integrations.messages import SlackMessage
from integrations.slack.blockkit import ELLIPSIS, clip, fitted, plain
from integrations.slack.writer import SlackWriter
from playground.fakes.slack import FakeSlack
from playground.fakes.slack_blocks import block_errors
from playground.github_payloads import example, variant
from tests.support.live import LiveApp
from tests.support.pipeline import DeliveryPipeline
from tests.support.webhooks import GITHUB_SECRET
from tests.support.workers import worker_for

CHANNEL = "C0GENERAL"


def out(*blocks: Block, text: str = "fallback") -> dict[str, Any]:
    """What is sent for a message of `blocks`; the fake Slack accepts it."""
    sent = fitted(SlackMessage(text=text, blocks=blocks))
    assert block_errors(sent.get("blocks", [])) == []
    return sent


def refused(*blocks: Block) -> list[str]:
    """What the fake Slack says of `blocks` sent as built."""
    return block_errors([plain(b) for b in blocks])


def md(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=text)


# One test per limit ---------------------------------------------------------------------


def test_section_text_is_cut_at_3000() -> None:
    block = SectionBlock(text=md("x" * 5000))
    assert refused(block) == [
        "must be less than 3001 characters [json-pointer:/blocks/0/text/text]"
    ]
    text = out(block)["blocks"][0]["text"]["text"]
    assert text == "x" * 2999 + ELLIPSIS


def test_each_field_is_cut_at_2000() -> None:
    block = SectionBlock(fields=[md("short"), md("f" * 200_011)])
    assert refused(block) == [
        "must be less than 2001 characters [json-pointer:/blocks/0/fields/1/text]"
    ]
    fields = out(block)["blocks"][0]["fields"]
    assert [f["text"] for f in fields] == ["short", "f" * 1999 + ELLIPSIS]


def test_a_section_keeps_10_fields() -> None:
    block = SectionBlock(fields=[md(f"field {n}") for n in range(12)])
    assert refused(block) == ["no more than 10 items allowed [json-pointer:/blocks/0/fields]"]
    fields = out(block)["blocks"][0]["fields"]
    assert [f["text"] for f in fields] == [f"field {n}" for n in range(10)]


def test_a_context_keeps_10_elements_each_within_3000() -> None:
    block = ContextBlock(elements=[md("c" * 4000)] + [md(f"part {n}") for n in range(11)])
    assert refused(block) == [
        "no more than 10 items allowed [json-pointer:/blocks/0/elements]",
        "must be less than 3001 characters [json-pointer:/blocks/0/elements/0/text]",
    ]
    elements = out(block)["blocks"][0]["elements"]
    assert len(elements) == 10
    assert elements[0]["text"] == "c" * 2999 + ELLIPSIS
    assert elements[9]["text"] == "part 8"


def test_a_header_is_cut_at_150() -> None:
    block = HeaderBlock(text="h" * 151)
    assert refused(block) == ["must be less than 151 characters [json-pointer:/blocks/0/text/text]"]
    assert out(block)["blocks"][0]["text"] == {
        "type": "plain_text",
        "text": "h" * 149 + ELLIPSIS,
        "emoji": True,
    }


def test_button_text_is_cut_at_75_and_a_long_url_left_out() -> None:
    button = ButtonElement(
        text="b" * 80, action_id="open", value="v" * 2500, url="https://x.example/" + "u" * 3000
    )
    block = ActionsBlock(elements=[button])
    assert refused(block) == [
        "must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]",
        "must be less than 2001 characters [json-pointer:/blocks/0/elements/0/value]",
        "must be less than 3001 characters [json-pointer:/blocks/0/elements/0/url]",
    ]
    [sent] = out(block)["blocks"][0]["elements"]
    assert sent["text"]["text"] == "b" * 74 + ELLIPSIS
    assert len(sent["value"]) == 2000
    assert "url" not in sent  # a URL cut short would lead elsewhere


def test_option_text_is_cut_at_75_and_a_select_keeps_100() -> None:
    options = [Option(text="o" * 80, value=f"v{n}", description="d" * 90) for n in range(105)]
    select = StaticSelectElement(placeholder="p" * 160, action_id="pick", options=options)
    block = SectionBlock(text=md("Pick one"), accessory=select)
    problems = refused(block)
    assert "no more than 100 items allowed [json-pointer:/blocks/0/accessory/options]" in problems
    assert (
        "must be less than 76 characters [json-pointer:/blocks/0/accessory/options/0/text/text]"
        in problems
    )
    accessory = out(block)["blocks"][0]["accessory"]
    assert len(accessory["options"]) == 100
    assert accessory["options"][0]["text"]["text"] == "o" * 74 + ELLIPSIS
    assert accessory["options"][0]["description"]["text"] == "d" * 74 + ELLIPSIS
    assert accessory["placeholder"]["text"] == "p" * 149 + ELLIPSIS


def test_an_overflow_menu_keeps_5_options() -> None:
    menu = OverflowMenuElement(
        action_id="more", options=[Option(text=f"o{n}", value=f"v{n}") for n in range(7)]
    )
    sent = out(ActionsBlock(elements=[menu]))["blocks"][0]["elements"][0]
    assert [o["value"] for o in sent["options"]] == ["v0", "v1", "v2", "v3", "v4"]


def test_a_message_keeps_50_blocks_and_says_how_many_more() -> None:
    blocks = [SectionBlock(text=md(f"block {n}")) for n in range(60)]
    assert refused(*blocks) == ["no more than 50 items allowed [json-pointer:/blocks]"]
    sent = out(*blocks)["blocks"]
    assert len(sent) == 50
    assert sent[48]["text"]["text"] == "block 48"
    assert sent[49] == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": f"{ELLIPSIS} 11 more not shown"}],
    }


def test_the_text_fallback_is_cut_at_40000() -> None:
    sent = fitted(SlackMessage(text="t" * 50_000))
    assert sent["text"] == "t" * 39_999 + ELLIPSIS
    assert "blocks" not in sent


def test_a_cut_never_leaves_half_a_link() -> None:
    text = "a" * 2990 + "<https://github.com/o/r|label>"
    assert clip(text, 3000) == "a" * 2990 + ELLIPSIS


def test_what_fits_is_sent_exactly_as_slack_sdk_builds_it() -> None:
    blocks = (SectionBlock(text=md("*hello*"), fields=[md("a")]), ContextBlock(elements=[md("b")]))
    message = SlackMessage(text="hello", blocks=blocks)
    assert fitted(message) == message.api_fields()


@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(st.integers(min_value=0, max_value=6000), min_size=1, max_size=14),
    blocks=st.integers(min_value=1, max_value=70),
)
def test_whatever_the_lengths_the_fake_slack_accepts_the_message(
    texts: list[int], blocks: int
) -> None:
    section = SectionBlock(text=md("s" * (texts[0] + 1)), fields=[md("<" * (n + 1)) for n in texts])
    context = ContextBlock(elements=[md("c" * (n + 1)) for n in texts])
    message = SlackMessage(text="t" * 45_000, blocks=[section, context] * blocks)
    sent = fitted(message)
    assert block_errors(sent["blocks"]) == []
    assert len(sent["text"]) <= 40_000


# The fake Slack refuses what Slack refuses ----------------------------------------------


@pytest.fixture
def client(fake_slack: FakeSlack) -> WebClient:
    return WebClient(token=fake_slack.bot_token, base_url=fake_slack.api_url, retry_handlers=[])


def test_the_fake_slack_refuses_over_limit_blocks_as_slack_does(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(
            channel=CHANNEL,
            text="x",
            blocks=[{"type": "section", "text": md("x" * 3001).to_dict()}],
        )
    error = "must be less than 3001 characters [json-pointer:/blocks/0/text/text]"
    assert raised.value.response.data == {
        "ok": False,
        "error": "invalid_blocks",
        "errors": [error],
        "response_metadata": {"messages": [f"[ERROR] {error}"]},
    }
    with pytest.raises(SlackApiError, match="msg_too_long"):
        client.chat_postMessage(channel=CHANNEL, text="x" * 40_001)


def test_the_writer_posts_what_slack_would_refuse_as_built(
    client: WebClient, fake_slack: FakeSlack
) -> None:
    message = SlackMessage(
        text="t" * 50_000, blocks=(SectionBlock(text=md("x" * 9000), fields=[md("y" * 9000)]),)
    )
    ts = SlackWriter(client).post(CHANNEL, message)
    posted = fake_slack.message(CHANNEL, ts)
    assert posted is not None
    assert len(posted.text) == 40_000
    assert posted.blocks is not None
    assert posted.blocks[0]["fields"][0]["text"].endswith(ELLIPSIS)


# End to end: a GitHub label of 200,000 characters ---------------------------------------


def test_a_label_of_200000_characters_ends_in_a_card_slack_accepts(
    make_live_app: Callable[..., LiveApp], sqlite_url: str, fake_slack: FakeSlack
) -> None:
    live = make_live_app(
        sqlite_url,
        slack_bot_token=fake_slack.bot_token,
        slack_signing_secret="signing-secret",
        slack_api_url=fake_slack.api_url,
        github_webhook_secret=GITHUB_SECRET,
    )
    client = WebClient(token=fake_slack.bot_token, base_url=fake_slack.api_url, timeout=2)
    worker = worker_for(
        live.runtime.settings,
        live.runtime.repos,
        slack=client,
        config=WorkerConfig(threads=1, poll_seconds=0.05, backoff_seconds=0.01),
    )
    pipeline = DeliveryPipeline(live, fake_slack, worker)
    subscribed = live.post(
        "/api/v1/subscriptions",
        json={
            "source_service": "github",
            "source_id": "Codertocat/Hello-World",
            "channel_id": CHANNEL,
        },
    )
    assert subscribed.status_code == 201
    label = "L" * 200_000
    labeled = example("pull_request", "labeled")
    payload = variant(
        labeled,
        {"label.name": label, "pull_request.labels": [{**labeled["label"], "name": label}]},
    )

    event = pipeline.deliver("pull_request", payload)

    assert event["status"] == "completed", event
    assert [a["outcome"] for a in event["attempt_log"]] == ["completed"]
    [card] = fake_slack.messages(CHANNEL)
    assert card.blocks is not None
    assert block_errors(card.blocks) == []
    [labels] = [f["text"] for f in card.blocks[2]["fields"] if f["text"].startswith("*Labels*")]
    assert len(labels) == 2000
    assert labels.startswith("*Labels*\n`LLL")
    assert labels.endswith("L" + ELLIPSIS)
    [reply] = fake_slack.replies(CHANNEL, card.ts)
    assert len(reply.text) <= 40_000
    assert reply.blocks is not None
    assert block_errors(reply.blocks) == []
