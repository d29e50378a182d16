"""Aggregates for the CLS: counts, distinct people and professionals, acceptance rate,
median delays. Computed from ids, codes, communes and dates only."""

from __future__ import annotations

from collections import defaultdict
from statistics import median

GROUPS = ("need_category", "commune", "status", "contract_id", "action_id",
          "receiving_organisation_id", "referrer_organisation_id", "urgency", "period")


def _days(start, end) -> float:
    return round((end - start).total_seconds() / 86400, 2)


def aggregate(rows: list[dict], group_by: tuple[str, ...]) -> list[dict]:
    """`rows`: referrals with `person` (a pseudonymous key) and `period` (YYYY-MM)."""
    buckets: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        buckets[tuple(str(row[g]) if row[g] is not None else None for g in group_by)].append(row)
    result = []
    for key in sorted(buckets, key=lambda k: tuple("" if v is None else v for v in k)):
        items = buckets[key]
        answered = [r for r in items if r["first_answer_at"] is not None]
        accepted = [r for r in answered if r["status"] != "rejected"]
        completed = [r for r in items if r["status"] == "completed" and r["closed_at"]]
        by_status: dict[str, int] = defaultdict(int)
        for r in items:
            by_status[r["status"]] += 1
        result.append({
            **dict(zip(group_by, key, strict=True)),
            "count": len(items),
            "by_status": dict(sorted(by_status.items())),
            "distinct_beneficiaries": len({r["person"] for r in items}),
            "distinct_referrers": len({r["referrer_member_id"] for r in items}),
            "acceptance_rate": round(len(accepted) / len(answered), 3) if answered else None,
            "median_days_to_first_answer": median(
                _days(r["submitted_at"], r["first_answer_at"]) for r in answered)
            if answered else None,
            "median_days_to_completion": median(
                _days(r["submitted_at"], r["closed_at"]) for r in completed)
            if completed else None,
        })
    return result
