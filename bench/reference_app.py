"""The references the intake and end-to-end figures are compared with, served by
gunicorn with the same settings as the Relais APIs:

- `hello`: a bare Flask endpoint (the floor of the web stack: gunicorn + Flask);
- `naive`: the way one usually writes it: validate the body (the referrals
  service's own IntakeSchema), insert a row, commit, then publish the message
  inline to kombu inside the request, as `task.delay()` would; no token, no
  encryption, no audit, no outbox. `GET /naive/inbox` lists what its consumer
  (bench.naive_consumer) wrote, for the end-to-end reference.

`gunicorn -c bench/gunicorn_reference.py 'bench.reference_app:create_app("naive")'`
reads BENCH_DATABASE_URL, BENCH_REDIS_URL and BENCH_KEY_PREFIX.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime

import flask
from kombu import Exchange, Queue, pools
from marshmallow import ValidationError
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    insert,
    select,
)

from shared.db import make_engine
from shared.messaging.topology import broker_connection

metadata = MetaData()
naive_referrals = Table(
    "naive_referrals", metadata,
    Column("id", Uuid, primary_key=True),
    Column("need_category", String(50), nullable=False),
    Column("commune", String(5), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
naive_inbox = Table(
    "naive_inbox", metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("referral_id", Uuid, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

QUEUE = Queue("naive.referrals", Exchange("naive", type="direct", durable=True),
              routing_key="naive.referrals", durable=True)


def connection_from_env():
    return broker_connection(os.environ["BENCH_REDIS_URL"], visibility_timeout=300,
                             key_prefix=os.environ.get("BENCH_KEY_PREFIX", ""))


def create_app(kind: str = "hello") -> flask.Flask:
    app = flask.Flask(__name__)
    if kind == "hello":
        @app.get("/hello")
        def hello():
            return "hello"

        return app

    from services.referrals.api.schemas import IntakeSchema

    engine = make_engine(os.environ["BENCH_DATABASE_URL"])
    connection = connection_from_env()
    schema = IntakeSchema()

    @app.post("/naive/referrals")
    def submit():
        try:
            body = schema.load(flask.request.get_json())
        except ValidationError as exc:
            return {"errors": exc.messages}, 422
        referral_id = uuid.uuid4()
        with engine.begin() as conn:
            conn.execute(insert(naive_referrals).values(
                id=referral_id, need_category=body["need_category"],
                commune=body["beneficiary"]["commune"],
                body=json.dumps(flask.request.get_json()), created_at=datetime.now(UTC)))
        # The task.delay() way: publish inline, after the commit, inside the request.
        with pools.producers[connection].acquire(block=True) as producer:
            producer.publish({"referral_id": str(referral_id),
                              "need_category": body["need_category"]},
                             exchange=QUEUE.exchange, routing_key=QUEUE.routing_key,
                             declare=[QUEUE], serializer="json", delivery_mode=2, retry=True)
        return {"id": str(referral_id)}, 201

    @app.get("/naive/inbox")
    def inbox():
        limit = min(int(flask.request.args.get("limit", 50)), 200)
        query = select(naive_inbox).order_by(naive_inbox.c.id.desc()).limit(limit)
        if flask.request.args.get("after"):
            query = query.where(naive_inbox.c.id < int(flask.request.args["after"]))
        with engine.connect() as conn:
            rows = conn.execute(query).all()
        return {"items": [{"id": r.id, "summary": {"referral_id": str(r.referral_id)},
                           "created_at": r.created_at.isoformat()} for r in rows],
                "next": rows[-1].id if len(rows) == limit else None}

    return app


def create_tables(database_url: str) -> None:
    engine = make_engine(database_url)
    metadata.create_all(engine)
    engine.dispose()
