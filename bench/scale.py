"""Scale: the triage queue (`GET /api/v1/referrals?status=requested` as a handler)
and the referrer's list (`?side=referrer` as a referrer), first page of 50, p99 at
growing totals of referrals in a dedicated database, bulk-loaded with COPY.

The data: 100 organisations; the measured receiving organisation gets 2% of all
referrals, the measured referrer organisation sends 2%; referrals are spread over
the past year, all closed except a constant backlog (the 150 newest of the measured
organisation, the 500 newest of the others) waiting in `requested`, as in life: the
backlog stays, the history grows. Identities hold one pre-encrypted blob repeated.

For each total the plans of both list queries (the exact SQL the service issues,
captured from `store.queries.page`) are EXPLAIN ANALYZEd. The triage queue's index
(receiving organisation, status, submitted_at, id) comes with the service's
migrations (0005): the first bench runs measured without it and found the triage
queue's cost growing with the total.
"""

from __future__ import annotations

import io
import time
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import requests
from sqlalchemy import create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bench.stack import ready
from bench.stats import Figure, Row, percentile
from shared.testing.servers import free_port, wait_until

ORGANISATIONS = 50  # receiving ones, and as many referrers
TARGET_BACKLOG = 150
OTHER_BACKLOG = 500
SPACING = timedelta(seconds=30)  # 1M referrals over about a year
CLOSED = ("completed", "rejected", "cancelled", "expired", "failed")
CATEGORIES = ("access_to_rights", "domiciliation", "financial_aid", "food_aid", "housing")
REFERRAL_COLUMNS = (
    "id", "version", "status", "beneficiary_id", "need_category", "commune", "urgency",
    "description_enc", "referrer_member_id", "referrer_organisation_id",
    "receiving_organisation_id", "consent_obtained_by", "consent_obtained_at",
    "consent_method", "consent_scope", "submitted_at", "remind_at", "expire_at", "updated_at")
BENEFICIARY_COLUMNS = ("id", "first_name_enc", "last_name_enc", "birth_date_enc", "phone_enc",
                       "email_enc", "commune", "blind_index", "created_at")


