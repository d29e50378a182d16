"""Governance bodies and meetings; generation lineage links and the history walk."""

import uuid
from datetime import UTC, datetime

import pytest

from services.registry.domain.governance import (
    Body,
    BodyMember,
    Decision,
    InvalidGovernance,
    Meeting,
    MeetingClosed,
)
from services.registry.domain.lineage import InvalidLink, Link, check_link, walk_history

pytestmark = pytest.mark.unit
CLS2, CLS3, CLS4 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
WHEN = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)


def test_a_body_lists_the_member_accounts_to_remind():
    member, org = uuid.uuid4(), uuid.uuid4()
    body = Body(contract_id=CLS3, kind="steering_committee", name="Comité de pilotage",
                members=(BodyMember(role="présidence", member_id=member),
                         BodyMember(role="signataire", organisation_id=org)))
    assert body.member_ids == [member]


@pytest.mark.parametrize("values,field", [
    ({"kind": "council"}, "kind"),
    ({"name": ""}, "name"),
    ({"members": (BodyMember(role="x", member_id=uuid.UUID(int=1)),
                  BodyMember(role="y", member_id=uuid.UUID(int=1)))}, "members"),
])
def test_invalid_bodies_name_the_field(values, field):
    with pytest.raises(InvalidGovernance) as caught:
        Body(**{"contract_id": CLS3, "kind": "working_group", "name": "Santé des jeunes",
                **values})
    assert caught.value.field == field


def test_a_seat_needs_someone_and_a_role():
    with pytest.raises(InvalidGovernance):
        BodyMember(role="membre")
    with pytest.raises(InvalidGovernance):
        BodyMember(role=" ", member_id=uuid.uuid4())


def meeting(**values):
    return Meeting(**{"body_id": uuid.uuid4(), "contract_id": CLS3, "starts_at": WHEN,
                      **values})


def test_rescheduling_is_an_update_and_cancelling_closes_the_meeting():
    scheduled = meeting()
    assert scheduled.changed(starts_at=WHEN) is None
    moved, verb = scheduled.changed(starts_at=WHEN.replace(day=10))
    assert (moved.version, verb) == (2, "updated")
    cancelled, verb = moved.changed(status="cancelled")
    assert (cancelled.version, verb) == (3, "cancelled")
    with pytest.raises(MeetingClosed):
        cancelled.changed(place="Mairie")


def test_a_meeting_time_must_be_aware_and_decisions_compare_whatever_the_order():
    with pytest.raises(InvalidGovernance) as caught:
        meeting(starts_at=datetime(2026, 12, 3, 14, 0))
    assert caught.value.field == "starts_at"
    a, b = uuid.uuid4(), uuid.uuid4()
    assert Decision("Prolonger", (a, b)) == Decision("Prolonger", (b, a, b))


def link(source, relation, target=None, *, kind="action", contract=CLS3, predecessor=CLS2):
    return Link(contract_id=contract, predecessor_id=predecessor, kind=kind, source_id=source,
                target_id=target, relation=relation)


@pytest.mark.parametrize("values,field", [
    ({"relation": "dropped", "target_id": uuid.uuid4()}, "target_id"),
    ({"relation": "continued"}, "target_id"),
    ({"relation": "renamed", "target_id": uuid.uuid4()}, "relation"),
    ({"relation": "dropped", "kind": "theme"}, "kind"),
    ({"relation": "dropped", "predecessor_id": CLS3}, "source_id"),
])
def test_invalid_links_name_the_field(values, field):
    with pytest.raises(InvalidLink) as caught:
        Link(**{"contract_id": CLS3, "predecessor_id": CLS2, "kind": "action",
                "source_id": uuid.uuid4(), **values})
    assert caught.value.field == field


def test_links_agree_with_each_other():
    old, old2, new, new2 = (uuid.uuid4() for _ in range(4))
    continued = link(old, "continued", new)
    with pytest.raises(InvalidLink):  # a continued source has one successor
        check_link(link(old, "continued", new2), [continued])
    with pytest.raises(InvalidLink):  # a continued target has one source
        check_link(link(old2, "continued", new), [continued])
    check_link(link(old, "split", new2), [link(old, "split", new)])
    with pytest.raises(InvalidLink):
        check_link(link(old, "split", new), [link(old, "split", new)])  # the same link twice
    check_link(link(old2, "merged", new), [link(old, "merged", new)])
    with pytest.raises(InvalidLink):
        check_link(link(old2, "continued", new), [link(old, "merged", new)])
    with pytest.raises(InvalidLink):  # dropped means no other link
        check_link(link(old, "split", new), [link(old, "dropped")])


def test_history_walks_both_ways_across_generations_with_siblings():
    cls2_a, cls2_b, cls3_x, cls4_y, cls4_z = (uuid.uuid4() for _ in range(5))
    links = [link(cls2_a, "merged", cls3_x), link(cls2_b, "merged", cls3_x),
             link(cls3_x, "split", cls4_y, contract=CLS4, predecessor=CLS3),
             link(cls3_x, "split", cls4_z, contract=CLS4, predecessor=CLS3),
             link(uuid.uuid4(), "dropped")]  # unrelated
    calls = []

    def touching(ids):
        calls.append(set(ids))
        return [x for x in links if x.source_id in ids or x.target_id in ids]

    from_middle = walk_history(cls3_x, touching)
    assert [(s.generation, s.link.relation) for s in from_middle] == \
        [(0, "merged"), (0, "merged"), (1, "split"), (1, "split")]
    from_oldest = walk_history(cls2_a, touching)
    assert sorted(s.generation for s in from_oldest) == [1, 1, 2, 2]
    from_newest = walk_history(cls4_y, touching)
    assert sorted(s.generation for s in from_newest) == [-1, -1, 0, 0]
    assert walk_history(uuid.uuid4(), touching) == []


def test_history_survives_a_cycle_in_bad_data():
    a, b = uuid.uuid4(), uuid.uuid4()
    links = [link(a, "continued", b), link(b, "continued", a, contract=CLS2, predecessor=CLS3)]
    steps = walk_history(a, lambda ids: [x for x in links if x.source_id in ids
                                         or x.target_id in ids])
    assert len(steps) == 2
