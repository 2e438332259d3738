"""Everything the page shows, as one JSON document it polls: the workspace as the viewer sees
it (channels, messages with their threads, what only they see, their open modal), the Jira
project, the repository, and the last requests sent to the app."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from playground.world import CHANNEL, PROJECT

if TYPE_CHECKING:
    from playground.runner import Playground


def snapshot(playground: Playground, viewer: str) -> dict[str, Any]:
    sender, slack_side, jira_side, github_side, demo = playground.sides()
    seen = playground.first_seen

    def _when(key: str) -> float:
        """When a message was first shown: the fake's `ts` values are not the time."""
        return seen.setdefault(key, time.time())

    slack = playground.world.slack
    with slack.lock:
        users = {
            u.id: {"name": u.name, "real_name": u.real_name, "is_bot": u.is_bot}
            for u in slack.users.values()
        }
        channels = sorted(
            (c for c in slack.channels.values() if not c.is_im),
            key=lambda c: (c.id != CHANNEL, c.name),
        )
        ephemerals = [e for e in slack.ephemerals if e.user == viewer]
    messages: dict[str, list[dict[str, Any]]] = {}
    for channel in channels:
        shown = []
        for message in slack.messages(channel.id):
            thread = slack.thread(channel.id, message.ts)
            api = message.to_api(include_metadata=False, replies=thread[1:])
            api["replies"] = [
                {**r.to_api(include_metadata=False), "at": _when(f"{channel.id}/{r.ts}")}
                for r in thread[1:]
            ]
            api["at"] = _when(f"{channel.id}/{message.ts}")
            shown.append(api)
        messages[channel.id] = shown
    only_you = [
        {
            "channel": e.channel,
            "ts": e.message_ts,
            "thread_ts": e.thread_ts,
            "text": e.text,
            "blocks": e.blocks,
            "at": _when(f"e/{e.message_ts}"),
        }
        for e in ephemerals
    ] + [
        {
            "channel": n.channel,
            "ts": n.ts,
            "thread_ts": None,
            "text": n.text,
            "blocks": n.blocks,
            "at": _when(f"n/{n.ts}"),
        }
        for n in slack_side.notes
        if n.user == viewer
    ]
    return {
        "ready": playground.seeded.is_set(),
        "viewer": viewer,
        "users": users,
        "channels": [{"id": c.id, "name": c.name} for c in channels],
        "messages": messages,
        "only_you": only_you,
        "modal": slack_side.open_view(viewer),
        "jira": {
            "url": playground.world.jira.url,
            "project": PROJECT,
            "issues": jira_side.issues(),
            "people": jira_side.people(),
        },
        "github": github_side.state(),
        "demo": demo.status(),
        "sent": [vars(s) for s in sender.log[-12:]],
    }
