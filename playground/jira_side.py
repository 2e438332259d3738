"""The playground's Jira: what a person does on an issue, and the webhooks Jira then sends.

Changes are made through the fake Jira's REST API (as Jira's own UI does), then the signed
webhook Jira Cloud sends for them goes to the app: `jira:issue_updated` with the changelog
for a transition or an assignment, `comment_created` for a comment. A watcher sends
`jira:issue_created` and `comment_created` for what others did too — the issues and comments
the app itself made — because Jira does: the app must (and does) recognise its own.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import requests

from playground.fakes.jira_data import STATUSES
from playground.sender import AppSender
from playground.world import PROJECT, World

log = logging.getLogger("connect.playground")


class JiraSide:
    def __init__(self, world: World, sender: AppSender) -> None:
        self.world = world
        self.sender = sender
        self.http = requests.Session()
        self.http.auth = (world.jira.email, world.secrets.jira_api_token)
        self._known: dict[str, tuple[str, str | None]] = {}
        """Each issue's status and assignee as the last webhook told the app."""
        self._seen_comments: set[str] = set()
        self._stop = threading.Event()
        self._lock = threading.Lock()

    # --- what the panel shows -------------------------------------------------------------

    def issues(self) -> list[dict[str, Any]]:
        jira = self.world.jira
        with jira.lock:
            found = [i for i in jira.issues.values() if i.project.key == PROJECT]
            users = {u.account_id: u.display_name for u in jira.users}
            return [
                {
                    "key": issue.key,
                    "summary": issue.summary,
                    "status": issue.status,
                    "type": issue.issue_type.name,
                    "assignee": _assignee_name(issue.fields.get("assignee"), users),
                    "comments": len(issue.comments),
                }
                for issue in sorted(found, key=lambda i: int(i.id), reverse=True)
            ]

    def people(self) -> list[dict[str, str]]:
        jira = self.world.jira
        with jira.lock:
            return [
                {"account_id": u.account_id, "name": u.display_name}
                for u in jira.users
                if u is not jira.api_user
            ]

    # --- what a person does in Jira -------------------------------------------------------

    def transition(self, key: str, status: str, actor: str) -> int:
        with self._lock:
            return self._transition(key, status, actor)

    def _transition(self, key: str, status: str, actor: str) -> int:
        before = self._issue(key)
        transitions = self._rest("GET", f"issue/{key}/transitions").json()["transitions"]
        chosen = next((t for t in transitions if t["to"]["name"] == status), None)
        if chosen is None:
            raise ValueError(f"{key} cannot move to {status}")
        self._rest("POST", f"issue/{key}/transitions", json={"transition": {"id": chosen["id"]}})
        after = self._issue(key)
        old, new = before["fields"]["status"], after["fields"]["status"]
        item = _change("status", old["id"], old["name"], new["id"], new["name"])
        self._known[key] = self._current()[key]
        return self._updated(after, actor, "issue_generic", [item])

    def assign(self, key: str, account_id: str | None, actor: str) -> int:
        with self._lock:
            return self._assign(key, account_id, actor)

    def _assign(self, key: str, account_id: str | None, actor: str) -> int:
        before = self._issue(key)
        self._rest("PUT", f"issue/{key}/assignee", json={"accountId": account_id})
        after = self._issue(key)
        old, new = before["fields"].get("assignee"), after["fields"].get("assignee")
        item = _change(
            "assignee",
            old and old.get("accountId"),
            old and old.get("displayName"),
            new and new.get("accountId"),
            new and new.get("displayName"),
        )
        self._known[key] = self._current()[key]
        return self._updated(after, actor, "issue_assigned", [item])

    def comment(self, key: str, body: str, actor: str) -> None:
        """Added through the REST API, written by `actor` (Jira's UI posts as the person signed
        in; the fake's API knows only the app's account); the watcher sends `comment_created`."""
        answer = self._rest("POST", f"issue/{key}/comment", json={"body": body}).json()
        jira = self.world.jira
        with jira.lock:
            author = next((u for u in jira.users if u.account_id == actor), None)
            for comment in jira.issue(key).comments:
                if author is not None and comment.id == str(answer.get("id")):
                    comment.author = comment.update_author = author
        self.check_now()

    # --- the watcher: Jira's webhooks for every new issue and comment ----------------------

    def start(self) -> JiraSide:
        self._known = self._current()  # the seeded state is not news
        threading.Thread(target=self._watch, name="playground-jira", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _watch(self) -> None:
        while not self._stop.wait(0.3):
            try:
                self.check_now()
            except Exception:  # a failed send is tried again on the next round
                log.exception("playground.jira_watch_failed")

    def check_now(self) -> None:
        """Send what Jira would for what changed since the last look: new issues and
        comments, and status or assignee changes made by others (the app's card buttons)."""
        with self._lock:
            jira = self.world.jira
            with jira.lock:
                issues = [(i.key, [c.id for c in i.comments]) for i in jira.issues.values()]
            current = self._current()
            for key, comment_ids in issues:
                if key not in self._known:
                    self._send_created(key)
                elif current[key] != self._known[key]:
                    self._send_changed(key, self._known[key])
                self._known[key] = current[key]
                for comment_id in comment_ids:
                    if f"{key}/{comment_id}" not in self._seen_comments:
                        self._send_comment(key, comment_id)
                        self._seen_comments.add(f"{key}/{comment_id}")

    def _current(self) -> dict[str, tuple[str, str | None]]:
        jira = self.world.jira
        with jira.lock:
            return {
                key: (issue.status, (issue.fields.get("assignee") or {}).get("accountId"))
                for key, issue in jira.issues.items()
            }

    def _send_changed(self, key: str, before: tuple[str, str | None]) -> None:
        issue = self._issue(key)
        status, assignee = issue["fields"]["status"], issue["fields"].get("assignee")
        items = []
        if status["name"] != before[0]:
            old_id = STATUSES[before[0]]["id"]
            items.append(_change("status", old_id, before[0], status["id"], status["name"]))
        new_id = assignee and assignee.get("accountId")
        if new_id != before[1]:
            old_name = self._user_json(before[1])["displayName"] if before[1] else None
            new_name = assignee and assignee.get("displayName")
            items.append(_change("assignee", before[1], old_name, new_id, new_name))
        kind = "issue_assigned" if items[0]["field"] == "assignee" else "issue_generic"
        self._updated(issue, self._api_user()["accountId"], kind, items)

    def _send_created(self, key: str) -> None:
        issue = self._issue(key)
        reporter = issue["fields"].get("reporter") or self._api_user()
        self.sender.jira(
            {
                "timestamp": int(time.time() * 1000),
                "webhookEvent": "jira:issue_created",
                "issue_event_type_name": "issue_created",
                "user": reporter,
                "issue": issue,
            }
        )

    def _send_comment(self, key: str, comment_id: str) -> None:
        issue = self._issue(key)
        comment = self._rest("GET", f"issue/{key}/comment/{comment_id}").json()
        reduced = {
            "id": issue["id"],
            "self": issue["self"],
            "key": issue["key"],
            "fields": {
                name: issue["fields"].get(name)
                for name in ("summary", "issuetype", "project", "assignee", "priority", "status")
            },
        }
        self.sender.jira(
            {
                "timestamp": int(time.time() * 1000),
                "webhookEvent": "comment_created",
                "comment": comment,
                "issue": reduced,
            }
        )

    # --- helpers --------------------------------------------------------------------------

    def _updated(
        self, issue: dict[str, Any], actor: str, type_name: str, items: list[dict[str, Any]]
    ) -> int:
        response = self.sender.jira(
            {
                "timestamp": int(time.time() * 1000),
                "webhookEvent": "jira:issue_updated",
                "issue_event_type_name": type_name,
                "user": self._user_json(actor),
                "issue": issue,
                "changelog": {"id": str(int(time.time() * 1000)), "items": items},
            }
        )
        return response.status_code

    def _issue(self, key: str) -> dict[str, Any]:
        return self._rest("GET", f"issue/{key}").json()

    def _api_user(self) -> dict[str, Any]:
        return self._rest("GET", "myself").json()

    def _user_json(self, account_id: str) -> dict[str, Any]:
        answer = self._rest("GET", "user", params={"accountId": account_id})
        return answer.json() if answer.ok else self._api_user()

    def _rest(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        url = f"{self.world.jira.url}/rest/api/2/{path}"
        response = self.http.request(method, url, timeout=10, **kwargs)
        if response.status_code >= 400 and path != "user":
            raise ValueError(f"Jira answered {response.status_code} to {method} {path}")
        return response


def _change(
    field: str, old_id: str | None, old: str | None, new_id: str | None, new: str | None
) -> dict[str, Any]:
    return {
        "field": field,
        "fieldtype": "jira",
        "fieldId": field,
        "from": old_id,
        "fromString": old,
        "to": new_id,
        "toString": new,
    }


def _assignee_name(value: Any, users: dict[str, str]) -> str | None:
    if isinstance(value, dict):
        ref = value.get("accountId") or value.get("name")
        return users.get(str(ref), str(ref)) if ref else None
    return None
