"""A fake Slack: the Web API under ``/api/<method>``, response URLs, and Socket Mode.

What it mirrors of the real Slack Web API (``reference/slack/web-api.openapi-v2.json``):

- arguments as query string, form fields or a JSON body; the token as ``Authorization:
  Bearer`` or a ``token`` argument. No token → ``not_authed``, an unknown one →
  ``invalid_auth``, the app-level ``xapp-`` token on a bot method (or the reverse) →
  ``not_allowed_token_type``, a scope the bot lacks → ``missing_scope`` (with ``needed`` and
  ``provided``; every answer carries ``X-OAuth-Scopes``).
- API errors are HTTP 200 with ``{"ok": false, "error": "..."}``; rate limits are HTTP 429 with
  ``Retry-After`` and ``{"ok": false, "error": "ratelimited"}`` (inject them with ``fail``, or
  let ``limit_posts`` enforce Slack's per-channel posting limit as Slack does; off by default).
- message ``ts`` values are unique and increasing (``1700000000.000100``, ``...000200``, ...).
- threads: ``thread_ts`` must name a top-level message of the channel, else
  ``invalid_thread_ts``; ``conversations.replies`` takes the parent's or any reply's ``ts``
  and answers the whole thread, parent first; unknown → ``thread_not_found``.
- message metadata (``event_type`` / ``event_payload``) is stored with the message and only
  returned by ``conversations.history`` / ``.replies`` when ``include_all_metadata`` is set.
- trigger ids are single use and expire after 3 seconds (``exchanged_trigger_id`` /
  ``expired_trigger_id`` / ``invalid_trigger_id``); views get ``V...`` ids and a ``hash``
  that ``views.update`` / ``views.publish`` check (``hash_conflict``).
- ``conversations.open`` with one user (``users=U…``, scope ``im:write``) opens the app's DM
  with them: ``{"channel": {"id": "D…"}}``, plus ``no_op``/``already_open`` when it was
  open (the whole IM object with ``return_im``); ``users_list_not_supplied``,
  ``user_not_found``, ``user_disabled`` (deactivated) and ``cannot_dm_bot`` as Slack answers
  them. Group DMs (several users) are not modelled.
- ``chat.getPermalink`` answers ``https://<domain>.slack.com/archives/<C>/p<ts without dot>``,
  with ``?thread_ts=<parent>&cid=<C>`` for replies.
- message blocks are checked against Block Kit's documented limits (``slack_blocks``):
  ``invalid_blocks`` with the errors and their JSON pointers; ``text`` over 40,000
  characters is ``msg_too_long``.
- response URLs accept up to 5 posts (then ``used_url``) and honour ``replace_original`` /
  ``delete_original`` and ``response_type: in_channel``.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Self

from flask import Response, jsonify, request

from playground.fakes import slack_payloads as payloads
from playground.fakes.base import FakeService, Fault, RecordedRequest
from playground.fakes.slack_blocks import block_errors
from playground.fakes.slack_limits import ChannelPostLimit
from playground.fakes.slack_models import (
    BOT_ID,
    CREATED,
    Channel,
    Ephemeral,
    FunctionRun,
    Message,
    ResponseUrl,
    ResponseUrlPost,
    SlackUser,
    Trigger,
    Unfurl,
    ViewCall,
)
from playground.fakes.slack_payloads import APP_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID
from playground.fakes.slack_socket import Ack, SocketModeServer
from playground.fakes.slack_views import view_errors

TRIGGER_TTL = 3.0
"""Seconds a trigger id stays usable, as on Slack."""
RESPONSE_URL_USES = 5
MAX_TEXT = 40000
MAX_PUSHED_VIEWS = 3

DEFAULT_SCOPES = frozenset(
    {
        "app_mentions:read",
        "channels:history",
        "channels:join",
        "channels:read",
        "chat:write",
        "commands",
        "groups:history",
        "groups:read",
        "im:history",
        "im:read",
        "im:write",
        "links:read",
        "links:write",
        "mpim:history",
        "users:read",
        "users:read.email",
    }
)


class RateLimited(Exception):
    """Answered as HTTP 429 ``{"ok": false, "error": "ratelimited"}`` with ``Retry-After``."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("ratelimited")
        self.retry_after = retry_after


