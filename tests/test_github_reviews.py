"""Whose review a GitHub event shows requested on its pull request (`integrations.github.
reviews`), read from real payloads (`@octokit/webhooks-examples`)."""

from __future__ import annotations

from typing import Any

from integrations.github.reviews import requested_now
from playground.github_payloads import example, variant


def logins(event: str, payload: dict[str, Any]) -> set[str] | None:
    found = requested_now(event, payload)
    return None if found is None else found[1]


def test_a_review_request_adds_the_reviewer() -> None:
    requested = example("pull_request", "review_requested")
    assert logins("pull_request", requested) == {"octocat"}
    unlisted = variant(requested, {"pull_request.requested_reviewers": []})
    assert logins("pull_request", unlisted) == {"octocat"}  # the action says it


def test_a_removed_request_removes_the_reviewer() -> None:
    # GitHub's example still lists octocat among the requested reviewers: the action wins.
    assert logins("pull_request", example("pull_request", "review_request_removed")) == set()


def test_a_closed_pull_request_awaits_nobody() -> None:
    assert logins("pull_request", example("pull_request", "closed")) == set()


def test_a_submitted_review_ends_its_author_s_request() -> None:
    review = example("pull_request_review", "submitted")
    asked = variant(
        review,
        {"pull_request.requested_reviewers": [{"login": "Codertocat"}, {"login": "hubot"}]},
    )
    assert logins("pull_request_review", asked) == {"hubot"}


def test_team_requests_and_other_events_are_not_personal() -> None:
    team = variant(
        example("pull_request", "opened"),
        {"pull_request.requested_reviewers": [{"name": "Justice League", "slug": "justice"}]},
    )
    assert logins("pull_request", team) == set()
    assert logins("issues", example("issues", "opened")) is None
    assert logins("pull_request", {"action": "opened"}) is None  # not a pull request event
