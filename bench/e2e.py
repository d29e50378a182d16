"""End to end: from `POST /api/v1/referrals` returning to the in-app notification
being listable (`GET /api/v1/inbox` of the receiving CCAS's agent), at a steady
rate (open loop), against the naive path at the same rate (inline publish ->
raw kombu consumer -> insert -> `GET /naive/inbox`).

A poller lists the inbox continuously (newest first, following `next` when a
whole page is new) and notes when each referral first appears; the latency is
that moment minus the moment the POST's answer was read, on one monotonic clock.
Its resolution is one poll (the poll round trip is reported). The inbox row's own
`created_at` (server clock) gives the same latency without the poll.
"""

from __future__ import annotations

import http.client
import json
import statistics
import threading
import time
from datetime import datetime

from bench import loadgen
from bench.intake import referral_body
from bench.stats import Figure, Row, percentile

PAGE = 50
POLL_PAUSE = float(__import__("os").environ.get("BENCH_POLL_PAUSE", "0.02"))  # between polls
DRAIN_TIMEOUT = 15.0  # after the last POST, how long to wait for the last notification
SETTLE_TIMEOUT = 30.0  # then, at most this long for the queues to empty before the next run


class InboxPoller(threading.Thread):
    def __init__(self, base_url: str, path: str, headers: dict[str, str]):
        super().__init__(daemon=True)
        self.base_url, self.path, self.headers = base_url, path, headers
        self.seen: dict[str, tuple[float, float]] = {}  # referral id -> (perf, created_at)
        self.stop = threading.Event()
        self.polls = 0
        self.poll_time = 0.0

    def _page(self, conn, after=None) -> dict:
        path = f"{self.path}?limit={PAGE}" + (f"&after={after}" if after else "")
        began = time.perf_counter()
        status, body = loadgen.send(conn, ("GET", path, None, self.headers))
        self.poll_time += time.perf_counter() - began
        self.polls += 1
        if status != 200:
            raise RuntimeError(f"inbox answered {status}: {body[:200]!r}")
        return json.loads(body)

    def run(self) -> None:
        conn = loadgen._connection(self.base_url)
        while not self.stop.is_set():
            try:
                page = self._page(conn)
                depth = 0
                while True:
                    now = time.perf_counter()
                    fresh = 0
                    for item in page["items"]:
                        referral = item["summary"].get("referral_id")
                        if referral and referral not in self.seen:
                            created = datetime.fromisoformat(item["created_at"]).timestamp()
                            self.seen[referral] = (now, created)
                            fresh += 1
                    # A whole page of new items: older new ones may be on the next page.
                    if fresh < len(page["items"]) or not page.get("next") or depth >= 20:
                        break
                    page = self._page(conn, page["next"])
                    depth += 1
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = loadgen._connection(self.base_url)
            time.sleep(POLL_PAUSE)
        conn.close()


def one_run(*, post_url, post_path, post_headers, inbox_url, inbox_path, inbox_headers,
            rate, duration, id_of, settle) -> dict:
    poller = InboxPoller(inbox_url, inbox_path, inbox_headers)
    poller.start()
    time.sleep(0.5)  # the poller has taken what is already there
    returned: dict[str, tuple[float, float]] = {}
    lock = threading.Lock()

    def on_answer(_index, status, body, at):
        if 200 <= status < 300:
            with lock:
                returned[id_of(json.loads(body))] = (at, time.time())

    def make(_index):
        return ("POST", post_path, referral_body(), post_headers)

    sent = loadgen.steady(post_url, make, rate=rate, duration=duration, on_answer=on_answer)
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while time.monotonic() < deadline and not all(r in poller.seen for r in returned):
        time.sleep(0.05)
    poller.stop.set()
    poller.join(timeout=10)
    gave_up = time.perf_counter()
    listable, written, unseen = [], [], 0
    for referral, (at, wall) in returned.items():
        if referral in poller.seen:
            seen_at, created = poller.seen[referral]
            listable.append(max(0.0, seen_at - at))
            written.append(max(0.0, created - wall))
        else:  # not listable when we stopped waiting: at least this late
            unseen += 1
            listable.append(gave_up - at)
            written.append(gave_up - at)
    settled = settle()
    achieved = len(returned) / duration
    return {"p50": percentile(listable, 50) * 1000, "p99": percentile(listable, 99) * 1000,
            "written_p99": percentile(written, 99) * 1000,
            "post_p99": percentile(sent.latencies, 99) * 1000,
            "sent": sent.ok, "failed": sent.failed, "unseen": unseen,
            "achieved_rate": achieved, "settled": settled,
            "poll_ms": poller.poll_time / max(1, poller.polls) * 1000,
            "failures": sent.failures}


