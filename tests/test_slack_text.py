"""The one escape and the one link sanitiser (`integrations.slack_text`), and GitHub text
through them: what a GitHub user wrote cannot ping `@channel` or forge a link in Slack."""

from __future__ import annotations

from typing import Any

import pytest

from integrations.github.dispatch import render_payload
from integrations.messages import ChannelPost, SlackMessage, ThreadPost
from integrations.slack_text import escape, link, safe_url
from playground.github_payloads import example, variant

EVIL = "<!channel> & <https://evil.example|click>"
EVIL_ESCAPED = "&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;"
REPO_LINK = "<https://github.com/Codertocat/Hello-World|Codertocat/Hello-World>"


def test_escape() -> None:
    assert escape(EVIL) == EVIL_ESCAPED


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://x.io/?a=1&b=2", "https://x.io/?a=1&b=2"),
        ("  http://x.io/a b  ", "http://x.io/a%20b"),
        ("https://x/><!channel>", "https://x/%3E%3C!channel%3E"),
        ("https://x/p|<@U0ADMIN>", "https://x/p%7C%3C@U0ADMIN%3E"),
        ("https://x/a\nb\tc", "https://x/a%0Ab%09c"),
        ("MAILTO:a@b.c", "MAILTO:a@b.c"),
        ("javascript:alert(1)", None),
        ("slack://channel?id=C1", None),
        ("/relative/path", None),
        ("", None),
    ],
)
def test_safe_url(url: str, safe: str | None) -> None:
    assert safe_url(url) == safe


def test_link() -> None:
    assert link("https://x/><!here>", "<!channel>") == "<https://x/%3E%3C!here%3E|&lt;!channel&gt;>"
    assert link("https://x/") == "<https://x/>"
    assert link("javascript:alert(1)", "<b>") == "&lt;b&gt;"  # not a link: the label, as text
    assert link("slack://x/<!here>") == "slack://x/&lt;!here&gt;"


def _section(message: SlackMessage) -> str:
    return message.blocks[0].to_dict()["text"]["text"]


def _reply(event: str, payload: dict[str, Any]) -> SlackMessage:
    post = render_payload(event, payload)
    assert isinstance(post, ThreadPost)
    assert post.reply is not None
    return post.reply


def _no_injection(text: str) -> None:
    assert "<!" not in text
    assert "<@" not in text
    assert "<https://evil" not in text


def test_pull_request_title_is_escaped() -> None:
    reply = _reply(
        "pull_request", variant(example("pull_request", "opened"), {"pull_request.title": EVIL})
    )
    assert reply.text == (
        ":large_green_circle: Codertocat opened pull request "
        f"<https://github.com/Codertocat/Hello-World/pull/2|#2 {EVIL_ESCAPED}>"
    )
    _no_injection(_section(reply))


def test_comment_body_is_escaped() -> None:
    reply = _reply(
        "issue_comment", variant(example("issue_comment", "created"), {"comment.body": EVIL})
    )
    assert _section(reply) == (
        ":speech_balloon: Codertocat "
        "<https://github.com/Codertocat/Hello-World/issues/1#issuecomment-492700400|commented>\n"
        f"&gt; {EVIL_ESCAPED}"
    )
    _no_injection(_section(reply))


def test_release_name_and_notes_are_escaped() -> None:
    payload = variant(
        example("release", "published"), {"release.name": "<!here>", "release.body": EVIL}
    )
    post = render_payload("release", payload)
    assert isinstance(post, ChannelPost)
    assert _section(post.message) == (
        ":rocket: Codertocat published release "
        "<https://github.com/Codertocat/Hello-World/releases/tag/0.0.1|&lt;!here&gt; (0.0.1)> "
        f"in {REPO_LINK}\n&gt; {EVIL_ESCAPED}"
    )
    _no_injection(_section(post.message))


def test_a_deployment_target_url_is_sanitised() -> None:
    """`target_url` is whatever the deploying tool set: it goes through the same sanitiser."""
    payload = variant(
        example("deployment_status", "created"),
        {
            "deployment_status.state": "failure",
            "deployment_status.target_url": "https://ci/><!channel>",
        },
    )
    post = render_payload("deployment_status", payload)
    assert isinstance(post, ChannelPost)
    assert _section(post.message).endswith("by Codertocat · <https://ci/%3E%3C!channel%3E|details>")
    _no_injection(_section(post.message))
