"""Need categories: what a professional can raise (French labels, stable codes).

Read by any signed-in member; created and changed by admins. A category is
deactivated (PATCH active=false), never deleted: referrals keep their category.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy.exc import IntegrityError

from services.registry.api.directory.common import invalid, not_found, sessions
from services.registry.domain.need_categories import InvalidNeedCategory, NeedCategory
from services.registry.store import need_categories as store
from shared.auth import authenticated, require_roles
from shared.events.registry import CATEGORY_CODE
from shared.http.problems import ApiError

blp = Blueprint("need_categories", __name__, url_prefix="/api/v1/need-categories",
                description="Need categories a professional can raise.")


class NeedCategorySchema(Schema):
    id = fields.UUID(dump_only=True)
    code = fields.String(required=True, validate=CATEGORY_CODE,
                         metadata={"example": "access_to_rights"})
    label = fields.String(required=True, validate=validate.Length(1, 200),
                          metadata={"example": "Accès aux droits"})
    active = fields.Boolean(load_default=True)
    version = fields.Integer(dump_only=True)


class NeedCategoryPatchSchema(Schema):
    label = fields.String(validate=validate.Length(1, 200))
    active = fields.Boolean()


class NeedCategoryQuerySchema(Schema):
    active = fields.Boolean()


class NeedCategoryListSchema(Schema):
    items = fields.List(fields.Nested(NeedCategorySchema))


def _build(factory, **values) -> NeedCategory:
    try:
        return factory(**values)
    except InvalidNeedCategory as exc:
        raise invalid((exc.field, str(exc))) from None


def _code_taken() -> ApiError:
    return ApiError(409, "code_taken", "Conflict", detail="Ce code existe déjà.",
                    errors=[{"location": "json", "field": "code", "message": "Code déjà utilisé."}])


@blp.route("")
class NeedCategories(MethodView):
    @authenticated
    @blp.arguments(NeedCategoryQuerySchema, location="query")
    @blp.response(200, NeedCategoryListSchema)
    def get(self, query):
        """Every category, by code (a short list: not paginated)."""
        with sessions()() as session:
            return {"items": store.all_categories(session, active=query.get("active"))}

    @require_roles("admin")
    @blp.arguments(NeedCategorySchema)
    @blp.response(201, NeedCategorySchema)
    def post(self, body):
        """Add a category (admin)."""
        category = _build(NeedCategory, **body)
        try:
            with sessions().begin() as session:
                if store.need_category_exists(session, category.code):
                    raise _code_taken()
                store.add(session, category)
        except IntegrityError:
            raise _code_taken() from None
        return category


@blp.route("/<string:code>")
class NeedCategoryByCode(MethodView):
    @authenticated
    @blp.response(200, NeedCategorySchema)
    def get(self, code):
        with sessions()() as session:
            category = store.get(session, code)
        if category is None:
            raise not_found("Catégorie de besoin introuvable.")
        return category

    @require_roles("admin")
    @blp.arguments(NeedCategoryPatchSchema)
    @blp.response(200, NeedCategorySchema)
    def patch(self, changes, code):
        """Rename or (de)activate a category (admin); its code never changes."""
        with sessions().begin() as session:
            current = store.get(session, code, for_update=True)
            if current is None:
                raise not_found("Catégorie de besoin introuvable.")
            updated = _build(current.changed, **changes)
            if updated is None:
                return current
            store.save(session, updated)
        return updated
