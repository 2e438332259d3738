"""Which pull requests await whose review, kept from the GitHub events the app delivers.

Every `pull_request` and `pull_request_review` event shows the pull request's
`requested_reviewers` now; the action says what just changed, which the list may not show
yet (`review_requested` adds the `requested_reviewer`, `review_request_removed` removes it, a
submitted review removes its author's request, as GitHub does; a closed pull request awaits
nobody). `remember` stores the result (`storage.reviews`); the App Home reads it. Team
requests are not personal: left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from storage.reviews import ReviewRequestRepository

EVENTS = ("pull_request", "pull_request_review")


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Login(_Model):
    login: str | None = None


class _Pull(_Model):
    number: int
    title: str = ""
    html_url: str = ""
    state: str = "open"
    updated_at: datetime
    user: _Login = Field(default_factory=_Login)
    requested_reviewers: list[dict[str, Any]] = Field(default_factory=list)


class _Repository(_Model):
    full_name: str


class _Review(_Model):
    user: _Login = Field(default_factory=_Login)


class _Event(_Model):
    action: str = ""
    repository: _Repository
    pull_request: _Pull
    requested_reviewer: _Login | None = None
    review: _Review | None = None


def requested_now(event_name: str, payload: Mapping[str, Any]) -> tuple[_Event, set[str]] | None:
    """The event read, and the logins whose review it shows requested; None for an event
    that says nothing about reviews."""
    if event_name not in EVENTS:
        return None
    try:
        event = _Event.model_validate(payload)
    except ValidationError:
        return None
    pull = event.pull_request
    logins = {
        str(r["login"]).lower() for r in pull.requested_reviewers if isinstance(r.get("login"), str)
    }
    changed = event.requested_reviewer.login if event.requested_reviewer else None
    if event_name == "pull_request" and event.action == "review_requested" and changed:
        logins.add(changed.lower())
    elif event_name == "pull_request" and event.action == "review_request_removed" and changed:
        logins.discard(changed.lower())
    elif event_name == "pull_request_review" and event.review and event.review.user.login:
        logins.discard(event.review.user.login.lower())
    if pull.state != "open":
        logins = set()
    return event, logins


def remember(reviews: ReviewRequestRepository, event_name: str, payload: Mapping[str, Any]) -> None:
    """Store whose review the event shows requested on its pull request."""
    found = requested_now(event_name, payload)
    if found is None:
        return
    event, logins = found
    pull = event.pull_request
    reviews.replace(
        event.repository.full_name,
        pull.number,
        logins,
        title=pull.title,
        url=pull.html_url,
        author=pull.user.login,
        updated_at=pull.updated_at,
    )
