"""A Jira issue card as people use it: Slack's `block_actions` and `block_suggestion`
payloads for a message's elements, and the Jira webhooks that follow a change."""

from __future__ import annotations

from typing import Any

from integrations.jira_api import JiraConfig, JiraGateway
from playground.fakes import slack_payloads as payloads
from playground.fakes.jira import FakeJira
from playground.fakes.slack import FakeSlack
from playground.fakes.slack_models import Message
from tests.support.slack import option
from tests.support.webhooks import jira_payload


def card_block(message: Message) -> dict[str, Any]:
    """The card's actions block."""
    return next(
        b for b in message.blocks or [] if str(b.get("block_id", "")).startswith("jira_card:")
    )


def element(message: Message, action_id: str) -> dict[str, Any]:
    return next(e for e in card_block(message)["elements"] if e["action_id"] == action_id)


def _user(fake: FakeSlack, user: str) -> dict[str, Any]:
    name = fake.users[user].name if user in fake.users else user
    return {"id": user, "username": name, "name": name, "team_id": payloads.TEAM_ID}


def _container(message: Message) -> dict[str, Any]:
    container: dict[str, Any] = {
        "type": "message",
        "message_ts": message.ts,
        "channel_id": message.channel,
        "is_ephemeral": False,
    }
    if message.thread_ts:
        container["thread_ts"] = message.thread_ts
    return container


def click(
    fake: FakeSlack,
    message: Message,
    action_id: str,
    *,
    user: str = "U0ALICE",
    selected: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """`block_actions` for the card element `action_id` (a select: `selected` = value, label)."""
    current = fake.message(message.channel, message.ts)
    assert current is not None
    block = card_block(current)
    chosen = element(current, action_id)
    action: dict[str, Any] = {
        "action_id": action_id,
        "block_id": block["block_id"],
        "type": chosen["type"],
        "action_ts": "1700000200.000200",
    }
    if chosen["type"] == "button":
        action["text"] = chosen["text"]
        if "value" in chosen:
            action["value"] = chosen["value"]
    if selected is not None:
        action["selected_option"] = option(*selected)
    return {
        "type": "block_actions",
        "user": _user(fake, user),
        "api_app_id": payloads.APP_ID,
        "token": payloads.VERIFICATION_TOKEN,
        "container": _container(current),
        "trigger_id": fake.new_trigger_id(),
        "team": {"id": payloads.TEAM_ID, "domain": payloads.TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": current.channel, "name": fake.channels[current.channel].name},
        "message": current.to_api(include_metadata=False),
        "state": {"values": {}},
        "response_url": fake.new_response_url(
            channel=current.channel, message_ts=current.ts, user=user
        ),
        "actions": [action],
    }


def suggest(
    fake: FakeSlack, message: Message, action_id: str, value: str = "", *, user: str = "U0ALICE"
) -> dict[str, Any]:
    """`block_suggestion` of the card's external select `action_id`."""
    return {
        "type": "block_suggestion",
        "user": _user(fake, user),
        "container": _container(message),
        "api_app_id": payloads.APP_ID,
        "token": payloads.VERIFICATION_TOKEN,
        "action_id": action_id,
        "block_id": card_block(message)["block_id"],
        "value": value,
        "team": {"id": payloads.TEAM_ID, "domain": payloads.TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": message.channel, "name": fake.channels[message.channel].name},
    }


def gateway(jira: FakeJira) -> JiraGateway:
    if jira.is_cloud:
        return JiraGateway(JiraConfig(jira.url, jira.api_token, jira.email))
    return JiraGateway(JiraConfig(jira.url, jira.pat))


def issue_updated(
    jira: FakeJira, key: str, items: list[dict[str, Any]], *, event_type: str = "issue_generic"
) -> dict[str, Any]:
    """Jira's `jira:issue_updated` for a change the app's account made (the issue as Jira
    shows it now, the changelog `items`)."""
    hook = jira_payload("issue-updated-started-working")
    hook["issue_event_type_name"] = event_type
    hook["issue"] = gateway(jira).issue_json(key)
    hook["user"] = jira.api_user.to_api(jira.url, jira.deployment, "2")
    hook["changelog"] = {"id": "90001", "items": items}
    return hook


def status_change(before: str, after: str) -> dict[str, Any]:
    return {
        "field": "status",
        "fieldtype": "jira",
        "from": "10000",
        "fromString": before,
        "to": "10001",
        "toString": after,
    }


def assignee_change(ref: str, name: str) -> dict[str, Any]:
    return {
        "field": "assignee",
        "fieldtype": "jira",
        "from": None,
        "fromString": None,
        "to": ref,
        "toString": name,
    }


def comment_created(jira: FakeJira, key: str) -> dict[str, Any]:
    """Jira's webhook for the newest comment on `key` (Cloud `comment_created`, Server
    `issue_commented`)."""
    made = jira.comments(key)[-1]
    author = jira.api_user.to_api(jira.url, jira.deployment, "2")
    if jira.is_cloud:
        hook = jira_payload("cloud-comment-created")
        hook["issue"]["key"] = key
    else:
        hook = jira_payload("server-issue-updated-commented-1")
        hook["issue"] = gateway(jira).issue_json(key)
        hook.pop("changelog", None)
    hook["comment"] = {
        **hook["comment"],
        "id": made.id,
        "body": made.text,
        "author": author,
        "updateAuthor": author,
    }
    return hook


def unfurl_click(
    fake: FakeSlack,
    message: Message,
    url: str,
    blocks: list[dict[str, Any]],
    action_id: str,
    *,
    user: str = "U0ALICE",
) -> dict[str, Any]:
    """`block_actions` for an element of the app's unfurl of `url` in someone's `message`."""
    block = next(b for b in blocks if str(b.get("block_id", "")).startswith("jira_card:"))
    chosen = next(e for e in block["elements"] if e["action_id"] == action_id)
    return {
        "type": "block_actions",
        "user": _user(fake, user),
        "api_app_id": payloads.APP_ID,
        "token": payloads.VERIFICATION_TOKEN,
        "container": {
            "type": "message_attachment",
            "message_ts": message.ts,
            "attachment_id": 1,
            "channel_id": message.channel,
            "is_ephemeral": False,
            "is_app_unfurl": True,
            "app_unfurl_url": url,
        },
        "trigger_id": fake.new_trigger_id(),
        "team": {"id": payloads.TEAM_ID, "domain": payloads.TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": message.channel, "name": fake.channels[message.channel].name},
        "message": message.to_api(include_metadata=False),
        "state": {"values": {}},
        "response_url": fake.new_response_url(channel=message.channel, user=user),
        "actions": [
            {
                "action_id": action_id,
                "block_id": block["block_id"],
                "type": chosen["type"],
                "text": chosen.get("text"),
                "value": chosen.get("value"),
                "action_ts": "1700000300.000300",
            }
        ],
    }
