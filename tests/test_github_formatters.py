"""The GitHub formatters over real `@octokit/webhooks-examples` payloads, Zulip style.

One test per message condition, asserting the exact text; variants the corpus lacks (a
merged pull request, a failed workflow run) are derived from real payloads by changing only
the fields that make the variant. Pure and fast: no app, no database, no network.
"""

from __future__ import annotations

from typing import Any

import pytest

from integrations.github.cards import PullStatus, with_status
from integrations.github.dispatch import (
    EVENT_MODELS,
    FORMATTERS,
    IGNORED_ACTIONS,
    IGNORED_EVENTS,
    SUPPORTED_EVENTS,
    InvalidPayload,
    parse,
    render,
    render_payload,
)
from integrations.messages import ChannelPost, Ignored, SlackMessage, ThreadPost
from playground.github_payloads import all_examples, example, variant

PR_URL = "https://github.com/Codertocat/Hello-World/pull/2"
PR_LINK = f"<{PR_URL}|#2 Update the README with new information.>"
ISSUE_URL = "https://github.com/Codertocat/Hello-World/issues/1"
ISSUE_LINK = f"<{ISSUE_URL}|#1 Spelling error in the README file>"
REPO_LINK = "<https://github.com/Codertocat/Hello-World|Codertocat/Hello-World>"
OCTO_REPO_LINK = "<https://github.com/octo-org/octo-repo|octo-org/octo-repo>"


def thread_post(event: str, payload: dict[str, Any]) -> ThreadPost:
    rendered = render_payload(event, payload)
    assert isinstance(rendered, ThreadPost), rendered
    return rendered


def reply(event: str, payload: dict[str, Any]) -> SlackMessage:
    post = thread_post(event, payload)
    assert post.reply is not None
    return post.reply


def channel(event: str, payload: dict[str, Any]) -> SlackMessage:
    rendered = render_payload(event, payload)
    assert isinstance(rendered, ChannelPost), rendered
    return rendered.message


def ignored(event: str, payload: dict[str, Any]) -> str:
    rendered = render_payload(event, payload)
    assert isinstance(rendered, Ignored), rendered
    return rendered.reason


def section(message: SlackMessage) -> str:
    """The text of the message's first block (a section)."""
    return message.blocks[0].to_dict()["text"]["text"]


def blocks(message: SlackMessage) -> list[dict[str, Any]]:
    return [block.to_dict() for block in message.blocks]


# The corpus -----------------------------------------------------------------------------

CORPUS = list(all_examples())


@pytest.mark.parametrize(
    ("event", "payload"),
    [(name, payload) for name, _, payload in CORPUS],
    ids=[f"{name}-{payload.get('action') or ''}-{index}" for name, index, payload in CORPUS],
)
def test_every_example_renders_or_is_ignored_with_a_reason(
    event: str, payload: dict[str, Any]
) -> None:
    parsed = parse(event, payload)
    if isinstance(parsed, Ignored):
        assert event in IGNORED_EVENTS
        assert parsed.reason == f"{event}: {IGNORED_EVENTS[event]}"
        return
    # Every event and action of the corpus is known: in the table or in an ignore list.
    assert parsed.key in FORMATTERS or parsed.key in IGNORED_ACTIONS, parsed.key
    rendered = render(parsed)
    if isinstance(rendered, Ignored):
        assert rendered.reason
        return
    messages = (
        [rendered.message]
        if isinstance(rendered, ChannelPost)
        else [m for m in (rendered.card, rendered.reply, rendered.reply_edit) if m is not None]
    )
    assert messages
    for message in messages:
        assert message.text
        message.api_fields()  # Block Kit validation (lengths, required fields) runs here


def test_every_event_of_the_corpus_is_in_the_table_or_an_ignore_list() -> None:
    names = {name for name, _, _ in CORPUS}
    assert names <= set(EVENT_MODELS) | set(IGNORED_EVENTS)
    assert not set(EVENT_MODELS) & set(IGNORED_EVENTS)
    assert not set(FORMATTERS) & set(IGNORED_ACTIONS)


