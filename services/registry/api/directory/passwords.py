"""Setting a member's password: by the member (with the current one) or by an admin.

A changed password ends every sign-in session of the member. A wrong current
password counts as a failed sign-in (a stolen access token cannot be used to
guess it at leisure).
"""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from services.registry.api.directory.auth import check_throttle, record_failure
from services.registry.api.directory.common import forbidden, invalid, not_found, sessions
from services.registry.api.directory.members import blp
from services.registry.domain.members import email_key
from services.registry.domain.passwords import WeakPassword, hash_password, verify_password
from services.registry.store import credentials as credential_store
from services.registry.store import members as member_store
from shared.auth import authenticated, current_principal


class PasswordChangeSchema(Schema):
    current_password = fields.String(validate=validate.Length(1, 1024), metadata={
        "description": "Required when members change their own password."})
    new_password = fields.String(required=True, validate=validate.Length(1, 1024))


@blp.route("/<uuid:member_id>/password")
class MemberPassword(MethodView):
    @authenticated
    @blp.arguments(PasswordChangeSchema)
    @blp.response(204)
    def post(self, body, member_id):
        """Set the password: the member themself (current password needed) or an admin."""
        principal = current_principal()
        own = principal.member_id == str(member_id)
        if not own and not principal.has_any("admin"):
            raise forbidden("Seul le membre ou un administrateur peut changer ce mot de passe.")
        try:
            new_hash = hash_password(body["new_password"])
        except WeakPassword as exc:
            raise invalid(("new_password", str(exc))) from None
        with sessions().begin() as session:
            member = member_store.get(session, member_id)
            if member is None:
                raise not_found("Membre introuvable.")
            if own:
                if "current_password" not in body:
                    raise invalid(("current_password", "Le mot de passe actuel est requis."))
                check_throttle(session, email_key(member.email))
                current_hash = credential_store.password_hash_of(session, member.id)
        if own and not verify_password(current_hash, body["current_password"]):
            with sessions().begin() as session:
                record_failure(session, email_key(member.email))
            raise invalid(("current_password", "Mot de passe actuel incorrect."))
        with sessions().begin() as session:
            credential_store.set_password_hash(session, member.id, new_hash)
            credential_store.revoke_member_sessions(session, member.id)
        return None
