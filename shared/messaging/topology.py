"""The whole messaging topology in one place: exchanges, queues, bindings.

One durable topic exchange per producer (`<producer>.events`), the event type
is the routing key, one durable queue per consumer purpose (`<consumer>.<purpose>`)
bound by patterns. Every process declares all of it at start: on kombu's Redis
transport a message published before its queue is bound goes nowhere, and an
exchange a process has not declared itself is treated as `direct`.

The relay does not publish through the exchanges, though: it sends one copy to
each queue whose patterns match (`queues_for`), through the default exchange.
kombu's Redis transport gives every copy of one exchange publish the SAME
delivery tag and keeps one `unacked` hash for all queues, keyed by tag: when one
queue's consumer acked its copy, the unacked record of another queue's copy went
with it, and that copy was lost if its consumer was then killed (the fault suite
lost one event per SIGKILLed worker). A copy per queue has its own tag, and is
restored to its own queue only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kombu import Connection, Exchange, Queue, binding


@dataclass(frozen=True)
class Topology:
    producers: tuple[str, ...]
    # queue name -> routing-key patterns it is bound with
    subscriptions: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def exchange(self, producer: str) -> Exchange:
        if producer not in self.producers:
            raise KeyError(f"unknown producer {producer!r}")
        return Exchange(f"{producer}.events", type="topic", durable=True)

    def exchange_for_type(self, event_type: str) -> Exchange:
        return self.exchange(event_type.split(".", 1)[0])

    def queue(self, name: str) -> Queue:
        patterns = self.subscriptions[name]
        bindings = [binding(self.exchange_for_type(p), routing_key=p) for p in patterns]
        return Queue(name, bindings=bindings, durable=True)

    def queues_for(self, event_type: str) -> tuple[str, ...]:
        """The queues a topic exchange would route `event_type` to (AMQP rules: `*` is
        one word, `#` zero or more)."""
        return tuple(name for name, patterns in self.subscriptions.items()
                     if any(topic_matches(p, event_type) for p in patterns))

    def declare(self, connection: Connection) -> None:
        """Declare every exchange, queue and binding (idempotent)."""
        channel = connection.default_channel
        for producer in self.producers:
            self.exchange(producer).declare(channel=channel)
        for name in self.subscriptions:
            self.queue(name)(channel).declare()


def topic_matches(pattern: str, routing_key: str) -> bool:
    return _matches(pattern.split("."), routing_key.split("."))


def _matches(pattern: list[str], words: list[str]) -> bool:
    if not pattern:
        return not words
    head, rest = pattern[0], pattern[1:]
    if head == "#":
        return any(_matches(rest, words[i:]) for i in range(len(words) + 1))
    return bool(words) and head in ("*", words[0]) and _matches(rest, words[1:])


TOPOLOGY = Topology(
    producers=("registry", "referrals", "notifications"),
    subscriptions={
        # referrals keeps read models of organisations, routing rules, pathways
        "referrals.read_models": ("registry.#",),
        # the registry computes indicators from referral events
        "registry.indicators": ("referrals.#",),
        # notifications tells people about what changed anywhere
        "notifications.dispatch": ("registry.#", "referrals.#"),
    },
)


def broker_connection(url: str, *, visibility_timeout: float, key_prefix: str = "") -> Connection:
    """A kombu connection with the transport options Relais depends on.

    visibility_timeout: how long an unacked message (its consumer killed) waits
    before redelivery; key_prefix isolates a deployment or a test run on a shared Redis.
    """
    options = {
        "visibility_timeout": visibility_timeout,
        # Scan for abandoned messages on every empty poll so the timeout above
        # is the delay that matters.
        "unacked_restore_throttle": 1,
        # A consumer killed while holding the restore mutex must not block the
        # restoring of abandoned messages for kombu's default 5 minutes.
        "unacked_mutex_expire": max(1, int(min(visibility_timeout, 300))),
        "socket_timeout": 10,
        "socket_connect_timeout": 5,
    }
    if key_prefix:
        options["global_keyprefix"] = key_prefix
    return Connection(url, transport_options=options)
