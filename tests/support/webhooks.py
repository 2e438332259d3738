"""Signed webhook requests to the live app, and the real Jira payload corpus."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from functools import cache
from pathlib import Path
from typing import Any

import requests

from tests.support.live import LiveApp

ROOT = Path(__file__).resolve().parents[2]
JIRA_CORPUS = ROOT.parent / "shared" / "corpora" / "jira-webhooks"
JIRA_SECRET = "jira-webhook-secret"
GITHUB_SECRET = "github-webhook-secret"


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def encode(payload: dict[str, Any] | bytes) -> bytes:
    return payload if isinstance(payload, bytes) else json.dumps(payload).encode()


def post_jira(
    live: LiveApp,
    payload: dict[str, Any] | bytes,
    *,
    secret: str | None = JIRA_SECRET,
    delivery_id: str | None = "auto",
    headers: dict[str, str] | None = None,
) -> requests.Response:
    """POST a Jira webhook signed with `secret` (unsigned when None)."""
    body = encode(payload)
    sent = {"Content-Type": "application/json"}
    if secret is not None:
        sent["X-Hub-Signature"] = signature(secret, body)
    if delivery_id == "auto":
        delivery_id = str(uuid.uuid4())
    if delivery_id is not None:
        sent["X-Atlassian-Webhook-Identifier"] = delivery_id
    sent.update(headers or {})
    return live.post("/webhooks/jira", data=body, headers=sent)


def post_github(
    live: LiveApp,
    event: str,
    payload: dict[str, Any] | bytes,
    *,
    secret: str | None = GITHUB_SECRET,
    delivery_id: str | None = "auto",
) -> requests.Response:
    body = encode(payload)
    sent = {"Content-Type": "application/json", "X-GitHub-Event": event}
    if secret is not None:
        sent["X-Hub-Signature-256"] = signature(secret, body)
    if delivery_id == "auto":
        delivery_id = str(uuid.uuid4())
    if delivery_id is not None:
        sent["X-GitHub-Delivery"] = delivery_id
    return live.post("/webhooks/github", data=body, headers=sent)


def jira_corpus_files() -> list[Path]:
    return sorted(JIRA_CORPUS.glob("*.json"))


@cache
def _load(name: str) -> str:
    return (JIRA_CORPUS / name).read_text()


def jira_payload(name: str) -> dict[str, Any]:
    """A corpus payload by file name without the `webhook-` prefix and `.json` suffix."""
    return json.loads(_load(f"webhook-{name}.json"))
