"""Use cases (submit, transition, redirect, assign, note, timers, retention): each takes
its session, keys and clock as arguments and commits nothing itself; the caller's
transaction holds the state change and its outbox events together."""
