"""The fake Slack workspace's objects and their Web API JSON shapes.

Field names and shapes follow the Slack Web API (``reference/slack/web-api.openapi-v2.json``):
``objs_user``, ``objs_conversation`` and ``objs_message``, with the thread summary fields
(``reply_count``, ``reply_users``, ``latest_reply``) computed when a parent is serialised and
message ``metadata`` only returned when asked for (``include_all_metadata``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from playground.fakes.slack_payloads import APP_ID, TEAM_ID

BOT_ID = "B0BOT"
CREATED = 1700000000


@dataclass
class SlackUser:
    id: str
    name: str
    real_name: str
    email: str | None = None
    display_name: str = ""
    is_bot: bool = False
    bot_id: str | None = None
    deleted: bool = False
    tz: str = "Europe/Berlin"

    def to_api(self, *, include_email: bool) -> dict[str, Any]:
        profile: dict[str, Any] = {
            "title": "",
            "phone": "",
            "skype": "",
            "real_name": self.real_name,
            "real_name_normalized": self.real_name,
            "display_name": self.display_name,
            "display_name_normalized": self.display_name,
            "status_text": "",
            "status_emoji": "",
            "avatar_hash": "g0000000000",
            "image_24": f"https://avatars.example.com/{self.id}_24.png",
            "image_48": f"https://avatars.example.com/{self.id}_48.png",
            "image_72": f"https://avatars.example.com/{self.id}_72.png",
            "team": TEAM_ID,
        }
        if self.email is not None and include_email:
            profile["email"] = self.email
        if self.bot_id is not None:
            profile["bot_id"] = self.bot_id
            profile["api_app_id"] = APP_ID
        return {
            "id": self.id,
            "team_id": TEAM_ID,
            "name": self.name,
            "deleted": self.deleted,
            "color": "9f69e7",
            "real_name": self.real_name,
            "tz": self.tz,
            "tz_label": "Central European Time",
            "tz_offset": 3600,
            "profile": profile,
            "is_admin": False,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "updated": CREATED,
        }


@dataclass
class Channel:
    id: str
    name: str
    members: set[str] = field(default_factory=set)
    is_private: bool = False
    is_im: bool = False
    is_archived: bool = False
    im_user: str | None = None
    creator: str = ""

    def has_member(self, user_id: str) -> bool:
        return user_id in self.members

    def to_api(self, bot_user_id: str) -> dict[str, Any]:
        if self.is_im:
            return {
                "id": self.id,
                "created": CREATED,
                "is_im": True,
                "is_org_shared": False,
                "user": self.im_user,
                "is_user_deleted": False,
                "priority": 0,
            }
        return {
            "id": self.id,
            "name": self.name,
            "is_channel": not self.is_private,
            "is_group": self.is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "created": CREATED,
            "is_archived": self.is_archived,
            "is_general": self.name == "general",
            "unlinked": 0,
            "name_normalized": self.name,
            "is_shared": False,
            "is_org_shared": False,
            "is_pending_ext_shared": False,
            "pending_shared": [],
            "context_team_id": TEAM_ID,
            "creator": self.creator,
            "is_ext_shared": False,
            "shared_team_ids": [TEAM_ID],
            "is_member": self.has_member(bot_user_id),
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
            "previous_names": [],
            "num_members": len(self.members),
        }


@dataclass
class Message:
    """A message in a channel (top level or a thread reply)."""

    channel: str
    ts: str
    text: str = ""
    user: str | None = None
    bot_id: str | None = None
    thread_ts: str | None = None
    blocks: list[Any] | None = None
    attachments: list[Any] | None = None
    metadata: dict[str, Any] | None = None
    reply_broadcast: bool = False
    edited: dict[str, str] | None = None
    subtype: str | None = None
    username: str | None = None

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts

    @property
    def event_type(self) -> str | None:
        """``metadata.event_type``, for quick assertions."""
        return None if self.metadata is None else self.metadata.get("event_type")

    def to_api(
        self,
        *,
        include_metadata: bool = True,
        replies: list[Message] | None = None,
        parent_user: str | None = None,
    ) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "message"}
        if self.subtype is not None:
            out["subtype"] = self.subtype
        out["text"] = self.text
        if self.user is not None:
            out["user"] = self.user
        if self.bot_id is not None:
            out["bot_id"] = self.bot_id
            out["app_id"] = APP_ID
            if self.username is not None:
                out["username"] = self.username
        out["ts"] = self.ts
        out["team"] = TEAM_ID
        if self.blocks is not None:
            out["blocks"] = copy.deepcopy(self.blocks)
        if self.attachments is not None:
            out["attachments"] = copy.deepcopy(self.attachments)
        if self.edited is not None:
            out["edited"] = dict(self.edited)
        if self.thread_ts is not None:
            out["thread_ts"] = self.thread_ts
        if self.is_reply and parent_user is not None:
            out["parent_user_id"] = parent_user
        if replies:
            users = list(dict.fromkeys(r.user or r.bot_id or "" for r in replies))
            out["reply_count"] = len(replies)
            out["reply_users_count"] = len(users)
            out["latest_reply"] = replies[-1].ts
            out["reply_users"] = users
            out["is_locked"] = False
            out["subscribed"] = False
        if self.metadata is not None and include_metadata:
            out["metadata"] = copy.deepcopy(self.metadata)
        return out


@dataclass(frozen=True)
class Ephemeral:
    """An ephemeral message: shown to one user, never in history."""

    channel: str
    user: str
    message_ts: str
    text: str
    blocks: list[Any] | None = None
    thread_ts: str | None = None


@dataclass(frozen=True)
class Unfurl:
    channel: str
    ts: str
    unfurls: dict[str, Any]


@dataclass(frozen=True)
class FunctionRun:
    """One run of a Workflow Builder step of the app (a `function_executed` the fake sent),
    and how the app ended it: `functions.completeSuccess` (`outputs`) or `completeError`."""

    execution_id: str
    callback_id: str
    token: str
    outputs: dict[str, Any] | None = None
    error: str | None = None

    @property
    def done(self) -> bool:
        return self.outputs is not None or self.error is not None


@dataclass(frozen=True)
class ResponseUrlPost:
    """One POST the app made to a response URL the fake minted."""

    url: str
    body: dict[str, Any]

    @property
    def text(self) -> str:
        return str(self.body.get("text", ""))

    @property
    def response_type(self) -> str:
        return str(self.body.get("response_type", "ephemeral"))


@dataclass
class ResponseUrl:
    url: str
    channel: str | None
    message_ts: str | None
    user: str | None
    uses: int = 0


@dataclass
class Trigger:
    id: str
    issued_at: float
    used: bool = False


@dataclass(frozen=True)
class ViewCall:
    """One successful ``views.open`` / ``views.push`` / ``views.update`` / ``views.publish``."""

    method: str
    view: dict[str, Any]
    trigger_id: str | None = None
    user_id: str | None = None
