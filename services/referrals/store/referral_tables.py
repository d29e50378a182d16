"""Referrals, their beneficiaries (encrypted), history, notes, pathway runs, audit.

Columns ending in `_enc` hold Fernet tokens (see store.cipher); everything else
is ids, codes, communes, statuses and dates, which statistics and events use.
"""

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    Uuid,
)

from services.referrals.store.tables import UTCDateTime, metadata

beneficiaries = Table(
    "beneficiaries", metadata,
    Column("id", Uuid, primary_key=True),
    Column("first_name_enc", Text),
    Column("last_name_enc", Text),
    Column("birth_date_enc", Text),
    Column("phone_enc", Text),
    Column("email_enc", Text),
    Column("commune", String(5), nullable=False),
    Column("blind_index", String(64), index=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("anonymised_at", UTCDateTime),
)

pathway_runs = Table(
    "pathway_runs", metadata,
    Column("id", Uuid, primary_key=True),
    Column("pathway_id", Uuid, nullable=False),
    Column("contract_id", Uuid),
    Column("beneficiary_id", Uuid, ForeignKey("beneficiaries.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("steps", Text, nullable=False),  # the template's steps (JSON) when it started
    Column("current_position", Integer, nullable=False),
    Column("status", String(20), nullable=False),  # active, completed, stopped
    Column("referrer_organisation_id", Uuid, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
)

referrals = Table(
    "referrals", metadata,
    Column("id", Uuid, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("beneficiary_id", Uuid, ForeignKey("beneficiaries.id"), nullable=False),
    Column("need_category", String(50), nullable=False),
    Column("commune", String(5), nullable=False),
    Column("urgency", String(10), nullable=False),
    Column("description_enc", Text),
    Column("contract_id", Uuid),
    Column("action_id", Uuid),
    Column("pathway_id", Uuid),
    Column("pathway_run_id", Uuid, ForeignKey("pathway_runs.id")),
    Column("step_position", Integer),
    Column("referrer_member_id", Uuid, nullable=False),
    Column("referrer_organisation_id", Uuid, nullable=False),
    Column("receiving_organisation_id", Uuid, nullable=False),
    Column("assignee_member_id", Uuid),
    Column("consent_obtained_by", String(200), nullable=False),
    Column("consent_obtained_at", UTCDateTime, nullable=False),
    Column("consent_method", String(20), nullable=False),
    Column("consent_scope", String(40), nullable=False),
    Column("reason_code", String(40)),
    Column("reason_text_enc", Text),
    Column("outcome_code", String(40)),
    Column("outcome_text_enc", Text),
    Column("submitted_at", UTCDateTime, nullable=False),
    Column("first_answer_at", UTCDateTime),
    Column("closed_at", UTCDateTime),
    Column("remind_at", UTCDateTime, nullable=False),
    Column("expire_at", UTCDateTime, nullable=False),
    Column("reminded_at", UTCDateTime),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("anonymised_at", UTCDateTime),
)
Index("ix_referrals_receiving_keyset", referrals.c.receiving_organisation_id,
      referrals.c.submitted_at, referrals.c.id)
Index("ix_referrals_referrer_keyset", referrals.c.referrer_organisation_id,
      referrals.c.submitted_at, referrals.c.id)
Index("ix_referrals_due", referrals.c.status, referrals.c.remind_at)
# The triage queue (an organisation's referrals in one status, newest first): reads
# one page of index entries whatever the total (measured by make bench at 1M rows).
Index("ix_referrals_receiving_status_keyset", referrals.c.receiving_organisation_id,
      referrals.c.status, referrals.c.submitted_at, referrals.c.id)

transitions = Table(
    "referral_transitions", metadata,
    Column("id", Uuid, primary_key=True),
    Column("referral_id", Uuid, ForeignKey("referrals.id"), nullable=False, index=True),
    Column("version", Integer, nullable=False),  # the referral's version after it
    Column("action", String(20), nullable=False),
    Column("from_status", String(20)),
    Column("to_status", String(20), nullable=False),
    Column("actor_member_id", Uuid),  # None: the system
    Column("actor_organisation_id", Uuid),
    Column("reason_code", String(40)),
    Column("outcome_code", String(40)),
    Column("from_organisation_id", Uuid),
    Column("to_organisation_id", Uuid),
    Column("comment_enc", Text),
    Column("occurred_at", UTCDateTime, nullable=False),
)

notes = Table(
    "referral_notes", metadata,
    Column("id", Uuid, primary_key=True),
    Column("referral_id", Uuid, ForeignKey("referrals.id"), nullable=False, index=True),
    Column("visibility", String(10), nullable=False),  # internal | shared
    Column("author_member_id", Uuid, nullable=False),
    Column("author_organisation_id", Uuid, nullable=False),
    Column("body_enc", Text),
    Column("created_at", UTCDateTime, nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys", metadata,
    Column("member_id", String(100), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("request_digest", String(64), nullable=False),
    Column("referral_id", Uuid, ForeignKey("referrals.id"), index=True),
    Column("status_code", Integer, nullable=False),
    Column("response_enc", Text, nullable=False),  # the body holds the identity: encrypted
    Column("expires_at", UTCDateTime, nullable=False, index=True),
)

# Append-only (triggers refuse UPDATE and DELETE): who touched whose data, never the data.
audit_log = Table(
    "audit_log", metadata,
    Column("id", Uuid, primary_key=True),
    Column("occurred_at", UTCDateTime, nullable=False, index=True),
    Column("member_id", String(100)),
    Column("roles", String(100)),
    Column("organisation_id", String(100)),
    Column("referral_id", Uuid, index=True),
    Column("action", String(20), nullable=False),  # read, list, update, export, denied...
    Column("purpose", String(100), nullable=False),
    Column("request_id", String(128)),
)

# A person's withdrawal of their consent to share (CSP L1110-4), one per referral:
# who recorded it (the professional, as for `consent_obtained_by`), when the person
# withdrew, an optional note (encrypted: it may say why). Created by revision 0004.
consent_withdrawals = Table(
    "consent_withdrawals", metadata,
    Column("referral_id", Uuid, ForeignKey("referrals.id"), primary_key=True),
    Column("withdrawn_at", UTCDateTime, nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_by_member_id", Uuid, nullable=False),
    Column("recorded_by_organisation_id", Uuid, nullable=False),
    Column("note_enc", Text),
    Column("recorded_at", UTCDateTime, nullable=False),
)

# Revision 0003 creates these (its `Table.create` calls): later tables go in their own
# revisions and are not listed here.
REFERRAL_TABLES = (beneficiaries, pathway_runs, referrals, transitions, notes,
                   idempotency_keys, audit_log)
ENCRYPTED_COLUMNS = {
    beneficiaries: ("first_name_enc", "last_name_enc", "birth_date_enc", "phone_enc",
                    "email_enc"),
    referrals: ("description_enc", "reason_text_enc", "outcome_text_enc"),
    transitions: ("comment_enc",),
    notes: ("body_enc",),
    idempotency_keys: ("response_enc",),
    consent_withdrawals: ("note_enc",),
}
