"""Hostile input for the inbound routes: hypothesis strategies, and a probe that sends each
request to the live app and checks the one rule every answer keeps.

The rule: a 2xx, or a 4xx whose body is a JSON error `{"error", "code"}` — never a 5xx.
`TALLY` counts the requests per route (and any 5xx); `tests/conftest.py` prints it at the
end of the run, so the figures the property tests reach are on record.
"""

from __future__ import annotations

import copy
import json
import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tests.support.live import LiveApp

EXAMPLES = 150
"""Examples per property test in the everyday suite (the slow suite runs more)."""
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # one live app serves every example
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)


@dataclass
class Tally:
    """Requests per route, and answers of 500 or more per route."""

    requests: Counter[str] = field(default_factory=Counter)
    server_errors: Counter[str] = field(default_factory=Counter)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, route: str, status: int) -> None:
        with self.lock:
            self.requests[route] += 1
            self.statuses[route, status] += 1
            if status >= 500:
                self.server_errors[route] += 1

    def lines(self) -> list[str]:
        lines = []
        for route, count in sorted(self.requests.items()):
            by_status = sorted((s, n) for (r, s), n in self.statuses.items() if r == route)
            answers = ", ".join(f"{s}: {n}" for s, n in by_status)
            lines.append(
                f"{route}: {count} requests, {self.server_errors[route]} answered 5xx ({answers})"
            )
        return lines


TALLY = Tally()


def check(response: requests.Response) -> None:
    """The rule. A failure shows the status and the start of the body."""
    status = response.status_code
    assert status < 500, f"{status} {response.text[:300]!r}"
    if status >= 400:
        assert response.headers.get("Content-Type", "").startswith("application/json"), (
            status,
            response.headers.get("Content-Type"),
            response.text[:200],
        )
        answer = response.json()
        assert isinstance(answer, dict), answer
        assert {"error", "code"} <= set(answer), answer


@dataclass
class Probe:
    """Sends requests to `live` as `route`, counting and checking each answer."""

    live: LiveApp

    def send(
        self,
        method: str,
        path: str,
        *,
        route: str | None = None,
        data: bytes | Iterator[bytes] = b"",
        headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        response = self.live.http.request(
            method, self.live.url + path, data=data, headers=dict(headers or {}), timeout=30
        )
        TALLY.record(route or path, response.status_code)
        check(response)
        return response

    def healthy(self) -> None:
        response = self.live.get("/health")
        assert response.status_code == 200, response.text


def chunks(body: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    """The body as a generator: `requests` sends it chunked, without a Content-Length."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


# --- strategies ---------------------------------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
"""Any JSON value, small."""
huge_strings = st.integers(min_value=10_000, max_value=300_000).map(lambda n: "x" * n)
wrong_values = st.one_of(json_values, huge_strings, st.just(""), st.just([]), st.just({}))
"""What a field can hold instead of what the code expects."""


def nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


content_types = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-8",
        "application/x-www-form-urlencoded",
        "text/plain",
        "multipart/form-data; boundary=x",
        "APPLICATION/JSON",
        "",
    ]
)


def text_bodies(valid: bytes) -> st.SearchStrategy[bytes]:
    """Bodies around a valid one: cut short, deeply nested, random, or huge."""
    return st.one_of(
        st.binary(max_size=300),
        st.integers(min_value=0, max_value=max(len(valid) - 1, 0)).map(lambda n: valid[:n]),
        st.integers(min_value=1, max_value=100_000).map(lambda d: nested(d).encode()),
        json_values.map(lambda v: json.dumps(v).encode()),
        st.sampled_from([b"[]", b"null", b'"x"', b"{", b"{}", b'{"a": NaN}', b"\xff\xfe{}"]),
    )


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = []
    if isinstance(value, dict):
        items: Iterator[tuple[Any, Any]] = iter(value.items())
    elif isinstance(value, list):
        items = iter(enumerate(value))
    else:
        return found
    for key, child in items:
        found.append((*prefix, key))
        found.extend(_paths(child, (*prefix, key)))
    return found


@st.composite
def mutated(draw: st.DrawFn, template: Mapping[str, Any]) -> dict[str, Any]:
    """`template` with one to three fields deleted, nulled or given a value of another type
    (at any depth: every field the code might read)."""
    doc = copy.deepcopy(dict(template))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = _paths(doc)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent: Any = doc
        for part in path[:-1]:
            parent = parent[part]
        key = path[-1]
        how = draw(st.sampled_from(["delete", "null", "replace"]))
        if how == "delete":
            del parent[key]
        else:
            parent[key] = None if how == "null" else draw(wrong_values)
    return doc
