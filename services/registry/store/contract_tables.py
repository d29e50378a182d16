"""Tables of contracts, territories, routing rules and pathways."""

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)

from services.registry.store.tables import metadata

contracts = Table(
    "contracts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(300), nullable=False),
    Column("status", String(20), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("generation", Integer),
    Column("predecessor_id", Uuid, ForeignKey("contracts.id")),
    Column("starts_on", Date),
    Column("ends_on", Date),
    Column("signed_on", Date),
    # A member of the directory; no foreign key: members live in a later migration.
    Column("coordinator_member_id", Uuid),
    Column("fallback_organisation_id", Uuid, ForeignKey("organisations.id")),
    Column("reminder_after_days", Integer, nullable=False),
    Column("expire_after_days", Integer, nullable=False),
)
Index("ix_contracts_status", contracts.c.status, contracts.c.id)

# The territory is stored as communes (INSEE codes), whatever form it was given in;
# the EPCI codes it was given as are kept beside it.
contract_communes = Table(
    "contract_communes",
    metadata,
    Column("contract_id", Uuid, ForeignKey("contracts.id", ondelete="CASCADE"),
           primary_key=True),
    Column("commune", String(5), primary_key=True),
)
Index("ix_contract_communes_commune", contract_communes.c.commune, contract_communes.c.contract_id)

contract_epcis = Table(
    "contract_epcis",
    metadata,
    Column("contract_id", Uuid, ForeignKey("contracts.id", ondelete="CASCADE"),
           primary_key=True),
    Column("epci", String(9), primary_key=True),
)

contract_amendments = Table(
    "contract_amendments",
    metadata,
    Column("contract_id", Uuid, ForeignKey("contracts.id", ondelete="CASCADE"),
           primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("signed_on", Date, nullable=False),
    Column("title", String(300), nullable=False),
    Column("summary", Text, nullable=False),
)

contract_partners = Table(
    "contract_partners",
    metadata,
    Column("contract_id", Uuid, ForeignKey("contracts.id", ondelete="CASCADE"),
           primary_key=True),
    Column("organisation_id", Uuid, ForeignKey("organisations.id"), primary_key=True),
    Column("role", String(20), primary_key=True),
)

routing_rules = Table(
    "routing_rules",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("contract_id", Uuid, ForeignKey("contracts.id"), nullable=False),
    Column("need_category", String(50), ForeignKey("need_categories.code"), nullable=False),
    Column("organisation_id", Uuid, ForeignKey("organisations.id"), nullable=False),
    Column("precedence", Integer, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
Index("ix_routing_rules_contract", routing_rules.c.contract_id, routing_rules.c.id)

# No commune listed for a rule = the whole territory of its contract.
routing_rule_communes = Table(
    "routing_rule_communes",
    metadata,
    Column("rule_id", Uuid, ForeignKey("routing_rules.id", ondelete="CASCADE"),
           primary_key=True),
    Column("commune", String(5), primary_key=True),
)

pathways = Table(
    "pathways",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("contract_id", Uuid, ForeignKey("contracts.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("contract_id", "name", name="uq_pathways_contract_name"),
)

pathway_steps = Table(
    "pathway_steps",
    metadata,
    Column("pathway_id", Uuid, ForeignKey("pathways.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("need_category", String(50), ForeignKey("need_categories.code"), nullable=False),
    Column("organisation_id", Uuid, ForeignKey("organisations.id"), nullable=False),
)

# In creation order; dropped in reverse.
ALL = (contracts, contract_communes, contract_epcis, contract_amendments, contract_partners,
       routing_rules, routing_rule_communes, pathways, pathway_steps)
