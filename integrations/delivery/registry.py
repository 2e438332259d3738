"""The worker registry: which delivery worker processes run, and the release, at once, of the
leases of one that is certainly gone.

Each started worker (`Worker.start`) keeps an entry in `delivery_workers`: its id (the prefix
of every lease holder id of its threads), its role (`web`: the threads `create_app` starts;
`worker`: `python app.py worker`), host, pid, the host's boot id, its pid namespace and its
start time; it renews `heartbeat_at` every `heartbeat_seconds` and removes the entry when it
stops cleanly.

A killed worker's leases would hold its events until they run out (`lease_seconds`). On its
own host a worker can tell whether another one still runs, so at start and at every
heartbeat it looks at the entries of its host and releases the leases of each worker that is
certainly gone (`gone`): the host has restarted since (another boot id), or, in the same pid
namespace, its pid runs no more or runs a process started at another time.

So a restarted worker releases its previous instance's leases as it starts, and a live
sibling on the host releases a killed worker's within one heartbeat. Released events become
claimable `SETTLE_SECONDS` later: time for a request the dead process had already sent to
reach Slack before the next worker reads the thread back to avoid posting twice. Everything
else is left to its leases, which run out `lease_seconds` after their last renewal: workers on
other hosts, and those in another pid namespace (a restarted container cannot tell its
predecessor from a sibling container sharing the hostname, as with host networking).
Entries silent for `STALE_SECONDS` are deleted.

Assumed, as for the lease holder ids themselves: hostnames are unique among running hosts
(the default on VMs, Docker and Kubernetes), so another boot id means a restart.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from storage import Repositories
from storage.domain import RegisteredWorker
from storage.types import utcnow

log = logging.getLogger(__name__)

SETTLE_SECONDS = 2.0
STALE_SECONDS = 600.0


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text().strip() or None
    except OSError:
        return None


def _stat(pid: int) -> tuple[str, str] | None:
    """`(state, start time in clock ticks since boot)` of `pid` from /proc, if readable."""
    stat = _read(f"/proc/{pid}/stat")
    fields = stat.rpartition(")")[2].split() if stat else []  # after "pid (comm)"
    return (fields[0], fields[19]) if len(fields) > 19 else None


def _pid_namespace() -> str | None:
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return None


@dataclass(frozen=True, slots=True)
class ProcessIdentity:
    """What tells this process apart from any other, now or later, on its host."""

    host: str
    pid: int
    boot_id: str | None
    pid_namespace: str | None
    process_start: str | None

    @classmethod
    def current(cls) -> ProcessIdentity:
        pid = os.getpid()
        stat = _stat(pid)
        return cls(
            host=socket.gethostname(),
            pid=pid,
            boot_id=_read("/proc/sys/kernel/random/boot_id"),
            pid_namespace=_pid_namespace(),
            process_start=stat[1] if stat else None,
        )


def is_running(pid: int, process_start: str | None) -> bool:
    """Whether `pid` (in this pid namespace) still runs the process started at
    `process_start`; True when that cannot be told."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it runs, as another user
    stat = _stat(pid)
    if stat is None:
        return True
    state, started = stat
    return state not in ("Z", "X") and (process_start is None or started == process_start)


def gone(entry: RegisteredWorker, me: ProcessIdentity) -> str | None:
    """Why the worker of `entry` certainly runs no more, or None when it may."""
    if entry.host != me.host:
        return None
    if entry.boot_id and me.boot_id and entry.boot_id != me.boot_id:
        return "its host has restarted since"
    # Its pid means something here only in this pid namespace (unknown on Linux: assume not).
    known = me.pid_namespace is not None or me.boot_id is None
    if known and entry.pid_namespace == me.pid_namespace:
        return None if is_running(entry.pid, entry.process_start) else "its process is gone"
    return None


class Presence:
    """This worker's entry in the registry: joined at start, renewed by a heartbeat thread
    that also releases the leases of dead workers on this host; removed at `stop`."""

    def __init__(
        self,
        repos: Repositories,
        worker_id: str,
        role: str,
        *,
        heartbeat_seconds: float,
        identity: ProcessIdentity | None = None,
    ) -> None:
        self._repos = repos
        self.worker_id = worker_id
        self.role = role
        self._heartbeat = heartbeat_seconds
        self.identity = identity or ProcessIdentity.current()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="worker-heartbeat", daemon=True)

    def start(self) -> Presence:
        """Release the leases of dead workers on this host, then join (before any claim)."""
        try:
            self.sweep()
            self._join()
        except Exception as exc:  # the database is down: the heartbeat tries again
            log.warning(
                "worker.registry_error worker=%s type=%s", self.worker_id, type(exc).__name__
            )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join(5.0)
        try:
            self._repos.workers.leave(self.worker_id)
        except Exception as exc:  # its entry goes stale and is pruned
            log.warning(
                "worker.registry_error worker=%s type=%s", self.worker_id, type(exc).__name__
            )

    def sweep(self) -> list[int]:
        """Release the leases of every worker on this host that is certainly gone."""
        released: list[int] = []
        for entry in self._repos.workers.on_host(self.identity.host):
            why = None if entry.id == self.worker_id else gone(entry, self.identity)
            if why is None:
                continue
            until = utcnow() + timedelta(seconds=SETTLE_SECONDS)
            ids = self._repos.queue.release_holder(entry.id + ":", until=until)
            self._repos.workers.leave(entry.id)
            log.warning(
                "worker.released_dead worker=%s pid=%s reason=%s events=%s",
                entry.id,
                entry.pid,
                why,
                ",".join(map(str, ids)) or "none",
            )
            released += ids
        return released

    def _join(self) -> None:
        me, now = self.identity, utcnow()
        self._repos.workers.join(
            RegisteredWorker(
                id=self.worker_id,
                role=self.role,
                host=me.host,
                pid=me.pid,
                boot_id=me.boot_id,
                pid_namespace=me.pid_namespace,
                process_start=me.process_start,
                started_at=now,
                heartbeat_at=now,
            )
        )

    def _beat(self) -> None:
        while not self._stopped.wait(self._heartbeat):
            try:
                if not self._repos.workers.beat(self.worker_id):
                    self._join()
                self.sweep()
                self._repos.workers.prune(older_than=utcnow() - timedelta(seconds=STALE_SECONDS))
            except Exception as exc:  # the database is down: try again next beat
                log.warning(
                    "worker.registry_error worker=%s type=%s", self.worker_id, type(exc).__name__
                )
