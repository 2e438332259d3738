"""`manifest.yml` is a valid Slack app manifest and says exactly what the code does: the
commands, shortcuts and events the Bolt app registers, and the bot scopes its Web API calls
and events need — each way round."""

from __future__ import annotations

import ast
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from slack_bolt import App
from slack_sdk import WebClient

from bot import register_listeners
from bot.commands import COMMANDS
from bot.events import BOT_EVENTS
from bot.shortcuts import GLOBAL_SHORTCUTS, MESSAGE_SHORTCUTS
from integrations.container import build_container
from storage import Database, Repositories
from tests.support.live import settings_for

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT.parent / "shared" / "reference" / "slack" / "app-manifest.schema.json"
FUNCTIONS_SCHEMA = ROOT / "tests" / "fixtures" / "slack" / "manifest-functions.schema.json"
CODE = ["app.py", "bot", "integrations", "web"]

METHOD_SCOPES: dict[str, frozenset[str]] = {
    "chat.postMessage": frozenset({"chat:write"}),
    "chat.postEphemeral": frozenset({"chat:write"}),
    "chat.update": frozenset({"chat:write"}),
    "chat.delete": frozenset({"chat:write"}),
    "chat.getPermalink": frozenset(),
    "chat.unfurl": frozenset({"links:write"}),
    # (and im:history: a notification's DM is read back before it is posted again)
    "conversations.history": frozenset({"channels:history", "groups:history", "im:history"}),
    "conversations.replies": frozenset({"channels:history", "groups:history"}),
    "conversations.info": frozenset({"channels:read", "groups:read"}),
    "conversations.open": frozenset({"im:write"}),
    "users.info": frozenset({"users:read"}),
    "users.lookupByEmail": frozenset({"users:read.email"}),
    "views.open": frozenset(),
    "views.update": frozenset(),
    "views.push": frozenset(),
    "views.publish": frozenset(),
    "auth.test": frozenset(),
    "apps.connections.open": frozenset(),  # the app-level token's connections:write
}
"""The bot scopes each Web API method needs (for public and private channels)."""

EVENT_SCOPES = {
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "message.im": "im:history",
    "message.mpim": "mpim:history",
    "link_shared": "links:read",
    "app_mention": "app_mentions:read",
    "function_executed": None,  # a Workflow Builder step's run: no scope of its own
    "app_home_opened": None,  # the Home tab opened: no scope of its own
}
IMPLICIT_SCOPES = {
    # users.info answers `profile.email` only with this scope (integrations/tickets/people.py)
    "users:read.email",
}


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def slack_schema() -> dict[str, Any]:
    """SchemaStore's manifest schema, with the custom-step parts it predates (`functions`,
    `settings.function_runtime`) from Slack's manifest reference."""
    schema = json.loads(SCHEMA.read_text())
    steps = json.loads(FUNCTIONS_SCHEMA.read_text())
    schema["properties"]["functions"] = steps["functions"]
    schema["properties"]["settings"]["properties"]["function_runtime"] = steps["function_runtime"]
    schema.setdefault("definitions", {}).update(steps["definitions"])
    return schema


def test_manifest_is_valid_against_slacks_schema(manifest: dict[str, Any]) -> None:
    schema = slack_schema()
    jsonschema.Draft7Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(manifest), key=str)
    assert [f"{list(e.absolute_path)}: {e.message}" for e in errors] == []


