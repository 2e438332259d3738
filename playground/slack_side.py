"""What a person does in the playground's Slack, turned into what Slack sends the app.

A message is stored in the fake Slack and sent as the `message` event (and `app_mention` when
it names the app); `/ticket …` is a slash command; the message menu's **Create Jira issue** is
the message shortcut; buttons and selects are `block_actions`; a modal's **Submit** is a
`view_submission`. What the app answers in the HTTP response itself (a slash command's ack
text, a submission's errors) is kept here, as Slack would show it.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

from playground.fakes import slack_payloads as payloads
from playground.fakes.slack_payloads import APP_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID
from playground.sender import AppSender
from playground.world import World

MENTION = re.compile(r"@connect\b", re.IGNORECASE)


@dataclass
class Note:
    """An answer only its user sees that came in an HTTP response, not through the Web API."""

    channel: str
    user: str
    text: str
    ts: str
    blocks: list[Any] | None = None


@dataclass
class SlackSide:
    world: World
    sender: AppSender
    notes: list[Note] = field(default_factory=list)
    modal_errors: dict[str, dict[str, str]] = field(default_factory=dict)
    closed_views: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- the message box ------------------------------------------------------------------

    def send(self, user: str, channel: str, text: str, thread_ts: str | None = None) -> str:
        """What happens when `user` presses Enter in the message box; returns a status line."""
        text = text.strip()
        if not text:
            return "nothing to send"
        if text.startswith("/"):
            command, _, rest = text.partition(" ")
            return self.command(user, channel, command, rest)
        slack = self.world.slack
        body = MENTION.sub(f"<@{BOT_USER_ID}>", text)
        message = slack.add_message(channel, body, user=user, thread_ts=thread_ts)
        payload = slack.message_event_payload(message)
        response = self.sender.slack("events_api", payload, "message event")
        if f"<@{BOT_USER_ID}>" in body:
            mention = dict(payload["event"], type="app_mention")
            mention.pop("channel_type", None)
            self.sender.slack("events_api", slack.event_payload(mention), "app_mention event")
        return f"message → {response.status_code}"

    def command(self, user: str, channel: str, command: str, text: str) -> str:
        payload = self.world.slack.slash_command_payload(
            text, command=command, user=user, channel=channel
        )
        response = self.sender.slack("slash_commands", payload, f"{command} {text}".strip())
        self._note_from_ack(response, channel, user)
        return f"{command} → {response.status_code}"

    def shortcut(self, user: str, channel: str, ts: str) -> str:
        payload = self.world.slack.message_shortcut_payload(channel, ts, user=user)
        response = self.sender.slack("interactive", payload, "message shortcut")
        return f"shortcut → {response.status_code}"

    # --- buttons, selects, modals ---------------------------------------------------------

    def message_action(
        self,
        user: str,
        channel: str,
        ts: str,
        action: dict[str, Any],
        ephemeral: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A button or select in a message: `block_actions` with the message as container
        (an ephemeral message is not stored in Slack: the page says what it showed)."""
        slack = self.world.slack
        message = slack.message(channel, ts)
        if message is not None:
            shown = message.to_api(include_metadata=False)
        elif ephemeral is not None:
            shown = {"type": "message", "text": ephemeral.get("text", ""), "ts": ts}
            if ephemeral.get("blocks"):
                shown["blocks"] = ephemeral["blocks"]
        else:
            return {"status": "message gone"}
        payload = {
            "type": "block_actions",
            "user": self._user_ref(user),
            "api_app_id": APP_ID,
            "token": payloads.VERIFICATION_TOKEN,
            "container": {
                "type": "message",
                "message_ts": ts,
                "channel_id": channel,
                "is_ephemeral": message is None,
            },
            "trigger_id": slack.new_trigger_id(),
            "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel, "name": slack.channels[channel].name},
            "message": shown,
            "state": {"values": {}},
            "response_url": slack.new_response_url(channel=channel, message_ts=ts, user=user),
            "actions": [{**action, "action_ts": "1700000100.000100"}],
        }
        response = self.sender.slack("interactive", payload, f"button {action.get('action_id')}")
        return {"status": response.status_code}

    def view_action(
        self, user: str, view_id: str, action: dict[str, Any], values: dict[str, Any]
    ) -> dict[str, Any]:
        """An element of an open modal that dispatches actions (the project picker)."""
        slack = self.world.slack
        with slack.lock:
            view = dict(slack.views[view_id])
        view["state"] = {"values": values}
        payload = {
            "type": "block_actions",
            "user": self._user_ref(user),
            "api_app_id": APP_ID,
            "token": payloads.VERIFICATION_TOKEN,
            "container": {"type": "view", "view_id": view_id},
            "trigger_id": slack.new_trigger_id(),
            "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
            "enterprise": None,
            "is_enterprise_install": False,
            "view": view,
            "actions": [{**action, "action_ts": "1700000100.000100"}],
        }
        response = self.sender.slack("interactive", payload, f"modal {action.get('action_id')}")
        return {"status": response.status_code}

    def options(
        self,
        user: str,
        where: dict[str, Any],
        action_id: str,
        block_id: str,
        value: str,
    ) -> list[dict[str, Any]]:
        """An `external_select`'s options, asked of the app as Slack asks (`block_suggestion`),
        for a select in a modal (`where["view_id"]`) or in a message (`channel`, `ts`)."""
        slack = self.world.slack
        payload: dict[str, Any] = {
            "type": "block_suggestion",
            "user": self._user_ref(user),
            "api_app_id": APP_ID,
            "token": payloads.VERIFICATION_TOKEN,
            "action_id": action_id,
            "block_id": block_id,
            "value": value,
            "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
            "enterprise": None,
            "is_enterprise_install": False,
        }
        if where.get("view_id"):
            with slack.lock:
                payload["view"] = dict(slack.views[where["view_id"]])
            payload["container"] = {"type": "view", "view_id": where["view_id"]}
        else:
            message = slack.message(where["channel"], where["ts"])
            if message is None:
                return []
            payload["container"] = {
                "type": "message",
                "message_ts": where["ts"],
                "channel_id": where["channel"],
                "is_ephemeral": False,
            }
            payload["channel"] = {
                "id": where["channel"],
                "name": slack.channels[where["channel"]].name,
            }
            payload["message"] = message.to_api(include_metadata=False)
        response = self.sender.slack("interactive", payload, "options")
        if response.status_code != 200 or not response.content:
            return []
        answer = response.json()
        options = list(answer.get("options") or [])
        for group in answer.get("option_groups") or []:
            options.extend(group.get("options") or [])
        return options

    def submit(self, user: str, view_id: str, values: dict[str, Any]) -> dict[str, Any]:
        payload = self.world.slack.view_submission_payload(view_id, values, user=user)
        response = self.sender.slack("interactive", payload, "modal submitted")
        answer: dict[str, Any] = {}
        if response.content and "json" in response.headers.get("Content-Type", ""):
            answer = response.json()
        with self._lock:
            if answer.get("response_action") == "errors":
                self.modal_errors[view_id] = dict(answer.get("errors") or {})
                return {"status": response.status_code, "errors": self.modal_errors[view_id]}
            self.modal_errors.pop(view_id, None)
            if response.status_code < 300 and answer.get("response_action") != "update":
                self.closed_views.add(view_id)
        return {"status": response.status_code}

    def close(self, view_id: str) -> None:
        """The modal's Cancel: Slack sends `view_closed` only when `notify_on_close` is set."""
        with self._lock:
            self.closed_views.add(view_id)

    def open_view(self, user: str) -> dict[str, Any] | None:
        """The modal on top of `user`'s screen: the last one opened or pushed, not closed."""
        slack = self.world.slack
        with slack.lock:
            calls = [c for c in slack.view_calls if c.method in ("views.open", "views.push")]
            for call in reversed(calls):
                view_id = call.view.get("id")
                if view_id in self.closed_views or view_id not in slack.views:
                    continue
                view = dict(slack.views[view_id])
                view["errors"] = self.modal_errors.get(view_id, {})
                return view
        return None

    # --- helpers --------------------------------------------------------------------------

    def _note_from_ack(self, response: Any, channel: str, user: str) -> None:
        if response.status_code != 200 or not response.content:
            return
        try:
            answer = response.json()
        except ValueError:
            answer = {"text": response.text}
        if not isinstance(answer, dict) or not (answer.get("text") or answer.get("blocks")):
            return
        slack = self.world.slack
        with slack.lock:
            ts = slack._next_ts()  # ordered among the channel's messages
        with self._lock:
            self.notes.append(Note(channel, user, answer.get("text", ""), ts, answer.get("blocks")))

    def _user_ref(self, user: str) -> dict[str, Any]:
        slack = self.world.slack
        name = slack.users[user].name if user in slack.users else user
        return {"id": user, "username": name, "name": name, "team_id": TEAM_ID}
