"""Who acts on a referral, and in which capacity.

A member acts as the *handler* when the referral is routed to their organisation
and they hold the handler role, as the *referrer* when their organisation sent it
and they hold the referrer role; anyone else must not learn the referral exists.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from services.referrals.domain.workflow import HANDLER, REFERRER


@dataclass(frozen=True)
class Actor:
    member_id: uuid.UUID
    organisation_id: uuid.UUID
    roles: frozenset[str]


def capacity(actor: Actor, receiving_organisation_id: uuid.UUID,
             referrer_organisation_id: uuid.UUID) -> str | None:
    """HANDLER, REFERRER or None (no access). Handler first: an organisation may
    refer to itself, and its handlers then handle."""
    if "handler" in actor.roles and actor.organisation_id == receiving_organisation_id:
        return HANDLER
    if "referrer" in actor.roles and actor.organisation_id == referrer_organisation_id:
        return REFERRER
    return None
