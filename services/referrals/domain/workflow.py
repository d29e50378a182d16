"""The referral workflow: FHIR Task statuses and who may move a referral between them.

Pure rules: `decide(status, action, actor)` answers the next status or raises
`TransitionRefused`. The handler is a member of the receiving organisation; the
referrer a member of the sending one; the system (no actor) expires referrals.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.referrals.domain.codes import FAILURE_REASONS, OUTCOMES, REJECTION_REASONS

REQUESTED, ACCEPTED, REJECTED = "requested", "accepted", "rejected"
IN_PROGRESS, ON_HOLD, COMPLETED = "in-progress", "on-hold", "completed"
FAILED, CANCELLED, EXPIRED = "failed", "cancelled", "expired"
STATUSES = (REQUESTED, ACCEPTED, REJECTED, IN_PROGRESS, ON_HOLD, COMPLETED, FAILED,
            CANCELLED, EXPIRED)
OPEN = (REQUESTED, ACCEPTED, IN_PROGRESS, ON_HOLD)
CLOSED = (REJECTED, COMPLETED, FAILED, CANCELLED, EXPIRED)

HANDLER, REFERRER, SYSTEM = "handler", "referrer", "system"


@dataclass(frozen=True)
class Move:
    action: str
    to: str
    by: str          # HANDLER, REFERRER or SYSTEM
    verb: str        # the event: referrals.referral.<verb>


MOVES: dict[tuple[str, str], Move] = {}


def _allow(action: str, sources: tuple[str, ...], to: str, by: str, verb: str) -> None:
    for source in sources:
        MOVES[(source, action)] = Move(action, to, by, verb)


_allow("accept", (REQUESTED,), ACCEPTED, HANDLER, "accepted")
_allow("reject", (REQUESTED,), REJECTED, HANDLER, "rejected")
_allow("start", (ACCEPTED,), IN_PROGRESS, HANDLER, "started")
_allow("hold", (ACCEPTED, IN_PROGRESS), ON_HOLD, HANDLER, "held")
_allow("resume", (ON_HOLD,), IN_PROGRESS, HANDLER, "resumed")
_allow("complete", (ACCEPTED, IN_PROGRESS), COMPLETED, HANDLER, "completed")
_allow("fail", (ACCEPTED, IN_PROGRESS, ON_HOLD), FAILED, HANDLER, "failed")
_allow("cancel", OPEN, CANCELLED, REFERRER, "cancelled")
_allow("expire", (REQUESTED,), EXPIRED, SYSTEM, "expired")

ACTIONS = tuple(sorted({move.action for move in MOVES.values()}))
USER_ACTIONS = tuple(a for a in ACTIONS if a != "expire")
# Codes an action needs, and where they come from.
REQUIRED_CODES = {"reject": ("reason_code", REJECTION_REASONS),
                  "fail": ("reason_code", FAILURE_REASONS),
                  "complete": ("outcome_code", OUTCOMES)}


class TransitionRefused(Exception):
    """`kind` is "role" (403), "state" (409) or "field" (422, `field` named)."""

    def __init__(self, kind: str, message: str, field: str | None = None):
        super().__init__(message)
        self.kind = kind
        self.field = field


def decide(status: str, action: str, actor: str, *, reason_code: str | None = None,
           outcome_code: str | None = None) -> Move:
    """The move `actor` (HANDLER, REFERRER, SYSTEM) makes with `action` from `status`."""
    if action not in ACTIONS:
        raise TransitionRefused("field", f"Action inconnue : {action}.", "action")
    sample = next(m for m in MOVES.values() if m.action == action)
    if sample.by != actor:
        raise TransitionRefused("role", _who(sample.by))
    move = MOVES.get((status, action))
    if move is None:
        raise TransitionRefused(
            "state", f"Impossible de « {action} » une orientation au statut « {status} ».")
    codes = {"reason_code": reason_code, "outcome_code": outcome_code}
    if action in REQUIRED_CODES:
        name, allowed = REQUIRED_CODES[action]
        if codes[name] not in allowed:
            raise TransitionRefused(
                "field", f"Code requis parmi : {', '.join(sorted(allowed))}.", name)
    for name, value in codes.items():
        if value is not None and REQUIRED_CODES.get(action, (None,))[0] != name:
            raise TransitionRefused("field", "Ce code ne s'applique pas à cette action.", name)
    return move


def _who(by: str) -> str:
    return {HANDLER: "Seule la structure destinataire peut faire cette action.",
            REFERRER: "Seule la structure qui a orienté la personne peut faire cette action.",
            SYSTEM: "Cette action est réservée au système."}[by]
