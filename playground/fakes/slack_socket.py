"""Slack's Socket Mode WebSocket endpoint, on 127.0.0.1, for the fake Slack.

Mirrors what Slack does (https://docs.slack.dev/apis/events-api/using-socket-mode/):

- the app first calls ``apps.connections.open`` with its ``xapp-`` token and gets a one-time
  ``wss://wss-primary.slack.com/link/?ticket=...&app_id=...`` URL; here it is
  ``ws://127.0.0.1:<port>/link/?ticket=...&app_id=...`` (slack_sdk's built-in client uses a
  plain socket for any port but 443). A URL works once; a reused or unknown ticket is refused.
- on connect Slack sends ``{"type": "hello", "num_connections": N, ...}``;
- each delivery is an envelope ``{"envelope_id", "type", "payload", "accepts_response_payload"}``
  (``events_api`` envelopes also carry ``retry_attempt`` and ``retry_reason``), sent to one of
  the app's open connections — here always the most recent one, to stay deterministic;
- the app acknowledges with ``{"envelope_id": ..., "payload": {...}?}``;
- before Slack refreshes a connection it sends ``{"type": "disconnect", "reason": ...}``.

Protocol pings are answered by the ``websockets`` library; the fake also pings its clients.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

APP_ID = "A0TEST"


@dataclass(frozen=True)
class Ack:
    """An acknowledgement the app sent back over the socket."""

    envelope_id: str
    payload: dict[str, Any] | None
    raw: dict[str, Any]


class SocketModeServer:
    """A WebSocket server speaking Slack's Socket Mode protocol, run in its own threads."""

    def __init__(self, app_id: str = APP_ID, host: str = "127.0.0.1") -> None:
        self.app_id = app_id
        self.host = host
        self._cond = threading.Condition()
        self._tickets: set[str] = set()
        self._connections: list[ServerConnection] = []
        self._acks: dict[str, Ack] = {}
        self._ack_order: list[Ack] = []
        self._received: list[dict[str, Any]] = []
        self._sent: list[dict[str, Any]] = []
        self._handshakes = 0
        self._envelope_counter = 0
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        if self._server is not None:
            return
        self._server = serve(
            self._handle,
            self.host,
            0,
            process_request=self._check_ticket,
            compression=None,
            ping_interval=0.5,
            ping_timeout=20,
            close_timeout=1,
        )
        self.port = self._server.socket.getsockname()[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"socket-mode-{self.port}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is None:
            return
        self.disconnect_all(send_disconnect=False)
        self._server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def reset(self) -> None:
        """Drop every connection and forget tickets, envelopes and acks."""
        self.disconnect_all(send_disconnect=False)
        with self._cond:
            self._tickets.clear()
            self._acks.clear()
            self._ack_order.clear()
            self._received.clear()
            self._sent.clear()
            self._handshakes = 0
            self._envelope_counter = 0

    # --- tickets --------------------------------------------------------------------------

    def issue_url(self) -> str:
        """A fresh one-time connection URL (what ``apps.connections.open`` returns)."""
        ticket = str(uuid.uuid4())
        with self._cond:
            self._tickets.add(ticket)
        return f"ws://{self.host}:{self.port}/link/?ticket={ticket}&app_id={self.app_id}"

    def _check_ticket(self, connection: ServerConnection, request: Request) -> Response | None:
        query = parse_qs(urlsplit(request.path).query)
        ticket = (query.get("ticket") or [""])[0]
        with self._cond:
            if ticket not in self._tickets:
                return connection.respond(HTTPStatus.UNAUTHORIZED, "invalid_ticket\n")
            self._tickets.discard(ticket)
        return None

    # --- connections ----------------------------------------------------------------------

    def _handle(self, connection: ServerConnection) -> None:
        with self._cond:
            self._connections.append(connection)
            self._handshakes += 1
            count = len(self._connections)
            self._cond.notify_all()
        try:
            self._send(
                connection,
                {
                    "type": "hello",
                    "num_connections": count,
                    "debug_info": {
                        "host": "applink-fake",
                        "build_number": 1,
                        "approximate_connection_time": 18060,
                    },
                    "connection_info": {"app_id": self.app_id},
                },
            )
            for message in connection:
                self._on_message(message)
        except ConnectionClosed:
            pass
        finally:
            with self._cond:
                if connection in self._connections:
                    self._connections.remove(connection)
                self._cond.notify_all()

    def _on_message(self, message: str | bytes) -> None:
        text = message.decode() if isinstance(message, bytes) else message
        try:
            data = json.loads(text)
        except ValueError:
            data = {"_unparsed": text}
        if not isinstance(data, dict):
            data = {"_unparsed": text}
        with self._cond:
            self._received.append(data)
            envelope_id = data.get("envelope_id")
            if isinstance(envelope_id, str):
                payload = data.get("payload")
                ack = Ack(
                    envelope_id=envelope_id,
                    payload=payload if isinstance(payload, dict) else None,
                    raw=data,
                )
                self._acks[envelope_id] = ack
                self._ack_order.append(ack)
            self._cond.notify_all()

    def _send(self, connection: ServerConnection, message: dict[str, Any]) -> None:
        connection.send(json.dumps(message))
        with self._cond:
            self._sent.append(message)

    @property
    def connected_clients(self) -> int:
        with self._cond:
            return len(self._connections)

    @property
    def connections_opened(self) -> int:
        """Successful handshakes since the last reset (reconnections included)."""
        with self._cond:
            return self._handshakes

    def wait_for_clients(self, count: int = 1, timeout: float = 5.0) -> None:
        """Block until at least ``count`` connections are open."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._connections) >= count, timeout):
                raise TimeoutError(
                    f"{len(self._connections)} Socket Mode connection(s), wanted {count}"
                )

    def wait_for_handshakes(self, count: int, timeout: float = 5.0) -> None:
        """Block until ``count`` handshakes have happened since the last reset."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._handshakes >= count, timeout):
                raise TimeoutError(f"{self._handshakes} handshake(s), wanted {count}")

    def disconnect_all(
        self, *, send_disconnect: bool = True, reason: str = "refresh_requested"
    ) -> int:
        """Close every connection; by default first send Slack's ``disconnect`` message.

        Returns how many connections were closed. A client with auto-reconnect (slack_sdk's)
        then asks ``apps.connections.open`` for a new URL and connects again.
        """
        with self._cond:
            connections = list(self._connections)
        for connection in connections:
            if send_disconnect:
                try:
                    self._send(
                        connection,
                        {
                            "type": "disconnect",
                            "reason": reason,
                            "debug_info": {"host": "applink-fake"},
                        },
                    )
                except ConnectionClosed:
                    continue
            threading.Thread(target=connection.close, daemon=True).start()
        deadline = time.monotonic() + 2.0
        with self._cond:
            self._cond.wait_for(
                lambda: not any(c in self._connections for c in connections),
                max(0.0, deadline - time.monotonic()),
            )
        return len(connections)

    # --- envelopes ------------------------------------------------------------------------

    def send_envelope(
        self,
        type: str,
        payload: dict[str, Any],
        envelope_id: str | None = None,
        *,
        accepts_response_payload: bool | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
        timeout: float = 5.0,
    ) -> str:
        """Deliver ``payload`` in a Socket Mode envelope; returns the envelope id.

        Waits up to ``timeout`` for a connection. ``accepts_response_payload`` defaults as
        Slack sets it: true for slash commands, view submissions and block suggestions.
        """
        self.wait_for_clients(1, timeout)
        with self._cond:
            self._envelope_counter += 1
            if envelope_id is None:
                envelope_id = f"{self._envelope_counter:08d}-fake-envelope"
            connection = self._connections[-1]
        if accepts_response_payload is None:
            accepts_response_payload = type == "slash_commands" or (
                type == "interactive"
                and payload.get("type") in ("view_submission", "block_suggestion")
            )
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": type,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        if type == "events_api":
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason
        self._send(connection, envelope)
        return envelope_id

    def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> Ack:
        """The app's acknowledgement of ``envelope_id``; TimeoutError if none comes."""
        with self._cond:
            if not self._cond.wait_for(lambda: envelope_id in self._acks, timeout):
                raise TimeoutError(f"no ack for envelope {envelope_id} within {timeout}s")
            return self._acks[envelope_id]

    @property
    def acks(self) -> list[Ack]:
        with self._cond:
            return list(self._ack_order)

    @property
    def received(self) -> list[dict[str, Any]]:
        """Every text frame the clients sent, parsed."""
        with self._cond:
            return list(self._received)

    @property
    def sent(self) -> list[dict[str, Any]]:
        """Every message the fake sent (hello, envelopes, disconnect)."""
        with self._cond:
            return list(self._sent)
