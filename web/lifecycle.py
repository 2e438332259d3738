"""How a process of the service stops: a signal only sets state; the main thread does the rest.

SIGTERM or SIGINT asks the process to stop (`StopSignals`). The main thread, waiting for
that, then (`shut_down`):

1. stops the delivery worker's claiming: no new event is taken;
2. stops accepting HTTP requests and closes Socket Mode;
3. lets the HTTP requests in flight and the deliveries in hand finish, for up to
   `CONNECT_SHUTDOWN_GRACE_SECONDS` in all; a delivery still running then is released, and
   the next worker delivers it (`Worker.stop`); the intake's group-commit writer, which
   those requests waited for, then commits what is queued and stops
   (`storage.intake_writer`);
4. returns, and the process exits 0.

Nothing is raised from a signal handler, so no lock is left held and no frame (logging's own
shutdown, a database write) is cut in the middle. A second signal during the shutdown exits
at once, status 0, with one line on stderr and no traceback; the leases of deliveries still
running then run out, or are released by the next worker on the host at its start
(`integrations.delivery.registry`). A repeat within `REPEAT_WINDOW_SECONDS` of the first
signal is the same request delivered twice (`make` forwards SIGTERM to its child, which
also gets the process group's) and is ignored.

Under gunicorn (`gunicorn.conf.py`) gunicorn owns the signals and the HTTP side; its hooks call
`gunicorn_post_worker_init`, which makes SIGTERM/SIGINT/SIGQUIT also stop the in-process
delivery worker's claiming, and `gunicorn_worker_exit`, which lets its deliveries finish or
releases them when the gunicorn worker process exits (and stops its intake writer).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol

from werkzeug.wsgi import ClosingIterator

from integrations.delivery.worker import Worker

if TYPE_CHECKING:
    from gunicorn.workers.base import Worker as GunicornWorker
    from werkzeug.serving import BaseWSGIServer

log = logging.getLogger("connect")

REPEAT_WINDOW_SECONDS = 1.0
POLL_SECONDS = 0.1

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class Stoppable(Protocol):
    """Socket Mode (`bot.socket_mode.SocketModeRunner`)."""

    def stop(self) -> None: ...


def exit_now(signum: int) -> None:
    """Leave at once, from a signal handler: one line straight to stderr (a buffered stream
    may be in the middle of a write), then `os._exit` (no frame is unwound)."""
    name = signal.Signals(signum).name
    os.write(2, f"connect: {name} during shutdown: exiting now\n".encode())
    os._exit(0)


class StopSignals:
    """The process's stop request, set by SIGTERM/SIGINT (`install`); the main thread waits
    for it (`wait`) and then shuts down."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self._at = 0.0

    def install(self, signums: Iterable[int] = (signal.SIGTERM, signal.SIGINT)) -> StopSignals:
        for signum in signums:
            signal.signal(signum, self._handle)
        return self

    def request(self, signum: int) -> None:
        """As if `signum` had arrived now (gunicorn's own handler took the first one)."""
        self.signum, self._at = signum, time.monotonic()

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name if self.signum is not None else "none"

    def wait(self) -> None:
        while self.signum is None:
            time.sleep(POLL_SECONDS)

    def _handle(self, signum: int, _frame: object) -> None:
        if self.signum is None:
            self.request(signum)
        elif time.monotonic() - self._at >= REPEAT_WINDOW_SECONDS:
            exit_now(signum)


class InFlight:
    """WSGI middleware counting the requests being answered, so a stop can wait for them."""

    def __init__(self, app: WSGIApp) -> None:
        self._app = app
        self._count = 0
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        with self._lock:
            self._count += 1
        try:
            return ClosingIterator(self._app(environ, start_response), [self._done])
        except BaseException:
            self._done()
            raise

    def _done(self) -> None:
        with self._lock:
            self._count -= 1

    def wait_idle(self, deadline: float) -> int:
        """Wait until no request is in flight or `deadline`; returns how many still are."""
        while self._count > 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        return self._count


