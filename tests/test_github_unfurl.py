"""`link_shared` → `chat.unfurl` for GitHub pull request and issue links, over signed HTTP,
with the real PyGithub client against the fake GitHub."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from playground.fakes.github import FakeGitHub
from tests.support.slack import TicketEnv, settle, wait_for

REPO = "acme/widgets"


@pytest.fixture
def github(fake_github: FakeGitHub) -> Iterator[FakeGitHub]:
    """The fake GitHub serving its web links from its own host, like GitHub Enterprise
    Server does (`GITHUB_API_URL` decides which host's links unfurl)."""
    saved = fake_github.web_url
    fake_github.web_url = fake_github.url
    fake_github.add_repo(REPO)
    yield fake_github
    fake_github.web_url = saved


@pytest.fixture
def make_env(
    make_ticket_env: Callable[..., TicketEnv], github: FakeGitHub
) -> Callable[..., TicketEnv]:
    def make(**overrides: Any) -> TicketEnv:
        return make_ticket_env(
            **{"github_token": github.token, "github_api_url": github.url, **overrides}
        )

    return make


def link_shared(env: TicketEnv, urls: list[str], **extra: Any) -> None:
    root = env.slack.add_message("C0GENERAL", " ".join(urls))
    event = {
        "type": "link_shared",
        "channel": "C0GENERAL",
        "is_bot_user_member": True,
        "user": "U0ALICE",
        "message_ts": root.ts,
        "unfurl_id": None,
        "source": "conversations_history",
        "event_ts": root.ts,
        "links": [{"domain": url.split("/")[2], "url": url} for url in urls],
        **extra,
    }
    response = env.send.event(env.slack.event_payload(event))
    assert response.status_code == 200


def test_a_pull_request_link_unfurls_as_its_card(
    make_env: Callable[..., TicketEnv], github: FakeGitHub
) -> None:
    env = make_env()
    pull = github.add_pull(REPO, title="Add widgets", head="feature/widgets", labels=["ui"])
    url = f"{github.url}/{REPO}/pull/{pull.number}"
    other = "https://example.com/not/github"
    link_shared(env, [url, other])
    [unfurl] = wait_for(lambda: env.slack.unfurls, what="chat.unfurl")
    assert unfurl.channel == "C0GENERAL"
    assert list(unfurl.unfurls) == [url]
    blocks = unfurl.unfurls[url]["blocks"]
    assert blocks[0]["text"]["text"] == f"*<{url}|#{pull.number} Add widgets>*"
    assert blocks[1]["elements"][0]["text"] == ":large_green_circle: *Open*"
    assert blocks[2]["fields"] == [{"type": "mrkdwn", "text": "*Labels*\n`ui`"}]


def test_an_issue_link_unfurls_from_the_composer(
    make_env: Callable[..., TicketEnv], github: FakeGitHub
) -> None:
    env = make_env()
    issue = github.add_issue(REPO, title="Crash on start")
    url = f"{github.url}/{REPO}/issues/{issue.number}"
    link_shared(env, [url], unfurl_id="C123456.7890.ABCD", source="composer", message_ts="0")
    [unfurl] = wait_for(lambda: env.slack.unfurls, what="chat.unfurl")
    assert (unfurl.channel, unfurl.ts) == ("composer", "C123456.7890.ABCD")
    assert unfurl.unfurls[url]["blocks"][0]["text"]["text"] == (
        f"*<{url}|#{issue.number} Crash on start>*"
    )


def test_links_the_token_cannot_see_stay_as_they_are(
    make_env: Callable[..., TicketEnv], github: FakeGitHub
) -> None:
    env = make_env()
    link_shared(env, [f"{github.url}/{REPO}/pull/404"])
    wait_for(lambda: github.calls(f"/repos/{REPO}/pulls/404"), what="the API lookup")
    settle(lambda: env.slack.unfurls)


def test_without_a_token_nothing_is_unfurled(
    make_env: Callable[..., TicketEnv], github: FakeGitHub
) -> None:
    env = make_env(github_token=None)
    link_shared(env, [f"{github.url}/{REPO}/pull/1"])
    settle(lambda: env.slack.unfurls)
    assert github.calls("*") == []
