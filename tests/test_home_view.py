"""The App Home view fits Slack's 100 blocks however long the lists are (pure: facts in,
view out), and each issue appears once, with its buttons while they fit."""

from __future__ import annotations

from datetime import UTC, datetime

from integrations.home.facts import HomeFacts, JiraIssues
from integrations.home.view import MAX_BLOCKS, home_view
from integrations.jira.models import Issue
from storage.domain import DeliveryHealth, Integration, Notifications, PendingReview, Status

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
SITE = "https://example.atlassian.net"


def issue(number: int) -> Issue:
    return Issue.model_validate(
        {
            "key": f"PROJ-{number}",
            "self": f"{SITE}/rest/api/2/issue/{10000 + number}",
            "fields": {"summary": f"Issue {number}", "status": {"name": "To Do"}},
        }
    )


def failed(number: int) -> Integration:
    return Integration(
        id=number,
        source_service="github",
        target_service="slack",
        event_type="pull_request",
        source_id=None,
        target_id=None,
        payload={},
        status=Status.FAILED,
        error_message="Slack chat_postMessage: HTTP 200 internal_error",
        delivery_key=None,
        ordering_key=None,
        attempts=8,
        next_attempt_at=None,
        created_at=NOW,
        updated_at=NOW,
    )


def review(number: int) -> PendingReview:
    return PendingReview(
        "octo/hello",
        number,
        "A change",
        f"https://github.com/Octo/Hello/pull/{number}",
        "ada",
        "grace",
        NOW,
    )


def busiest() -> HomeFacts:
    return HomeFacts(
        user_id="U1",
        jira_configured=True,
        jira_linked=True,
        jira=JiraIssues(
            assigned=tuple(issue(n) for n in range(1, 21)),
            reported=tuple(issue(n) for n in range(21, 41)),
        ),
        github_login="grace",
        reviews=tuple(review(n) for n in range(1, 21)),
        notifications=Notifications(enabled=True),
        health=DeliveryHealth(
            {"completed": 900, "failed": 12}, tuple(map(failed, range(5))), NOW, NOW
        ),
        notice="Saved.",
    )


def test_the_busiest_home_fits_in_100_blocks() -> None:
    view = home_view(busiest())
    blocks = view["blocks"]
    assert len(blocks) <= MAX_BLOCKS
    block_ids = [b["block_id"] for b in blocks if "block_id" in b]
    assert len(block_ids) == len(set(block_ids))  # Slack refuses a repeated block_id
    with_buttons = [b for b in block_ids if b.startswith("jira_card:")]
    listed = " ".join(b["text"]["text"] for b in blocks if b["type"] == "section")
    for number in range(1, 41):  # every issue is shown: with buttons, or as a link
        assert f"jira_card:PROJ-{number}" in with_buttons or f"|PROJ-{number}>" in listed
    assert len(with_buttons) >= 25
    assert sum(b.startswith("home_failed:") for b in block_ids) == 5  # admin: every Retry
    assert "open them in Jira" in listed


def test_an_ordinary_home_has_every_issue_with_buttons() -> None:
    facts = busiest()
    small = HomeFacts(
        **{
            **{f: getattr(facts, f) for f in facts.__dataclass_fields__},
            "jira": JiraIssues(assigned=(issue(1), issue(2)), reported=(issue(2), issue(3))),
            "health": None,
            "notice": None,
        }
    )
    blocks = home_view(small)["blocks"]
    ids = [b["block_id"] for b in blocks if b.get("block_id", "").startswith("jira_card:")]
    assert ids == ["jira_card:PROJ-1", "jira_card:PROJ-2", "jira_card:PROJ-3"]  # PROJ-2 once
    notes = [b["elements"][0]["text"] for b in blocks if b["type"] == "context"]
    assert "Also assigned to you, so listed above: PROJ-2." in notes
