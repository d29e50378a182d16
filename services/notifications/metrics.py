"""Delivery metrics for /metrics. Labels are channels and statuses only: never an
address, a member id or anything a person could be recognised by.

`deliveries_total` counts the transitions made in this process (the worker's
dispatcher mostly). The API process, which serves /metrics, also reports
`relais_notification_deliveries` (how many deliveries are in each state now,
read from the database at scrape time) so the worker's work is visible there.
"""

from __future__ import annotations

from prometheus_client import REGISTRY, Counter
from prometheus_client.core import GaugeMetricFamily

deliveries_total = Counter(
    "relais_notification_deliveries_total",
    "Delivery transitions in this process, by channel and status reached.",
    ["channel", "status"],
)


class DeliveryStates:
    """A collector reading the current number of deliveries per channel and status."""

    def __init__(self):
        self.session_factory = None

    def watch(self, session_factory) -> None:
        self.session_factory = session_factory

    def describe(self):
        return []  # no eager collect() at registration: the database may not be there yet

    def collect(self):
        family = GaugeMetricFamily("relais_notification_deliveries",
                                   "Deliveries in each state now, by channel and status.",
                                   labels=["channel", "status"])
        if self.session_factory is not None:
            from services.notifications.store.deliveries import counts_by_channel_and_status
            try:
                with self.session_factory() as session:
                    for channel, status, count in counts_by_channel_and_status(session):
                        family.add_metric([channel, status], count)
            except Exception:  # noqa: BLE001, S110  (a scrape must not fail with the database)
                pass
        yield family


delivery_states = DeliveryStates()
REGISTRY.register(delivery_states)
