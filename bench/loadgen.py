"""The load generator: loopback only, bounded in time and in count.

Keep-alive `http.client` connections, one per thread, spread over a few forked
processes so the generator's own GIL does not cap what it can offer a fast
server (the bare "hello" endpoint). Two shapes:

- `saturate`: closed loop, each connection sends its next request as soon as
  the previous answer is in (requests/s at saturation, latency under it);
- `steady`: open loop at a fixed rate (requests are sent on a schedule, not
  when the previous one returns), with a callback per answer (end to end).
"""

from __future__ import annotations

import http.client
import multiprocessing
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# A request: (method, path, body bytes or None, headers)
Request = tuple[str, str, bytes | None, dict[str, str]]

MAX_REQUESTS = 2_000_000  # a hard bound whatever the duration


@dataclass
class LoadResult:
    ok: int = 0
    failed: int = 0
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)  # seconds, successful ones
    failures: dict[str, int] = field(default_factory=dict)  # "status: body start" -> count

    @property
    def rate(self) -> float:
        return self.ok / self.elapsed if self.elapsed else 0.0

    def merge(self, other: LoadResult) -> None:
        self.ok += other.ok
        self.failed += other.failed
        self.latencies.extend(other.latencies)
        for key, count in other.failures.items():
            self.failures[key] = self.failures.get(key, 0) + count


class _Connection(http.client.HTTPConnection):
    def connect(self):
        super().connect()
        # No Nagle: a small request must not wait for the previous segment's ACK.
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _connection(base_url: str) -> http.client.HTTPConnection:
    parts = urlsplit(base_url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"the load generator stays on loopback, not {parts.hostname}")
    return _Connection(parts.hostname, parts.port, timeout=30)


def send(conn: http.client.HTTPConnection, request: Request) -> tuple[int, bytes]:
    method, path, body, headers = request
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def _saturate_thread(base_url, make_request, expect, start, deadline, budget, result, lock):
    conn = _connection(base_url)
    mine = LoadResult()
    time.sleep(max(0.0, start - time.time()))
    while True:
        with lock:
            if budget[0] <= 0:
                break
            budget[0] -= 1
        request = make_request()
        began = time.perf_counter()
        try:
            status, body = send(conn, request)
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            conn = _connection(base_url)
            status, body = 0, type(exc).__name__.encode()
        ended = time.perf_counter()
        if time.time() > deadline:
            break
        if status == expect:
            mine.ok += 1
            mine.latencies.append(ended - began)
        else:
            mine.failed += 1
            key = f"{status}: {body[:120].decode(errors='replace')}"
            mine.failures[key] = mine.failures.get(key, 0) + 1
    conn.close()
    with lock:
        result.merge(mine)


def _saturate_process(base_url, make_request, expect, threads, start, deadline, budget, queue):
    result, lock, shared_budget = LoadResult(), threading.Lock(), [budget]
    workers = [threading.Thread(target=_saturate_thread, args=(
        base_url, make_request, expect, start, deadline, shared_budget, result, lock))
        for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    queue.put((result.ok, result.failed, result.latencies, result.failures))


def saturate(base_url: str, make_request: Callable[[], Request], *, connections: int = 16,
             duration: float = 10.0, expect: int = 200, processes: int = 2,
             max_requests: int = MAX_REQUESTS) -> LoadResult:
    """`connections` keep-alive connections sending back to back for `duration` seconds."""
    _connection(base_url).close()  # refuses anything but loopback, before forking
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    start = time.time() + 0.5
    deadline = start + duration
    per_process = [connections // processes + (1 if i < connections % processes else 0)
                   for i in range(processes)]
    children = [context.Process(target=_saturate_process, args=(
        base_url, make_request, expect, n, start, deadline, max_requests // processes, queue))
        for n in per_process if n]
    for child in children:
        child.start()
    total = LoadResult(elapsed=duration)
    for _ in children:
        ok, failed, latencies, failures = queue.get(timeout=duration + 120)
        total.merge(LoadResult(ok, failed, 0.0, latencies, failures))
    for child in children:
        child.join(timeout=30)
    return total


def steady(base_url: str, make_request: Callable[[int], Request], *, rate: float,
           duration: float, on_answer: Callable[[int, int, bytes, float], None],
           threads: int = 32) -> LoadResult:
    """Open loop: request i leaves at start + i/rate (or as soon as a thread is free);
    none leaves after the window (+1 s): `result.ok` says how many were answered.
    `on_answer(i, status, body, returned_at_perf_counter)` runs in the sending thread."""
    _connection(base_url).close()
    total = int(rate * duration)
    if total > MAX_REQUESTS:
        raise ValueError("too many requests")
    result, lock, counter = LoadResult(elapsed=duration), threading.Lock(), [0]
    start = time.perf_counter() + 0.2
    end = start + duration + 1.0

    def run():
        conn = _connection(base_url)
        while True:
            with lock:
                index = counter[0]
                counter[0] += 1
            if index >= total or time.perf_counter() > end:
                break  # bounded in time too: a server slower than the rate gets fewer
            time.sleep(max(0.0, start + index / rate - time.perf_counter()))
            began = time.perf_counter()
            try:
                status, body = send(conn, make_request(index))
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = _connection(base_url)
                status, body = 0, type(exc).__name__.encode()
            ended = time.perf_counter()
            on_answer(index, status, body, ended)
            with lock:
                if 200 <= status < 300:
                    result.ok += 1
                    result.latencies.append(ended - began)
                else:
                    result.failed += 1
                    key = f"{status}: {body[:120].decode(errors='replace')}"
                    result.failures[key] = result.failures.get(key, 0) + 1
        conn.close()

    workers = [threading.Thread(target=run, daemon=True) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=duration + 120)
    return result
