"""Generation lineage: a contract maps its predecessor's axes and fiches, and a fiche's
history is shown across generations."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.registry.api.plan.common import (
    PageQuerySchema,
    authorise_write,
    contract_or_404,
    decode_cursor,
    invalid,
    next_cursor,
    not_found,
    parse_uuid,
    sessions,
)
from services.registry.domain.lineage import (
    ITEM_KINDS,
    RELATIONS,
    InvalidLink,
    Link,
    check_link,
    walk_history,
)
from services.registry.store import lineage as store
from services.registry.store import plan as plan_store
from services.registry.store.contract_refs import contract_names
from shared.auth import authenticated, require_roles

blp = Blueprint("plan_lineage", __name__, url_prefix="/api/v1",
                description="How a contract takes over its predecessor's axes and fiches.")


class LinkSchema(Schema):
    id = fields.UUID(dump_only=True)
    contract_id = fields.UUID(dump_only=True)
    predecessor_id = fields.UUID(dump_only=True)
    kind = fields.String(required=True, validate=validate.OneOf(ITEM_KINDS))
    source_id = fields.UUID(required=True,
                            metadata={"description": "Axis or fiche of the predecessor."})
    target_id = fields.UUID(allow_none=True, load_default=None,
                            metadata={"description": "Axis or fiche of this contract "
                                                     "(none when dropped)."})
    relation = fields.String(required=True, validate=validate.OneOf(RELATIONS))
    note = fields.String(load_default="", validate=validate.Length(max=1000))


class LinkQuerySchema(PageQuerySchema):
    kind = fields.String(validate=validate.OneOf(ITEM_KINDS))


class LinkPageSchema(Schema):
    items = fields.List(fields.Nested(LinkSchema))
    next = fields.String(allow_none=True)


class FicheSummarySchema(Schema):
    id = fields.UUID()
    code = fields.String()
    title = fields.String()
    status = fields.String()
    contract_id = fields.UUID()
    contract_name = fields.String()


class HistoryStepSchema(Schema):
    generation = fields.Integer(metadata={"description": "Of the target side: 0 is the "
                                                         "fiche's contract, -1 its predecessor."})
    relation = fields.String()
    note = fields.String()
    source = fields.Nested(FicheSummarySchema)
    target = fields.Nested(FicheSummarySchema, allow_none=True)


class HistorySchema(Schema):
    action = fields.Nested(FicheSummarySchema)
    steps = fields.List(fields.Nested(HistoryStepSchema))


def _item(session, kind, item_id):
    return (plan_store.get_axis if kind == "axis" else plan_store.get_action)(session, item_id)


@blp.route("/contracts/<uuid:contract_id>/lineage")
class ContractLineage(MethodView):
    @authenticated
    @blp.arguments(LinkQuerySchema, location="query")
    @blp.response(200, LinkPageSchema)
    def get(self, query, contract_id):
        after = parse_uuid(decode_cursor(query["after"], 1)[0]) if "after" in query else None
        with sessions()() as session:
            contract_or_404(session, contract_id)
            items = store.page(session, contract_id, after=after, limit=query["limit"],
                               kind=query.get("kind"))
        return {"items": items, "next": next_cursor(items, query["limit"], lambda x: [x.id])}

    @require_roles("admin", "coordinator")
    @blp.arguments(LinkSchema)
    @blp.response(201, LinkSchema)
    def post(self, body, contract_id):
        """Map an axis or fiche of the predecessor: continued, merged, split or dropped."""
        with sessions().begin() as session:
            contract = authorise_write(session, contract_id)
            source = _item(session, body["kind"], body["source_id"])
            if source is None:
                raise invalid("source_id", "Élément introuvable.")
            if contract.predecessor_id and source.contract_id != contract.predecessor_id:
                raise invalid("source_id", "L'élément n'appartient pas au contrat précédent.")
            if body["target_id"] is not None:
                target = _item(session, body["kind"], body["target_id"])
                if target is None or target.contract_id != contract_id:
                    raise invalid("target_id", "Élément introuvable dans ce contrat.")
            try:
                link = Link(contract_id=contract_id, predecessor_id=source.contract_id, **body)
                ids = {link.source_id} | ({link.target_id} if link.target_id else set())
                check_link(link, store.touching(session, ids))
            except InvalidLink as exc:
                raise invalid(exc.field, str(exc)) from None
            store.add(session, link)
        return link


@blp.route("/lineage/<uuid:link_id>")
class LinkById(MethodView):
    @require_roles("admin", "coordinator")
    @blp.response(204)
    def delete(self, link_id):
        with sessions().begin() as session:
            link = store.get(session, link_id)
            if link is None:
                raise not_found("Lien")
            authorise_write(session, link.contract_id)
            store.remove(session, link_id)


@blp.route("/actions/<uuid:action_id>/history")
class ActionHistory(MethodView):
    @authenticated
    @blp.response(200, HistorySchema)
    def get(self, action_id):
        """The fiche across generations: where it comes from, what it became."""
        with sessions()() as session:
            action = plan_store.get_action(session, action_id)
            if action is None:
                raise not_found("Fiche action")
            steps = walk_history(action_id, lambda ids: [
                link for link in store.touching(session, ids) if link.kind == "action"])
            ids = {action_id} | {s.link.source_id for s in steps} \
                | {s.link.target_id for s in steps if s.link.target_id}
            actions = plan_store.actions_by_id(session, ids)
            names = contract_names(session, {a.contract_id for a in actions.values()})

        def summary(item_id):
            fiche = actions.get(item_id)
            if fiche is None:
                return None
            return {**fiche.__dict__, "contract_name": names.get(fiche.contract_id)}

        return {"action": summary(action_id),
                "steps": [{"generation": s.generation, "relation": s.link.relation,
                           "note": s.link.note, "source": summary(s.link.source_id),
                           "target": summary(s.link.target_id) if s.link.target_id else None}
                          for s in steps]}
