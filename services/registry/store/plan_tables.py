"""Tables of the action plan, indicators, governance and lineage.

Pilots, carriers and funders are JSON lists: they are read and written with
their fiche, never queried on their own.
"""

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)

from services.registry.store import contract_tables  # noqa: F401  (defines `contracts`)
from services.registry.store.tables import metadata


def _timestamps():
    return (Column("created_at", DateTime(timezone=True), nullable=False),
            Column("updated_at", DateTime(timezone=True), nullable=False))


plan_axes = Table(
    "plan_axes",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("contract_id", Uuid, ForeignKey("contracts.id", ondelete="CASCADE"), nullable=False),
    Column("parent_id", Uuid, ForeignKey("plan_axes.id"), nullable=True),
    Column("code", String(30), nullable=False),
    Column("title", String(300), nullable=False),
    Column("position", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    *_timestamps(),
    UniqueConstraint("contract_id", "code", name="uq_plan_axes_contract_code"),
)

plan_actions = Table(
    "plan_actions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("contract_id", Uuid, ForeignKey("contracts.id", ondelete="CASCADE"), nullable=False),
    Column("axis_id", Uuid, ForeignKey("plan_axes.id"), nullable=False),
    Column("code", String(30), nullable=False),
    Column("title", String(300), nullable=False),
    Column("objectives", Text, nullable=False),
    Column("target_public", Text, nullable=False),
    Column("pilots", JSON, nullable=False),
    Column("carriers", JSON, nullable=False),
    Column("status", String(20), nullable=False),
    Column("priority", String(10), nullable=True),
    Column("starts_on", Date, nullable=True),
    Column("ends_on", Date, nullable=True),
    Column("budget_amount", Numeric(14, 2), nullable=True),
    Column("budget_period", String(10), nullable=True),
    Column("funders", JSON, nullable=False),
    Column("version", Integer, nullable=False),
    *_timestamps(),
    UniqueConstraint("contract_id", "code", name="uq_plan_actions_contract_code"),
)
Index("ix_plan_actions_axis", plan_actions.c.axis_id)

plan_indicators = Table(
    "plan_indicators",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("action_id", Uuid, ForeignKey("plan_actions.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(300), nullable=False),
    Column("unit", String(50), nullable=False),
    Column("baseline", Numeric(14, 2), nullable=True),
    Column("target", Numeric(14, 2), nullable=True),
    Column("source", String(10), nullable=False),
    Column("metric", String(40), nullable=True),
    Column("metric_status", String(20), nullable=True),
    Column("version", Integer, nullable=False),
    *_timestamps(),
)
Index("ix_plan_indicators_action", plan_indicators.c.action_id)

plan_measurements = Table(
    "plan_measurements",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("indicator_id", Uuid, ForeignKey("plan_indicators.id", ondelete="CASCADE"),
           nullable=False),
    Column("measured_on", Date, nullable=False),
    Column("value", Numeric(14, 2), nullable=False),
    Column("note", String(500), nullable=False),
    Column("recorded_by", String(100), nullable=False),  # the member id of the token
    Column("created_at", DateTime(timezone=True), nullable=False),
)
Index("ix_plan_measurements_indicator", plan_measurements.c.indicator_id,
      plan_measurements.c.measured_on, plan_measurements.c.id)

# One row per referral, at its latest version: computed indicators count from it.
# No foreign key to the fiche: events may name a fiche deleted since.
referral_facts = Table(
    "referral_facts",
    metadata,
    Column("referral_id", Uuid, primary_key=True),
    Column("contract_id", Uuid, nullable=True),
    Column("action_id", Uuid, nullable=True),
    Column("beneficiary_id", Uuid, nullable=False),
    Column("referrer_member_id", Uuid, nullable=False),
    Column("status", String(20), nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
)
Index("ix_referral_facts_action", referral_facts.c.action_id)

governance_bodies = Table(
    "governance_bodies",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("contract_id", Uuid, ForeignKey("contracts.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("name", String(200), nullable=False),
    Column("theme", String(200), nullable=True),
    Column("version", Integer, nullable=False),
    *_timestamps(),
)
Index("ix_governance_bodies_contract", governance_bodies.c.contract_id, governance_bodies.c.id)

body_members = Table(
    "governance_body_members",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("body_id", Uuid, ForeignKey("governance_bodies.id", ondelete="CASCADE"),
           nullable=False),
    Column("position", Integer, nullable=False),
    Column("member_id", Uuid, nullable=True),
    Column("organisation_id", Uuid, ForeignKey("organisations.id"), nullable=True),
    Column("role", String(100), nullable=False),
)
Index("ix_governance_body_members_body", body_members.c.body_id)

meetings = Table(
    "governance_meetings",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("body_id", Uuid, ForeignKey("governance_bodies.id", ondelete="CASCADE"),
           nullable=False),
    Column("contract_id", Uuid, ForeignKey("contracts.id", ondelete="CASCADE"), nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("place", String(300), nullable=False),
    Column("agenda", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("version", Integer, nullable=False),
    *_timestamps(),
)
Index("ix_governance_meetings_contract", meetings.c.contract_id, meetings.c.starts_at,
      meetings.c.id)

decisions = Table(
    "governance_decisions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("meeting_id", Uuid, ForeignKey("governance_meetings.id", ondelete="CASCADE"),
           nullable=False),
    Column("position", Integer, nullable=False),
    Column("text", Text, nullable=False),
)
Index("ix_governance_decisions_meeting", decisions.c.meeting_id)

decision_actions = Table(
    "governance_decision_actions",
    metadata,
    Column("decision_id", Uuid, ForeignKey("governance_decisions.id", ondelete="CASCADE"),
           primary_key=True),
    Column("action_id", Uuid, ForeignKey("plan_actions.id", ondelete="CASCADE"),
           primary_key=True),
)

lineage_links = Table(
    "lineage_links",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("contract_id", Uuid, ForeignKey("contracts.id", ondelete="CASCADE"), nullable=False),
    Column("predecessor_id", Uuid, ForeignKey("contracts.id", ondelete="CASCADE"),
           nullable=False),
    Column("kind", String(10), nullable=False),
    # Axis or fiche ids, by kind: checked by the store, not by a foreign key.
    Column("source_id", Uuid, nullable=False),
    Column("target_id", Uuid, nullable=True),
    Column("relation", String(10), nullable=False),
    Column("note", String(1000), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
Index("ix_lineage_links_source", lineage_links.c.source_id)
Index("ix_lineage_links_target", lineage_links.c.target_id)
Index("ix_lineage_links_contract", lineage_links.c.contract_id, lineage_links.c.id)

PLAN_TABLES = (plan_axes, plan_actions, plan_indicators, plan_measurements, referral_facts,
               governance_bodies, body_members, meetings, decisions, decision_actions,
               lineage_links)
