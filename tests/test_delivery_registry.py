"""The worker registry (`delivery_workers`) and early lease releases, on each database:
a worker process found dead on this host has its leases released at once, in thread order;
anything that may still run keeps them; a stopping worker's release waits out a Slack call
it already allowed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta

import pytest

from integrations.delivery.lease import Lease
from integrations.delivery.registry import (
    SETTLE_SECONDS,
    Presence,
    ProcessIdentity,
    gone,
    is_running,
)
from storage import Repositories
from storage.domain import RegisteredWorker
from storage.types import utcnow
from tests.test_delivery_queue import _claim, _event

ME = ProcessIdentity.current()


def entry(worker_id: str, role: str = "worker", **changes: object) -> RegisteredWorker:
    now = utcnow()
    me = RegisteredWorker(
        id=worker_id,
        role=role,
        host=ME.host,
        pid=ME.pid,
        boot_id=ME.boot_id,
        pid_namespace=ME.pid_namespace,
        process_start=ME.process_start,
        started_at=now,
        heartbeat_at=now,
    )
    return replace(me, **changes)  # type: ignore[arg-type]


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def presence(repos: Repositories, worker_id: str = "me:1:aaaaaa", role: str = "worker") -> Presence:
    return Presence(repos, worker_id, role, heartbeat_seconds=60)


# The registry ------------------------------------------------------------------------------


def test_a_worker_joins_beats_and_leaves(repos: Repositories) -> None:
    registry = repos.workers
    registry.join(entry("host-a:10:abcdef"))
    registry.join(replace(entry("other:10:abcdef"), host="other-host"))
    assert [w.id for w in registry.on_host(ME.host)] == ["host-a:10:abcdef"]
    later = utcnow() + timedelta(seconds=30)
    assert registry.beat("host-a:10:abcdef", now=later)
    found = registry.get("host-a:10:abcdef")
    assert found is not None
    assert abs(found.heartbeat_at - later) < timedelta(milliseconds=1)
    assert found.process_start == ME.process_start
    assert registry.prune(older_than=utcnow() + timedelta(seconds=10)) == 1  # other-host
    registry.leave("host-a:10:abcdef")
    assert not registry.beat("host-a:10:abcdef")  # gone: the worker joins again
    assert registry.on_host(ME.host) == []


def test_release_holder_takes_only_that_workers_leases(repos: Repositories) -> None:
    dead, alive = _event(repos, "jira:A-1"), _event(repos, "jira:B-1")
    done = _event(repos, "jira:C-1")
    [claim_dead] = _claim(repos, "h_st:1:%a:0", limit=1)  # LIKE wildcards in the name
    [claim_alive] = _claim(repos, "hxst:1:Za:0", limit=1)
    [claim_done] = _claim(repos, "h_st:1:%a:1", limit=1)
    assert repos.queue.complete(claim_done, "h_st:1:%a:1")
    assert (claim_dead.id, claim_alive.id, claim_done.id) == (dead, alive, done)

    until = utcnow() + timedelta(seconds=2)
    assert repos.queue.release_holder("h_st:1:%a:", until=until) == [dead]
    assert _claim(repos, "w2") == []  # not before `until`
    [taken] = _claim(repos, "w2", now=until + timedelta(milliseconds=10))
    assert taken.id == dead
    assert [a.outcome for a in repos.integrations.attempts(dead)] == ["abandoned", "running"]
    assert "released" in (repos.integrations.attempts(dead)[0].error or "")


# Who is gone --------------------------------------------------------------------------------


def test_what_tells_a_dead_worker_on_this_host() -> None:
    assert is_running(ME.pid, ME.process_start)
    assert not is_running(dead_pid(), None)
    assert gone(entry("me"), ME) is None
    assert gone(entry("x", pid=dead_pid()), ME) == "its process is gone"
    if ME.process_start is not None:  # the pid now runs a process started at another time
        assert gone(entry("x", process_start="1"), ME) == "its process is gone"
    assert gone(entry("x", boot_id="another-boot"), ME) == "its host has restarted since"
    # Another pid namespace (a container sharing the hostname): its pid cannot be asked.
    assert gone(entry("x", pid_namespace="pid:[1]", pid=dead_pid()), ME) is None
    assert gone(entry("x", host="elsewhere", pid=dead_pid()), ME) is None


def test_a_starting_worker_releases_the_leases_of_dead_workers_on_its_host(
    repos: Repositories,
) -> None:
    events = {name: _event(repos, f"jira:{name}-1") for name in ("DEAD", "LIVE", "FAR")}
    workers = {
        "DEAD": entry("host:1:dead00", pid=dead_pid()),
        "LIVE": entry("host:2:live00"),  # this very process: running
        "FAR": entry("far:3:far000", host="elsewhere", pid=dead_pid()),  # cannot be asked
    }
    for name, worker in workers.items():
        repos.workers.join(worker)
        [claim] = _claim(repos, f"{worker.id}:0", limit=1)
        assert claim.id == events[name]

    starting = presence(repos).start()
    try:
        assert {w.id for w in repos.workers.on_host(ME.host)} == {
            "host:2:live00",
            starting.worker_id,
        }
        soon = utcnow() + timedelta(seconds=SETTLE_SECONDS + 0.1)
        assert [c.id for c in _claim(repos, "next:0", now=soon)] == [events["DEAD"]]
        assert starting.sweep() == []  # nothing more to release
    finally:
        starting.stop()
    assert repos.workers.get(starting.worker_id) is None  # a clean stop leaves


def test_a_released_thread_keeps_its_order(repos: Repositories) -> None:
    first, second = _event(repos, "jira:A-1"), _event(repos, "jira:A-1")
    repos.workers.join(entry("host:1:dead00", pid=dead_pid()))
    [claim] = _claim(repos, "host:1:dead00:0")
    assert claim.id == first
    assert presence(repos).sweep() == [first]
    soon = utcnow() + timedelta(seconds=SETTLE_SECONDS + 0.1)
    [again] = _claim(repos, "next:0", now=soon)
    assert again.id == first  # the head again, not its successor
    assert repos.queue.complete(again, "next:0")
    [then] = _claim(repos, "next:0", now=soon)
    assert then.id == second


# A stopping worker's release ---------------------------------------------------------------


def test_a_released_lease_allows_no_more_calls_and_waits_out_the_last_one(
    repos: Repositories,
) -> None:
    _event(repos, "jira:A-1")
    [claim] = repos.queue.claim("w1:0", [("jira", "slack")], lease_seconds=60)
    lease = Lease(repos.queue, claim, "w1:0", 60, margin=10).start()
    try:
        assert lease.held()  # a Slack call starts: it may take up to 10 s
        assert lease.release()
        assert not lease.held()
        assert _claim(repos, "w2:0", now=utcnow() + timedelta(seconds=5)) == []
        [taken] = _claim(repos, "w2:0", now=utcnow() + timedelta(seconds=10.5))
        assert taken.id == claim.id
        assert not lease.release()  # released once
    finally:
        lease.stop()


def test_a_lease_without_a_call_in_flight_is_released_at_once(repos: Repositories) -> None:
    _event(repos, "jira:A-1")
    [claim] = repos.queue.claim("w1:0", [("jira", "slack")], lease_seconds=60)
    lease = Lease(repos.queue, claim, "w1:0", 60, margin=10).start()
    assert lease.release()
    [taken] = _claim(repos, "w2:0", now=utcnow() + timedelta(milliseconds=50))
    assert taken.id == claim.id
    assert not repos.queue.complete(claim, "w1:0")  # fenced: it is w2's now


@pytest.mark.parametrize(("lease_seconds", "margin"), [(20.0, 10.0), (2.0, 1.0)])
def test_a_lease_closer_to_its_end_than_a_call_allows_none(
    repos: Repositories, lease_seconds: float, margin: float
) -> None:
    _event(repos, "jira:A-1")
    [claim] = repos.queue.claim("w1:0", [("jira", "slack")], lease_seconds=lease_seconds)
    almost_over = replace(claim, lease_until=utcnow() + timedelta(seconds=margin - 0.1))
    lease = Lease(repos.queue, almost_over, "w1:0", lease_seconds, margin=10)
    assert not lease.held()  # no renewal came in time: a call might outlast the lease
    fresh = Lease(repos.queue, claim, "w1:0", lease_seconds, margin=10)
    assert fresh.held()


def test_the_worker_process_identity_is_readable_here() -> None:
    assert ME.pid == os.getpid()
    if sys.platform == "linux":
        assert ME.boot_id
        assert ME.pid_namespace
        assert ME.process_start