def test_supported_events_are_derived_from_the_table() -> None:
    assert SUPPORTED_EVENTS == (
        "create",
        "delete",
        "deployment_status",
        "issue_comment",
        "issues",
        "pull_request",
        "pull_request_review",
        "pull_request_review_comment",
        "push",
        "release",
        "workflow_run",
    )


def test_enterprise_server_examples_render_too() -> None:
    for name, _, payload in all_examples("ghes-35"):
        render_payload(name, payload)


def test_a_payload_missing_what_its_event_must_have_is_invalid() -> None:
    payload = example("pull_request", "opened")
    del payload["pull_request"]
    with pytest.raises(
        InvalidPayload, match=r"^pull_request payload: pull_request: Field required$"
    ):
        parse("pull_request", payload)


def test_unknown_event() -> None:
    assert ignored("brand_new_event", {}) == "brand_new_event: not a GitHub event this app handles"


def test_unknown_action() -> None:
    payload = variant(example("pull_request", "opened"), {"action": "teleported"})
    assert ignored("pull_request", payload) == (
        "pull_request.teleported: not an action this app handles"
    )


def test_ping() -> None:
    assert ignored("ping", example("ping")) == (
        "ping: GitHub checking that the webhook works: answered 2xx, nothing to post"
    )


def test_ignored_event_has_its_reason() -> None:
    assert ignored("star", example("star", "created")) == (
        "star: forks and stars are popularity, not project activity"
    )


# Pull request cards ---------------------------------------------------------------------


def test_pull_request_card() -> None:
    post = thread_post("pull_request", example("pull_request", "opened"))
    assert post.thread_key == "github:Codertocat/Hello-World#2"
    assert post.refresh_card
    assert post.card is not None
    assert post.card.text == (
        "Pull request #2: Update the README with new information. (Open) · Codertocat/Hello-World"
    )
    assert blocks(post.card) == [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{PR_LINK}*"}},
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": ":large_green_circle: *Open*"},
                {"type": "mrkdwn", "text": REPO_LINK},
                {"type": "mrkdwn", "text": "`changes` → `master`"},
                {"type": "mrkdwn", "text": "by <https://github.com/Codertocat|Codertocat>"},
            ],
        },
    ]


def test_pull_request_card_with_reviewers_assignees_and_labels() -> None:
    post = thread_post("pull_request", example("pull_request", "opened", 1))
    assert post.card is not None
    assert blocks(post.card)[2] == {
        "type": "section",
        "fields": [
            {"type": "mrkdwn", "text": "*Reviewers*\noctocat"},
            {"type": "mrkdwn", "text": "*Assignees*\nCodertocat"},
            {"type": "mrkdwn", "text": "*Labels*\n`bug`"},
        ],
    }


def test_pull_request_card_with_a_team_reviewer() -> None:
    payload = variant(
        example("pull_request", "opened", 1),
        {"pull_request.requested_teams": [{"name": "Justice League", "slug": "justice-league"}]},
    )
    card = thread_post("pull_request", payload).card
    assert card is not None
    assert blocks(card)[2]["fields"][0]["text"] == "*Reviewers*\noctocat, team justice-league"


def test_pull_request_card_states() -> None:
    def state(payload: dict[str, Any]) -> str:
        card = thread_post("pull_request", payload).card
        assert card is not None
        return blocks(card)[1]["elements"][0]["text"]

    closed = example("pull_request", "closed")
    assert state(closed) == ":red_circle: *Closed*"
    assert state(variant(closed, {"pull_request.merged": True})) == ":large_purple_circle: *Merged*"
    assert state(example("pull_request", "converted_to_draft")) == ":white_circle: *Draft*"


