"""Fixtures of the fault suite: ONE system for the whole run (private PostgreSQL
cluster, private Redis with AOF, SMTP server, webhook receiver, three APIs and
three workers, demo data), healed and quiet before each test, so that each test
pays only for its own fault. Durations are printed at the end."""

from __future__ import annotations

import os
import time

import pytest

from shared.testing.servers import PrivateRedis, ServerUnavailable
from tests.faults.effects import COUNTED
from tests.faults.servers import Mailbox, PrivatePostgres, WebhookReceiver
from tests.faults.system import FaultSystem

_DURATIONS: list[tuple[str, float]] = []


def outage_seconds(name: str, default: float, full: float) -> float:
    """An outage's length: RELAIS_FAULTS_<NAME>_SECONDS, else `full` under
    RELAIS_FAULTS_FULL=1, else the shorter CI default."""
    value = os.environ.get(f"RELAIS_FAULTS_{name.upper()}_SECONDS")
    if value:
        return float(value)
    return full if os.environ.get("RELAIS_FAULTS_FULL") == "1" else default


@pytest.fixture(scope="session")
def faults_postgres():
    try:
        server = PrivatePostgres().init().start()
    except (ServerUnavailable, OSError) as exc:
        pytest.fail(f"cannot start a private PostgreSQL cluster: {exc}", pytrace=False)
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def faults_redis():
    server = PrivateRedis()
    try:
        server.start()
    except ServerUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def fault_system(faults_postgres, faults_redis, tmp_path_factory):
    started = time.monotonic()
    mailbox, receiver = Mailbox().start(), WebhookReceiver().start()
    system = FaultSystem(postgres=faults_postgres, broker=faults_redis, mailbox=mailbox,
                         receiver=receiver, tmp_path=tmp_path_factory.mktemp("faults"))
    try:
        system.start()
    except Exception:
        print(system.logs())
        system.stop()
        raise
    _DURATIONS.append(("system start (servers, migrations, processes, demo data)",
                       time.monotonic() - started))
    yield system
    system.stop()
    mailbox.stop()
    receiver.stop()


@pytest.fixture
def system(fault_system, request):
    """The running system, whole and quiet: what a previous test broke is brought back."""
    dead = fault_system.heal()
    fault_system.wait_quiet(timeout=90, message="the system quiet before the test")
    assert fault_system.ready(), "a service is not ready"
    if dead:
        print(f"restarted before this test: {dead}")
    started = time.monotonic()
    yield fault_system
    _DURATIONS.append((request.node.name, time.monotonic() - started))
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        print(fault_system.logs())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.rep_call = report
    return report


def pytest_terminal_summary(terminalreporter):
    if not _DURATIONS:
        return
    terminalreporter.section("fault suite durations")
    for name, seconds in _DURATIONS:
        terminalreporter.write_line(f"{seconds:7.1f}s  {name}")
    terminalreporter.write_line(f"{sum(s for _, s in _DURATIONS):7.1f}s  total")
    if COUNTED:
        terminalreporter.section("fault suite counts (sent / received / lost / duplicated)")
        for line in COUNTED:
            terminalreporter.write_line(line)
