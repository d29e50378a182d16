"""Referrals: intake by a referrer, lists for each side, one referral's full view."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import flask
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy.exc import IntegrityError

from services.referrals.api import context as ctx
from services.referrals.api.schemas import (
    IntakeSchema,
    ReferralPageSchema,
    ReferralQuerySchema,
    ReferralSchema,
)
from services.referrals.commands.intake import submit
from services.referrals.domain.errors import InvalidReferral
from services.referrals.store import idempotency, queries, views
from shared.auth import require_roles
from shared.communes import referential
from shared.http.problems import ApiError

blp = Blueprint("referrals", __name__, url_prefix="/api/v1/referrals",
                description="Needs raised by partners, routed to the competent organisation.")

_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")
_REFERRAL = ReferralSchema()  # one instance: its nested schemas are built once


def _json_response(body: dict, status: int) -> flask.Response:
    response = flask.Response(json.dumps(body), status=status, mimetype="application/json")
    response.headers.update(ctx.etag(body["version"]))
    return response


@blp.route("")
class Referrals(MethodView):
    @require_roles("referrer")
    @blp.arguments(IntakeSchema())  # an instance: webargs would build one per request
    @blp.response(201, ReferralSchema)
    @blp.doc(parameters=[{"in": "header", "name": "Idempotency-Key", "required": False,
                          "schema": {"type": "string", "maxLength": 200}}])
    def post(self, body):
        """Raise a need for a person (their consent is required)."""
        who = ctx.actor()
        settings = flask.current_app.extensions["relais.settings"]
        if not referential(settings.referential_dir).exists(body["beneficiary"]["commune"]):
            raise ctx.invalid("beneficiary.commune", "Code INSEE de commune inconnu.")
        key = flask.request.headers.get("Idempotency-Key")
        if key is not None and not _KEY.match(key):
            raise ctx.invalid("Idempotency-Key", "1 à 200 caractères imprimables.", "headers")
        protection, now = ctx.protection(), ctx.now()
        digest = protection.blind_index.digest(
            "request|" + json.dumps(flask.request.get_json(), sort_keys=True))
        try:
            with ctx.sessions().begin() as session:
                replay = _replay(session, who, key, digest, now)
                if replay is not None:
                    return replay
                try:
                    submitted = submit(session, body, who, protection, now)
                except InvalidReferral as exc:
                    raise ctx.refusal(exc) from None
                dumped = _REFERRAL.dump(views.detail_of_new(submitted, protection.cipher, now))
                referral = submitted.referral
                ctx.record(session, "update", "intake", [referral["id"]])
                if key is not None:
                    hours = settings.idempotency_hours
                    idempotency.save(
                        session, member_id=str(who.member_id), key=key, digest=digest,
                        referral_id=referral["id"], status_code=201,
                        response_enc=protection.cipher.encrypt(json.dumps(dumped)),
                        expires_at=now + timedelta(hours=hours), now=now)
        except IntegrityError:
            # The same key committed concurrently: answer what it answered.
            with ctx.sessions().begin() as session:
                replay = _replay(session, who, key, digest, now)
            if replay is None:
                raise
            return replay
        return _json_response(dumped, 201)

    @require_roles("referrer", "handler")
    @blp.arguments(ReferralQuerySchema, location="query")
    @blp.response(200, ReferralPageSchema)
    def get(self, query):
        """Referrals routed to the caller's organisation (handlers: the triage queue with
        `status=requested`) or sent by it (`side=referrer`). Handlers' items carry the
        identity (each read audited) unless `fields=summary` or `include_identity=false`:
        then nothing personal is decrypted and no audit row is written."""
        who = ctx.actor()
        fields_asked, include_identity = query.pop("fields_", "full"), \
            query.pop("include_identity", True)
        summary_only = fields_asked == "summary" or include_identity is False
        side = query.pop("side", None) or ("receiving" if "handler" in who.roles else "referrer")
        needed = "handler" if side == "receiving" else "referrer"
        if needed not in who.roles:
            raise ApiError(403, "forbidden", "Forbidden",
                           detail="Votre rôle ne donne pas accès à cette liste.")
        cipher, now = ctx.protection().cipher, ctx.now()
        with ctx.sessions().begin() as session:
            try:
                rows, next_cursor = queries.page(
                    session, side=side, organisation_id=who.organisation_id, filters=query,
                    limit=query["limit"], now=now, after=query.get("after"))
            except InvalidReferral as exc:
                raise ctx.invalid(exc.field, str(exc), "query") from None
            with_identity = side == "receiving" and not summary_only
            people = views.identities(session, [row["beneficiary_id"] for row in rows],
                                      cipher) if with_identity and rows else {}
            items = []
            for row in rows:
                item = views.summary(row, now)
                if with_identity:
                    item["beneficiary"] = people[row["beneficiary_id"]]
                items.append(item)
            if with_identity and rows:
                ctx.record(session, "list", "triage", [row["id"] for row in rows])
        return {"items": items, "next": next_cursor}


@blp.route("/<uuid:referral_id>")
class ReferralById(MethodView):
    @require_roles("referrer", "handler")
    @blp.response(200, ReferralSchema)
    def get(self, referral_id):
        """One referral: the receiving organisation sees its internal notes and possible
        duplicates, the sending one the status, outcome, history and shared messages."""
        with ctx.sessions().begin() as session:
            referral, capacity = ctx.load(session, referral_id, "view")
            view = views.detail(session, referral, capacity, ctx.protection().cipher, ctx.now())
            ctx.record(session, "read", f"view_as_{capacity}", [referral["id"]])
        return view, 200, ctx.etag(referral["version"])


def _replay(session, who, key, digest, now):
    if key is None:
        return None
    found = idempotency.find(session, str(who.member_id), key, now)
    if found is None:
        return None
    if found.request_digest != digest:
        raise ApiError(422, "idempotency_key_reused", "Idempotency key reused",
                       detail="Cette clé d'idempotence a déjà servi pour une autre demande.",
                       errors=[{"location": "headers", "field": "Idempotency-Key",
                                "message": "Clé déjà utilisée avec un autre contenu."}])
    body = json.loads(ctx.protection().cipher.decrypt(found.response_enc))
    if found.referral_id is not None:
        ctx.record(session, "read", "intake_replay", [found.referral_id])
    return _json_response(body, found.status_code)

