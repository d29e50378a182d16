"""Every API operation of the three services, read from each app's own OpenAPI
document, and a concrete request for it in the security world: path parameters
filled with the world's objects (random ids for DELETE: the matrix must not
destroy what it probes), a probe body for writes."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from tests.security.world import SERVICES

METHODS = ("get", "post", "put", "patch", "delete")
_PARAM = re.compile(r"{(\w+)}")
# `{code}` names a different thing on each path.
CODES = {"/api/v1/need-categories/": "access_to_rights", "/api/v1/communes/": "97408",
         "/api/v1/epcis/": "249740101"}


@dataclass(frozen=True)
class Operation:
    service: str
    method: str
    path: str          # the OpenAPI template, e.g. /api/v1/referrals/{referral_id}
    secured: bool      # the document says it needs a bearer token

    @property
    def key(self) -> str:
        return f"{self.service} {self.method.upper()} {self.path}"

    def url(self, ids: dict[str, str]) -> str:
        def value(match):
            name = match.group(1)
            if name == "code":
                return next(v for prefix, v in CODES.items() if self.path.startswith(prefix))
            if self.method == "delete":
                return str(uuid.uuid4())
            return ids[name]

        return _PARAM.sub(value, self.path)


def operations(world) -> list[Operation]:
    found = []
    for service in SERVICES:
        document = world.clients[service].get("/api/v1/openapi.json").get_json()
        for path, item in document["paths"].items():
            for method in METHODS:
                if method in item:
                    found.append(Operation(service, method, path,
                                           bool(item[method].get("security"))))
    return found


def _unique() -> str:
    return uuid.uuid4().hex[:8]


# Probes: a query string and a body factory `(world) -> body` for operations whose
# ownership check runs after the body is parsed (an empty body would be refused with
# 422 before it, for insiders and outsiders alike). Bodies that create something
# create harmless, uniquely named items of the test world; transitions, redirections
# and assignments carry no If-Match, so they stop at 428 once access is granted.
PROBES = {
    "registry GET /api/v1/communes": ("?q=Possession", None),
    "registry POST /api/v1/members/{member_id}/password": (
        "", lambda w: {"new_password": "court", "current_password": "x"}),
    "registry POST /api/v1/contracts/{contract_id}/routing-rules": ("", lambda w: {
        "need_category": "housing", "organisation_id": w.ids["organisation_id"],
        "communes": ["97408"], "precedence": 7}),
    "registry POST /api/v1/contracts/{contract_id}/pathways": ("", lambda w: {
        "name": f"Parcours sonde {_unique()}", "steps": [
            {"position": 1, "name": "Étape", "need_category": "housing",
             "organisation_id": w.ids["organisation_id"]}]}),
    "registry POST /api/v1/contracts/{contract_id}/axes": ("", lambda w: {
        "code": f"S{_unique()}", "title": "Axe sonde"}),
    "registry POST /api/v1/contracts/{contract_id}/actions": ("", lambda w: {
        "axis_id": w.ids["axis_id"], "code": f"S{_unique()}", "title": "Fiche sonde"}),
    "registry POST /api/v1/actions/{action_id}/indicators": ("", lambda w: {
        "name": f"Indicateur sonde {_unique()}"}),
    "registry POST /api/v1/indicators/{indicator_id}/measurements": ("", lambda w: {
        "measured_on": "2026-01-01", "value": 1}),
    "registry POST /api/v1/contracts/{contract_id}/bodies": ("", lambda w: {
        "kind": "working_group", "name": f"Groupe sonde {_unique()}"}),
    "registry POST /api/v1/bodies/{body_id}/meetings": ("", lambda w: {
        "starts_at": "2027-06-01T10:00:00+04:00"}),
    "registry POST /api/v1/contracts/{contract_id}/lineage": ("", lambda w: {
        "kind": "action", "source_id": str(uuid.uuid4()), "target_id": w.ids["action_id"],
        "relation": "continued"}),
    "referrals POST /api/v1/referrals/{referral_id}/transitions": (
        "", lambda w: {"action": "start"}),
    "referrals POST /api/v1/referrals/{referral_id}/redirection": ("", lambda w: {
        "organisation_id": w.principals["other_handler"].organisation_id,
        "reason": "Sonde"}),
    "referrals PUT /api/v1/referrals/{referral_id}/assignment": (
        "", lambda w: {"assignee_member_id": None}),
    "referrals POST /api/v1/referrals/{referral_id}/consent-withdrawal": ("", lambda w: {
        "withdrawn_at": "2026-01-10T10:00:00Z", "recorded_by": "Sonde"}),
    "referrals POST /api/v1/referrals/{referral_id}/notes": ("", lambda w: {"body": "Sonde"}),
    "referrals POST /api/v1/referrals/{referral_id}/messages": ("", lambda w: {"body": "Sonde"}),
    "notifications PUT /api/v1/preferences": ("", lambda w: {
        "event_type": "referrals.referral.accepted", "channel": "email",
        "mode": "immediately"}),
    "notifications PUT /api/v1/preferences/organisations/{organisation_id}": ("", lambda w: {
        "event_type": "referrals.referral.accepted", "channel": "email",
        "mode": "immediately"}),
    "notifications POST /api/v1/webhooks": ("", lambda w: {
        "organisation_id": w.ids["organisation_id"],
        "url": "https://hooks.example.org/sonde", "event_types": ["referrals.referral.accepted"]}),
}


def request_for(operation: Operation, world) -> tuple[str, dict | None]:
    """The URL (with the probe's query) and the JSON body to send."""
    query, body = PROBES.get(operation.key, ("", None))
    if body is not None:
        return operation.url(world.ids) + query, body(world)
    writes = operation.method in ("post", "put", "patch")
    return operation.url(world.ids) + query, ({} if writes else None)
