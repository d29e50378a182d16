"""Members: people's accounts in organisations.

Every signed-in member may look members up (who handles what), but a member's
personal details (e-mail, RPPS number, phone) are shown only to admins and to
the members of the same organisation; others see the id, display name,
organisation and roles. Admins create, change and deactivate members;
`DELETE` deactivates (the row stays, an `updated` event says `active: false`)
and ends the member's sign-in sessions.
"""

from __future__ import annotations

import uuid

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy.exc import IntegrityError

from services.registry.api.directory.common import forbidden, invalid, not_found, sessions
from services.registry.domain.members import ROLES, InvalidMember, Member
from services.registry.domain.passwords import WeakPassword, hash_password
from services.registry.store import credentials as credential_store
from services.registry.store import members as store
from services.registry.store import organisations as organisation_store
from shared.auth import Principal, authenticated, current_principal, require_roles
from shared.http.problems import ApiError

blp = Blueprint("members", __name__, url_prefix="/api/v1/members",
                description="Members: people's accounts in organisations, with roles.")

PUBLIC_FIELDS = ("id", "display_name", "organisation_id", "roles")
_ROLE = fields.String(validate=validate.OneOf(ROLES))


class MemberSchema(Schema):
    id = fields.UUID(dump_only=True)
    organisation_id = fields.UUID(required=True)
    display_name = fields.String(required=True, validate=validate.Length(1, 200))
    roles = fields.List(_ROLE, required=True, validate=validate.Length(1, len(ROLES)))
    email = fields.Email(required=True, validate=validate.Length(max=254), metadata={
        "description": "Work address and sign-in name; shown to admins and the same "
                       "organisation only."})
    rpps = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=11),
                         metadata={"description": "RPPS number (11 digits), health "
                                                  "professionals; personal detail."})
    phone = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=30),
                          metadata={"description": "Work phone; personal detail."})
    active = fields.Boolean(dump_only=True)
    version = fields.Integer(dump_only=True)


class MemberCreateSchema(MemberSchema):
    password = fields.String(load_only=True, validate=validate.Length(max=1024), metadata={
        "description": "Optional first password (12 to 256 characters)."})


class MemberPatchSchema(Schema):
    organisation_id = fields.UUID()
    display_name = fields.String(validate=validate.Length(1, 200))
    roles = fields.List(_ROLE, validate=validate.Length(1, len(ROLES)))
    email = fields.Email(validate=validate.Length(max=254))
    rpps = fields.String(allow_none=True, validate=validate.Length(max=11))
    phone = fields.String(allow_none=True, validate=validate.Length(max=30))
    active = fields.Boolean()


class MemberQuerySchema(Schema):
    organisation_id = fields.UUID()
    role = fields.String(validate=validate.OneOf(ROLES))
    active = fields.Boolean()
    after = fields.UUID(metadata={"description": "Cursor: the last id of the previous page."})
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))


class MemberPageSchema(Schema):
    items = fields.List(fields.Nested(MemberSchema))
    next = fields.UUID(allow_none=True)


def sees_details(principal: Principal, member: Member) -> bool:
    """Admins, and members of the same organisation, see a member's personal details."""
    return principal.has_any("admin") or principal.organisation_id == str(member.organisation_id)


def view(member: Member, principal: Principal) -> dict:
    shown = {name: getattr(member, name) for name in MemberSchema().fields
             if hasattr(member, name)}
    if sees_details(principal, member):
        return shown
    return {name: shown[name] for name in PUBLIC_FIELDS}


def _build(factory, **values) -> Member:
    try:
        return factory(**values)
    except InvalidMember as exc:
        raise invalid((exc.field, str(exc))) from None


def _email_taken() -> ApiError:
    return ApiError(409, "email_taken", "Conflict",
                    detail="Un compte existe déjà avec cette adresse e-mail.",
                    errors=[{"location": "json", "field": "email",
                             "message": "Adresse déjà utilisée."}])


def _check_organisation(session, organisation_id: uuid.UUID) -> None:
    if not organisation_store.organisation_active(session, organisation_id):
        raise invalid(("organisation_id", "Organisme inconnu ou désactivé."))


@blp.route("")
class Members(MethodView):
    @authenticated
    @blp.arguments(MemberQuerySchema, location="query")
    @blp.response(200, MemberPageSchema)
    def get(self, query):
        """List members (keyset pagination); personal details as the caller may see them."""
        limit = query.pop("limit")
        with sessions()() as session:
            items = store.page(session, limit=limit, **{"after": None, **query})
        principal = current_principal()
        return {"items": [view(m, principal) for m in items],
                "next": items[-1].id if len(items) == limit else None}

    @require_roles("admin")
    @blp.arguments(MemberCreateSchema)
    @blp.response(201, MemberSchema)
    def post(self, body):
        """Create a member (admin), optionally with a first password."""
        password = body.pop("password", None)
        body["roles"] = tuple(body["roles"])
        member = _build(Member, **body)
        try:
            password_hash = hash_password(password) if password is not None else None
        except WeakPassword as exc:
            raise invalid(("password", str(exc))) from None
        try:
            with sessions().begin() as session:
                _check_organisation(session, member.organisation_id)
                if store.email_taken(session, member.email):
                    raise _email_taken()
                store.add(session, member)
                if password_hash:
                    credential_store.set_password_hash(session, member.id, password_hash)
        except IntegrityError:  # the same address created concurrently
            raise _email_taken() from None
        return view(member, current_principal())


@blp.route("/<uuid:member_id>")
class MemberById(MethodView):
    @authenticated
    @blp.response(200, MemberSchema)
    def get(self, member_id):
        with sessions()() as session:
            member = store.get(session, member_id)
        if member is None:
            raise not_found("Membre introuvable.")
        return view(member, current_principal())

    @require_roles("admin")
    @blp.arguments(MemberPatchSchema)
    @blp.response(200, MemberSchema)
    def patch(self, changes, member_id):
        """Change a member (admin); deactivation ends their sign-in sessions."""
        if "roles" in changes:
            changes["roles"] = tuple(changes["roles"])
        try:
            with sessions().begin() as session:
                current = store.get(session, member_id, for_update=True)
                if current is None:
                    raise not_found("Membre introuvable.")
                updated = _build(current.changed, **changes)
                if updated is None:
                    return view(current, current_principal())
                if updated.organisation_id != current.organisation_id:
                    _check_organisation(session, updated.organisation_id)
                if store.email_taken(session, updated.email, other_than=updated.id):
                    raise _email_taken()
                _deactivation_guard(current, updated)
                store.save(session, updated)
                if not updated.active:
                    credential_store.revoke_member_sessions(session, updated.id)
        except IntegrityError:
            raise _email_taken() from None
        return view(updated, current_principal())

    @require_roles("admin")
    @blp.response(200, MemberSchema)
    def delete(self, member_id):
        """Deactivate a member (admin): kept for history, sessions ended."""
        with sessions().begin() as session:
            current = store.get(session, member_id, for_update=True)
            if current is None:
                raise not_found("Membre introuvable.")
            updated = current.changed(active=False)
            if updated is None:
                return view(current, current_principal())
            _deactivation_guard(current, updated)
            store.save(session, updated)
            credential_store.revoke_member_sessions(session, updated.id)
        return view(updated, current_principal())


def _deactivation_guard(current: Member, updated: Member) -> None:
    """An admin cannot deactivate their own account (nor lock themselves out with it)."""
    if current.active and not updated.active and str(current.id) == \
            current_principal().member_id:
        raise forbidden("Vous ne pouvez pas désactiver votre propre compte.")
