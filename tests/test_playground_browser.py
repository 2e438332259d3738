"""The playground in a browser: Debian's chromium driven by Playwright (never a downloaded
browser). `make test` installs chromium when it is missing and it can (root, apt-get).

Set `PLAYGROUND_SCREENSHOT=docs/playground.png` to save the README's screenshot of the page
at the end of the story.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from playground.github_payloads import EXAMPLES
from tests.support.playground import ServedPlayground, served_playground

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (make install: requirements.lock)"
)
pytestmark = [
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian's chromium is missing: apt-get install chromium (make test does, as root)",
    ),
    pytest.mark.skipif(not EXAMPLES.exists(), reason="npm fixtures missing: run make dev-install"),
]


@pytest.fixture
def served() -> Iterator[ServedPlayground]:
    with served_playground() as served:
        yield served


@pytest.fixture
def page(served: ServedPlayground) -> Iterator[Any]:
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1600, "height": 900})
        page.set_default_timeout(20_000)
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(served.url)
        page.wait_for_selector("body[data-ready=yes]")
        yield page
        assert errors == [], errors
        browser.close()


def open_thread_of(page: Any, text: str) -> None:
    message = page.locator("#messages .msg", has_text=text).first
    message.hover()
    message.get_by_title("Reply in thread").click()


def test_a_ticket_its_jira_update_and_a_merged_pull_request_in_the_threads(
    page: Any, served: ServedPlayground
) -> None:
    page.fill("#composer-text", "/ticket Printer on fire")
    page.press("#composer-text", "Enter")

    card = page.locator("#messages .msg", has_text="OPS-1 Printer on fire")
    card.wait_for()
    assert "Status: To Do" in card.inner_text().replace("*", "")
    card.get_by_role("link", name="OPS-1").click()  # the local Jira's issue, in its panel
    page.locator('#jira-issues .issue.flash[data-key="OPS-1"]').wait_for()
    assert page.url == served.url
    open_thread_of(page, "OPS-1 Printer on fire")
    thread = page.locator("#thread")
    thread.locator(".msg", has_text="OPS-1 Printer on fire").wait_for()

    page.select_option('[aria-label="Transition OPS-1"]', "In Progress")
    thread.locator(".msg", has_text="To Do → In Progress").wait_for()

    page.fill("#pr-title", "OPS-1: Replace the fuser unit")
    page.click("#open-pr button")
    page.locator("#pulls .pull", has_text="OPS-1: Replace the fuser unit").wait_for()
    page.locator("#pulls .pull").get_by_role("button", name="Merge").click()
    thread.locator(".msg", has_text="merged pull request").wait_for()

    pr_card = page.locator("#messages .msg", has_text="#10 OPS-1: Replace the fuser unit")
    pr_card.locator(".bk-context", has_text="Merged").wait_for()
    open_thread_of(page, "#10 OPS-1: Replace the fuser unit")
    thread.locator(".msg", has_text="merged pull request").wait_for()
    thread.locator(".msg", has_text="opened pull request").wait_for()


def test_the_message_shortcut_opens_the_modal_and_its_submission_creates_the_issue(
    page: Any, served: ServedPlayground
) -> None:
    page.fill("#composer-text", "The badge reader at the back door beeps all night")
    page.press("#composer-text", "Enter")
    message = page.locator("#messages .msg", has_text="badge reader").first
    message.hover()
    message.get_by_label("More actions").click()
    page.get_by_text("Create Jira issue").click()

    modal = page.locator(".modal")
    modal.wait_for()
    summary = modal.locator(".modal-field", has_text="Summary").locator("input, textarea")
    assert "badge reader" in summary.input_value()
    project = modal.locator(".modal-field", has_text="Project").locator("select")
    project.locator("option", has_text="Connect Project").wait_for(state="attached")
    project.select_option(label="Connect Project (PROJ)")  # the app answers with views.update
    slack = served.playground.world.slack

    def updated(times: int) -> bool:
        deadline = time.monotonic() + 10
        while len(slack.calls("views.update")) < times and time.monotonic() < deadline:
            time.sleep(0.1)
        return len(slack.calls("views.update")) >= times

    assert updated(1), "the project change did not update the modal"
    project.select_option(label="IT Operations (OPS)")
    updated(2)  # the app answers this change too: submitting while it was on its way raced
    modal.locator("[data-role=submit]").click()
    modal.wait_for(state="detached")
    page.locator("#jira-issues .issue", has_text="badge reader").wait_for()


def test_play_the_demo_tells_the_whole_story(page: Any, served: ServedPlayground) -> None:
    *_, demo = served.playground.sides()
    if not os.environ.get("PLAYGROUND_SCREENSHOT"):
        demo.pause = 0.5  # 3 s between steps for people; the story is the same
    page.get_by_role("button", name="Play the demo").click()
    page.locator("#demo-step", has_text="Done").wait_for(timeout=60_000)

    open_thread_of(page, "OPS-1 Printer on fire")
    thread = page.locator("#thread")
    for line in ("To Do → In Progress", "opened pull request", "merged pull request", "Done"):
        thread.locator(".msg", has_text=line).first.wait_for()
    assert page.locator('#jira-issues .issue[data-key="OPS-1"] .status').text_content() == "Done"

    if target := os.environ.get("PLAYGROUND_SCREENSHOT"):
        page.locator("#demo-step").evaluate("node => node.textContent = ''")
        page.mouse.move(0, 0)
        page.screenshot(path=target)


BLOCKS = [
    {"type": "header", "text": {"type": "plain_text", "text": "Weekly printer report"}},
    {
        "type": "section",
        "text": {
            "type": "mrkdwn",
            "text": "*3 jams* on _floor 3_, see <https://example.com/r|the report> `P-3`",
        },
        "fields": [
            {"type": "mrkdwn", "text": "*Owner*\n<@U0BOB>"},
            {"type": "mrkdwn", "text": "*State*\n~broken~ fixed"},
        ],
        "accessory": {
            "type": "button",
            "action_id": "playground_test_button",
            "text": {"type": "plain_text", "text": "Acknowledge"},
            "value": "ack",
        },
    },
    {"type": "divider"},
    {
        "type": "actions",
        "elements": [
            {
                "type": "static_select",
                "action_id": "playground_test_select",
                "placeholder": {"type": "plain_text", "text": "Pick a floor"},
                "options": [
                    {"text": {"type": "plain_text", "text": "Floor 3"}, "value": "3"},
                ],
            }
        ],
    },
    {"type": "context", "elements": [{"type": "mrkdwn", "text": "Sent by :robot_face: the fleet"}]},
]


def test_block_kit_renders_as_slack_shows_it_and_its_button_is_a_block_action(
    page: Any, served: ServedPlayground
) -> None:
    slack = served.playground.world.slack
    slack.add_message("C0ITHELP", "Weekly printer report", user=None, bot_id="B0BOT", blocks=BLOCKS)
    message = page.locator("#messages .msg", has_text="Weekly printer report")
    message.wait_for()
    assert message.locator(".bk-header").inner_text() == "Weekly printer report"
    assert message.locator(".bk-text b").first.inner_text() == "3 jams"
    assert message.locator(".bk-text i").first.inner_text() == "floor 3"
    assert message.locator(".bk-text code").first.inner_text() == "P-3"
    assert message.get_by_role("link", name="the report").get_attribute("href") == (
        "https://example.com/r"
    )
    assert message.locator(".bk-field .mention").inner_text() == "@Bob Builder"
    assert message.locator(".bk-field s").inner_text() == "broken"
    assert "Pick a floor" in message.locator(".bk-actions select").inner_text()
    assert message.locator(".bk-context").inner_text() == "Sent by :robot_face: the fleet"

    message.get_by_role("button", name="Acknowledge").click()
    # Slack sends the click to the app, signed; no listener of ours handles this action id
    page.locator("#sent li", has_text="button playground_test_button").wait_for()
    assert "404" in page.locator("#sent li", has_text="button playground_test_button").inner_text()


def test_the_issue_cards_buttons_act_in_jira_and_jira_tells_the_thread(
    page: Any, served: ServedPlayground
) -> None:
    page.fill("#composer-text", "/ticket Printer on fire")
    page.press("#composer-text", "Enter")
    card = page.locator("#messages .msg", has_text="OPS-1 Printer on fire")
    card.get_by_role("button", name="Assign to me").wait_for()

    card.get_by_role("button", name="Assign to me").click()
    issue = page.locator('#jira-issues .issue[data-key="OPS-1"]')
    issue.locator(".issue-meta", has_text="Alice Example").wait_for()

    transition = card.locator(".bk-actions select").first
    for _ in range(5):  # the card is drawn anew when Jira's webhook of the assignment lands
        transition.blur()
        transition.focus()  # Slack asks the app for the options (block_suggestion)
        try:
            option = transition.locator("option", has_text="In Progress")
            option.wait_for(state="attached", timeout=4000)
            transition.select_option(label="In Progress", timeout=4000)
            break
        except playwright_api.TimeoutError:  # drawn anew after the focus: ask again
            continue
    issue.locator(".status", has_text="In Progress").wait_for()

    open_thread_of(page, "OPS-1 Printer on fire")
    # the webhook Jira sends for the app's own change is recognised: said once in the thread
    page.locator("#thread .msg", has_text="In Progress").first.wait_for()
