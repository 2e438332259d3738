"""A small closed-loop HTTP load generator and server launcher for the benchmarks.

Clients are keep-alive `http.client` connections, spread over processes so the Python client
is not the bottleneck on its own GIL. Every run is bounded in requests and time and targets
127.0.0.1 only.
"""

from __future__ import annotations

import http.client
import multiprocessing as mp
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent

MAX_REQUESTS_PER_CLIENT = 50_000
WARMUP_REQUESTS_PER_CLIENT = 1000

# (method, path, body, headers) for request number n of client c
RequestFactory = Callable[[int, int], tuple[str, str, bytes, dict[str, str]]]


@dataclass(frozen=True)
class Result:
    name: str
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    statuses: dict[int, int]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _client(
    url: str,
    factory: RequestFactory,
    client_id: int,
    deadline: float,
    max_requests: int,
    out: mp.Queue,
) -> None:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    n = 0
    while time.perf_counter() < deadline and n < max_requests:
        method, path, body, headers = factory(client_id, n)
        n += 1
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            errors += 1
            connection.close()
            connection = http.client.HTTPConnection(
                parts.hostname or "127.0.0.1", parts.port, timeout=30
            )
            continue
        latencies.append(time.perf_counter() - started)
        statuses[response.status] = statuses.get(response.status, 0) + 1
    connection.close()
    out.put((latencies, statuses, errors))


def _process(
    url: str,
    factory: RequestFactory,
    first: int,
    threads: int,
    deadline: float,
    max_requests: int,
    out: mp.Queue,
) -> None:
    import threading

    workers = [
        threading.Thread(
            target=_client, args=(url, factory, first + i, deadline, max_requests, out)
        )
        for i in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


@dataclass(frozen=True)
class Load:
    """One benchmark row: what is sent (`factory`) to which server (`url`)."""

    name: str
    url: str
    factory: RequestFactory


@dataclass
class _Measured:
    latencies: list[float]
    statuses: dict[int, int]
    errors: int
    seconds: float

    def add(self, other: _Measured) -> None:
        self.latencies += other.latencies
        self.errors += other.errors
        self.seconds += other.seconds
        for code, count in other.statuses.items():
            self.statuses[code] = self.statuses.get(code, 0) + count

    def result(self, name: str) -> Result:
        latencies = sorted(self.latencies)
        return Result(
            name=name,
            requests=len(latencies),
            errors=self.errors,
            seconds=self.seconds,
            p50_ms=statistics.median(latencies) * 1000 if latencies else float("nan"),
            p99_ms=latencies[int(len(latencies) * 0.99) - 1] * 1000 if latencies else float("nan"),
            statuses=self.statuses,
        )


def run_load(
    name: str,
    url: str,
    factory: RequestFactory,
    *,
    concurrency: int = 16,
    seconds: float = 5.0,
    max_requests_per_client: int = MAX_REQUESTS_PER_CLIENT,
    processes: int = 2,
    warmup_seconds: float = 1.0,
) -> Result:
    """Closed loop: `concurrency` clients each send one request after the other."""
    if warmup_seconds:
        _warm_up(url, factory, concurrency, warmup_seconds, processes)
    return _measure(url, factory, concurrency, seconds, max_requests_per_client, processes).result(
        name
    )


def run_turns(
    loads: Sequence[Load],
    *,
    seconds: float,
    turn_seconds: float = 1.0,
    concurrency: int = 16,
    processes: int = 2,
    warmup_seconds: float = 1.0,
) -> list[Result]:
    """`run_load` for rows that are compared with each other: each is measured for
    `seconds` in turns of `turn_seconds`, the rows taking turns (A B C, then C B A, ...).

    On these shared 2-core machines the same server's rate moves by 15 % from one
    3-second run to the next, and which gunicorn worker gets how many of the 16 keep-alive
    connections is the kernel's draw (16 to one and none to the other halved a row once):
    a stretch when the host is slower now falls on every row alike, and each turn's clients
    connect anew, so one draw does not decide a row."""
    turns = max(2, round(seconds / turn_seconds))
    if warmup_seconds:
        for load in loads:
            _warm_up(load.url, load.factory, concurrency, warmup_seconds, processes)
    measured = {load.name: _Measured([], {}, 0, 0.0) for load in loads}
    for turn in range(turns):
        for load in loads if turn % 2 == 0 else loads[::-1]:
            one = _measure(
                load.url,
                load.factory,
                concurrency,
                seconds / turns,
                MAX_REQUESTS_PER_CLIENT,
                processes,
            )
            measured[load.name].add(one)
    return [measured[load.name].result(load.name) for load in loads]


def _warm_up(
    url: str, factory: RequestFactory, concurrency: int, seconds: float, processes: int
) -> None:
    _measure(url, factory, concurrency, seconds, WARMUP_REQUESTS_PER_CLIENT, processes)


def _measure(
    url: str,
    factory: RequestFactory,
    concurrency: int,
    seconds: float,
    max_requests_per_client: int,
    processes: int,
) -> _Measured:
    ctx = mp.get_context("fork")
    out: mp.Queue = ctx.Queue()
    per_process = max(1, concurrency // processes)
    started = time.perf_counter()
    deadline = started + seconds
    procs = [
        ctx.Process(
            target=_process,
            args=(
                url,
                factory,
                p * per_process,
                per_process,
                deadline,
                max_requests_per_client,
                out,
            ),
        )
        for p in range(processes)
    ]
    for proc in procs:
        proc.start()
    measured = _Measured([], {}, 0, 0.0)
    for _ in range(per_process * processes):
        latencies, statuses, errors = out.get(timeout=seconds + 120)
        measured.add(_Measured(latencies, statuses, errors, 0.0))
    for proc in procs:
        proc.join()
    measured.seconds = time.perf_counter() - started
    return measured


@contextmanager
def gunicorn(
    app_spec: str,
    env: dict[str, str],
    *,
    workers: int = 2,
    threads: int = 8,
    ready_path: str = "/health",
    cwd: Path = ROOT,
) -> Iterator[str]:
    """Serve `app_spec` with gunicorn gthread on a free loopback port; yields the base URL."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        app_spec,
    ]
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: the workers are stopped with it
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url + ready_path, process)
        yield url
    finally:
        stop_group(process)


def stop_group(process: subprocess.Popen[str], timeout: float = 15) -> None:
    """SIGTERM the process group, then SIGKILL whatever is left of it."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        pass
    except ProcessLookupError:
        return
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def wait_until_up(url: str, process: subprocess.Popen[str], timeout: float = 30) -> None:
    parts = urlsplit(url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {process.stderr.read() if process.stderr else ''}")
        try:
            connection = http.client.HTTPConnection(
                parts.hostname or "127.0.0.1", parts.port, timeout=1
            )
            connection.request("GET", parts.path or "/")
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up in {timeout} s")


def table(results: list[tuple[str, Result, str]]) -> str:
    """A markdown table: benchmark, req/s, p50, p99, errors, note."""
    lines = [
        "| benchmark | req/s | p50 ms | p99 ms | requests | errors | note |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for group, result, note in results:
        non_2xx = sum(c for s, c in result.statuses.items() if not 200 <= s < 300)
        errors = result.errors + non_2xx
        lines.append(
            f"| {group}: {result.name} | {result.rps:,.0f} | {result.p50_ms:.2f} | "
            f"{result.p99_ms:.2f} | {result.requests:,} | {errors} | {note} |"
        )
    return "\n".join(lines)