def test_pull_request_card_with_api_status() -> None:
    card = thread_post("pull_request", example("pull_request", "opened")).card
    assert card is not None
    enriched = with_status(
        card,
        PullStatus(mergeable=True, checks="success", checks_url=f"{PR_URL}/checks"),
    )
    assert blocks(enriched)[-1] == {
        "type": "context",
        "elements": [
            {
                "type": "mrkdwn",
                "text": f":white_check_mark: <{PR_URL}/checks|checks passing>",
            }
        ],
    }
    conflicted = with_status(
        card, PullStatus(mergeable=False, mergeable_state="dirty", checks="failure")
    )
    assert blocks(conflicted)[-1]["elements"][0]["text"] == ":x: checks failing · merge conflicts"
    assert with_status(card, PullStatus()) is card


def test_user_text_is_escaped() -> None:
    payload = variant(
        example("pull_request", "opened"),
        {
            "pull_request.title": "<!channel> & <https://evil.example|click>",
            "pull_request.body": "a > b",
        },
    )
    post = thread_post("pull_request", payload)
    assert post.card is not None
    assert post.reply is not None
    escaped = "#2 &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;"
    assert blocks(post.card)[0]["text"]["text"] == f"*<{PR_URL}|{escaped}>*"
    assert section(post.reply) == (
        f":large_green_circle: Codertocat opened pull request <{PR_URL}|{escaped}>\n&gt; a &gt; b"
    )


# Pull request replies -------------------------------------------------------------------


def test_pull_request_opened() -> None:
    message = reply("pull_request", example("pull_request", "opened"))
    assert message.text == f":large_green_circle: Codertocat opened pull request {PR_LINK}"
    assert section(message) == (
        f":large_green_circle: Codertocat opened pull request {PR_LINK}\n"
        "&gt; This is a pretty simple change that we need to pull into master."
    )


def test_pull_request_opened_as_draft() -> None:
    payload = variant(example("pull_request", "opened"), {"pull_request.draft": True})
    assert reply("pull_request", payload).text == (
        f":white_circle: Codertocat opened draft pull request {PR_LINK}"
    )


def test_pull_request_merged() -> None:
    payload = variant(example("pull_request", "closed"), {"pull_request.merged": True})
    assert reply("pull_request", payload).text == (
        f":large_purple_circle: Codertocat merged pull request {PR_LINK} into `master`"
    )


def test_pull_request_closed_without_merging() -> None:
    assert reply("pull_request", example("pull_request", "closed")).text == (
        f":red_circle: Codertocat closed pull request {PR_LINK} without merging"
    )


def test_pull_request_reopened() -> None:
    assert reply("pull_request", example("pull_request", "reopened")).text == (
        f":large_green_circle: Codertocat reopened pull request {PR_LINK}"
    )


def test_pull_request_ready_for_review() -> None:
    assert reply("pull_request", example("pull_request", "ready_for_review")).text == (
        f":large_green_circle: Codertocat marked pull request {PR_LINK} as ready for review"
    )


def test_pull_request_converted_to_draft() -> None:
    assert reply("pull_request", example("pull_request", "converted_to_draft")).text == (
        f":white_circle: Codertocat converted pull request {PR_LINK} to a draft"
    )


def test_pull_request_review_requested() -> None:
    assert reply("pull_request", example("pull_request", "review_requested")).text == (
        ":eyes: Codertocat requested a review from octocat"
    )


def test_pull_request_review_requested_from_a_team() -> None:
    payload = variant(
        example("pull_request", "review_requested"),
        {"requested_team": {"name": "Justice League", "slug": "justice-league"}},
    )
    del payload["requested_reviewer"]
    assert reply("pull_request", payload).text == (
        ":eyes: Codertocat requested a review from team `justice-league`"
    )


def test_pull_request_review_request_removed() -> None:
    assert reply("pull_request", example("pull_request", "review_request_removed")).text == (
        "Codertocat removed the review request for octocat"
    )


def test_pull_request_labeled() -> None:
    assert reply("pull_request", example("pull_request", "labeled")).text == (
        "Codertocat added the label `bug`"
    )


def test_pull_request_unlabeled() -> None:
    assert reply("pull_request", example("pull_request", "unlabeled")).text == (
        "Codertocat removed the label `bug`"
    )


