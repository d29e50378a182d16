"""Need categories: seeded by the migration in every deployment, read by all, written by admins."""

import uuid

import pytest

from services.registry.domain.need_categories import SEEDED_NEED_CATEGORIES, category_id
from services.registry.store.need_categories import ensure_seeded, need_category_exists

pytestmark = pytest.mark.integration


def test_the_migration_seeds_every_category_with_its_created_event(any_client):
    listed = any_client.get("/api/v1/need-categories", headers=any_client.headers("referrer"))
    assert listed.status_code == 200
    assert {c["code"]: c["label"] for c in listed.json["items"]} == SEEDED_NEED_CATEGORIES
    assert listed.json["items"][0]["id"] == str(category_id(listed.json["items"][0]["code"]))
    events = any_client.events("registry.need_category.")
    assert len(events) == len(SEEDED_NEED_CATEGORIES)
    with any_client.sessions.begin() as session:
        assert ensure_seeded(session) == [], "idempotent"
        assert need_category_exists(session, "housing")
        assert not need_category_exists(session, "astrology")


def test_admin_adds_renames_and_deactivates_a_category(any_client):
    admin = any_client.headers("admin")
    created = any_client.post("/api/v1/need-categories",
                              json={"code": "digital_inclusion", "label": "Inclusion numérique"},
                              headers=admin)
    assert created.status_code == 201, created.json
    patched = any_client.patch("/api/v1/need-categories/digital_inclusion",
                               json={"label": "Accompagnement numérique", "active": False},
                               headers=admin)
    assert (patched.json["version"], patched.json["active"]) == (2, False)
    active = any_client.get("/api/v1/need-categories?active=true",
                            headers=any_client.headers("handler")).json["items"]
    assert "digital_inclusion" not in {c["code"] for c in active}
    events = any_client.events("registry.need_category.")[-2:]
    assert [e["type"] for e in events] == ["registry.need_category.created",
                                           "registry.need_category.updated"]
    assert events[1]["data"] == {"id": created.json["id"], "code": "digital_inclusion",
                                 "label": "Accompagnement numérique", "active": False,
                                 "version": 2}


@pytest.mark.parametrize("body,status,fields", [
    ({"code": "Housing!", "label": "X"}, 422, {"code"}),
    ({"code": "new_one", "label": ""}, 422, {"label"}),
    ({"code": "housing", "label": "Doublon"}, 409, {"code"}),
    ({"code": "new_one", "label": "X", "colour": "red"}, 422, {"colour"}),
])
def test_bad_categories_are_refused_naming_the_field(any_client, body, status, fields):
    response = any_client.post("/api/v1/need-categories", json=body,
                               headers=any_client.headers("admin"))
    assert response.status_code == status
    assert {e["field"] for e in response.json["errors"]} == fields


@pytest.mark.parametrize("role", ["referrer", "handler", "coordinator"])
def test_only_admins_write_categories(any_client, role):
    headers = any_client.headers(role)
    assert any_client.post("/api/v1/need-categories", json={"code": "x_y", "label": "X"},
                           headers=headers).status_code == 403
    assert any_client.patch("/api/v1/need-categories/housing", json={"label": "X"},
                            headers=headers).status_code == 403
    assert any_client.get("/api/v1/need-categories/housing", headers=headers).status_code == 200


def test_anonymous_gets_401_and_unknown_code_404(any_client):
    assert any_client.get("/api/v1/need-categories").status_code == 401
    assert any_client.get("/api/v1/need-categories/housing").status_code == 401
    assert any_client.patch("/api/v1/need-categories/housing", json={}).status_code == 401
    missing = f"/api/v1/need-categories/x{uuid.uuid4().hex[:8]}"
    assert any_client.get(missing, headers=any_client.headers("admin")).status_code == 404
    assert any_client.patch(missing, json={"label": "Y"},
                            headers=any_client.headers("admin")).status_code == 404