def test_manifest_is_set_up_for_socket_mode_development(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is True
    assert settings["interactivity"]["is_enabled"] is True
    assert manifest["features"]["bot_user"]["display_name"] == "connect"
    assert "request_url" not in settings["interactivity"]  # Socket Mode: no URLs


class RecordingApp(App):
    """A Bolt app that notes what listeners register (then registers them as usual)."""

    def __init__(self) -> None:
        super().__init__(
            client=WebClient(token="xoxb-test", base_url="http://127.0.0.1:9/api/"),
            signing_secret="test-signing-secret",
            process_before_response=True,
            token_verification_enabled=False,
        )
        self.recorded: dict[str, set[str]] = {
            "command": set(),
            "shortcut": set(),
            "event": set(),
        }

    def command(self, command: Any, *args: Any, **kwargs: Any) -> Callable[..., Any]:
        self.recorded["command"].add(str(command))
        return super().command(command, *args, **kwargs)

    def shortcut(self, constraints: Any, *args: Any, **kwargs: Any) -> Callable[..., Any]:
        self.recorded["shortcut"].add(str(constraints))
        return super().shortcut(constraints, *args, **kwargs)

    def event(self, event: Any, *args: Any, **kwargs: Any) -> Callable[..., Any]:
        self.recorded["event"].add(str(event["type"] if isinstance(event, dict) else event))
        return super().event(event, *args, **kwargs)

    def function(self, callback_id: Any, *args: Any, **kwargs: Any) -> Callable[..., Any]:
        """A Workflow Builder step listens to the `function_executed` event."""
        self.recorded["event"].add("function_executed")
        self.recorded.setdefault("function", set()).add(str(callback_id))
        return super().function(callback_id, *args, **kwargs)


@pytest.fixture(scope="module")
def registered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('manifest') / 'connect.db'}"
    db = Database(url)
    settings = settings_for(
        url, slack_bot_token="xoxb-test", slack_signing_secret="test-signing-secret"
    )
    app = RecordingApp()
    register_listeners(app, build_container(settings, Repositories.on(db)))
    db.dispose()
    return app.recorded


def test_slash_commands_match_the_code(manifest: dict[str, Any], registered: dict) -> None:
    declared = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert declared == set(COMMANDS) == registered["command"]


def test_shortcuts_match_the_code(manifest: dict[str, Any], registered: dict) -> None:
    shortcuts = manifest["features"].get("shortcuts", [])
    message = {s["callback_id"] for s in shortcuts if s["type"] == "message"}
    global_ = {s["callback_id"] for s in shortcuts if s["type"] == "global"}
    assert message == set(MESSAGE_SHORTCUTS)
    assert global_ == set(GLOBAL_SHORTCUTS)
    assert message | global_ == registered["shortcut"]


def test_bot_events_match_the_code(manifest: dict[str, Any], registered: dict) -> None:
    declared = manifest["settings"]["event_subscriptions"]["bot_events"]
    assert sorted(declared) == sorted(BOT_EVENTS)
    # `message.channels` / `message.groups` arrive as events of type `message`
    assert {name.split(".")[0] for name in declared} == registered["event"]


def test_unfurl_domains_match_the_code(manifest: dict[str, Any]) -> None:
    from bot.events import links

    assert manifest["features"].get("unfurl_domains", []) == list(links.UNFURL_DOMAINS)


def web_api_methods() -> dict[str, set[str]]:
    """Every Slack Web API method the code calls, with the files calling it.

    Found as attribute names of `slack_sdk.WebClient` methods (`client.chat_postMessage`,
    also when passed along uncalled), which name the API method with `_` for `.`.
    """
    names = {
        name
        for name, value in vars(WebClient).items()
        if callable(value) and not name.startswith("_") and "_" in name
    }
    found: dict[str, set[str]] = {}
    files = [ROOT / "app.py"] + [p for d in CODE[1:] for p in (ROOT / d).rglob("*.py")]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Attribute) and node.attr in names:
                method = node.attr.replace("_", ".")
                found.setdefault(method, set()).add(str(path.relative_to(ROOT)))
    return found


def test_bot_scopes_are_exactly_the_ones_used(manifest: dict[str, Any]) -> None:
    used = web_api_methods()
    unknown = {m: sorted(files) for m, files in used.items() if m not in METHOD_SCOPES}
    assert unknown == {}, "add these Web API methods and their scopes to METHOD_SCOPES"
    needed = set().union(*(METHOD_SCOPES[m] for m in used))
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    needed |= {scope for e in events if (scope := EVENT_SCOPES[e]) is not None}
    if manifest["features"].get("slash_commands") or manifest["features"].get("shortcuts"):
        needed.add("commands")
    needed |= IMPLICIT_SCOPES
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == sorted(needed)


def test_workflow_steps_match_the_code(manifest: dict[str, Any], registered: dict) -> None:
    from bot.functions import FUNCTIONS

    assert set(manifest.get("functions", {})) == set(FUNCTIONS) == registered["function"]
    assert manifest["settings"]["function_runtime"] == "remote"
