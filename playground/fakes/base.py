"""What every fake service shares: a real HTTP server, a request log, and fault injection.

A fake is a small Flask app wrapped by :class:`FakeService`, which is itself the WSGI app that
:class:`~playground.server.ServerThread` serves. Before Flask sees a request the wrapper

1. records it as a :class:`RecordedRequest` (every request, faulted or not), then
2. looks for a pending :class:`Fault` that matches it, consuming faults in the order they were
   added, and either answers with the fault (status, ``Retry-After``, body), delays the real
   answer, or lets the real handler apply its side effect and only then delays or fails the
   response — the "the server did it but the client never heard back" case.

Handlers run one at a time under the fake's lock, so in-memory state needs no further locking;
delays are spent outside the lock and are cut short by :meth:`FakeService.reset` and
:meth:`FakeService.stop`, so a slow fault never outlives the test that set it up.
"""

from __future__ import annotations

import fnmatch
import io
import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Self, overload
from urllib.parse import parse_qsl

from flask import Flask
from werkzeug.wrappers import Request

from playground.server import ServerThread

Matcher = str | Callable[["RecordedRequest"], bool]
"""What a fault or a ``calls()`` query applies to: see :func:`matches`."""

WSGIEnviron = dict[str, Any]
StartResponse = Callable[..., Any]


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake received it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    json: Any
    form: dict[str, str]
    api_method: str | None = None
    """Slack Web API method name (``chat.postMessage``); ``None`` for other services."""
    route: str = ""
    """The path the service routes on (GitHub: without an ``/api/v3`` prefix)."""
    received_at: float = 0.0
    """``time.monotonic()`` on arrival, to check retry spacing."""

    @overload
    def header(self, name: str) -> str | None: ...
    @overload
    def header(self, name: str, default: str) -> str: ...
    def header(self, name: str, default: str | None = None) -> str | None:
        """A header by case-insensitive name."""
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value
        return default

    @property
    def args(self) -> dict[str, Any]:
        """Query string, form fields and JSON object members merged (later ones win)."""
        merged: dict[str, Any] = dict(self.query)
        merged.update(self.form)
        if isinstance(self.json, dict):
            merged.update(self.json)
        return merged


@dataclass
class Fault:
    """A planned misbehaviour for the next ``times`` matching requests (``None``: forever)."""

    match: Matcher
    status: int | None = 500
    """Status to answer with; ``None`` answers with the real response (after ``delay``)."""
    times: int | None = 1
    retry_after: int | None = None
    body: Any = None
    """Response body: bytes/str as is, anything else as JSON; ``None``: the service's default."""
    delay: float = 0.0
    apply: bool = False
    """Run the real handler (its side effect happens) before delaying or failing."""
    headers: dict[str, str] = field(default_factory=dict)


def _candidate_names(request: RecordedRequest) -> list[str]:
    names = [request.path]
    if request.route and request.route != request.path:
        names.append(request.route)
    return names


def matches(match: Matcher, request: RecordedRequest) -> bool:
    """Whether ``match`` selects ``request``.

    A callable is asked directly. A string is ``"*"`` (everything), a Slack method name
    (``"chat.postMessage"``), or a path glob (``"/rest/api/*/issue"``, ``"/repos/o/r/pulls/*"``),
    optionally prefixed with an HTTP method (``"POST /rest/api/2/issue"``).
    """
    if callable(match):
        return match(request)
    pattern = match.strip()
    if pattern == "*":
        return True
    method, _, rest = pattern.partition(" ")
    if rest and method.isupper():
        if request.method != method:
            return False
        pattern = rest.strip()
    if request.api_method is not None and pattern == request.api_method:
        return True
    return any(fnmatch.fnmatchcase(name, pattern) for name in _candidate_names(request))


