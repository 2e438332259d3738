"""Socket Mode: the same Bolt app, reached over Slack's WebSocket instead of `/slack/events`.

With `SLACK_APP_TOKEN` (`xapp-…`) set, `python app.py` connects with slack_sdk's built-in
Socket Mode client (through `SLACK_API_URL`'s `apps.connections.open`) while still serving the
HTTP routes, as Bolt's `examples/socket_mode_healthcheck.py` does in one process.

- Slack being unreachable at start-up does not stop the service: the first connection is
  retried in the background with backoff; later drops are the client's auto-reconnect.
- `/health` carries `"socket_mode": "connected" | "disconnected"` and answers 503 while the
  connection is down, so an orchestrator notices a process Slack can no longer reach.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Protocol

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.errors import SlackApiError, SlackClientError

from settings import Settings

log = logging.getLogger(__name__)

HEALTH_CHECK = "socket_mode"
FIRST_RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 30.0


class SocketModeRunner:
    def __init__(self, app: App, app_token: str, *, ping_interval: float = 10.0) -> None:
        self._handler = SocketModeHandler(
            app, app_token=app_token, ping_interval=ping_interval, logger=log
        )
        self._client = self._handler.client
        self._client.on_close_listeners.append(self._on_close)
        self._stopped = threading.Event()
        self._was_connected = False
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def connected(self) -> bool:
        return self._client.is_connected()

    def start(self) -> SocketModeRunner:
        """Connect in the background (retrying until Slack answers); returns at once."""
        self._thread = threading.Thread(
            target=self._connect_until_up, name="socket-mode-connect", daemon=True
        )
        self._thread.start()
        return self

    def _connect_until_up(self) -> None:
        delay = FIRST_RETRY_SECONDS
        while not self._stopped.is_set():
            try:
                self._handler.connect()
            except (SlackApiError, SlackClientError, OSError) as error:
                code = (
                    error.response.get("error") if isinstance(error, SlackApiError) else None
                ) or type(error).__name__
                log.warning("socket_mode.connect_failed error=%s retry_in=%.0fs", code, delay)
                self._stopped.wait(delay)
                delay = min(delay * 2, MAX_RETRY_SECONDS)
                continue
            with self._lock:
                self._was_connected = True
            log.info("socket_mode.connected")
            return

    def _on_close(self, code: int, reason: str | None = None) -> None:
        if not self._stopped.is_set():
            log.warning("socket_mode.disconnected code=%s reason=%s", code, reason or "")

    def health(self) -> tuple[bool, str]:
        """`(ok, "connected" | "connecting" | "disconnected")` for `/health`."""
        if self.connected:
            return True, "connected"
        with self._lock:
            return False, "disconnected" if self._was_connected else "connecting"

    def wait_connected(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.connected:
                return True
            time.sleep(0.02)
        return self.connected

    def stop(self) -> None:
        self._stopped.set()
        self._handler.close()
        if self._thread is not None:
            self._thread.join(timeout=5)


class SocketModeHost(Protocol):
    """What Socket Mode needs of the process it joins (`web.runtime.Runtime`)."""

    bolt: App | None
    health_checks: dict[str, Any] | None

    @property
    def settings(self) -> Settings: ...


def start_socket_mode(
    runtime: SocketModeHost, *, ping_interval: float = 10.0
) -> SocketModeRunner | None:
    """Connect the runtime's Bolt app over Socket Mode when `SLACK_APP_TOKEN` is set, and
    add the connection to `/health`. `None` when there is nothing to connect."""
    settings = runtime.settings
    if runtime.bolt is None or settings.slack_app_token is None:
        return None
    runner = SocketModeRunner(
        runtime.bolt, settings.slack_app_token.get_secret_value(), ping_interval=ping_interval
    ).start()
    if runtime.health_checks is None:
        runtime.health_checks = {}
    runtime.health_checks[HEALTH_CHECK] = runner.health
    return runner
