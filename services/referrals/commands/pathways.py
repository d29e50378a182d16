"""Pathways: completing a step's referral opens the next step's, for the same person
(same encrypted identity), routed to that step's organisation; any other closure
stops the run."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.referrals.commands.intake import deadlines, open_referral, step_destination
from services.referrals.domain.actors import Actor
from services.referrals.domain.workflow import COMPLETED, REQUESTED
from services.referrals.store.referral_tables import pathway_runs, referrals

COPIED = ("beneficiary_id", "commune", "urgency", "description_enc", "action_id", "pathway_id",
          "pathway_run_id", "referrer_member_id", "referrer_organisation_id",
          "consent_obtained_by", "consent_obtained_at", "consent_method", "consent_scope")


def after_close(session: Session, referral: dict, actor: Actor | None, now: datetime) -> None:
    """Called once a pathway step's referral is closed, whatever the way."""
    if not referral["pathway_run_id"]:
        return
    if referral["status"] == COMPLETED:
        open_next_step(session, referral, actor, now)
    else:
        _finish(session, referral["pathway_run_id"], "stopped", now)


def open_next_step(session: Session, referral: dict, actor: Actor | None, now: datetime):
    run = session.execute(select(pathway_runs).where(
        pathway_runs.c.id == referral["pathway_run_id"]).with_for_update()).one()
    steps = json.loads(run.steps)
    following = [s for s in steps if s["position"] > referral["step_position"]]
    if run.status != "active":
        return None
    if not following:
        _finish(session, run.id, "completed", now)
        return None
    step = following[0]
    target = step_destination(session, run.contract_id, step)
    new = {name: referral[name] for name in COPIED}
    new.update(
        id=uuid.uuid4(), version=1, status=REQUESTED, need_category=step["need_category"],
        contract_id=run.contract_id, step_position=step["position"],
        receiving_organisation_id=target.organisation_id, assignee_member_id=None,
        reason_code=None, outcome_code=None, submitted_at=now, updated_at=now,
        **deadlines(target, now))
    session.execute(update(pathway_runs).where(pathway_runs.c.id == run.id)
                    .values(current_position=step["position"]))
    return open_referral(session, new, actor, now)[0]


def stop_run(session: Session, run_id, now: datetime) -> None:
    """No further step opens (a consent withdrawal on an already closed step)."""
    _finish(session, run_id, "stopped", now)


def _finish(session: Session, run_id, status: str, now: datetime) -> None:
    session.execute(update(pathway_runs).where(pathway_runs.c.id == run_id,
                                               pathway_runs.c.status == "active")
                    .values(status=status, finished_at=now))


def progress(session: Session, run_id) -> dict | None:
    """The run and the state of each step (ids, organisations, statuses, dates only)."""
    run = session.execute(select(pathway_runs).where(pathway_runs.c.id == run_id)).first()
    if run is None:
        return None
    rows = session.execute(select(
        referrals.c.id, referrals.c.step_position, referrals.c.status,
        referrals.c.receiving_organisation_id, referrals.c.submitted_at, referrals.c.closed_at,
        referrals.c.outcome_code).where(referrals.c.pathway_run_id == run_id)
        .order_by(referrals.c.step_position)).all()
    by_position = {r.step_position: r for r in rows}
    steps = []
    for step in json.loads(run.steps):
        row = by_position.get(step["position"])
        steps.append({**step, "referral_id": row.id if row else None,
                      "status": row.status if row else "pending",
                      "organisation_id": str(step["organisation_id"]),
                      "opened_at": row.submitted_at if row else None,
                      "closed_at": row.closed_at if row else None,
                      "outcome_code": row.outcome_code if row else None})
    return {"id": run.id, "pathway_id": run.pathway_id, "name": run.name,
            "status": run.status, "current_position": run.current_position,
            "referrer_organisation_id": run.referrer_organisation_id,
            "started_at": run.started_at, "finished_at": run.finished_at, "steps": steps}