def test_pull_request_assigned_to_themselves() -> None:
    assert reply("pull_request", example("pull_request", "assigned")).text == (
        "Codertocat assigned themselves"
    )


def test_pull_request_assigned_to_someone_else() -> None:
    payload = variant(example("pull_request", "assigned"), {"assignee.login": "octocat"})
    assert reply("pull_request", payload).text == "Codertocat assigned octocat"


def test_pull_request_unassigned() -> None:
    payload = variant(example("pull_request", "unassigned"), {"assignee.login": "octocat"})
    assert reply("pull_request", payload).text == "Codertocat unassigned octocat"


def test_pull_request_synchronize() -> None:
    compare = (
        "https://github.com/Codertocat/Hello-World/compare/"
        "f95f852bd8fca8fcc58a9a2d6c842781e32a215e...ec26c3e57ca3a959ca5aad62de7213c562f8c821"
    )
    assert reply("pull_request", example("pull_request", "synchronize")).text == (
        f":arrow_up: Codertocat pushed to `changes` (<{compare}|f95f852…ec26c3e>); "
        "the pull request has 1 commit"
    )


def test_pull_request_title_edited() -> None:
    payload = variant(
        example("pull_request", "opened"),
        {"action": "edited", "changes": {"title": {"from": "Update README"}}},
    )
    assert reply("pull_request", payload).text == (
        "Codertocat changed the title: ~Update README~ → Update the README with new information."
    )


def test_pull_request_base_edited() -> None:
    payload = variant(
        example("pull_request", "opened"),
        {
            "action": "edited",
            "changes": {"base": {"ref": {"from": "develop"}, "sha": {"from": "0"}}},
        },
    )
    assert reply("pull_request", payload).text == (
        "Codertocat changed the base branch: `develop` → `master`"
    )


def test_pull_request_body_edited() -> None:
    payload = variant(
        example("pull_request", "opened"),
        {"action": "edited", "changes": {"body": {"from": "old"}}},
    )
    assert ignored("pull_request", payload) == (
        "pull request edited: only the description changed, which no post shows"
    )


def test_pull_request_locked() -> None:
    assert ignored("pull_request", example("pull_request", "locked")) == (
        "pull_request.locked: locking a conversation is moderation, not progress"
    )


# Reviews --------------------------------------------------------------------------------

REVIEW_URL = f"{PR_URL}#pullrequestreview-237895671"
REVIEW_LINK = f"<{REVIEW_URL}|#2 Update the README with new information.>"


def review(state: str, body: str | None) -> dict[str, Any]:
    return variant(
        example("pull_request_review", "submitted"), {"review.state": state, "review.body": body}
    )


def test_review_approved() -> None:
    post = thread_post("pull_request_review", review("approved", "Ship it :shipit:"))
    assert post.reply_key == "github:Codertocat/Hello-World#2/pullrequestreview-237895671"
    assert post.reply is not None
    assert post.reply.text == f":white_check_mark: Codertocat approved {REVIEW_LINK}"
    assert section(post.reply) == (
        f":white_check_mark: Codertocat approved {REVIEW_LINK}\n&gt; Ship it :shipit:"
    )


def test_review_approved_without_a_summary() -> None:
    message = reply("pull_request_review", review("approved", None))
    assert section(message) == f":white_check_mark: Codertocat approved {REVIEW_LINK}"


def test_review_changes_requested() -> None:
    message = reply("pull_request_review", review("changes_requested", "Please add tests."))
    assert message.text == f":x: Codertocat requested changes on {REVIEW_LINK}"


def test_review_commented_with_a_summary() -> None:
    message = reply("pull_request_review", review("commented", "A few thoughts."))
    assert section(message) == (
        f":speech_balloon: Codertocat reviewed {REVIEW_LINK}\n&gt; A few thoughts."
    )


def test_review_commented_without_a_summary() -> None:
    assert ignored("pull_request_review", example("pull_request_review", "submitted")) == (
        "review without a summary: its line comments are posted one by one"
    )


