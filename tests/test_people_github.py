"""GitHub → Slack mentions through the people directory: signed GitHub webhooks (the real
`@octokit/webhooks-examples`), the delivery worker, the fake Slack. A login linked to a Slack
user (`/ticket link github`, the API) is shown as `<@U…>`; any other stays the login, and
teams stay text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from slack_sdk import WebClient

from integrations.delivery.worker import WorkerConfig
from integrations.github.dispatch import parse
from integrations.github.people import GitHubPeople, logins_of
from integrations.messages import Ignored
from playground.fakes.slack import FakeSlack
from playground.fakes.slack_models import Message
from playground.github_payloads import example, variant
from storage.domain import MappingType, slack_ref
from tests.support.live import LiveApp
from tests.support.pipeline import DeliveryPipeline
from tests.support.webhooks import GITHUB_SECRET
from tests.support.workers import worker_for

CHANNEL = "C0GENERAL"
REPO = "Codertocat/Hello-World"
PR_URL = "https://github.com/Codertocat/Hello-World/pull/2"
ISSUE_URL = "https://github.com/Codertocat/Hello-World/issues/1"


class People(DeliveryPipeline):
    def link(self, slack_user_id: str, login: str) -> None:
        response = self.live.put(f"/api/v1/people/{slack_user_id}", json={"github_login": login})
        assert response.status_code == 200, response.text

    def subscribe(self) -> None:
        body = {
            "source_service": "github",
            "source_id": REPO,
            "channel_id": CHANNEL,
            "events": ["pulls", "reviews", "comments", "issues"],
        }
        assert self.live.post("/api/v1/subscriptions", json=body).status_code == 201

    def thread(self, event: str, payload: dict[str, Any]) -> tuple[Message, Message]:
        """Deliver one event to a fresh thread: its card and its reply."""
        assert self.deliver(event, payload)["status"] == "completed"
        [card] = self.slack.messages(CHANNEL)
        [reply] = self.slack.replies(CHANNEL, card.ts)
        return card, reply


@pytest.fixture
def people(make_live_app: Callable[..., LiveApp], sqlite_url: str, fake_slack: FakeSlack) -> People:
    live = make_live_app(
        sqlite_url,
        slack_bot_token=fake_slack.bot_token,
        slack_signing_secret="signing-secret",
        slack_api_url=fake_slack.api_url,
        github_webhook_secret=GITHUB_SECRET,
    )
    client = WebClient(
        token=fake_slack.bot_token, base_url=fake_slack.api_url, timeout=2, retry_handlers=[]
    )
    worker = worker_for(
        live.runtime.settings,
        live.runtime.repos,
        config=WorkerConfig(threads=1, poll_seconds=0.05, backoff_seconds=0.01),
        slack=client,
        name="people-github-test",
    )
    found = People(live, fake_slack, worker)
    found.subscribe()
    return found


def card_text(card: Message) -> str:
    assert card.blocks is not None
    return str(card.blocks)


def test_the_requested_reviewer_and_the_author_become_slack_mentions(people: People) -> None:
    people.link("U0CODER", "Codertocat")
    people.link("U0OCTO", "octocat")
    card, reply = people.thread("pull_request", example("pull_request", "review_requested"))
    assert reply.text == ":eyes: <@U0CODER> requested a review from <@U0OCTO>"
    assert "by <@U0CODER>" in card_text(card)
    assert "*Reviewers*\\n<@U0OCTO>" in card_text(card)


def test_logins_nobody_linked_stay_logins(people: People) -> None:
    card, reply = people.thread("pull_request", example("pull_request", "review_requested"))
    assert reply.text == ":eyes: Codertocat requested a review from octocat"
    assert "by <https://github.com/Codertocat|Codertocat>" in card_text(card)


def test_a_team_review_request_stays_text(people: People) -> None:
    people.link("U0CODER", "Codertocat")
    payload = variant(
        example("pull_request", "review_requested"),
        {"requested_reviewer": None, "requested_team": {"name": "Justice League", "id": 1,
                                                        "slug": "justice-league"}},
    )  # fmt: skip
    _, reply = people.thread("pull_request", payload)
    assert reply.text == ":eyes: <@U0CODER> requested a review from team `justice-league`"


def test_the_assignee_of_a_pull_request_and_of_an_issue(people: People) -> None:
    people.link("U0CODER", "Codertocat")
    people.link("U0OCTO", "octocat")
    by_octocat = {"sender.login": "octocat"}
    card, reply = people.thread(
        "pull_request", variant(example("pull_request", "assigned"), by_octocat)
    )
    assert reply.text == "<@U0OCTO> assigned <@U0CODER>"
    assert "*Assignees*\\n<@U0CODER>" in card_text(card)
    assert people.deliver("issues", example("issues", "assigned"))["status"] == "completed"
    issue_card = next(m for m in people.slack.messages(CHANNEL) if m.ts != card.ts)
    [issue_reply] = people.slack.replies(CHANNEL, issue_card.ts)
    assert issue_reply.text == "<@U0CODER> assigned themselves"


def test_the_review_author_becomes_a_mention(people: People) -> None:
    people.link("U0OCTO", "octocat")
    review = variant(
        example("pull_request_review", "submitted"),
        {"review.state": "approved", "review.user.login": "octocat", "sender.login": "octocat"},
    )
    _, reply = people.thread("pull_request_review", review)
    assert reply.text.startswith(":white_check_mark: <@U0OCTO> approved <")


def test_at_logins_in_a_comment_become_mentions_teams_and_emails_stay_text(
    people: People,
) -> None:
    people.link("U0OCTO", "octocat")
    people.link("U0HUBOT", "hubot")
    comment = variant(
        example("issue_comment", "created"),
        {"comment.body": "@octocat and @Hubot: see @github/justice-league, `@hubot`, "
                         "mail ada@octocat.com; @stranger too"},
    )  # fmt: skip
    _, reply = people.thread("issue_comment", comment)
    assert reply.text.startswith(":speech_balloon: Codertocat <")
    assert reply.blocks is not None
    shown = reply.blocks[0]["text"]["text"]
    assert shown.endswith(
        "&gt; <@U0OCTO> and <@U0HUBOT>: see @github/justice-league, `@hubot`, "
        "mail ada@octocat.com; @stranger too"
    )


def test_a_line_comment_author_and_its_mentions(people: People) -> None:
    people.link("U0CODER", "Codertocat")
    people.link("U0OCTO", "octocat")
    comment = variant(
        example("pull_request_review_comment", "created"),
        {"comment.body": "@octocat what do you think?"},
    )
    _, reply = people.thread("pull_request_review_comment", comment)
    assert reply.text.startswith(":speech_balloon: <@U0CODER> <")
    assert reply.blocks is not None
    assert reply.blocks[0]["text"]["text"].endswith("&gt; <@U0OCTO> what do you think?")


def test_a_login_linked_with_the_command_is_mentioned_from_the_next_event(
    people: People,
) -> None:
    people.thread("pull_request", example("pull_request", "review_requested"))
    people.link("U0OCTO", "octocat")  # through the API: the directory forgets its misses
    people.deliver("pull_request", example("pull_request", "review_requested"))
    [card] = people.slack.messages(CHANNEL)
    replies = people.slack.replies(CHANNEL, card.ts)
    assert [r.text for r in replies] == [
        ":eyes: Codertocat requested a review from octocat",
        ":eyes: Codertocat requested a review from <@U0OCTO>",
    ]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("@octocat", "<@U0OCTO>"),
        ("cc @OctoCat, @stranger.", "cc <@U0OCTO>, @stranger."),
        ("@github/justice-league", "@github/justice-league"),
        ("mail ada@octocat.com", "mail ada@octocat.com"),
        ("`@octocat`", "`@octocat`"),
        ("@octocat-bot", "@octocat-bot"),
        ("(@octocat)", "(<@U0OCTO>)"),
        ("&gt; @octocat", "&gt; <@U0OCTO>"),
    ],
)
def test_which_at_logins_are_mentions(text: str, shown: str) -> None:
    assert GitHubPeople({"octocat": "U0OCTO"}).mentions(text) == shown


def test_the_logins_an_event_shows_are_its_users_and_its_body_mentions() -> None:
    comment = variant(example("issue_comment", "created"), {"comment.body": "@Hubot, @org/team"})
    parsed = parse("issue_comment", comment)
    assert not isinstance(parsed, Ignored)
    assert logins_of(parsed.model) == {"codertocat", "hubot"}


def test_the_posts_in_a_jira_issue_s_thread_name_linked_logins_as_slack_users(
    people: People,
) -> None:
    people.link("U0CODER", "Codertocat")
    people.link("U0OCTO", "octocat")
    root = people.slack.add_message(CHANNEL, "PROJ-7: the README is wrong")
    people.live.runtime.repos.mappings.link(
        MappingType.ISSUE_THREAD, "jira", "PROJ-7", "slack", slack_ref(CHANNEL, root.ts)
    )
    naming = {"pull_request.head.ref": "proj-7-readme"}
    opened = variant(example("pull_request", "opened"), naming)
    assert people.deliver("pull_request", opened)["status"] == "completed"
    review = variant(
        example("pull_request_review", "submitted"),
        {**naming, "review.state": "approved", "review.user.login": "octocat",
         "sender.login": "octocat"},
    )  # fmt: skip
    assert people.deliver("pull_request_review", review)["status"] == "completed"
    pr = f"<{PR_URL}|Codertocat/Hello-World#2 Update the README with new information.>"
    said = [m.text for m in people.slack.replies(CHANNEL, root.ts)]
    assert said[0] == f":link: <@U0CODER> opened pull request {pr} (`proj-7-readme` → `master`)"
    assert said[1].startswith(":link: <@U0OCTO> approved pull request <")
    assert len(said) == 2
