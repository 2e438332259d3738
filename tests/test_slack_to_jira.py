"""Slack mrkdwn → Jira wiki markup (REST v2) and ADF (REST v3): exact output per construct."""

from __future__ import annotations

import pytest

from integrations.slack_to_jira import Mention, mentioned_users, plain, prettify, to_adf, to_wiki

BOB = {"U0BOB": Mention("Bob Builder", "712020:bob", cloud=True)}
BOB_SERVER = {"U0BOB": Mention("Bob Builder", "bob", cloud=False)}
BOB_UNMAPPED = {"U0BOB": Mention("Bob Builder")}


@pytest.mark.parametrize(
    ("mrkdwn", "wiki"),
    [
        ("plain words", "plain words"),
        ("*bold* and _italic_ and ~gone~", "*bold* and _italic_ and -gone-"),
        ("*bold _nested_*", "*bold _nested_*"),
        ("2*3*4 and snake_case_name", "2*3*4 and snake_case_name"),
        ("run `make test` now", "run {{make test}} now"),
        ("`{braces}`", "{{\\{braces\\}}}"),
        ("<https://example.com/a?b=1&amp;c=2|the log>", "[the log|https://example.com/a?b=1&c=2]"),
        ("<https://example.com>", "[https://example.com]"),
        ("<mailto:a@example.com|a@example.com>", "[a@example.com|mailto:a@example.com]"),
        ("in <#C0GENERAL|general> <!here>", "in #general @here"),
        ("a &lt;b&gt; &amp; [c] {d} |e", "a <b> & \\[c\\] \\{d\\} \\|e"),
        ("line one\nline two", "line one\nline two"),
        ("para one\n\npara two", "para one\n\npara two"),
        ("&gt; quoted", "bq. quoted"),
        ("&gt; one\n&gt; two", "{quote}\none\ntwo\n{quote}"),
        ("• one\n• two", "* one\n* two"),
        ("- dash\n- list", "* dash\n* list"),
        ("1. first\n2. second", "# first\n# second"),
        (
            "```\ndef f():\n    return 1 &lt; 2\n```",
            "{noformat}\ndef f():\n    return 1 < 2\n{noformat}",
        ),
        ("```one line```", "{noformat}\none line\n{noformat}"),
        ("# not a heading", "\\# not a heading"),
        ("intro\n• item\nafter", "intro\n\n* item\n\nafter"),
    ],
)
def test_wiki(mrkdwn: str, wiki: str) -> None:
    assert to_wiki(mrkdwn) == wiki


# Wiki markup injection: user text must never become live markup in Jira.
@pytest.mark.parametrize(
    ("mrkdwn", "wiki"),
    [
        (
            "```\n{noformat}\n{panel:title=Owned}[click me|https://evil.example]{panel}\n```",
            "{noformat}\n{\u200bnoformat}\n{panel:title=Owned}[click me|https://evil.example]"
            "{panel}\n{noformat}",
        ),
        ("```{NoFormat:x}```", "{noformat}\n{\u200bNoFormat:x}\n{noformat}"),
        (
            "see !https://evil.example/pixel.png! here",
            "see \\!https://evil.example/pixel.png\\! here",
        ),
        ("`!img.png!`", "{{\\!img.png\\!}}"),
        ("C:\\Users\\bob", "C:&#92;Users&#92;bob"),
        ("a\\{b", "a&#92;\\{b"),
        ("+ins+ x^2^ H~2~O", "\\+ins\\+ x\\^2\\^ H\\~2\\~O"),
        (
            "-struck- and well-known, a - b, -- and x-",
            "\\-struck- and well-known, a - b, -- and x-",
        ),
        ("<https://x.example/a]b!c|label>", "[label|https://x.example/a%5Db%21c]"),
    ],
)
def test_wiki_injection_is_escaped(mrkdwn: str, wiki: str) -> None:
    assert to_wiki(mrkdwn) == wiki
    assert wiki.count("{noformat}") in (0, 2)


