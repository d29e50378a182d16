"""The load a fault lands in: a GP submitting referrals at a steady pace and a CCAS
agent accepting each one, from threads, over HTTP, like two people at work.

Each request is retried until it gets an answer (the same Idempotency-Key for a
submission, the same If-Match for an acceptance), as a well-behaved client does
when a server is restarting: a retry must never create a second effect.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import requests

GIVE_UP_AFTER = 180.0  # seconds a client keeps retrying one request


class Traffic:
    def __init__(self, system, label: str, *, rate: float = 6.0, accept: bool = True):
        self.system, self.label, self.rate, self.accept = system, label, rate, accept
        self.referrer, self.handler = system.sign_in("referrer"), system.sign_in("handler")
        self.url = f"{system.urls['referrals']}/api/v1/referrals"
        self.ids: list[str] = []  # referrals the GP was told were created (201)
        self.accepted: set[str] = set()
        self.answers: Counter = Counter()  # every attempt's status code (or error name)
        self.first_answers: Counter = Counter()  # the first attempt of each submission
        self.abandoned: list[str] = []
        self.lock = threading.Lock()
        self.to_accept: queue.Queue = queue.Queue()
        self.stopped = threading.Event()
        self.threads: list[threading.Thread] = []
        self.started_at = datetime.now(UTC)
        self.submitted = 0
        self.errors: list[BaseException] = []

    # -- one request ---------------------------------------------------------------------
    def _attempt(self, method: str, url: str, **kwargs) -> requests.Response | None:
        try:
            answer = requests.request(method, url, timeout=10, **kwargs)
        except requests.RequestException as exc:
            with self.lock:
                self.answers[type(exc).__name__] += 1
            return None
        with self.lock:
            self.answers[answer.status_code] += 1
        return answer

    def submit(self, number: int) -> str | None:
        slug = "".join(c if c.isalnum() else "-" for c in self.label)
        key = f"{slug}-{self.started_at.timestamp():.0f}-{number}"
        body = referral_body(number)
        headers = {**self.referrer, "Idempotency-Key": key}
        deadline = time.monotonic() + GIVE_UP_AFTER
        first = True
        while time.monotonic() < deadline:
            answer = self._attempt("POST", self.url, json=body, headers=headers)
            if first:
                with self.lock:
                    self.first_answers[answer.status_code if answer is not None else "error"] += 1
                first = False
            if answer is not None and answer.status_code == 201:
                referral_id = answer.json()["id"]
                with self.lock:
                    self.ids.append(referral_id)
                if self.accept:
                    self.to_accept.put(referral_id)
                return referral_id
            if answer is not None and answer.status_code < 500 and answer.status_code != 429:
                raise AssertionError(f"submission refused: {answer.status_code} {answer.text}")
            time.sleep(0.2)
        with self.lock:
            self.abandoned.append(key)
        return None

    def accept_one(self, referral_id: str) -> None:
        url = f"{self.url}/{referral_id}"
        headers = {**self.handler, "If-Match": 'W/"1"'}
        deadline = time.monotonic() + GIVE_UP_AFTER
        while time.monotonic() < deadline:
            answer = self._attempt("POST", f"{url}/transitions", json={"action": "accept"},
                                   headers=headers)
            if answer is not None and answer.status_code == 200:
                break
            if answer is not None and answer.status_code in (409, 412):
                # An earlier attempt committed but its answer was lost: check, don't redo.
                current = self._attempt("GET", url, headers=self.handler)
                if current is not None and current.status_code == 200 \
                        and current.json()["status"] == "accepted":
                    break
                raise AssertionError(f"acceptance refused: {answer.status_code} {answer.text}")
            if answer is not None and answer.status_code < 500 and answer.status_code != 429:
                raise AssertionError(f"acceptance refused: {answer.status_code} {answer.text}")
            time.sleep(0.2)
        else:
            with self.lock:
                self.abandoned.append(f"accept {referral_id}")
            return
        with self.lock:
            self.accepted.add(referral_id)

    # -- threads ---------------------------------------------------------------------------
    def _guarded(self, target):
        def run():
            try:
                target()
            except BaseException as exc:  # surfaced by wait_for() and stop()
                self.errors.append(exc)
                self.stopped.set()
                raise
        return run

    def _submitter(self) -> None:
        started = time.monotonic()
        while not self.stopped.is_set():
            self.submit(self.submitted)
            self.submitted += 1
            ahead = started + self.submitted / self.rate - time.monotonic()
            if ahead > 0:
                self.stopped.wait(ahead)

    def _acceptor(self) -> None:
        while True:
            try:
                referral_id = self.to_accept.get(timeout=0.1)
            except queue.Empty:
                if self.stopped.is_set() and not self.threads[0].is_alive():
                    return
                continue
            self.accept_one(referral_id)

    def start(self) -> Traffic:
        self.threads = [threading.Thread(target=self._guarded(self._submitter), daemon=True)]
        if self.accept:
            self.threads.append(threading.Thread(target=self._guarded(self._acceptor),
                                                 daemon=True))
        for thread in self.threads:
            thread.start()
        return self

    def wait_for(self, count: int, timeout: float = 60) -> None:
        """Block until `count` referrals were created (the stream is flowing)."""
        deadline = time.monotonic() + timeout
        while len(self.ids) < count:
            if self.errors:
                raise self.errors[0]
            if time.monotonic() > deadline:
                raise AssertionError(f"only {len(self.ids)} referrals created in {timeout}s")
            time.sleep(0.05)

    def stop(self) -> None:
        self.stopped.set()
        for thread in self.threads:
            thread.join(timeout=GIVE_UP_AFTER + 20)
        assert not any(t.is_alive() for t in self.threads), "the clients did not finish"
        if self.errors:
            raise self.errors[0]

    def summary(self) -> str:
        return (f"referrals={len(self.ids)} accepted={len(self.accepted)} "
                f"answers={dict(self.answers)} abandoned={len(self.abandoned)}")


def referral_body(number: int) -> dict:
    """A valid referral for a resident of La Possession (access to rights); the
    birth date varies so that no two look like the same person."""
    born = date(1940, 1, 1) + timedelta(days=number % 20000)
    return {
        "beneficiary": {"first_name": "Essai", "last_name": "Panne",
                        "birth_date": born.isoformat(), "commune": "97408"},
        "need_category": "access_to_rights",
        "description": "Ouverture de droits (signalement de test de panne).",
        "urgency": "normal",
        "consent": {"obtained_by": "Dr Essai", "obtained_at": "2026-01-05T10:00:00Z",
                    "method": "oral", "scope": "referral_and_follow_up"},
    }