class Closable(Protocol):
    """The intake's group-commit writer (`storage.intake_writer.IntakeWriter`)."""

    def close(self, timeout: float = ...) -> None: ...


def shut_down(
    stop: StopSignals,
    *,
    grace: float,
    server: BaseWSGIServer,
    in_flight: InFlight,
    socket_mode: Stoppable | None,
    worker: Worker | None,
    intake: Closable | None = None,
) -> None:
    """Stop `python app.py` within `grace` seconds, as the module docstring says."""
    started = time.monotonic()
    deadline = started + grace
    log.info("shutdown.started signal=%s grace=%ss", stop.name, grace)
    if worker is not None:
        worker.request_stop()
    log.info("http.stopping")
    server.shutdown()  # serve_forever returns within its poll interval
    if socket_mode is not None:
        socket_mode.stop()
    unanswered = in_flight.wait_idle(deadline)
    server.server_close()
    if intake is not None:  # no request waits for it now; it commits what is queued
        intake.close(max(0.1, deadline - time.monotonic()))
    released = worker.stop(max(0.0, deadline - time.monotonic())) if worker is not None else 0
    log.info(
        "shutdown.done in=%.1fs unanswered_requests=%s released_deliveries=%s",
        time.monotonic() - started,
        unanswered,
        released,
    )


def stop_worker(reason: str, worker: Worker) -> None:
    """Stop `python app.py worker` (or a gunicorn worker's delivery threads) within the
    grace (`Worker.stop`)."""
    started = time.monotonic()
    log.info("shutdown.started signal=%s grace=%ss", reason, worker.config.shutdown_grace_seconds)
    released = worker.stop()
    log.info("shutdown.done in=%.1fs released_deliveries=%s", time.monotonic() - started, released)


# gunicorn hooks (gunicorn.conf.py) ------------------------------------------------------


def _delivery_worker(gunicorn_worker: GunicornWorker) -> Worker | None:
    from web.webhooks import WORKER_EXTENSION

    extensions = getattr(getattr(gunicorn_worker, "wsgi", None), "extensions", None) or {}
    found = extensions.get(WORKER_EXTENSION)
    return found if isinstance(found, Worker) else None


def gunicorn_post_worker_init(gunicorn_worker: GunicornWorker) -> None:
    """Chain gunicorn's SIGTERM/SIGINT/SIGQUIT handlers: the delivery worker stops claiming
    as soon as one arrives, while gunicorn finishes its HTTP requests."""
    delivery = _delivery_worker(gunicorn_worker)
    if delivery is None:
        return
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT):
        previous = signal.getsignal(signum)
        if not callable(previous):  # not gunicorn's: leave it as it is
            continue

        def chained(sig: int, frame: Any, previous: Callable[[int, Any], Any] = previous) -> None:
            delivery.request_stop()
            previous(sig, frame)

        signal.signal(signum, chained)
    signal.siginterrupt(signal.SIGTERM, False)  # as gunicorn set it: requests go on


def _intake_writer(gunicorn_worker: GunicornWorker) -> Closable | None:
    from web.runtime import EXTENSION

    extensions = getattr(getattr(gunicorn_worker, "wsgi", None), "extensions", None) or {}
    runtime = extensions.get(EXTENSION)
    return runtime.repos.intake if runtime is not None else None


def gunicorn_worker_exit(gunicorn_worker: GunicornWorker) -> None:
    """The gunicorn worker is exiting, its requests answered: the intake's writer commits
    what is queued and stops; the deliveries in hand finish within the grace, or are
    released; from now on a further signal exits at once instead of raising."""
    intake = _intake_writer(gunicorn_worker)
    if intake is not None:
        intake.close()
    delivery = _delivery_worker(gunicorn_worker)
    if delivery is None:
        return
    StopSignals().install((signal.SIGTERM, signal.SIGINT, signal.SIGQUIT)).request(signal.SIGTERM)
    stop_worker("gunicorn", delivery)
