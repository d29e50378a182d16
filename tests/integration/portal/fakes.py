"""Stand-ins for the registry, referrals and notifications APIs, served over real HTTP.

They answer the paths and bodies the portal's clients use, with tokens signed like the
registry's (EdDSA, JWKS), so the portal is tested through its real HTTP clients. The
real services are exercised by tests/e2e/portal/test_real_stack.py.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime

import flask
from werkzeug.serving import make_server

from shared.testing.tokens import TokenFactory
from tests.integration.portal import fake_editors

PASSWORD = "mot de passe de démo"
POSSESSION = "97408"
CCAS_ID = "00000000-0000-4000-8000-00000000cca5"
CPTS_ID = "00000000-0000-4000-8000-0000000c9e75"
CONTRACT_ID = "00000000-0000-4000-8000-00000000c150"
AXIS_ID = "00000000-0000-4000-8000-0000000000a0"
SUB_AXIS_ID = "00000000-0000-4000-8000-0000000000a2"
ACTION_ID = "00000000-0000-4000-8000-0000000000f1"
BODY_ID = "00000000-0000-4000-8000-0000000000b0"


def now() -> str:
    return datetime.now(UTC).isoformat()


class FakeApis:
    """One in-memory world; `down` holds the names of services answering 503."""

    def __init__(self):
        self.issuer = TokenFactory()
        self.down: set[str] = set()
        self.members = {
            "medecin@example.org": {"id": str(uuid.uuid4()), "org": CPTS_ID, "roles": ["referrer"]},
            "agent@example.org": {"id": str(uuid.uuid4()), "org": CCAS_ID, "roles": ["handler"]},
            "coordination@example.org": {"id": str(uuid.uuid4()), "org": None,
                                         "roles": ["coordinator"]},
            "admin@example.org": {"id": str(uuid.uuid4()), "org": None, "roles": ["admin"]},
        }
        self.refresh_tokens: dict[str, str] = {}
        self.referrals: dict[str, dict] = {}
        self.messages: dict[str, list] = {}
        self.notes: dict[str, list] = {}
        self.history: dict[str, list] = {}
        self.inbox: dict[str, list] = {}
        self.requests: list[tuple[str, str, dict]] = []  # (method, path, headers) seen
        self.audit: list[tuple[str, str]] = []            # (member, referral) identity reads
        self.knows_fields = True  # False: a referrals service without `fields=summary`
        self.list_queries: list[dict] = []  # query strings of GET /referrals
        self.counts = True        # False: one without /referrals/counters (404)
        self.organisations = [{"id": CCAS_ID, "name": "CCAS de La Possession", "kind": "ccas",
                               "active": True}]
        self.app = self._build()

    # -- helpers for tests -------------------------------------------------------------
    def member(self, email: str) -> dict:
        return self.members[email]

    def notify(self, member_id: str, event_type: str, referral_id: str) -> None:
        self.inbox.setdefault(member_id, []).insert(0, {
            "id": str(uuid.uuid4()), "event_id": str(uuid.uuid4()), "kind": event_type,
            "title": TITLES.get(event_type, event_type), "critical": False,
            "summary": {"referral_id": referral_id, "reference": "SIG-" + referral_id[:8].upper(),
                        "path": f"/signalements/{referral_id}"},
            "link": f"http://portal.invalid/signalements/{referral_id}",
            "created_at": now(), "read_at": None})

    def _principal(self):
        header = flask.request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ")
        for email, member in self.members.items():
            if token and token in member.get("tokens", ()):
                return email, member
        flask.abort(flask.make_response(({"code": "unauthorized"}, 401)))

    def _tokens(self, email: str) -> dict:
        member = self.members[email]
        access = self.issuer.issue(sub=member["id"], org=member["org"],
                                   roles=tuple(member["roles"]), ttl=900,
                                   jti=uuid.uuid4().hex)
        member.setdefault("tokens", set()).add(access)
        refresh = uuid.uuid4().hex
        self.refresh_tokens[refresh] = email
        return {"access_token": access, "token_type": "Bearer", "expires_in": 900,
                "refresh_token": refresh}

    def _build(self) -> flask.Flask:  # noqa: C901 (one fake per route, kept together)
        app = flask.Flask("fake-apis")
        fake = self

        @app.before_request
        def record_and_fail():
            fake.requests.append((flask.request.method, flask.request.path,
                                  dict(flask.request.headers)))
            service = _service_of(flask.request.path)
            if service in fake.down:
                return {"code": "service_unavailable"}, 503
            return None

        @app.get("/.well-known/jwks.json")
        def jwks():
            return fake.issuer.jwks()

        @app.post("/api/v1/auth/token")
        def token():
            body = flask.request.get_json()
            if body.get("email") not in fake.members or body.get("password") != PASSWORD:
                return {"code": "invalid_credentials", "title": "Invalid credentials"}, 401
            return fake._tokens(body["email"])

        @app.post("/api/v1/auth/refresh")
        def refresh():
            email = fake.refresh_tokens.pop(flask.request.get_json()["refresh_token"], None)
            if email is None:
                return {"code": "invalid_grant"}, 401
            return fake._tokens(email)

        @app.post("/api/v1/auth/revoke")
        def revoke():
            fake.refresh_tokens.pop(flask.request.get_json()["refresh_token"], None)
            return "", 204

        @app.get("/api/v1/contracts")
        def contracts():
            fake._principal()
            return {"items": [{"id": CONTRACT_ID, "name": "CLS de La Possession",
                               "status": "active", "communes": [POSSESSION]}], "next": None}

        @app.get("/api/v1/contracts/<contract_id>")
        def contract(contract_id):
            fake._principal()
            return {"id": CONTRACT_ID, "name": "CLS de La Possession", "status": "active",
                    "generation": "CLS3", "communes": [POSSESSION]}

        @app.get("/api/v1/contracts/<contract_id>/<part>")
        def contract_part(contract_id, part):
            fake._principal()
            if part == "coverage":
                return {"contract_id": CONTRACT_ID, "pairs": 2, "gaps": 1, "entries": [
                    {"commune": POSSESSION, "need_category": "housing", "by": "rule",
                     "organisation_id": CCAS_ID, "gap": False},
                    {"commune": POSSESSION, "need_category": "access_to_rights",
                     "by": "fallback", "organisation_id": CCAS_ID, "gap": True}]}
            items = {
                "axes": [{"id": AXIS_ID, "code": "A", "parent_id": None,
                          "title": "Santé dans toutes les politiques", "children": [
                              {"id": SUB_AXIS_ID, "code": "A2", "parent_id": AXIS_ID,
                               "title": "Sport et santé", "children": []}]}],
                "actions": [{"id": ACTION_ID, "axis_id": SUB_AXIS_ID, "code": "A2-1",
                             "title": "Sport sur ordonnance", "status": "in_progress"}],
                "bodies": [{"id": BODY_ID, "name": "Comité de pilotage",
                            "kind": "steering_committee"}],
                "meetings": [{"id": "m1", "body_id": BODY_ID, "place": "Mairie",
                              "starts_at": "2099-03-01T09:00:00+00:00", "status": "scheduled"}],
            }.get(part)
            if items is None:
                return {"code": "not_found"}, 404
            return {"items": items, "next": None}

        @app.route("/api/v1/organisations", methods=["GET", "POST"])
        def organisations():
            fake._principal()
            if flask.request.method == "POST":
                body = flask.request.get_json()
                fake.organisations.append({**body, "id": str(uuid.uuid4()), "active": True})
                return fake.organisations[-1], 201
            return {"items": fake.organisations, "next": None}

        @app.get("/api/v1/actions/<action_id>/indicators")
        def indicators(action_id):
            fake._principal()
            return {"items": [{"id": "ind-1", "action_id": action_id, "unit": "personnes",
                               "name": "Personnes suivies", "target": 200, "baseline": 0,
                               "source": "manual", "current": {"value": 150}}]}

        @app.get("/api/v1/directory/organisations")
        def directory():
            fake._principal()
            return {"items": [{"id": CCAS_ID, "name": "CCAS de La Possession", "kind": "ccas"},
                              {"id": CPTS_ID, "name": "CPTS Ouest Réunion", "kind": "cpts"}],
                    "next": None}

        @app.post("/api/v1/referrals")
        def submit():
            email, member = fake._principal()
            body = flask.request.get_json()
            key = flask.request.headers.get("Idempotency-Key")
            for existing in fake.referrals.values():
                if key and existing["_key"] == key:
                    return _public(existing), 201, _etag(existing)
            if body.get("beneficiary", {}).get("last_name") == "REFUSE":
                return {"code": "validation_failed", "errors": [
                    {"location": "json", "field": "beneficiary.last_name",
                     "message": "Missing data for required field."}]}, 422
            referral_id = str(uuid.uuid4())
            fake.referrals[referral_id] = {
                **body, "id": referral_id, "status": "requested", "version": 1,
                "submitted_at": now(), "referrer_member_id": member["id"],
                "referrer_organisation_id": member["org"], "receiving_organisation_id": CCAS_ID,
                "commune": body["beneficiary"]["commune"], "_key": key, "outcome_code": None}
            fake.history[referral_id] = [{"action": "submit", "from_status": None,
                                          "to_status": "requested", "occurred_at": now()}]
            handler = fake.members["agent@example.org"]["id"]
            fake.notify(handler, "referrals.referral.submitted", referral_id)
            return _public(fake.referrals[referral_id]), 201, _etag(fake.referrals[referral_id])

        def visible(member, referral):
            return (referral["referrer_organisation_id"] == member["org"]
                    or referral["receiving_organisation_id"] == member["org"])

        @app.get("/api/v1/referrals")
        def page():
            _email, member = fake._principal()
            summary = flask.request.args.get("fields") == "summary"
            fake.list_queries.append(flask.request.args.to_dict())
            if "fields" in flask.request.args and not fake.knows_fields:
                return {"code": "validation_failed", "errors": [
                    {"location": "query", "field": "fields", "message": "Unknown field."}]}, 422
            statuses = flask.request.args.getlist("status")
            side = flask.request.args.get("side") or (
                "receiving" if "handler" in member["roles"] else "referrer")
            key = "receiving_organisation_id" if side == "receiving" else \
                "referrer_organisation_id"
            items = []
            for r in fake.referrals.values():
                if r[key] == member["org"] and (not statuses or r["status"] in statuses):
                    item = _public(r)
                    if side == "receiving" and not summary:
                        item["beneficiary"] = r["beneficiary"]
                    items.append(item)
            return {"items": items, "next": None}

        @app.get("/api/v1/referrals/counters")
        def queue_counters():
            _email, member = fake._principal()
            if not fake.counts:
                return {"code": "not_found"}, 404
            mine = [r for r in fake.referrals.values()
                    if r["receiving_organisation_id"] == member["org"]]
            open_ = [r for r in mine if r["status"] in ("requested", "accepted",
                                                         "in-progress", "on-hold")]
            return {"new": sum(r["status"] == "requested" for r in mine),
                    "urgent": sum(r.get("urgency") == "urgent" for r in open_),
                    "overdue": 0, "open": len(open_),
                    "assigned_to_me": sum(r.get("assignee_member_id") == member["id"]
                                          for r in open_)}

        def owned(referral_id):
            _email, member = fake._principal()
            referral = fake.referrals.get(referral_id)
            if referral is None or not visible(member, referral):
                flask.abort(flask.make_response(({"code": "not_found"}, 404)))
            return member, referral

        @app.get("/api/v1/referrals/<referral_id>")
        def read(referral_id):
            member, referral = owned(referral_id)
            body = {**_public(referral), "beneficiary": referral["beneficiary"],
                    "description": referral["description"], "consent": referral["consent"],
                    "history": fake.history[referral_id],
                    "messages": fake.messages.get(referral_id, [])}
            if referral["receiving_organisation_id"] == member["org"]:
                body["notes"] = fake.notes.get(referral_id, [])
                body["possible_duplicates"] = [
                    other["id"] for other in fake.referrals.values()
                    if other["id"] != referral_id
                    and other["beneficiary"] == referral["beneficiary"]]
            fake.audit.append((member["id"], referral_id))
            return body, 200, _etag(referral)

        @app.route("/api/v1/referrals/<referral_id>/<kind>", methods=["GET", "POST"])
        def comments(referral_id, kind):
            member, _referral = owned(referral_id)
            store = {"messages": fake.messages, "notes": fake.notes}.get(kind)
            if store is None:
                return {"code": "not_found"}, 404
            if flask.request.method == "POST":
                store.setdefault(referral_id, []).append({
                    "id": str(uuid.uuid4()), "body": flask.request.get_json()["body"],
                    "author_member_id": member["id"], "author_organisation_id": member["org"],
                    "created_at": now()})
                return store[referral_id][-1], 201
            return {"items": store.get(referral_id, [])}

        @app.post("/api/v1/referrals/<referral_id>/transitions")
        def transition(referral_id):
            member, referral = owned(referral_id)
            if flask.request.headers.get("If-Match") != _etag(referral)["ETag"]:
                return {"code": "precondition_failed"}, 412
            body = flask.request.get_json()
            to = {("requested", "accept"): "accepted", ("requested", "reject"): "rejected",
                  ("accepted", "start"): "in-progress", ("accepted", "hold"): "on-hold",
                  ("in-progress", "hold"): "on-hold", ("on-hold", "resume"): "in-progress",
                  ("accepted", "complete"): "completed",
                  ("in-progress", "complete"): "completed",
                  ("requested", "cancel"): "cancelled"}.get(
                (referral["status"], body["action"]))
            if to is None:
                return {"code": "conflict", "detail": "Transition impossible."}, 409
            if body["action"] == "complete" and not body.get("outcome_code"):
                return {"code": "validation_failed", "errors": [
                    {"field": "outcome_code", "message": "Requis."}]}, 422
            fake.history[referral_id].append({"from_status": referral["status"], "to_status": to,
                                              "occurred_at": now(),
                                              "comment": body.get("comment")})
            referral.update(status=to, version=referral["version"] + 1,
                            outcome_code=body.get("outcome_code"),
                            reason_code=body.get("reason_code"))
            if to in ("accepted", "completed", "rejected"):
                fake.notify(referral["referrer_member_id"], f"referrals.referral.{to}",
                            referral_id)
            return _public(referral), 200, _etag(referral)

        @app.put("/api/v1/referrals/<referral_id>/assignment")
        def assign(referral_id):
            _member, referral = owned(referral_id)
            if flask.request.headers.get("If-Match") != _etag(referral)["ETag"]:
                return {"code": "precondition_failed"}, 412
            referral.update(assignee_member_id=flask.request.get_json()["assignee_member_id"],
                            version=referral["version"] + 1)
            return _public(referral), 200, _etag(referral)

        @app.get("/api/v1/referral-codes")
        def codes():
            fake._principal()
            return {"outcomes": {"need_met": "Besoin couvert"},
                    "rejection_reasons": {"out_of_scope": "Hors du champ de compétence"},
                    "failure_reasons": {"unreachable": "Personne injoignable"},
                    "consent_scopes": {"referral_and_follow_up": "Transmission et retour"},
                    "consent_methods": ["oral", "written"], "transitions": []}

        @app.get("/api/v1/referrals/export.csv")
        def export():
            _email, member = fake._principal()
            lines = ["id,status,need_category,commune"] + [
                f"{r['id']},{r['status']},{r['need_category']},{r['commune']}"
                for r in fake.referrals.values() if visible(member, r)]
            return flask.Response("\n".join(lines) + "\n", mimetype="text/csv")

        @app.get("/api/v1/stats")
        def statistics():
            fake._principal()
            (group,) = flask.request.args.getlist("group_by")
            rows: dict[str, dict] = {}
            for r in fake.referrals.values():
                key = r["submitted_at"][:7] if group == "period" else r.get(group)
                row = rows.setdefault(key, {group: key, "count": 0, "by_status": {},
                                            "distinct_beneficiaries": 1,
                                            "distinct_referrers": 1, "acceptance_rate": None})
                row["count"] += 1
                row["by_status"][r["status"]] = row["by_status"].get(r["status"], 0) + 1
            return {"group_by": [group], "rows": list(rows.values())}

        @app.get("/api/v1/inbox")
        def inbox():
            _email, member = fake._principal()
            return {"items": fake.inbox.get(member["id"], []), "next": None}

        @app.get("/api/v1/inbox/unread-count")
        def unread():
            _email, member = fake._principal()
            return {"unread": sum(1 for n in fake.inbox.get(member["id"], [])
                                  if not n["read_at"])}

        @app.post("/api/v1/inbox/<notification_id>/read")
        def read_one(notification_id):
            _email, member = fake._principal()
            for n in fake.inbox.get(member["id"], []):
                if n["id"] == notification_id:
                    n["read_at"] = now()
            return "", 204

        @app.post("/api/v1/inbox/read-all")
        def read_all():
            _email, member = fake._principal()
            for n in fake.inbox.get(member["id"], []):
                n["read_at"] = n["read_at"] or now()
            return "", 204

        @app.route("/api/v1/preferences", methods=["GET", "PUT"])
        def preferences():
            _email, member = fake._principal()
            prefs = member.setdefault("preferences", {
                (kind, channel): "immediately" for kind in TITLES
                for channel in ("in_app", "email")})
            if flask.request.method == "PUT":
                body = flask.request.get_json()
                prefs[(body["event_type"], body["channel"])] = body["mode"]
                return body
            return {"items": [{"event_type": k, "channel": c, "mode": m, "source": "member",
                               "locked": False} for (k, c), m in prefs.items()]}

        fake_editors.install(app, fake)
        return app


TITLES = {"referrals.referral.submitted": "Nouvelle orientation reçue",
          "referrals.referral.accepted": "Votre orientation a été acceptée",
          "referrals.referral.completed": "Votre orientation est terminée"}


def _etag(referral: dict) -> dict:
    return {"ETag": f'W/"{referral["version"]}"'}


def _service_of(path: str) -> str:
    if path.startswith(("/api/v1/referral", "/api/v1/stats", "/api/v1/directory")):
        return "referrals"
    if path.startswith(("/api/v1/inbox", "/api/v1/preferences")):
        return "notifications"
    return "registry"


def _public(referral: dict) -> dict:
    """What any reader gets: no identity, no description (the handler's read adds them)."""
    return {k: v for k, v in referral.items()
            if k not in ("beneficiary", "description", "consent") and not k.startswith("_")}


class ServedApp:
    """A WSGI app on a free local port in a thread (werkzeug's threaded server)."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> ServedApp:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)
