"""The shared service app: problem+json errors, request ids, probes, metrics, OpenAPI."""

import json
import logging
import socket
import threading

import marshmallow as ma
import pytest
import redis
import structlog
from flask.views import MethodView
from flask_smorest import Blueprint

from shared.auth import require_roles
from shared.context import current_correlation_id
from shared.http import ApiError, create_service_app
from shared.http.health import database_check, redis_check
from shared.logging import configure_logging, get_logger

pytestmark = pytest.mark.unit

PROBLEM = "application/problem+json"


class AddressSchema(ma.Schema):
    street = ma.fields.String(required=True)
    postcode = ma.fields.String(required=True, validate=ma.validate.Regexp(r"^\d{5}$"))


class OrganisationSchema(ma.Schema):
    name = ma.fields.String(required=True)
    address = ma.fields.Nested(AddressSchema, required=True)
    contacts = ma.fields.List(ma.fields.Email())


def make_blueprint() -> Blueprint:
    blp = Blueprint("organisations", __name__, url_prefix="/api/v1/organisations")

    @blp.route("/<org_id>")
    class Organisation(MethodView):
        @blp.arguments(OrganisationSchema)
        @blp.response(200, OrganisationSchema)
        def put(self, data, org_id):
            return data

        def get(self, org_id):
            if org_id == "boom":
                raise RuntimeError("password=hunter2 in /srv/secret.py")
            if org_id == "taken":
                raise ApiError(409, "name_taken", "Name already used", detail="Pick another.")
            return {"id": org_id}

        @require_roles("admin")
        def delete(self, org_id):
            return "", 204

    @blp.route("/")
    class Organisations(MethodView):
        @require_roles("admin")  # above @blp.arguments: authorise before parsing
        @blp.arguments(OrganisationSchema)
        @blp.response(201, OrganisationSchema)
        def post(self, data):
            return data

    return blp


def failing_check():
    raise ConnectionError("could not connect to db.internal:5432 as relais/s3cret")


@pytest.fixture
def make_app():
    def build(readiness_checks=None, **kwargs):
        return create_service_app(
            name="test",
            blueprints=[make_blueprint()],
            readiness_checks=readiness_checks or {},
            config={"TESTING": True},
            **kwargs,
        )

    return build


@pytest.fixture
def client(make_app):
    return make_app().test_client()


VALID = {"name": "CCAS de Lens", "address": {"street": "1 rue Haute", "postcode": "62300"}}


def assert_problem(response, status, code):
    assert response.status_code == status
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["status"] == status
    assert body["code"] == code
    assert body["request_id"] == response.headers["X-Request-ID"]
    return body


def test_valid_body_is_accepted(client):
    response = client.put("/api/v1/organisations/o1", json=VALID)
    assert response.status_code == 200
    assert response.get_json() == VALID


def test_validation_error_lists_every_field_with_dotted_path(client):
    body = {"address": {"postcode": "ABC"}, "contacts": ["ok@example.org", "not-an-email"]}
    response = client.put("/api/v1/organisations/o1", json=body)
    problem = assert_problem(response, 422, "validation_failed")
    fields = {(e["location"], e["field"]) for e in problem["errors"]}
    assert fields == {
        ("json", "name"),
        ("json", "address.street"),
        ("json", "address.postcode"),
        ("json", "contacts.1"),
    }
    assert all(e["message"] for e in problem["errors"])


def test_unknown_field_is_rejected_by_name(client):
    response = client.put("/api/v1/organisations/o1", json={**VALID, "siret": "123"})
    problem = assert_problem(response, 422, "validation_failed")
    assert problem["errors"] == [
        {"location": "json", "field": "siret", "message": "Unknown field."}
    ]


def test_malformed_json_is_400(client):
    response = client.put(
        "/api/v1/organisations/o1", data='{"name": ', content_type="application/json"
    )
    problem = assert_problem(response, 400, "malformed_json")
    assert "not valid JSON" in problem["detail"]