def test_review_edited_updates_the_same_reply() -> None:
    submitted = thread_post("pull_request_review", review("approved", "LGTM"))
    edited = thread_post(
        "pull_request_review", variant(review("approved", "LGTM!"), {"action": "edited"})
    )
    assert edited.reply_key == submitted.reply_key
    assert edited.reply is not None
    assert section(edited.reply).endswith("&gt; LGTM!")


def test_review_dismissed() -> None:
    assert reply("pull_request_review", example("pull_request_review", "dismissed")).text == (
        ":no_entry_sign: Codertocat dismissed their own review"
    )


def test_review_of_someone_else_dismissed() -> None:
    payload = variant(example("pull_request_review", "dismissed"), {"sender.login": "octocat"})
    assert reply("pull_request_review", payload).text == (
        ":no_entry_sign: octocat dismissed the review by Codertocat"
    )


def test_review_comment_created() -> None:
    post = thread_post(
        "pull_request_review_comment", example("pull_request_review_comment", "created", 1)
    )
    assert post.reply_key == "github:Codertocat/Hello-World#2/discussion_r284312630"
    assert post.reply is not None
    assert section(post.reply) == (
        f":speech_balloon: Codertocat <{PR_URL}#discussion_r284312630|commented> "
        "on `README.md:265`\n"
        "&gt; Maybe you should use more emoji on this line."
    )


def test_review_comment_without_a_line() -> None:
    message = reply(
        "pull_request_review_comment", example("pull_request_review_comment", "created")
    )
    assert message.text == (
        f":speech_balloon: Codertocat <{PR_URL}#discussion_r284312630|commented> on `README.md`"
    )


def test_review_comment_edited_updates_the_same_reply() -> None:
    post = thread_post(
        "pull_request_review_comment", example("pull_request_review_comment", "edited")
    )
    assert post.reply_key == "github:Codertocat/Hello-World#2/discussion_r284312630"


def test_review_comment_deleted_marks_its_reply_only() -> None:
    post = thread_post(
        "pull_request_review_comment", example("pull_request_review_comment", "deleted")
    )
    assert post.reply_key == "github:Codertocat/Hello-World#2/discussion_r284312630"
    assert (post.card, post.reply) == (None, None)  # edit only if present: posts nothing new
    assert post.reply_edit is not None
    assert post.reply_edit.text == (
        ":speech_balloon: Codertocat commented on `README.md:265`: _comment deleted_"
    )


# Issues ---------------------------------------------------------------------------------


def test_issue_card() -> None:
    post = thread_post("issues", example("issues", "opened"))
    assert post.thread_key == "github:Codertocat/Hello-World#1"
    assert post.card is not None
    assert (
        post.card.text
        == "Issue #1: Spelling error in the README file (Open) · Codertocat/Hello-World"
    )
    assert blocks(post.card) == [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{ISSUE_LINK}*"}},
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": ":large_green_circle: *Open*"},
                {"type": "mrkdwn", "text": REPO_LINK},
                {"type": "mrkdwn", "text": "by <https://github.com/Codertocat|Codertocat>"},
            ],
        },
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": "*Assignees*\nCodertocat"},
                {"type": "mrkdwn", "text": "*Labels*\n`bug`"},
                {"type": "mrkdwn", "text": "*Milestone*\nv1.0"},
            ],
        },
    ]


def test_issue_opened() -> None:
    message = reply("issues", example("issues", "opened"))
    assert section(message) == (
        f":large_green_circle: Codertocat opened issue {ISSUE_LINK}\n"
        "&gt; It looks like you accidently spelled 'commit' with two 't's."
    )


def closed_issue(reason: str | None) -> dict[str, Any]:
    return variant(
        example("issues", "opened"),
        {"action": "closed", "issue.state": "closed", "issue.state_reason": reason},
    )


def test_issue_closed_as_completed() -> None:
    post = thread_post("issues", closed_issue("completed"))
    assert post.reply is not None
    assert post.card is not None
    assert post.reply.text == (
        f":large_purple_circle: Codertocat closed issue {ISSUE_LINK} as completed"
    )
    assert blocks(post.card)[1]["elements"][0]["text"] == (
        ":large_purple_circle: *Closed as completed*"
    )


