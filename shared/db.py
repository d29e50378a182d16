"""SQLAlchemy engines and sessions, the same way for every service.

PostgreSQL in deployment and integration tests; SQLite (a file under var/) for
a local run with no server. SQLite transactions start with BEGIN IMMEDIATE so
that two writers (two relays, a relay and an API) serialise instead of failing
half-way with "database is locked".
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, **kwargs) -> Engine:
    """An engine with the pragmas and pool settings Relais relies on."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        _use_immediate_transactions(engine)
        return engine
    # SQL parameters stay out of error messages and logs: they may hold personal data.
    kwargs.setdefault("hide_parameters", True)
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 5)
    kwargs.setdefault("max_overflow", 10)
    return create_engine(url, **kwargs)


def _use_immediate_transactions(engine: Engine) -> None:
    # pysqlite's own transaction handling defers BEGIN; take control of it
    # (the SQLAlchemy-documented recipe) and take the write lock up front.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def is_postgresql(engine_or_session) -> bool:
    bind = engine_or_session
    if isinstance(engine_or_session, Session):
        bind = engine_or_session.get_bind()
    return bind.dialect.name == "postgresql"


def database_unreachable(exc: BaseException) -> bool:
    """Whether `exc` says the database cannot be reached, rather than that this work failed.

    Either connecting failed (no statement: refused, starting up, shutting down) or
    SQLAlchemy saw the connection die under a statement. A statement timeout or a
    deadlock is an OperationalError too, but a live server's answer: not this.
    """
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    return exc.statement is None and isinstance(exc, OperationalError | InterfaceError)