def test_oversized_body_is_413(make_app):
    client = make_app(max_body_bytes=100).test_client()
    response = client.put("/api/v1/organisations/o1", json={**VALID, "name": "x" * 200})
    assert_problem(response, 413, "payload_too_large")


def test_non_json_body_is_415_before_the_view(client):
    response = client.put("/api/v1/organisations/o1", data="name=x", content_type="text/plain")
    assert_problem(response, 415, "unsupported_media_type")


def test_json_suffix_media_type_is_accepted(client):
    response = client.put(
        "/api/v1/organisations/o1",
        data=json.dumps(VALID),
        content_type="application/merge-patch+json",
    )
    assert response.status_code == 200


def test_not_found_and_method_not_allowed_are_problems(client):
    assert_problem(client.get("/api/v1/nowhere"), 404, "not_found")
    response = client.post("/api/v1/organisations/o1", json=VALID)
    assert_problem(response, 405, "method_not_allowed")
    assert "PUT" in response.headers["Allow"]


def test_api_error_is_rendered(client):
    problem = assert_problem(client.get("/api/v1/organisations/taken"), 409, "name_taken")
    assert problem["title"] == "Name already used"
    assert problem["detail"] == "Pick another."
    assert problem["type"].endswith("/name_taken")
    assert problem["instance"] == "/api/v1/organisations/taken"


def test_unhandled_exception_is_a_bare_500(client):
    response = client.get("/api/v1/organisations/boom")
    assert_problem(response, 500, "internal_error")
    text = response.get_data(as_text=True)
    for leak in ("hunter2", "RuntimeError", "Traceback", "secret.py"):
        assert leak not in text


def test_request_id_is_echoed_when_safe_and_generated_otherwise(client):
    response = client.get("/healthz", headers={"X-Request-ID": "abc-123.x_y"})
    assert response.headers["X-Request-ID"] == "abc-123.x_y"
    response = client.get("/healthz", headers={"X-Correlation-ID": "from-worker"})
    assert response.headers["X-Request-ID"] == "from-worker"
    response = client.get("/healthz", headers={"X-Request-ID": "<script>" + "a" * 200})
    generated = response.headers["X-Request-ID"]
    assert len(generated) == 36 and "script" not in generated
    assert client.get("/healthz").headers["X-Request-ID"] != generated


def test_request_id_reaches_the_problem_body(client):
    response = client.get("/api/v1/nowhere", headers={"X-Request-ID": "req-42"})
    assert response.get_json(force=True)["request_id"] == "req-42"


def test_security_headers(client):
    response = client.get("/api/v1/organisations/o1")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    problem = client.get("/api/v1/nowhere")
    assert problem.headers["Content-Security-Policy"].endswith("frame-ancestors 'none'")


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_ok(make_app):
    client = make_app({"database": lambda: None, "redis": lambda: None}).test_client()
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "checks": {"database": "ok", "redis": "ok"}}


def test_readyz_down_is_503_without_leaking_the_error(make_app):
    client = make_app({"database": failing_check, "redis": lambda: None}).test_client()
    response = client.get("/readyz")
    problem = assert_problem(response, 503, "not_ready")
    assert problem["checks"] == {"database": "down", "redis": "ok"}
    assert "s3cret" not in response.get_data(as_text=True)
    assert "db.internal" not in response.get_data(as_text=True)


def test_metrics_use_the_route_template_not_the_raw_path(client):
    client.get("/api/v1/organisations/person-jean-dupont?q=secret")
    client.get("/api/v1/nowhere/else")
    text = client.get("/metrics").get_data(as_text=True)
    assert "http_requests_total" in text
    assert 'route="/api/v1/organisations/<org_id>"' in text
    assert 'route="unmatched"' in text
    assert "jean-dupont" not in text
    assert "nowhere" not in text
    assert "http_request_duration_seconds_bucket" in text


