"""The state machine: every (status, action, actor) combination, allowed or refused."""

import itertools

import pytest

from services.referrals.domain.workflow import (
    ACTIONS,
    HANDLER,
    MOVES,
    REFERRER,
    STATUSES,
    SYSTEM,
    TransitionRefused,
    decide,
)

pytestmark = pytest.mark.unit

ALLOWED = {
    ("requested", "accept"): ("accepted", HANDLER, "accepted"),
    ("requested", "reject"): ("rejected", HANDLER, "rejected"),
    ("requested", "cancel"): ("cancelled", REFERRER, "cancelled"),
    ("requested", "expire"): ("expired", SYSTEM, "expired"),
    ("accepted", "start"): ("in-progress", HANDLER, "started"),
    ("accepted", "hold"): ("on-hold", HANDLER, "held"),
    ("accepted", "complete"): ("completed", HANDLER, "completed"),
    ("accepted", "fail"): ("failed", HANDLER, "failed"),
    ("accepted", "cancel"): ("cancelled", REFERRER, "cancelled"),
    ("in-progress", "hold"): ("on-hold", HANDLER, "held"),
    ("in-progress", "complete"): ("completed", HANDLER, "completed"),
    ("in-progress", "fail"): ("failed", HANDLER, "failed"),
    ("in-progress", "cancel"): ("cancelled", REFERRER, "cancelled"),
    ("on-hold", "resume"): ("in-progress", HANDLER, "resumed"),
    ("on-hold", "fail"): ("failed", HANDLER, "failed"),
    ("on-hold", "cancel"): ("cancelled", REFERRER, "cancelled"),
}
CODES = {"reject": {"reason_code": "out_of_scope"}, "fail": {"reason_code": "unreachable"},
         "complete": {"outcome_code": "need_met"}}


def test_the_table_is_exactly_the_expected_one():
    assert {key: (m.to, m.by, m.verb) for key, m in MOVES.items()} == ALLOWED


@pytest.mark.parametrize("status,action,actor", list(itertools.product(
    STATUSES, ACTIONS, (HANDLER, REFERRER, SYSTEM))))
def test_every_combination(status, action, actor):
    expected = ALLOWED.get((status, action))
    codes = CODES.get(action, {})
    if expected and expected[1] == actor:
        move = decide(status, action, actor, **codes)
        assert (move.to, move.verb) == (expected[0], expected[2])
        return
    with pytest.raises(TransitionRefused) as refused:
        decide(status, action, actor, **codes)
    rightful = next(m.by for m in MOVES.values() if m.action == action)
    assert refused.value.kind == ("role" if rightful != actor else "state")


@pytest.mark.parametrize("action,codes,field", [
    ("reject", {}, "reason_code"),
    ("reject", {"reason_code": "need_met"}, "reason_code"),
    ("fail", {"reason_code": "out_of_scope"}, "reason_code"),
    ("complete", {}, "outcome_code"),
    ("complete", {"outcome_code": "need_met", "reason_code": "other"}, "reason_code"),
    ("accept", {"outcome_code": "need_met"}, "outcome_code"),
])
def test_codes_come_from_their_list(action, codes, field):
    status = "in-progress" if action in ("fail", "complete") else "requested"
    with pytest.raises(TransitionRefused) as refused:
        decide(status, action, HANDLER, **codes)
    assert (refused.value.kind, refused.value.field) == ("field", field)


def test_an_unknown_action_names_the_field():
    with pytest.raises(TransitionRefused) as refused:
        decide("requested", "teleport", HANDLER)
    assert refused.value.field == "action"
