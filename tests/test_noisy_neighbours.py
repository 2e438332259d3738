"""No noisy neighbours: a flood into one Slack channel does not hold up the others.

The fake Slack enforces Slack's per-channel posting limit (about one `chat.postMessage` a
second into one channel, HTTP 429 `ratelimited` with `Retry-After` above it), the app runs
its own delivery worker (4 threads, as in production), and Jira webhooks go in signed over
HTTP: a bulk edit's worth of issue events for one subscribed project, then one event for
another channel.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import pytest

from playground.fakes.slack import FakeSlack
from playground.fakes.slack_limits import ChannelPostLimit
from storage.domain import NewSubscription, Status
from tests.support.live import LiveApp
from tests.support.webhooks import JIRA_SECRET, jira_payload, post_jira
from web.webhooks import WORKER_EXTENSION

FLOODED, QUIET = "C0FLOOD", "C0QUIET"


def issue_created(project: str, number: int) -> dict[str, Any]:
    payload = copy.deepcopy(jira_payload("issue-created"))
    payload["issue"]["key"] = f"{project}-{number}"
    payload["issue"]["id"] = str(50_000 + number)
    payload["issue"]["fields"]["project"]["key"] = project
    payload["issue"]["fields"]["summary"] = f"{project} issue {number}"
    return payload


@dataclass
class Flood:
    live: LiveApp
    slack: FakeSlack
    limit: ChannelPostLimit

    def send(self, project: str, number: int) -> int:
        response = post_jira(self.live, issue_created(project, number))
        assert response.status_code == 202, response.text
        return response.json()["integration_id"]

    def wait_for_posts(self, channel: str, count: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while len(self.slack.messages(channel)) < count:
            assert time.monotonic() < deadline, (
                f"{len(self.slack.messages(channel))} of {count} posts in {channel} "
                f"after {timeout} s"
            )
            time.sleep(0.02)

    def posted_events(self, channel: str) -> list[int]:
        """The integration id of each message in `channel` (its metadata tag), in order."""
        return [
            m.metadata["event_payload"]["integration_id"]
            for m in self.slack.messages(channel)
            if m.metadata is not None
        ]


@pytest.fixture
def flood(
    make_live_app: Callable[..., LiveApp], sqlite_url: str, fake_slack: FakeSlack
) -> Iterator[Flood]:
    live = make_live_app(
        sqlite_url,
        connect_worker="on",
        slack_bot_token=fake_slack.bot_token,
        slack_signing_secret="signing-secret",
        slack_api_url=fake_slack.api_url,
        jira_webhook_secret=JIRA_SECRET,
        connect_slack_channel_posts_per_second=1.0,  # the production default
    )
    for channel, project in ((FLOODED, "FLOOD"), (QUIET, "QUIET")):
        fake_slack.add_channel(channel, channel.lower())
        live.runtime.repos.subscriptions.create(NewSubscription("jira", project, channel))
    # One post a second, and the short burst Slack tolerates: two posts, enough to absorb the
    # few milliseconds by which two requests sent a second apart may arrive less than a
    # second apart, while any sustained rate above one a second is answered 429.
    limit = fake_slack.limit_posts(per_second=1.0, burst=2)
    yield Flood(live, fake_slack, limit)
    live.app.extensions[WORKER_EXTENSION].stop()


def _completed(flood: Flood, events: list[int]) -> None:
    """Every one of `events` ends `completed` (the last ones may still be finishing)."""
    integrations = flood.live.runtime.repos.integrations
    deadline = time.monotonic() + 10
    while any(integrations.get(i).status is Status.PENDING for i in events):  # type: ignore[union-attr]
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert {integrations.get(i).status for i in events} == {Status.COMPLETED}  # type: ignore[union-attr]


def test_a_busy_channel_is_paced_while_another_posts_at_once(flood: Flood) -> None:
    flooded = [flood.send("FLOOD", n) for n in range(1, 6)]
    sent = time.monotonic()
    quiet = flood.send("QUIET", 1)

    flood.wait_for_posts(QUIET, 1, timeout=5)
    assert flood.limit.granted(QUIET)[0].at - sent < 2.0
    flood.wait_for_posts(FLOODED, 5, timeout=15)
    granted = [d.at for d in flood.limit.granted(FLOODED)]
    assert all(b - a >= 0.9 for a, b in pairwise(granted))  # paced
    assert flood.limit.refused() == []  # and never pushed into Slack's 429s
    assert sorted(flood.posted_events(FLOODED)) == flooded
    assert flood.posted_events(QUIET) == [quiet]
    assert len(flood.slack.calls("conversations.history")) == 0  # deferred before sending
    _completed(flood, [*flooded, quiet])


def test_a_429_holds_back_that_channel_only(flood: Flood) -> None:
    flood.slack.fail(
        lambda r: r.api_method == "chat.postMessage" and r.args.get("channel") == FLOODED,
        status=429,
        retry_after=2,
    )
    flooded = [flood.send("FLOOD", n) for n in range(1, 4)]
    flood.wait_for_posts(FLOODED, 1, timeout=10)
    quiet = flood.send("QUIET", 1)
    flood.wait_for_posts(QUIET, 1, timeout=2)
    flood.wait_for_posts(FLOODED, 3, timeout=15)

    tries = [r.received_at for r in flood.slack.calls("chat.postMessage")]
    refused_at = flood.slack.calls("chat.postMessage")[0].received_at
    into_flooded = [
        r.received_at
        for r in flood.slack.calls("chat.postMessage")
        if r.args.get("channel") == FLOODED
    ]
    assert len(into_flooded) == 4  # the refused post and three posts: nothing hammered
    assert into_flooded[1] - refused_at >= 2.0  # Retry-After, for the channel's next post
    assert len(tries) == 5
    assert sorted(flood.posted_events(FLOODED)) == flooded
    assert flood.posted_events(QUIET) == [quiet]
    _completed(flood, [*flooded, quiet])


@pytest.mark.slow
def test_a_flood_into_one_channel_does_not_delay_another(flood: Flood) -> None:
    """40 posts into one channel, a post into another right after them and one mid-flood:
    measured, the other channel's latency and the flooded channel's drain rate."""
    started = time.monotonic()
    flooded = [flood.send("FLOOD", n) for n in range(1, 41)]
    quiet, latencies = [], []
    for number, pause in ((1, 0.0), (2, 15.0)):
        time.sleep(pause)
        sent = time.monotonic()
        quiet.append(flood.send("QUIET", number))
        flood.wait_for_posts(QUIET, number, timeout=10)
        latencies.append(flood.limit.granted(QUIET)[number - 1].at - sent)
    flood.wait_for_posts(FLOODED, 40, timeout=120)

    granted = [d.at for d in flood.limit.granted(FLOODED)]
    drain_rate = (len(granted) - 1) / (granted[-1] - granted[0])
    overall_rate = len(granted) / (granted[-1] - started)
    refused = len(flood.limit.refused())
    calls = len(flood.slack.requests)
    print(
        f"\nflood: other channel's latency {latencies[0]:.2f} s right after the flood, "
        f"{latencies[1]:.2f} s mid-flood; flooded channel drained {len(granted)} posts at "
        f"{drain_rate:.3f} posts/s ({overall_rate:.3f} from the first webhook); "
        f"{refused} posts answered 429; {calls} Slack calls"
    )
    assert max(latencies) < 5.0
    assert drain_rate >= 0.9
    # Without pacing the flood also drained at ~1/s, but with 549 posts answered 429 and
    # 1,141 Slack calls (every retry read the channel back).
    assert refused <= 2
    assert calls <= 2 * (len(granted) + len(quiet))
    assert sorted(flood.posted_events(FLOODED)) == flooded  # each exactly once
    assert flood.posted_events(QUIET) == quiet
    _completed(flood, [*flooded, *quiet])