def test_issue_closed_as_not_planned() -> None:
    assert reply("issues", closed_issue("not_planned")).text == (
        f":white_circle: Codertocat closed issue {ISSUE_LINK} as not planned"
    )


def test_issue_closed_without_a_reason() -> None:
    assert reply("issues", closed_issue(None)).text == (
        f":red_circle: Codertocat closed issue {ISSUE_LINK}"
    )


def test_issue_reopened() -> None:
    assert reply("issues", example("issues", "reopened")).text == (
        f":large_green_circle: Codertocat reopened issue {ISSUE_LINK}"
    )


def test_issue_labeled() -> None:
    assert reply("issues", example("issues", "labeled")).text == "Codertocat added the label `bug`"


def test_issue_unlabeled() -> None:
    assert reply("issues", example("issues", "unlabeled")).text == (
        "Codertocat removed the label `bug`"
    )


def test_issue_assigned() -> None:
    assert reply("issues", example("issues", "assigned")).text == "Codertocat assigned themselves"


def test_issue_unassigned() -> None:
    assert reply("issues", example("issues", "unassigned")).text == (
        "Codertocat unassigned themselves"
    )


def test_issue_title_edited() -> None:
    payload = variant(
        example("issues", "edited"), {"changes": {"title": {"from": "Speling error"}}}
    )
    assert reply("issues", payload).text == (
        "Codertocat changed the title: ~Speling error~ → Spelling error in the README file"
    )


def test_issue_edited_without_a_shown_change() -> None:
    assert ignored("issues", example("issues", "edited")) == (
        "issue edited: only the description changed, which no post shows"
    )


def test_issue_deleted_only_in_an_existing_thread() -> None:
    post = thread_post("issues", example("issues", "deleted"))
    assert post.card is None
    assert post.reply is not None
    assert post.reply.text == (
        ":wastebasket: Codertocat deleted issue #1 Spelling error in the README file"
    )


def test_issue_milestoned() -> None:
    assert ignored("issues", example("issues", "milestoned")) == (
        "issues.milestoned: milestone changes show on the card with the issue's next update"
    )


def test_issue_transferred() -> None:
    assert ignored("issues", example("issues", "transferred")) == (
        "issues.transferred: the issue moved to another repository; its events come from there"
    )


# Issue comments -------------------------------------------------------------------------

COMMENT_LINK = f"<{ISSUE_URL}#issuecomment-492700400|commented>"


def test_issue_comment_created() -> None:
    post = thread_post("issue_comment", example("issue_comment", "created"))
    assert post.thread_key == "github:Codertocat/Hello-World#1"
    assert post.reply_key == "github:Codertocat/Hello-World#1/issuecomment-492700400"
    assert post.refresh_card
    assert post.reply is not None
    assert post.reply.text == f":speech_balloon: Codertocat {COMMENT_LINK}"
    assert section(post.reply) == (
        f":speech_balloon: Codertocat {COMMENT_LINK}\n"
        "&gt; You are totally right! I'll get this fixed right away."
    )


def test_issue_comment_edited_updates_the_same_reply() -> None:
    post = thread_post("issue_comment", example("issue_comment", "edited"))
    assert post.reply_key == "github:Codertocat/Hello-World#1/issuecomment-492700400"
    assert post.reply is not None
    assert section(post.reply) == (
        f":speech_balloon: Codertocat {COMMENT_LINK}\n"
        "&gt; You are totally right! I'll get this fixed today."
    )


def test_comment_on_a_pull_request_does_not_overwrite_its_card() -> None:
    payload = variant(
        example("issue_comment", "created"),
        {"issue.pull_request": {"html_url": "https://github.com/Codertocat/Hello-World/pull/1"}},
    )
    post = thread_post("issue_comment", payload)
    assert not post.refresh_card
    assert post.card is not None
    assert post.card.text.startswith("Pull request #1: ")


