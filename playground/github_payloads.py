"""Real GitHub webhook payloads from `@octokit/webhooks-examples` (installed by `make test`).

`example("pull_request", "opened")` is the first real example of that event and action, as
a fresh deep copy; `variant(payload, {"pull_request.merged": True})` derives a variant that
the corpus lacks (a merged pull request, a failed workflow run) by setting dotted paths on a
real payload, so every field the app does not touch stays as GitHub sends it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "node_modules" / "@octokit" / "webhooks-examples"


@cache
def _corpus(variant: str = "api.github.com") -> tuple[tuple[str, tuple[str, ...]], ...]:
    path = EXAMPLES / variant / "index.json"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run `make dev-install` (npm ci)")
    return tuple(
        (entry["name"], tuple(json.dumps(example) for example in entry["examples"]))
        for entry in json.loads(path.read_text())
    )


def all_examples(variant: str = "api.github.com") -> Iterator[tuple[str, int, dict[str, Any]]]:
    """Every example: `(event name, index within the event, payload)`."""
    for name, examples in _corpus(variant):
        for index, raw in enumerate(examples):
            yield name, index, json.loads(raw)


def example(name: str, action: str | None = None, index: int = 0) -> dict[str, Any]:
    """The `index`-th real example of `name` with `action` (any action when None)."""
    for event, examples in _corpus():
        if event != name:
            continue
        found = [json.loads(raw) for raw in examples]
        if action is not None:
            found = [payload for payload in found if payload.get("action") == action]
        if len(found) > index:
            return found[index]
    raise LookupError(f"no example {index} of {name} {action or ''}".strip())


def variant(payload: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of `payload` with each dotted path in `changes` set (`"a.b": 1`)."""
    result = copy.deepcopy(dict(payload))
    for path, value in changes.items():
        *parents, last = path.split(".")
        node: Any = result
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return result
