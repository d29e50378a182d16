"""Intake at saturation: `POST /api/v1/referrals` (signed token, validation,
encryption, routing, insert, outbox, audit) with 16 keep-alive connections,
against a bare Flask "hello" and the naive inline-publishing endpoint under the
same gunicorn settings, interleaved run by run so drift hits all three alike.
Also the peak RSS of every API worker and service worker over these runs."""

from __future__ import annotations

import json
import random
import string

from bench import loadgen
from bench.memory import children, peak_rss_mb
from bench.stats import Figure, Row, percentile

CONNECTIONS = 16
FIRST_NAMES = ("Marie", "Jean", "Aïcha", "Lucas", "Mélissa", "Didier", "Fabiola", "Kévin")
LAST_NAMES = ("Payet", "Hoarau", "Grondin", "Técher", "Fontaine", "Rivière", "Boyer")


def referral_body() -> bytes:
    """A valid intake body for La Possession (routed to its CCAS), a different person each time."""
    suffix = "".join(random.choices(string.ascii_lowercase, k=6))
    return json.dumps({
        "beneficiary": {
            "first_name": random.choice(FIRST_NAMES),
            "last_name": f"{random.choice(LAST_NAMES)}-{suffix}",
            "birth_date": f"19{random.randint(40, 99)}-0{random.randint(1, 9)}-"
                          f"1{random.randint(0, 9)}",
            "commune": "97408",
            "phone": "+262 692 00 00 00",
        },
        "need_category": "access_to_rights",
        "description": "Besoin d'aide pour constituer un dossier de complémentaire santé.",
        "urgency": "normal",
        "consent": {"obtained_by": "Dr Camille Rivière", "obtained_at": "2026-01-05T09:00:00Z",
                    "method": "oral", "scope": "referral_and_follow_up"},
    }).encode()


def targets(stack, refs, referrer_token: str) -> dict:
    json_headers = {"Content-Type": "application/json"}
    relais_headers = {**json_headers, "Authorization": f"Bearer {referrer_token}"}
    return {
        "relais": (stack.urls["referrals"], lambda: (
            "POST", "/api/v1/referrals", referral_body(), relais_headers), 201),
        "hello": (refs.urls["hello"], lambda: ("GET", "/hello", None, {}), 200),
        "naive": (refs.urls["naive"], lambda: (
            "POST", "/naive/referrals", referral_body(), json_headers), 201),
    }


def warm_up(name: str, url: str, make, expect: int) -> None:
    """Each gunicorn worker loads the communes referential, fetches the JWKS and fills
    its connection pool on its first requests: not what is measured."""
    conn = loadgen._connection(url)
    for _ in range(20):
        status, body = loadgen.send(conn, make())
        if status != expect:
            raise RuntimeError(f"{name} answered {status}: {body[:300]!r}")
    conn.close()
    loadgen.saturate(url, make, connections=CONNECTIONS, duration=3, expect=expect)


def run(stack, refs, referrer_token: str, *, runs: int, duration: float, log) -> tuple[list, dict]:
    chosen = targets(stack, refs, referrer_token)
    for name, (url, make, expect) in chosen.items():
        warm_up(name, url, make, expect)
    figures = {name: {"rps": Figure(f"{name} requests/s", "req/s"),
                      "p50": Figure(f"{name} p50", "ms", better="lower"),
                      "p99": Figure(f"{name} p99", "ms", better="lower")}
               for name in chosen}
    failures = {}
    peaks: dict[str, list[float]] = {}
    for index in range(runs):
        for name, (url, make, expect) in chosen.items():
            result = loadgen.saturate(url, make, connections=CONNECTIONS, duration=duration,
                                      expect=expect)
            figures[name]["rps"].runs.append(result.rate)
            figures[name]["p50"].runs.append(percentile(result.latencies, 50) * 1000)
            figures[name]["p99"].runs.append(percentile(result.latencies, 99) * 1000)
            if result.failed:
                failures[name] = {**failures.get(name, {}), **result.failures}
            log(f"  intake run {index + 1}/{runs} {name}: {result.rate:.0f} req/s, "
                f"p50 {figures[name]['p50'].runs[-1]:.1f} ms, "
                f"p99 {figures[name]['p99'].runs[-1]:.1f} ms, failed {result.failed}")
        for label, mb in memory_peaks(stack, refs).items():
            peaks.setdefault(label, []).append(mb)
    relais, hello, naive = figures["relais"], figures["hello"], figures["naive"]
    rows = [
        Row("intake", _renamed(relais["rps"], "POST /referrals requests/s"), naive["rps"],
            "naive inline-publish", "ratio >= 1.2x"),
        Row("intake", _renamed(relais["rps"], "POST /referrals requests/s"), hello["rps"],
            "bare Flask hello"),
        Row("intake", _renamed(relais["p50"], "POST /referrals p50"), naive["p50"],
            "naive p50"),
        Row("intake", _renamed(relais["p99"], "POST /referrals p99"), naive["p99"],
            "naive p99", "<= 50 ms"),
        Row("intake", _renamed(naive["rps"], "naive endpoint requests/s"), hello["rps"],
            "bare Flask hello"),
    ]
    hello_peak = Figure("hello worker", "MB", _per_run(peaks, "hello-api/"), "lower") \
        if any(k.startswith("hello-api/") for k in peaks) else None
    for label in sorted(peaks):
        if label.startswith(("hello-api", "smtp")):
            continue
        api = "-api/" in label
        rows.append(Row("memory", Figure(f"peak RSS {label}", "MB", peaks[label], "lower"),
                        hello_peak if api else None, "hello worker" if api else "",
                        "< 150 MB" if api else ""))
    extra = {"failures": failures, "connections": CONNECTIONS, "duration_s": duration,
             "raw": {name: {k: f.as_dict() for k, f in parts.items()}
                     for name, parts in figures.items()}}
    return rows, extra


def _renamed(figure: Figure, name: str) -> Figure:
    return Figure(name, figure.unit, figure.runs, figure.better)


def _per_run(peaks: dict[str, list[float]], prefix: str) -> list[float]:
    """Per run, the largest peak among the processes whose label starts with `prefix`."""
    series = [values for label, values in peaks.items() if label.startswith(prefix)]
    return [max(run) for run in zip(*series, strict=False)]


def memory_peaks(stack, refs) -> dict[str, float]:
    """Peak RSS (MB, VmHWM) of each gunicorn worker and each service worker."""
    found = {}
    for process in [*stack.processes, *refs.processes]:
        if process.process is None or not process.alive():
            continue
        pid = process.process.pid
        if process.name.endswith("-api"):
            for number, child in enumerate(children(pid), start=1):
                mb = peak_rss_mb(child)
                if mb is not None:
                    found[f"{process.name}/worker{number}"] = mb
        elif process.name.endswith(("-worker", "-consumer")):
            mb = peak_rss_mb(pid)
            if mb is not None:
                found[process.name] = mb
    return found
