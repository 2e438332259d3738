"""Slack mrkdwn → GitHub Markdown for comments made from Slack: one case per construct,
each asserting the exact Markdown GitHub receives."""

from __future__ import annotations

import pytest

from integrations.github.markdown import made_from_slack, slack_comment, to_markdown

LOGINS = {"U0BOB": "builder-bob"}
NAMES = {"U0BOB": "Bob Builder", "U0ALICE": "Alice Example"}


@pytest.mark.parametrize(
    ("mrkdwn", "markdown"),
    [
        ("plain words", "plain words"),
        ("*bold* _em_ ~gone~", "**bold** _em_ ~~gone~~"),
        ("run `make test` now", "run `make test` now"),
        ("a `x` tick", "a `x` tick"),
        ("<javascript:alert(1)|click>", "click"),
        ("<https://example.com/a b|the docs>", "[the docs](https://example.com/a%20b)"),
        ("<https://example.com/x>", "<https://example.com/x>"),
        ("<https://example.com/(x)|paren>", "[paren](https://example.com/%28x%29)"),
        ("thanks <@U0BOB>", "thanks @builder-bob"),
        ("thanks <@U0ALICE>", "thanks Alice Example"),
        ("see <#C0GENERAL|general>", "see #general"),
        ("<!here> look", "`@here` look"),
        ("a &lt;b&gt; &amp; c", "a \\<b\\> & c"),
        ("[not](a link) *x*y", "\\[not\\](a link) \\*x\\*y"),
        ("# not a heading", "\\# not a heading"),
        ("1. one\n2. two", "1. one\n2. two"),
        ("• one\n• two", "- one\n- two"),
        ("&gt; quoted\n&gt; twice", "> quoted\n> twice"),
        ("```\nx = `1`\n```", "```\nx = `1`\n```"),
        ("```\nfence ``` inside\n```", "````\nfence ``` inside\n````"),
        ("<b>html</b>", "bhtml/b"),
        ("&amp;lt; stays", "&amp;lt; stays"),
        ("line one\nline two", "line one\nline two"),
    ],
)
def test_mrkdwn_as_markdown(mrkdwn: str, markdown: str) -> None:
    assert to_markdown(mrkdwn, LOGINS, NAMES) == markdown


def test_the_comment_names_the_author_and_links_the_message() -> None:
    link = "https://connect-test.slack.com/archives/C0GENERAL/p1700000000000200"
    assert slack_comment("Ada Lovelace", "Looks *good*", link, logins={}, names={}) == (
        f"**Ada Lovelace** via Slack: Looks **good**\n\n[View in Slack]({link})"
    )


def test_a_comment_that_starts_with_code_puts_it_under_the_name() -> None:
    assert slack_comment("Ada", "```\nboom\n```", None, logins={}, names={}) == (
        "**Ada** via Slack:\n\n```\nboom\n```"
    )


def test_markup_in_the_name_stays_text() -> None:
    assert slack_comment("*Ada* [x]", "hi", None, logins={}, names={}) == (
        "**\\*Ada\\* \\[x\\]** via Slack: hi"
    )


def test_a_comment_made_from_slack_is_recognised_by_its_text() -> None:
    link = "https://connect-test.slack.com/archives/C0GENERAL/p1700000000000200"
    made = slack_comment("Ada", "```\nboom\n```\nand *more*", link, logins={}, names={})
    assert made_from_slack(made)
    assert not made_from_slack(slack_comment("Ada", "no link", None, logins={}, names={}))
    assert not made_from_slack(f"I saw **Ada** via Slack: [View in Slack]({link})")
