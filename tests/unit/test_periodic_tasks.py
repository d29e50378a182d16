"""Periodic tasks run beside the consumer, survive a failing tick, and stop on SIGTERM."""

import threading

import pytest

from shared.messaging.worker import PeriodicTask, _run_periodically

pytestmark = pytest.mark.unit


def test_a_failing_tick_does_not_stop_the_timer():
    calls, stopped = [], threading.Event()

    def flaky(_sessions):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database away")
        if len(calls) >= 3:
            stopped.set()

    thread = threading.Thread(target=_run_periodically,
                              args=(PeriodicTask("flaky", 0.01, flaky), None, stopped))
    thread.start()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert len(calls) >= 3