def test_openapi_lists_the_path_and_bearer_auth_but_not_the_probes(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["info"]["title"] == "Relais test"
    assert spec["openapi"] == "3.0.3"
    assert "/api/v1/organisations/{org_id}" in spec["paths"]
    assert "/healthz" not in spec["paths"]
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    delete = spec["paths"]["/api/v1/organisations/{org_id}"]["delete"]
    assert delete["security"] == [{"bearerAuth": []}]


def test_protected_view_without_auth_configured_token_is_401(client):
    response = client.delete("/api/v1/organisations/o1")
    assert_problem(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_two_apps_in_one_process_do_not_clash(make_app):
    first, second = make_app(), make_app()
    assert first.test_client().get("/healthz").status_code == 200
    assert second.test_client().get("/healthz").status_code == 200


def test_auth_guard_runs_before_body_validation(client):
    response = client.post("/api/v1/organisations/", json={"bogus": 1})
    assert_problem(response, 401, "unauthorized")


def test_guarded_operation_keeps_its_request_body_in_the_doc(client):
    post = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/organisations/"]["post"]
    assert post["security"] == [{"bearerAuth": []}]
    assert "requestBody" in post
    assert "201" in post["responses"]


def test_access_log_has_the_route_template_and_no_personal_data(client):
    with structlog.testing.capture_logs() as logs:
        client.get("/api/v1/organisations/jean-dupont?birth=1950-01-01")
    access = [entry for entry in logs if entry["event"] == "http_request"]
    assert len(access) == 1
    assert access[0]["route"] == "/api/v1/organisations/<org_id>"
    assert access[0]["status"] == 200
    assert access[0]["method"] == "GET"
    assert access[0]["duration_ms"] >= 0
    assert "jean-dupont" not in repr(logs) and "1950" not in repr(logs)


def test_unhandled_exception_is_logged_with_its_type(client):
    with structlog.testing.capture_logs() as logs:
        client.get("/api/v1/organisations/boom")
    errors = [entry for entry in logs if entry["event"] == "unhandled_exception"]
    assert errors and errors[0]["error_type"] == "RuntimeError"


def test_correlation_id_is_set_during_the_request_only(make_app):
    seen = {}
    app = make_app()

    @app.get("/probe-context")
    def probe_context():
        seen["id"] = current_correlation_id()
        return {}

    app.test_client().get("/probe-context", headers={"X-Request-ID": "ctx-1"})
    assert seen["id"] == "ctx-1"
    assert current_correlation_id() is None


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    config = structlog.get_config()
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.configure(**config)


def test_logging_is_json_on_stdout_and_idempotent(restore_logging, capsys):
    configure_logging("first")
    configure_logging("registry", level="INFO")
    relais_handlers = [h for h in logging.getLogger().handlers if h.get_name() == "relais"]
    assert len(relais_handlers) == 1

    structlog.contextvars.bind_contextvars(request_id="r-1")
    try:
        get_logger("tests").info("organisation_created", organisation_id="o-1")
        logging.getLogger("werkzeug").warning("from stdlib")
    finally:
        structlog.contextvars.clear_contextvars()

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["event"] for line in lines] == ["organisation_created", "from stdlib"]
    for line in lines:
        assert line["service"] == "registry"
        assert line["request_id"] == "r-1"
        assert line["timestamp"].endswith("Z")
    assert lines[0]["level"] == "info" and lines[1]["level"] == "warning"
    assert lines[0]["organisation_id"] == "o-1"


def test_database_check_runs_select_one():
    from sqlalchemy import create_engine

    database_check(create_engine("sqlite://"))()  # returns quietly


def test_database_check_gives_up_after_its_timeout():
    release = threading.Event()

    class HungEngine:
        def connect(self):
            release.wait(5)  # a connection that never comes
            raise OSError("late")

    try:
        with pytest.raises(TimeoutError):
            database_check(HungEngine(), timeout_seconds=0.1)()
    finally:
        release.set()


def test_redis_check_raises_when_nothing_listens():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, not listening: connections are refused
        with pytest.raises(redis.exceptions.ConnectionError):
            redis_check(f"redis://127.0.0.1:{port}/0")()