class ScaleData:
    def __init__(self, stack, database_url: str, final_size: int):
        from services.referrals.store.cipher import IdentityCipher

        self.url = database_url
        self.conninfo = make_url(database_url).set(drivername="postgresql") \
            .render_as_string(hide_password=False)
        cipher = IdentityCipher([stack.encryption_key])
        self.blobs = {name: cipher.encrypt(value) for name, value in (
            ("first", "Marie"), ("last", "Payet-Grondin"), ("birth", "1961-04-12"),
            ("phone", "+262 692 00 00 00"), ("email", None), ("description",
                                                            "Aide pour un dossier de droits."))}
        self.receiving = [uuid.uuid4() for _ in range(ORGANISATIONS)]
        self.referring = [uuid.uuid4() for _ in range(ORGANISATIONS)]
        self.member = uuid.uuid4()
        self.origin = datetime.now(UTC) - SPACING * final_size
        self.size = 0

    @property
    def target(self) -> uuid.UUID:
        return self.receiving[0]

    @property
    def target_referrer(self) -> uuid.UUID:
        return self.referring[0]

    def grow_to(self, total: int) -> float:
        """Add referrals up to `total` (closing the previous backlog); seconds taken."""
        began = time.monotonic()
        start = self.size
        with psycopg.connect(self.conninfo) as conn:
            conn.execute("UPDATE referrals SET status = 'completed' WHERE status = 'requested'")
            beneficiaries, referrals = io.StringIO(), io.StringIO()
            target_rows = [k for k in range(start, total) if k % ORGANISATIONS == 0]
            backlog = set(target_rows[-TARGET_BACKLOG:]) | set(range(total - OTHER_BACKLOG, total))
            b = self.blobs
            for k in range(start, total):
                beneficiary = uuid.uuid4()
                when = (self.origin + SPACING * k).isoformat()
                beneficiaries.write("\t".join((
                    str(beneficiary), b["first"], b["last"], b["birth"], b["phone"], r"\N",
                    "97408", f"{k:064x}", when)) + "\n")
                status = "requested" if k in backlog else CLOSED[k % len(CLOSED)]
                submitted = self.origin + SPACING * k
                referrals.write("\t".join((
                    str(uuid.uuid4()), "1", status, str(beneficiary),
                    CATEGORIES[k % len(CATEGORIES)], "97408", "normal", b["description"],
                    str(self.member), str(self.referring[(k // ORGANISATIONS) % ORGANISATIONS]),
                    str(self.receiving[k % ORGANISATIONS]), "Dr Bench",
                    when, "oral", "referral_and_follow_up", when,
                    (submitted + timedelta(days=10)).isoformat(),
                    (submitted + timedelta(days=30)).isoformat(), when)) + "\n")
            with conn.cursor() as cur:
                with cur.copy(f"COPY beneficiaries ({', '.join(BENEFICIARY_COLUMNS)}) "
                              "FROM STDIN") as copy:
                    copy.write(beneficiaries.getvalue())
                with cur.copy(f"COPY referrals ({', '.join(REFERRAL_COLUMNS)}) "
                              "FROM STDIN") as copy:
                    copy.write(referrals.getvalue())
            conn.commit()
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE beneficiaries")
            conn.execute("VACUUM ANALYZE referrals")
        self.size = total
        return time.monotonic() - began


def explain(database_url: str, side: str, organisation_id) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the exact query the list endpoint runs."""
    from services.referrals.store import queries

    engine = create_engine(database_url)
    captured = []

    @event.listens_for(engine, "before_cursor_execute")
    def capture(_conn, _cursor, statement, parameters, _context, _many):
        captured.append((statement, parameters))

    filters = {"status": ["requested"]} if side == "receiving" else {}
    with Session(engine) as session:
        queries.page(session, side=side, organisation_id=organisation_id, filters=filters,
                     limit=50, now=datetime.now(UTC))
    statement, parameters = captured[-1]
    event.remove(engine, "before_cursor_execute", capture)
    with engine.connect() as conn:
        plan = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters).all()
    engine.dispose()
    return "\n".join(row[0] for row in plan)


def measure(url: str, token: str, params: dict, count: int) -> list[float]:
    session = requests.Session()
    headers = {"Authorization": f"Bearer {token}"}
    latencies = []
    for _ in range(count):
        began = time.perf_counter()
        response = session.get(f"{url}/api/v1/referrals", params=params, headers=headers,
                               timeout=30)
        latencies.append(time.perf_counter() - began)
        if response.status_code != 200 or len(response.json()["items"]) != 50:
            raise RuntimeError(f"list answered {response.status_code}: {response.text[:300]}")
    session.close()
    return latencies


def run(stack, *, runs: int, sizes, requests: int, log) -> tuple[list, dict]:
    database_url = stack.databases.create("scale")
    env = {**stack.env["referrals"], "RELAIS_DATABASE_URL": database_url}
    stack.cli("referrals", "migrate", env=env)
    data = ScaleData(stack, database_url, max(sizes))
    port = free_port()
    api_env = {**env, "RELAIS_BIND": f"127.0.0.1:{port}"}
    stack.start_api("referrals", api_env, label="scale-api")
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: ready(url), timeout=60, message="the scale API")
    handler = stack.token("handler", str(uuid.uuid4()), str(data.target))
    referrer = stack.token("referrer", str(data.member), str(data.target_referrer))
    lists = {"triage": (handler, {"status": "requested"}, "receiving", data.target),
             "referrer": (referrer, {"side": "referrer"}, "referrer", data.target_referrer)}
    figures: dict[tuple[str, int], Figure] = {}
    plans: dict[str, str] = {}
    loads = {}
    for size in sizes:
        loads[size] = data.grow_to(size)
        log(f"  scale: {size:,} referrals loaded ({loads[size]:.1f} s)")
        _measure_all(url, lists, size, runs, requests, figures, log, "")
        for name, (_token, _params, side, organisation) in lists.items():
            plans[f"{name} @{size}"] = explain(database_url, side, organisation)
    biggest = max(sizes)
    smallest = min(sizes)
    rows = []
    for name in lists:
        base = figures[(name, smallest)]
        rows.append(Row("scale", base, note="the reference of the rows below"
                        if name == "triage" else ""))
        for size in sizes[1:]:
            rows.append(Row("scale", figures[(name, size)], base, f"same @{_label(smallest)}",
                            "<= 1.2x" if name == "triage" and size == biggest else ""))
    summary = {key: _plan_summary(plan) for key, plan in plans.items()}
    return rows, {"sizes": list(sizes), "load_seconds": loads, "plans": plans,
                  "plan_summary": summary,
                  "requests_per_run": requests}


def _measure_all(url, lists, size, runs, count, figures, log, suffix) -> None:
    key_size = f"{size}{suffix.replace(' ', '')}" if suffix else size
    for name, (token, params, _side, _org) in lists.items():
        measure(url, token, params, 5)  # warm-up
        figure = Figure(f"{name} list p99 @{_label(size)}{suffix}", "ms", better="lower")
        for _ in range(runs):
            figure.runs.append(percentile(measure(url, token, params, count), 99) * 1000)
        figures[(name, key_size)] = figure
        log(f"  scale {name} @{size:,}{suffix}: p99 {figure.median:.1f} ms "
            f"(runs {', '.join(f'{r:.1f}' for r in figure.runs)})")


def _label(size: int) -> str:
    return f"{size // 1_000_000}M" if size >= 1_000_000 else f"{size // 1000}k"


def _plan_summary(plan: str) -> str:
    lines = plan.splitlines()
    nodes = [line.strip().split("  (")[0].lstrip("-> ").strip() for line in lines
             if "(cost=" in line]
    timing = next((line.strip() for line in lines if line.strip().startswith("Execution")), "")
    removed = [line.strip() for line in lines if "Rows Removed by Filter" in line]
    return " / ".join(nodes[:4]) + (f"; {removed[0]}" if removed else "") + f"; {timing}"