def test_wiki_user_mentions() -> None:
    text = "cc <@U0BOB> and <@U0NOBODY>"
    assert to_wiki(text, BOB) == "cc [~accountid:712020:bob] and @U0NOBODY"
    assert to_wiki(text, BOB_SERVER) == "cc [~bob] and @U0NOBODY"
    assert to_wiki(text, BOB_UNMAPPED) == "cc @Bob Builder and @U0NOBODY"


def test_adf_document() -> None:
    text = (
        "Login *fails* for <@U0BOB>, see <https://x.example/log|the log>\n"
        "second `line`\n\n"
        "&gt; quoted\n"
        "• one\n"
        "```\ncode &amp; more\n```"
    )
    assert to_adf(text, BOB) == {
        "type": "doc",
        "version": 1,
        "content": [
            {
                "type": "paragraph",
                "content": [
                    {"type": "text", "text": "Login "},
                    {"type": "text", "text": "fails", "marks": [{"type": "strong"}]},
                    {"type": "text", "text": " for "},
                    {"type": "mention", "attrs": {"id": "712020:bob", "text": "@Bob Builder"}},
                    {"type": "text", "text": ", see "},
                    {
                        "type": "text",
                        "text": "the log",
                        "marks": [{"type": "link", "attrs": {"href": "https://x.example/log"}}],
                    },
                    {"type": "hardBreak"},
                    {"type": "text", "text": "second "},
                    {"type": "text", "text": "line", "marks": [{"type": "code"}]},
                ],
            },
            {
                "type": "blockquote",
                "content": [{"type": "paragraph", "content": [{"type": "text", "text": "quoted"}]}],
            },
            {
                "type": "bulletList",
                "content": [
                    {
                        "type": "listItem",
                        "content": [
                            {"type": "paragraph", "content": [{"type": "text", "text": "one"}]}
                        ],
                    }
                ],
            },
            {"type": "codeBlock", "content": [{"type": "text", "text": "code & more"}]},
        ],
    }


def test_adf_marks_nest_and_code_keeps_only_links() -> None:
    assert to_adf("*bold _both_* ~`x`~")["content"] == [
        {
            "type": "paragraph",
            "content": [
                {"type": "text", "text": "bold ", "marks": [{"type": "strong"}]},
                {"type": "text", "text": "both", "marks": [{"type": "strong"}, {"type": "em"}]},
                {"type": "text", "text": " "},
                {"type": "text", "text": "x", "marks": [{"type": "code"}]},
            ],
        }
    ]


def test_adf_unmapped_mention_is_text() -> None:
    assert to_adf("hi <@U0BOB>", BOB_UNMAPPED)["content"][0]["content"] == [
        {"type": "text", "text": "hi "},
        {"type": "text", "text": "@Bob Builder"},
    ]


def test_adf_of_empty_text_is_an_empty_document() -> None:
    assert to_adf("") == {"type": "doc", "version": 1, "content": []}


def test_plain_for_summaries() -> None:
    assert plain("*Login* fails for <@U0BOB> &amp; <https://x.example|docs>", BOB) == (
        "Login fails for @Bob Builder & docs"
    )


def test_prettify_for_a_plain_text_box() -> None:
    text = (
        "hi <@U0BOB> see <https://x.example/a|docs> and <https://z.example> in "
        "<#C1|general> <!here> a &lt;b&gt; *bold* <mailto:a@example.com|a@example.com>"
    )
    assert prettify(text, BOB) == (
        "hi @Bob Builder see docs (https://x.example/a) and https://z.example in #general @here "
        "a <b> *bold* a@example.com"
    )


def test_mentioned_users_in_order_without_repeats() -> None:
    assert mentioned_users("<@U2> <@U1|bob> <@U2> <#C1>") == ["U2", "U1"]
