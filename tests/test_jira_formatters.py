"""Jira formatters on real payloads: one condition per test, asserting the exact output.

Fixtures are the real corpus (`../shared/corpora/jira-webhooks/`, named by file without the
`webhook-` prefix) plus two derived payloads in `tests/fixtures/jira/`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from integrations.jira import dispatch
from integrations.jira.buttons import card_buttons
from integrations.jira.formatters import Context, issue_card
from integrations.jira.markup import to_mrkdwn
from integrations.jira.models import JiraWebhook
from integrations.messages import Ignored, ThreadPost
from tests.support.webhooks import jira_payload

FIXTURES = Path(__file__).parent / "fixtures" / "jira"
TES = "<https://some-instance-test.atlassian.net/browse/TES-41|TES-41>"
PRJX = "<http://sales-jira.centralus.cloudapp.azure.com:8080/browse/PRJX-14|PRJX-14>"
TES4 = "<http://some-instance-test.centralus.cloudapp.azure.com:8080/browse/TES-4|TES-4>"


def render(payload: dict[str, Any] | str, **mentions: str) -> ThreadPost | Ignored:
    event = JiraWebhook.model_validate(
        jira_payload(payload) if isinstance(payload, str) else payload
    )
    decision = dispatch.classify(event)
    if isinstance(decision, Ignored):
        return decision
    rendered = decision.spec.formatter(event, Context(mentions))
    assert isinstance(rendered, ThreadPost | Ignored)
    return rendered


def reply(payload: dict[str, Any] | str, **mentions: str) -> str:
    rendered = render(payload, **mentions)
    assert isinstance(rendered, ThreadPost), rendered
    assert rendered.reply is not None
    assert rendered.reply.blocks[0].to_dict() == {
        "type": "section",
        "text": {"type": "mrkdwn", "text": rendered.reply.text},
    }
    return rendered.reply.text


def ignored(payload: dict[str, Any] | str) -> str:
    rendered = render(payload)
    assert isinstance(rendered, Ignored), rendered
    return rendered.reason


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text())


# Issue updates: one changelog field each ---------------------------------------------------


def test_status_change() -> None:
    assert reply("issue-updated-started-working") == (
        f"Test User updated {TES}:\n• *Status:* To Do → In Progress"
    )


def test_resolved_shows_resolution_and_status() -> None:
    assert reply("issue-updated-resolved") == (
        f"Test User updated {TES}:\n• *Resolution:* Unresolved → Done\n"
        "• *Status:* In Progress → Done"
    )


def test_reopened_clears_the_resolution() -> None:
    assert reply("issue-updated-reopened-one-changelog") == (
        f"Test User updated {TES}:\n• *Resolution:* Done → Unresolved"
    )


def test_server_closed() -> None:
    assert reply("server-issue-updated-closed") == (
        f"Test User updated {TES4}:\n• *Status:* Resolved → Closed"
    )


def test_assigned() -> None:
    assert reply("issue-updated-assigned") == (
        f"Test User updated {TES}:\n• *Assignee:* Unassigned → Test User"
    )


def test_unassigned() -> None:
    assert reply("issue-updated-assigned-nobody") == (
        f"Test User updated {TES}:\n• *Assignee:* Test User → Unassigned"
    )


def test_assigned_with_an_empty_changelog_reads_the_issue() -> None:
    assert reply("issue-assigned-empty-changelog") == (
        "Admin User updated <https://test-instance.atlassian.net/browse/TEST-123|TEST-123>:\n"
        "• *Assignee:* John Doe"
    )


def test_priority() -> None:
    assert reply("issue-updated-lowered-priority") == (
        f"Test User updated {TES}:\n• *Priority:* High → Low"
    )


def test_summary() -> None:
    assert reply("issue-updated-renamed") == (
        f"Test User updated {TES}:\n• *Summary:* Unit test summary → Unit test summary 1"
    )


def test_labels_added_and_removed() -> None:
    assert reply("issue-updated-labels") == (
        f"Test User updated {TES}:\n• *Labels:* added sad; removed bad"
    )


def test_fix_version() -> None:
    assert reply("issue-updated-fix-version") == (
        f"Test User updated {TES}:\n• *Fix versions:* v1 → v2"
    )


def test_sprint() -> None:
    assert reply("issue-updated-sprint") == (
        f"Test User updated {TES}:\n• *Sprint:* Sprint 1 → Sprint 2"
    )


def test_component_added() -> None:
    assert reply("issue-updated-components") == (
        "Test User updated <https://some-instance-test.atlassian.net/browse/TES-10|TES-10>:\n"
        "• *Components:* added Special Component"
    )


def test_attachments() -> None:
    assert reply("issue-updated-attachments") == (
        f"Test User updated {TES}:\n• *Attachments:* added test.gif; removed test.json"
    )


def test_description_is_reported_not_diffed() -> None:
    assert reply("issue-updated-edited") == f"Test User updated {TES}:\n• *Description:* edited"


def test_custom_field_by_name() -> None:
    assert reply("cloud-issue-updated-custom-field") == (
        "Sample User updated <https://mmtest.atlassian.net/browse/TES-14|TES-14>:\n"
        "• *MJK - Number Field:* 1 → 12"
    )


def test_several_fields_at_once() -> None:
    assert reply("issue-updated-multiple-values") == (
        f"Test User updated {TES}:\n• *Fix versions:* v1 → v2\n"
        "• *Assignee:* Unassigned → Test User\n• *QA Steps:* none → Make sure it does the thing."
    )


def test_old_server_payload_without_event_type() -> None:
    assert reply("server-old-issue-updated-no-event-type-assigned") == (
        f"Test User updated {TES}:\n• *Assignee:* Unassigned → Test User"
    )


def test_values_are_escaped() -> None:
    payload = jira_payload("issue-updated-renamed")
    payload["changelog"]["items"][0]["toString"] = "a <b> & c"
    assert reply(payload).endswith("• *Summary:* Unit test summary → a &lt;b&gt; &amp; c")


# Cards -----------------------------------------------------------------------------------


def test_card_of_a_new_issue() -> None:
    rendered = render("issue-created")
    assert isinstance(rendered, ThreadPost)
    assert rendered.thread_key == "jira:TES-41"
    assert rendered.reply is None
    assert rendered.card is not None
    assert rendered.card.text == "TES-41: Unit test summary (To Do)"
    assert [b.to_dict() for b in rendered.card.blocks] == [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{TES}: Unit test summary*"}},
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": "Story · Status: *To Do* · Priority: High · Assignee: Unassigned",
                }
            ],
        },
        card_buttons("TES-41", "https://some-instance-test.atlassian.net/browse/TES-41").to_dict(),
    ]


def test_card_shows_resolution_and_assignee() -> None:
    event = JiraWebhook.model_validate(jira_payload("server-issue-updated-resolved"))
    assert event.issue is not None
    card = issue_card(event.issue)
    assert card is not None
    assert card.blocks[1].to_dict()["elements"][0]["text"] == (
        "Bug · Status: *Resolved* · Priority: Medium · Assignee: Unassigned · Resolution: Done"
    )


def test_no_card_from_a_payload_without_the_issue_state() -> None:
    rendered = render("issue-created-no-relevant-fields")  # no assignee field at all
    assert isinstance(rendered, ThreadPost)
    assert rendered.card is None


# Comments --------------------------------------------------------------------------------


def test_cloud_comment() -> None:
    assert reply("cloud-comment-created") == f"Test User commented on {TES}:\nAdded a comment"


def test_server_comment_inside_issue_updated() -> None:
    assert reply("server-issue-updated-commented-1") == (f"Lev Brouk commented on {PRJX}:\nunik")


def test_old_server_comment_without_event_type() -> None:
    assert reply("server-old-issue-updated-no-event-type-commented") == (
        f"Lev Brouk commented on {PRJX}:\nunik"
    )


def test_comment_mentions_by_user_name() -> None:
    assert reply("server-issue-updated-commented-mention-user", user="<@U0BOB>") == (
        f"Lev Brouk commented on {PRJX}:\nunik with mentioned user <@U0BOB>"
    )


def test_unresolved_mention_shows_the_name() -> None:
    assert reply("server-issue-updated-commented-3").endswith("cc: @SomeOtherUser")


def test_comment_line_breaks() -> None:
    assert reply("issue-comment-created-indentation") == (
        "User commented on <http://localhost:8082/browse/TEST-4|TEST-4>:\n"
        "@Test creating a test comment\n\na second line for the test comment"
    )


def test_wiki_markup_comment() -> None:
    text = reply(
        fixture("issue_commented__wiki_markup"),
        **{"5c5f880629be9642ba529340": "<@U0ALICE>"},
    )
    assert text == (
        "Test User commented on <http://test-server.azure.com:8080/browse/PRJA-42|PRJA-42>:\n"
        "*Steps*\n1. open *the* page\n2. click `Save`\n\n```\nx = 1 &lt; 2\n```\n"
        "See <https://example.com/docs?a=1&b=2|the docs> and ping <@U0ALICE> or @nobody."
    )


def test_adf_comment() -> None:
    text = reply(fixture("comment_created__adf_body"))
    assert text == (
        f"Test User commented on {TES}:\n"
        "Thanks @Test User, the fix is *ready* in `main` "
        "(see <https://github.com/octo/repo/pull/42|the PR>).\n\n"
        "• a &lt; b &amp; c\n• _second_\n\n```\nprint('&lt;hi&gt;')\n```"
    )


def test_comment_edited_without_a_known_reply() -> None:
    assert reply("cloud-comment-updated") == (
        f"Test User edited a comment on {TES}:\nAdded a comment, then edited it"
    )


def test_server_comment_edited() -> None:
    assert reply("server-issue-updated-comment-edited") == (
        f"Lev Brouk edited a comment on {PRJX}:\nand higher eeven higher"
    )


def test_cloud_comment_deleted() -> None:
    assert reply("cloud-comment-deleted") == (
        "A comment by Test User was deleted on <https://mmtest.atlassian.net/browse/KT-7|KT-7>."
    )


def test_server_comment_deleted() -> None:
    assert reply("server-issue-updated-comment-deleted") == (
        f"Lev Brouk deleted a comment on {PRJX}."
    )


def test_issue_deleted() -> None:
    rendered = render("issue-deleted")
    assert isinstance(rendered, ThreadPost)
    assert rendered.reply is not None
    assert rendered.reply.text == "Test User deleted IDT-19: hey"
    assert rendered.card is not None
    assert rendered.card.text == "~IDT-19: hey~ _(deleted in Jira)_"


# Ignored, with the reason ----------------------------------------------------------------


def test_rank_only_is_ignored() -> None:
    assert ignored("issue-updated-rank") == (
        "jira:issue_updated: only fields that are not posted changed: Rank"
    )


def test_server_standalone_comment_events_are_ignored() -> None:
    assert ignored("server-comment-created").startswith(
        "comment_created: the payload names no issue"
    )


def test_old_server_update_with_nothing_in_it_is_ignored() -> None:
    assert ignored("server-old-issue-updated-no-event-type-comment-deleted").startswith(
        "jira:issue_updated:unknown: an old Jira Server update"
    )


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        ("worklog_created", "time tracking (worklogs) is not posted"),
        ("jira:version_released", "project versions are not issue activity"),
        ("sprint_started", "sprints are board activity, not issue activity"),
        ("issuelink_created", "issue links are not posted"),
        ("jira:brand_new", "not an event this app posts"),
    ],
)
def test_known_events_that_are_not_posted(event: str, reason: str) -> None:
    assert ignored({"webhookEvent": event}) == f"{event}: {reason}"


def test_supported_events_come_from_the_table() -> None:
    assert dispatch.supported_events() == [
        "comment_created",
        "comment_deleted",
        "comment_updated",
        "jira:issue_created",
        "jira:issue_deleted",
        "jira:issue_updated",
        "jira:issue_updated:issue_comment_deleted",
        "jira:issue_updated:issue_comment_edited",
        "jira:issue_updated:issue_commented",
    ]


# Markup ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wiki", "mrkdwn"),
    [
        ("*bold* _italic_ -strike- {{mono}}", "*bold* _italic_ ~strike~ `mono`"),
        ("+under+ {color:red}red{color}", "under red"),
        ("a < b & c > d", "a &lt; b &amp; c &gt; d"),
        ("[text|https://x.io/?a=1&b=2]", "<https://x.io/?a=1&b=2|text>"),
        ("bq. quoted", "> quoted"),
        ("* one\n** two", "• one\n   • two"),
        ("!screen.png|thumbnail!", "(image: screen.png)"),
        ("[~accountid:abc] and [~jdoe]", "@someone and @jdoe"),
    ],
)
def test_wiki_markup_to_mrkdwn(wiki: str, mrkdwn: str) -> None:
    assert to_mrkdwn(wiki, {}) == mrkdwn


# A Jira user's links cannot write Slack mentions or broadcasts ---------------------------
# Every URL goes through `integrations.slack_text.link`: `<`, `>`, `|` and spaces are
# percent-encoded, only http(s)/mailto become links; labels and emoji names are escaped.


@pytest.mark.parametrize(
    ("wiki", "mrkdwn"),
    [
        (  # a link with a label: the URL would close the link and broadcast
            "see [docs|https://evil.example/><!channel>]",
            "see <https://evil.example/%3E%3C!channel%3E|docs>",
        ),
        (  # a bare link: the URL would mention someone
            "[https://evil.example/><@U0ADMIN>]",
            "<https://evil.example/%3E%3C@U0ADMIN%3E>",
        ),
        ("[<!channel>|https://x.io]", "<https://x.io|&lt;!channel&gt;>"),
        ("[a|https://x.io/p|<!here>]", "<https://x.io/p%7C%3C!here%3E|a>"),
        # held markup inside a URL: not a link, shown as (escaped) text
        ("[x|https://a/{{<!channel>}}]", "[x|https://a/`&lt;!channel&gt;`]"),
        ("[mailto:a@b.c]", "<mailto:a@b.c>"),
    ],
)
def test_wiki_links_cannot_inject_mrkdwn(wiki: str, mrkdwn: str) -> None:
    posted = to_mrkdwn(wiki, {})
    assert posted == mrkdwn
    assert "<!" not in posted
    assert "<@" not in posted


def _paragraph(*nodes: dict[str, Any]) -> dict[str, Any]:
    return {"type": "doc", "content": [{"type": "paragraph", "content": list(nodes)}]}


def _linked(text: str, href: str, *marks: str) -> dict[str, Any]:
    return {
        "type": "text",
        "text": text,
        "marks": [{"type": "link", "attrs": {"href": href}}, *({"type": m} for m in marks)],
    }


@pytest.mark.parametrize(
    ("node", "mrkdwn"),
    [
        (_linked("click", "https://x/><!here>"), "<https://x/%3E%3C!here%3E|click>"),
        (
            _linked("<!channel>", "https://x/", "strong"),
            "<https://x/|*&lt;!channel&gt;*>",
        ),
        (_linked("run", "javascript:alert(1)"), "run"),  # not a web link: text only
        (
            {"type": "inlineCard", "attrs": {"url": "https://y/><!channel>"}},
            "<https://y/%3E%3C!channel%3E>",
        ),
        (
            {"type": "inlineCard", "attrs": {"url": "slack://x/<!channel>"}},
            "slack://x/&lt;!channel&gt;",
        ),
        ({"type": "emoji", "attrs": {"shortName": "<!everyone>"}}, "&lt;!everyone&gt;"),
        ({"type": "emoji", "attrs": {"shortName": ":smile:"}}, ":smile:"),
    ],
)
def test_adf_links_cards_and_emoji_cannot_inject_mrkdwn(node: dict[str, Any], mrkdwn: str) -> None:
    posted = to_mrkdwn(_paragraph(node), {})
    assert posted == mrkdwn
    assert "<!" not in posted
    assert "<@" not in posted


def test_resolved_mentions_still_mention() -> None:
    """The one `<@...>` that reaches Slack is the one our own mention lookup produced."""
    assert to_mrkdwn("[~bob] see [x|https://a/]", {"bob": "<@U0BOB>"}) == (
        "<@U0BOB> see <https://a/|x>"
    )
