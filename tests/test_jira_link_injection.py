"""End to end: a Jira comment whose link would ping `@channel` is posted as a plain link.

The real app receives Jira Cloud's signed `comment_created` webhook, the worker posts the
comment into the issue's Slack thread with the real WebClient, and what Fake Slack received
is checked: the URL is percent-encoded, no `<!channel>` reaches Slack.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from slack_sdk import WebClient

from integrations.delivery.worker import WorkerConfig
from playground.fakes.slack import FakeSlack
from storage.domain import MappingType, slack_ref
from tests.support.live import LiveApp
from tests.support.webhooks import JIRA_SECRET, jira_payload, post_jira
from tests.support.workers import worker_for

CHANNEL = "C0GENERAL"


def test_a_jira_link_cannot_ping_the_channel(
    make_live_app: Callable[..., LiveApp], sqlite_url: str, fake_slack: FakeSlack
) -> None:
    live = make_live_app(
        sqlite_url,
        slack_bot_token=fake_slack.bot_token,
        slack_signing_secret="signing-secret",
        slack_api_url=fake_slack.api_url,
        jira_webhook_secret=JIRA_SECRET,
    )
    root = fake_slack.add_message(CHANNEL, "about TES-41")
    live.runtime.repos.mappings.link(
        MappingType.ISSUE_THREAD, "jira", "TES-41", "slack", slack_ref(CHANNEL, root.ts)
    )
    payload = copy.deepcopy(jira_payload("cloud-comment-created"))
    payload["comment"]["body"] = "see [docs|https://evil.example/><!channel>]"
    assert post_jira(live, payload).status_code in (200, 202)
    worker = worker_for(
        live.runtime.settings,
        live.runtime.repos,
        config=WorkerConfig(threads=1, poll_seconds=0.05, backoff_seconds=0.01),
        slack=WebClient(
            token=fake_slack.bot_token, base_url=fake_slack.api_url, timeout=5, retry_handlers=[]
        ),
        name="jira-link-injection-test",
    )
    worker.run_until_idle()
    [reply] = fake_slack.replies(CHANNEL, root.ts)
    assert "see <https://evil.example/%3E%3C!channel%3E|docs>" in reply.text
    assert "<!" not in reply.text
    assert "<@" not in reply.text
