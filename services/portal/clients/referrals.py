"""The referrals service: intake, the two sides' lists, one referral, the workflow, stats."""

from __future__ import annotations

from services.portal.clients.base import Answer, ApiClient, ApiProblem, items_of

API = "/api/v1"
REFERRALS = f"{API}/referrals"
# Actions that are not transitions have their own resource (and body) in the API.
REDIRECT_PATH, REDIRECT_REASON = "redirection", "reason"
ASSIGN_PATH = "assignment"


class ReferralsClient(ApiClient):
    service = "referrals"

    def submit(self, body: dict, idempotency_key: str) -> dict:
        return self.post(REFERRALS, body, headers={"Idempotency-Key": idempotency_key})

    def page(self, filters: dict, after: str | None = None, limit: int = 25,
             side: str | None = None, summary: bool = False) -> dict:
        """`side`: "referrer" (what my organisation sent) or "receiving" (the queue).
        `summary`: items without the person's identity (nothing decrypted, nothing
        audited), for pages that do not show it; a referrals service that does not know
        `fields` (422 naming it) is asked again without it."""
        params = {**filters, "side": side, "after": after, "limit": limit}
        if summary:
            try:
                return self.get(REFERRALS, params={**params, "fields": "summary"}) or {}
            except ApiProblem as exc:
                if exc.status != 422 or "fields" not in exc.field_errors():
                    raise
        return self.get(REFERRALS, params=params) or {}

    def counters(self) -> dict | None:
        """The triage queue's counters (new, urgent, overdue, assigned_to_me, open) as the
        service counts them; None from a service that does not have them yet (404)."""
        try:
            return self.get(f"{REFERRALS}/counters") or {}
        except ApiProblem as exc:
            if exc.status == 404:
                return None
            raise

    def read(self, referral_id: str) -> Answer:
        """One referral with its history, messages (and notes and identity for the
        receiving organisation): the API writes this read to its audit log."""
        return self.call("GET", f"{REFERRALS}/{referral_id}")

    def messages(self, referral_id: str) -> list[dict]:
        return items_of(self.get(f"{REFERRALS}/{referral_id}/messages"))

    def add_message(self, referral_id: str, text: str) -> dict:
        return self.post(f"{REFERRALS}/{referral_id}/messages", {"body": text})

    def add_note(self, referral_id: str, text: str) -> dict:
        return self.post(f"{REFERRALS}/{referral_id}/notes", {"body": text})

    def transition(self, referral_id: str, etag: str, action: str, *,
                   reason_code: str = "", outcome_code: str = "", comment: str = "",
                   organisation_id: str = "", assignee_member_id: str = "") -> Answer:
        headers = {"If-Match": etag}
        if action == "redirect":
            return self.call("POST", f"{REFERRALS}/{referral_id}/{REDIRECT_PATH}", headers=headers,
                             json={"organisation_id": organisation_id, REDIRECT_REASON: comment})
        if action == "assign":
            return self.call("PUT", f"{REFERRALS}/{referral_id}/{ASSIGN_PATH}", headers=headers,
                             json={"assignee_member_id": assignee_member_id or None})
        body = {"action": action, "reason_code": reason_code or None,
                "outcome_code": outcome_code or None, "comment": comment or None}
        return self.call("POST", f"{REFERRALS}/{referral_id}/transitions", headers=headers,
                         json={k: v for k, v in body.items() if v is not None})

    def export_csv(self, filters: dict) -> bytes:
        return self.call("GET", f"{REFERRALS}/export.csv", params=filters,
                         headers={"Accept": "text/csv"}, raw=True).body

    def statistics(self, group_by: str, **filters) -> list[dict]:
        body = self.get(f"{API}/stats", params={"group_by": group_by, **filters}) or {}
        return list(body.get("rows") or [])

    def codes(self) -> dict:
        """Reasons, outcomes, consent scopes with their French labels, and the workflow."""
        return self.get(f"{API}/referral-codes") or {}

    def organisations(self) -> dict[str, str]:
        """Names from this service's own copy of the directory (works without the registry)."""
        names, after = {}, None
        for _ in range(20):
            page = self.get(f"{API}/directory/organisations",
                            params={"after": after, "limit": 200}) or {}
            names.update({str(o["id"]): o["name"] for o in page.get("items", [])})
            after = page.get("next")
            if not after:
                break
        return names