def json_bytes(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _parse_json(body: bytes, content_type: str) -> Any:
    if not body:
        return None
    looks_json = "json" in content_type or body.lstrip()[:1] in (b"{", b"[")
    if not looks_json:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


class _Captured:
    """A finished WSGI response, held so it can be sent after a delay."""

    def __init__(self, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def send(self, start_response: StartResponse) -> Iterable[bytes]:
        start_response(self.status, self.headers)
        return [self.body]


class FakeService:
    """Base class of the fakes: Flask app + request log + faults + server lifecycle.

    Subclasses register their routes on ``self.app`` in ``_register_routes`` and keep their
    in-memory state in ``_reset_state`` (called at construction and by :meth:`reset`).
    """

    name = "fake"

    def __init__(self) -> None:
        self.app = Flask(f"{type(self).__module__}.{type(self).__name__}")
        self.app.json.sort_keys = False  # type: ignore[attr-defined]
        self.lock = threading.RLock()
        """Held while a handler runs; take it in test helpers that touch state."""
        self._log_lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._faults: list[Fault] = []
        self._wake = threading.Event()
        self._generation = 0
        self._server: ServerThread | None = None
        self.before_answer: Callable[[RecordedRequest, int], None] | None = None
        """Called with a request and its status once it has been handled, outside the lock,
        before the answer is sent (not for a request a fault answers or delays): what a real
        service does meanwhile (Jira sends the
        webhooks of a change as it commits, and one may reach the app before the answer to
        the request that made the change)."""
        self._register_routes()
        with self.lock:
            self._reset_state()

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> Self:
        if self._server is None:
            self._server = ServerThread(self).start()
        return self

    def stop(self) -> None:
        self._interrupt_delays()
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` of the running fake."""
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return self._server.url

    def reset(self) -> None:
        """Forget state, recorded requests and pending faults; cut pending delays short."""
        self._interrupt_delays()
        with self._log_lock:
            self._requests.clear()
            self._faults.clear()
        self.before_answer = None
        with self.lock:
            self._reset_state()

    def _interrupt_delays(self) -> None:
        with self._log_lock:
            self._generation += 1
            old, self._wake = self._wake, threading.Event()
        old.set()

    # --- recordings -----------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received since the last reset, oldest first (a copy)."""
        with self._log_lock:
            return list(self._requests)

    def calls(self, match: Matcher = "*") -> list[RecordedRequest]:
        """The recorded requests that ``match`` selects (see :func:`matches`)."""
        return [r for r in self.requests if matches(match, r)]

    def last_call(self, match: Matcher = "*") -> RecordedRequest:
        """The most recent request that ``match`` selects; AssertionError if none."""
        found = self.calls(match)
        if not found:
            raise AssertionError(f"{type(self).__name__}: no request matching {match!r}")
        return found[-1]

    # --- faults ---------------------------------------------------------------------------

    def fail(
        self,
        match: Matcher,
        *,
        status: int = 500,
        times: int | None = 1,
        retry_after: int | None = None,
        body: Any = None,
        delay: float = 0.0,
        apply: bool = False,
        headers: dict[str, str] | None = None,
    ) -> Fault:
        """Answer the next ``times`` matching requests with ``status``.

        ``retry_after`` sets ``Retry-After`` (429 defaults to 1 second). ``apply=True`` runs
        the real handler first, so the side effect happens although the client sees a failure.
        """
        if status == HTTPStatus.TOO_MANY_REQUESTS and retry_after is None:
            retry_after = 1
        fault = Fault(
            match=match,
            status=status,
            times=times,
            retry_after=retry_after,
            body=body,
            delay=delay,
            apply=apply,
            headers=dict(headers or {}),
        )
        return self._add_fault(fault)

    def delay(self, match: Matcher, seconds: float, *, times: int | None = 1) -> Fault:
        """Hold the next matching requests for ``seconds`` before handling them normally."""
        return self._add_fault(Fault(match=match, status=None, times=times, delay=seconds))

    def slow_after_apply(self, match: Matcher, seconds: float, *, times: int | None = 1) -> Fault:
        """Handle the request at once (side effect applied), then hold the answer ``seconds``.

        With ``seconds`` above the client's timeout this is the "outcome unknown" case: the
        client times out although the message was posted / the issue created.
        """
        fault = Fault(match=match, status=None, times=times, delay=seconds, apply=True)
        return self._add_fault(fault)

    def clear_faults(self) -> None:
        with self._log_lock:
            self._faults.clear()

    @property
    def pending_faults(self) -> list[Fault]:
        with self._log_lock:
            return list(self._faults)

    def _add_fault(self, fault: Fault) -> Fault:
        if fault.times is not None and fault.times < 1:
            raise ValueError("times must be at least 1, or None for every request")
        with self._log_lock:
            self._faults.append(fault)
        return fault

    def _take_fault(self, request: RecordedRequest) -> Fault | None:
        with self._log_lock:
            for fault in self._faults:
                if matches(fault.match, request):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self._faults.remove(fault)
                    return fault
        return None

    # --- subclass hooks -------------------------------------------------------------------

    def _register_routes(self) -> None:
        """Add the service's routes to ``self.app``."""

    def _reset_state(self) -> None:
        """(Re)create the in-memory state; called with ``self.lock`` held."""

    def _describe(self, path: str) -> tuple[str | None, str]:
        """``(api_method, route)`` for a request path."""
        return None, path

    def _fault_payload(self, fault: Fault, request: RecordedRequest) -> Any:
        """The JSON body a fault answers with when it has no explicit ``body``."""
        return {"message": _phrase(fault.status or 500)}

    def _fault_headers(self, fault: Fault, request: RecordedRequest) -> dict[str, str]:
        """Extra headers of a fault answer (``Retry-After`` is added by the base class)."""
        return {}

    # --- WSGI -----------------------------------------------------------------------------

    def __call__(self, environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        request = self._record(environ)
        with self._log_lock:
            generation, wake = self._generation, self._wake
        fault = self._take_fault(request)
        if fault is None:
            captured = self._dispatch(environ)
            if self.before_answer is not None:
                self.before_answer(request, int(captured.status.split()[0]))
            return captured.send(start_response)

        captured: _Captured | None = None
        if fault.apply:
            captured = self._dispatch(environ)
        if fault.delay > 0:
            wake.wait(fault.delay)
            if self._generation != generation:
                # reset() or stop() happened meanwhile: the request belongs to a finished test.
                return self._plain(503, {"message": "fake reset"}).send(start_response)
        if fault.status is None:
            if captured is None:
                captured = self._dispatch(environ)
            return captured.send(start_response)
        return self._fault_answer(fault, request).send(start_response)

    def _record(self, environ: WSGIEnviron) -> RecordedRequest:
        wsgi_request = Request(environ)
        body = wsgi_request.get_data(cache=True)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        content_type = wsgi_request.headers.get("Content-Type", "")
        form: dict[str, str] = {}
        if "application/x-www-form-urlencoded" in content_type:
            form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        api_method, route = self._describe(wsgi_request.path)
        recorded = RecordedRequest(
            method=wsgi_request.method,
            path=wsgi_request.path,
            query=dict(wsgi_request.args.items()),
            headers=dict(wsgi_request.headers.items()),
            body=body,
            json=_parse_json(body, content_type),
            form=form,
            api_method=api_method,
            route=route,
            received_at=time.monotonic(),
        )
        with self._log_lock:
            self._requests.append(recorded)
        return recorded

    def _dispatch(self, environ: WSGIEnviron) -> _Captured:
        """Run the Flask app under the state lock and keep its whole response."""
        holder: dict[str, Any] = {}
        written: list[bytes] = []

        def capture(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None, /
        ) -> Callable[[bytes], object]:
            holder["status"], holder["headers"] = status, headers
            return written.append

        with self.lock:
            chunks = self.app(environ, capture)
            try:
                body = b"".join([*written, *chunks])
            finally:
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()
        return _Captured(holder["status"], holder["headers"], body)

    def _fault_answer(self, fault: Fault, request: RecordedRequest) -> _Captured:
        status = fault.status or 500
        headers = self._fault_headers(fault, request)
        if fault.retry_after is not None:
            headers["Retry-After"] = str(fault.retry_after)
        headers.update(fault.headers)
        body = fault.body if fault.body is not None else self._fault_payload(fault, request)
        return self._plain(status, body, headers)

    @staticmethod
    def _plain(status: int, body: Any, headers: dict[str, str] | None = None) -> _Captured:
        if isinstance(body, bytes):
            data, content_type = body, "text/plain; charset=utf-8"
        elif isinstance(body, str):
            data, content_type = body.encode(), "text/plain; charset=utf-8"
        else:
            data, content_type = json_bytes(body), "application/json; charset=utf-8"
        out = {"Content-Type": content_type, "Content-Length": str(len(data))}
        out.update(headers or {})
        return _Captured(f"{status} {_phrase(status)}".strip(), list(out.items()), data)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
