"""The registry: sign-in, need categories, communes, contracts and their plan, directory."""

from __future__ import annotations

from services.portal.clients.base import ApiClient, items_of

API = "/api/v1"


class RegistryClient(ApiClient):
    service = "registry"

    # Sign-in: no member token yet (the credentials are the body).
    def sign_in(self, email: str, password: str, client_address: str | None = None) -> dict:
        # The registry throttles failed sign-ins per account and per client address: the
        # browser's address, not the portal's (it must trust the portal as a proxy).
        headers = {"X-Forwarded-For": client_address} if client_address else None
        return self.post(f"{API}/auth/token", {"email": email, "password": password},
                         authenticated=False, headers=headers)

    def refresh(self, refresh_token: str) -> dict:
        return self.post(f"{API}/auth/refresh", {"refresh_token": refresh_token},
                         authenticated=False)

    def revoke(self, refresh_token: str) -> None:
        self.post(f"{API}/auth/revoke", {"refresh_token": refresh_token}, authenticated=False)

    def need_categories(self) -> list[dict]:
        return [c for c in items_of(self.get(f"{API}/need-categories"))
                if c.get("active", True)]

    def communes(self, query: str, limit: int = 20) -> list[dict]:
        return items_of(self.get(f"{API}/communes", params={"q": query, "limit": limit}))

    def _all(self, path: str, params: dict | None = None, pages: int = 20) -> list[dict]:
        """Every item of a keyset-paginated list (bounded: `pages` pages of 200)."""
        found, after = [], None
        for _ in range(pages):
            page = self.get(path, params={**(params or {}), "after": after, "limit": 200}) or {}
            found += items_of(page)
            after = page.get("next") if isinstance(page, dict) else None
            if not after:
                break
        return found

    def contracts(self) -> list[dict]:
        return self._all(f"{API}/contracts")

    def contract(self, contract_id: str) -> dict:
        return self.get(f"{API}/contracts/{contract_id}")

    def axes(self, contract_id: str) -> list[dict]:
        """The axes tree, flattened (each keeps its `parent_id`), in the API's order."""
        flat: list[dict] = []

        def walk(nodes):
            for node in nodes:
                flat.append({k: v for k, v in node.items() if k != "children"})
                walk(node.get("children") or [])

        walk(items_of(self.get(f"{API}/contracts/{contract_id}/axes")))
        return flat

    def actions(self, contract_id: str) -> list[dict]:
        return self._all(f"{API}/contracts/{contract_id}/actions")

    def indicators_of_action(self, action_id: str) -> list[dict]:
        return items_of(self.get(f"{API}/actions/{action_id}/indicators"))

    def contract_indicators(self, contract_id: str) -> list[dict]:
        """Every indicator of the contract's fiches, each with `action_id` and
        `action_code`, in one call."""
        return items_of(self.get(f"{API}/contracts/{contract_id}/indicators"))

    def action(self, action_id: str) -> dict:
        return self.get(f"{API}/actions/{action_id}")

    def action_history(self, action_id: str) -> dict:
        return self.get(f"{API}/actions/{action_id}/history") or {}

    def bodies(self, contract_id: str) -> list[dict]:
        return self._all(f"{API}/contracts/{contract_id}/bodies")

    def meetings(self, contract_id: str) -> list[dict]:
        return self._all(f"{API}/contracts/{contract_id}/meetings")

    def coverage(self, contract_id: str) -> dict:
        return self.get(f"{API}/contracts/{contract_id}/coverage") or {}

    def pathways(self, contract_id: str) -> list[dict]:
        return self._all(f"{API}/contracts/{contract_id}/pathways")

    def organisations(self, after: str | None = None, limit: int = 50) -> dict:
        return self.get(f"{API}/organisations", params={"after": after, "limit": limit})

    def organisation(self, organisation_id: str) -> dict:
        return self.get(f"{API}/organisations/{organisation_id}")

    def create_organisation(self, body: dict) -> dict:
        return self.post(f"{API}/organisations", body)

    def update_organisation(self, organisation_id: str, changes: dict) -> dict:
        return self.call("PATCH", f"{API}/organisations/{organisation_id}", json=changes).body

    def members(self, organisation_id: str | None = None, after: str | None = None,
                limit: int = 50) -> dict:
        return self.get(f"{API}/members", params={"organisation_id": organisation_id,
                                                   "after": after, "limit": limit})

    def invite_member(self, body: dict) -> dict:
        return self.post(f"{API}/members", body)

    def update_member(self, member_id: str, changes: dict) -> dict:
        return self.call("PATCH", f"{API}/members/{member_id}", json=changes).body

    def routing_rules(self, contract_id: str) -> list[dict]:
        return self._all(f"{API}/contracts/{contract_id}/routing-rules")

    # -- routing rules, need categories, pathways (admin editors) ----------------------
    def _delete(self, path: str) -> None:
        self.call("DELETE", path)

    def _patch(self, path: str, changes: dict) -> dict:
        return self.call("PATCH", path, json=changes).body

    def routing_rule(self, contract_id: str, rule_id: str) -> dict:
        return self.get(f"{API}/contracts/{contract_id}/routing-rules/{rule_id}")

    def create_routing_rule(self, contract_id: str, body: dict) -> dict:
        return self.post(f"{API}/contracts/{contract_id}/routing-rules", body)

    def update_routing_rule(self, contract_id: str, rule_id: str, changes: dict) -> dict:
        return self._patch(f"{API}/contracts/{contract_id}/routing-rules/{rule_id}", changes)

    def delete_routing_rule(self, contract_id: str, rule_id: str) -> None:
        self._delete(f"{API}/contracts/{contract_id}/routing-rules/{rule_id}")

    def all_need_categories(self) -> list[dict]:
        """Active and deactivated ones (the editor shows both)."""
        return items_of(self.get(f"{API}/need-categories"))

    def create_need_category(self, body: dict) -> dict:
        return self.post(f"{API}/need-categories", body)

    def update_need_category(self, code: str, changes: dict) -> dict:
        return self._patch(f"{API}/need-categories/{code}", changes)

    def pathway(self, contract_id: str, pathway_id: str) -> dict:
        return self.get(f"{API}/contracts/{contract_id}/pathways/{pathway_id}")

    def create_pathway(self, contract_id: str, body: dict) -> dict:
        return self.post(f"{API}/contracts/{contract_id}/pathways", body)

    def update_pathway(self, contract_id: str, pathway_id: str, changes: dict) -> dict:
        return self._patch(f"{API}/contracts/{contract_id}/pathways/{pathway_id}", changes)

    def delete_pathway(self, contract_id: str, pathway_id: str) -> None:
        self._delete(f"{API}/contracts/{contract_id}/pathways/{pathway_id}")

    def all_organisations(self) -> list[dict]:
        return self._all(f"{API}/organisations")