def _settler(depth, pending=lambda: 0):
    """Wait (bounded) until the pipeline is empty, so a run does not inherit a backlog."""
    def settle() -> bool:
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while time.monotonic() < deadline:
            if depth() == 0 and pending() == 0:
                return True
            time.sleep(0.2)
        return False
    return settle


def _outbox_pending(database_url: str):
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url, pool_size=1)

    def pending() -> int:
        with engine.connect() as conn:
            return conn.execute(text(
                "SELECT count(*) FROM outbox WHERE published_at IS NULL")).scalar()
    return pending


def run(stack, refs, referrer_token: str, handler_token: str, *, runs: int, rates,
        durations, log) -> tuple[list, dict]:
    variants = {
        "relais": dict(
            post_url=stack.urls["referrals"], post_path="/api/v1/referrals",
            post_headers={"Content-Type": "application/json",
                          "Authorization": f"Bearer {referrer_token}"},
            inbox_url=stack.urls["notifications"], inbox_path="/api/v1/inbox",
            inbox_headers={"Authorization": f"Bearer {handler_token}"},
            id_of=lambda body: body["id"],
            settle=_settler(lambda: stack.queue_depth("notifications.dispatch"),
                            _outbox_pending(stack.database_urls["referrals"]))),
        "naive": dict(
            post_url=refs.urls["naive"], post_path="/naive/referrals",
            post_headers={"Content-Type": "application/json"},
            inbox_url=refs.urls["naive"], inbox_path="/naive/inbox", inbox_headers={},
            id_of=lambda body: body["id"],
            settle=_settler(lambda: stack.queue_depth("naive.referrals"))),
    }
    # What earlier sections left in the pipeline is not this section's latency.
    variants["relais"]["settle"]()
    rows, details = [], {}
    for rate, duration in zip(rates, durations, strict=True):
        figures = {v: {n: Figure(n, "ms") for n in ("p50", "p99", "written_p99", "post_p99")}
                   for v in variants}
        details[f"{rate:.0f}/s"] = runs_detail = {v: [] for v in variants}
        for index in range(runs):
            for name, variant in variants.items():
                result = one_run(rate=rate, duration=duration, **variant)
                runs_detail[name].append(result)
                for n, figure in figures[name].items():
                    figure.runs.append(result[n])
                log(f"  e2e @{rate:.0f}/s run {index + 1}/{runs} {name}: "
                    f"p50 {result['p50']:.1f} ms, p99 {result['p99']:.1f} ms "
                    f"(row written p99 {result['written_p99']:.1f} ms), sent {result['sent']} "
                    f"at {result['achieved_rate']:.0f}/s, POST p99 {result['post_p99']:.1f} ms, "
                    f"not listable within {DRAIN_TIMEOUT:.0f} s: {result['unseen']}, "
                    f"failed {result['failed']}, poll {result['poll_ms']:.1f} ms, "
                    f"settled {result['settled']}")
        relais, naive = figures["relais"], figures["naive"]
        unseen = sum(r["unseen"] for r in runs_detail["relais"])
        note = (f"{unseen} referrals not listable within {DRAIN_TIMEOUT:.0f} s of the last POST "
                "(counted at that lower bound): the pipeline did not keep up") if unseen else ""
        achieved = statistics.median(r["achieved_rate"] for r in runs_detail["relais"])
        if achieved < 0.95 * rate:
            note = (f"{note}; " if note else "") + (
                f"the referrals API answered {achieved:.0f}/s of the {rate:.0f}/s offered")
        label = f"POST -> inbox listable @{rate:.0f}/s"
        rows += [
            Row("end to end", Figure(f"{label} p50", "ms", relais["p50"].runs, "lower"),
                naive["p50"], "naive path p50"),
            Row("end to end", Figure(f"{label} p99", "ms", relais["p99"].runs, "lower"),
                naive["p99"], "naive path p99", "<= 50 ms" if rate >= 200 else "", note),
            Row("end to end", Figure(f"POST -> inbox row written p99 @{rate:.0f}/s", "ms",
                                     relais["written_p99"].runs, "lower"),
                naive["written_p99"], "naive row written p99"),
            Row("end to end", Figure(f"POST p99 @{rate:.0f}/s", "ms", relais["post_p99"].runs,
                                     "lower"), naive["post_p99"], "naive POST p99"),
        ]
    return rows, {"rates": list(rates), "durations_s": list(durations),
                  "drain_timeout_s": DRAIN_TIMEOUT, "runs": details}