class SlackError(Exception):
    """An API error: answered as HTTP 200 ``{"ok": false, "error": error, **extra}``."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


@dataclass(frozen=True)
class _Spec:
    handler: str
    scope: str | None = None
    token: str = "bot"


_METHODS: dict[str, _Spec] = {
    "auth.test": _Spec("_auth_test"),
    "apps.connections.open": _Spec("_apps_connections_open", token="app"),
    "chat.postMessage": _Spec("_chat_post_message", "chat:write"),
    "chat.update": _Spec("_chat_update", "chat:write"),
    "chat.delete": _Spec("_chat_delete", "chat:write"),
    "chat.postEphemeral": _Spec("_chat_post_ephemeral", "chat:write"),
    "chat.getPermalink": _Spec("_chat_get_permalink"),
    "chat.unfurl": _Spec("_chat_unfurl", "links:write"),
    "conversations.history": _Spec("_conversations_history"),
    "conversations.replies": _Spec("_conversations_replies"),
    "conversations.info": _Spec("_conversations_info"),
    "conversations.join": _Spec("_conversations_join", "channels:join"),
    "conversations.open": _Spec("_conversations_open", "im:write"),
    "users.info": _Spec("_users_info", "users:read"),
    "users.lookupByEmail": _Spec("_users_lookup_by_email", "users:read.email"),
    "views.open": _Spec("_views_open"),
    "views.push": _Spec("_views_push"),
    "views.update": _Spec("_views_update"),
    "views.publish": _Spec("_views_publish"),
    "functions.completeSuccess": _Spec("_functions_complete_success", token="workflow"),
    "functions.completeError": _Spec("_functions_complete_error", token="workflow"),
}


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).lower() in ("1", "true", "yes")


def _json_arg(args: dict[str, Any], name: str, error: str) -> Any:
    """An argument that may arrive as JSON text (form-encoded) or as JSON already."""
    value = args.get(name)
    if isinstance(value, str):
        if value == "":
            return None
        try:
            return json.loads(value)
        except ValueError:
            raise SlackError(error) from None
    return value


def _ts_key(ts: str) -> tuple[int, int]:
    seconds, _, micros = ts.partition(".")
    return int(seconds), int(micros or 0)


def _cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        return int(base64.b64decode(cursor).decode().removeprefix("offset:"))
    except ValueError:
        raise SlackError("invalid_cursor") from None


class FakeSlack(FakeService):
    """The fake Slack workspace ``T0TEST`` with the app's bot user ``U0BOT`` (``B0BOT``).

    Seeded with users ``U0ALICE`` and ``U0BOB`` and the channel ``C0GENERAL`` (#general)
    that all three are members of. Point ``slack_sdk.WebClient(base_url=fake.api_url)`` at it.
    """

    name = "slack"

    def __init__(
        self,
        *,
        bot_token: str = "xoxb-test",
        app_token: str = "xapp-test",
        team_domain: str = TEAM_DOMAIN,
    ) -> None:
        self.bot_token = bot_token
        self.app_token = app_token
        self.team_domain = team_domain
        self.clock: Callable[[], float] = time.monotonic
        """Time source for trigger-id expiry; replace it to age triggers by hand."""
        self.socket = SocketModeServer(app_id=APP_ID)
        super().__init__()

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> Self:
        self.socket.start()
        return super().start()

    def stop(self) -> None:
        self.socket.stop()
        super().stop()

    def reset(self) -> None:
        """Back to the seeded workspace; closes Socket Mode connections."""
        self.socket.reset()
        super().reset()

    @property
    def api_url(self) -> str:
        """The ``base_url`` for ``slack_sdk.WebClient``: ``http://127.0.0.1:<port>/api/``."""
        return self.url + "/api/"

    def _reset_state(self) -> None:
        self.bot_scopes: set[str] = set(DEFAULT_SCOPES)
        self.users: dict[str, SlackUser] = {}
        self.channels: dict[str, Channel] = {}
        self._messages: dict[str, list[Message]] = {}
        self.posted: list[Message] = []
        """Messages the app posted with ``chat.postMessage``, in order (live objects)."""
        self.ephemerals: list[Ephemeral] = []
        self.unfurls: list[Unfurl] = []
        self.view_calls: list[ViewCall] = []
        self.views: dict[str, dict[str, Any]] = {}
        """Current version of every view by id."""
        self.home_views: dict[str, dict[str, Any]] = {}
        self._view_stack: list[str] = []
        self._triggers: dict[str, Trigger] = {}
        self._response_urls: dict[str, ResponseUrl] = {}
        self.response_url_posts: list[ResponseUrlPost] = []
        self.function_runs: dict[str, FunctionRun] = {}
        """Workflow step runs by execution id (`function_executed_payload`)."""
        self._ts_counter = 0
        self._id_counter = 0
        self.post_limit: ChannelPostLimit | None = None
        """Slack's per-channel ``chat.postMessage`` limit, when ``limit_posts`` turned it on."""
        self.add_user(
            BOT_USER_ID, "connect", real_name="Connect", is_bot=True, bot_id=BOT_ID, email=None
        )
        self.add_user("U0ALICE", "alice", real_name="Alice Example", email="alice@example.com")
        self.add_user("U0BOB", "bob", real_name="Bob Builder", email="bob@example.com")
        self.add_channel("C0GENERAL", "general", members=["U0ALICE", "U0BOB"])

    def _describe(self, path: str) -> tuple[str | None, str]:
        if path.startswith("/api/"):
            return path.removeprefix("/api/"), path
        return None, path

    # --- faults ---------------------------------------------------------------------------

    def _fault_payload(self, fault: Fault, request: RecordedRequest) -> Any:
        if fault.status == 429:
            return {"ok": False, "error": "ratelimited"}
        return {"ok": False, "error": "fatal_error"}

    def api_error(self, method: str, error: str, *, times: int | None = 1, **extra: Any) -> Fault:
        """Make ``method`` answer ``{"ok": false, "error": error}`` (HTTP 200) ``times`` times."""
        return self.fail(
            method, status=200, times=times, body={"ok": False, "error": error, **extra}
        )

    def limit_posts(self, per_second: float = 1.0, *, burst: float = 1.0) -> ChannelPostLimit:
        """Enforce Slack's ``chat.postMessage`` limit per channel until the next reset: about
        ``per_second`` posts a second into one channel (bursts up to ``burst``); a post over it
        is answered HTTP 429 ``ratelimited`` with ``Retry-After`` and not posted. The refused
        posts are listed by the returned limit's ``refused()``."""
        limit = ChannelPostLimit(per_second=per_second, burst=burst, clock=self.clock)
        with self.lock:
            self.post_limit = limit
        return limit

    # --- seeding helpers ------------------------------------------------------------------

    def add_user(
        self,
        id: str,
        name: str,
        *,
        real_name: str | None = None,
        email: str | None = None,
        display_name: str | None = None,
        is_bot: bool = False,
        bot_id: str | None = None,
    ) -> SlackUser:
        user = SlackUser(
            id=id,
            name=name,
            real_name=real_name if real_name is not None else name,
            email=email,
            display_name=display_name if display_name is not None else name,
            is_bot=is_bot,
            bot_id=bot_id,
        )
        with self.lock:
            self.users[id] = user
        return user

    def add_channel(
        self,
        id: str,
        name: str,
        *,
        members: list[str] | tuple[str, ...] = (),
        is_member: bool = True,
        is_private: bool = False,
        is_archived: bool = False,
    ) -> Channel:
        """Add a channel; the bot is a member unless ``is_member=False``."""
        channel = Channel(
            id=id,
            name=name,
            members=set(members) | ({BOT_USER_ID} if is_member else set()),
            is_private=is_private,
            is_archived=is_archived,
            creator=members[0] if members else "",
        )
        with self.lock:
            self.channels[id] = channel
            self._messages.setdefault(id, [])
        return channel

    def add_message(
        self,
        channel: str,
        text: str,
        *,
        user: str | None = "U0ALICE",
        thread_ts: str | None = None,
        blocks: list[Any] | None = None,
        metadata: dict[str, Any] | None = None,
        bot_id: str | None = None,
        reply_broadcast: bool = False,
    ) -> Message:
        """Put a message into the channel as if someone posted it (no request recorded)."""
        with self.lock:
            if channel not in self.channels:
                raise KeyError(f"unknown channel {channel}")
            if thread_ts is not None and self._root(channel, thread_ts) is None:
                raise KeyError(f"no top-level message {thread_ts} in {channel}")
            message = Message(
                channel=channel,
                ts=self._next_ts(),
                text=text,
                user=user,
                bot_id=bot_id,
                thread_ts=thread_ts,
                blocks=blocks,
                metadata=metadata,
                reply_broadcast=reply_broadcast,
            )
            self._store(message)
            return message

    def edit_message(self, channel: str, ts: str, text: str) -> tuple[dict, dict]:
        """Edit a message as its author would; returns (previous, current) API dicts."""
        with self.lock:
            message = self._find(channel, ts)
            if message is None:
                raise KeyError(f"no message {ts} in {channel}")
            previous = message.to_api()
            message.text = text
            message.edited = {"user": message.user or BOT_USER_ID, "ts": self._next_ts()}
            return previous, message.to_api()

    def new_trigger_id(self, *, age: float = 0.0) -> str:
        """A trigger id as Slack puts in interactions; ``age`` seconds old (3+ = expired)."""
        with self.lock:
            number = self._next_id()
            trigger_id = f"{13345224609 + number}.738474920.{number:021x}"
            self._triggers[trigger_id] = Trigger(trigger_id, self.clock() - age)
            return trigger_id

    def new_response_url(
        self, *, channel: str | None = None, message_ts: str | None = None, user: str | None = None
    ) -> str:
        """A response URL on this fake; ``channel``/``message_ts`` name the original message."""
        with self.lock:
            number = self._next_id()
            url = f"{self.url}/response/T0TEST/{number:010d}/fake{number:06x}"
            self._response_urls[url.rsplit("/response/", 1)[1]] = ResponseUrl(
                url, channel, message_ts, user
            )
            return url

    # --- inspection helpers ---------------------------------------------------------------

    def messages(self, channel: str, thread_ts: str | None = None) -> list[Message]:
        """Top-level messages of ``channel`` (oldest first), or the thread of ``thread_ts``."""
        with self.lock:
            if thread_ts is not None:
                return [replace(m) for m in self._thread(channel, thread_ts)]
            return [replace(m) for m in self._messages.get(channel, []) if not m.is_reply]

    def thread(self, channel: str, ts: str) -> list[Message]:
        """The thread containing ``ts``: parent first, then replies."""
        return self.messages(channel, thread_ts=ts)

    def replies(self, channel: str, ts: str) -> list[Message]:
        """Only the replies of the thread containing ``ts``."""
        return self.thread(channel, ts)[1:]

    def message(self, channel: str, ts: str) -> Message | None:
        with self.lock:
            found = self._find(channel, ts)
            return None if found is None else replace(found)

    @property
    def views_opened(self) -> list[dict[str, Any]]:
        """Views opened or pushed with a trigger id, in order (as returned to the app)."""
        with self.lock:
            return [c.view for c in self.view_calls if c.method in ("views.open", "views.push")]

    def response_posts(self, url: str | None = None) -> list[ResponseUrlPost]:
        with self.lock:
            return [p for p in self.response_url_posts if url is None or p.url == url]

    # --- payloads the app receives --------------------------------------------------------

    def slash_command_payload(
        self,
        text: str = "",
        *,
        command: str = "/ticket",
        user: str = "U0ALICE",
        channel: str = "C0GENERAL",
    ) -> dict[str, Any]:
        """A slash command with a fresh trigger id and response URL."""
        with self.lock:
            user_name = self.users[user].name if user in self.users else user
            channel_name = self.channels[channel].name if channel in self.channels else channel
        return payloads.slash_command(
            command=command,
            text=text,
            user_id=user,
            user_name=user_name,
            channel_id=channel,
            channel_name=channel_name,
            trigger_id=self.new_trigger_id(),
            response_url=self.new_response_url(channel=channel, user=user),
        )

    def message_shortcut_payload(
        self,
        channel: str,
        ts: str,
        *,
        callback_id: str = "create_jira_issue",
        user: str = "U0ALICE",
    ) -> dict[str, Any]:
        """A message shortcut on the stored message ``ts``."""
        with self.lock:
            message = self._find(channel, ts)
            if message is None:
                raise KeyError(f"no message {ts} in {channel}")
            api_message = message.to_api(include_metadata=False)
            user_name = self.users[user].name if user in self.users else user
            channel_name = self.channels[channel].name
            action_ts = self._next_ts()
        return payloads.message_shortcut(
            callback_id=callback_id,
            message=api_message,
            user_id=user,
            user_name=user_name,
            channel_id=channel,
            channel_name=channel_name,
            trigger_id=self.new_trigger_id(),
            response_url=self.new_response_url(channel=channel, message_ts=ts, user=user),
            action_ts=action_ts,
        )

    def view_submission_payload(
        self, view_id: str, values: dict[str, dict[str, dict[str, Any]]], *, user: str = "U0ALICE"
    ) -> dict[str, Any]:
        """A submission of the stored view ``view_id`` with the given state values."""
        with self.lock:
            view = self.views[view_id]
            user_name = self.users[user].name if user in self.users else user
        return payloads.view_submission(
            view=view,
            values=values,
            user_id=user,
            user_name=user_name,
            trigger_id=self.new_trigger_id(),
        )

    def message_event_payload(self, message: Message) -> dict[str, Any]:
        """The ``event_callback`` for a new message (e.g. one made with ``add_message``)."""
        with self.lock:
            parent_user = None
            if message.is_reply and message.thread_ts is not None:
                root = self._root(message.channel, message.thread_ts)
                parent_user = None if root is None else root.user
            api = message.to_api(parent_user=parent_user)
            event_id = f"Ev{self._next_id():08d}"
        event = payloads.message_event(message.channel, api, self._channel_type(message.channel))
        return payloads.event_callback(event, event_id=event_id, event_time=CREATED)

    def function_executed_payload(
        self, callback_id: str, inputs: dict[str, Any]
    ) -> tuple[dict[str, Any], str]:
        """The ``event_callback`` Slack sends when a workflow runs the app's step
        ``callback_id``, and its execution id; the run's ``bot_access_token`` may call
        ``functions.completeSuccess``/``completeError`` for it (once)."""
        with self.lock:
            number = self._next_id()
            execution_id = f"Fx{number:010d}"
            token = f"xwfp-{number:010d}-test"
            self.function_runs[execution_id] = FunctionRun(execution_id, callback_id, token)
        event = {
            "type": "function_executed",
            "function": {
                "id": f"Fn{number:010d}",
                "callback_id": callback_id,
                "title": callback_id.replace("_", " "),
                "type": "app",
                "app_id": APP_ID,
            },
            "inputs": inputs,
            "function_execution_id": execution_id,
            "workflow_execution_id": f"Wx{number:010d}",
            "event_ts": f"{CREATED}.{number:06d}",
            "bot_access_token": token,
        }
        return self.event_payload(event), execution_id

    def app_home_opened_payload(self, user: str, *, tab: str = "home") -> dict[str, Any]:
        """The signed ``event_callback`` Slack sends when ``user`` opens the app's Home (or
        Messages) tab: with the DM's id, and the Home view published before, if any."""
        with self.lock:
            dm = self._dm_with(user)
            event: dict[str, Any] = {
                "type": "app_home_opened",
                "user": user,
                "channel": dm.id,
                "tab": tab,
                "event_ts": f"{CREATED}.{self._next_id():06d}",
            }
            current = self.home_views.get(user)
            if tab == "home" and current is not None:
                event["view"] = current
        return self.event_payload(event)

    def home_view(self, user: str) -> dict[str, Any] | None:
        """The Home view last published for ``user``."""
        with self.lock:
            return self.home_views.get(user)

    def home_action_payload(
        self,
        user: str,
        block_id: str,
        action_id: str,
        *,
        selected: list[str] | None = None,
        selected_option: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """``block_actions`` for an element of ``user``'s published Home (``container.type``
        ``view``; no channel, no message): a button's value, the checkboxes now ``selected``
        (their values), or a select's ``selected_option``."""
        with self.lock:
            view = self.home_views[user]
            block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
            elements = block.get("elements") or [block.get("accessory")]
            element = next(e for e in elements if e and e.get("action_id") == action_id)
            action: dict[str, Any] = {
                "action_id": action_id,
                "block_id": block_id,
                "type": element["type"],
                "action_ts": f"{CREATED}.{self._next_id():06d}",
            }
            if element["type"] == "button":
                action["text"] = element["text"]
                if "value" in element:
                    action["value"] = element["value"]
            if selected is not None:
                action["selected_options"] = [
                    o for o in element["options"] if o["value"] in selected
                ]
            if selected_option is not None:
                action["selected_option"] = selected_option
            name = self.users[user].name if user in self.users else user
            return {
                "type": "block_actions",
                "user": {"id": user, "username": name, "name": name, "team_id": TEAM_ID},
                "api_app_id": APP_ID,
                "token": payloads.VERIFICATION_TOKEN,
                "container": {"type": "view", "view_id": view["id"]},
                "trigger_id": self.new_trigger_id(),
                "team": {"id": TEAM_ID, "domain": payloads.TEAM_DOMAIN},
                "enterprise": None,
                "is_enterprise_install": False,
                "view": view,
                "actions": [action],
            }

    def event_payload(self, event: dict[str, Any]) -> dict[str, Any]:
        """Wrap any event in an ``event_callback`` with a fresh event id."""
        with self.lock:
            event_id = f"Ev{self._next_id():08d}"
        return payloads.event_callback(event, event_id=event_id, event_time=CREATED)

    # --- Socket Mode pass-throughs --------------------------------------------------------

    def send_envelope(
        self, type: str, payload: dict[str, Any], envelope_id: str | None = None, **kwargs: Any
    ) -> str:
        """Deliver ``payload`` over Socket Mode (see :meth:`SocketModeServer.send_envelope`)."""
        return self.socket.send_envelope(type, payload, envelope_id, **kwargs)

    def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> Ack:
        return self.socket.wait_for_ack(envelope_id, timeout)

    def disconnect_all(self, **kwargs: Any) -> int:
        return self.socket.disconnect_all(**kwargs)

    @property
    def connected_clients(self) -> int:
        return self.socket.connected_clients

    # --- internals: ids, storage ----------------------------------------------------------

    def _next_ts(self) -> str:
        self._ts_counter += 1
        micros = self._ts_counter * 100
        return f"{CREATED + micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _next_id(self) -> int:
        self._id_counter += 1
        return self._id_counter

    def _store(self, message: Message) -> None:
        bucket = self._messages.setdefault(message.channel, [])
        bucket.append(message)
        bucket.sort(key=lambda m: _ts_key(m.ts))

    def _find(self, channel: str, ts: str) -> Message | None:
        for message in self._messages.get(channel, []):
            if message.ts == ts:
                return message
        return None

    def _root(self, channel: str, ts: str) -> Message | None:
        found = self._find(channel, ts)
        return None if found is None or found.is_reply else found

    def _replies_of(self, channel: str, ts: str) -> list[Message]:
        return [m for m in self._messages.get(channel, []) if m.is_reply and m.thread_ts == ts]

    def _thread(self, channel: str, ts: str) -> list[Message]:
        found = self._find(channel, ts)
        if found is None:
            return []
        root_ts = found.thread_ts if found.is_reply and found.thread_ts else found.ts
        root = self._find(channel, root_ts)
        head = [root] if root is not None else []
        return head + self._replies_of(channel, root_ts)

    def _to_api(self, message: Message, *, include_metadata: bool) -> dict[str, Any]:
        if message.is_reply and message.thread_ts is not None:
            root = self._find(message.channel, message.thread_ts)
            parent_user = None if root is None else (root.user or root.bot_id)
            return message.to_api(include_metadata=include_metadata, parent_user=parent_user)
        replies = self._replies_of(message.channel, message.ts)
        return message.to_api(include_metadata=include_metadata, replies=replies)

    def _channel_type(self, channel_id: str) -> str:
        channel = self.channels.get(channel_id)
        if channel is None or not channel.is_private:
            return "im" if channel is not None and channel.is_im else "channel"
        return "group"

    # --- HTTP routes ----------------------------------------------------------------------

    def _register_routes(self) -> None:
        self.app.add_url_rule("/api/<method>", "api", self._api_route, methods=["GET", "POST"])
        self.app.add_url_rule(
            "/response/<path:rid>", "response_url", self._response_route, methods=["POST"]
        )

    def _api_route(self, method: str) -> Response:
        args: dict[str, Any] = dict(request.args.items())
        args.update(request.form.items())
        body = request.get_json(silent=True) if request.is_json else None
        if isinstance(body, dict):
            args.update(body)
        auth = request.headers.get("Authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else args.get("token")
        try:
            result = self._call(method, args, token if isinstance(token, str) else None)
            payload: dict[str, Any] = {"ok": True, **result}
        except SlackError as error:
            payload = {"ok": False, "error": error.error, **error.extra}
        except RateLimited as limited:
            response = jsonify({"ok": False, "error": "ratelimited"})
            response.status_code = 429
            response.headers["Retry-After"] = str(limited.retry_after)
            return response
        response = jsonify(payload)
        response.headers["X-OAuth-Scopes"] = ",".join(sorted(self.bot_scopes))
        spec = _METHODS.get(method)
        if spec is not None and spec.scope is not None:
            response.headers["X-Accepted-OAuth-Scopes"] = spec.scope
        return response

    def _call(self, method: str, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        spec = _METHODS.get(method)
        if spec is None:
            raise SlackError("unknown_method", req_method=method)
        if not token:
            raise SlackError("not_authed")
        if token == self.bot_token:
            kind = "bot"
        elif token == self.app_token:
            kind = "app"
        elif any(run.token == token for run in self.function_runs.values()):
            kind = "workflow"  # a step run's token: the bot's methods, and functions.*
        else:
            raise SlackError("invalid_auth")
        if kind != spec.token and not (kind == "workflow" and spec.token == "bot"):
            raise SlackError("not_allowed_token_type")
        if spec.token == "workflow":
            args = {**args, "_token": token}
        if spec.scope is not None:
            self._require_scope(spec.scope)
        if method == "chat.postMessage" and self.post_limit is not None:
            retry_after = self.post_limit.take(str(args.get("channel") or ""))
            if retry_after is not None:
                raise RateLimited(retry_after)
        handler: Callable[[dict[str, Any]], dict[str, Any]] = getattr(self, spec.handler)
        return handler(args)

    def _require_scope(self, scope: str) -> None:
        if scope not in self.bot_scopes:
            raise SlackError(
                "missing_scope", needed=scope, provided=",".join(sorted(self.bot_scopes))
            )

    def _required(self, args: dict[str, Any], name: str) -> str:
        value = args.get(name)
        if value is None or value == "":
            raise SlackError(
                "invalid_arguments",
                response_metadata={"messages": [f"[ERROR] missing required field: {name}"]},
            )
        return str(value)

    # --- channel resolution ---------------------------------------------------------------

    def _channel(self, args: dict[str, Any], name: str = "channel") -> Channel:
        channel_id = args.get(name)
        channel = self.channels.get(str(channel_id)) if channel_id else None
        if channel is None or (channel.is_private and not channel.has_member(BOT_USER_ID)):
            raise SlackError("channel_not_found")
        return channel

    def _post_target(self, args: dict[str, Any]) -> Channel:
        """chat.postMessage also takes ``#name`` / ``name`` and a user id (opens the DM)."""
        raw = str(args.get("channel") or "")
        if raw in self.users:
            return self._dm_with(raw)
        if raw not in self.channels:
            wanted = raw.removeprefix("#")
            for channel in self.channels.values():
                if channel.name == wanted and not channel.is_im:
                    args = {**args, "channel": channel.id}
                    break
        return self._channel(args)

    def _dm_with(self, user_id: str) -> Channel:
        """The app's DM with a user, opened when it was not."""
        dm_id = "D" + user_id[1:]
        if dm_id not in self.channels:
            self.channels[dm_id] = Channel(
                id=dm_id, name=dm_id, members={user_id, BOT_USER_ID}, is_im=True, im_user=user_id
            )
            self._messages.setdefault(dm_id, [])
        return self.channels[dm_id]

    def _history_scope(self, channel: Channel) -> None:
        if channel.is_im:
            self._require_scope("im:history")
        elif channel.is_private:
            self._require_scope("groups:history")
        else:
            self._require_scope("channels:history")
        if not channel.has_member(BOT_USER_ID):
            raise SlackError("not_in_channel")

    def _content(self, args: dict[str, Any]) -> tuple[str, list[Any] | None, list[Any] | None]:
        text = str(args.get("text") or "")
        blocks = _json_arg(args, "blocks", "invalid_blocks_format")
        attachments = _json_arg(args, "attachments", "invalid_attachments")
        if blocks is not None and not isinstance(blocks, list):
            raise SlackError("invalid_blocks_format")
        if isinstance(blocks, list) and (errors := block_errors(blocks)):
            raise SlackError(
                "invalid_blocks",
                errors=errors,
                response_metadata={"messages": [f"[ERROR] {e}" for e in errors]},
            )
        if attachments is not None and not isinstance(attachments, list):
            raise SlackError("invalid_attachments")
        if len(text) > MAX_TEXT:
            raise SlackError("msg_too_long")
        return text, blocks, attachments

    @staticmethod
    def _metadata(args: dict[str, Any]) -> dict[str, Any] | None:
        metadata = _json_arg(args, "metadata", "invalid_metadata_format")
        if metadata is None:
            return None
        if (
            not isinstance(metadata, dict)
            or not isinstance(metadata.get("event_type"), str)
            or not isinstance(metadata.get("event_payload"), dict)
        ):
            raise SlackError("invalid_metadata_format")
        return {"event_type": metadata["event_type"], "event_payload": metadata["event_payload"]}

    # --- Web API methods ------------------------------------------------------------------

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": f"https://{self.team_domain}.slack.com/",
            "team": "Connect Test",
            "user": self.users[BOT_USER_ID].name,
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.socket.issue_url()}

    def _chat_post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._post_target(args)
        if channel.is_archived:
            raise SlackError("is_archived")
        if not channel.has_member(BOT_USER_ID) and (
            channel.is_private or "chat:write.public" not in self.bot_scopes
        ):
            raise SlackError("not_in_channel")
        text, blocks, attachments = self._content(args)
        if not text and not blocks and not attachments:
            raise SlackError("no_text")
        metadata = self._metadata(args)
        thread_ts = args.get("thread_ts") or None
        if thread_ts is not None and self._root(channel.id, str(thread_ts)) is None:
            raise SlackError("invalid_thread_ts")
        message = Message(
            channel=channel.id,
            ts=self._next_ts(),
            text=text,
            user=BOT_USER_ID,
            bot_id=BOT_ID,
            thread_ts=str(thread_ts) if thread_ts else None,
            blocks=blocks,
            attachments=attachments,
            metadata=metadata,
            reply_broadcast=_truthy(args.get("reply_broadcast", False)) and thread_ts is not None,
            username=args.get("username"),
        )
        if message.reply_broadcast:
            message.subtype = "thread_broadcast"
        self._store(message)
        self.posted.append(message)
        return {
            "channel": channel.id,
            "ts": message.ts,
            "message": self._to_api(message, include_metadata=True),
        }

    def _own_message(self, args: dict[str, Any], forbidden: str) -> tuple[Channel, Message]:
        channel = self._channel(args)
        ts = str(args.get("ts") or "")
        message = self._find(channel.id, ts) if ts else None
        if message is None or message.subtype == "tombstone":
            raise SlackError("message_not_found")
        if message.bot_id != BOT_ID:
            raise SlackError(forbidden)
        return channel, message

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, message = self._own_message(args, "cant_update_message")
        text, blocks, attachments = self._content(args)
        if "text" not in args and "blocks" not in args and "attachments" not in args:
            raise SlackError("no_text")
        if "text" in args:
            message.text = text
        if "blocks" in args:
            message.blocks = blocks or None
        if "attachments" in args:
            message.attachments = attachments or None
        if "metadata" in args:
            message.metadata = self._metadata(args)
        message.edited = {"user": BOT_USER_ID, "ts": self._next_ts()}
        return {
            "channel": channel.id,
            "ts": message.ts,
            "text": message.text,
            "message": self._to_api(message, include_metadata=True),
        }

    def _chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, message = self._own_message(args, "cant_delete_message")
        if not message.is_reply and self._replies_of(channel.id, message.ts):
            message.subtype = "tombstone"
            message.text = "This message was deleted."
            message.blocks = message.attachments = message.metadata = None
        else:
            self._messages[channel.id].remove(message)
        return {"channel": channel.id, "ts": message.ts}

    def _chat_post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        user = str(args.get("user") or "")
        if user not in self.users or (not channel.is_im and not channel.has_member(user)):
            raise SlackError("user_not_in_channel")
        text, blocks, attachments = self._content(args)
        if not text and not blocks and not attachments:
            raise SlackError("no_text")
        ts = self._next_ts()
        thread_ts = args.get("thread_ts")
        self.ephemerals.append(
            Ephemeral(channel.id, user, ts, text, blocks, str(thread_ts) if thread_ts else None)
        )
        return {"message_ts": ts}

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        users = [u.strip() for u in str(args.get("users") or "").split(",") if u.strip()]
        if not users:
            raise SlackError("users_list_not_supplied")
        if len(users) > 1:
            raise NotImplementedError("the fake Slack opens one-to-one DMs only")
        user = self.users.get(users[0])
        if user is None:
            raise SlackError("user_not_found")
        if user.deleted:
            raise SlackError("user_disabled")
        if user.is_bot:
            raise SlackError("cannot_dm_bot")
        was_open = "D" + user.id[1:] in self.channels
        channel = self._dm_with(user.id)
        answer: dict[str, Any] = {}
        if was_open:
            answer = {"no_op": True, "already_open": True}
        if _truthy(args.get("return_im", False)):
            answer["channel"] = channel.to_api(BOT_USER_ID)
        else:
            answer["channel"] = {"id": channel.id}
        return answer

    def _chat_get_permalink(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        ts = str(args.get("message_ts") or "")
        message = self._find(channel.id, ts) if ts else None
        if message is None:
            raise SlackError("message_not_found")
        link = f"https://{self.team_domain}.slack.com/archives/{channel.id}/p{ts.replace('.', '')}"
        if message.is_reply:
            link += f"?thread_ts={message.thread_ts}&cid={channel.id}"
        return {"channel": channel.id, "permalink": link}

    def _chat_unfurl(self, args: dict[str, Any]) -> dict[str, Any]:
        unfurls = _json_arg(args, "unfurls", "invalid_unfurls_format")
        if not unfurls:
            raise SlackError("missing_unfurls")
        if not isinstance(unfurls, dict):
            raise SlackError("invalid_unfurls_format")
        if args.get("unfurl_id") and args.get("source"):
            channel_id, ts = str(args["source"]), str(args["unfurl_id"])
        else:
            channel_id, ts = self._channel(args).id, self._required(args, "ts")
        self.unfurls.append(Unfurl(channel_id, ts, unfurls))
        return {}

    def _page(
        self, items: list[Message], args: dict[str, Any], default_limit: int, key: str = "messages"
    ) -> dict[str, Any]:
        include_metadata = _truthy(args.get("include_all_metadata", False))
        try:
            limit = int(args.get("limit") or default_limit)
        except ValueError:
            raise SlackError("invalid_limit") from None
        start = _offset(args.get("cursor"))
        page = items[start : start + max(1, limit)]
        more = start + len(page) < len(items)
        return {
            key: [self._to_api(m, include_metadata=include_metadata) for m in page],
            "has_more": more,
            "response_metadata": {"next_cursor": _cursor(start + len(page)) if more else ""},
        }

    @staticmethod
    def _in_window(message: Message, args: dict[str, Any]) -> bool:
        inclusive = _truthy(args.get("inclusive", False))
        key = _ts_key(message.ts)
        oldest, latest = args.get("oldest"), args.get("latest")
        if oldest:
            bound = _ts_key(str(oldest))
            if key < bound or (key == bound and not inclusive):
                return False
        if latest:
            bound = _ts_key(str(latest))
            if key > bound or (key == bound and not inclusive):
                return False
        return True

    def _conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        self._history_scope(channel)
        visible = [
            m
            for m in self._messages.get(channel.id, [])
            if (not m.is_reply or m.reply_broadcast) and self._in_window(m, args)
        ]
        result = self._page(list(reversed(visible)), args, 100)
        result["pin_count"] = 0
        return result

    def _conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        self._history_scope(channel)
        ts = str(args.get("ts") or "")
        thread = self._thread(channel.id, ts) if ts else []
        if not thread:
            raise SlackError("thread_not_found")
        root, replies = thread[0], [m for m in thread[1:] if self._in_window(m, args)]
        return self._page([root, *replies], args, 1000)

    def _conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        self._require_scope(
            "im:read" if channel.is_im else "groups:read" if channel.is_private else "channels:read"
        )
        return {"channel": channel.to_api(BOT_USER_ID)}

    def _conversations_join(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        if channel.is_private or channel.is_im:
            raise SlackError("method_not_supported_for_channel_type")
        if channel.is_archived:
            raise SlackError("is_archived")
        already = channel.has_member(BOT_USER_ID)
        channel.members.add(BOT_USER_ID)
        result: dict[str, Any] = {"channel": channel.to_api(BOT_USER_ID)}
        if already:
            result["warning"] = "already_in_channel"
            result["response_metadata"] = {"warnings": ["already_in_channel"]}
        return result

    def _function_run(self, args: dict[str, Any]) -> FunctionRun:
        execution_id = self._required(args, "function_execution_id")
        run = self.function_runs.get(execution_id)
        if run is None or run.token != args.get("_token"):
            raise SlackError("function_execution_not_found")
        if run.done:
            raise SlackError("function_execution_already_completed")
        return run

    def _functions_complete_success(self, args: dict[str, Any]) -> dict[str, Any]:
        run = self._function_run(args)
        outputs = _json_arg(args, "outputs", "invalid_arguments")
        if not isinstance(outputs, dict):
            raise SlackError("invalid_arguments")
        self.function_runs[run.execution_id] = replace(run, outputs=outputs)
        return {}

    def _functions_complete_error(self, args: dict[str, Any]) -> dict[str, Any]:
        run = self._function_run(args)
        error = self._required(args, "error")
        self.function_runs[run.execution_id] = replace(run, error=error)
        return {}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(args.get("user") or ""))
        if user is None:
            raise SlackError("user_not_found")
        return {"user": user.to_api(include_email="users:read.email" in self.bot_scopes)}

    def _users_lookup_by_email(self, args: dict[str, Any]) -> dict[str, Any]:
        email = str(args.get("email") or "").lower()
        for user in self.users.values():
            if user.email is not None and user.email.lower() == email and not user.deleted:
                return {"user": user.to_api(include_email=True)}
        raise SlackError("users_not_found")

    # --- views ----------------------------------------------------------------------------

    def _use_trigger(self, args: dict[str, Any]) -> str:
        trigger_id = self._required(args, "trigger_id")
        trigger = self._triggers.get(trigger_id)
        if trigger is None:
            raise SlackError("invalid_trigger_id")
        if trigger.used:
            raise SlackError("exchanged_trigger_id")
        if self.clock() - trigger.issued_at > TRIGGER_TTL:
            raise SlackError("expired_trigger_id")
        trigger.used = True
        return trigger_id

    def _view_arg(self, args: dict[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
        view = args.get("view")
        if isinstance(view, str):
            try:
                view = json.loads(view)
            except ValueError:
                view = None
        errors = view_errors(view, allowed)
        if errors:
            raise SlackError("invalid_arguments", response_metadata={"messages": errors})
        assert isinstance(view, dict)
        external_id = view.get("external_id")
        if external_id:
            for existing_id, existing in self.views.items():
                if existing.get("external_id") == external_id and existing_id != args.get(
                    "view_id"
                ):
                    raise SlackError("duplicate_external_id")
        return view

    def _new_hash(self) -> str:
        number = self._next_id()
        return f"{CREATED + number}.{number:08x}"

    def _render_view(
        self, view: dict[str, Any], view_id: str, *, root: str, previous: str | None
    ) -> dict[str, Any]:
        rendered: dict[str, Any] = {
            "id": view_id,
            "team_id": TEAM_ID,
            "type": view["type"],
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": self._new_hash(),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "root_view_id": root,
            "previous_view_id": previous,
            "app_id": APP_ID,
            "external_id": view.get("external_id", ""),
            "app_installed_team_id": TEAM_ID,
            "bot_id": BOT_ID,
        }
        for key in ("title", "submit", "close"):
            if key in view:
                rendered[key] = view[key]
        return rendered

    def _new_view_id(self) -> str:
        return f"V0{self._next_id():08d}"

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        trigger_id = self._use_trigger(args)
        view = self._view_arg(args, ("modal",))
        view_id = self._new_view_id()
        rendered = self._render_view(view, view_id, root=view_id, previous=None)
        self.views[view_id] = rendered
        self._view_stack = [view_id]
        self.view_calls.append(ViewCall("views.open", rendered, trigger_id=trigger_id))
        return {"view": rendered}

    def _views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        trigger_id = self._use_trigger(args)
        view = self._view_arg(args, ("modal",))
        if len(self._view_stack) >= MAX_PUSHED_VIEWS:
            raise SlackError("push_limit_reached")
        view_id = self._new_view_id()
        root = self._view_stack[0] if self._view_stack else view_id
        previous = self._view_stack[-1] if self._view_stack else None
        rendered = self._render_view(view, view_id, root=root, previous=previous)
        self.views[view_id] = rendered
        self._view_stack.append(view_id)
        self.view_calls.append(ViewCall("views.push", rendered, trigger_id=trigger_id))
        return {"view": rendered}

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view_id = args.get("view_id")
        external_id = args.get("external_id")
        if not view_id and not external_id:
            raise SlackError(
                "invalid_arguments",
                response_metadata={"messages": ["[ERROR] missing required field: view_id"]},
            )
        current = None
        if view_id:
            current = self.views.get(str(view_id))
        else:
            for candidate in self.views.values():
                if candidate.get("external_id") == external_id:
                    current = candidate
        if current is None:
            raise SlackError("not_found")
        view = self._view_arg({**args, "view_id": current["id"]}, (current["type"],))
        given_hash = args.get("hash")
        if given_hash and given_hash != current["hash"]:
            raise SlackError("hash_conflict")
        rendered = self._render_view(
            view, current["id"], root=current["root_view_id"], previous=current["previous_view_id"]
        )
        self.views[current["id"]] = rendered
        self.view_calls.append(ViewCall("views.update", rendered))
        return {"view": rendered}

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = self._required(args, "user_id")
        if user_id not in self.users:
            raise SlackError("user_not_found")
        view = self._view_arg(args, ("home",))
        current = self.home_views.get(user_id)
        given_hash = args.get("hash")
        if current is not None and given_hash and given_hash != current["hash"]:
            raise SlackError("hash_conflict")
        view_id = current["id"] if current is not None else self._new_view_id()
        rendered = self._render_view(view, view_id, root=view_id, previous=None)
        self.home_views[user_id] = rendered
        self.views[view_id] = rendered
        self.view_calls.append(ViewCall("views.publish", rendered, user_id=user_id))
        return {"view": rendered}

    # --- response URLs --------------------------------------------------------------------

    def _response_route(self, rid: str) -> Response:
        target = self._response_urls.get(rid)
        if target is None:
            return self._json_status({"ok": False, "error": "expired_url"}, 404)
        if target.uses >= RESPONSE_URL_USES:
            return self._json_status({"ok": False, "error": "used_url"}, 404)
        body = request.get_json(silent=True)
        if body is None and "payload" in request.form:
            try:
                body = json.loads(request.form["payload"])
            except ValueError:
                body = None
        if not isinstance(body, dict):
            return self._json_status({"ok": False, "error": "invalid_payload"}, 400)
        if not body.get("text") and not body.get("blocks") and not body.get("delete_original"):
            return self._json_status({"ok": False, "error": "no_text"}, 400)
        target.uses += 1
        self.response_url_posts.append(ResponseUrlPost(target.url, body))
        self._apply_response(target, body)
        return self._json_status({"ok": True}, 200)

    def _apply_response(self, target: ResponseUrl, body: dict[str, Any]) -> None:
        """What Slack does with a response URL post to the conversation."""
        channel = target.channel
        if channel is None or channel not in self.channels:
            return
        original = self._find(channel, target.message_ts) if target.message_ts else None
        if _truthy(body.get("delete_original", False)):
            if original is not None:
                self._messages[channel].remove(original)
            return
        text = str(body.get("text") or "")
        blocks = body.get("blocks") if isinstance(body.get("blocks"), list) else None
        if _truthy(body.get("replace_original", False)) and original is not None:
            original.text, original.blocks = text, blocks
            original.edited = {"user": BOT_USER_ID, "ts": self._next_ts()}
            return
        thread_ts = body.get("thread_ts")
        if body.get("response_type") == "in_channel":
            message = Message(
                channel=channel,
                ts=self._next_ts(),
                text=text,
                user=BOT_USER_ID,
                bot_id=BOT_ID,
                blocks=blocks,
                thread_ts=str(thread_ts) if thread_ts else None,
            )
            self._store(message)
            return
        self.ephemerals.append(
            Ephemeral(channel, target.user or "", self._next_ts(), text, blocks, thread_ts)
        )

    @staticmethod
    def _json_status(payload: dict[str, Any], status: int) -> Response:
        response = jsonify(payload)
        response.status_code = status
        return response