def test_issue_comment_deleted_marks_its_reply_only() -> None:
    post = thread_post("issue_comment", example("issue_comment", "deleted"))
    assert post.reply_key == "github:Codertocat/Hello-World#1/issuecomment-492700400"
    assert (post.card, post.reply) == (None, None)
    assert post.reply_edit is not None
    assert post.reply_edit.text == ":speech_balloon: Codertocat commented: _comment deleted_"
    assert section(post.reply_edit) == post.reply_edit.text


# Pushes ---------------------------------------------------------------------------------

COMMIT_URL = (
    "https://github.com/Codertocat/Hello-World/commit/6113728f27ae82c7b1a177c8d03f9e96e0adf246"
)


def branch_push() -> dict[str, Any]:
    return example("push", index=4)  # refs/heads/master, one commit


def test_push_to_a_branch() -> None:
    message = channel("push", branch_push())
    assert message.text == f":arrow_up: Codertocat pushed 1 commit to `master` in {REPO_LINK}"
    assert section(message) == (
        f":arrow_up: Codertocat pushed 1 commit to `master` in {REPO_LINK}\n"
        f"• <{COMMIT_URL}|6113728> Initial commit — Codertocat\n"
        f"<{COMMIT_URL}|Compare changes>"
    )


def test_force_push() -> None:
    payload = variant(branch_push(), {"forced": True})
    assert channel("push", payload).text == (
        f":arrow_up: Codertocat force-pushed 1 commit to `master` in {REPO_LINK}"
    )


def test_push_of_many_commits_is_capped() -> None:
    payload = branch_push()
    commit = payload["commits"][0]
    payload["commits"] = [
        {**commit, "id": f"{n:07d}" + commit["id"][7:], "message": f"Change {n}\n\nDetails"}
        for n in range(1, 13)
    ]
    payload["compare"] = "https://github.com/Codertocat/Hello-World/compare/a...b"
    lines = section(channel("push", payload)).split("\n")
    assert lines[0] == f":arrow_up: Codertocat pushed 12 commits to `master` in {REPO_LINK}"
    assert lines[1].endswith("|0000001> Change 1 — Codertocat")
    assert len(lines) == 1 + 10 + 1
    assert lines[-1] == "<https://github.com/Codertocat/Hello-World/compare/a...b|and 2 more>"


def test_push_of_a_tag() -> None:
    assert ignored("push", example("push")) == (
        "push of a tag: tags are reported by the create event and releases"
    )


def test_push_deleting_a_branch() -> None:
    payload = variant(branch_push(), {"ref": "refs/heads/feature", "deleted": True, "commits": []})
    assert ignored("push", payload) == "push deleting a branch: reported by the delete event"


def test_push_without_new_commits() -> None:
    payload = variant(branch_push(), {"ref": "refs/heads/feature", "commits": []})
    assert ignored("push", payload) == (
        "push without new commits: a new branch is reported by the create event"
    )


# Releases -------------------------------------------------------------------------------

RELEASE_URL = "https://github.com/Codertocat/Hello-World/releases/tag/0.0.1"


def test_release_published() -> None:
    message = channel("release", example("release", "published"))
    assert message.text == (
        f":rocket: Codertocat published release <{RELEASE_URL}|0.0.1> in {REPO_LINK}"
    )


def test_release_published_with_a_name_and_notes() -> None:
    payload = variant(
        example("release", "published"),
        {"release.name": "First light", "release.body": "* Hello\n* World"},
    )
    assert section(channel("release", payload)) == (
        f":rocket: Codertocat published release <{RELEASE_URL}|First light (0.0.1)> "
        f"in {REPO_LINK}\n&gt; * Hello\n&gt; * World"
    )


def test_prerelease_published() -> None:
    payload = variant(example("release", "published"), {"release.prerelease": True})
    assert channel("release", payload).text == (
        f":rocket: Codertocat published pre-release <{RELEASE_URL}|0.0.1> in {REPO_LINK}"
    )


def test_release_created_is_announced_when_published() -> None:
    assert ignored("release", example("release", "created")) == (
        "release.created: a release is announced once, when published"
    )


