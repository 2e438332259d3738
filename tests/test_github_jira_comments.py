"""`GITHUB_JIRA_COMMENTS`: a pull request naming a Jira key comments on that issue, durably.

Signed GitHub webhooks to the live app; the worker in the test thread delivers the
`github → slack` event (which queues a `github → jira` event) and then the Jira comment,
through the `jira` library against the fake Jira Cloud; Jira's webhook for that comment goes
back through `/webhooks/jira` and must post nothing to the fake Slack.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from slack_sdk import WebClient

from integrations.delivery.worker import WorkerConfig
from integrations.github.jira_comments import (
    LinkRequest,
    comment_body,
    delivery_key,
    is_this_comment,
)
from playground.fakes.jira import FakeJira
from playground.fakes.slack import FakeSlack
from playground.github_payloads import example, variant
from storage.domain import MappingType, NewSubscription, slack_ref
from storage.mappings import MappingFilter
from tests.support.live import LiveApp
from tests.support.pipeline import DeliveryPipeline
from tests.support.webhooks import (
    GITHUB_SECRET,
    JIRA_SECRET,
    jira_payload,
    post_jira,
)
from tests.support.workers import worker_for

CHANNEL = "C0GENERAL"
PR = "Codertocat/Hello-World#2"
PR_URL = "https://github.com/Codertocat/Hello-World/pull/2"
TITLE = "Update the README with new information."
OPENED = f"Pull request {PR} {TITLE} opened by Codertocat: {PR_URL}"
MERGED = f"Pull request {PR} merged into master by Codertocat: {PR_URL}"
COMMENT_POST = "POST /rest/api/2/issue/PROJ-7/comment"


@dataclass
class Pipeline(DeliveryPipeline):
    jira: FakeJira

    def send(self, event: str, payload: dict[str, Any]) -> int:
        return self.send_github(event, payload)

    def links(self) -> list[dict[str, Any]]:
        """The `github → jira` events, oldest first, with their attempt logs."""
        page = self.live.get(
            "/api/v1/integrations", params={"source_service": "github", "target_service": "jira"}
        ).json()
        return [self.event(item["id"]) for item in reversed(page["integrations"])]

    def comments(self, key: str = "PROJ-7") -> list[str]:
        return [str(comment.body) for comment in self.jira.comments(key)]


@pytest.fixture
def make_pipeline(
    make_live_app: Callable[..., LiveApp],
    sqlite_url: str,
    fake_slack: FakeSlack,
    fake_jira: FakeJira,
) -> Callable[..., Pipeline]:
    def make(**settings: Any) -> Pipeline:
        options: dict[str, Any] = {
            "slack_bot_token": fake_slack.bot_token,
            "slack_signing_secret": "signing-secret",
            "slack_api_url": fake_slack.api_url,
            "github_webhook_secret": GITHUB_SECRET,
            "jira_webhook_secret": JIRA_SECRET,
            "jira_base_url": fake_jira.url,
            "jira_email": fake_jira.email,
            "jira_api_token": fake_jira.api_token,
            "github_jira_comments": True,
            "jira_default_project": "PROJ",  # PROJ keys are known; see "Which keys" below
        }
        live = make_live_app(sqlite_url, **(options | settings))
        client = WebClient(
            token=fake_slack.bot_token, base_url=fake_slack.api_url, timeout=2, retry_handlers=[]
        )
        worker = worker_for(
            live.runtime.settings,
            live.runtime.repos,
            config=WorkerConfig(threads=1, poll_seconds=0.05, backoff_seconds=0.01),
            slack=client,
            name="jira-comments-test-worker",
        )
        for number in range(1, 8):
            fake_jira.create_issue("PROJ", f"Issue {number}")  # PROJ-1 ... PROJ-7
        return Pipeline(live, fake_slack, worker, fake_jira)

    return make


@pytest.fixture
def pipeline(make_pipeline: Callable[..., Pipeline]) -> Pipeline:
    return make_pipeline()


def opened(**changes: Any) -> dict[str, Any]:
    return variant(
        example("pull_request", "opened"), {"pull_request.head.ref": "proj-7-readme", **changes}
    )


def merged() -> dict[str, Any]:
    return variant(
        example("pull_request", "closed"),
        {
            "pull_request.head.ref": "proj-7-readme",
            "pull_request.merged": True,
            "pull_request.merged_at": "2019-05-15T15:21:00Z",
        },
    )


def jira_webhook_for(comment_id: str, body: str) -> dict[str, Any]:
    """Jira Cloud's `comment_created` webhook for a comment on PROJ-7 (a real payload with
    the issue and comment swapped in)."""
    payload = jira_payload("cloud-comment-created")
    payload["issue"]["key"] = "PROJ-7"
    payload["comment"]["id"] = comment_id
    payload["comment"]["body"] = body
    return payload


# The comment --------------------------------------------------------------------------------


def test_opening_and_merging_comment_once_each(pipeline: Pipeline) -> None:
    first = pipeline.send("pull_request", opened())
    pipeline.send("pull_request", opened())  # GitHub redelivers (a new delivery id)
    pipeline.drain()
    assert pipeline.comments() == [OPENED]
    assert pipeline.event(first)["last_error"] == (
        "Jira comments queued on PROJ-7; nothing to post for Codertocat/Hello-World: "
        "no subscription takes it, no thread is linked"
    )

    pipeline.send("pull_request", merged())
    pipeline.drain()
    assert pipeline.comments() == [OPENED, MERGED]

    links = pipeline.links()
    assert [(e["event_type"], e["status"]) for e in links] == [
        ("github:link_pr", "completed"),
        ("github:link_pr", "completed"),
    ]
    comment_ids = [c.id for c in pipeline.jira.comments("PROJ-7")]
    assert [e["target_id"] for e in links] == [f"PROJ-7/{cid}" for cid in comment_ids]
    stored = pipeline.live.runtime.repos.mappings.find(
        MappingFilter(mapping_type=MappingType.COMMENT_MESSAGE.value)
    )
    assert [(m.source_id, m.target_service, m.target_id, m.extra_data) for m in stored] == [
        (
            f"PROJ-7/{comment_ids[0]}",
            "github",
            f"{PR}/opened/PROJ-7",
            {"origin": "github", "integration_id": links[0]["id"]},
        ),
        (
            f"PROJ-7/{comment_ids[1]}",
            "github",
            f"{PR}/merged/PROJ-7",
            {"origin": "github", "integration_id": links[1]["id"]},
        ),
    ]


def test_jira_unavailable_then_back_comments_once(pipeline: Pipeline) -> None:
    pipeline.jira.fail(COMMENT_POST, status=503, times=1)
    pipeline.send("pull_request", opened())
    pipeline.drain()
    assert pipeline.comments() == [OPENED]
    [link] = pipeline.links()
    assert [a["outcome"] for a in link["attempt_log"]] == ["retry", "completed"]
    assert link["attempt_log"][0]["error"] == "Jira: Jira failed (503): Service Unavailable"


def test_jira_rate_limits_are_waited_out(pipeline: Pipeline) -> None:
    pipeline.jira.fail(COMMENT_POST, status=429, retry_after=1, times=1)
    pipeline.send("pull_request", opened())
    pipeline.drain()
    assert pipeline.comments() == [OPENED]
    [link] = pipeline.links()
    assert [a["outcome"] for a in link["attempt_log"]] == ["rate_limited", "completed"]
    posts = pipeline.jira.calls(COMMENT_POST)
    assert posts[1].received_at - posts[0].received_at >= 1.0


def test_a_comment_whose_answer_never_came_is_not_made_twice(
    make_pipeline: Callable[..., Pipeline], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("integrations.container.WORK_TIMEOUT", 0.5)
    pipeline = make_pipeline()
    pipeline.jira.slow_after_apply(COMMENT_POST, 2.0)
    pipeline.send("pull_request", opened())
    pipeline.drain()
    assert pipeline.comments() == [OPENED]
    assert len(pipeline.jira.calls(COMMENT_POST)) == 1
    [link] = pipeline.links()
    assert [a["outcome"] for a in link["attempt_log"]] == ["retry", "completed"]
    assert link["attempt_log"][0]["error"] == "Jira: Jira did not answer within 0.5 s"
    [comment] = pipeline.jira.comments("PROJ-7")
    done = pipeline.live.runtime.repos.integrations.get(link["id"])
    assert done is not None
    assert (done.target_id, done.error_message) == (
        f"PROJ-7/{comment.id}",
        f"found the comment an earlier attempt made on PROJ-7 (PROJ-7/{comment.id}) for {PR}",
    )


def test_a_key_that_names_no_issue_is_ignored(pipeline: Pipeline) -> None:
    pipeline.send("pull_request", opened(**{"pull_request.head.ref": "proj-99-readme"}))
    pipeline.drain()
    [link] = pipeline.links()
    assert link["status"] == "ignored"
    assert link["last_error"].startswith("PROJ-99 is not a Jira issue the integration can see")


def test_a_refusal_fails_with_jiras_reason(pipeline: Pipeline) -> None:
    pipeline.jira.fail(
        COMMENT_POST,
        status=403,
        body={"errorMessages": ["You do not have the permission to comment"], "errors": {}},
    )
    pipeline.send("pull_request", opened())
    pipeline.drain()
    [link] = pipeline.links()
    assert link["status"] == "failed"
    assert link["last_error"] == (
        "Jira refused the comment on PROJ-7: Jira denied access (403): "
        "You do not have the permission to comment"
    )
    assert pipeline.comments() == []


def test_off_by_default(make_pipeline: Callable[..., Pipeline]) -> None:
    pipeline = make_pipeline(github_jira_comments=False)
    pipeline.send("pull_request", opened())
    pipeline.drain()
    assert pipeline.links() == []
    assert pipeline.comments() == []


def test_without_jira_settings_nothing_is_queued(make_pipeline: Callable[..., Pipeline]) -> None:
    """A queued event no worker can deliver would hold back the issue's Jira events."""
    pipeline = make_pipeline(jira_base_url=None, jira_api_token=None, jira_email=None)
    pipeline.send("pull_request", opened())
    pipeline.drain()
    assert pipeline.links() == []