# Deployments ----------------------------------------------------------------------------


def deployment(state: str, **changes: Any) -> dict[str, Any]:
    return variant(
        example("deployment_status", "created"),
        {"deployment_status.state": state, **changes},
    )


def test_deployment_succeeded() -> None:
    message = channel("deployment_status", deployment("success"))
    assert section(message) == (
        ":white_check_mark: Deployment of `master` (f95f852) to `production` succeeded in "
        f"{REPO_LINK}\n"
        "by Codertocat · <https://github.com/Codertocat/Hello-World/deployments|details>"
    )


def test_deployment_failed_with_a_log_link() -> None:
    payload = deployment(
        "failure",
        **{
            "deployment_status.target_url": "https://ci.example/runs/7",
            "deployment_status.description": "Smoke tests failed",
        },
    )
    message = channel("deployment_status", payload)
    assert section(message) == (
        f":x: Deployment of `master` (f95f852) to `production` failed in {REPO_LINK}\n"
        "Smoke tests failed\nby Codertocat · <https://ci.example/runs/7|details>"
    )


def test_deployment_error_links_the_environment() -> None:
    payload = deployment("error", **{"deployment_status.environment_url": "https://app.example"})
    message = channel("deployment_status", payload)
    assert message.text == (
        ":warning: Deployment of `master` (f95f852) to `production` failed with an error in "
        f"{REPO_LINK}"
    )
    assert section(message).endswith("by Codertocat · <https://app.example|details>")


def test_deployment_in_progress() -> None:
    assert ignored("deployment_status", example("deployment_status", "created", 1)) == (
        "deployment status 'in_progress': only outcomes (success, failure, error) are posted"
    )


# Workflow runs --------------------------------------------------------------------------

RUN_URL = "https://github.com/octo-org/octo-repo/actions/runs/289782451"


def run(conclusion: str | None) -> dict[str, Any]:
    return variant(example("workflow_run", "completed", 1), {"workflow_run.conclusion": conclusion})


def test_workflow_run_failed() -> None:
    message = channel("workflow_run", run("failure"))
    assert section(message) == (
        f":x: Workflow <{RUN_URL}|test #163> failed on `master` in {OCTO_REPO_LINK}\n"
        "ci(action): update actions/setup-node digest to 8c91899\n"
        "triggered by Codertocat (repository_dispatch)"
    )


def test_workflow_run_timed_out() -> None:
    assert channel("workflow_run", run("timed_out")).text == (
        f":x: Workflow <{RUN_URL}|test #163> timed out on `master` in {OCTO_REPO_LINK}"
    )


def test_workflow_run_succeeded() -> None:
    assert channel("workflow_run", run("success")).text == (
        f":white_check_mark: Workflow <{RUN_URL}|test #163> succeeded on `master` "
        f"in {OCTO_REPO_LINK}"
    )


def test_workflow_run_without_a_conclusion() -> None:
    assert ignored("workflow_run", example("workflow_run", "completed")) == (
        "workflow run without a conclusion: nothing to report yet"
    )


def test_workflow_run_requested() -> None:
    assert ignored("workflow_run", example("workflow_run", "requested")) == (
        "workflow_run.requested: only finished runs are reported"
    )


# Branches and tags ----------------------------------------------------------------------


def test_tag_created() -> None:
    assert channel("create", example("create")).text == (
        ":label: Codertocat created tag "
        f"<https://github.com/Codertocat/Hello-World/tree/simple-tag|simple-tag> in {REPO_LINK}"
    )


def test_branch_created() -> None:
    payload = variant(example("create"), {"ref": "feature/login", "ref_type": "branch"})
    assert channel("create", payload).text == (
        ":seedling: Codertocat created branch "
        f"<https://github.com/Codertocat/Hello-World/tree/feature/login|feature/login> "
        f"in {REPO_LINK}"
    )


def test_tag_deleted() -> None:
    assert channel("delete", example("delete")).text == (
        f":wastebasket: Codertocat deleted tag `simple-tag` in {REPO_LINK}"
    )