# No loop back into Slack -----------------------------------------------------------------


def test_jiras_webhook_for_the_comment_posts_nothing_to_slack(pipeline: Pipeline) -> None:
    root = pipeline.slack.add_message(CHANNEL, "PROJ-7: the README is wrong")
    pipeline.live.runtime.repos.mappings.link(
        MappingType.ISSUE_THREAD, "jira", "PROJ-7", "slack", slack_ref(CHANNEL, root.ts)
    )
    pipeline.send("pull_request", opened())
    pipeline.drain()
    [reply] = pipeline.slack.replies(CHANNEL, root.ts)  # the PR in the issue's thread
    assert reply.text.startswith(":link: Codertocat opened pull request")
    [comment] = pipeline.jira.comments("PROJ-7")

    webhook = post_jira(pipeline.live, jira_webhook_for(comment.id, OPENED))
    pipeline.drain()
    echoed = pipeline.event(webhook.json()["integration_id"])
    assert (echoed["status"], echoed["last_error"]) == (
        "ignored",
        f"comment PROJ-7/{comment.id} was made from GitHub: not posted back",
    )
    assert len(pipeline.slack.posted) == 1


def test_the_webhook_that_overtakes_a_retry_waits_for_it(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The comment is made but the answer is lost; Jira's webhook arrives before the retry.
    Both carry `ordering_key = jira:PROJ-7`, so the webhook waits, then finds the mapping."""
    monkeypatch.setattr("integrations.container.WORK_TIMEOUT", 0.5)  # the patient worker's
    root = pipeline.slack.add_message(CHANNEL, "PROJ-7: the README is wrong")
    pipeline.live.runtime.repos.mappings.link(
        MappingType.ISSUE_THREAD, "jira", "PROJ-7", "slack", slack_ref(CHANNEL, root.ts)
    )
    pipeline.jira.slow_after_apply(COMMENT_POST, 2.0)
    pipeline.send("pull_request", opened())
    patient = worker_for(  # backs off long enough for the webhook to arrive before the retry
        pipeline.worker.container.settings,
        pipeline.worker.repos,
        config=WorkerConfig(threads=1, backoff_seconds=1.0),
        slack=pipeline.worker.container.slack_delivery.client,
    )
    patient.run_once()  # github → slack: posts in the thread, queues the comment
    patient.run_once()  # github → jira: times out (the comment exists), retried in 0.5-1 s
    [link] = pipeline.links()
    assert link["status"] == "pending"
    [comment] = pipeline.jira.comments("PROJ-7")

    webhook = post_jira(pipeline.live, jira_webhook_for(comment.id, OPENED))
    pipeline.drain()
    echoed = pipeline.event(webhook.json()["integration_id"])
    assert echoed["status"] == "ignored"
    assert echoed["last_error"].endswith("was made from GitHub: not posted back")
    assert pipeline.event(link["id"])["status"] == "completed"
    assert len(pipeline.jira.comments("PROJ-7")) == 1
    assert len(pipeline.slack.replies(CHANNEL, root.ts)) == 1


# Which keys ---------------------------------------------------------------------------------

DEPENDABOT = {
    "pull_request.title": "Bump lodash from 4.17.15 to 4.17.21",
    "pull_request.head.ref": "dependabot/npm_and_yarn/lodash-4.17.21",
    "pull_request.body": "Fixes CVE-2021-23337. Also SHA-2 and PEP-8.",
}


def pr_issue_links(pipeline: Pipeline) -> list[tuple[str, str]]:
    stored = pipeline.live.runtime.repos.mappings.find(
        MappingFilter(mapping_type=MappingType.PR_ISSUE.value)
    )
    return [(m.source_id, m.target_id) for m in stored]


def test_key_shaped_text_of_a_dependabot_pr_does_nothing(pipeline: Pipeline) -> None:
    """CVE-2021, SHA-2, PEP-8 and (branch) LODASH-4 look like keys; none is known."""
    root = pipeline.slack.add_message(CHANNEL, "PROJ-7: the README is wrong")
    pipeline.live.runtime.repos.mappings.link(
        MappingType.ISSUE_THREAD, "jira", "PROJ-7", "slack", slack_ref(CHANNEL, root.ts)
    )
    pipeline.send("pull_request", opened(**DEPENDABOT))
    pipeline.send("pull_request", variant(merged(), DEPENDABOT))
    pipeline.drain()
    assert pipeline.links() == []
    assert pipeline.slack.posted == []
    assert pr_issue_links(pipeline) == []


def test_a_key_known_by_its_thread_links_comments_and_cross_posts(
    make_pipeline: Callable[..., Pipeline],
) -> None:
    pipeline = make_pipeline(jira_default_project=None)
    root = pipeline.slack.add_message(CHANNEL, "PROJ-7: the README is wrong")
    pipeline.live.runtime.repos.mappings.link(
        MappingType.ISSUE_THREAD, "jira", "PROJ-7", "slack", slack_ref(CHANNEL, root.ts)
    )
    # OPS-3 (lowercase in the branch) and CVE-2021 are neither linked nor of a known project.
    changes = {
        "pull_request.head.ref": "ops-3-readme",
        "pull_request.body": "Closes PROJ-7, see CVE-2021-23337.",
    }
    pipeline.send("pull_request", opened(**changes))
    pipeline.drain()
    assert [(e["payload"]["key"], e["status"]) for e in pipeline.links()] == [
        ("PROJ-7", "completed")
    ]
    assert pipeline.comments() == [OPENED]
    [reply] = pipeline.slack.replies(CHANNEL, root.ts)
    assert reply.text == (
        f":link: Codertocat opened pull request <{PR_URL}|{PR} {TITLE}> (`ops-3-readme` → `master`)"
    )
    assert pr_issue_links(pipeline) == [(PR, "PROJ-7")]


def test_a_key_of_a_subscribed_project_comments(make_pipeline: Callable[..., Pipeline]) -> None:
    pipeline = make_pipeline(jira_default_project=None)
    pipeline.live.runtime.repos.subscriptions.create(NewSubscription("jira", "PROJ", CHANNEL))
    pipeline.send("pull_request", opened(**{"pull_request.head.ref": "proj-7-readme"}))
    pipeline.drain()
    assert pipeline.comments() == [OPENED]


def test_a_lowercase_branch_key_of_an_unknown_project_does_nothing(
    make_pipeline: Callable[..., Pipeline],
) -> None:
    pipeline = make_pipeline(jira_default_project=None)
    pipeline.send("pull_request", opened())  # branch proj-7-readme: PROJ is not known here
    pipeline.drain()
    assert pipeline.links() == []
    assert pipeline.comments() == []


# Pure parts ------------------------------------------------------------------------------


def request(action: str = "opened", title: str = "Fix the README") -> LinkRequest:
    return LinkRequest(
        key="PROJ-7",
        pull_request=PR,
        action=action,
        title=title,
        url=PR_URL,
        login="dependabot[bot]",
        base="main",
    )


def test_user_text_cannot_make_jira_markup() -> None:
    assert comment_body(request(title="Use {code} and [~accountid:123]")) == (
        f"Pull request {PR} Use \\{{code\\}} and \\[~accountid:123\\] opened by "
        f"dependabot\\[bot\\]: {PR_URL}"
    )


def test_the_opening_and_the_merge_comment_are_told_apart() -> None:
    tricky = "Revert what was merged into main by dependabot[bot]: oops"
    opening, merge = request(title=tricky), request("merged", title=tricky)
    assert is_this_comment(opening, comment_body(opening))
    assert is_this_comment(merge, comment_body(merge))
    assert not is_this_comment(merge, comment_body(opening))
    assert not is_this_comment(opening, comment_body(merge))
    assert not is_this_comment(opening, f"See {PR_URL}")


def test_delivery_keys_fit_the_column() -> None:
    assert delivery_key(request()) == f"link_pr:{PR}:opened:PROJ-7"
    long = request().model_copy(update={"pull_request": "o/" + "r" * 200 + "#1"})
    assert len(delivery_key(long)) <= 191
    assert delivery_key(long) != delivery_key(request())
